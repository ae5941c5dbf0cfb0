"""Layers of our own: the generator's up-convolution with a faster gradient under JAX."""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

__all__ = ["FastConv2DTranspose"]


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
