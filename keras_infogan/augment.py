"""Augmentations that leave a digit's class alone: Q must read the categorical
codes through them, from G's images (`categorical_augmentation`) or, with
`iic_weight`, from real images whose two readings must agree.

A categorical code may split the data by style instead of by class: on MNIST
one code value draws 4s and 9s that lean right and another those that lean
left (BENCHMARKS.md). When Q must recover the code from an augmented copy of
each image too, a code value cannot stand for what the augmentation changes,
so the code is pushed towards what it keeps (the digit) and the style is left
to the continuous codes. Written with `keras.ops`, so they run inside every
backend's train step; `InfoGAN.compile` looks them up by name.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
from keras import ops


def stroke_width(images: Any, seed: Any) -> Any:
    """Each image thickened (3x3 max filter), thinned (3x3 min filter) or
    left as is, with equal chances: strokes change width, for bright strokes
    on a dark background as in MNIST."""
    chance = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=seed)
    thick = ops.max_pool(images, 3, strides=1, padding="same")
    thin = -ops.max_pool(-images, 3, strides=1, padding="same")
    return ops.where(chance < 1 / 3, thick, ops.where(chance < 2 / 3, thin, images))


def shear(images: Any, amounts: Any) -> Any:
    """Images [B, H, W, C] sheared horizontally about their centre row by
    `amounts` [B] pixels per row, bilinearly: an image's slant (rightward
    lean per pixel upwards, as `evaluation.slant` measures it) grows by its
    amount. What moves in from outside the image is black."""
    height, width = images.shape[1], images.shape[2]
    rows = ops.reshape(ops.arange(height, dtype="float32") - (height - 1) / 2, (1, height, 1, 1))
    cols = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, width, 1))
    source = cols + ops.reshape(ops.cast(amounts, "float32"), (-1, 1, 1, 1)) * rows
    left = ops.floor(source)
    weight = source - left

    def column(index):
        inside = ops.cast(ops.logical_and(index >= 0, index <= width - 1), images.dtype)
        index = ops.cast(ops.clip(index, 0, width - 1), "int32")
        picked = ops.take_along_axis(images, ops.broadcast_to(index, ops.shape(images)), axis=2)
        return inside * picked

    return (1 - weight) * column(left) + weight * column(left + 1)


def slant(images: Any, seed: Any, max_shear: float = 0.4) -> Any:
    """Each image sheared by a random amount, uniform in +-`max_shear` pixels
    per row: about the spread of slants among MNIST digits, whose 10-way code
    otherwise tends to split 4s and 9s by lean instead of by digit."""
    amounts = keras.random.uniform((ops.shape(images)[0],), -max_shear, max_shear, seed=seed)
    return shear(images, amounts)


def slant_stroke(images: Any, seed: Any) -> Any:
    """`slant`, then `stroke_width`: lean and stroke both change, the digit does not."""
    return stroke_width(slant(images, seed), seed)


AUGMENTATIONS: dict[str, Callable[[Any, Any], Any] | None] = {
    "none": None,
    "slant": slant,
    "stroke_width": stroke_width,
    "slant_stroke": slant_stroke,
}
