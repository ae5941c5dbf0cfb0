"""`InfoGAN` on the running backend: it learns, each update moves its own
variables, the losses are the ones written down, and a saved model comes back
whole. Tiny 16x16 networks; each `fit` here compiles once."""

import math
import warnings

import keras
import numpy as np
import pytest
from keras import ops

import keras_infogan as ki
from keras_infogan import augment, losses
from keras_infogan.model import METRIC_NAMES

from conftest import tiny_model, tiny_spec

EPOCHS, BATCH = 8, 32


@pytest.fixture(scope="module")
def fitted(images):
    """A model fitted with the default recipe, and its history."""
    model = tiny_model()
    model.compile()
    history = model.fit(images, batch_size=BATCH, epochs=EPOCHS, verbose=0).history
    return model, history


def test_a_short_fit_learns_the_codes(fitted, images):
    model, history = fitted
    assert model.recipe.iic_augmentation == "affine_stroke"  # "auto", decided from the shapes data
    assert set(METRIC_NAMES) | {"iic_mi"} == set(history)
    assert history["info_categorical"][-1] < 0.6 * history["info_categorical"][0]
    assert 0.6 * math.log(3) < history["mi_lower_bound"][-1] <= math.log(3) + 1e-6
    assert history["info_continuous"][-1] < history["info_continuous"][0]
    for name in ("d_acc_real", "d_acc_fake"):
        assert 0.0 <= history[name][-1] <= 1.0
    steps = EPOCHS * len(images) // BATCH
    assert int(model.optimizer.iterations) == int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == steps


def test_the_iic_term_trains_q_to_agree_on_real_images(images):
    model = tiny_model()
    model.compile(iic_weight=3.0, d_learning_rate=2e-3)  # Tiny networks start IIC slowly.
    history = model.fit(images, batch_size=BATCH, epochs=12, verbose=0).history
    assert history["iic_mi"][-1] > history["iic_mi"][0] + 0.08
    assert history["iic_mi"][-1] <= math.log(3) + 1e-6


@pytest.mark.parametrize("info_trains_trunk", [True, False])
def test_each_update_moves_only_its_own_variables(images, info_trains_trunk):
    for frozen, moving in (("g", "d"), ("d", "g")):  # One optimizer at rate 0: only the other's variables move.
        model = tiny_model()
        model.compile(**{f"{frozen}_optimizer": keras.optimizers.SGD(0.0)}, info_trains_trunk=info_trains_trunk)
        before = {v.path: np.array(v) for v in model.trainable_variables}
        model.fit(images[:BATCH], batch_size=BATCH, epochs=1, verbose=0)
        moved = {v.path for v in model.trainable_variables if not np.allclose(before[v.path], np.array(v))}
        assert moved == {v.path for v in getattr(model, f"{moving}_variables")}, frozen
    d_ids = {id(v) for v in model.d_variables}
    g_ids = {id(v) for v in model.g_variables}
    assert {id(v) for v in model.discriminator_trunk.trainable_variables} <= d_ids
    q_ids = {id(v) for v in model.q_head.trainable_variables}
    assert q_ids <= (d_ids if info_trains_trunk else g_ids)  # openai/InfoGAN updates Q with D
    assert not d_ids & g_ids
    assert len(d_ids | g_ids) == len(model.trainable_variables)


def test_other_recipes_train(images):
    """Every non-default choice at once: least squares, Q in G's update,
    sigmoid cross-entropy, a learned std."""
    model = tiny_model()
    model.compile(adversarial_loss="lsgan", info_trains_trunk=False, categorical_loss="sigmoid", continuous_loss="gaussian")
    assert (model.recipe.iic_weight, model.recipe.continuous_weight) == (0.0, 0.1)
    history = model.fit(images, batch_size=BATCH, epochs=2, verbose=0).history
    assert history["info_categorical"][-1] < history["info_categorical"][0]
    assert "iic_mi" not in history


def test_info_term_in_d_loss_only_when_it_trains_the_trunk(model, images):
    real = images[:8]
    latent = model.spec.sample(8, seed=keras.random.SeedGenerator(0))
    fake = model.fake_images(latent)
    d_losses = {}
    for flag in (True, False):
        model.compile(info_trains_trunk=flag, iic_weight=0.0)  # the info term alone
        d_losses[flag] = float(ops.convert_to_numpy(model.discriminator_loss(real, fake, latent)[0]))
    info = float(ops.convert_to_numpy(model._info_loss(model.discriminator_trunk(fake, training=True), latent)[0]))
    assert info > 0.1
    assert d_losses[True] - d_losses[False] == pytest.approx(info, rel=1e-4)


def test_the_iic_term_reads_real_images_through_the_augmentation(model, images):
    """D's loss gains -weight * I(Q's reading of the real batch; Q's reading of
    it augmented), the augmentation drawn from the model's seed generator."""
    real = images[:16]
    latent = model.spec.sample(16, seed=keras.random.SeedGenerator(0))
    fake = model.fake_images(latent)
    state = np.array(model.seed_generator.state)

    def d_logs(weight):
        model.compile(iic_weight=weight, iic_augmentation="affine_stroke")
        model.seed_generator.state.assign(state)
        return {k: float(ops.convert_to_numpy(v)) for k, v in model.discriminator_loss(real, fake, latent)[1].items()}

    plain, with_iic = d_logs(0.0), d_logs(0.5)
    model.seed_generator.state.assign(state)
    augmented = augment.affine_stroke(real, model.seed_generator)
    read = lambda x: model.q_outputs(model.discriminator_trunk(x, training=True), training=True)[0]  # noqa: E731
    expected = -float(ops.convert_to_numpy(losses.invariant_information_loss(read(real), read(augmented), [3])))
    assert "iic_mi" not in plain
    assert with_iic["iic_mi"] == pytest.approx(expected, abs=1e-5)
    assert 0.0 < expected <= math.log(3)
    assert with_iic["d_loss"] == pytest.approx(plain["d_loss"] - 0.5 * expected, abs=1e-5)


def test_compile_resolves_the_recipe(model):
    model.compile()
    assert model.recipe == ki.Recipe().resolved(has_categorical=True)
    assert (model.recipe.iic_weight, model.recipe.iic_augmentation) == (1.0, "auto")
    assert float(model.d_optimizer.learning_rate) == pytest.approx(ki.Recipe().d_learning_rate)
    model.compile(recipe=ki.Recipe(g_learning_rate=2e-3), categorical_loss="sigmoid")
    assert model.recipe.categorical_loss == "sigmoid"
    assert float(model.g_optimizer.learning_rate) == pytest.approx(2e-3)
    no_codes = tiny_model(tiny_spec(categorical=[]))
    no_codes.compile()
    assert no_codes.recipe.iic_weight == 0.0


@pytest.mark.xla
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="XLA on one CPU device is tensorflow's choice")
def test_tensorflow_compiles_the_step_with_xla_on_one_device(model):
    model.compile()
    assert model.jit_compile is True
    model.compile(run_eagerly=True)
    assert model.jit_compile is False


@pytest.mark.parametrize(
    "options, phrase",
    [
        ({"categorical_loss": "hinge"}, "Unknown categorical_loss 'hinge'"),
        ({"fixed_std": 0.0}, "fixed_std must be positive, got 0.0"),
        ({"iic_weight": 1.0, "info_trains_trunk": False}, "needs info_trains_trunk=True"),
        ({"categorical_augmentation": "slant"}, "categorical_augmentation was retired"),
    ],
)
def test_compile_refuses_what_cannot_train(model, options, phrase):
    with pytest.raises(ValueError, match=phrase):
        model.compile(**options)


def test_generate_and_encode(fitted):
    model = fitted[0]
    kwargs = dict(categorical=[[2]] * 5, continuous=[[-1.0, 0.0]] * 5)
    images = model.generate(**kwargs, seed=1)
    assert images.shape == (5, 16, 16, 1) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    np.testing.assert_array_equal(images, model.generate(**kwargs, seed=1))
    assert not np.array_equal(images, model.generate(**kwargs, seed=2))
    codes = model.encode(images)
    assert codes["categorical"].shape == (5, 1) and codes["categorical"].dtype == np.int32
    np.testing.assert_allclose(codes["categorical_probs"].sum(axis=1), 1.0, rtol=1e-5)
    assert codes["continuous"].shape == (5, 2)
    np.testing.assert_allclose(codes["continuous_std"], model.recipe.fixed_std)  # the fixed std


def test_generate_rejects_bad_codes(model):
    with pytest.raises(ValueError, match="categorical code 0 takes values 0..2, got 3..3"):
        model.generate(categorical=[[3]])
    with pytest.raises(ValueError, match=r"shape \[N, 2\]"):
        model.generate(continuous=[[0.0]])
    with pytest.raises(ValueError, match="disagree"):
        model.generate(categorical=[[0], [1]], continuous=[[0.0, 0.0]])
    with pytest.raises(ValueError, match="Nothing to generate: the batch size is 0"):
        model.generate(n=0)


def test_images_of_the_wrong_shape(model):
    model.compile()
    with pytest.raises(ValueError, match=r"expect \(16, 16, 1\)"):
        model.fit(np.zeros((64, 28, 28, 1), "float32"), batch_size=32, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="encode expects"):
        model.encode(np.zeros((2, 16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="encode got no images"):
        model.encode(np.zeros((0, 16, 16, 1), "float32"))


@pytest.mark.parametrize("objective, real_acc", [("nonsaturating", 1.0), ("hinge", 1.0), ("lsgan", 0.0)])
def test_d_accuracy_splits_at_the_objectives_midpoint(model, objective, real_acc):
    # D's output is 0.3 for every image: real by a logit's sign (nonsaturating,
    # hinge), nearer the fake target 0 than the real target 1 under LSGAN.
    kernel, bias = model.d_head.layers[-1].weights
    kernel.assign(np.zeros(kernel.shape, "float32"))
    bias.assign(np.full(bias.shape, 0.3, "float32"))
    model.compile(adversarial_loss=objective, iic_weight=0.0)
    latent = model.spec.sample(8, seed=keras.random.SeedGenerator(0))
    images = np.random.default_rng(0).uniform(size=(8, 16, 16, 1)).astype("float32")
    _, logs = model.discriminator_loss(images, model.fake_images(latent), latent)
    assert float(ops.convert_to_numpy(logs["d_acc_real"])) == real_acc
    assert float(ops.convert_to_numpy(logs["d_acc_fake"])) == 1.0 - real_acc


def test_save_load_keeps_everything_and_trains_on(fitted, images, tmp_path):
    model = fitted[0]
    path = str(tmp_path / "m.keras")
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # Today's files load without a word.
        loaded = keras.models.load_model(path)
    assert loaded.spec == model.spec and loaded.recipe == model.recipe
    kwargs = dict(categorical=[[1]] * 3, continuous=[[0.5, -0.5]] * 3, seed=4)
    np.testing.assert_array_equal(loaded.generate(**kwargs), model.generate(**kwargs))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    np.testing.assert_allclose(loaded.encode(images[:4])["continuous"], model.encode(images[:4])["continuous"], atol=1e-6)
    loaded.fit(images[:64], batch_size=32, epochs=1, verbose=0)
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations) + 2


def test_compile_config_of_an_earlier_version_loads(model):
    """keras-infogan 0.1 wrote the recipe's fields (but not the rates, which
    lived in the optimizers) beside the optimizers, with the retired
    `categorical_augmentation` among them."""
    model.compile(categorical_loss="sigmoid", d_learning_rate=3e-4, beta_1=0.6)
    config = model.get_compile_config()
    fields = {k: v for k, v in config["recipe"].items() if k not in ("d_learning_rate", "g_learning_rate", "beta_1")}
    old = {"d_optimizer": config["d_optimizer"], "g_optimizer": config["g_optimizer"], **fields, "categorical_augmentation": "none"}
    again = tiny_model()
    again.compile_from_config(old)
    assert again.recipe == model.recipe  # The rates and beta_1 read back from the optimizers.
    with pytest.warns(UserWarning, match="categorical_augmentation='slant' was retired"):
        again.compile_from_config({**old, "categorical_augmentation": "slant"})
    assert again.recipe.categorical_loss == "sigmoid"


def test_fit_decides_the_auto_augmentation_from_the_images(images):
    """From arrays, and from a dataset's first batch; objects get crop_flip_jitter."""
    import tensorflow as tf

    grey = np.random.default_rng(0).uniform(0.2, 0.8, images.shape).astype("float32")
    for data, expected in ((images, "affine_stroke"), (tf.data.Dataset.from_tensor_slices(grey).batch(32), "crop_flip_jitter")):
        model = tiny_model()
        # One step: TensorFlow runs it eagerly faster than it compiles it; JAX's eager is slower.
        model.compile(run_eagerly=keras.backend.backend() == "tensorflow")
        model.fit(data, batch_size=32, epochs=1, steps_per_epoch=1, shuffle=False, verbose=0)
        assert model.recipe.iic_augmentation == expected
        assert model.data_kind.augmentation == expected


def test_an_undecided_auto_augmentation_says_how_to_decide_it(model, images):
    model.compile()
    latent = model.spec.sample(8, seed=keras.random.SeedGenerator(0))
    with pytest.raises(ValueError, match="decided by fit from the training images"):
        model.discriminator_loss(images[:8], model.fake_images(latent), latent)
    model.train_on_batch(images[:32])
    assert model.recipe.iic_augmentation == "affine_stroke"
