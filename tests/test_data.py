import os

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


def mixed_folder(path) -> None:
    """Six files: RGB, grey and RGBA images of three sizes, a palette image,
    one file that is no image, and a text file that is not looked at."""
    from PIL import Image

    Image.fromarray(np.full((32, 32, 3), (200, 0, 0), np.uint8)).save(path / "a_red.png")
    Image.fromarray(np.full((40, 20), 90, np.uint8)).save(path / "b_grey.jpg")
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[:16, :, :] = (0, 0, 255, 255)  # top half opaque blue, bottom half transparent
    Image.fromarray(rgba).save(path / "c_half_transparent.png")
    Image.fromarray(np.full((32, 32), 3, np.uint8)).convert("P").save(path / "sub_d_palette.gif")
    (path / "e_broken.png").write_bytes(b"not an image")
    (path / "notes.txt").write_text("ignored")


def test_an_image_folder_of_mixed_sizes_and_modes(tmp_path):
    from keras_infogan.data.loading import read_folder

    mixed_folder(tmp_path)
    with pytest.warns(UserWarning, match=r"Skipped 1 of 5 files .* \(first: e_broken.png\)"):
        images, files = read_folder(str(tmp_path))
    assert [os.path.basename(f) for f in files] == ["a_red.png", "b_grey.jpg", "c_half_transparent.png", "sub_d_palette.gif"]
    assert images.shape == (4, 32, 32, 3) and images.dtype == np.uint8  # the common size; colour as one is
    np.testing.assert_array_equal(images[0, 0, 0], [200, 0, 0])
    assert abs(int(images[1, 16, 16, 0]) - 90) <= 2 and len(set(images[1, 16, 16])) == 1  # grey, resized
    np.testing.assert_array_equal(images[2, 0, 0], [0, 0, 255])
    np.testing.assert_array_equal(images[2, -1, 0], [255, 255, 255])  # transparent on white
    with pytest.warns(UserWarning):
        resized, _ = ki.data.load_arrays(str(tmp_path), image_size=(16, 24))
    assert resized.shape == (4, 16, 24, 3) and resized.dtype == np.float32


def test_a_folder_of_grey_images_stays_grey(tmp_path):
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.full((12, 10), 60 * i, np.uint8)).save(tmp_path / f"{i}.png")
    images, _ = ki.data.load_arrays(str(tmp_path))
    assert images.shape == (3, 12, 10, 1)
    np.testing.assert_allclose(images[:, 0, 0, 0], np.array([0, 60, 120]) / 255.0, atol=1e-6)


def test_a_folder_with_no_readable_image(tmp_path):
    (tmp_path / "x.png").write_bytes(b"nothing")
    with pytest.raises(ValueError, match="None of the 1 image files"), pytest.warns(UserWarning):
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
