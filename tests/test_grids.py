"""The traversal grids: which latents each shows, its settings, and the picture's size."""

import numpy as np
import pytest

from keras_infogan import grids
from keras_infogan.grids import GridSettings

pytestmark = pytest.mark.once


def expected_size(rows: int, cols: int, side: int = 16) -> tuple[int, int]:
    """(width, height) of a grid of `side`-pixel images, per `grids.render`'s docstring."""
    tile = side * max(1, grids.TILE_TARGET // side)
    return (
        grids.LABEL_WIDTH + cols * (tile + grids.PAD) + grids.PAD,
        grids.HEADER_HEIGHT + rows * (tile + grids.PAD) + grids.PAD,
    )


def test_categorical_traversal_keeps_the_noise_across_rows(spec):
    grid = grids.traversal(spec, "categorical_0", GridSettings(samples=5), seed=3)
    assert (grid.rows, grid.cols) == (3, 5)
    noise = grid.latent["noise"].reshape(3, 5, -1)
    np.testing.assert_array_equal(noise[0], noise[1])
    np.testing.assert_array_equal(noise[0], noise[2])
    assert not np.array_equal(noise[0, 0], noise[0, 1])
    np.testing.assert_array_equal(grid.latent["categorical"][:, 0].reshape(3, 5), np.arange(3)[:, None].repeat(5, 1))
    assert grid.row_labels == ["cat0=0", "cat0=1", "cat0=2"]


def test_continuous_traversal_sweeps_the_columns(spec):
    grid = grids.traversal(spec, "continuous_1", GridSettings(samples=4, steps=5, value_range=(-2, 2)), seed=3)
    assert (grid.rows, grid.cols) == (4, 5)
    cont = grid.latent["continuous"].reshape(4, 5, 2)
    np.testing.assert_allclose(cont[:, :, 1], np.tile(np.linspace(-2, 2, 5), (4, 1)))
    assert np.all(cont[:, :, 0] == cont[:, :1, 0])  # The other code is fixed along a row...
    assert len(np.unique(cont[:, 0, 0])) == 4  # ...and varies between rows.
    assert grid.col_labels[0] == "-2.0" and grid.col_labels[-1] == "+2.0"
    np.testing.assert_array_equal(grid.latent["categorical"][::5, 0], [0, 1, 2, 0])


def test_traversal_rejects_unknown_codes(spec):
    with pytest.raises(ValueError, match="categorical_0, continuous_0, continuous_1"):
        grids.traversal(spec, "continuous_2")


def test_render_has_the_documented_pixel_size():
    picture = grids.render(np.zeros((3, 7, 16, 16, 1)), "title", ["a", "b", "c"], [str(i) for i in range(7)])
    assert picture.dtype == np.uint8 and picture.shape == (*expected_size(3, 7)[::-1], 3)


@pytest.mark.parametrize(
    "options, phrase",
    [({"samples": 0}, "samples >= 1"), ({"steps": 1}, "steps >= 2"), ({"value_range": (1, -1)}, "low < high")],
)
def test_grid_settings_refuse_empty_grids(options, phrase):
    with pytest.raises(ValueError, match=phrase):
        GridSettings(**options)


def test_grid_settings_round_trip_through_json_values():
    settings = GridSettings(samples=4, value_range=(-1.5, 1.5))
    config = settings.get_config()
    assert config == {"samples": 4, "steps": 9, "value_range": [-1.5, 1.5]}
    assert GridSettings.from_config(config) == settings
