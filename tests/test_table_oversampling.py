"""`TableOversampler` on a toy imbalanced table whose number column and
text column depend on the class: it balances the classes with rows in X's
form whose columns follow their class, drops into an imblearn Pipeline,
saves and reloads, and refuses bad input in one line. Once: the sampler is
glue around `TableInfoGAN`, whose step `test_table_model` checks per backend."""

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

from keras_infogan.tables.oversampling import CLASS_COLUMN, TableOversampler

pytestmark = pytest.mark.once

MEANS = {0: -2.0, 1: 2.0}


def toy(n_major: int = 400, n_minor: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A structured table: x near its class's mean, a colour mostly its class's."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], [n_major, n_minor])
    x = np.array([MEANS[c] for c in y]) + rng.normal(0, 0.4, len(y))
    colour = np.where(rng.uniform(size=len(y)) < 0.9, np.where(y == 0, "red", "blue"), "green")
    table = np.empty(len(y), dtype=[("x", "f8"), ("colour", "U8")])
    table["x"], table["colour"] = x, colour
    return table, y


@pytest.fixture(scope="module")
def resampled():
    X, y = toy()
    sampler = TableOversampler(epochs=3, batch_size=50, noise_dim=16, random_state=0, verbose=0)
    X_res, y_res = sampler.fit_resample(X, y)
    return sampler, X, y, X_res, y_res


def test_the_classes_come_out_balanced_in_xs_form(resampled):
    sampler, X, y, X_res, y_res = resampled
    assert np.bincount(y_res).tolist() == [400, 400]
    assert X_res.dtype == X.dtype and len(X_res) == 800
    np.testing.assert_array_equal(X_res[: len(X)], X)  # the real rows first, unchanged
    assert set(X_res["colour"][len(X) :]) <= {"red", "blue", "green"}


def test_new_rows_follow_their_class():
    X, y = toy()
    X_res, y_res = TableOversampler(epochs=100, batch_size=50, noise_dim=16, random_state=0, verbose=0).fit_resample(X, y)
    new = X_res[len(X) :]
    assert abs(np.median(new["x"]) - MEANS[1]) < 0.6
    assert np.mean(new["colour"] == "blue") > 0.7


def test_a_plain_array_and_a_pipeline(resampled):
    X, y = toy()
    numbers = np.stack([X["x"], (X["colour"] == "blue").astype(float)], axis=1)
    pipeline = Pipeline(
        [("over", TableOversampler(epochs=2, batch_size=50, noise_dim=8, random_state=0, verbose=0)), ("lr", LogisticRegression())]
    )
    pipeline.fit(numbers, y)
    predicted = pipeline.predict(numbers)
    assert np.mean(predicted[y == 0] == 0) > 0.9 and np.mean(predicted[y == 1] == 1) > 0.9  # Each class, not the majority's share.
    X_res, y_res = TableOversampler(model=pipeline.named_steps["over"].model_, random_state=0).fit_resample(numbers, y)
    assert X_res.shape == (800, 2) and X_res.dtype == numbers.dtype and np.bincount(y_res).tolist() == [400, 400]


def test_the_saved_model_resamples_without_training(resampled, tmp_path):
    sampler, X, y, X_res, _ = resampled
    path = str(tmp_path / "over.keras")
    sampler.save(path)
    again, y_again = TableOversampler(model=path, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(again["colour"], X_res["colour"])
    np.testing.assert_allclose(again["x"], X_res["x"], atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, data, phrase",
    [
        ({"batch_size": 55}, None, "batch_size 55 does not split into packs of 10"),
        ({}, "class column", f"X has a column named {CLASS_COLUMN!r}"),
        ({}, "short y", "X has 440 rows but y has 439 labels"),
        ({"model": "missing.keras"}, None, "missing.keras"),
    ],
)
def test_bad_input_fails_in_one_line(kwargs, data, phrase):
    X, y = toy()
    if data == "class column":
        X = {"x": X["x"], CLASS_COLUMN: X["colour"]}
    if data == "short y":
        y = y[:-1]
    with pytest.raises((ValueError, OSError), match=None) as error:
        TableOversampler(epochs=0, verbose=0, **kwargs).fit_resample(X, y)
    assert phrase in str(error.value) and "\n" not in str(error.value)
