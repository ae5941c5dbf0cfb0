"""Layers of our own: the generator's up-convolution with a faster gradient
under JAX, and for tables, the output activation per column group and
PacGAN's packing of rows."""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

__all__ = ["FastConv2DTranspose", "Pack", "SpanActivation"]

SPAN_ACTIVATIONS = ("tanh", "softmax")


@keras.saving.register_keras_serializable(package="keras_infogan")
class FastConv2DTranspose(layers.Conv2DTranspose):
    """`Conv2DTranspose` whose gradients, under JAX, are ordinary convolutions.

    The same layer, weights and outputs as `keras.layers.Conv2DTranspose` on
    every backend. JAX differentiates its transposed convolution as a
    convolution of a dilated input, whose kernel gradient XLA on CPU runs on
    a slow path; under JAX this layer takes both gradients through the
    strided convolution that it is the transpose of, as TensorFlow does.
    TensorFlow and torch run Keras' own call.

    Example:

    ```python
    up = FastConv2DTranspose(64, 4, strides=2, padding="same")
    ```
    """

    def call(self, inputs):
        if keras.backend.backend() != "jax":
            return super().call(inputs)
        outputs = _jax_conv_transpose(
            inputs,
            ops.convert_to_tensor(self.kernel),
            strides=list(self.strides),
            padding=self.padding,
            output_padding=self.output_padding,
            dilation_rate=self.dilation_rate,
            data_format=self.data_format,
        )
        if self.use_bias:
            channels_last = self.data_format == "channels_last"
            shape = (1,) * (self.rank + 1) + (self.filters,) if channels_last else (1, self.filters) + (1,) * self.rank
            outputs = outputs + ops.reshape(self.bias, shape)
        return self.activation(outputs) if self.activation is not None else outputs


def _jax_conv_transpose(inputs: Any, kernel: Any, **options: Any) -> Any:
    """`keras.ops.conv_transpose` under JAX with a custom VJP.

    The op is linear in its input: its transpose is the strided convolution
    it inverts the shape of. The input gradient is that convolution of the
    output gradient, and the kernel gradient is that convolution's ordinary
    kernel gradient. Reverse mode only, as any `jax.custom_vjp`.
    """
    import jax

    def forward(x, w):
        return ops.conv_transpose(x, w, **options)

    def strided_conv(g, w, x):
        """The transpose of `forward(., w)` (inputs shaped like x), at g."""
        (out,) = jax.linear_transpose(lambda x: forward(x, w), x)(g)
        return out

    @jax.custom_vjp
    def op(x, w):
        return forward(x, w)

    def op_forward(x, w):
        return forward(x, w), (x, w)

    def op_backward(saved, g):
        # The op is bilinear: the kernel gradient is the pullback of
        # w -> strided_conv(g, w, x) at x, and its value is the input gradient.
        x, w = saved
        dx, pull_back = jax.vjp(lambda w: strided_conv(g, w, x), w)
        (dw,) = pull_back(x)
        return dx, dw

    op.defvjp(op_forward, op_backward)
    return op(inputs, kernel)


@keras.saving.register_keras_serializable(package="keras_infogan")
class SpanActivation(layers.Layer):
    """Applies an activation to each group of columns: tanh to a continuous
    column's scalar, softmax to a one-hot (a mode or a category).

    Args:
        spans: (start, width, activation) per group, covering the columns in
            order, as `TableTransformer.spans` gives them.

    Example:

    ```python
    rows = SpanActivation([(s.start, s.width, s.activation) for s in transformer.spans])(logits)
    ```
    """

    def __init__(self, spans: list, **kwargs):
        super().__init__(**kwargs)
        self.spans = [(int(start), int(width), str(activation)) for start, width, activation in spans]
        end = 0
        for start, width, activation in self.spans:
            if start != end or width < 1 or activation not in SPAN_ACTIVATIONS:
                raise ValueError(
                    f"Spans must cover the columns in order, each (start, width >= 1, one of {list(SPAN_ACTIVATIONS)}); "
                    f"got {(start, width, activation)} after column {end}."
                )
            end = start + width
        self.width = end

    def call(self, inputs):
        parts = []
        for start, width, activation in self.spans:
            x = inputs[:, start : start + width]
            if activation == "tanh":
                parts.append(ops.tanh(x))
            else:  # a one-hot of one entry (a column with one mode) is 1: softmax would warn
                parts.append(ops.softmax(x, axis=-1) if width > 1 else ops.ones_like(x))
        return ops.concatenate(parts, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "spans": [list(span) for span in self.spans]}


@keras.saving.register_keras_serializable(package="keras_infogan")
class Pack(layers.Layer):
    """PacGAN's packing (Lin et al., 2018): each `pac` consecutive rows become
    one, [B, F] -> [B / pac, pac * F], so that D judges them together. B must
    be a multiple of `pac`.

    Example:

    ```python
    packed = Pack(10)(features)
    ```
    """

    def __init__(self, pac: int, **kwargs):
        super().__init__(**kwargs)
        if pac < 1:
            raise ValueError(f"pac must be at least 1, got {pac}.")
        self.pac = int(pac)

    def call(self, inputs):
        return ops.reshape(inputs, (-1, self.pac * inputs.shape[-1]))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.pac
        return (batch, self.pac * input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pac": self.pac}
