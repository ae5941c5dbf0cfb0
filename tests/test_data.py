import numpy as np
import pytest

import keras_infogan as ki
from keras_infogan.data import loading

pytestmark = pytest.mark.once


def test_shapes_data_and_factors():
    images, factors = ki.data.make_shapes(300, seed=3)
    assert images.shape == (300, 28, 28, 1) and images.dtype == np.uint8
    assert set(factors) == set(ki.data.FACTOR_NAMES)
    assert ki.data.factor_matrix(factors).shape == (300, 5)
    again, _ = ki.data.make_shapes(300, seed=3)
    np.testing.assert_array_equal(images, again)
    # Bigger scale factor -> more lit pixels, everything else equal.
    base = {k: np.zeros(2, int) for k in ki.data.FACTOR_NAMES}
    base["scale"] = np.array([0, 5])
    small, big = ki.data.shapes.draw(base)
    assert big.sum() > 1.5 * small.sum()
    # Moving x moves the centre of mass to the right.
    base = {k: np.zeros(2, int) for k in ki.data.FACTOR_NAMES}
    base["x"] = np.array([0, 15])
    left, right = ki.data.shapes.draw(base)[..., 0].astype(float)
    cols = np.arange(28)
    assert (right.sum(0) @ cols) / right.sum() > (left.sum(0) @ cols) / left.sum() + 5


def test_load_pipeline_from_arrays():
    x = np.random.default_rng(0).integers(0, 256, (100, 28, 28), dtype=np.uint8)
    ds = ki.data.load(x, batch_size=32, seed=0)
    batches = [b.numpy() for b in ds]
    assert len(batches) == 3 and batches[0].shape == (32, 28, 28, 1)
    assert batches[0].dtype == np.float32 and 0.0 <= batches[0].min() and batches[0].max() <= 1.0
    rows = {r.tobytes() for r in (x[..., None] / 255.0).astype(np.float32)}
    assert all(r.tobytes() in rows for r in np.concatenate(batches))
    assert not np.array_equal(batches[0], (x[:32, ..., None] / 255.0).astype(np.float32))  # shuffled


def test_npz_round_trip_and_missing_key(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "digits.npz"
    np.savez(path, x_train=rng.integers(0, 256, (64, 28, 28), dtype=np.uint8), y_train=np.arange(64) % 10,
             x_test=rng.integers(0, 256, (16, 28, 28), dtype=np.uint8), y_test=np.arange(16) % 10)
    images, labels = ki.data.load_arrays(str(path), split="test")
    assert images.shape == (16, 28, 28, 1) and labels.tolist() == list(range(10)) + list(range(6))
    assert next(iter(ki.data.load(str(path), batch_size=16))).shape == (16, 28, 28, 1)
    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((4, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="no 'x_train' array.*images"):
        ki.data.load_arrays(str(bad))


def test_image_folder(tmp_path):
    from PIL import Image

    for i in range(4):
        Image.fromarray(np.full((12, 10, 3), 60 * i, np.uint8)).save(tmp_path / f"{i}.png")
    images, _ = ki.data.load_arrays(str(tmp_path))
    assert images.shape == (4, 12, 10, 3)
    np.testing.assert_allclose(images[:, 0, 0, 0], np.array([0, 60, 120, 180]) / 255.0, atol=1e-6)
    resized, _ = ki.data.load_arrays(str(tmp_path), image_size=(8, 8))
    assert resized.shape == (4, 8, 8, 3)
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(tmp_path / "odd.png")
    with pytest.raises(ValueError, match="image_size"):
        ki.data.load_arrays(str(tmp_path))


def test_bad_data_is_refused():
    x = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")
    x[3, 4, 5, 0] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        ki.data.load(x, batch_size=4)
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        ki.data.to_unit_range(np.full((2, 4, 4), -0.5))
    with pytest.raises(ValueError, match="fewer than one batch"):
        ki.data.load(np.zeros((10, 28, 28), np.uint8), batch_size=32)
    with pytest.raises(ValueError, match="No such .npz file"):
        ki.data.load_arrays("no/such/file.npz")
    with pytest.raises(ValueError, match="No such dataset file or folder"):
        ki.data.load_arrays("no/such/folder")


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="Unknown dataset 'not_a_dataset_xyz'.*TFDS"):
        ki.data.load_arrays("not_a_dataset_xyz")


def test_tfds_without_network_names_the_npz_route(monkeypatch, tmp_path):
    monkeypatch.setattr(loading, "_can_reach", lambda host, timeout=5.0: False)
    with pytest.raises(RuntimeError, match=r"cannot download.*\.npz"):
        ki.data.load_arrays("mnist", data_dir=str(tmp_path))
