"""`keras-infogan` end to end on the shapes data: train, resume, generate,
encode, traverse, evaluate, and the one-line errors.

Runs are tiny: 256 shapes images drawn at 16x16 (so the small DCGAN
networks), saved as a Keras-layout .npz, and 3 steps an epoch.
Commands run in-process through `cli.main` where only their result matters,
and as subprocesses where the exit status, a kill or the backend switch is the
point.
"""

import csv
import json
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import keras_infogan as ki
from keras_infogan import callbacks, cli, grids

from conftest import only_once

TINY = [
    "--noise", "4", "--categorical", "3", "--continuous", "2",
    "--batch-size", "32", "--steps-per-epoch", "3", "--seed", "1",
    "--grid-samples", "4", "--grid-steps", "5", "--verbose", "0",
]  # fmt: skip
CODES = ["categorical_0", "continuous_0", "continuous_1"]
# Runs `keras-infogan train` and SIGKILLs it right after the checkpoint of epoch KILL_AFTER.
KILLER = """
import os, signal, sys
from keras_infogan import callbacks, cli
save = callbacks.Checkpoint.on_epoch_end
def save_then_die(self, epoch, logs=None):
    save(self, epoch, logs)
    if epoch + 1 == int(os.environ["KILL_AFTER"]):
        os.kill(os.getpid(), signal.SIGKILL)
callbacks.Checkpoint.on_epoch_end = save_then_die
sys.exit(cli.main())
"""


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "keras_infogan", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def weights(path) -> list[np.ndarray]:
    model = keras.models.load_model(path)
    return [keras.ops.convert_to_numpy(v) for v in model.weights + model.optimizer.variables]


def assert_same_weights(path_a, path_b):
    for a, b in zip(weights(path_a), weights(path_b), strict=True):
        np.testing.assert_array_equal(a, b)


def assert_one_line_error(stderr: str, *phrases: str):
    assert "Traceback" not in stderr
    ours = [line for line in stderr.splitlines() if line.startswith("keras-infogan")]
    assert len(ours) == 1 and "error:" in ours[0], stderr
    assert stderr.rstrip().endswith(ours[0])
    for phrase in phrases:
        assert phrase in ours[0]


def expected_grid_size(rows: int, cols: int) -> tuple[int, int]:
    """(width, height) of a grid of 16x16 images, per `grids.render`'s docstring."""
    tile = 16 * (grids.TILE_TARGET // 16)
    return (
        grids.LABEL_WIDTH + cols * (tile + grids.PAD) + grids.PAD,
        grids.HEADER_HEIGHT + rows * (tile + grids.PAD) + grids.PAD,
    )


def csv_rows(path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def shapes_npz(tmp_path_factory):
    """The shapes data drawn at 16x16, with the shape as the test labels."""
    images, factors = ki.data.make_shapes(256, size=16, seed=0)
    path = str(tmp_path_factory.mktemp("data") / "shapes16.npz")
    np.savez(path, x_train=images, x_test=images[:64], y_test=factors["shape"][:64])
    return path


@pytest.fixture(scope="module")
def tiny(shapes_npz):
    """`train` flags of a tiny run on `shapes_npz`."""
    return ["--dataset", shapes_npz, *TINY]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny):
    """A 3-epoch run, uninterrupted: the reference the other runs are compared to."""
    path = str(tmp_path_factory.mktemp("runs") / "full")
    assert cli.main(["train", *tiny, "--epochs", "3", "--run-dir", path]) == 0
    return path


def test_train_writes_the_run_directory(run_dir, capsys):
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    assert config["spec"] == {
        "noise_dim": 4, "categorical": [3], "continuous": 2,
        "continuous_prior": "uniform", "noise_prior": "uniform", "categorical_sampling": "independent",
    }  # fmt: skip
    assert config["backend"] == keras.backend.backend()
    assert config["image_shape"] == [16, 16, 1]
    assert config["fit"] == {"epochs": 3, "batch_size": 32, "steps_per_epoch": 3, "seed": 1}
    assert config["compile"]["d_optimizer"]["config"]["beta_1"] == 0.5
    assert config["compile"]["categorical_augmentation"] == "none"
    assert (config["compile"]["iic_weight"], config["compile"]["iic_augmentation"]) == (1.0, "affine_stroke")
    assert sorted(os.listdir(os.path.join(run_dir, "grids"))) == [
        f"epoch_{e:03d}_{c}.png" for e in (1, 2, 3) for c in CODES
    ]
    assert sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) == [
        "epoch_002.keras", "epoch_003.keras", "latest.json",
    ]  # fmt: skip
    assert [r["epoch"] for r in csv_rows(os.path.join(run_dir, "metrics.csv"))] == ["1", "2", "3"]
    assert os.path.isfile(os.path.join(run_dir, "model.keras"))
    if config["watch"]["tensorboard"]:
        assert os.listdir(os.path.join(run_dir, "logs", "train"))
        assert os.listdir(os.path.join(run_dir, "logs", "grids"))


def test_grids_have_the_expected_size_and_differ_between_values(run_dir):
    picture = np.asarray(Image.open(os.path.join(run_dir, "grids", "epoch_003_categorical_0.png")).convert("RGB"))
    # 3 rows (the code's values) by 4 columns (--grid-samples).
    assert picture.shape[1::-1] == expected_grid_size(rows=3, cols=4)
    tile = 16 * (grids.TILE_TARGET // 16)
    top = grids.HEADER_HEIGHT + grids.PAD
    rows = [picture[top + r * (tile + grids.PAD) :][:tile, grids.LABEL_WIDTH :] for r in range(3)]
    assert not np.array_equal(rows[0], rows[1]) and not np.array_equal(rows[1], rows[2])
    sweep = Image.open(os.path.join(run_dir, "grids", "epoch_003_continuous_0.png"))
    assert sweep.size == expected_grid_size(rows=4, cols=5)  # --grid-samples rows, --grid-steps columns.


def test_resume_after_sigkill_ends_like_an_uninterrupted_run(run_dir, tiny, tmp_path, capsys):
    """Also the reproducibility test: the killed run trained its first two
    epochs from scratch in another process with the same --seed."""
    killed = str(tmp_path / "killed")
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, "train", *tiny, "--epochs", "3", "--run-dir", killed, "--no-tensorboard"],
        env={**os.environ, "KILL_AFTER": "2"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert callbacks.Checkpoint(os.path.join(killed, "checkpoints")).latest()["epoch"] == 2
    assert not os.path.exists(os.path.join(killed, "model.keras"))

    assert cli.main(["train", "--resume", killed]) == 0
    assert "Trained 1 epochs (to epoch 3/3, 3 steps)" in capsys.readouterr().out
    assert [r["epoch"] for r in csv_rows(os.path.join(killed, "metrics.csv"))] == ["1", "2", "3"]
    assert sorted(os.listdir(os.path.join(killed, "grids")))[-1] == "epoch_003_continuous_1.png"
    # Same seed, data order, optimizer and latent seed state: the same weights.
    assert_same_weights(os.path.join(run_dir, "model.keras"), os.path.join(killed, "model.keras"))


def test_ctrl_c_then_resume_with_more_epochs(tiny, tmp_path, monkeypatch, capsys):
    save = callbacks.Checkpoint.on_epoch_end

    def save_then_ctrl_c(self, epoch, logs=None):
        save(self, epoch, logs)
        raise KeyboardInterrupt

    monkeypatch.setattr(callbacks.Checkpoint, "on_epoch_end", save_then_ctrl_c)
    run = str(tmp_path / "stopped")
    assert cli.main(["train", *tiny, "--epochs", "2", "--run-dir", run, "--no-tensorboard"]) == 130
    assert f"interrupted; continue with `keras-infogan train --resume {run}`" in capsys.readouterr().err
    monkeypatch.undo()

    assert cli.main(["train", "--resume", run, "--epochs", "3"]) == 0  # Resume, and train longer.
    assert "Trained 2 epochs (to epoch 3/3, 6 steps)" in capsys.readouterr().out
    assert [r["epoch"] for r in csv_rows(os.path.join(run, "metrics.csv"))] == ["1", "2", "3"]
    with open(os.path.join(run, "config.json")) as f:
        assert json.load(f)["fit"]["epochs"] == 3


def test_generate_encode_traverse_evaluate(run_dir, shapes_npz, tmp_path, capsys):
    model = os.path.join(run_dir, "model.keras")
    npy, png = str(tmp_path / "images.npy"), str(tmp_path / "images.png")
    assert cli.main(["generate", model, npy, "--n", "6", "--categorical", "2", "--continuous", "0.5", "-1"]) == 0
    images = np.load(npy)
    assert images.shape == (6, 16, 16, 1) and images.min() >= 0 and images.max() <= 1
    assert cli.main(["generate", model, png, "--n", "5", "--cols", "3"]) == 0
    assert Image.open(png).size == expected_grid_size(rows=2, cols=3)

    codes_csv, codes_json = str(tmp_path / "codes.csv"), str(tmp_path / "codes.json")
    assert cli.main(["encode", model, npy, codes_csv]) == 0
    rows = csv_rows(codes_csv)
    assert len(rows) == 6
    assert list(rows[0]) == [
        "index", "categorical_0", "categorical_0_p0", "categorical_0_p1", "categorical_0_p2",
        "continuous_0", "continuous_0_std", "continuous_1", "continuous_1_std",
    ]  # fmt: skip
    assert cli.main(["encode", model, npy, codes_json]) == 0
    with open(codes_json) as f:
        records = json.load(f)
    assert [r["categorical_0"] for r in records] == [int(r["categorical_0"]) for r in rows]

    folder = tmp_path / "folder"
    folder.mkdir()
    for i, image in enumerate(images[:2]):
        Image.fromarray((image[..., 0] * 255).astype("uint8")).save(folder / f"{i}.png")
    assert cli.main(["encode", model, str(folder), codes_json]) == 0
    with open(codes_json) as f:
        assert [r["file"] for r in json.load(f)] == ["0.png", "1.png"]

    again = str(tmp_path / "again.npy")  # encode's output feeds generate.
    assert cli.main(["generate", model, again, "--codes", codes_csv]) == 0
    assert np.load(again).shape == (6, 16, 16, 1)

    traversal = str(tmp_path / "traverse.png")
    assert cli.main(["traverse", model, "continuous_1", traversal, "--samples", "3", "--steps", "4"]) == 0
    assert Image.open(traversal).size == expected_grid_size(rows=3, cols=4)

    capsys.readouterr()
    assert cli.main(["evaluate", model, "--data", shapes_npz, "--n", "64"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mi_lower_bound"] <= result["mi_upper_limit"] + 1e-6  # May dip below 0 untrained.
    assert set(result["continuous_code_effects"]) == {"continuous_0", "continuous_1"}
    assert 1 / 3 - 0.01 <= result["categorical_accuracy"] <= 1


@pytest.mark.parametrize("command", ["train", "generate", "encode", "traverse", "evaluate", "export", "serve"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([command, "--help"])
    assert stop.value.code == 0
    assert f"usage: keras-infogan {command}" in capsys.readouterr().out


@only_once  # The same code on every backend; the in-process tests below run on each.
def test_bad_arguments_give_one_line_and_status_2(tmp_path):
    bad_flag = run_cli("train", "--epochs", "0")
    assert bad_flag.returncode == 2
    assert_one_line_error(bad_flag.stderr, "--epochs", "expected a positive integer, got '0'", "--help")

    bad_spec = run_cli("train", "--categorical", "1", "--run-dir", str(tmp_path / "r"))
    assert bad_spec.returncode == 2
    assert_one_line_error(bad_spec.stderr, "categorical[0]", ">= 2")
    assert not os.path.exists(tmp_path / "r")


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["train", "--resume", "{run}", "--noise", "8"], "leave out --noise"),
        (["train", "--resume", "{tmp}"], "is not a run directory"),
        (["train", "--run-dir", "{run}"], "already holds a run; continue it with `--resume"),
        (["train", "--dataset", "{tmp}/missing.npz", "--run-dir", "{tmp}/r"], "No such .npz file"),
        (["train", "--dataset", "{npz}", "--fixed-std", "0", "--run-dir", "{tmp}/r"], "--fixed-std must be positive, got 0"),
        (["train", "--dataset", "{npz}", "--iic-weight", "-1", "--run-dir", "{tmp}/r"], "--iic-weight must be >= 0"),
        (["train", "--dataset", "{npz}", "--iic-weight", "1", "--no-info-trains-trunk", "--run-dir", "{tmp}/r"], "needs info_trains_trunk=True"),
        (["train", "--resume", "{run}", "--epochs", "2"], "has already trained 3 epochs; pass --epochs 3 or more"),
        (["generate", "{tmp}/missing.keras", "{tmp}/x.png"], "no such model file"),
        (["generate", "{run}/model.keras", "{tmp}/x.gif"], "OUT must end in .png or .npy"),
        (["generate", "{run}/model.keras", "{tmp}/x.png", "--categorical", "1", "2"], "one value per categorical code"),
        (["encode", "{run}/model.keras", "{tmp}/missing.npy", "{tmp}/c.csv"], "no such input"),
        (["traverse", "{run}/model.keras", "continuous_7", "{tmp}/t.png"], "this model's codes are categorical_0"),
    ],
)
def test_user_errors_in_process(run_dir, shapes_npz, tmp_path, capsys, args, phrase):
    args = [a.format(run=run_dir, tmp=tmp_path, npz=shapes_npz) for a in args]
    assert cli.main(args) == 2
    assert_one_line_error(capsys.readouterr().err, phrase)
    assert not os.path.exists(tmp_path / "r"), "a failed train must not leave a run behind"


def test_unknown_adversarial_loss_is_refused_before_any_data_loads(tmp_path, capsys):
    # The dataset does not exist: the flag must fail first, at parsing.
    args = ["train", "--dataset", str(tmp_path / "missing.npz"), "--adversarial-loss", "wgan"]
    with pytest.raises(SystemExit) as stop:
        cli.main(args + ["--run-dir", str(tmp_path / "r")])
    assert stop.value.code == 2
    assert_one_line_error(capsys.readouterr().err, "invalid choice: 'wgan'", "'hinge', 'lsgan', 'nonsaturating'")


@only_once
def test_backend_flag_switches_the_backend(tmp_path):
    # Keras is loaded (by the package) under tensorflow: the command restarts under jax.
    proc = run_cli(
        "train", "--backend", "jax", "--dataset", str(tmp_path / "missing.npz"), "--run-dir", str(tmp_path / "r"),
        env={"KERAS_BACKEND": "tensorflow"},
    )  # fmt: skip
    assert "Training with the jax backend" in proc.stdout
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "No such .npz file")


def test_loss_flags_reach_the_model(tiny, tmp_path):
    path = str(tmp_path / "run")
    flags = [
        "--categorical-loss", "softmax", "--categorical-augmentation", "stroke_width", "--weight-init", "openai",
        "--iic-weight", "0.5", "--iic-augmentation", "slant",
    ]  # fmt: skip
    assert cli.main(["train", *tiny, *flags, "--epochs", "1", "--run-dir", path]) == 0
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    assert config["compile"]["categorical_augmentation"] == "stroke_width"
    assert config["model"]["weight_init"] == "openai"
    model = keras.models.load_model(os.path.join(path, "model.keras"))
    info = model.info_config
    assert (info["categorical_loss"], info["categorical_augmentation"]) == ("softmax", "stroke_width")
    assert model.weight_init == "openai"
    assert (info["iic_weight"], info["iic_augmentation"]) == (0.5, "slant")


def test_train_defaults_are_compile_defaults():
    """The CLI's own copy of the recipe defaults matches `InfoGAN.compile`'s."""
    compiled = cli._train_config(dict(cli.TRAIN_DEFAULTS), "train")["compile"]
    model = ki.InfoGAN.for_images((16, 16, 1), ki.LatentSpec(noise_dim=4, categorical=[3], continuous=2))
    model.compile()
    assert {k: compiled[k] for k in model.info_config} == model.info_config
    for key in ("d_optimizer", "g_optimizer"):
        ours = keras.saving.deserialize_keras_object(compiled[key])
        theirs = getattr(model, key)
        assert type(ours) is type(theirs)
        assert float(ours.learning_rate) == pytest.approx(float(theirs.learning_rate))
        assert ours.beta_1 == theirs.beta_1
