"""The networks: the paper's MNIST G and D trunk, a DCGAN-style pair for
square images of 16, 32, 64, ... pixels a side, and the two small heads on the shared trunk.

Every builder returns a functional `keras.Model`, so a user's own networks
plug in the same way: a generator mapping [B, spec.input_dim] to images in
[0, 1], and a trunk mapping images to a feature vector. `weight_init`
picks Keras' initialisation or openai/InfoGAN's (N(0, 0.02) weights, its
batch norm and leaky slope 0.01).
"""

from __future__ import annotations

import keras
from keras import layers

from keras_infogan import devices
from keras_infogan.layers import FastConv2DTranspose

__all__ = [
    "CRITIC_NORMALIZATION",
    "CRITIC_NORMALIZATIONS",
    "WEIGHT_INIT",
    "WEIGHT_INITS",
    "check_critic_normalization",
    "check_weight_init",
    "dcgan_discriminator_trunk",
    "dcgan_generator",
    "discriminator_head",
    "mnist_discriminator_trunk",
    "mnist_generator",
    "q_head",
]

WEIGHT_INITS = ("glorot", "openai")
WEIGHT_INIT = "glorot"
# The trunk's normalisation: batch norm (the paper's), or layer norm, which
# normalises each image alone (`penalties.critic_normalization` says which a penalty needs).
CRITIC_NORMALIZATIONS = ("batch", "layer")
CRITIC_NORMALIZATION = "batch"
HEAD_DTYPE = "float32"  # The heads' logits feed the losses: float32 under mixed precision too.


def check_weight_init(weight_init: str) -> str:
    """`weight_init` if it is one of `WEIGHT_INITS`, else a ValueError naming them."""
    if weight_init not in WEIGHT_INITS:
        raise ValueError(f"Unknown weight_init {weight_init!r}; choose one of {list(WEIGHT_INITS)}.")
    return weight_init


def check_critic_normalization(normalization: str) -> str:
    """`normalization` if it is one of `CRITIC_NORMALIZATIONS`, else a ValueError naming them."""
    if normalization not in CRITIC_NORMALIZATIONS:
        raise ValueError(f"Unknown critic normalization {normalization!r}; choose one of {list(CRITIC_NORMALIZATIONS)}.")
    return normalization


def _kernel(weight_init: str, conv: bool = False):
    """Keras' Glorot default, or openai/InfoGAN's N(0, 0.02) (truncated in convs).

    A new initializer per layer: one unseeded instance reused would give
    layers of the same shape the same weights."""
    if weight_init == "glorot":
        return "glorot_uniform"
    cls = keras.initializers.TruncatedNormal if conv else keras.initializers.RandomNormal
    return cls(stddev=0.02)


def _batch_norm(weight_init: str, dtype: str | None = None) -> layers.BatchNormalization:
    """Keras' batch norm, or openai/InfoGAN's: gamma ~ N(1, 0.02), epsilon 1e-5,
    moving averages with decay 0.9; synchronized across the replicas of a
    TensorFlow data-parallel run (`devices.synchronized_batch_norm`)."""
    options = {"synchronized": True} if devices.synchronized_batch_norm() else {}
    if dtype is not None:
        options["dtype"] = dtype
    if weight_init == "glorot":
        return layers.BatchNormalization(**options)
    return layers.BatchNormalization(
        momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02), **options
    )


def _critic_norm(x, normalization: str, weight_init: str):
    """`x` normalised as the trunk's `normalization` says: `_batch_norm`, or
    layer norm over all of each image's features (WGAN-GP's critic)."""
    if normalization == "layer":
        return layers.LayerNormalization(axis=list(range(1, len(x.shape))))(x)
    return _batch_norm(weight_init)(x)


def _leaky(x, weight_init: str, dtype: str | None = None):
    """Leaky ReLU: slope 0.1, or openai/InfoGAN's 0.01 with its initialisation."""
    return layers.LeakyReLU(negative_slope=0.1 if weight_init == "glorot" else 0.01, dtype=dtype)(x)


def mnist_generator(
    input_dim: int, image_shape: tuple[int, int, int] = (28, 28, 1), weight_init: str = WEIGHT_INIT
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
    image_shape: tuple[int, int, int] = (28, 28, 1),
    weight_init: str = WEIGHT_INIT,
    normalization: str = CRITIC_NORMALIZATION,
) -> keras.Model:
    """The paper's MNIST D trunk shared by D and Q: conv 64, conv 128, FC 1024,
    normalised as `normalization` (a name in `CRITIC_NORMALIZATIONS`) says."""
    check_weight_init(weight_init)
    check_critic_normalization(normalization)
    images = keras.Input(image_shape, name="images")
    x = layers.Conv2D(64, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True))(images)
    x = _leaky(x, weight_init)
    x = layers.Conv2D(128, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True))(x)
    x = _leaky(_critic_norm(x, normalization, weight_init), weight_init)
    x = layers.Dense(1024, kernel_initializer=_kernel(weight_init))(layers.Flatten()(x))
    x = _leaky(_critic_norm(x, normalization, weight_init), weight_init)
    return keras.Model(images, x, name="discriminator_trunk")


def _doublings(image_shape: tuple[int, int, int]) -> int:
    h, w, _ = image_shape
    if h != w or h < 16 or h & (h - 1):
        raise ValueError(
            f"No built-in networks take images of {image_shape[0]}x{image_shape[1]}: they take 28x28, or "
            f"square sides that are a power of two from 16 (16, 32, 64, ...). Resize the images (--image-size H W, "
            f"or image_size= in keras_infogan.data.load), or pass your own generator and discriminator_trunk."
        )
    return (h // 4).bit_length() - 1


def dcgan_generator(
    input_dim: int,
    image_shape: tuple[int, int, int] = (32, 32, 3),
    width: int = 64,
    weight_init: str = WEIGHT_INIT,
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
    image_shape: tuple[int, int, int] = (32, 32, 3),
    width: int = 64,
    weight_init: str = WEIGHT_INIT,
    normalization: str = CRITIC_NORMALIZATION,
) -> keras.Model:
    """DCGAN-style D trunk: strided convs down to 4x4, then flattened;
    normalised as `normalization` says."""
    check_weight_init(weight_init)
    check_critic_normalization(normalization)
    n = _doublings(image_shape)
    images = keras.Input(image_shape, name="images")
    x = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True))(images)
    x = _leaky(x, weight_init)
    for i in range(1, n):
        x = layers.Conv2D(
            width * 2**i, 4, strides=2, padding="same", kernel_initializer=_kernel(weight_init, conv=True)
        )(x)
        x = _leaky(_critic_norm(x, normalization, weight_init), weight_init)
    return keras.Model(images, layers.Flatten()(x), name="discriminator_trunk")


def _features_input(trunk: keras.Model) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    features = keras.Input(trunk.output_shape[1:], name="features")
    x = layers.Flatten(dtype=HEAD_DTYPE)(features) if len(trunk.output_shape) > 2 else features
    return features, x


def discriminator_head(trunk: keras.Model, weight_init: str = WEIGHT_INIT) -> keras.Model:
    """D's head on the trunk: one logit for real vs fake (float32 whatever the trunk's precision)."""
    check_weight_init(weight_init)
    features, x = _features_input(trunk)
    logit = layers.Dense(1, kernel_initializer=_kernel(weight_init), dtype=HEAD_DTYPE)(x)
    return keras.Model(features, logit, name="d_head")


def q_head(trunk: keras.Model, output_dim: int, hidden: int, weight_init: str = WEIGHT_INIT) -> keras.Model:
    """Q's head on the trunk (paper: FC 128, BN, leaky ReLU, then the codes),
    float32 whatever the trunk's precision.

    `output_dim` is the total number of categories plus two outputs (mean and
    raw log-std) per continuous code.
    """
    check_weight_init(weight_init)
    features, x = _features_input(trunk)
    x = layers.Dense(hidden, kernel_initializer=_kernel(weight_init), dtype=HEAD_DTYPE)(x)
    x = _leaky(_batch_norm(weight_init, dtype=HEAD_DTYPE)(x), weight_init, dtype=HEAD_DTYPE)
    codes = layers.Dense(output_dim, kernel_initializer=_kernel(weight_init), dtype=HEAD_DTYPE)(x)
    return keras.Model(features, codes, name="q_head")
