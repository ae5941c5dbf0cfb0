"""The export of a real InfoGAN: it reproduces the Keras model it came from,
whatever backend trained it, and it is atomic. What does not depend on the
training backend runs once."""

import os

import numpy as np
import pytest
import tensorflow as tf

import keras_infogan as ki
from keras_infogan import saved_model

from conftest import tiny_model, tiny_spec

# The exported graph and the Keras model run the same float32 kernels, but
# XLA/oneDNN may fuse differently from eager jax/torch kernels.
EXPORT_ATOL = 1e-5


@pytest.fixture(scope="module")
def trained(tmp_path_factory, images):
    """A model trained on this backend, exported (under jax and torch, by a
    TensorFlow subprocess), and its export loaded."""
    model = tiny_model(tiny_spec(categorical=[3, 2]))
    model.compile(fixed_std=0.5)
    model.fit(images[:64], batch_size=32, epochs=1, verbose=0)
    folder = tmp_path_factory.mktemp("export")
    path = ki.export(model, str(folder))
    return model, folder, tf.saved_model.load(path)


def latents(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "noise": rng.normal(size=(n, 4)).astype("float32"),
        "categorical": np.stack([rng.integers(0, 3, n), rng.integers(0, 2, n)], 1).astype("int32"),
        "continuous": rng.uniform(-2, 2, (n, 2)).astype("float32"),
    }


def test_exported_generator_reproduces_the_model(trained):
    model, _, loaded = trained
    z = latents()
    served = loaded.signatures["serving_default"](**{k: tf.constant(v) for k, v in z.items()})["images"].numpy()
    np.testing.assert_allclose(served, model.generate(**z), atol=EXPORT_ATOL)


def test_exported_encoder_reproduces_the_model(trained):
    model, _, loaded = trained
    images = model.generate(**latents(seed=1))
    served = {k: v.numpy() for k, v in loaded.signatures["encode"](images=tf.constant(images)).items()}
    expected = model.encode(images)
    assert set(served) == set(expected)
    np.testing.assert_array_equal(served["categorical"], expected["categorical"])
    for key in ("categorical_probs", "continuous", "continuous_std"):
        np.testing.assert_allclose(served[key], expected[key], atol=EXPORT_ATOL)
    np.testing.assert_allclose(served["continuous_std"], 0.5, rtol=1e-6)  # the fixed std


@pytest.mark.once
def test_sample_draws_follow_the_spec_and_the_seed(trained):
    model, _, loaded = trained
    seeds = tf.constant(np.arange(400), tf.int64)
    out = {k: v.numpy() for k, v in loaded.signatures["sample"](seed=seeds).items()}
    assert out["categorical"][:, 0].min() == 0 and out["categorical"][:, 0].max() == 2
    assert out["categorical"][:, 1].max() == 1
    assert np.abs(out["continuous"]).max() <= 1.0 and len(np.unique(out["noise"][:, 0])) == 400
    again = {k: v.numpy() for k, v in loaded.signatures["sample"](seed=tf.constant([7, 7], tf.int64)).items()}
    np.testing.assert_array_equal(again["noise"][1], out["noise"][7])
    # Equal latents, equal images, up to the rounding of a row's place in the batch.
    np.testing.assert_allclose(again["images"][0], again["images"][1], atol=1e-6)
    # The sampled codes regenerate the sampled image through serving_default.
    regen = loaded.signatures["serving_default"](
        noise=tf.constant(out["noise"][:3]), categorical=tf.constant(out["categorical"][:3]),
        continuous=tf.constant(out["continuous"][:3]),
    )["images"].numpy()
    np.testing.assert_allclose(regen, out["images"][:3], atol=EXPORT_ATOL)


@pytest.mark.once
@pytest.mark.parametrize("code, value, phrase", [(1, 2, "categorical code 1 takes values 0..1"), (0, -1, "categorical code 0 takes values 0..2")])
def test_out_of_range_code_fails_the_request(trained, code, value, phrase):
    _, _, loaded = trained
    z = latents(2)
    z["categorical"][1, code] = value
    with pytest.raises(tf.errors.InvalidArgumentError, match=phrase):
        loaded.signatures["serving_default"](**{k: tf.constant(v) for k, v in z.items()})


@pytest.mark.once
def test_versions_count_up_and_never_overwrite(trained):
    model, folder, _ = trained
    assert sorted(os.listdir(folder)) == ["1"]
    second = ki.export(model, str(folder))
    assert second.endswith(os.path.join(str(folder), "2"))
    with pytest.raises(ValueError, match="already exists"):
        ki.export(model, str(folder), version=2)
    assert sorted(os.listdir(folder)) == ["1", "2"]


@pytest.mark.once
def test_failed_export_leaves_nothing_behind(trained, tmp_path, monkeypatch):
    model, _, _ = trained

    def broken(model, path):
        os.makedirs(os.path.join(path, "variables"))
        raise RuntimeError("disk full")

    monkeypatch.setattr(saved_model, "_export_to", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ki.export(model, str(tmp_path))
    assert os.listdir(tmp_path) == []


@pytest.mark.once
def test_spec_without_categorical_codes_has_no_categorical_input(tmp_path):
    model = tiny_model(tiny_spec(categorical=[]))
    loaded = tf.saved_model.load(ki.export(model, str(tmp_path)))
    _, inputs = loaded.signatures["serving_default"].structured_input_signature
    assert set(inputs) == {"noise", "continuous"}
    assert set(loaded.signatures["encode"].structured_outputs) == {"continuous", "continuous_std"}
    assert "sample_class" not in loaded.signatures


def test_sample_class_sets_the_first_code_by_index_name(trained):
    """Without class names a class is its index as text; the rest of the draw is `sample`'s."""
    _, _, loaded = trained
    seeds = tf.constant([5, 6, 7], tf.int64)
    out = {k: v.numpy() for k, v in loaded.signatures["sample_class"](class_name=tf.constant(["2", "0", "2"]), seed=seeds).items()}
    plain = {k: v.numpy() for k, v in loaded.signatures["sample"](seed=seeds).items()}
    assert out["categorical"][:, 0].tolist() == [2, 0, 2]
    np.testing.assert_array_equal(out["categorical"][:, 1], plain["categorical"][:, 1])
    np.testing.assert_array_equal(out["noise"], plain["noise"])
    regen = loaded.signatures["serving_default"](
        noise=tf.constant(out["noise"]), categorical=tf.constant(out["categorical"]), continuous=tf.constant(out["continuous"])
    )["images"].numpy()
    np.testing.assert_allclose(regen, out["images"], atol=EXPORT_ATOL)


@pytest.mark.once
def test_sample_class_takes_the_models_class_names(tmp_path):
    model = tiny_model(class_names=["sandal", "sneaker", "boot"])
    loaded = tf.saved_model.load(ki.export(model, str(tmp_path)))
    sample_class = loaded.signatures["sample_class"]
    out = sample_class(class_name=tf.constant(["sneaker", "boot"]), seed=tf.constant([1, 2], tf.int64))
    assert out["categorical"].numpy()[:, 0].tolist() == [1, 2]
    with pytest.raises(tf.errors.InvalidArgumentError, match="class_name must be one of: sandal, sneaker, boot"):
        sample_class(class_name=tf.constant(["sneaker", "1"]), seed=tf.constant([1, 2], tf.int64))


@pytest.mark.once
def test_missing_model_file(tmp_path):
    with pytest.raises(ValueError, match="No such model file"):
        ki.export(str(tmp_path / "nope.keras"), str(tmp_path / "out"))
