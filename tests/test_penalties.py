"""Gradient penalties: where they look, their values and weight gradients by
hand on a linear critic, and a short fit with each lowering its penalty."""

import keras
import numpy as np
import pytest
from keras import ops

from conftest import shapes_images, tiny_model, weight_gradients
from keras_infogan import backend, penalties


def test_points_lie_where_each_penalty_looks():
    rng = np.random.default_rng(0)
    real = rng.uniform(0, 1, (64, 4, 4, 1)).astype("float32")
    fake = rng.uniform(0, 1, (64, 4, 4, 1)).astype("float32")
    seed = keras.random.SeedGenerator(1)
    assert np.array_equal(ops.convert_to_numpy(penalties.penalty_points("r1", real, fake, seed)), real)

    between = ops.convert_to_numpy(penalties.penalty_points("wgan-gp", real, fake, seed))
    alpha = (between - fake) / (real - fake)  # one mixing weight per image, in [0, 1]
    np.testing.assert_allclose(alpha, alpha[:, :1, :1, :1] * np.ones_like(alpha), atol=1e-3)
    assert 0 <= alpha.min() and alpha.max() <= 1 and alpha.std() > 0.1

    near = ops.convert_to_numpy(penalties.penalty_points("dragan", real, fake, seed)) - real
    assert near.min() >= 0 and near.max() <= penalties.DRAGAN_SCALE * real.std() + 1e-6
    assert near.max() > 0.5 * penalties.DRAGAN_SCALE * real.std()


@pytest.mark.parametrize("kind", ["wgan-gp", "dragan", "r1"])
def test_penalty_and_its_weight_gradient_on_a_linear_critic(kind):
    # D(x) = <w, x> + b has input gradient w for every image: the penalty is
    # (|w| - 1)^2 with weight gradient 2 (|w| - 1) w / |w|, or |w|^2 / 2 with gradient w for r1.
    dense = keras.layers.Dense(1)
    flat = keras.layers.Flatten()
    images = np.random.default_rng(0).uniform(0, 1, (8, 3, 3, 1)).astype("float32")
    dense.build((None, 9))
    w = np.random.default_rng(1).normal(size=(9, 1)).astype("float32")
    dense.kernel.assign(w)

    def penalty():
        gradients = backend.input_gradient(lambda x: ops.sum(dense(flat(x))), ops.convert_to_tensor(images))
        return penalties.gradient_penalty(kind, gradients)

    value, (kernel_grad, bias_grad) = weight_gradients(penalty, [dense.kernel, dense.bias])
    norm = np.linalg.norm(w)
    if kind == "r1":
        expected, expected_grad = 0.5 * norm**2, w
    else:
        expected, expected_grad = (norm - 1) ** 2, 2 * (norm - 1) * w / norm
    assert value == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(kernel_grad, expected_grad, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bias_grad, 0.0, atol=1e-7)


@pytest.mark.parametrize(
    "options",
    [
        {"adversarial_loss": "wasserstein", "gradient_penalty": "wgan-gp", "n_critic": 2},
        {"gradient_penalty": "dragan"},
        {"gradient_penalty": "r1"},
    ],
    ids=lambda o: o["gradient_penalty"],
)
@pytest.mark.xla
def test_a_short_fit_lowers_the_critics_penalty(options):
    model = tiny_model(critic_normalization=penalties.critic_normalization(options["gradient_penalty"]))
    # D at 5x the default: the penalty falls within a few steps. The IIC term, which
    # is not a critic term, is left out to keep the step small.
    model.compile(d_learning_rate=2e-3, iic_weight=0.0, **options)
    history = model.fit(shapes_images(128), batch_size=32, epochs=4, verbose=0).history
    penalty = history["gradient_penalty"]
    assert all(np.isfinite(history["d_loss"]))
    assert penalty[-1] < 0.5 * penalty[0], penalty
    critic_updates = int(model.d_optimizer.iterations)
    assert critic_updates == options.get("n_critic", 1) * int(model.g_optimizer.iterations) == options.get("n_critic", 1) * 16


@pytest.mark.once
def test_wgan_gp_refuses_to_train_a_batch_norm_critic_in_one_line(tmp_path):
    images = shapes_images(32)
    model = tiny_model()
    model.compile(adversarial_loss="wasserstein", gradient_penalty="wgan-gp")
    # A model saved so still loads and generates; only training it is refused.
    model.save(tmp_path / "batch_norm.keras")
    loaded = keras.saving.load_model(tmp_path / "batch_norm.keras")
    assert loaded.generate(n=2, seed=0).shape == (2, *images.shape[1:])
    for train in (lambda: loaded.fit(images, batch_size=32, epochs=1, verbose=0), lambda: loaded.train_on_batch(images)):
        with pytest.raises(ValueError, match=r"critic_normalization='layer'") as error:
            train()
        assert "\n" not in str(error.value)
    for normalization, penalty in (("batch", "dragan"), ("layer", "wgan-gp")):  # DRAGAN and R1 keep the paper's batch norm.
        model = tiny_model(critic_normalization=normalization)
        model.compile(adversarial_loss="wasserstein", gradient_penalty=penalty, iic_weight=0.0)
        model.train_on_batch(images)


@pytest.mark.parametrize("normalization, coupled", [("batch", True), ("layer", False)])
def test_only_layer_norm_keeps_each_images_penalised_gradient_its_own(normalization, coupled):
    # WGAN-GP penalises each image's input gradient; with batch norm the
    # gradient of image 0 moves when another image of the batch changes.
    model = tiny_model(critic_normalization=normalization)
    images = shapes_images(8)
    changed = images.copy()
    changed[1:] = 1.0 - images[1:]

    def first_gradient(batch):
        return ops.convert_to_numpy(backend.input_gradient(model._critic_total, ops.convert_to_tensor(batch)))[0]

    moved = np.abs(first_gradient(images) - first_gradient(changed)).max()
    scale = np.abs(first_gradient(images)).max()
    assert (moved > 1e-3 * scale) == coupled, (moved, scale)
