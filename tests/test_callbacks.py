"""The run callbacks on the running backend: grids, checkpoints, metrics, summary."""

import csv
import importlib.util
import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_infogan import callbacks, grids
from keras_infogan.grids import GridSettings

from conftest import tiny_model

SHAPE = (16, 16, 1)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A model fitted 3 epochs with the callbacks, and where they wrote."""
    root = tmp_path_factory.mktemp("fit")
    model = tiny_model()
    model.compile()
    lines = []
    log_dir = str(root / "logs") if importlib.util.find_spec("tensorboard") else None
    images = np.random.default_rng(0).uniform(0, 1, (64, *SHAPE)).astype("float32")
    model.fit(
        images,
        batch_size=32,
        epochs=3,
        callbacks=[
            callbacks.TraversalGrid(str(root / "grids"), every=2, settings=GridSettings(samples=4, steps=5), seed=1, log_dir=log_dir),
            callbacks.Checkpoint(str(root / "checkpoints"), keep=1),
            callbacks.TrainingSummary(batch_size=32, print_fn=lines.append),
        ],
        verbose=0,
    )
    return model, root, log_dir, lines


def expected_size(rows: int, cols: int, side: int = 16) -> tuple[int, int]:
    """(width, height) of a grid of `side`-pixel images, per `grids.render`'s docstring."""
    tile = side * max(1, grids.TILE_TARGET // side)
    return (
        grids.LABEL_WIDTH + cols * (tile + grids.PAD) + grids.PAD,
        grids.HEADER_HEIGHT + rows * (tile + grids.PAD) + grids.PAD,
    )


def tile(picture: np.ndarray, row: int, col: int, side: int = 16) -> np.ndarray:
    size = side * max(1, grids.TILE_TARGET // side)
    y = grids.HEADER_HEIGHT + grids.PAD + row * (size + grids.PAD)
    x = grids.LABEL_WIDTH + grids.PAD + col * (size + grids.PAD)
    return picture[y : y + size, x : x + size]


def test_traversal_grid_writes_comparable_pngs(fitted):
    model, root, log_dir, _ = fitted
    names = sorted(os.listdir(root / "grids"))
    codes = ["categorical_0", "continuous_0", "continuous_1"]
    # Every 2 epochs, and the last one.
    assert names == [f"epoch_{e:03d}_{c}.png" for e in (2, 3) for c in codes]
    cat = np.asarray(Image.open(root / "grids" / "epoch_003_categorical_0.png").convert("RGB"))
    assert cat.shape[1::-1] == expected_size(3, 4)
    cont = Image.open(root / "grids" / "epoch_003_continuous_0.png")
    assert cont.size == expected_size(4, 5)
    assert not np.array_equal(tile(cat, 0, 0), tile(cat, 1, 0)), "code values must give different images"
    if log_dir:
        assert os.listdir(os.path.join(log_dir, "grids"))
    # The latents are fixed by the seed: the same weights redraw the same grid.
    again = grids.draw_traversal(model, "categorical_0", GridSettings(samples=4, steps=5), seed=1, title="categorical_0, epoch 3")
    np.testing.assert_array_equal(again, cat)


def test_checkpoint_restores_weights_optimizer_and_seed_state(spec, fitted):
    model, root, _, _ = fitted
    ckpt = callbacks.Checkpoint(str(root / "checkpoints"))
    assert sorted(os.listdir(root / "checkpoints")) == ["epoch_003.keras", "latest.json"]
    assert ckpt.latest()["epoch"] == 3

    other = tiny_model(spec, seed=5)
    other.compile()
    assert ckpt.restore(other) == 3
    for name, a, b in (
        ("weights", model.weights, other.weights),
        ("optimizer", model.optimizer.variables, other.optimizer.variables),
        ("seed", [model.seed_generator.state], [other.seed_generator.state]),
    ):
        for u, v in zip(a, b, strict=True):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(u), keras.ops.convert_to_numpy(v), err_msg=name)
    assert callbacks.Checkpoint(str(root / "nothing")).restore(other) == 0


def test_checkpoint_keeps_the_newest_by_epoch_number(fitted, tmp_path):
    model = fitted[0]
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    for name in ("epoch_998.keras", "epoch_999.keras", "notes.txt"):
        (folder / name).write_bytes(b"old")
    ckpt = callbacks.Checkpoint(str(folder), keep=2)
    ckpt.set_model(model)
    ckpt.set_params({"epochs": 1000})
    ckpt.on_epoch_end(999)  # writes epoch_1000.keras, which sorts before epoch_999 as text
    assert sorted(os.listdir(folder)) == ["epoch_1000.keras", "epoch_999.keras", "latest.json", "notes.txt"]
    assert ckpt.latest()["file"] == "epoch_1000.keras"


@pytest.mark.once
def test_metrics_csv_replaces_rows_after_a_resume(tmp_path):
    path = str(tmp_path / "metrics.csv")
    log = callbacks.MetricsCSV(path)
    for epoch in range(3):
        log.on_epoch_begin(epoch)
        log.on_epoch_end(epoch, {"d_loss": float(epoch), "g_loss": 1.0})
    log.on_epoch_begin(2)  # A run resumed from epoch 2's checkpoint redoes epoch 3.
    log.on_epoch_end(2, {"d_loss": 9.0, "g_loss": 1.0})
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert [r["d_loss"] for r in rows] == ["0", "1", "9"]
    assert list(rows[0]) == ["epoch", "d_loss", "g_loss", "seconds"]


def test_training_summary_line(fitted):
    lines = fitted[3]
    assert len(lines) == 1
    assert "Trained 3 epochs (to epoch 3/3, 6 steps)" in lines[0]
    assert "images/s" in lines[0]
    history = fitted[0].history.history  # The final logs, as the line gives them.
    for name in ("d_loss", "g_loss", "mi_lower_bound"):
        assert f"{name} {history[name][-1]:.4g}" in lines[0], name
