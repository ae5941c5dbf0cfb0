"""The `keras-infogan` command: train, resume, generate, encode, traverse,
evaluate, export, serve, oversample and sample, without writing Python.

The backend is chosen before anything imports Keras: `--backend`, a resumed
run's backend, or TensorFlow for `export` and `serve`; then the library is
imported and the parser built from its records (`Recipe`, `RunSettings`,
`GridSettings`), so every flag's default is the library's own. TensorFlow's
native start-up lines (oneDNN, CUDA) are kept off the terminal unless
TF_CPP_MIN_LOG_LEVEL is set.

User errors (a bad flag, a missing file, an invalid spec) end with one line,
`keras-infogan: error: ...`, and exit status 2; an interrupted `train` ends
with status 130 and says how to resume.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import importlib.util
import inspect
import io
import json
import math
import os
import shlex
import sys
import time
import warnings
from collections.abc import Iterator
from typing import Any

from keras_infogan.xla_devices import with_virtual_cpus

__all__ = ["build_parser", "main"]

PROG = "keras-infogan"
BACKENDS = ("tensorflow", "jax", "torch")
TENSORFLOW_COMMANDS = ("export", "serve")  # They run under TensorFlow whatever the backend.
USAGE_ERROR = 2
INTERRUPTED = 130
# Spec flags and where their defaults come from: the shapes data's own spec,
# a table's TABLE_SPEC, else LatentSpec's (the paper's MNIST spec).
SPEC_FLAGS = {"noise": "noise_dim", "categorical": "categorical", "continuous": "continuous"}


class UserError(Exception):
    """A problem with the command line or its inputs: reported in one line."""


class _Parser(argparse.ArgumentParser):
    """Reports a bad argument in one line (no usage block) and exits with 2."""

    def error(self, message: str):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        _start_keras(argv)
        args = build_parser().parse_args(argv)
        args.argv = argv
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.handler(args)
    except (UserError, ValueError, OSError, ImportError) as e:
        message = " ".join(str(e).split()) or type(e).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return INTERRUPTED


def _show_warning(message: Any, *args: Any, **kwargs: Any) -> None:
    """Warnings as one line each, like errors."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)


# ----------------------------------------------------------------- backend


def _start_keras(argv: list[str]) -> None:
    """Sets KERAS_BACKEND for this command, then imports Keras under it."""
    backend = _wanted_backend(argv)
    keras_module = sys.modules.get("keras")
    if keras_module is not None:
        running = keras_module.backend.backend()
        if backend and backend != running and argv[0] not in TENSORFLOW_COMMANDS:
            raise UserError(
                f"Keras already runs the {running} backend in this process; the {backend} backend needs a "
                f"new one: run `{PROG}` from a shell"
            )
        return
    if backend:
        if importlib.util.find_spec(backend) is None:
            raise UserError(f"the {backend} backend is not installed: `pip install {backend}`, or pick another --backend")
        os.environ["KERAS_BACKEND"] = backend
    count = _devices_asked(argv)
    if count > 1:  # Without accelerators, JAX can only split the CPU, and only before it starts.
        os.environ["XLA_FLAGS"] = with_virtual_cpus(os.environ.get("XLA_FLAGS", ""), count)
    with _native_stderr_off(unless="TF_CPP_MIN_LOG_LEVEL" in os.environ):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's errors reach Python as exceptions.
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")  # Probes for GPUs now, while the probe's lines are off.
        if count > len(gpus) and os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
            tf.config.set_logical_device_configuration(
                tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * count
            )
        import keras  # noqa: F401


def _devices_asked(argv: list[str]) -> int:
    """`train --devices N`'s N (1 without it): virtual CPU devices are made
    when there are fewer accelerators."""
    pre = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    pre.add_argument("--devices", type=int, default=1)
    try:
        known, _ = pre.parse_known_args(argv[1:])
    except argparse.ArgumentError:
        return 1
    return known.devices if argv[:1] == ["train"] else 1


def _wanted_backend(argv: list[str]) -> str | None:
    """--backend, else a resumed run's backend; TensorFlow for export and serve."""
    command = argv[0] if argv else None
    if command in TENSORFLOW_COMMANDS:
        return "tensorflow"
    pre = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    pre.add_argument("--backend")
    pre.add_argument("--resume")
    try:
        known, _ = pre.parse_known_args(argv[1:])
    except argparse.ArgumentError:
        return None  # The full parser reports it.
    if known.backend in BACKENDS:
        return known.backend
    config = os.path.join(known.resume or "", "config.json")
    if command == "train" and known.resume and os.path.isfile(config):
        with open(config) as f:
            saved = json.load(f)
        return saved.get("backend") if isinstance(saved, dict) else None  # `train` reports a bad config.
    return None


@contextlib.contextmanager
def _native_stderr_off(unless: bool) -> Iterator[None]:
    """Points file descriptor 2 at /dev/null: TensorFlow's C++ start-up lines
    are written there before any of its log settings apply."""
    if unless:
        yield
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _version() -> str:
    from keras_infogan import __version__

    return __version__


def _default(function: Any, name: str) -> Any:
    """The default of `function`'s parameter `name`."""
    return inspect.signature(function).parameters[name].default


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _verbose(text: str) -> str | int:
    if text not in ("auto", "0", "1", "2"):
        raise argparse.ArgumentTypeError(f"expected auto, 0, 1 or 2, got {text!r}")
    return text if text == "auto" else int(text)


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (imports the library: call it
    once Keras runs the command's backend)."""
    from keras_infogan import flags, networks
    from keras_infogan.data import shapes
    from keras_infogan.evaluation import mi_lower_bound
    from keras_infogan.grids import GridSettings
    from keras_infogan.model import InfoGAN
    from keras_infogan.recipe import Recipe
    from keras_infogan.run import RunSettings
    from keras_infogan.serving.server import DevServer
    from keras_infogan.spec import PRIORS, LatentSpec

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--backend",
        choices=BACKENDS,
        help="Keras backend (sets KERAS_BACKEND; default: $KERAS_BACKEND, or a resumed run's backend)",
    )
    parser = _Parser(
        prog=PROG,
        description="Train InfoGAN models and use them: generate, sample, encode, traverse, evaluate, export, serve, oversample.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    formatter = argparse.RawDescriptionHelpFormatter

    train = commands.add_parser(
        "train",
        parents=[common],
        formatter_class=formatter,
        help="train a model; writes a run directory",
        description=(
            "Train an InfoGAN. The run directory gets config.json, grids/epoch_XXX_<code>.png,\n"
            "checkpoints/, logs/ (TensorBoard), metrics.csv and model.keras. A run that was\n"
            "stopped continues with `keras-infogan train --resume RUN_DIR`."
        ),
        epilog=(
            "examples:\n"
            "  keras-infogan train                                   # shapes, about a minute\n"
            "  keras-infogan train --epochs 3                        # shapes, longer and sharper\n"
            "  keras-infogan train --dataset mnist.npz --epochs 11 --batch-size 128 \\\n"
            "      --run-dir runs/mnist                              # the paper's MNIST setup\n"
            "  keras-infogan train --resume runs/mnist --epochs 30   # continue, or train longer"
        ),
    )
    flags.add_flags(train.add_argument_group("run"), RunSettings)
    latent = train.add_argument_group("latent spec")
    meanings = {
        "noise": "size of the noise z",
        "categorical": "number of values of each categorical code; give none for no categorical code",
        "continuous": "number of continuous codes",
    }
    for flag, field in SPEC_FLAGS.items():
        library, data = (flags.show(v) for v in (_default(LatentSpec, field), shapes.SPEC[field]))
        latent.add_argument(
            f"--{flag}",
            type=int,
            nargs="*" if flag == "categorical" else None,
            metavar="K" if flag == "categorical" else "N",
            help=f"{meanings[flag]} (default: {library}; on the shapes data {data}; with --table, TableInfoGAN's)",
        )
    for prior, of in (("continuous_prior", "the continuous codes"), ("noise_prior", "the noise")):
        latent.add_argument(
            "--" + prior.replace("_", "-"), choices=PRIORS, help=f"prior of {of} (default: {_default(LatentSpec, prior)})"
        )
    latent.add_argument(
        "--q-hidden", type=_positive_int, metavar="N", help=f"width of Q's hidden layer (default: {_default(InfoGAN, 'q_hidden')})"
    )
    latent.add_argument(
        "--weight-init",
        choices=networks.WEIGHT_INITS,
        help=f"initialisation of the networks (openai: N(0, 0.02), its batch norm, leaky slope 0.01; default: {networks.WEIGHT_INIT})",
    )
    latent.add_argument(
        "--class-names",
        nargs="+",
        metavar="NAME",
        help="with labels: the names of the first categorical code's values, in order, for generate --class, the grids "
        "and the export (default: the source's: a TFDS dataset's, the shapes data's, an .npz file's class_names)",
    )
    flags.add_flags(train.add_argument_group("recipe", "with --table, CTGAN's recipe (TABLE_RECIPE) gives the defaults"), Recipe)
    grid = train.add_argument_group("traversal grids")
    flags.add_flags(grid, GridSettings, prefix="grid_")
    output = train.add_argument_group("run directory")
    output.add_argument("--run-dir", metavar="DIR", help="where the run goes (default: runs/<dataset>-<date>-<time>)")
    output.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped run from its last checkpoint, with its settings")
    output.add_argument(
        "--verbose",
        type=_verbose,
        default="auto",
        metavar="{auto,0,1,2}",
        help="Keras progress output: 1 a bar, 2 a line per epoch, 0 none (default: auto)",
    )
    train.set_defaults(handler=_train)

    generate = commands.add_parser(
        "generate",
        parents=[common],
        help="images from a saved model, as a PNG grid or a .npy array",
        description=(
            "Generate images from a saved model. Codes not given are sampled; --categorical "
            "and --continuous fix them for every image, --codes reads one row per image from "
            "the CSV or JSON that `encode` writes."
        ),
    )
    generate.add_argument("model", metavar="MODEL", help="a .keras file (a run's model.keras or a checkpoint)")
    generate.add_argument("output", metavar="OUT", help="OUT.png (a grid) or OUT.npy (float32 [N, H, W, C] in [0, 1])")
    generate.add_argument("--n", type=_positive_int, help="number of images (default: 64, or a row per code with --codes)")
    generate.add_argument("--categorical", type=int, nargs="+", metavar="V", help="one value per categorical code, for every image")
    generate.add_argument(
        "--class", dest="class_", metavar="NAME", help="the first categorical code's class, by name (a model trained with labels) or index"
    )
    generate.add_argument("--continuous", type=float, nargs="+", metavar="X", help="one value per continuous code, for every image")
    generate.add_argument("--codes", metavar="FILE", help="a .csv or .json from `encode`: one image per row")
    generate.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the sampled parts (default: 0)")
    generate.add_argument("--cols", type=_positive_int, metavar="N", help="columns of the PNG grid (default: about sqrt(n))")
    generate.set_defaults(handler=_generate)

    encode = commands.add_parser(
        "encode",
        parents=[common],
        help="images to codes with Q, as CSV or JSON",
        description=(
            "Read the codes of images with Q. Columns: index, file (for a folder), categorical_i, class (models with class names), "
            "categorical_i_p<v> (the probability of each value), continuous_j, continuous_j_std. "
            "JSON holds one object per image with the same keys."
        ),
    )
    encode.add_argument("model", metavar="MODEL", help="a .keras file")
    encode.add_argument("input", metavar="INPUT", help="a .npy array [N, H, W(, C)], a Keras-layout .npz file or an image folder")
    encode.add_argument("output", metavar="OUT", help="OUT.csv or OUT.json")
    encode.add_argument("--split", default="test", help="the .npz split, x_<split> (default: test)")
    batch = _default(InfoGAN.encode, "batch_size")
    encode.add_argument("--batch-size", type=_positive_int, default=batch, metavar="N", help=f"images per batch (default: {batch})")
    encode.set_defaults(handler=_encode)

    traverse = commands.add_parser(
        "traverse",
        parents=[common],
        help="the paper's traversal figure of one code, as PNG",
        description=(
            "Draw one code's traversal grid: for a categorical code, one row per value with the "
            "same noise across rows; for a continuous code, columns sweep it over --value-range "
            "while rows vary the other codes."
        ),
    )
    traverse.add_argument("model", metavar="MODEL", help="a .keras file")
    traverse.add_argument("code", metavar="CODE", help="categorical_0, ..., continuous_0, ...")
    traverse.add_argument("output", metavar="OUT", help="OUT.png")
    flags.add_flags(traverse, GridSettings)
    traverse.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the draws (default: 0)")
    traverse.set_defaults(handler=_traverse)

    evaluate = commands.add_parser(
        "evaluate",
        parents=[common],
        help="disentanglement metrics of a saved model, as JSON",
        description=(
            "Print a JSON of the model's metrics: mi_lower_bound (nats, categorical codes) and "
            "continuous_code_effects always; categorical_accuracy on a labelled .npz split; "
            "with --data shapes, MIG and the FactorVAE score against the shapes data's factors, as "
            "disentanglement_lib computes them (about a million images drawn and read: minutes)."
        ),
    )
    evaluate.add_argument("model", metavar="MODEL", help="a .keras file")
    evaluate.add_argument("--data", metavar="SOURCE", help="'shapes' or a labelled Keras-layout .npz file")
    evaluate.add_argument("--split", default="test", help="split of --data (default: test)")
    samples = _default(mi_lower_bound, "n")
    evaluate.add_argument("--n", type=_positive_int, default=samples, metavar="N", help=f"samples of the MI estimate (default: {samples})")
    evaluate.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the samples (default: 0)")
    evaluate.add_argument(
        "--refit-q",
        type=_positive_int,
        metavar="STEPS",
        help="read the shapes codes with a fresh Q trained STEPS batches on G's images, G fixed (for a model "
        "trained without the info term)",
    )
    evaluate.set_defaults(handler=_evaluate)

    export = commands.add_parser(
        "export",
        help="a TensorFlow SavedModel for TF Serving",
        description="Export a saved model to EXPORT_DIR/<version>/ for TensorFlow Serving.",
    )
    export.add_argument("model", metavar="MODEL", help="a .keras file")
    export.add_argument("export_dir", metavar="EXPORT_DIR", help="the model's base folder")
    export.add_argument("--version", type=_positive_int, metavar="N", help="version number (default: the next)")
    export.set_defaults(handler=_export)

    oversample = commands.add_parser(
        "oversample",
        parents=[common],
        help="balance a labelled dataset's classes with InfoGAN images (needs imbalanced-learn)",
        description=(
            "Balance the training classes of a Keras-layout .npz file with new images of the minority classes "
            "from an InfoGAN whose first categorical code is the class. Writes OUT.npz with x_train and y_train "
            "resampled and x_test, y_test as they were."
        ),
    )
    oversample.add_argument("data", metavar="DATA", help="a Keras-layout .npz file with x_train and y_train")
    oversample.add_argument("output", metavar="OUT", help="OUT.npz")
    oversample.add_argument(
        "--strategy", default="auto", metavar="S",
        help="imbalanced-learn's sampling_strategy: auto, minority, not majority, all, a ratio (two classes) "
        "or CLASS=COUNT,... (default: auto)",
    )  # fmt: skip
    oversample.add_argument("--method", choices=("generate", "interpolate"), help="how new images are made (default: InfoGANOversampler's)")
    oversample.add_argument("--model", metavar="MODEL", help="a trained .keras file to sample from instead of training one")
    oversample.add_argument("--steps", type=_positive_int, metavar="N", help="training steps of a new model (default: InfoGANOversampler's)")
    oversample.add_argument("--batch-size", type=_positive_int, metavar="N", help="images per training step (default: InfoGANOversampler's)")
    oversample.add_argument("--threshold", type=float, metavar="P", help="least probability of the class that Q must give a new image (default: InfoGANOversampler's)")
    oversample.add_argument("--image-size", type=_positive_int, nargs=2, metavar=("H", "W"), help="resize the images first")
    oversample.add_argument("--save-model", metavar="MODEL", help="also save the trained model here (a .keras file)")
    oversample.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the model and the draws (default: 0)")
    oversample.set_defaults(handler=_oversample)

    sample = commands.add_parser(
        "sample",
        parents=[common],
        help="synthetic rows from a table model (TableInfoGAN)",
        description="Write N synthetic rows of a TableInfoGAN model to OUT (.csv or .csv.gz).",
    )
    sample.add_argument("model", metavar="MODEL", help="a .keras file holding a TableInfoGAN")
    sample.add_argument("output", metavar="OUT", help="OUT.csv or OUT.csv.gz")
    sample.add_argument("--n", type=_positive_int, default=1000, metavar="N", help="rows (default: 1000)")
    sample.add_argument("--where", metavar="COLUMN=VALUE", help="ask every row for this category of a discrete column")
    sample.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the draws (default: 0)")
    sample.set_defaults(handler=_sample)

    serve_parser = commands.add_parser(
        "serve",
        help="a development server with TF Serving's REST and gRPC APIs",
        description="Serve EXPORT_DIR (written by `export`) until Ctrl-C.",
    )
    serve_parser.add_argument("export_dir", metavar="EXPORT_DIR", help="the folder `export` wrote")
    for name, kind, meaning in (
        ("host", str, "address to listen on"),
        ("rest_port", int, "REST port"),
        ("grpc_port", int, "gRPC port"),
        ("model_name", str, "model name in the URLs"),
        ("max_batch", _positive_int, "largest batch a request may send"),
        ("num_versions", _positive_int, "newest versions served"),
    ):
        default = _default(DevServer, name)
        serve_parser.add_argument(
            "--" + name.replace("_", "-"), type=kind, default=default, metavar="X" if kind is str else "N",
            help=f"{meaning} (default: {default})",
        )  # fmt: skip
    serve_parser.set_defaults(handler=_serve)
    return parser


# ------------------------------------------------------------------- train


def _train(args: argparse.Namespace) -> int:
    import keras

    from keras_infogan import callbacks, flags, run
    from keras_infogan.grids import GridSettings
    from keras_infogan.model import InfoGAN
    from keras_infogan.recipe import Recipe

    spec_flags = [*SPEC_FLAGS, "continuous_prior", "noise_prior", "q_hidden", "weight_init", "class_names", "run_dir"]
    if args.resume:
        given = [
            *(name for name in flags.given(args, run.RunSettings) if name not in ("epochs", "devices")),
            *flags.given(args, Recipe),
            *("grid_" + name for name in flags.given(args, GridSettings, prefix="grid_")),
            *(name for name in spec_flags if getattr(args, name) is not None),
        ]
        if given:
            leave_out = ", ".join("--" + name.replace("_", "-") for name in given)
            raise UserError(
                f"--resume takes its settings from {os.path.join(args.resume, 'config.json')}: "
                f"leave out {leave_out} (only --epochs, --devices, --verbose and --backend may change)"
            )
        run_dir, config = args.resume, None
        run.read_config(run_dir)  # A missing run fails here, in one line.
        epochs, device_count = args.epochs, args.devices
    else:
        settings = flags.record(args, run.RunSettings)
        run_dir = args.run_dir or _default_run_dir(settings.dataset)
        recipe = flags.record(args, Recipe)
        if settings.table:
            from keras_infogan.tables.model import TABLE_RECIPE

            recipe = dataclasses.replace(TABLE_RECIPE, **flags.given(args, Recipe))
        config = run.new_config(
            settings,
            _spec(args, settings),
            recipe,
            flags.record(args, GridSettings, prefix="grid_"),
            {
                "q_hidden": args.q_hidden or _default(InfoGAN, "q_hidden"),
                "weight_init": args.weight_init or _default(InfoGAN, "weight_init"),
                "class_names": args.class_names,
            },
            command=f"{PROG} {shlex.join(args.argv)}",
        )
        epochs = device_count = None
        if config["run"]["tensorboard"] and importlib.util.find_spec("tensorboard") is None:
            print(f"{PROG}: TensorBoard logs are off: the tensorboard package is missing (`pip install tensorboard`)")
            config["run"]["tensorboard"] = False
    print(
        f"Training with the {keras.backend.backend()} backend in {run_dir} (watch: `tensorboard --logdir "
        f"{os.path.join(run_dir, 'logs')}`; continue a stopped run: `{PROG} train --resume {run_dir}`)",
        flush=True,
    )
    try:
        run.train(run_dir, config, epochs=epochs, verbose=args.verbose, device_count=device_count)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; continue with `{PROG} train --resume {run_dir}`", file=sys.stderr)
        return INTERRUPTED
    except callbacks.TrainingDiverged as e:
        last = callbacks.Checkpoint(os.path.join(run_dir, "checkpoints")).latest()
        kept = f"epoch {last['epoch']}'s checkpoint is kept" if last else "no checkpoint was written yet"
        raise UserError(f"{e}; {kept} (`{PROG} train --resume {run_dir}` starts from it; lower the learning rates)") from e
    model_path = os.path.join(run_dir, "model.keras")
    if (config or run.read_config(run_dir))["run"].get("table"):
        print(f"Saved {model_path}; draw rows with `{PROG} sample {model_path} rows.csv --n N`")
    else:
        print(f"Saved {model_path}; its grids are in {os.path.join(run_dir, 'grids')}")
    return 0


def _spec(args: argparse.Namespace, settings: Any) -> Any:
    """The latent spec of the flags, the rest from the data's defaults."""
    from keras_infogan.data import shapes
    from keras_infogan.spec import LatentSpec

    values = dict(shapes.SPEC) if settings.dataset == "shapes" else {}
    if settings.table:
        from keras_infogan.tables.model import TABLE_SPEC

        values = {field: getattr(TABLE_SPEC, field) for field in SPEC_FLAGS.values()}
    values.update({field: getattr(args, flag) for flag, field in SPEC_FLAGS.items() if getattr(args, flag) is not None})
    values.update({name: getattr(args, name) for name in ("continuous_prior", "noise_prior") if getattr(args, name)})
    return LatentSpec(**values)


def _default_run_dir(dataset: str) -> str:
    name = os.path.splitext(os.path.basename(os.path.normpath(dataset)))[0] or "run"
    return os.path.join("runs", f"{name}-{time.strftime('%Y%m%d-%H%M%S')}")


# ------------------------------------------------- generate, encode, traverse


def _load_model(path: str):
    import keras

    from keras_infogan.model import InfoGAN

    if not os.path.isfile(path):
        raise UserError(f"no such model file: {path!r}; pass a .keras file, e.g. RUN_DIR/model.keras")
    try:
        model = keras.models.load_model(path)
    except (TypeError, KeyError) as e:  # Keras' words for a file it cannot rebuild.
        cause = str(e).rpartition("Exception encountered: ")[2]  # Keras nests the first cause.
        raise UserError(f"cannot load {path}: {cause.split('. ')[0]}") from e
    if not isinstance(model, InfoGAN):
        raise UserError(f"{path} holds a {type(model).__name__}, not an InfoGAN model")
    return model


def _check_suffix(path: str, suffixes: tuple[str, ...], flag: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in suffixes:
        raise UserError(f"{flag} must end in {' or '.join(suffixes)}, got {path!r}")
    return suffix


def _generate(args: argparse.Namespace) -> int:
    import numpy as np

    from keras_infogan import grids
    from keras_infogan.files import write_atomically

    suffix = _check_suffix(args.output, (".png", ".npy"), "OUT")
    model = _load_model(args.model)
    spec = model.spec
    codes: dict[str, Any] = {}
    n = args.n or 64
    if args.codes:
        if args.categorical or args.continuous or args.n or args.class_ is not None:
            raise UserError("--codes gives the images' codes already; leave out --n, --class, --categorical and --continuous")
        codes = _read_codes(args.codes, spec)
        n = len(next(iter(codes.values())))
    for kind, values, count in (
        ("categorical", args.categorical, spec.n_categorical),
        ("continuous", args.continuous, spec.continuous),
    ):
        if values is None:
            continue
        if len(values) != count:
            raise UserError(f"--{kind} takes one value per {kind} code and this model has {count}, got {len(values)}")
        codes[kind] = [values] * n
    if args.class_ is not None:
        if args.categorical:
            raise UserError("--class sets the first categorical code, which --categorical sets too; give one of them")
        if not spec.categorical:
            raise UserError("--class picks the first categorical code's value, and this model has no categorical code")
        categorical = model.latent_inputs(n=n, seed=args.seed)["categorical"].astype(object)
        categorical[:, 0] = args.class_
        codes["categorical"] = categorical
    images = model.generate(**codes, n=n, seed=args.seed)
    if suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, images)
        write_atomically(args.output, buffer.getvalue())
    else:
        cols = args.cols or math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        blank = np.ones((rows * cols - n, *images.shape[1:]), images.dtype)
        tiles = np.concatenate([images, blank]).reshape(rows, cols, *images.shape[1:])
        grids.write_png(args.output, grids.render(tiles))
    print(f"Wrote {n} images to {args.output}")
    return 0


def _read_codes(path: str, spec: Any) -> dict[str, Any]:
    """Codes per image from `encode`'s CSV or JSON (its categorical_i and continuous_j columns)."""
    import numpy as np

    suffix = _check_suffix(path, (".csv", ".json"), "--codes")
    if not os.path.isfile(path):
        raise UserError(f"no such codes file: {path!r}")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f)) if suffix == ".csv" else json.load(f)
    if not isinstance(rows, list) or not rows:
        raise UserError(f"{path} holds no rows of codes; write one with `{PROG} encode`")
    out = {}
    for kind, count, dtype in (("categorical", spec.n_categorical, "int32"), ("continuous", spec.continuous, "float32")):
        if count:
            columns = [f"{kind}_{i}" for i in range(count)]
            missing = [c for c in columns if c not in rows[0]]
            if missing:
                raise UserError(f"{path} has no column {missing[0]}; this model needs {', '.join(columns)}")
            out[kind] = np.array([[float(row[c]) for c in columns] for row in rows]).astype(dtype)
    return out


def _encode(args: argparse.Namespace) -> int:
    from keras_infogan.files import write_atomically

    suffix = _check_suffix(args.output, (".csv", ".json"), "OUT")
    model = _load_model(args.model)
    images, files = _read_images(args.input, args.split, model.image_shape)
    codes = model.encode(images, batch_size=args.batch_size)
    records = _code_records(model.spec, codes, files, model.class_names)
    if suffix == ".json":
        text = json.dumps(records, indent=1) + "\n"
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
        text = out.getvalue()
    write_atomically(args.output, text.encode())
    print(f"Wrote the codes of {len(records)} images to {args.output}")
    return 0


def _read_images(source: str, split: str, image_shape: tuple[int, ...]):
    """Images in [0, 1] from a .npy, .npz or folder, and the folder's file names."""
    import numpy as np

    from keras_infogan import data
    from keras_infogan.data.loading import read_folder

    if not os.path.exists(source):
        raise UserError(f"no such input: {source!r}; pass a .npy or .npz file or an image folder")
    files = None
    if source.endswith(".npy"):
        images = data.to_unit_range(np.load(source))
    elif os.path.isdir(source):
        images, paths = read_folder(source, tuple(image_shape[:2]))
        images, files = data.to_unit_range(images), [os.path.relpath(path, source) for path in paths]
    elif source.endswith(".npz"):
        images, _ = data.load_arrays(source, split=split, image_size=tuple(image_shape[:2]))
    else:
        raise UserError(f"cannot read images from {source!r}; pass a .npy or .npz file or an image folder")
    return images, files


def _code_records(
    spec: Any, codes: dict[str, Any], files: list[str] | None, class_names: tuple[str, ...] | None
) -> list[dict[str, Any]]:
    """One flat record per image, with the columns `encode` documents (and
    `class`, the first code's class name, for a model with class names)."""
    n = len(next(iter(codes.values())))
    records = []
    for i in range(n):
        record: dict[str, Any] = {"index": i}
        if files:
            record["file"] = files[i]
        offset = 0
        for c, k in enumerate(spec.categorical):
            record[f"categorical_{c}"] = int(codes["categorical"][i, c])
            if c == 0 and class_names:
                record["class"] = class_names[record["categorical_0"]]
            for v in range(k):
                record[f"categorical_{c}_p{v}"] = round(float(codes["categorical_probs"][i, offset + v]), 6)
            offset += k
        for j in range(spec.continuous):
            record[f"continuous_{j}"] = round(float(codes["continuous"][i, j]), 6)
            record[f"continuous_{j}_std"] = round(float(codes["continuous_std"][i, j]), 6)
        records.append(record)
    return records


def _traverse(args: argparse.Namespace) -> int:
    from keras_infogan import flags, grids

    _check_suffix(args.output, (".png",), "OUT")
    model = _load_model(args.model)
    settings = flags.record(args, grids.GridSettings)
    picture = grids.draw_traversal(model, args.code, settings, args.seed)
    grids.write_png(args.output, picture)
    print(f"Wrote the traversal of {args.code} to {args.output}")
    return 0


# ------------------------------------------------ evaluate, export, serve


def _evaluate(args: argparse.Namespace) -> int:
    from keras_infogan import data, evaluation

    model = _load_model(args.model)
    result: dict[str, Any] = {
        "mi_lower_bound": evaluation.mi_lower_bound(model, n=args.n, seed=args.seed),
        "mi_upper_limit": model.spec.categorical_entropy,
        "continuous_code_effects": evaluation.continuous_code_effects(model, seed=args.seed),
    }
    if args.data == "shapes":
        if model.image_shape[:2] != (28, 28) or model.image_shape[2] != 1:
            raise UserError(f"--data shapes draws 28x28 grey images; this model takes {model.image_shape}")
        read = evaluation.fit_code_reader(model, args.refit_q, seed=args.seed) if args.refit_q else evaluation.code_reader(model)
        scores = evaluation.shapes_disentanglement(read, seed=args.seed)
        result.update(shapes_mig=scores["mig"], shapes_factor_vae=scores["factor_vae"])
    elif args.data:
        images, labels = data.load_arrays(args.data, split=args.split, image_size=model.image_shape[:2])
        if labels is None:
            raise UserError(f"{args.data} has no labels (y_{args.split}); pass a labelled .npz file or 'shapes'")
        elif model.spec.categorical:
            accuracy, _, mapping = evaluation.categorical_accuracy(model, images, labels)
            result["categorical_accuracy"] = accuracy
            result["category_to_label"] = {str(k): int(v) for k, v in mapping.items()}
    print(json.dumps(_json_safe(result), indent=2))
    return 0


def _json_safe(value: Any) -> Any:
    """Plain rounded floats, NaN as null, for strict JSON."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (int, str)):
        return value
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def _export(args: argparse.Namespace) -> int:
    from keras_infogan.saved_model import export

    if not os.path.isfile(args.model):
        raise UserError(f"no such model file: {args.model!r}; pass a .keras file, e.g. RUN_DIR/model.keras")
    print(f"Exported to {export(args.model, args.export_dir, version=args.version)}")
    return 0


def _oversample(args: argparse.Namespace) -> int:
    import numpy as np

    from keras_infogan import data
    from keras_infogan.files import write_atomically

    _check_suffix(args.data, (".npz",), "DATA")
    _check_suffix(args.output, (".npz",), "OUT")
    if not os.path.isfile(args.data):
        raise UserError(f"no such data file: {args.data!r}; pass a Keras-layout .npz file")
    with np.load(args.data) as f:
        if "y_train" not in f:
            raise UserError(f"{args.data} has no y_train: oversampling needs a class per training image")
        arrays = {key: f[key] for key in f.files}
    if args.image_size:
        for split in ("train", "test"):
            if f"x_{split}" in arrays:
                resized, _ = data.load_arrays(args.data, split, tuple(args.image_size))
                arrays[f"x_{split}"] = resized if arrays[f"x_{split}"].dtype != np.uint8 else np.round(resized * 255).astype("uint8")
    from keras_infogan.oversampling import InfoGANOversampler

    given = {name: getattr(args, name) for name in ("method", "steps", "batch_size", "threshold") if getattr(args, name) is not None}
    sampler = InfoGANOversampler(
        sampling_strategy=_strategy(args.strategy, arrays["y_train"]), model=args.model, random_state=args.seed, **given
    )
    before = np.bincount(np.unique(arrays["y_train"], return_inverse=True)[1])
    arrays["x_train"], arrays["y_train"] = sampler.fit_resample(arrays["x_train"], arrays["y_train"])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomically(args.output, buffer.getvalue())
    if args.save_model:
        sampler.save(args.save_model)
    after = np.bincount(np.unique(arrays["y_train"], return_inverse=True)[1])
    rejected = ", ".join(f"{c}: {r:.0%}" for c, r in sampler.rejection_rate_.items()) or "none made"
    print(f"Wrote {args.output}: {before.sum()} -> {after.sum()} training images (per class {before.tolist()} -> "
          f"{after.tolist()}; rejected by Q: {rejected})")  # fmt: skip
    return 0


def _sample(args: argparse.Namespace) -> int:
    from keras_infogan.tables.columns import write_csv
    from keras_infogan.tables.model import TableInfoGAN

    if not args.output.lower().endswith((".csv", ".csv.gz")):
        raise UserError(f"OUT must end in .csv or .csv.gz, got {args.output!r}")
    model = _load_model(args.model)
    if not isinstance(model, TableInfoGAN):
        raise UserError(f"{args.model} holds an image model; `{PROG} generate` makes its images")
    where = None
    if args.where is not None:
        column, equals, value = args.where.partition("=")
        if not equals or not column:
            raise UserError(f"--where takes COLUMN=VALUE, got {args.where!r}")
        categories = model.transformer.discrete_columns.get(column, [])
        # The category as the model knows it: a number column's categories are floats.
        where = (column, next((c for c in categories if str(c) == value or _same_number(c, value)), value))
    rows, condition = model.sample_matrix(args.n, where, args.seed, exact=False)
    sampler = model.condition_sampler
    met = sampler.meets(rows, condition).mean() if sampler.width else 1.0
    write_csv(model.transformer.inverse_transform(sampler.impose(rows, condition)), args.output)
    asked = f"{where[0]}={where[1]}" if where else "the conditions drawn with the data's shares"
    print(f"Wrote {args.n} rows to {args.output}, each meeting {asked} (G met it unaided in {met:.1%}).")
    return 0


def _same_number(category: Any, text: str) -> bool:
    try:
        return isinstance(category, float) and category == float(text)
    except ValueError:
        return False


def _strategy(text: str, labels: Any) -> Any:
    """`--strategy` as imbalanced-learn's sampling_strategy."""
    import numpy as np

    if "=" in text:
        pairs = [item.split("=", 1) for item in text.split(",")]
        classes = {str(c): c for c in np.unique(labels)}
        unknown = [name for name, _ in pairs if name not in classes]
        if unknown:
            raise UserError(f"--strategy names class {unknown[0]!r}, which y_train lacks (its classes: {', '.join(classes)})")
        if not all(count.isdigit() for _, count in pairs):
            raise UserError(f"--strategy CLASS=COUNT takes whole counts, got {text!r}")
        return {classes[name]: int(count) for name, count in pairs}
    try:
        return float(text)
    except ValueError:
        return text


def _serve(args: argparse.Namespace) -> int:
    from keras_infogan.serving.server import serve

    if not os.path.isdir(args.export_dir):
        raise UserError(f"no such export folder: {args.export_dir!r}; write one with `{PROG} export`")
    serve(
        args.export_dir,
        host=args.host,
        rest_port=args.rest_port,
        grpc_port=args.grpc_port,
        model_name=args.model_name,
        max_batch=args.max_batch,
        num_versions=args.num_versions,
    )
    return 0
