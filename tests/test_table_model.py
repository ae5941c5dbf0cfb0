"""`TableInfoGAN` on a toy table whose number column depends on its
category. On the running backend: a short fit lowers the condition term, the
model saves whole, bad batches are one line. Once (the step is the same on
every backend, `test_cross_backend`): a longer fit makes rows that honour any
condition, keeps the data's category shares and lets Q read its code."""

import os

import keras
import numpy as np
import pytest

from keras_infogan.spec import LatentSpec
from keras_infogan.tables import TableInfoGAN, networks, read_table, training_dataset, write_csv

from conftest import tiny_model

MEANS = {"red": -2.0, "green": 0.0, "blue": 3.0}
SHARES = [0.6, 0.3, 0.1]


def toy_table(n: int = 1000, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    colour = rng.choice(np.array(list(MEANS), dtype=object), n, p=SHARES)
    return {
        "x": np.array([MEANS[c] for c in colour]) + rng.normal(0, 0.3, n),
        "u": rng.uniform(-1, 1, n),  # a factor of its own, for a continuous code
        "colour": colour,
    }


def fitted(steps: int, epochs: int):
    keras.utils.set_random_seed(0)
    model, data = TableInfoGAN.for_table(toy_table(), LatentSpec(noise_dim=8, categorical=[2], continuous=1), seed=0)
    model.compile(d_learning_rate=1e-3, g_learning_rate=1e-3)  # CTGAN's recipe, sped up for a test
    history = model.fit(training_dataset(data, batch_size=50, steps=steps, seed=0), epochs=epochs, shuffle=False, verbose=0).history
    return model, data, history


@pytest.fixture(scope="module")
def short():
    return fitted(steps=15, epochs=2)


@pytest.fixture(scope="module")
def trained():
    return fitted(steps=150, epochs=1)


def test_a_short_fit_lowers_the_condition_term(short):
    _, _, history = short
    assert history["condition_loss"][1] < 0.8 * history["condition_loss"][0]
    assert all(np.isfinite(v).all() for v in history.values())


@pytest.mark.once
@pytest.mark.parametrize("colour", list(MEANS))
def test_rows_honour_a_condition_on_the_category(trained, colour):
    model, data, _ = trained
    rows, condition = model.sample_matrix(400, where=("colour", colour), seed=1, exact=False)
    assert data.sampler.meets(rows, condition).mean() > 0.95  # G honours it unaided
    table = model.sample(400, where=("colour", colour), seed=1)
    assert np.all(table["colour"] == colour)  # and sample writes it in every row
    assert abs(np.median(table["x"]) - MEANS[colour]) < 0.8  # the number follows its category


@pytest.mark.once
def test_unconditioned_rows_keep_the_shares_and_q_reads_the_code(trained):
    model, _, history = trained
    table = model.sample(2000, seed=2)
    np.testing.assert_allclose([np.mean(table["colour"] == c) for c in MEANS], SHARES, atol=0.05)
    assert history["condition_loss"][-1] < 0.5
    latent = model.latent_inputs(n=400, seed=3)
    rows, condition = model.sample_matrix(400, seed=3)  # the same latents: latent_inputs' seed
    codes = model.encode(rows, condition)
    assert np.corrcoef(codes["continuous"][:, 0], latent["continuous"][:, 0])[0, 1] > 0.5


def test_the_saved_model_samples_the_same_rows(short, tmp_path):
    model, _, _ = short
    path = str(tmp_path / "table.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, TableInfoGAN) and loaded.pac == model.pac
    np.testing.assert_allclose(loaded.sample_matrix(20, seed=4)[0], model.sample_matrix(20, seed=4)[0], atol=1e-6)
    assert loaded.sample(5, where=("colour", "blue"), seed=5)["colour"].tolist() == model.sample(5, where=("colour", "blue"), seed=5)["colour"].tolist()


def test_bad_batches_and_networks_are_one_line(short):
    model, data, _ = short
    with pytest.raises(ValueError, match="does not split into packs of 10; use a multiple of 10"):
        model.unpack_batch({"rows": data.matrix[:15], "condition": np.zeros((15, 3), "float32")})
    with pytest.raises(ValueError, match="trains on batches of {'rows', 'condition'}"):
        model.unpack_batch(data.matrix[:10])
    with pytest.raises(ValueError, match="Column 'colour' has no category 'pink'"):
        model.sample(3, where=("colour", "pink"))
    g = networks.table_generator(12, [(0, 1, "tanh"), (1, 2, "softmax")], hidden=(8,))
    with pytest.raises(ValueError, match="must take the latent and the condition"):
        TableInfoGAN(g, networks.table_discriminator_trunk(3), LatentSpec(noise_dim=8, categorical=[2], continuous=1),
                     model.transformer, model.frequencies)


@pytest.mark.once
def test_the_sample_command_writes_rows_that_meet_the_where(trained, tmp_path, capsys):
    from keras_infogan import cli
    from keras_infogan.tables import read_table

    model, _, _ = trained
    path = str(tmp_path / "table.keras")
    model.save(path)
    out = str(tmp_path / "rows.csv.gz")
    assert cli.main(["sample", path, out, "--n", "200", "--where", "colour=green", "--seed", "1"]) == 0
    said = capsys.readouterr().out
    assert "Wrote 200 rows to" in said and "each meeting colour=green (G met it unaided in" in said
    rows = read_table(out)
    assert list(rows) == ["x", "u", "colour"] and len(rows["colour"]) == 200
    assert np.all(rows["colour"] == "green")
    for args, phrase in (
        (["--where", "colour"], "--where takes COLUMN=VALUE, got 'colour'"),
        (["--where", "colour=pink"], "Column 'colour' has no category 'pink'"),
        (["--where", "x=1"], "'x' is not a discrete column"),
    ):
        assert cli.main(["sample", path, out, *args]) == 2
        err = capsys.readouterr().err
        assert phrase in err and err.count("\n") == 1, err
    assert cli.main(["sample", path, str(tmp_path / "rows.txt")]) == 2
    assert "OUT must end in .csv or .csv.gz" in capsys.readouterr().err
    images = str(tmp_path / "images.keras")
    tiny_model().save(images)
    assert cli.main(["sample", images, out]) == 2
    assert "holds an image model; `keras-infogan generate` makes its images" in capsys.readouterr().err


@pytest.mark.once  # The command's plumbing; the table step is checked per backend above.
def test_train_table_writes_a_run_that_resumes_like_an_uninterrupted_one(tmp_path, capsys):
    from keras_infogan import cli, run

    sample = str(tmp_path / "toy.csv")
    write_csv({**toy_table(200), "grade": np.arange(200) % 3 + 1.0}, sample)
    args = ["train", "--table", "--dataset", sample, "--batch-size", "50", "--steps-per-epoch", "2", "--no-tensorboard",
            "--discrete-columns", "grade", "--noise", "8", "--verbose", "0"]
    whole, stopped = str(tmp_path / "whole"), str(tmp_path / "stopped")
    assert cli.main([*args, "--epochs", "2", "--run-dir", whole]) == 0
    said = capsys.readouterr().out
    assert "Trained 2 epochs (to epoch 2/2, 4 steps)" in said and "rows/s" in said and "keras-infogan sample" in said
    config = run.read_config(whole)
    assert config["recipe"]["adversarial_loss"] == "wasserstein" and config["spec"]["noise_dim"] == 8
    assert config["spec"]["continuous"] == 2 and config["spec"]["categorical"] == []  # TABLE_SPEC's codes
    kinds = {c["name"]: c["kind"] for c in config["table"]["transformer"]["columns"]}
    assert kinds == {"x": "continuous", "u": "continuous", "colour": "discrete", "grade": "discrete"}
    assert sorted(os.listdir(whole)) == ["checkpoints", "config.json", "metrics.csv", "model.keras"]

    assert cli.main([*args, "--epochs", "1", "--run-dir", stopped]) == 0
    assert cli.main(["train", "--resume", stopped, "--epochs", "2", "--verbose", "0"]) == 0
    first, second = (keras.models.load_model(os.path.join(d, "model.keras")) for d in (whole, stopped))
    for a, b in zip(first.weights, second.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))

    out = str(tmp_path / "rows.csv")
    assert cli.main(["sample", os.path.join(whole, "model.keras"), out, "--n", "20", "--where", "grade=2"]) == 0
    assert np.all(read_table(out)["grade"] == 2)


@pytest.mark.once
@pytest.mark.parametrize(
    "extra, phrase",
    [
        (["--batch-size", "55"], "--batch-size 55 does not split into packs of 10 rows"),
        (["--labels", "all", "--precision", "bf16"], "--labels, --precision apply to image runs only (for now); leave them out"),
        (["--dataset", "missing.csv"], "missing.csv is not a file"),
    ],
)
def test_train_table_refuses_bad_input_in_one_line(tmp_path, capsys, extra, phrase):
    from keras_infogan import cli

    sample = os.path.join(os.path.dirname(__file__), "data", "adult_sample.csv")
    assert cli.main(["train", "--table", "--dataset", sample, "--run-dir", str(tmp_path / "r"), *extra]) == 2
    err = capsys.readouterr().err
    assert phrase in err and err.count("\n") == 1, err
    assert not os.path.exists(tmp_path / "r")
    assert cli.main(["train", "--dataset", sample, "--discrete-columns", "sex", "--run-dir", str(tmp_path / "r")]) == 2
    assert "discrete_columns names a table's columns; add --table." in capsys.readouterr().err
