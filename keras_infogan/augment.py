"""Augmentations for the IIC term: each keeps what a categorical code should
stand for and changes what it should not.

With `iic_weight`, Q reads each real batch as is and augmented, and the two
categorical readings must share information, so a code value cannot stand
for what the augmentation changes. `affine_stroke` changes a handwritten
character's lean, width, place and stroke thickness, and keeps which
character it is; `crop_flip_jitter` changes an object's place, size,
direction and lighting, and keeps what it is. Written with `keras.ops`, so they run inside every backend's
train step; `InfoGAN.compile` looks them up by `Recipe.iic_augmentation`.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import keras
from keras import ops

__all__ = ["AUGMENTATIONS", "affine", "affine_stroke", "crop_flip_jitter", "stroke_width", "warp"]


def stroke_width(images: Any, seed: Any) -> Any:
    """Each image thickened (3x3 max filter), thinned (3x3 min filter) or
    left as is, with equal chances: strokes change width, for bright strokes
    on a dark background as in MNIST."""
    chance = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=seed)
    thick = ops.max_pool(images, 3, strides=1, padding="same")
    thin = -ops.max_pool(-images, 3, strides=1, padding="same")
    return ops.where(chance < 1 / 3, thick, ops.where(chance < 2 / 3, thin, images))


def _resample(images: Any, source: Any, axis: int) -> Any:
    """Images [B, H, W, C] read bilinearly at the fractional positions
    `source` along `axis` (1: rows, 2: columns); what lies outside is black."""
    size = images.shape[axis]
    low = ops.floor(source)
    weight = source - low

    def pick(index):
        inside = ops.cast(ops.logical_and(index >= 0, index <= size - 1), images.dtype)
        index = ops.cast(ops.clip(index, 0, size - 1), "int32")
        return inside * ops.take_along_axis(images, ops.broadcast_to(index, ops.shape(images)), axis=axis)

    return (1 - weight) * pick(low) + weight * pick(low + 1)


def _centred_grid(images: Any) -> tuple[Any, Any]:
    """Row and column offsets from the image centre, shaped to broadcast over [B, H, W, C]."""
    height, width = images.shape[1], images.shape[2]
    rows = ops.reshape(ops.arange(height, dtype="float32") - (height - 1) / 2, (1, height, 1, 1))
    cols = ops.reshape(ops.arange(width, dtype="float32") - (width - 1) / 2, (1, 1, width, 1))
    return rows, cols


def _per_image(values: Any) -> Any:
    return ops.reshape(ops.cast(values, "float32"), (-1, 1, 1, 1))


def warp(
    images: Any, shears: Any, stretches: Any, shifts_x: Any, shifts_y: Any, stretches_y: Any = None
) -> Any:
    """Images [B, H, W, C], each sheared horizontally about its centre row by
    its amount in `shears` (pixels per row: its slant, rightward lean per
    pixel upwards as `evaluation.metrics.slant` measures it, grows by that
    amount), stretched horizontally about its centre column by its factor in
    `stretches` (a negative factor mirrors it) and, given `stretches_y`,
    vertically about its centre row, then moved `shifts_x` pixels right and
    `shifts_y` down (all [B]); bilinear, black moving in."""
    rows, cols = _centred_grid(images)
    source_x = (cols - _per_image(shifts_x)) / _per_image(stretches) + _per_image(shears) * rows
    source_y = rows - _per_image(shifts_y)
    if stretches_y is not None:
        source_y = source_y / _per_image(stretches_y)
    out = _resample(images, source_x + (images.shape[2] - 1) / 2, axis=2)
    return _resample(out, source_y + (images.shape[1] - 1) / 2, axis=1)


def affine(images: Any, seed: Any, max_shear: float = 0.4, max_stretch: float = 1.25, max_shift: float = 2.0) -> Any:
    """Each image sheared by up to +-`max_shear` pixels per row, stretched
    horizontally by a factor between 1 / `max_stretch` and `max_stretch`
    (uniform in its log) and moved by up to +-`max_shift` pixels each way: lean,
    width and place change, the digit does not."""
    batch = (ops.shape(images)[0],)
    shears = keras.random.uniform(batch, -max_shear, max_shear, seed=seed)
    log_stretch = math.log(max_stretch)
    stretches = ops.exp(keras.random.uniform(batch, -log_stretch, log_stretch, seed=seed))
    shifts_x = keras.random.uniform(batch, -max_shift, max_shift, seed=seed)
    shifts_y = keras.random.uniform(batch, -max_shift, max_shift, seed=seed)
    return warp(images, shears, stretches, shifts_x, shifts_y)


def affine_stroke(images: Any, seed: Any) -> Any:
    """`affine`, then `stroke_width`."""
    return stroke_width(affine(images, seed), seed)


def crop_flip_jitter(
    images: Any,
    seed: Any,
    max_scale: float = 1.15,
    max_shift: float = 0.125,
    max_brightness: float = 1.3,
    max_contrast: float = 1.3,
) -> Any:
    """Each image mirrored left to right half the time, scaled by a factor
    between 1 / `max_scale` and `max_scale` and moved by up to `max_shift` of
    its size each way (a random crop with padding), then its brightness and
    its contrast about its mean each scaled by a factor between 1 / `max_*`
    and `max_*` (uniform in the log): where an object is, how big, which way
    it faces and how it is lit change, what it is does not (the IIC paper's
    recipe for object images)."""
    batch = (ops.shape(images)[0],)
    height, width = images.shape[1], images.shape[2]

    def log_uniform(limit):
        return ops.exp(keras.random.uniform(batch, -math.log(limit), math.log(limit), seed=seed))

    flips = ops.where(keras.random.uniform(batch, seed=seed) < 0.5, -1.0, 1.0)
    scales = log_uniform(max_scale)
    shifts_x = keras.random.uniform(batch, -max_shift * width, max_shift * width, seed=seed)
    shifts_y = keras.random.uniform(batch, -max_shift * height, max_shift * height, seed=seed)
    out = warp(images, ops.zeros(batch), scales * flips, shifts_x, shifts_y, stretches_y=scales)
    out = out * _per_image(log_uniform(max_brightness))
    mean = ops.mean(out, axis=(1, 2, 3), keepdims=True)
    return ops.clip((out - mean) * _per_image(log_uniform(max_contrast)) + mean, 0.0, 1.0)


AUGMENTATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "affine_stroke": affine_stroke,
    "crop_flip_jitter": crop_flip_jitter,
}
