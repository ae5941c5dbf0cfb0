"""Gradient penalties on D's inputs, written once with `keras.ops`: WGAN-GP,
DRAGAN and R1.

A penalty is where D's input gradient is taken (`penalty_points`) and a
function of that gradient (`gradient_penalty`). The gradient itself is the
one backend-specific part (`keras_infogan.backend.input_gradient`), taken so
that the D update differentiates through it (second order).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

from keras_infogan import networks

__all__ = [
    "LAYER_NORM_PENALTIES",
    "PENALTIES",
    "PENALTY_WEIGHTS",
    "check_critic",
    "critic_normalization",
    "gradient_penalty",
    "penalty_points",
]

PENALTIES = ("none", "wgan-gp", "dragan", "r1")
# lambda of WGAN-GP (Gulrajani et al. 2017) and DRAGAN (Kodali et al. 2017),
# gamma of R1 (Mescheder et al. 2018), as their papers set them.
PENALTY_WEIGHTS = {"none": 0.0, "wgan-gp": 10.0, "dragan": 10.0, "r1": 10.0}
# Penalties on each image's own gradient that batch norm in the critic would
# couple to the rest of the batch: WGAN-GP's critic has layer norm instead
# (Gulrajani et al. 2017, section 4). DRAGAN and R1 keep the paper's batch norm.
LAYER_NORM_PENALTIES = ("wgan-gp",)
# DRAGAN perturbs real images by up to this many of the batch's pixel stds.
DRAGAN_SCALE = 0.5


def penalty_points(kind: str, real: Any, fake: Any, seed: Any) -> Any:
    """Where the penalty `kind` takes D's input gradient.

    "wgan-gp": a random point on the line between each real and fake image;
    "dragan": a random point between each real image and a copy perturbed by
    uniform noise of `DRAGAN_SCALE` times the batch's std (the DRAGAN
    authors' code); "r1": the real images.
    """
    real = ops.convert_to_tensor(real, "float32")
    if kind == "r1":
        return real
    fake = ops.convert_to_tensor(fake, "float32")
    shape = tuple(ops.shape(real))
    alpha = keras.random.uniform((shape[0],) + (1,) * (len(shape) - 1), seed=seed)
    if kind == "wgan-gp":
        return alpha * real + (1.0 - alpha) * fake
    if kind == "dragan":
        perturbed = real + DRAGAN_SCALE * ops.std(real) * keras.random.uniform(shape, seed=seed)
        return real + alpha * (perturbed - real)
    raise ValueError(f"Unknown gradient_penalty {kind!r}; choose one of {[p for p in PENALTIES if p != 'none']}.")


def gradient_penalty(kind: str, gradients: Any) -> Any:
    """The penalty `kind` on D's input gradients [B, ...], unweighted:
    E[(||g|| - 1)^2] for "wgan-gp" and "dragan", E[||g||^2] / 2 for "r1"
    (so that its weight is R1's gamma)."""
    squared = ops.sum(ops.square(gradients), axis=tuple(range(1, len(ops.shape(gradients)))))
    if kind == "r1":
        return 0.5 * ops.mean(squared)
    # The small constant keeps the norm's gradient finite where g is 0.
    return ops.mean(ops.square(ops.sqrt(squared + 1e-12) - 1.0))


def critic_normalization(kind: str) -> str:
    """The trunk normalisation (`networks.CRITIC_NORMALIZATIONS`) the penalty
    `kind` trains with: layer norm for WGAN-GP, else the paper's batch norm."""
    return "layer" if kind in LAYER_NORM_PENALTIES else networks.CRITIC_NORMALIZATION


def check_critic(kind: str, trunk: keras.Model) -> None:
    """A ValueError where the penalty `kind` needs a critic without batch norm
    and `trunk` has some."""
    if kind in LAYER_NORM_PENALTIES and any(isinstance(layer, layers.BatchNormalization) for layer in _layers(trunk)):
        raise ValueError(
            f"gradient_penalty={kind!r} penalises each image's gradient, which batch norm in the critic couples to "
            "the rest of the batch: build the model with InfoGAN.for_images(..., critic_normalization='layer'), "
            "or give a discriminator trunk without BatchNormalization."
        )


def _layers(model: keras.Layer) -> list[keras.Layer]:
    """`model`'s layers, those of nested models included."""
    found = []
    for layer in getattr(model, "layers", []):
        found += [layer, *_layers(layer)]
    return found
