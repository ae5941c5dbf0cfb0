"""The networks: the paper's MNIST G and D trunk, a DCGAN-style pair for
32x32 / 64x64 colour images, and the two small heads on the shared trunk.

Every builder returns a functional `keras.Model`, so a user's own networks
plug in the same way: a generator mapping [B, spec.input_dim] to images in
[0, 1], and a trunk mapping images to a feature vector. `weight_init`
picks Keras' initialisation or openai/InfoGAN's (N(0, 0.02) weights, its
batch norm and leaky slope 0.01).
"""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_infogan import losses

WEIGHT_INITS = ("glorot", "openai")


def check_weight_init(weight_init: str) -> str:
    """`weight_init` if it is one of `WEIGHT_INITS`, else the project's ValueError naming them."""
    return losses.check_choice("weight_init", weight_init, WEIGHT_INITS)


def _kernel(weight_init: str, conv: bool = False):
    """Keras' Glorot default, or openai/InfoGAN's N(0, 0.02) (truncated in convs).

    A new initializer per layer: one unseeded instance reused would give
    layers of the same shape the same weights."""
    if weight_init == "glorot":
        return "glorot_uniform"
    cls = keras.initializers.TruncatedNormal if conv else keras.initializers.RandomNormal
    return cls(stddev=0.02)


def _batch_norm(weight_init: str) -> layers.BatchNormalization:
    """Keras' batch norm, or openai/InfoGAN's: gamma ~ N(1, 0.02), epsilon 1e-5,
    moving averages with decay 0.9."""
    if weight_init == "glorot":
        return layers.BatchNormalization()
    return layers.BatchNormalization(
        momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02)
    )


@keras.saving.register_keras_serializable(package="keras_infogan")
class FastConv2DTranspose(layers.Conv2DTranspose):
    """`Conv2DTranspose` whose gradients, under JAX, are ordinary convolutions.

    The same layer, weights and outputs as `keras.layers.Conv2DTranspose` on
    every backend. Differentiating JAX's transposed convolution (a convolution
    with a dilated input) gives a kernel gradient that XLA on CPU runs on a
    slow path; `keras_infogan.steps.jax.conv_transpose` takes both gradients
    through the strided convolution that the layer is the transpose of, as
    TensorFlow does (BENCHMARKS.md). TensorFlow and torch keep Keras' call.
    """

    def call(self, inputs):
        if keras.backend.backend() != "jax":
            return super().call(inputs)
        from keras_infogan.steps import jax as jax_steps

        outputs = jax_steps.conv_transpose(
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


# `.keras` files written before the rename name the layer PhaseConv2DTranspose.
keras.saving.get_custom_objects()["keras_infogan>PhaseConv2DTranspose"] = FastConv2DTranspose


def _leaky(x, weight_init: str):
    """Leaky ReLU: slope 0.1, or openai/InfoGAN's 0.01 with its initialisation."""
    return layers.LeakyReLU(negative_slope=0.1 if weight_init == "glorot" else 0.01)(x)


def mnist_generator(
    input_dim: int, image_shape: tuple[int, int, int] = (28, 28, 1), weight_init: str = "glorot"
) -> keras.Model:
    """The paper's MNIST G: FC 1024, FC 7x7x128, up-conv 64, up-conv C, sigmoid.

    The up-convs are 4x4, stride 2 (`FastConv2DTranspose`). `weight_init` is
    a name in `WEIGHT_INITS`."""
    check_weight_init(weight_init)
    h, w, c = image_shape
    if h % 4 or w % 4:
        raise ValueError(f"mnist_generator needs a height and width divisible by 4, got {image_shape}.")
    z = keras.Input((input_dim,), name="latent")
    x = layers.Dense(1024, kernel_initializer=_kernel(weight_init))(z)
    x = layers.ReLU()(_batch_norm(weight_init)(x))
    x = layers.Dense((h // 4) * (w // 4) * 128, kernel_initializer=_kernel(weight_init))(x)
    x = layers.ReLU()(_batch_norm(weight_init)(x))
    x = layers.Reshape((h // 4, w // 4, 128))(x)
    x = FastConv2DTranspose(64, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init))(x)
    x = layers.ReLU()(_batch_norm(weight_init)(x))
    x = FastConv2DTranspose(
        c, 4, strides=2, padding="same", activation="sigmoid", kernel_initializer=_kernel(weight_init)
    )(x)
    return keras.Model(z, x, name="generator")


def mnist_discriminator_trunk(
    image_shape: tuple[int, int, int] = (28, 28, 1), weight_init: str = "glorot"
) -> keras.Model:
    """The paper's MNIST D trunk shared by D and Q: conv 64, conv 128, FC 1024."""
    check_weight_init(weight_init)
    images = keras.Input(image_shape, name="images")
    x = layers.Conv2D(64, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True))(images)
    x = _leaky(x, weight_init)
    x = layers.Conv2D(128, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True))(x)
    x = _leaky(_batch_norm(weight_init)(x), weight_init)
    x = layers.Dense(1024, kernel_initializer=_kernel(weight_init))(layers.Flatten()(x))
    x = _leaky(_batch_norm(weight_init)(x), weight_init)
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


def dcgan_generator(
    input_dim: int,
    image_shape: tuple[int, int, int] = (32, 32, 3),
    width: int = 64,
    weight_init: str = "glorot",
) -> keras.Model:
    """DCGAN-style G (SVHN / CelebA scale): FC to 4x4, then up-convs doubling."""
    check_weight_init(weight_init)
    n = _doublings(image_shape)
    z = keras.Input((input_dim,), name="latent")
    filters = width * 2 ** (n - 1)
    x = layers.Dense(4 * 4 * filters * 2, kernel_initializer=_kernel(weight_init))(z)
    x = layers.ReLU()(_batch_norm(weight_init)(x))
    x = layers.Reshape((4, 4, filters * 2))(x)
    for i in range(n - 1):
        x = FastConv2DTranspose(
            filters // 2**i, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init)
        )(x)
        x = layers.ReLU()(_batch_norm(weight_init)(x))
    x = FastConv2DTranspose(
        image_shape[-1], 4, strides=2, padding="same", activation="sigmoid", kernel_initializer=_kernel(weight_init)
    )(x)
    return keras.Model(z, x, name="generator")


def dcgan_discriminator_trunk(
    image_shape: tuple[int, int, int] = (32, 32, 3), width: int = 64, weight_init: str = "glorot"
) -> keras.Model:
    """DCGAN-style D trunk: strided convs down to 4x4, then flattened."""
    check_weight_init(weight_init)
    n = _doublings(image_shape)
    images = keras.Input(image_shape, name="images")
    x = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True))(images)
    x = _leaky(x, weight_init)
    for i in range(1, n):
        x = layers.Conv2D(
            width * 2**i, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True)
        )(x)
        x = _leaky(_batch_norm(weight_init)(x), weight_init)
    return keras.Model(images, layers.Flatten()(x), name="discriminator_trunk")


def _features_input(trunk: keras.Model) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    features = keras.Input(trunk.output_shape[1:], name="features")
    x = layers.Flatten()(features) if len(trunk.output_shape) > 2 else features
    return features, x


def discriminator_head(trunk: keras.Model, weight_init: str = "glorot") -> keras.Model:
    """D's head on the trunk: one logit for real vs fake."""
    check_weight_init(weight_init)
    features, x = _features_input(trunk)
    return keras.Model(features, layers.Dense(1, kernel_initializer=_kernel(weight_init))(x), name="d_head")


def q_head(trunk: keras.Model, output_dim: int, hidden: int = 128, weight_init: str = "glorot") -> keras.Model:
    """Q's head on the trunk (paper: FC 128, BN, leaky ReLU, then the codes).

    `output_dim` is the total number of categories plus two outputs (mean and
    raw log-std) per continuous code.
    """
    check_weight_init(weight_init)
    features, x = _features_input(trunk)
    x = layers.Dense(hidden, kernel_initializer=_kernel(weight_init))(x)
    x = _leaky(_batch_norm(weight_init)(x), weight_init)
    return keras.Model(features, layers.Dense(output_dim, kernel_initializer=_kernel(weight_init))(x), name="q_head")
