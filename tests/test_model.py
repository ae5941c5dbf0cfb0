import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_infogan as ki
from keras_infogan.model import METRIC_NAMES


def test_short_fit_drives_info_loss_down(model, shapes_images):
    model.compile()
    history = model.fit(shapes_images, batch_size=32, epochs=3, verbose=0).history
    assert set(METRIC_NAMES) <= set(history)
    assert history["info_categorical"][-1] < 0.6 * history["info_categorical"][0]
    assert history["mi_lower_bound"][-1] > 0.6 * math.log(3)
    assert history["mi_lower_bound"][-1] <= math.log(3) + 1e-6
    for name in ("d_acc_real", "d_acc_fake"):
        assert 0.0 <= history[name][-1] <= 1.0
    assert int(model.optimizer.iterations) == 3 * 256 // 32
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 24


@pytest.mark.parametrize("info_trains_trunk", [True, False])
def test_each_update_moves_only_its_own_variables(model, shapes_images, info_trains_trunk):
    model.compile(info_trains_trunk=info_trains_trunk)
    before = {v.path: np.array(v) for v in model.trainable_variables}
    model.fit(shapes_images[:32], batch_size=32, epochs=1, verbose=0)
    moved = {v.path for v in model.trainable_variables if not np.allclose(before[v.path], np.array(v))}
    assert moved == {v.path for v in model.trainable_variables}
    d_ids = {id(v) for v in model.d_variables}
    g_ids = {id(v) for v in model.g_variables}
    assert {id(v) for v in model.discriminator_trunk.trainable_variables} <= d_ids
    q_ids = {id(v) for v in model.q_head.trainable_variables}
    assert q_ids <= (d_ids if info_trains_trunk else g_ids)  # openai/InfoGAN updates Q with D
    assert not d_ids & g_ids
    assert len(d_ids | g_ids) == len(model.trainable_variables)


def test_info_term_in_d_loss_only_when_it_trains_the_trunk(model, shapes_images):
    real = shapes_images[:8]
    latent = model.spec.sample(8, seed=keras.random.SeedGenerator(0))
    fake = model.fake_images(latent)
    losses = {}
    for flag in (True, False):
        model.compile(info_trains_trunk=flag, iic_weight=0.0)  # the info term alone
        losses[flag] = float(ops.convert_to_numpy(model.discriminator_loss(real, fake, latent)[0]))
    info = float(ops.convert_to_numpy(model._info_loss(model.discriminator_trunk(fake, training=True), latent)[0]))
    assert info > 0.1
    assert losses[True] - losses[False] == pytest.approx(info, rel=1e-4)


def test_continuous_weight_follows_the_continuous_loss(model):
    model.compile(continuous_loss="gaussian")
    assert model.info_config["continuous_weight"] == 0.1
    model.compile(continuous_loss="fixed_std")
    assert model.info_config["continuous_weight"] == 1.0
    model.compile(continuous_loss="gaussian", continuous_weight=0.3)
    assert model.info_config["continuous_weight"] == 0.3


def test_generate_and_encode(model):
    images = model.generate(categorical=[[2]] * 5, continuous=[[-1.0, 0.0]] * 5, seed=1)
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    np.testing.assert_array_equal(images, model.generate(categorical=[[2]] * 5, continuous=[[-1.0, 0.0]] * 5, seed=1))
    assert not np.array_equal(images, model.generate(categorical=[[2]] * 5, continuous=[[-1.0, 0.0]] * 5, seed=2))
    codes = model.encode(images)
    assert codes["categorical"].shape == (5, 1) and codes["categorical"].dtype == np.int32
    np.testing.assert_allclose(codes["categorical_probs"].sum(axis=1), 1.0, rtol=1e-5)
    assert codes["continuous"].shape == codes["continuous_std"].shape == (5, 2)
    assert (codes["continuous_std"] > 0).all()


def test_generate_rejects_bad_codes(model):
    with pytest.raises(ValueError, match="values 0..2"):
        model.generate(categorical=[[3]])
    with pytest.raises(ValueError, match=r"shape \[N, 2\]"):
        model.generate(continuous=[[0.0]])
    with pytest.raises(ValueError, match="disagree"):
        model.generate(categorical=[[0], [1]], continuous=[[0.0, 0.0]])
    with pytest.raises(ValueError, match="Nothing to generate: the batch size is 0"):
        model.generate(n=0)
    with pytest.raises(ValueError, match="Nothing to generate"):
        model.generate(categorical=np.zeros((0, 1), "int32"))


def test_images_of_the_wrong_shape(model):
    model.compile()
    with pytest.raises(ValueError, match=r"expect \(28, 28, 1\)"):
        model.fit(np.zeros((64, 32, 32, 1), "float32"), batch_size=32, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="encode expects"):
        model.encode(np.zeros((2, 28, 28, 3), "float32"))
    with pytest.raises(ValueError, match="encode got no images"):
        model.encode(np.zeros((0, 28, 28, 1), "float32"))


def test_compile_choices_are_checked(model):
    with pytest.raises(ValueError, match="categorical_loss"):
        model.compile(categorical_loss="hinge")
    with pytest.raises(ValueError, match="continuous_loss"):
        model.compile(continuous_loss="laplace")
    with pytest.raises(ValueError, match="fixed_std must be positive, got 0.0"):
        model.compile(fixed_std=0.0)


@pytest.mark.parametrize("objective, real_acc", [("nonsaturating", 1.0), ("hinge", 1.0), ("lsgan", 0.0)])
def test_d_accuracy_splits_at_the_objectives_midpoint(model, objective, real_acc):
    # D's output is 0.3 for every image: real by a logit's sign (nonsaturating,
    # hinge), nearer the fake target 0 than the real target 1 under LSGAN.
    kernel, bias = model.d_head.layers[-1].weights
    kernel.assign(np.zeros(kernel.shape, "float32"))
    bias.assign(np.full(bias.shape, 0.3, "float32"))
    model.compile(adversarial_loss=objective)
    latent = model.spec.sample(8, seed=keras.random.SeedGenerator(0))
    images = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")
    _, logs = model.discriminator_loss(images, model.fake_images(latent), latent)
    assert float(ops.convert_to_numpy(logs["d_acc_real"])) == real_acc
    assert float(ops.convert_to_numpy(logs["d_acc_fake"])) == 1.0 - real_acc


@pytest.mark.parametrize(
    "options",
    [
        {"categorical_loss": "softmax", "continuous_loss": "fixed_std"},
        {"adversarial_loss": "lsgan", "info_trains_trunk": False},
        {"categorical_augmentation": "stroke_width"},
    ],
)
def test_loss_options_train(model, shapes_images, options):
    model.compile(**options)
    history = model.fit(shapes_images, batch_size=32, epochs=2, verbose=0).history
    assert history["info_categorical"][-1] < history["info_categorical"][0]


def test_balanced_codes_train(spec, shapes_images):
    """The balanced draw runs inside each backend's compiled train step."""
    balanced = ki.LatentSpec.from_config({**spec.get_config(), "categorical_sampling": "balanced"})
    keras.utils.set_random_seed(0)
    model = ki.InfoGAN.for_images((28, 28, 1), balanced, seed=0)
    model.compile()
    history = model.fit(shapes_images, batch_size=32, epochs=2, verbose=0).history
    assert history["info_categorical"][-1] < history["info_categorical"][0]


def test_save_load_keeps_everything(model, shapes_images, tmp_path):
    model.compile(
        categorical_loss="softmax",
        continuous_weight=0.2,
        categorical_augmentation="stroke_width",
        iic_weight=0.5,
        d_optimizer=keras.optimizers.Adam(3e-4, beta_1=0.5),
    )
    model.fit(shapes_images[:64], batch_size=32, epochs=1, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.spec == model.spec
    assert loaded.info_config == model.info_config
    assert float(loaded.d_optimizer.learning_rate) == pytest.approx(3e-4)
    kwargs = dict(categorical=[[1]] * 3, continuous=[[0.5, -0.5]] * 3, seed=4)
    np.testing.assert_array_equal(loaded.generate(**kwargs), model.generate(**kwargs))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    np.testing.assert_allclose(loaded.encode(shapes_images[:4])["continuous"], model.encode(shapes_images[:4])["continuous"], atol=1e-6)
    loaded.fit(shapes_images[:64], batch_size=32, epochs=1, verbose=0)
    assert int(loaded.g_optimizer.iterations) == 4


def test_iic_term_reads_real_images_through_the_augmentation(model):
    """With constant real images, which `stroke_width` leaves as they are, both
    readings are Q's reading of the real batch: the logged information and the
    change in D's loss follow from that reading alone."""
    latent = model.spec.sample(16, seed=keras.random.SeedGenerator(0))
    fake = model.fake_images(latent)
    real = np.linspace(0.0, 1.0, 16, dtype="float32")[:, None, None, None] * np.ones((1, 28, 28, 1), "float32")

    def d_logs(weight):
        model.compile(iic_weight=weight, iic_augmentation="stroke_width")
        return {k: float(ops.convert_to_numpy(v)) for k, v in model.discriminator_loss(real, fake, latent)[1].items()}

    plain, with_iic = d_logs(0.0), d_logs(0.5)
    logits = model.q_outputs(model.discriminator_trunk(real, training=True), training=True)[0]
    expected = -float(ops.convert_to_numpy(ki.losses.invariant_information_loss(logits, logits, [3])))
    assert "iic_mi" not in plain
    assert with_iic["iic_mi"] == pytest.approx(expected, abs=1e-5)
    assert 0.0 < expected <= math.log(3)
    assert with_iic["d_loss"] == pytest.approx(plain["d_loss"] - 0.5 * expected, abs=1e-5)


def test_iic_term_trains_q_to_agree_on_real_images(model, shapes_images):
    model.compile(iic_weight=1.0)
    history = model.fit(shapes_images, batch_size=32, epochs=3, verbose=0).history
    assert history["iic_mi"][-1] > history["iic_mi"][0] + 0.1
    assert history["iic_mi"][-1] <= math.log(3) + 1e-6


@pytest.mark.parametrize(
    "options, phrase",
    [
        ({"iic_weight": -1.0}, "iic_weight must be >= 0"),
        ({"iic_weight": 1.0, "info_trains_trunk": False}, "needs info_trains_trunk=True"),
        ({"iic_augmentation": "none"}, r"iic_augmentation 'none'.*'slant_stroke'"),
    ],
)
def test_iic_settings_that_cannot_train_are_refused(model, options, phrase):
    with pytest.raises(ValueError, match=phrase):
        model.compile(**options)


def test_iic_needs_a_categorical_code():
    model = ki.InfoGAN.for_images((28, 28, 1), ki.LatentSpec(noise_dim=4, categorical=[], continuous=2))
    with pytest.raises(ValueError, match="needs a categorical code"):
        model.compile(iic_weight=1.0)


def test_iic_is_on_by_default_only_where_it_can_train(model):
    model.compile()
    assert (model.info_config["iic_weight"], model.info_config["iic_augmentation"]) == (1.0, "affine_stroke")
    model.compile(info_trains_trunk=False)
    assert model.info_config["iic_weight"] == 0.0
    model.compile(iic_weight=0.0)
    assert model.info_config["iic_weight"] == 0.0
    no_codes = ki.InfoGAN.for_images((28, 28, 1), ki.LatentSpec(noise_dim=4, categorical=[], continuous=2))
    no_codes.compile()
    assert no_codes.info_config["iic_weight"] == 0.0
