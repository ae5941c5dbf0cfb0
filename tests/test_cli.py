"""`keras-infogan` end to end on the shapes data: train, resume, generate,
encode, traverse, evaluate, and the one-line errors.

Runs are tiny: 256 shapes images drawn at 16x16 (so the small DCGAN
networks), saved as a Keras-layout .npz, and 3 steps an epoch. Commands run
in-process through `cli.main` where only their result matters, and as
subprocesses where the exit status, a kill, the backend or the terminal
output is the point.
"""

import csv
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest
from PIL import Image

import keras_infogan as ki
from keras_infogan import callbacks, cli, grids, run
from keras_infogan.recipe import Recipe

from conftest import library_compile

TINY = [
    "--noise", "4", "--categorical", "3", "--continuous", "2", "--q-hidden", "16",
    "--batch-size", "32", "--steps-per-epoch", "3", "--seed", "1",
    "--grid-samples", "4", "--grid-steps", "5", "--verbose", "0",
]  # fmt: skip
CODES = ["categorical_0", "continuous_0", "continuous_1"]
# Runs `keras-infogan train` and SIGKILLs it right after the checkpoint of epoch KILL_AFTER.
KILLER = """
import os, signal, sys
from keras_infogan import cli
from keras_infogan.callbacks import checkpoint
save = checkpoint.Checkpoint.on_epoch_end
def save_then_die(self, epoch, logs=None):
    save(self, epoch, logs)
    if epoch + 1 == int(os.environ["KILL_AFTER"]):
        os.kill(os.getpid(), signal.SIGKILL)
checkpoint.Checkpoint.on_epoch_end = save_then_die
sys.exit(cli.main())
"""


def run_cli(*args: str, env: dict | None = None, code: str | None = None) -> subprocess.CompletedProcess:
    """`keras-infogan ARGS` in a new process (or the Python `code` with ARGS as its argv)."""
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "keras_infogan", *args]
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(command, env={**environ, **(env or {})}, capture_output=True, text=True, timeout=600)


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


def expected_grid_size(rows: int, cols: int, row_labels: list[str] | None = None) -> tuple[int, int]:
    """(width, height) of a grid of 16x16 images, per `grids.render`'s docstring."""
    tile = 16 * (grids.TILE_TARGET // 16)
    return (
        grids.label_width(row_labels) + cols * (tile + grids.PAD) + grids.PAD,
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
    """A 3-epoch run, uninterrupted: the reference the other runs are compared to
    (one of them trained in another process, so this one compiles as that one does)."""
    path = str(tmp_path_factory.mktemp("runs") / "full")
    with library_compile():
        assert cli.main(["train", *tiny, "--epochs", "3", "--run-dir", path]) == 0
    return path


def test_train_writes_the_run_directory(run_dir):
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    assert config["spec"] == {
        "noise_dim": 4, "categorical": [3], "continuous": 2, "continuous_prior": "uniform", "noise_prior": "uniform",
    }  # fmt: skip
    assert config["backend"] == keras.backend.backend()
    assert config["image_shape"] == [16, 16, 1]
    assert {k: config["run"][k] for k in ("epochs", "batch_size", "steps_per_epoch", "seed")} == {
        "epochs": 3, "batch_size": 32, "steps_per_epoch": 3, "seed": 1,
    }  # fmt: skip
    assert config["recipe"] == {**Recipe().resolved(has_categorical=True).get_config(), "iic_augmentation": "affine_stroke"}
    assert config["data_kind"]["name"] == "marks on a dark ground"
    assert config["model"] == {"q_hidden": 16, "weight_init": "glorot", "class_names": None}
    assert config["grid"] == {"samples": 4, "steps": 5, "value_range": [-2.0, 2.0]}
    assert sorted(os.listdir(os.path.join(run_dir, "grids"))) == [
        f"epoch_{e:03d}_{c}.png" for e in (1, 2, 3) for c in CODES
    ]
    assert sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) == [
        "epoch_002.keras", "epoch_003.keras", "latest.json",
    ]  # fmt: skip
    assert [r["epoch"] for r in csv_rows(os.path.join(run_dir, "metrics.csv"))] == ["1", "2", "3"]
    assert os.path.isfile(os.path.join(run_dir, "model.keras"))
    if config["run"]["tensorboard"]:
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


@pytest.mark.xla
def test_a_killed_run_resumed_for_longer_ends_like_an_uninterrupted_run(run_dir, tiny, tmp_path, capsys):
    """Also the reproducibility test: the killed run trained its first epoch
    from scratch in another process with the same --seed; and the resumed run
    trains one epoch past the two it was started for."""
    killed = str(tmp_path / "killed")
    args = ["train", *tiny, "--epochs", "2", "--run-dir", killed, "--no-tensorboard"]
    proc = run_cli(*args, code=KILLER, env={"KILL_AFTER": "1"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert callbacks.Checkpoint(os.path.join(killed, "checkpoints")).latest()["epoch"] == 1
    assert not os.path.exists(os.path.join(killed, "model.keras"))

    assert cli.main(["train", "--resume", killed, "--epochs", "3"]) == 0
    assert "Trained 2 epochs (to epoch 3/3, 6 steps)" in capsys.readouterr().out
    assert [r["epoch"] for r in csv_rows(os.path.join(killed, "metrics.csv"))] == ["1", "2", "3"]
    assert sorted(os.listdir(os.path.join(killed, "grids")))[-1] == "epoch_003_continuous_1.png"
    assert run.read_config(killed)["run"]["epochs"] == 3
    # Same seed, data order, optimizer and latent seed state: the same weights.
    assert_same_weights(os.path.join(run_dir, "model.keras"), os.path.join(killed, "model.keras"))


def test_ctrl_c_says_how_to_resume(tiny, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "train", interrupted)
    path = str(tmp_path / "stopped")
    assert cli.main(["train", *tiny, "--run-dir", path]) == 130
    assert f"interrupted; continue with `keras-infogan train --resume {path}`" in capsys.readouterr().err


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
    np.testing.assert_array_equal(keras.models.load_model(model).encode(np.load(again))["categorical"][:, 0], [r["categorical_0"] for r in records])

    traversal = str(tmp_path / "traverse.png")
    assert cli.main(["traverse", model, "continuous_1", traversal, "--samples", "3", "--steps", "4"]) == 0
    assert Image.open(traversal).size == expected_grid_size(rows=3, cols=4)

    capsys.readouterr()
    assert cli.main(["evaluate", model, "--data", shapes_npz, "--n", "64"]) == 0
    result = json.loads(capsys.readouterr().out)
    loaded = keras.models.load_model(model)
    accuracy, _, mapping = ki.evaluation.categorical_accuracy(loaded, *ki.data.load_arrays(shapes_npz, split="test"))
    assert result["categorical_accuracy"] == round(accuracy, 6)
    assert result["category_to_label"] == {str(k): int(v) for k, v in mapping.items()}
    assert result["mi_lower_bound"] == pytest.approx(ki.evaluation.mi_lower_bound(loaded, n=64, seed=0), abs=1e-6)
    assert result["mi_upper_limit"] == pytest.approx(math.log(3))
    assert set(result["continuous_code_effects"]) == {"continuous_0", "continuous_1"}


@pytest.mark.once  # `export` runs under TensorFlow whatever the backend.
def test_export_writes_the_asked_version_then_the_next(run_dir, tmp_path, capsys):
    import tensorflow as tf

    model, base = os.path.join(run_dir, "model.keras"), str(tmp_path / "exports")
    assert cli.main(["export", model, base, "--version", "3"]) == 0
    assert cli.main(["export", model, base]) == 0
    assert sorted(os.listdir(base)) == ["3", "4"] and f"Exported to {os.path.join(base, '4')}" in capsys.readouterr().out
    loaded, keras_model = tf.saved_model.load(os.path.join(base, "4")), keras.models.load_model(model)
    latent = keras_model.latent_inputs(n=2, seed=0)
    served = loaded.signatures["serving_default"](**{k: tf.constant(v) for k, v in latent.items()})["images"].numpy()
    np.testing.assert_allclose(served, keras_model.generate(**latent), atol=1e-5)
    assert cli.main(["export", str(tmp_path / "none.keras"), base]) == 2
    assert "no such model file" in capsys.readouterr().err


@pytest.mark.once
def test_serve_answers_until_sigterm_then_stops_cleanly(run_dir, tmp_path):
    from keras_infogan.serving.client import RestClient

    base = str(tmp_path / "exports")
    assert cli.main(["export", os.path.join(run_dir, "model.keras"), base]) == 0
    command = [sys.executable, "-m", "keras_infogan", "serve", base, "--host", "127.0.0.1", "--rest-port", "0", "--grpc-port", "0"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any("REST http" in line for line in lines):
            line = proc.stderr.readline()
            assert line, "".join(lines)  # The server ended before it served.
            lines.append(line)
        url = re.search(r"REST (http://\S+),", lines[-1]).group(1)
        assert RestClient(url).sample([1, 2])["images"].shape == (2, 16, 16, 1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert "Shutting down the development server." in proc.stderr.read()
    finally:
        proc.kill()


def test_recipe_and_model_flags_reach_the_model(tiny, tmp_path, monkeypatch):
    written = {}
    monkeypatch.setattr(run, "train", lambda run_dir, config, **kwargs: written.update(config))
    flags = [
        "--categorical-loss", "sigmoid", "--weight-init", "openai", "--iic-weight", "0.5",
        "--d-learning-rate", "3e-4", "--beta-1", "0.6", "--grid-value-range", "-1", "1",
    ]  # fmt: skip
    assert cli.main(["train", *tiny, *flags, "--run-dir", str(tmp_path / "r")]) == 0
    assert written["grid"]["value_range"] == [-1.0, 1.0]
    model = run.build_model({**written, "image_shape": [16, 16, 1]})
    assert (model.recipe.categorical_loss, model.recipe.iic_weight) == ("sigmoid", 0.5)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert model.d_optimizer.beta_1 == model.g_optimizer.beta_1 == 0.6
    assert model.weight_init == "openai" and model.q_hidden == 16


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["train", "--resume", "{run}", "--noise", "8", "--iic-weight", "0"], "leave out --iic-weight, --noise"),
        (["train", "--resume", "{tmp}"], "is not a run directory"),
        (["train", "--run-dir", "{run}"], "already holds a run; continue it with `--resume"),
        (["train", "--dataset", "{tmp}/missing.npz", "--run-dir", "{tmp}/r"], "No such .npz file"),
        (["train", "--dataset", "{npz}", "--fixed-std", "0", "--run-dir", "{tmp}/r"], "fixed_std must be positive, got 0"),
        (["train", "--dataset", "{npz}", "--epochs", "0", "--run-dir", "{tmp}/r"], "epochs must be a positive integer, got 0"),
        (["train", "--dataset", "{npz}", "--iic-weight", "1", "--no-info-trains-trunk", "--run-dir", "{tmp}/r"], "needs info_trains_trunk=True"),
        (["train", "--dataset", "{npz}", "--grid-value-range", "1", "-1", "--run-dir", "{tmp}/r"], "low < high"),
        (["train", "--resume", "{run}", "--epochs", "2"], "has already trained 3 epochs; pass --epochs 3 or more"),
        (["generate", "{tmp}/missing.keras", "{tmp}/x.png"], "no such model file"),
        (["generate", "{run}/model.keras", "{tmp}/x.gif"], "OUT must end in .png or .npy"),
        (["generate", "{run}/model.keras", "{tmp}/x.png", "--categorical", "1", "2"], "one value per categorical code"),
        (["generate", "{run}/model.keras", "{tmp}/x.png", "--categorical", "3"], "categorical code 0 takes values 0..2"),
        (["encode", "{run}/model.keras", "{tmp}/missing.npy", "{tmp}/c.csv"], "no such input"),
        (["train", "--dataset", "{npz}", "--image-size", "0", "16", "--run-dir", "{tmp}/r"], "image_size must be two positive integers"),
        (["traverse", "{run}/model.keras", "continuous_7", "{tmp}/t.png"], "this model's codes are categorical_0"),
        (["evaluate", "{run}/model.keras", "--data", "shapes"], "--data shapes draws 28x28 grey images"),
        (["train", "--dataset", "{npz}", "--labels", "all", "--run-dir", "{tmp}/r"], "needs a source with one class per image"),
        (["train", "--dataset", "{npz}", "--labels", "all", "--labels-per-class", "2", "--run-dir", "{tmp}/r"], "exclude each other"),
        (["train", "--dataset", "{npz}", "--class-names", "a", "b", "c", "--run-dir", "{tmp}/r"], "Class names name the classes that labels steer"),
    ],
)
def test_user_errors_in_process(run_dir, shapes_npz, tmp_path, capsys, args, phrase):
    args = [a.format(run=run_dir, tmp=tmp_path, npz=shapes_npz) for a in args]
    assert cli.main(args) == 2
    assert_one_line_error(capsys.readouterr().err, phrase)
    assert not os.path.exists(tmp_path / "r"), "a failed train must not leave a run behind"


@pytest.mark.once  # The command's plumbing; test_penalties checks the critic on every backend.
def test_wgan_gp_trains_and_resumes_with_a_layer_norm_critic(shapes_npz, tmp_path):
    path = str(tmp_path / "run")
    wgan = ["--adversarial-loss", "wasserstein", "--gradient-penalty", "wgan-gp", "--n-critic", "2"]
    assert cli.main(["train", "--dataset", shapes_npz, *TINY, *wgan, "--epochs", "1", "--run-dir", path]) == 0
    assert cli.main(["train", "--resume", path, "--epochs", "2"]) == 0
    trunk = keras.models.load_model(os.path.join(path, "model.keras")).discriminator_trunk.layers
    assert any(isinstance(l, keras.layers.LayerNormalization) for l in trunk)
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in trunk)
    assert len(csv_rows(os.path.join(path, "metrics.csv"))) == 2


@pytest.mark.once  # The command's plumbing; test_labels checks what labels teach on every backend.
def test_labels_per_class_train_the_first_code(shapes_npz, tmp_path, capsys):
    labelled = str(tmp_path / "labelled.npz")
    names = ["square", "ellipse", "triangle"]
    with np.load(shapes_npz) as f:
        shape = ki.data.make_shapes(256, size=16, seed=0)[1]["shape"]
        np.savez(labelled, x_train=f["x_train"], y_train=shape, class_names=np.array(names))
    path = str(tmp_path / "run")
    assert cli.main(["train", "--dataset", labelled, *TINY, "--labels-per-class", "4", "--run-dir", path]) == 0
    assert "Labels: 12 of 256 images labelled" in capsys.readouterr().out
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    assert config["run"]["labels_per_class"] == 4 and config["model"]["class_names"] == names
    assert float(csv_rows(os.path.join(path, "metrics.csv"))[-1]["supervised_loss"]) > 0
    # The class by name, as by index; the grids' row labels and encode's column name it.
    model = os.path.join(path, "model.keras")
    for flag, value, out in (("--class", "triangle", "named.npy"), ("--categorical", "2", "indexed.npy")):
        assert cli.main(["generate", model, str(tmp_path / out), "--n", "4", flag, value]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "named.npy"), np.load(tmp_path / "indexed.npy"))
    grid = Image.open(os.path.join(path, "grids", "epoch_001_categorical_0.png"))
    assert grid.size == expected_grid_size(rows=3, cols=4, row_labels=names) != expected_grid_size(rows=3, cols=4)
    assert cli.main(["encode", model, labelled, str(tmp_path / "codes.json"), "--split", "train"]) == 0
    with open(tmp_path / "codes.json") as f:
        assert {r["class"] for r in json.load(f)} <= set(names)
    capsys.readouterr()
    assert cli.main(["generate", model, str(tmp_path / "x.png"), "--class", "hexagon"]) == 2
    assert_one_line_error(capsys.readouterr().err, "Unknown class 'hexagon'; ask for one of square, ellipse, triangle")
    too_many = ["train", "--dataset", labelled, *TINY, "--categorical", "2", "--labels", "all", "--run-dir", str(tmp_path / "r")]
    assert cli.main(too_many) == 2
    assert_one_line_error(capsys.readouterr().err, "integers in 0..1", "got int64 in 0..2", "--categorical K")


def test_a_model_file_keras_cannot_rebuild_is_one_line(run_dir, tmp_path, capsys):
    """A file naming the retired layer alias PhaseConv2DTranspose."""
    old = str(tmp_path / "old.keras")
    with zipfile.ZipFile(os.path.join(run_dir, "model.keras")) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                data = data.replace(b"FastConv2DTranspose", b"PhaseConv2DTranspose")
            dst.writestr(item, data)
    assert cli.main(["generate", old, str(tmp_path / "x.png")]) == 2
    assert_one_line_error(capsys.readouterr().err, f"cannot load {old}: Could not locate class 'PhaseConv2DTranspose'")


@pytest.mark.once
def test_a_run_directory_of_an_earlier_version_resumes(run_dir, tmp_path, capsys):
    """keras-infogan 0.1 wrote `data`, `compile` (optimizers in full, the
    recipe's fields, the retired categorical_augmentation), `fit`, `watch`
    and a spec with `categorical_sampling`; such a run resumes from its
    checkpoint with the same settings, the retired option dropped with a
    one-line warning, and its config rewritten in today's layout."""
    old = str(tmp_path / "old")
    shutil.copytree(os.path.join(run_dir, "checkpoints"), os.path.join(old, "checkpoints"))
    config = run.read_config(run_dir)
    adam = lambda lr: {"class_name": "Adam", "config": {"learning_rate": lr, "beta_1": 0.5}}  # noqa: E731
    recipe = {k: v for k, v in config["recipe"].items() if k not in ("d_learning_rate", "g_learning_rate", "beta_1")}
    settings, grid = config["run"], config["grid"]
    legacy = {
        **{k: config[k] for k in ("backend", "command", "model", "image_shape", "n_images")},
        "keras_infogan": "0.1.0",
        "spec": {**config["spec"], "categorical_sampling": "independent"},
        "data": {k: settings[k] for k in ("dataset", "split", "image_size")},
        "compile": {"d_optimizer": adam(4e-4), "g_optimizer": adam(1e-3), **recipe, "categorical_augmentation": "slant"},
        "fit": {k: settings[k] for k in ("epochs", "batch_size", "steps_per_epoch", "seed")},
        "watch": {
            "grid_samples": grid["samples"], "grid_steps": grid["steps"], "grid_range": grid["value_range"],
            **{k: settings[k] for k in ("grid_every", "checkpoint_every", "keep_checkpoints", "tensorboard")},
        },
    }  # fmt: skip
    with open(os.path.join(old, "config.json"), "w") as f:
        json.dump(legacy, f)
    assert cli.main(["train", "--resume", old, "--epochs", "4"]) == 0
    out, err = capsys.readouterr()
    assert "Trained 1 epochs (to epoch 4/4, 3 steps)" in out
    assert "keras-infogan: warning: categorical_augmentation='slant' was retired in keras-infogan 0.2 and is dropped" in err
    with open(os.path.join(old, "config.json")) as f:
        rewritten = json.load(f)
    assert {k: rewritten[k] for k in ("spec", "recipe", "grid", "model")} == {k: config[k] for k in ("spec", "recipe", "grid", "model")}
    assert rewritten["run"] == {**config["run"], "epochs": 4}
    assert rewritten["keras_infogan"] == ki.__version__ and "compile" not in rewritten


@pytest.mark.once
@pytest.mark.parametrize("command", ["train", "generate", "encode", "traverse", "evaluate", "export", "serve", "oversample", "sample"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([command, "--help"])
    assert stop.value.code == 0
    assert f"usage: keras-infogan {command}" in capsys.readouterr().out


@pytest.mark.once
def test_bad_arguments_give_one_line_and_status_2(tmp_path, capsys):
    bad_flag = run_cli("train", "--epochs", "x")
    assert bad_flag.returncode == 2
    assert_one_line_error(bad_flag.stderr, "--epochs", "invalid int value: 'x'", "--help")

    assert cli.main(["train", "--categorical", "1", "--run-dir", str(tmp_path / "r")]) == 2
    assert_one_line_error(capsys.readouterr().err, "categorical[0]", ">= 2")
    assert not os.path.exists(tmp_path / "r")

    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "--categorical-augmentation", "slant"])
    assert stop.value.code == 2
    assert_one_line_error(capsys.readouterr().err, "unrecognized arguments: --categorical-augmentation slant")


@pytest.mark.once
def test_the_backend_is_chosen_before_keras_starts_and_tensorflow_stays_quiet(tmp_path):
    """No re-exec: `--backend` sets the backend before the first Keras import,
    and TensorFlow's native start-up lines stay off the terminal."""
    proc = run_cli(
        "train", "--backend", "jax", "--dataset", str(tmp_path / "missing.npz"), "--run-dir", str(tmp_path / "r"),
        env={"KERAS_BACKEND": "tensorflow"},
    )  # fmt: skip
    assert "Training with the jax backend" in proc.stdout
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "No such .npz file")
    assert proc.stderr.count("\n") == 1, proc.stderr  # Nothing but our line.
    loud = run_cli("train", "--dataset", str(tmp_path / "missing.npz"), env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    # Asked for, TensorFlow speaks: its own lines (which ones depends on the CPU) come before ours.
    assert loud.stderr.count("\n") > 1 and loud.stderr.rstrip().endswith("No such .npz file: " + repr(str(tmp_path / "missing.npz")) + "."), loud.stderr


@pytest.mark.once
def test_importing_the_cli_or_a_client_starts_no_backend():
    code = (
        "import sys, keras_infogan, keras_infogan.cli, keras_infogan.contract, "
        "keras_infogan.serving.client; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.split() == ["False", "False"], proc.stderr


@pytest.mark.once
def test_every_public_module_of_the_package_resolves_on_first_use():
    internal = {"__main__", "backend", "cli", "files", "flags", "xla_devices"}
    code = (
        "import pkgutil, keras_infogan as ki; "
        f"modules = {{m.name for m in pkgutil.iter_modules(ki.__path__)}} - {internal!r}; "
        "print(sorted(modules - set(ki.__all__)), [n for n in ki.__all__ if getattr(ki, n, None) is None])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "[] []", proc.stdout + proc.stderr[-2000:]


@pytest.mark.once
@pytest.mark.parametrize("order", ["import keras_infogan; import keras", "import keras; import keras_infogan"])
def test_keras_loads_a_saved_model_whichever_is_imported_first(run_dir, order):
    code = f"{order}; print(type(keras.models.load_model({os.path.join(run_dir, 'model.keras')!r})).__name__)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.split()[-1:] == ["InfoGAN"], proc.stderr[-2000:]


@pytest.mark.once  # Folder parsing and the choice of networks do not depend on the backend.
def test_train_on_an_image_folder_picks_networks_for_the_size(tmp_path, capsys):
    """A folder of mixed images trains at --image-size; a size no built-in
    networks take is one line naming --image-size; the skipped file is one
    warning line."""
    from test_data import mixed_folder

    folder = tmp_path / "images"
    folder.mkdir()
    mixed_folder(folder)
    flags = ["--dataset", str(folder), "--batch-size", "4", "--steps-per-epoch", "1", "--grid-samples", "2", "--verbose", "0"]
    assert cli.main(["train", *flags, "--image-size", "16", "16", "--run-dir", str(tmp_path / "r16")]) == 0
    out, err = capsys.readouterr()
    assert "keras-infogan: warning: Skipped 1 of 5 files" in err
    assert "colour images" in out and "not yet measured on such data" in out  # the IIC line
    assert run.read_config(str(tmp_path / "r16"))["image_shape"] == [16, 16, 3]
    assert cli.main(["train", *flags, "--image-size", "24", "24", "--run-dir", str(tmp_path / "r24")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("keras-infogan: error:") == 1
    assert "No built-in networks take images of 24x24" in err.splitlines()[-1] and "--image-size H W" in err


class _PoisonAt(keras.callbacks.Callback):
    """Sets a weight of D's trunk to NaN before a given step of a given epoch."""

    def __init__(self, epoch: int, step: int):
        super().__init__()
        self.at, self.epoch = (epoch, step), 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch + 1) == self.at:
            kernel = self.model.discriminator_trunk.trainable_variables[0]
            kernel.assign(np.full(kernel.shape, np.nan, "float32"))


def test_a_diverging_run_stops_and_keeps_the_last_good_checkpoint(run_dir, tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "run")
    shutil.copytree(run_dir, path)  # 3 epochs trained, a checkpoint after each of the last two.
    model_bytes = open(os.path.join(path, "model.keras"), "rb").read()
    watchers = run._watchers
    monkeypatch.setattr(run, "_watchers", lambda *a: [*watchers(*a), _PoisonAt(epoch=4, step=2)])
    capsys.readouterr()
    assert cli.main(["train", "--resume", path, "--epochs", "5"]) == 2
    assert_one_line_error(
        capsys.readouterr().err,
        "training diverged at epoch 4, step 2: ",
        "is nan; epoch 3's checkpoint is kept",
        f"`keras-infogan train --resume {path}` starts from it",
    )
    assert callbacks.Checkpoint(os.path.join(path, "checkpoints")).latest()["epoch"] == 3
    assert sorted(os.listdir(os.path.join(path, "checkpoints"))) == ["epoch_002.keras", "epoch_003.keras", "latest.json"]
    assert open(os.path.join(path, "model.keras"), "rb").read() == model_bytes
    monkeypatch.undo()
    assert cli.main(["train", "--resume", path, "--epochs", "4"]) == 0
    assert "Trained 1 epochs (to epoch 4/4, 3 steps)" in capsys.readouterr().out
