"""The imbalanced-learn sampler: it balances the classes with images that keep
their class, drops into an imblearn Pipeline, saves and reloads, and refuses
bad input in one line. Run once: the sampler is glue over `fit`, `generate`,
`encode` and `backend.input_gradient`, whose backend parts the model's own
tests check on every backend."""

import os

import keras
import numpy as np
import pytest
from imblearn.pipeline import Pipeline

from conftest import SIDE, tiny_model, tiny_spec
from keras_infogan.oversampling import InfoGANOversampler

pytestmark = pytest.mark.once

COUNTS = (96, 32, 16)  # Images of classes 0, 1, 2.


def bands(counts, seed=0):
    """uint8 images; class k has a bright vertical band in the k-th third."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(counts)), counts)
    images = rng.uniform(0, 20, (len(labels), SIDE, SIDE)).astype("float32")
    third = SIDE // 3
    for k in range(len(counts)):
        images[labels == k, :, k * third : (k + 1) * third] += 180
    return images.astype("uint8"), labels


def band_of(images):
    """Which third of each image is brightest: the class its band shows."""
    third = SIDE // 3
    columns = images.reshape(len(images), SIDE, SIDE).astype("float32").mean(axis=1)
    return np.stack([columns[:, k * third : (k + 1) * third].mean(axis=1) for k in range(3)], 1).argmax(axis=1)


def sampler(**options):
    model = tiny_model(tiny_spec(categorical=[3]), weight_init="openai")
    return InfoGANOversampler(model=model, steps=150, batch_size=32, threshold=0.4, random_state=0, verbose=0, **options)


@pytest.fixture(scope="module")
def resampled():
    x, y = bands(COUNTS)
    over = sampler()
    return over, x, y, *over.fit_resample(x, y)


def test_generate_balances_the_classes_with_images_of_the_class(resampled):
    over, x, y, x_res, y_res = resampled
    assert np.bincount(y_res).tolist() == [96, 96, 96]
    np.testing.assert_array_equal(x_res[: len(x)], x)
    new, new_y = x_res[len(x) :], y_res[len(x) :]
    assert new.dtype == np.uint8 and new.shape[1:] == x.shape[1:]
    assert np.mean(band_of(new) == new_y) > 0.9  # The band sits where the class says.
    assert set(over.rejection_rate_) == {1, 2} and all(0 <= r < 1 for r in over.rejection_rate_.values())


def test_interpolate_inverts_real_images_and_keeps_their_class(resampled):
    over, x, y, _, _ = resampled
    over.set_params(method="interpolate", model=over.model_, steps=None, anchors=8, inversion_steps=60)
    x_res, y_res = over.fit_resample(x.reshape(len(x), -1), y)  # Flattened rows, as SMOTE takes.
    assert x_res.shape == (288, SIDE * SIDE) and np.bincount(y_res).tolist() == [96, 96, 96]
    assert np.mean(band_of(x_res[len(x) :]) == y_res[len(x) :]) > 0.9
    # The inversion finds latents that make G's own images again, which random latents do not.
    rng = np.random.default_rng(0)
    target = over.model_.generate(**over._draw(2, 8, rng))
    fitted = over._invert(target, 2, np.random.default_rng(1))
    start = over._draw(2, 8, rng)
    error = lambda latent: float(np.mean((over.model_.generate(**latent) - target) ** 2))  # noqa: E731
    assert error({**start, **fitted}) < 0.2 * error(start)


def test_too_few_confident_images_are_filled_by_the_most_confident(resampled):
    over, x, y, _, _ = resampled
    strict = InfoGANOversampler(model=over.model_, threshold=1.0, random_state=0)
    with pytest.warns(UserWarning, match=r"Class 1: only 0 of 320 new images passed the threshold 1.0"):
        _, y_res = strict.fit_resample(x, y)
    assert np.bincount(y_res).tolist() == [96, 96, 96] and strict.rejection_rate_ == {1: 1.0, 2: 1.0}


def test_in_a_pipeline_with_a_keras_classifier(resampled):
    over, x, y, _, _ = resampled
    rows = x.reshape(len(x), -1)

    def classifier(X, y):
        model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Rescaling(1 / 255), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy")
        return model

    pipeline = Pipeline(
        [
            ("oversample", InfoGANOversampler(model=over.model_, threshold=0.4, random_state=0)),
            ("classify", keras.wrappers.SKLearnClassifier(classifier, fit_kwargs={"epochs": 20, "verbose": 0})),
        ]
    )
    pipeline.fit(rows, y)
    test_x, test_y = bands((30, 30, 30), seed=1)
    assert np.mean(pipeline.predict(test_x.reshape(90, -1)) == test_y) > 0.9


def test_saved_model_resamples_without_training(resampled, tmp_path):
    over, x, y, x_res, _ = resampled
    path = str(tmp_path / "sampler.keras")
    over.save(path)
    again = InfoGANOversampler(model=path, threshold=0.4, random_state=0).fit_resample(x, y)
    np.testing.assert_array_equal(again[0], x_res)


@pytest.mark.parametrize(
    "x, y, phrase",
    [
        (np.zeros((8, SIDE, SIDE), "uint8"), np.zeros(8, int), "needs to have more than 1 class"),
        (np.zeros((9, SIDE, SIDE), "uint8"), np.array([0] * 8 + [1]), "Class 1 has 1 image"),
        (np.zeros((9, SIDE, SIDE), "uint8"), np.array([0] * 4 + [1] * 4), "X has 9 images but y has 8 labels"),
    ],
)
def test_bad_input_fails_in_one_line(x, y, phrase):
    with pytest.raises(ValueError, match=phrase):
        sampler().fit_resample(x, y)


def test_images_no_network_fits_name_image_size():
    x, y = np.zeros((8, 20, 20), "uint8"), np.array([0] * 5 + [1] * 3)
    with pytest.raises(ValueError, match="--image-size"):
        InfoGANOversampler(steps=1).fit_resample(x, y)


def test_cli_writes_a_balanced_npz(resampled, tmp_path, capsys):
    from keras_infogan import cli

    over, x, y, _, _ = resampled
    model, data, out = str(tmp_path / "m.keras"), str(tmp_path / "d.npz"), str(tmp_path / "balanced.npz")
    over.save(model)
    np.savez(data, x_train=x, y_train=y, x_test=x[:5], y_test=y[:5])
    args = ["oversample", data, out, "--model", model, "--threshold", "0.4", "--strategy", "1=60,2=50"]
    assert cli.main(args) == 0
    assert "144 -> 206 training images (per class [96, 32, 16] -> [96, 60, 50]" in capsys.readouterr().out
    with np.load(out) as f:
        assert np.bincount(f["y_train"]).tolist() == [96, 60, 50] and f["x_train"].dtype == np.uint8
        np.testing.assert_array_equal(f["x_test"], x[:5])
    assert cli.main(["oversample", data, out, "--model", model, "--strategy", "7=10"]) == 2
    assert "names class '7', which y_train lacks (its classes: 0, 1, 2)" in capsys.readouterr().err
