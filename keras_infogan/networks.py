"""The networks: the paper's MNIST G and D trunk, a DCGAN-style pair for
32x32 / 64x64 colour images, and the two small heads on the shared trunk.

Every builder returns a functional `keras.Model`, so a user's own networks
plug in the same way: a generator mapping [B, spec.input_dim] to images in
[0, 1], and a trunk mapping images to a feature vector.
"""

from __future__ import annotations

import keras
from keras import layers, ops

LEAKY_SLOPE = 0.1


@keras.saving.register_keras_serializable(package="keras_infogan")
class PhaseConv2DTranspose(layers.Conv2DTranspose):
    """`Conv2DTranspose` that, under JAX, is computed one output phase at a time.

    The same layer, weights and outputs as `keras.layers.Conv2DTranspose` on
    every backend; only JAX's computation differs. A stride-s transposed
    convolution is s*s ordinary stride-1 convolutions, one per output phase,
    each with its own slice of the kernel, whose outputs interleave. XLA on
    CPU takes the kernel gradient of the dilated convolution behind JAX's
    `Conv2DTranspose` on a slow path (1137 ms against 153 ms by phases for the
    MNIST generator's first up-conv, batch 128). TensorFlow and torch run
    their own transposed convolution faster than the phases, so they keep it,
    as do settings the phases do not cover (`padding="valid"`, dilation,
    channels-first, unknown height or width).
    """

    def call(self, inputs):
        if keras.backend.backend() == "jax" and self.phases_apply(inputs):
            return self.call_by_phase(inputs)
        return super().call(inputs)

    def phases_apply(self, inputs) -> bool:
        """Whether `call_by_phase` covers these settings and this input."""
        return (
            self.padding == "same"
            and self.data_format == "channels_last"
            and self.output_padding is None
            and all(d == 1 for d in self.dilation_rate)
            and all(k >= s for k, s in zip(self.kernel_size, self.strides))
            and None not in inputs.shape[1:3]
        )

    def call_by_phase(self, inputs):
        """The transposed convolution as one stride-1 convolution per output phase."""
        (sh, sw), (kh, kw) = self.strides, self.kernel_size
        phases_h, phases_w = _phases(kh, sh), _phases(kw, sw)
        h, w = inputs.shape[1], inputs.shape[2]
        # Phase 0 always reads offset 0 (kernel >= stride), so both pads are >= 0.
        lo_h, hi_h = -min(p[0] for p in phases_h), max(p[0] + p[1] - 1 for p in phases_h)
        lo_w, hi_w = -min(p[0] for p in phases_w), max(p[0] + p[1] - 1 for p in phases_w)
        x = ops.pad(inputs, [[0, 0], [lo_h, hi_h], [lo_w, hi_w], [0, 0]])
        # Flipped, as [kh, kw, in, out]: each phase's taps are a strided slice.
        kernel = ops.transpose(ops.flip(self.kernel, axis=(0, 1)), (0, 1, 3, 2))
        rows = []
        for d_h, n_h, j_h in phases_h:
            cols = []
            for d_w, n_w, j_w in phases_w:
                k = kernel[j_h : j_h + sh * (n_h - 1) + 1 : sh, j_w : j_w + sw * (n_w - 1) + 1 : sw]
                r, c = d_h + lo_h, d_w + lo_w
                window = x[:, r : r + h + n_h - 1, c : c + w + n_w - 1]
                cols.append(ops.conv(window, k, strides=1, padding="valid"))
            rows.append(ops.stack(cols, axis=3))
        y = ops.stack(rows, axis=3)  # [B, H, W, phase_h, phase_w, filters]
        y = ops.reshape(ops.transpose(y, (0, 1, 3, 2, 4, 5)), (-1, h * sh, w * sw, self.filters))
        if self.use_bias:
            y = y + self.bias
        return self.activation(y) if self.activation is not None else y


def _phases(kernel: int, stride: int) -> list[tuple[int, int, int]]:
    """Per output phase p of a "same" transposed convolution: the first input
    offset it reads, its number of taps, and its first tap's index in the
    flipped kernel (taps are `stride` apart)."""
    before = (kernel - stride) // 2
    out = []
    for p in range(stride):
        offsets = [d for d in range(-kernel, kernel + 1) if 0 <= p + before - stride * d < kernel]
        out.append((offsets[0], len(offsets), kernel - 1 - (p + before - stride * offsets[0])))
    return out


def _leaky(x):
    return layers.LeakyReLU(negative_slope=LEAKY_SLOPE)(x)


def mnist_generator(input_dim: int, image_shape: tuple[int, int, int] = (28, 28, 1)) -> keras.Model:
    """The paper's MNIST G: FC 1024, FC 7x7x128, up-conv 64, up-conv C, sigmoid.

    The up-convs are 4x4, stride 2 (`PhaseConv2DTranspose`)."""
    h, w, c = image_shape
    if h % 4 or w % 4:
        raise ValueError(f"mnist_generator needs a height and width divisible by 4, got {image_shape}.")
    z = keras.Input((input_dim,), name="latent")
    x = layers.Dense(1024)(z)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Dense((h // 4) * (w // 4) * 128)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((h // 4, w // 4, 128))(x)
    x = PhaseConv2DTranspose(64, 4, strides=2, padding="same")(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = PhaseConv2DTranspose(c, 4, strides=2, padding="same", activation="sigmoid")(x)
    return keras.Model(z, x, name="generator")


def mnist_discriminator_trunk(image_shape: tuple[int, int, int] = (28, 28, 1)) -> keras.Model:
    """The paper's MNIST D trunk shared by D and Q: conv 64, conv 128, FC 1024."""
    images = keras.Input(image_shape, name="images")
    x = _leaky(layers.Conv2D(64, 4, strides=2, padding="same")(images))
    x = layers.Conv2D(128, 4, strides=2, padding="same")(x)
    x = _leaky(layers.BatchNormalization()(x))
    x = layers.Dense(1024)(layers.Flatten()(x))
    x = _leaky(layers.BatchNormalization()(x))
    return keras.Model(images, x, name="discriminator_trunk")


def _doublings(image_shape: tuple[int, int, int]) -> int:
    h, w, _ = image_shape
    if h != w or h < 16 or h & (h - 1):
        raise ValueError(
            f"The DCGAN networks need square images whose side is a power of two "
            f">= 16 (e.g. 32 or 64), got {image_shape}. Resize the images, or pass "
            f"your own generator and discriminator_trunk to InfoGAN."
        )
    return (h // 4).bit_length() - 1


def dcgan_generator(input_dim: int, image_shape: tuple[int, int, int] = (32, 32, 3), width: int = 64) -> keras.Model:
    """DCGAN-style G (SVHN / CelebA scale): FC to 4x4, then up-convs doubling."""
    n = _doublings(image_shape)
    z = keras.Input((input_dim,), name="latent")
    filters = width * 2 ** (n - 1)
    x = layers.Dense(4 * 4 * filters * 2)(z)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((4, 4, filters * 2))(x)
    for i in range(n - 1):
        x = PhaseConv2DTranspose(filters // 2**i, 4, strides=2, padding="same")(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    x = PhaseConv2DTranspose(image_shape[-1], 4, strides=2, padding="same", activation="sigmoid")(x)
    return keras.Model(z, x, name="generator")


def dcgan_discriminator_trunk(image_shape: tuple[int, int, int] = (32, 32, 3), width: int = 64) -> keras.Model:
    """DCGAN-style D trunk: strided convs down to 4x4, then flattened."""
    n = _doublings(image_shape)
    images = keras.Input(image_shape, name="images")
    x = _leaky(layers.Conv2D(width, 4, strides=2, padding="same")(images))
    for i in range(1, n):
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same")(x)
        x = _leaky(layers.BatchNormalization()(x))
    return keras.Model(images, layers.Flatten()(x), name="discriminator_trunk")


def _features_input(trunk: keras.Model) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    features = keras.Input(trunk.output_shape[1:], name="features")
    x = layers.Flatten()(features) if len(trunk.output_shape) > 2 else features
    return features, x


def discriminator_head(trunk: keras.Model) -> keras.Model:
    """D's head on the trunk: one logit for real vs fake."""
    features, x = _features_input(trunk)
    return keras.Model(features, layers.Dense(1)(x), name="d_head")


def q_head(trunk: keras.Model, output_dim: int, hidden: int = 128) -> keras.Model:
    """Q's head on the trunk (paper: FC 128, BN, leaky ReLU, then the codes).

    `output_dim` is the total number of categories plus two outputs (mean and
    raw log-std) per continuous code.
    """
    features, x = _features_input(trunk)
    x = _leaky(layers.BatchNormalization()(layers.Dense(hidden)(x)))
    return keras.Model(features, layers.Dense(output_dim)(x), name="q_head")
