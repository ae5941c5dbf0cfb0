import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_infogan as ki


def test_input_dim_and_entropy():
    spec = ki.LatentSpec(noise_dim=62, categorical=[10, 4], continuous=2)
    assert spec.input_dim == 62 + 14 + 2
    assert spec.categorical_entropy == pytest.approx(math.log(10) + math.log(4))


def test_sample_shapes_ranges_and_seed():
    spec = ki.LatentSpec(noise_dim=5, categorical=[10, 3], continuous=2)
    draw = {k: ops.convert_to_numpy(v) for k, v in spec.sample(4000, seed=keras.random.SeedGenerator(1)).items()}
    assert draw["noise"].shape == (4000, 5)
    assert draw["categorical"].shape == (4000, 2) and draw["categorical"].dtype == np.int32
    assert draw["continuous"].shape == (4000, 2)
    assert draw["categorical"][:, 0].min() == 0 and draw["categorical"][:, 0].max() == 9
    assert draw["categorical"][:, 1].max() == 2
    # Uniform categorical prior: each of 10 values near 400 of 4000.
    counts = np.bincount(draw["categorical"][:, 0], minlength=10)
    assert counts.min() > 300 and counts.max() < 500
    assert -1.0 <= draw["continuous"].min() and draw["continuous"].max() <= 1.0
    assert abs(draw["continuous"].std() - 1 / math.sqrt(3)) < 0.02  # uniform[-1, 1]
    assert -1.0 <= draw["noise"].min() and draw["noise"].max() <= 1.0
    assert abs(draw["noise"].std() - 1 / math.sqrt(3)) < 0.02  # uniform[-1, 1], openai/InfoGAN's
    again = spec.sample(4000, seed=keras.random.SeedGenerator(1))
    np.testing.assert_array_equal(ops.convert_to_numpy(again["noise"]), draw["noise"])


@pytest.mark.parametrize("noise_prior", ["uniform", "normal"])
def test_sample_numpy_follows_the_priors(noise_prior):
    spec = ki.LatentSpec(noise_dim=3, categorical=[4, 2], continuous=2, noise_prior=noise_prior)
    draw = spec.sample_numpy(6000, np.random.default_rng(5))
    assert {k: (v.shape, v.dtype) for k, v in draw.items()} == {
        "noise": ((6000, 3), np.float32),
        "categorical": ((6000, 2), np.int32),
        "continuous": ((6000, 2), np.float32),
    }
    np.testing.assert_array_equal(np.unique(draw["categorical"][:, 0]), [0, 1, 2, 3])
    assert np.abs(draw["continuous"]).max() <= 1.0
    assert abs(draw["continuous"].std() - 1 / math.sqrt(3)) < 0.02
    want_std = 1 / math.sqrt(3) if noise_prior == "uniform" else 1.0
    assert abs(draw["noise"].std() - want_std) < 0.03
    assert (np.abs(draw["noise"]).max() <= 1.0) == (noise_prior == "uniform")
    again = spec.sample_numpy(6000, np.random.default_rng(5))
    np.testing.assert_array_equal(again["noise"], draw["noise"])
    assert set(ki.LatentSpec(noise_dim=0, categorical=[3], continuous=0).sample_numpy(2, np.random.default_rng(0))) == {"categorical"}


def test_normal_continuous_prior():
    spec = ki.LatentSpec(noise_dim=0, categorical=[], continuous=3, continuous_prior="normal")
    draw = ops.convert_to_numpy(spec.sample(5000, seed=2)["continuous"])
    assert draw.min() < -2.5 and abs(draw.std() - 1.0) < 0.05
    assert set(spec.sample(2, seed=2)) == {"continuous"}


def test_an_int_seed_draws_each_part_from_its_own_stream():
    spec = ki.LatentSpec(noise_dim=2, categorical=[3], continuous=2)
    draw = {k: ops.convert_to_numpy(v) for k, v in spec.sample(2000, seed=7).items()}
    # Both parts are uniform on [-1, 1]: one shared key would make them equal.
    assert abs(np.corrcoef(draw["noise"][:, 0], draw["continuous"][:, 0])[0, 1]) < 0.1
    again = spec.sample(2000, seed=7)
    for key, value in draw.items():
        np.testing.assert_array_equal(ops.convert_to_numpy(again[key]), value)


def test_normal_noise_prior():
    spec = ki.LatentSpec(noise_dim=4, categorical=[2], continuous=0, noise_prior="normal")
    draw = ops.convert_to_numpy(spec.sample(5000, seed=3)["noise"])
    assert draw.min() < -2.5 and abs(draw.std() - 1.0) < 0.05


def test_one_statement_of_the_priors_serves_every_source():
    """`draw` with a source that records its calls: the parts, priors, shapes and order."""
    spec = ki.LatentSpec(noise_dim=3, categorical=[4, 2], continuous=1, continuous_prior="normal")
    calls = []

    def real(prior, shape, part):
        calls.append((part, prior, shape))
        return np.zeros(shape, "float32")

    def integers(high, shape, index):
        calls.append((index, high, shape))
        return np.full(shape, high - 1)

    out = spec.draw((5,), real, integers, lambda columns: np.concatenate(columns, axis=-1))
    assert calls == [("noise", "uniform", (5, 3)), (0, 4, (5, 1)), (1, 2, (5, 1)), ("continuous", "normal", (5, 1))]
    np.testing.assert_array_equal(out["categorical"], [[3, 1]] * 5)


def test_to_input_layout():
    spec = ki.LatentSpec(noise_dim=2, categorical=[3, 2], continuous=1)
    x = ops.convert_to_numpy(
        spec.to_input({"noise": np.array([[0.5, -0.5]]), "categorical": np.array([[2, 0]]), "continuous": np.array([[0.25]])})
    )
    np.testing.assert_allclose(x, [[0.5, -0.5, 0, 0, 1, 1, 0, 0.25]])


def test_config_round_trip():
    spec = ki.LatentSpec(noise_dim=3, categorical=[5], continuous=1, continuous_prior="normal", noise_prior="normal")
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(spec))
    assert again == spec and again is not spec


def test_retired_categorical_sampling_is_dropped_from_saved_configs():
    config = ki.LatentSpec(noise_dim=3).get_config()
    assert ki.LatentSpec.from_config({**config, "categorical_sampling": "independent"}) == ki.LatentSpec(noise_dim=3)
    with pytest.warns(UserWarning, match="categorical_sampling='balanced' was retired"):
        assert ki.LatentSpec.from_config({**config, "categorical_sampling": "balanced"}) == ki.LatentSpec(noise_dim=3)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"categorical": [], "continuous": 0}, "at least one code"),
        ({"categorical": [1]}, "categorical[0]"),
        ({"noise_dim": -1}, "noise_dim"),
        ({"continuous": -2}, "continuous"),
        ({"continuous_prior": "cauchy"}, "continuous_prior"),
    ],
)
def test_bad_specs_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        ki.LatentSpec(**kwargs)
