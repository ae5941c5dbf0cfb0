"""The IIC term's augmentation: what each part does to images, by known amounts."""

import keras
import numpy as np
from keras import ops

from keras_infogan import augment, evaluation


def _strokes(n: int) -> np.ndarray:
    images = np.zeros((n, 9, 9, 1), "float32")
    images[:, 2:7, 4, 0] = 1.0  # a vertical stroke, 1 pixel wide and 5 long
    return images


def test_stroke_width_thickens_thins_or_keeps_each_image():
    out = ops.convert_to_numpy(augment.stroke_width(_strokes(300), keras.random.SeedGenerator(0)))
    totals = out.sum(axis=(1, 2, 3))
    # Thickened: 3 columns by 7 rows; thinned: a 1-pixel stroke is erased; kept: 5.
    counts = {total: int(np.sum(totals == total)) for total in (21.0, 0.0, 5.0)}
    assert sum(counts.values()) == 300, np.unique(totals)
    assert all(70 <= c <= 130 for c in counts.values()), counts
    kept = totals == 5.0
    np.testing.assert_array_equal(out[kept], _strokes(int(kept.sum())))


def _upright(n: int) -> np.ndarray:
    images = np.zeros((n, 28, 28, 1), "float32")
    images[:, 6:22, 13:15, 0] = 1.0
    return images


def test_warp_shears_add_their_amount_to_the_slant():
    amounts = np.array([0.0, 0.2, -0.3, 0.4], "float32")
    zeros, ones = np.zeros(4, "float32"), np.ones(4, "float32")
    out = ops.convert_to_numpy(augment.warp(_upright(4), amounts, ones, zeros, zeros))
    np.testing.assert_allclose(evaluation.slant(out), amounts, atol=1e-4)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), 32.0, rtol=1e-5)  # no ink leaves the image
    np.testing.assert_array_equal(out[0], _upright(1)[0])


def _blob(n: int) -> np.ndarray:
    """A 4x6 block of ink in the middle of each image, far from every edge."""
    images = np.zeros((n, 28, 28, 1), "float32")
    images[:, 11:17, 12:16, 0] = 1.0
    return images


def _centre(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mass = images.sum(axis=(1, 2, 3))
    rows = (images.sum(axis=(2, 3)) * np.arange(28)).sum(axis=1) / mass
    cols = (images.sum(axis=(1, 3)) * np.arange(28)).sum(axis=1) / mass
    return rows, cols


def test_warp_shifts_stretches_and_shears_by_its_amounts():
    zeros, ones = np.zeros(3, "float32"), np.ones(3, "float32")
    shifts = np.array([0.0, 1.5, -2.0], "float32")
    moved = ops.convert_to_numpy(augment.warp(_blob(3), zeros, ones, shifts, -shifts))
    rows, cols = _centre(moved)
    base_rows, base_cols = _centre(_blob(1))
    np.testing.assert_allclose(cols - base_cols, shifts, atol=1e-4)
    np.testing.assert_allclose(rows - base_rows, -shifts, atol=1e-4)
    np.testing.assert_array_equal(moved[0], _blob(1)[0])

    stretches = np.array([1.0, 1.25, 0.8], "float32")
    stretched = ops.convert_to_numpy(augment.warp(_blob(3), zeros, stretches, zeros, zeros))
    # Ink scales with the width: the 4-pixel-wide block covers 4 * stretch columns' worth,
    # exactly when widened; when narrowed, bilinear sampling (not area averaging) misses up to 3%.
    np.testing.assert_allclose(stretched.sum(axis=(1, 2, 3))[:2], 24.0 * stretches[:2], rtol=1e-4)
    np.testing.assert_allclose(stretched.sum(axis=(1, 2, 3))[2], 24.0 * stretches[2], rtol=0.03)


def test_affine_draws_within_its_ranges():
    out = ops.convert_to_numpy(augment.affine(_blob(400), keras.random.SeedGenerator(0)))
    rows, cols = _centre(out)
    base_rows, base_cols = _centre(_blob(1))
    for moved in (rows - base_rows, cols - base_cols):
        assert np.abs(moved).max() <= 2.0 + 0.05  # narrowed blocks are sampled, so centres move a little too
        assert np.mean(moved > 1.0) > 0.15 and np.mean(moved < -1.0) > 0.15  # 0.25 each if uniform
    ink = out.sum(axis=(1, 2, 3)) / 24.0  # the stretch of each image, to 3% when narrowed
    assert ink.min() >= 0.8 * 0.97 and ink.max() <= 1.25 + 1e-3
    assert np.mean(ink > 1.1) > 0.2 and np.mean(ink < 0.9) > 0.2
    slants = evaluation.slant(out)
    assert np.abs(slants).max() <= 0.4 * 1.25 + 0.02  # the stretch scales the shear
    assert np.mean(slants > 0.2) > 0.15 and np.mean(slants < -0.2) > 0.15  # 0.25 each if uniform


def test_affine_stroke_changes_strokes_after_the_warp():
    """Thickening and thinning come after the warp: a third of the images
    keep their warped ink, a third gain ink, a third lose it."""
    both = ops.convert_to_numpy(augment.affine_stroke(_blob(300), keras.random.SeedGenerator(3)))
    warped = ops.convert_to_numpy(augment.affine(_blob(300), keras.random.SeedGenerator(3)))
    ratio = both.sum(axis=(1, 2, 3)) / warped.sum(axis=(1, 2, 3))
    kept, thicker, thinner = np.isclose(ratio, 1.0), ratio > 1.05, ratio < 0.95
    assert kept.sum() + thicker.sum() + thinner.sum() == 300
    assert all(70 <= c <= 130 for c in (kept.sum(), thicker.sum(), thinner.sum()))


def test_crop_flip_jitter_mirrors_half_the_images_and_keeps_them_in_range():
    """A block 8 pixels left of centre lands 8 right of it when mirrored, then
    moves by the shift (up to 4 pixels) and the scale (up to 15% of 8);
    brightness and contrast scale the ink, so its centre follows the place."""
    images = np.zeros((400, 32, 32, 1), "float32")
    images[:, 14:18, 6:10, 0] = 0.5
    out = ops.convert_to_numpy(augment.crop_flip_jitter(images, keras.random.SeedGenerator(0)))
    assert out.min() >= 0.0 and out.max() <= 1.0
    mass = out.sum(axis=(1, 3))
    cols = (mass * np.arange(32)).sum(axis=1) / mass.sum(axis=1)
    right = cols > 15.5
    assert 0.4 < right.mean() < 0.6
    moved = np.abs(cols - np.where(right, 23.5, 7.5))
    assert moved.max() <= 4 + 0.15 * 8 + 0.5 and np.mean(moved > 2) > 0.2
    assert len(np.unique(np.round(out.max(axis=(1, 2, 3)), 3))) > 100  # lit differently


def test_crop_flip_jitter_without_its_draws_is_the_identity():
    images = np.random.default_rng(0).uniform(size=(3, 16, 16, 2)).astype("float32")
    one = np.ones(3, "float32")
    same = augment.warp(images, np.zeros(3, "float32"), one, 0 * one, 0 * one, stretches_y=one)
    np.testing.assert_allclose(ops.convert_to_numpy(same), images, atol=1e-6)
