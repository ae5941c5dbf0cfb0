"""Labels for part of the data steer the first categorical code: Q learns
the labelled classes, unlabelled rows change nothing, bad labels fail in one line."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_infogan as ki
from conftest import SIDE, tiny_model, tiny_spec
from keras_infogan import losses


def bands(n):
    """Class k: a bright vertical band in the k-th third of a noisy image."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, n).astype("int32")
    images = rng.uniform(0, 0.2, (n, SIDE, SIDE, 1)).astype("float32")
    third = SIDE // 3
    for k in range(3):
        images[labels == k, :, k * third : (k + 1) * third] += 0.7
    return images, labels


def test_labelled_cross_entropy_by_hand_ignores_unlabelled_rows():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 5.0, 0.0], [1.0, 1.0, 1.0]], "float32")
    expected = -np.log(np.exp(2.0) / (np.exp(2.0) + 1 + np.exp(-1.0)))  # row 0 only
    got = float(ops.convert_to_numpy(losses.labelled_cross_entropy(logits, np.array([0, -1, -1]))))
    assert got == pytest.approx(expected, rel=1e-6)
    assert float(ops.convert_to_numpy(losses.labelled_cross_entropy(logits, np.full(3, -1)))) == 0.0


def test_confident_cross_entropy_by_hand_reads_confident_unlabelled_rows_only():
    logits = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 4.0]], "float32")
    # Row 0: class 1 at p 0.993; row 1: p 0.58; row 2 confident but labelled.
    targets = np.array([[0.0, 5.0, -5.0], [1.0, 0.0, 0.0], [0.0, 0.0, 9.0]], "float32")
    labels = np.array([-1, -1, 0])
    expected = -np.log(np.exp(2.0) / (np.exp(1.0) + np.exp(2.0) + 1.0)) / 2  # Row 0's, over the 2 unlabelled rows.
    got = float(ops.convert_to_numpy(losses.confident_cross_entropy(logits, targets, labels)))
    assert got == pytest.approx(expected, rel=1e-6)
    assert float(ops.convert_to_numpy(losses.confident_cross_entropy(logits, targets, labels, threshold=0.5))) > got
    assert float(ops.convert_to_numpy(losses.confident_cross_entropy(logits, targets, np.zeros(3)))) == 0.0


@pytest.mark.once
def test_labelled_subset_keeps_n_per_class_drawn_with_the_seed():
    labels = np.repeat(np.arange(4), 50)
    kept = ki.data.labelled_subset(labels, 3, seed=1)
    assert [int(np.sum(kept == c)) for c in range(4)] == [3, 3, 3, 3]
    assert np.all(kept[kept >= 0] == labels[kept >= 0]) and np.sum(kept == -1) == 188
    assert np.array_equal(kept, ki.data.labelled_subset(labels, 3, seed=1))
    assert not np.array_equal(kept, ki.data.labelled_subset(labels, 3, seed=2))
    with pytest.raises(ValueError, match="class 0 has 50 labelled rows, fewer than 60"):
        ki.data.labelled_subset(labels, 60)


def test_labels_make_the_code_mean_the_class():
    images, labels = bands(384)
    # openai's batch norm (decay 0.9): its moving statistics, which encode uses, settle within the fit.
    model = tiny_model(weight_init="openai")
    model.compile()
    history = model.fit(images, labels, batch_size=32, epochs=4, verbose=0).history
    assert history["supervised_loss"][-1] < 0.9 * history["supervised_loss"][0] < np.log(3)  # chance: ln 3
    # No matching step: code value k is class k for Q.
    read = model.encode(images)["categorical"][:, 0]
    assert np.mean(read == labels) > 0.9


def test_self_training_adds_its_term_on_unlabelled_rows_of_labelled_fits_only():
    images, _ = bands(32)
    model = tiny_model()
    latent = model.spec.sample(32, seed=keras.random.SeedGenerator(0))
    fake, state = model.fake_images(latent), ops.convert_to_numpy(model.seed_generator.state)

    def d_loss(*labels, **recipe):
        model.compile(iic_augmentation="affine_stroke", **recipe)
        model.seed_generator.state.assign(state)  # The same augmented images each time.
        loss, logs = model.discriminator_loss(images, fake, latent, *labels)
        return float(ops.convert_to_numpy(loss)), {k: float(ops.convert_to_numpy(v)) for k, v in logs.items()}

    unlabelled = np.full(32, -1, "int32")
    assert d_loss(unlabelled)[1]["self_training_loss"] == 0.0  # An untrained Q reads nothing confidently.
    last = model.q_head.layers[-1]
    last.kernel.assign(last.kernel * 100.0)  # Now it does, with the same most likely values.
    with_term, logs = d_loss(unlabelled)
    without, _ = d_loss(unlabelled, self_training_weight=0.0)
    assert logs["self_training_loss"] > 0.01
    assert with_term - without == pytest.approx(logs["self_training_loss"], rel=1e-4)
    assert "self_training_loss" not in d_loss()[1]
    labelled, logs = d_loss(np.zeros(32, "int32"))  # Every row labelled: the labels alone teach Q.
    assert logs["self_training_loss"] == 0.0 and labelled == pytest.approx(d_loss(np.zeros(32, "int32"), self_training_weight=0.0)[0])


def test_unlabelled_rows_add_nothing_and_q_reads_the_labelled_code_from_real_images():
    images, _ = bands(32)
    model = tiny_model()
    model.compile(iic_weight=0.0)
    latent = model.spec.sample(32, seed=keras.random.SeedGenerator(0))
    fake = model.fake_images(latent)
    without, logs = model.discriminator_loss(images, fake, latent)
    unlabelled, more = model.discriminator_loss(images, fake, latent, np.full(32, -1, "int32"))
    assert float(ops.convert_to_numpy(more["supervised_loss"])) == 0.0 and "supervised_loss" not in logs
    # With labels, D's update leaves out Q's info loss of the first code on fakes, and nothing else.
    features = model.discriminator_trunk(fake, training=True)
    first_code = model._info_loss(features, latent)[0] - model._info_loss(features, latent, first_code=False)[0]
    expected = float(ops.convert_to_numpy(without - first_code))
    assert float(ops.convert_to_numpy(first_code)) > 0.5  # ln 3 at chance
    assert float(ops.convert_to_numpy(unlabelled)) == pytest.approx(expected, abs=1e-5)


def test_labels_move_q_heads_moving_statistics_as_an_unlabelled_batch_does():
    """D's update reads Q's head on the real images once, for the IIC term and the labels alike."""
    images, labels = bands(32)
    model = tiny_model()
    model.compile(iic_augmentation="affine_stroke")
    latent = model.spec.sample(32, seed=keras.random.SeedGenerator(0))
    fake, state = model.fake_images(latent), ops.convert_to_numpy(model.seed_generator.state)
    statistics = model.q_head.non_trainable_variables
    start = [ops.convert_to_numpy(v) for v in statistics]

    def after_one_update(*labels):
        for variable, value in zip(statistics, start):
            variable.assign(value)
        model.seed_generator.state.assign(state)
        model.discriminator_loss(images, fake, latent, *labels)
        return [ops.convert_to_numpy(v) for v in statistics]

    unlabelled = after_one_update()
    assert not np.allclose(unlabelled[0], start[0])
    for labelled, expected in zip(after_one_update(labels), unlabelled):
        np.testing.assert_allclose(labelled, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "labels, phrase",
    [
        (np.full(64, 3), r"integers in 0\.\.2.*or -1 for an unlabelled row; got int64 in 3\.\.3"),
        (np.zeros(64, "float32"), "must be integers"),
    ],
)
def test_bad_labels_fail_in_one_line(labels, phrase):
    images, _ = bands(64)
    model = tiny_model()
    model.compile()
    with pytest.raises(ValueError, match=phrase):
        model.fit(images, labels, batch_size=32, epochs=1, verbose=0)


def test_class_names_pick_the_first_code_and_survive_saving(tmp_path):
    model = tiny_model(tiny_spec(categorical=[3, 2]), class_names=["left", "middle", "right"])
    by_name = model.generate(categorical=[["right", 1], ["left", 0]], seed=3)
    np.testing.assert_array_equal(by_name, model.generate(categorical=[[2, 1], [0, 0]], seed=3))
    with pytest.raises(ValueError, match="Unknown class 'centre'; ask for one of left, middle, right"):
        model.generate(categorical=[["centre", 0]])
    model.save(tmp_path / "m.keras")
    assert keras.models.load_model(tmp_path / "m.keras").class_names == ("left", "middle", "right")


@pytest.mark.once
@pytest.mark.parametrize(
    "names, phrase",
    [(["a", "b"], "2 class names but the first categorical code has 3 values"), (["a", "b", "a"], "a is given more than once")],
)
def test_bad_class_names_fail_in_one_line(names, phrase):
    with pytest.raises(ValueError, match=phrase):
        tiny_model(class_names=names)
