"""Traversal grids in the InfoGAN paper's style, drawn with matplotlib.

A grid shows what one latent code does:

* a categorical code: one row per value of the code; each column is one draw
  of the noise and the other codes, the same in every row, so a column shows
  the same "image" under each category;
* a continuous code: columns sweep the code over `value_range` (the paper:
  -2 to 2, past the training prior's [-1, 1]); each row is one draw of the
  noise and the other codes (its first categorical code cycling through its
  values, so the rows show every category).

The draws come from numpy with a fixed seed, so grids of one run at different
epochs (and the `traverse` command's) show the same latents. Both the
`TraversalGrid` callback and `keras-infogan traverse` use this module, with
the settings of one `GridSettings` record.
"""

from __future__ import annotations

import dataclasses
import io
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keras_infogan.files import write_atomically

__all__ = ["GridSettings", "Traversal", "code_names", "draw_traversal", "label_width", "parse_code", "render", "traversal", "write_png"]

PAD = 2  # Pixels between tiles.
LABEL_WIDTH = 48  # Left band for the row labels, at least.
LABEL_CHAR_WIDTH = 6  # Pixels per character of a row label, to widen the band for long ones.
HEADER_HEIGHT = 36  # Top band for the title and the column labels.
TILE_TARGET = 56  # Small images are enlarged (by whole factors) to about this size.
DPI = 100


@dataclass(frozen=True)
class GridSettings:
    """What a traversal grid shows, wherever one is drawn.

    Example:

    >>> GridSettings(samples=4).steps
    9
    """

    samples: int = field(default=10, metadata={"help": "draws of the noise and other codes: columns of a categorical grid, rows of a continuous one"})
    steps: int = field(default=9, metadata={"help": "columns of a continuous sweep"})
    value_range: tuple[float, float] = field(default=(-2.0, 2.0), metadata={"help": "the sweep of a continuous code (the paper: -2 to 2, past the prior's [-1, 1])"})

    def __post_init__(self) -> None:
        if self.samples < 1 or self.steps < 2:
            raise ValueError(f"A grid needs samples >= 1 and steps >= 2, got {self.samples} and {self.steps}.")
        low, high = (float(v) for v in self.value_range)
        if not low < high:
            raise ValueError(f"value_range must be (low, high) with low < high, got {self.value_range}.")
        object.__setattr__(self, "value_range", (low, high))

    def get_config(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "value_range": list(self.value_range)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> GridSettings:
        return cls(**config)


@dataclass
class Traversal:
    """The latents of one grid, row-major, with its labels."""

    code: str
    rows: int
    cols: int
    latent: dict[str, np.ndarray]
    row_labels: list[str]
    col_labels: list[str]


def code_names(spec: Any) -> list[str]:
    """Names of a spec's codes: `categorical_0`, ..., `continuous_0`, ...

    The same names are the columns of `keras-infogan encode`'s output and
    the suffixes of the grid files.
    """
    return [f"categorical_{i}" for i in range(spec.n_categorical)] + [
        f"continuous_{j}" for j in range(spec.continuous)
    ]


def parse_code(spec: Any, code: str) -> tuple[str, int]:
    """Splits a code name into its kind and index; a ValueError names the valid ones."""
    kind, _, index = code.rpartition("_")
    if code not in code_names(spec):
        raise ValueError(
            f"Unknown code {code!r}; this model's codes are {', '.join(code_names(spec))}."
        )
    return kind, int(index)


def traversal(
    spec: Any,
    code: str,
    settings: GridSettings = GridSettings(),
    seed: int = 0,
    class_names: tuple[str, ...] | None = None,
) -> Traversal:
    """The latents of a grid for `code` (see the module docstring).

    Args:
        spec: the model's `LatentSpec`.
        code: a name from `code_names(spec)`.
        settings: how many draws and steps, and the sweep.
        seed: seed of the draws.
        class_names: names of the first categorical code's values, for the
            row labels (else `cat0=<value>`).
    """

    def cat_label(index: int, value: int) -> str:
        return class_names[value] if class_names and index == 0 else f"cat{index}={value}"

    kind, index = parse_code(spec, code)
    samples, steps = settings.samples, settings.steps
    low, high = settings.value_range
    base = spec.sample_numpy(samples, np.random.default_rng(seed))
    if kind == "categorical":
        rows, cols = spec.categorical[index], samples
        latent = {k: np.tile(v, (rows, 1)) for k, v in base.items()}  # Row r: all draws.
        latent["categorical"][:, index] = np.repeat(np.arange(rows), cols)
        return Traversal(code, rows, cols, latent, [cat_label(index, r) for r in range(rows)], [])
    rows, cols = samples, steps
    row_labels = [""] * rows
    if spec.categorical:
        base["categorical"][:, 0] = np.arange(rows) % spec.categorical[0]
        row_labels = [cat_label(0, v) for v in base["categorical"][:, 0]]
    latent = {k: np.repeat(v, cols, axis=0) for k, v in base.items()}  # Row r: one draw, swept.
    sweep = np.linspace(low, high, cols, dtype="float32")
    latent["continuous"][:, index] = np.tile(sweep, rows)
    return Traversal(code, rows, cols, latent, row_labels, [f"{v:+.1f}" for v in sweep])


def render(
    images: np.ndarray,
    title: str = "",
    row_labels: list[str] | None = None,
    col_labels: list[str] | None = None,
    zoom: int | None = None,
) -> np.ndarray:
    """Draws images [rows, cols, H, W, C] in [0, 1] as one labelled RGB picture.

    The picture is exactly `label_width(row_labels) + cols * (W * zoom + PAD) + PAD`
    pixels wide and `HEADER_HEIGHT + rows * (H * zoom + PAD) + PAD` high;
    `zoom` (default: the whole factor that brings tiles near 56 pixels)
    enlarges each image pixel to a `zoom` x `zoom` block.

    Returns:
        uint8 [height, width, 3].
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    images = np.asarray(images, dtype="float32")
    rows, cols, h, w, channels = images.shape
    zoom = zoom or max(1, TILE_TARGET // max(h, w))
    th, tw = h * zoom, w * zoom
    montage = np.ones((rows * (th + PAD) + PAD, cols * (tw + PAD) + PAD, 3), "float32")
    tiles = images.repeat(zoom, axis=2).repeat(zoom, axis=3).clip(0.0, 1.0)
    if channels == 1:
        tiles = np.repeat(tiles, 3, axis=-1)
    for r in range(rows):
        for c in range(cols):
            y, x = PAD + r * (th + PAD), PAD + c * (tw + PAD)
            montage[y : y + th, x : x + tw] = tiles[r, c, ..., :3]
    band = label_width(row_labels)
    height, width = HEADER_HEIGHT + montage.shape[0], band + montage.shape[1]

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((band / width, 0.0, montage.shape[1] / width, montage.shape[0] / height))
    ax.imshow(montage, interpolation="nearest", aspect="auto")
    ax.set_axis_off()
    fig.text(4 / width, 1 - 4 / height, title, ha="left", va="top", fontsize=9)
    for c, label in enumerate(col_labels or []):
        x = band + PAD + c * (tw + PAD) + tw / 2
        fig.text(x / width, 1 - (HEADER_HEIGHT - 3) / height, label, ha="center", va="bottom", fontsize=7)
    for r, label in enumerate(row_labels or []):
        y = HEADER_HEIGHT + PAD + r * (th + PAD) + th / 2
        fig.text((band - 4) / width, 1 - y / height, label, ha="right", va="center", fontsize=7)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def label_width(row_labels: list[str] | None) -> int:
    """Pixels of the left band: `LABEL_WIDTH`, or wider for long labels."""
    longest = max((len(label) for label in row_labels or []), default=0)
    return max(LABEL_WIDTH, LABEL_CHAR_WIDTH * longest + 8)


def draw_traversal(
    model: Any, code: str, settings: GridSettings = GridSettings(), seed: int = 0, title: str | None = None
) -> np.ndarray:
    """Generates and draws the grid of one code (see `traversal` and `render`).

    Returns:
        uint8 RGB [height, width, 3], ready for `write_png` or TensorBoard.
    """
    grid = traversal(model.spec, code, settings, seed, getattr(model, "class_names", None))
    images = model.generate(**grid.latent)
    images = images.reshape(grid.rows, grid.cols, *images.shape[1:])
    if title is None:
        low, high = settings.value_range
        title = f"{code}: one row per value" if code.startswith("categorical") else f"{code} from {low:g} to {high:g}"
    return render(images, title, grid.row_labels, grid.col_labels)


def write_png(path: str | os.PathLike, picture: np.ndarray) -> None:
    """Writes an RGB uint8 array as a PNG atomically (temp file, then rename)."""
    from matplotlib import image as mpimg

    buffer = io.BytesIO()
    mpimg.imsave(buffer, picture, format="png")
    write_atomically(path, buffer.getvalue())
