"""The measurements of a model, on a numpy stub whose images and encoder are
known exactly, and on a tiny untrained InfoGAN; the MI bound runs the
backend's ops, so this runs under each backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import keras_infogan as ki
from keras_infogan import evaluation as ev

from conftest import tiny_model

from test_evaluation_metrics import _sheared_bar


class _StubModel:
    """Draws a 32x32 bar: slant 0.25 * c0, thickness 1 + 2 * (c1 + 2) pixels,
    horizontal position 10 + 5 * category.

    `encode` reads the category from the ink's centroid column with
    probability 0.9 (0.05 on the others), and returns as continuous codes the
    measured slant / 0.25 and the number of ink pixels per row (the
    thickness): each depends on one code only, since central moments ignore
    the bar's position and row-wise thickness does not move the row centres.
    """

    spec = ki.LatentSpec(noise_dim=2, categorical=[3], continuous=2, noise_prior="normal")

    def generate(self, noise=None, categorical=None, continuous=None, n=None, seed=None, batch_size=256):
        n = len(categorical)
        assert noise.shape == (n, 2) and continuous.shape == (n, 2)
        imgs = np.zeros((n, 32, 32, 1), dtype=np.float32)
        for i in range(n):
            k, c0, c1 = int(categorical[i, 0]), continuous[i, 0], continuous[i, 1]
            t = max(int(np.floor(1.5 + 2 * (c1 + 2))), 1)
            imgs[i, ..., 0] = _sheared_bar(0.25 * c0, thickness=t, size=32, centre=10 + 5 * k)
        return imgs

    def encode(self, images, batch_size=256):
        ink = np.asarray(images)[..., 0]
        col_mass = ink.sum(axis=1)
        cx = col_mass @ np.arange(ink.shape[2]) / ink.sum(axis=(1, 2))
        cat = np.clip(np.round((cx - 10) / 5), 0, 2).astype(np.int64)
        probs = np.full((len(images), 3), 0.05)
        probs[np.arange(len(images)), cat] = 0.9
        rows = ink.sum(axis=2)
        thickness = rows.sum(axis=1) / (rows > 0).sum(axis=1)
        cont = np.stack([ev.slant(images) / 0.25, thickness], axis=1)
        return {
            "categorical": cat[:, None],
            "categorical_probs": probs,
            "continuous": cont,
            "continuous_std": np.ones_like(cont),
        }


def test_mi_lower_bound_of_stub_is_log_k_plus_log_q():
    assert ev.mi_lower_bound(_StubModel(), n=90, seed=1, batch_size=32) == pytest.approx(
        math.log(3) + math.log(0.9), abs=1e-6
    )


def test_categorical_accuracy_of_stub_with_permuted_labels():
    model = _StubModel()
    rng = np.random.default_rng(0)
    cats = rng.integers(0, 3, (40, 1))
    imgs = model.generate(rng.standard_normal((40, 2)), cats, rng.uniform(-1, 1, (40, 2)))
    perm = np.array([2, 0, 1])
    acc, conf, mapping = ev.categorical_accuracy(model, imgs, perm[cats[:, 0]])
    assert acc == 1.0 and mapping == {0: 2, 1: 0, 2: 1} and conf.shape == (3, 3)
    with pytest.raises(ValueError, match="code"):
        ev.categorical_accuracy(model, imgs, cats[:, 0], code=1)


def test_continuous_code_effects_of_stub():
    effects = ev.continuous_code_effects(_StubModel(), n_traversals=6, steps=5, span=2.0, batch_size=7)
    assert set(effects) == {"continuous_0", "continuous_1"}
    assert effects["continuous_0"]["slant"] == pytest.approx(1.0)  # c0 drives slant
    assert effects["continuous_1"]["width"] == pytest.approx(1.0)  # c1 drives width
    for entry in effects.values():
        assert set(entry) == {"slant", "width", "category_consistency"}
        assert entry["category_consistency"] == 1.0  # the stub keeps its class


def test_evaluate_shapes_mig_of_stub_grid():
    model = _StubModel()
    k, a, b = np.meshgrid(np.arange(3), np.arange(5), np.arange(5), indexing="ij")
    factors = np.stack([k.ravel(), a.ravel(), b.ravel()], axis=1)
    cont = np.stack([(factors[:, 1] - 2) * 0.5, (factors[:, 2] - 2) * 0.5], axis=1)
    imgs = model.generate(np.zeros((len(factors), 2)), factors[:, :1], cont)
    # Codes [slant, thickness, category] each follow one factor of a full
    # factorial grid, so MI with the other factors is exactly 0: MIG = 1.
    assert ev.evaluate_shapes_mig(model, imgs, factors) == pytest.approx(1.0)
    # Without the categorical column nothing captures factor 0.
    no_cat = ev.evaluate_shapes_mig(model, imgs, factors, include_categorical=False)
    assert no_cat == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="same number of rows"):
        ev.evaluate_shapes_mig(model, imgs, factors[:-1])


@pytest.fixture(scope="module")
def untrained():
    return tiny_model()


def test_untrained_model_mi_lower_bound_is_log_k_plus_the_mean_log_q_of_the_drawn_codes(untrained):
    # n = 20 everywhere: JAX compiles per batch shape, one shape keeps this fast.
    value = ev.mi_lower_bound(untrained, n=20, seed=0)
    latents = untrained.spec.sample_numpy(20, np.random.default_rng(0))
    probs = untrained.encode(untrained.generate(**latents))["categorical_probs"]
    expected = math.log(3) + np.mean(np.log(probs[np.arange(20), latents["categorical"][:, 0]]))
    assert value == pytest.approx(expected, abs=1e-5)


def test_untrained_model_effects_and_metrics(untrained):
    effects = ev.continuous_code_effects(untrained, n_traversals=4, steps=5, seed=0)
    assert set(effects) == {"continuous_0", "continuous_1"}
    for entry in effects.values():
        assert set(entry) == {"slant", "width", "category_consistency"}
    assert ev.continuous_code_effects(untrained, n_traversals=4, steps=5, seed=0) == effects  # Seeded.

    rng = np.random.default_rng(0)
    images = untrained.generate(n=20, seed=0)
    assert images.shape == (20, 16, 16, 1)
    labels, factors = rng.integers(0, 3, 20), rng.integers(0, 4, (20, 2))
    codes = untrained.encode(images)
    acc, conf, mapping = ev.categorical_accuracy(untrained, images, labels)
    assert (acc, mapping) == ev.unsupervised_accuracy(codes["categorical"][:, 0], labels, n_values=3)[::2]
    assert conf.sum() == 20
    read = np.concatenate([codes["continuous"], codes["categorical"]], axis=1).astype(np.float64)
    assert ev.evaluate_shapes_mig(untrained, images, factors) == pytest.approx(ev.mutual_information_gap(read, factors))


@pytest.mark.once
def test_shapes_disentanglement_of_a_reader_that_sees_the_factors():
    """A reader that measures each factor from the drawn image (the centre
    of mass gives x and y) separates those two factors perfectly."""

    def read(images):
        ink = images[..., 0]
        mass = ink.sum(axis=(1, 2))
        x = (ink.sum(axis=1) * np.arange(ink.shape[2])).sum(axis=1) / mass
        y = (ink.sum(axis=2) * np.arange(ink.shape[1])).sum(axis=1) / mass
        return np.stack([x, y, mass], axis=1)

    result = ev.shapes_disentanglement(read, size=28, mig_draws=1000, votes=(200, 200))
    assert 0.2 < result["mig"] < 1.0  # x and y captured alone; shape and rotation by none
    assert result["factor_vae"] > 0.5  # x, y and scale (the mass) voted right; shape, rotation not


class _BarsG:
    """A fixed G whose images show the codes: a bar in the row band of the
    category, at the column the first continuous code says."""

    def __init__(self, model):
        self.spec, self.image_shape = model.spec, model.image_shape
        self.discriminator_trunk, self.q_head = model.discriminator_trunk, model.q_head

    def generate(self, noise=None, categorical=None, continuous=None, batch_size=None):
        images = np.zeros((len(categorical), 16, 16, 1), "float32")
        for i, (k, c) in enumerate(zip(categorical[:, 0], continuous[:, 0])):
            col = int(round(7.5 + 6 * c))
            images[i, 5 * k : 5 * k + 4, col : col + 2, 0] = 1.0
        return images


def test_a_code_reader_fitted_afterwards_reads_what_g_shows(untrained):
    read = ev.fit_code_reader(_BarsG(untrained), steps=400, batch_size=64)  # BN statistics settle by then
    latent = untrained.spec.sample_numpy(256, np.random.default_rng(5))
    codes = read(_BarsG(untrained).generate(**latent))
    assert codes.shape == (256, 3)  # two continuous means, one categorical value
    assert np.mean(codes[:, 2] == latent["categorical"][:, 0]) > 0.9
    assert np.corrcoef(codes[:, 0], latent["continuous"][:, 0])[0, 1] > 0.8
