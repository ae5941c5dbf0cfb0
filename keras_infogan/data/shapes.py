"""An embedded dataset of procedurally drawn shapes, in the spirit of dSprites.

Needs no download: images are drawn with numpy from five ground-truth
factors (shape, scale, rotation, x, y), which are returned with the images so
that disentanglement can be measured against them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FACTOR_NAMES", "FACTOR_SIZES", "SPEC", "draw", "factor_matrix", "make_shapes"]

SHAPES = ("square", "ellipse", "triangle")
FACTOR_NAMES = ("shape", "scale", "rotation", "x", "y")
N_SCALES = 6
N_ROTATIONS = 40
N_POSITIONS = 16
FACTOR_SIZES = (len(SHAPES), N_SCALES, N_ROTATIONS, N_POSITIONS, N_POSITIONS)
# The latent spec that suits this data (three shapes, four continuous
# factors): what `keras-infogan train` uses on it unless told otherwise.
SPEC = {"noise_dim": 8, "categorical": [3], "continuous": 4}


def _inside(shape: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether shape-frame points (u, v) lie inside each image's shape."""
    square = np.maximum(np.abs(u), np.abs(v)) <= 0.8
    ellipse = (u / 1.0) ** 2 + (v / 0.55) ** 2 <= 1.0
    # Equilateral triangle with its centroid at the origin, circumradius 1.
    s3 = np.sqrt(3.0)
    triangle = (v >= -0.5) & (s3 * u - v >= -1.0) & (-s3 * u - v >= -1.0)
    return np.where(shape == 0, square, np.where(shape == 1, ellipse, triangle))


def draw(factors: dict[str, np.ndarray], size: int = 28, supersample: int = 2) -> np.ndarray:
    """Renders images uint8 [N, size, size, 1] from factor indices.

    Args:
        factors: integer arrays `shape` (0..2), `scale` (0..5), `rotation`
            (0..39), `x` and `y` (0..15), each of length N.
        size: side of the square images.
        supersample: sub-pixels per side, for anti-aliased edges.
    """
    n = len(factors["shape"])
    shape = factors["shape"].reshape(n, 1, 1)
    radius = size * (0.14 + 0.04 * factors["scale"]).reshape(n, 1, 1)
    angle = (2 * np.pi * factors["rotation"] / N_ROTATIONS).reshape(n, 1, 1)
    margin = 0.32 * size
    span = size - 2 * margin
    cx = (margin + span * factors["x"] / (N_POSITIONS - 1)).reshape(n, 1, 1)
    cy = (margin + span * factors["y"] / (N_POSITIONS - 1)).reshape(n, 1, 1)
    grid = (np.arange(size * supersample) + 0.5) / supersample
    py, px = np.meshgrid(grid, grid, indexing="ij")
    dx, dy = (px[None] - cx) / radius, (py[None] - cy) / radius
    cos, sin = np.cos(angle), np.sin(angle)
    u, v = cos * dx + sin * dy, -sin * dx + cos * dy
    hit = _inside(shape, u, v).astype(np.float32)
    hit = hit.reshape(n, size, supersample, size, supersample).mean(axis=(2, 4))
    return np.round(hit * 255).astype(np.uint8)[..., None]


def make_shapes(n: int = 20000, size: int = 28, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Draws `n` random shapes images with their factors.

    Returns:
        `(images, factors)`: uint8 images [n, size, size, 1], and a dict of
        integer factor indices, one array of length n per name in
        `FACTOR_NAMES`.

    Example:

    >>> images, factors = make_shapes(100, seed=1)
    >>> images.shape, sorted(factors)
    ((100, 28, 28, 1), ['rotation', 'scale', 'shape', 'x', 'y'])
    """
    if n < 1 or size < 8:
        raise ValueError(f"make_shapes needs n >= 1 and size >= 8, got n={n}, size={size}.")
    rng = np.random.default_rng(seed)
    factors = {name: rng.integers(0, k, n) for name, k in zip(FACTOR_NAMES, FACTOR_SIZES)}
    chunks = [
        draw({k: v[i : i + 2048] for k, v in factors.items()}, size) for i in range(0, n, 2048)
    ]
    return np.concatenate(chunks, axis=0), factors


def factor_matrix(factors: dict[str, np.ndarray]) -> np.ndarray:
    """Stacks a factor dict into [N, len(FACTOR_NAMES)] in `FACTOR_NAMES` order."""
    return np.stack([factors[name] for name in FACTOR_NAMES], axis=1)
