"""The `keras-infogan` command: train, resume, generate, encode, traverse,
evaluate, export and serve, without writing Python.

Keras is imported inside the commands, after `--backend` has set
KERAS_BACKEND. Importing this module imports the `keras_infogan` package,
which imports Keras; when that already happened under another backend, the
command starts itself again (same arguments) with KERAS_BACKEND set.

User errors (a bad flag, a missing file, an invalid spec) end with one line,
`keras-infogan: error: ...`, and exit status 2; an interrupted `train` ends
with status 130 and says how to resume.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import math
import os
import shlex
import sys
import time
from typing import Any

from keras_infogan import augment, losses, networks
from keras_infogan.spec import CATEGORICAL_SAMPLINGS, PRIORS

PROG = "keras-infogan"
BACKENDS = ("tensorflow", "jax", "torch")
USAGE_ERROR = 2
INTERRUPTED = 130

# `train` flags default to None so that `--resume` can tell which were given;
# a new run fills them from here.
TRAIN_DEFAULTS = {
    "dataset": "shapes",
    "split": "train",
    "image_size": None,
    "noise": 8,
    "categorical": [3],
    "continuous": 4,
    "continuous_prior": "uniform",
    "noise_prior": "uniform",
    "categorical_sampling": "independent",
    "q_hidden": 128,
    "weight_init": "glorot",
    "adversarial_loss": "nonsaturating",
    "categorical_loss": "softmax",
    "continuous_loss": "fixed_std",
    "categorical_weight": 1.0,
    "continuous_weight": None,
    "fixed_std": 1.0,
    "info_trains_trunk": True,
    "categorical_augmentation": "none",
    "iic_weight": None,
    "iic_augmentation": "affine_stroke",
    "epochs": 3,
    "batch_size": 64,
    "steps_per_epoch": None,
    "d_lr": 4e-4,
    "g_lr": 1e-3,
    "beta1": 0.5,
    "seed": 0,
    "run_dir": None,
    "grid_every": 1,
    "grid_samples": 10,
    "grid_steps": 9,
    "grid_range": [-2.0, 2.0],
    "checkpoint_every": 1,
    "keep_checkpoints": 2,
    "tensorboard": True,
}


class UserError(Exception):
    """A problem with the command line or its inputs: reported in one line."""


class _Parser(argparse.ArgumentParser):
    """Reports a bad argument in one line (no usage block) and exits with 2."""

    def error(self, message: str):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


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


def _with_default(help_text: str, name: str) -> str:
    value = TRAIN_DEFAULTS[name]
    if isinstance(value, list):
        value = " ".join(map(str, value))
    return f"{help_text} (default: {value})"


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--backend",
        choices=BACKENDS,
        help="Keras backend (sets KERAS_BACKEND; default: $KERAS_BACKEND, or a resumed run's backend)",
    )
    parser = _Parser(
        prog=PROG,
        description="Train InfoGAN models and use them: generate, encode, traverse, evaluate, export, serve.",
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
            "  keras-infogan train                                   # shapes, a few minutes\n"
            "  keras-infogan train --dataset mnist.npz --noise 62 --categorical 10 --continuous 2 \\\n"
            "      --epochs 20 --batch-size 128 --run-dir runs/mnist  # the paper's MNIST setup\n"
            "  keras-infogan train --resume runs/mnist --epochs 30   # continue, or train longer"
        ),
    )
    data = train.add_argument_group("data")
    data.add_argument(
        "--dataset",
        metavar="SOURCE",
        help=_with_default("'shapes', a TFDS name (mnist, ...), a Keras-layout .npz file or an image folder", "dataset"),
    )
    data.add_argument("--split", help=_with_default("split of a TFDS or .npz dataset", "split"))
    data.add_argument(
        "--image-size", nargs=2, type=_positive_int, metavar=("H", "W"), help="resize the images to H x W"
    )
    latent = train.add_argument_group("latent spec")
    latent.add_argument("--noise", type=int, metavar="N", help=_with_default("size of the noise z", "noise"))
    latent.add_argument(
        "--categorical",
        type=int,
        nargs="*",
        metavar="K",
        help=_with_default("number of values of each categorical code; give none for no categorical code", "categorical"),
    )
    latent.add_argument("--continuous", type=int, metavar="N", help=_with_default("number of continuous codes", "continuous"))
    latent.add_argument("--continuous-prior", choices=PRIORS, help=_with_default("prior of the continuous codes", "continuous_prior"))
    latent.add_argument("--noise-prior", choices=PRIORS, help=_with_default("prior of the noise", "noise_prior"))
    latent.add_argument("--categorical-sampling", choices=CATEGORICAL_SAMPLINGS, help=_with_default("how a batch's categorical codes are drawn (balanced: each value equally often)", "categorical_sampling"))
    latent.add_argument("--q-hidden", type=_positive_int, metavar="N", help=_with_default("width of Q's hidden layer", "q_hidden"))
    latent.add_argument("--weight-init", choices=networks.WEIGHT_INITS, help=_with_default("initialisation of the networks (openai: N(0, 0.02), its batch norm, leaky slope 0.01)", "weight_init"))
    loss = train.add_argument_group("losses")
    loss.add_argument("--adversarial-loss", choices=sorted(losses.ADVERSARIAL_LOSSES), help=_with_default("GAN objective", "adversarial_loss"))
    loss.add_argument("--categorical-loss", choices=losses.CATEGORICAL_LOSSES, help=_with_default("categorical info loss", "categorical_loss"))
    loss.add_argument("--continuous-loss", choices=losses.CONTINUOUS_LOSSES, help=_with_default("continuous info loss", "continuous_loss"))
    loss.add_argument("--categorical-weight", type=float, metavar="W", help=_with_default("lambda of the categorical info term", "categorical_weight"))
    loss.add_argument("--continuous-weight", type=float, metavar="W", help="lambda of the continuous info term (default: 1 with fixed_std, 0.1 with gaussian)")
    loss.add_argument("--fixed-std", type=float, metavar="S", help=_with_default("std of --continuous-loss fixed_std", "fixed_std"))
    loss.add_argument(
        "--info-trains-trunk",
        action=argparse.BooleanOptionalAction,
        help=_with_default("the info term also trains D's shared trunk, and Q's head updates with D", "info_trains_trunk"),
    )
    loss.add_argument(
        "--categorical-augmentation",
        choices=tuple(augment.AUGMENTATIONS),
        help=_with_default("Q also reads the categorical codes from fakes so augmented", "categorical_augmentation"),
    )
    loss.add_argument(
        "--iic-weight",
        type=float,
        metavar="W",
        help="weight of the IIC term on real images, beyond the paper (default: 1 with a categorical code "
        "and --info-trains-trunk, else 0; 0: off, the paper's objective)",
    )
    loss.add_argument(
        "--iic-augmentation",
        choices=tuple(a for a in augment.AUGMENTATIONS if a != "none"),
        help=_with_default("how the IIC term's second reading of each real image is augmented", "iic_augmentation"),
    )
    opt = train.add_argument_group("training")
    opt.add_argument("--epochs", type=_positive_int, metavar="N", help=_with_default("epochs to train (with --resume: the new total)", "epochs"))
    opt.add_argument("--batch-size", type=_positive_int, metavar="N", help=_with_default("images per step", "batch_size"))
    opt.add_argument("--steps-per-epoch", type=_positive_int, metavar="N", help="steps per epoch (default: one pass over the data)")
    opt.add_argument("--d-lr", type=float, metavar="LR", help=_with_default("Adam learning rate of D, and of Q's head with the info term in D's update", "d_lr"))
    opt.add_argument("--g-lr", type=float, metavar="LR", help=_with_default("Adam learning rate of G, and of Q's head with --no-info-trains-trunk", "g_lr"))
    opt.add_argument("--beta1", type=float, metavar="B", help=_with_default("Adam's beta_1 for both", "beta1"))
    opt.add_argument("--seed", type=int, metavar="N", help=_with_default("seed of the weights, data order, latents and grids", "seed"))
    run = train.add_argument_group("run directory")
    run.add_argument("--run-dir", metavar="DIR", help="where the run goes (default: runs/<dataset>-<date>-<time>)")
    run.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped run from its last checkpoint, with its settings")
    run.add_argument("--grid-every", type=_positive_int, metavar="N", help=_with_default("epochs between traversal grids", "grid_every"))
    run.add_argument("--grid-samples", type=_positive_int, metavar="N", help=_with_default("noise draws per grid", "grid_samples"))
    run.add_argument("--grid-steps", type=_positive_int, metavar="N", help=_with_default("columns of a continuous sweep", "grid_steps"))
    run.add_argument("--grid-range", type=float, nargs=2, metavar=("LOW", "HIGH"), help=_with_default("sweep of the continuous codes", "grid_range"))
    run.add_argument("--checkpoint-every", type=_positive_int, metavar="N", help=_with_default("epochs between checkpoints", "checkpoint_every"))
    run.add_argument("--keep-checkpoints", type=_positive_int, metavar="N", help=_with_default("checkpoints kept", "keep_checkpoints"))
    run.add_argument("--tensorboard", action=argparse.BooleanOptionalAction, help=_with_default("write TensorBoard logs", "tensorboard"))
    run.add_argument(
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
            "Read the codes of images with Q. Columns: index, file (for a folder), categorical_i, "
            "categorical_i_p<v> (the probability of each value), continuous_j, continuous_j_std. "
            "JSON holds one object per image with the same keys."
        ),
    )
    encode.add_argument("model", metavar="MODEL", help="a .keras file")
    encode.add_argument("input", metavar="INPUT", help="a .npy array [N, H, W(, C)], a Keras-layout .npz file or an image folder")
    encode.add_argument("output", metavar="OUT", help="OUT.csv or OUT.json")
    encode.add_argument("--split", default="test", help="the .npz split, x_<split> (default: test)")
    encode.add_argument("--batch-size", type=_positive_int, default=256, metavar="N", help="images per batch (default: 256)")
    encode.set_defaults(handler=_encode)

    traverse = commands.add_parser(
        "traverse",
        parents=[common],
        help="the paper's traversal figure of one code, as PNG",
        description=(
            "Draw one code's traversal grid: for a categorical code, one row per value with the "
            "same noise across rows; for a continuous code, columns sweep it over --range while "
            "rows vary the other codes."
        ),
    )
    traverse.add_argument("model", metavar="MODEL", help="a .keras file")
    traverse.add_argument("code", metavar="CODE", help="categorical_0, ..., continuous_0, ...")
    traverse.add_argument("output", metavar="OUT", help="OUT.png")
    traverse.add_argument("--samples", type=_positive_int, default=10, metavar="N", help="noise draws (default: 10)")
    traverse.add_argument("--steps", type=_positive_int, default=9, metavar="N", help="columns of a continuous sweep (default: 9)")
    traverse.add_argument("--range", type=float, nargs=2, default=[-2.0, 2.0], metavar=("LOW", "HIGH"), help="sweep (default: -2 2)")
    traverse.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the draws (default: 0)")
    traverse.set_defaults(handler=_traverse)

    evaluate = commands.add_parser(
        "evaluate",
        parents=[common],
        help="disentanglement metrics of a saved model, as JSON",
        description=(
            "Print a JSON of the model's metrics: mi_lower_bound (nats, categorical codes) and "
            "continuous_code_effects always; categorical_accuracy on a labelled .npz split; "
            "shapes_mig with --data shapes."
        ),
    )
    evaluate.add_argument("model", metavar="MODEL", help="a .keras file")
    evaluate.add_argument("--data", metavar="SOURCE", help="'shapes' or a labelled Keras-layout .npz file")
    evaluate.add_argument("--split", default="test", help="split of --data (default: test)")
    evaluate.add_argument("--n", type=_positive_int, default=2000, metavar="N", help="samples of the MI estimate (default: 2000)")
    evaluate.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the samples (default: 0)")
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

    serve = commands.add_parser(
        "serve",
        help="a development server with TF Serving's REST and gRPC APIs",
        description="Serve EXPORT_DIR (written by `export`) until Ctrl-C.",
    )
    serve.add_argument("export_dir", metavar="EXPORT_DIR", help="the folder `export` wrote")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--rest-port", type=int, default=8501, metavar="PORT", help="REST port (default: 8501)")
    serve.add_argument("--grpc-port", type=int, default=8500, metavar="PORT", help="gRPC port (default: 8500)")
    serve.add_argument("--model-name", default="infogan", metavar="NAME", help="model name in the URLs (default: infogan)")
    serve.add_argument("--max-batch", type=_positive_int, metavar="N", help="largest batch a request may send")
    serve.add_argument("--num-versions", type=_positive_int, default=1, metavar="N", help="newest versions served (default: 1)")
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        _use_backend(_backend_for(args), argv)
        return args.handler(args)
    except (UserError, ValueError, OSError) as e:
        message = " ".join(str(e).split()) or type(e).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return INTERRUPTED


# ----------------------------------------------------------------- backend


def _backend_for(args: argparse.Namespace) -> str | None:
    """The backend to run under: --backend, else a resumed run's backend."""
    backend = getattr(args, "backend", None)  # export and serve run under TensorFlow.
    if backend or args.command != "train" or not args.resume:
        return backend
    path = os.path.join(args.resume, "config.json")
    if not os.path.isfile(path):
        return None  # `train` reports the missing run.
    with open(path) as f:
        return json.load(f).get("backend")


def _use_backend(backend: str | None, argv: list[str]) -> None:
    """Sets KERAS_BACKEND; restarts the command if Keras already runs another backend."""
    if backend is None:
        return
    if importlib.util.find_spec(backend) is None:
        raise UserError(f"the {backend} backend is not installed: `pip install {backend}`, or pick another --backend")
    asked_before = os.environ.get("KERAS_BACKEND") == backend
    os.environ["KERAS_BACKEND"] = backend
    keras = sys.modules.get("keras")
    if keras is None or keras.backend.backend() == backend:
        return
    if asked_before:
        raise UserError(f"Keras did not start with the {backend} backend although KERAS_BACKEND={backend}")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "keras_infogan", *argv])


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras-infogan")
    except PackageNotFoundError:
        return "unknown"


# ------------------------------------------------------------------- train


def _train(args: argparse.Namespace) -> int:
    import keras

    from keras_infogan import run

    if args.resume:
        given = [
            "--" + name.replace("_", "-")
            for name in TRAIN_DEFAULTS
            if name != "epochs" and getattr(args, name) is not None
        ]
        if given:
            raise UserError(
                f"--resume takes its settings from {os.path.join(args.resume, 'config.json')}: "
                f"leave out {', '.join(given)} (only --epochs, --verbose and --backend may change)"
            )
        run_dir, config = args.resume, None
        run.read_config(run_dir)  # A missing run fails here, in one line.
    else:
        values = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in TRAIN_DEFAULTS.items()}
        run_dir = values["run_dir"] or _default_run_dir(values["dataset"])
        config = _train_config(values, argv_text=shlex.join(args.argv))
    print(
        f"Training with the {keras.backend.backend()} backend in {run_dir} (watch: `tensorboard --logdir "
        f"{os.path.join(run_dir, 'logs')}`; continue a stopped run: `{PROG} train --resume {run_dir}`)",
        flush=True,
    )
    try:
        run.train(run_dir, config, epochs=args.epochs if args.resume else None, verbose=args.verbose)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; continue with `{PROG} train --resume {run_dir}`", file=sys.stderr)
        return INTERRUPTED
    print(f"Saved {os.path.join(run_dir, 'model.keras')}")
    return 0


def _default_run_dir(dataset: str) -> str:
    name = os.path.splitext(os.path.basename(os.path.normpath(dataset)))[0] or "run"
    return os.path.join("runs", f"{name}-{time.strftime('%Y%m%d-%H%M%S')}")


def _train_config(values: dict[str, Any], argv_text: str) -> dict[str, Any]:
    """The run config of a new run from the `train` flags (see `keras_infogan.run`)."""
    import keras

    from keras_infogan.spec import LatentSpec

    spec = LatentSpec(
        noise_dim=values["noise"],
        categorical=values["categorical"],
        continuous=values["continuous"],
        continuous_prior=values["continuous_prior"],
        noise_prior=values["noise_prior"],
        categorical_sampling=values["categorical_sampling"],
    )
    low, high = values["grid_range"]
    if not low < high:
        raise UserError(f"--grid-range needs LOW < HIGH, got {low:g} {high:g}")
    for flag in ("d_lr", "g_lr", "fixed_std"):
        if not values[flag] > 0:
            raise UserError(f"--{flag.replace('_', '-')} must be positive, got {values[flag]:g}")
    iic_weight = losses.iic_weight(values["iic_weight"], bool(spec.categorical), values["info_trains_trunk"])
    if not iic_weight >= 0:
        raise UserError(f"--iic-weight must be >= 0 (0 turns the term off), got {iic_weight:g}")

    def adam(lr: float, name: str) -> dict[str, Any]:
        return keras.saving.serialize_keras_object(keras.optimizers.Adam(lr, beta_1=values["beta1"], name=name))

    tensorboard = values["tensorboard"]
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        print(f"{PROG}: TensorBoard logs are off: the tensorboard package is missing (`pip install tensorboard`)")
        tensorboard = False
    return {
        "keras_infogan": _version(),
        "backend": keras.backend.backend(),
        "command": f"{PROG} {argv_text}",
        "data": {"dataset": values["dataset"], "split": values["split"], "image_size": values["image_size"]},
        "spec": spec.get_config(),
        "model": {"q_hidden": values["q_hidden"], "weight_init": values["weight_init"]},
        "compile": {
            "d_optimizer": adam(values["d_lr"], "d_adam"),
            "g_optimizer": adam(values["g_lr"], "g_adam"),
            "adversarial_loss": values["adversarial_loss"],
            "categorical_loss": values["categorical_loss"],
            "continuous_loss": values["continuous_loss"],
            "categorical_weight": values["categorical_weight"],
            "continuous_weight": losses.continuous_weight(values["continuous_loss"], values["continuous_weight"]),
            "fixed_std": values["fixed_std"],
            "info_trains_trunk": values["info_trains_trunk"],
            "categorical_augmentation": values["categorical_augmentation"],
            "iic_weight": iic_weight,
            "iic_augmentation": values["iic_augmentation"],
        },
        "fit": {
            "epochs": values["epochs"],
            "batch_size": values["batch_size"],
            "steps_per_epoch": values["steps_per_epoch"],
            "seed": values["seed"],
        },
        "watch": {
            "grid_every": values["grid_every"],
            "grid_samples": values["grid_samples"],
            "grid_steps": values["grid_steps"],
            "grid_range": [low, high],
            "checkpoint_every": values["checkpoint_every"],
            "keep_checkpoints": values["keep_checkpoints"],
            "tensorboard": tensorboard,
        },
    }


# ------------------------------------------------- generate, encode, traverse


def _load_model(path: str):
    import keras

    from keras_infogan.model import InfoGAN

    if not os.path.isfile(path):
        raise UserError(f"no such model file: {path!r}; pass a .keras file, e.g. RUN_DIR/model.keras")
    model = keras.models.load_model(path)
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

    suffix = _check_suffix(args.output, (".png", ".npy"), "OUT")
    model = _load_model(args.model)
    spec = model.spec
    codes: dict[str, Any] = {}
    n = args.n or 64
    if args.codes:
        if args.categorical or args.continuous or args.n:
            raise UserError("--codes gives the images' codes already; leave out --n, --categorical and --continuous")
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
    images = model.generate(**codes, n=n, seed=args.seed)
    if suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, images)
        grids.write_atomically(args.output, buffer.getvalue())
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
    from keras_infogan import grids

    suffix = _check_suffix(args.output, (".csv", ".json"), "OUT")
    model = _load_model(args.model)
    images, files = _read_images(args.input, args.split, model.image_shape)
    codes = model.encode(images, batch_size=args.batch_size)
    records = _code_records(model.spec, codes, files)
    if suffix == ".json":
        text = json.dumps(records, indent=1) + "\n"
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
        text = out.getvalue()
    grids.write_atomically(args.output, text.encode())
    print(f"Wrote the codes of {len(records)} images to {args.output}")
    return 0


def _read_images(source: str, split: str, image_shape: tuple[int, ...]):
    """Images in [0, 1] from a .npy, .npz or folder, and the folder's file names."""
    import numpy as np

    from keras_infogan import data
    from keras_infogan.data.loading import image_files

    if not os.path.exists(source):
        raise UserError(f"no such input: {source!r}; pass a .npy or .npz file or an image folder")
    files = None
    if source.endswith(".npy"):
        images = data.to_unit_range(np.load(source))
    elif source.endswith(".npz") or os.path.isdir(source):
        images, _ = data.load_arrays(source, split=split, image_size=tuple(image_shape[:2]))
        if os.path.isdir(source):
            files = [os.path.relpath(path, source) for path in image_files(source)]
    else:
        raise UserError(f"cannot read images from {source!r}; pass a .npy or .npz file or an image folder")
    return images, files


def _code_records(spec: Any, codes: dict[str, Any], files: list[str] | None) -> list[dict[str, Any]]:
    """One flat record per image, with the columns `encode` documents."""
    n = len(next(iter(codes.values())))
    records = []
    for i in range(n):
        record: dict[str, Any] = {"index": i}
        if files:
            record["file"] = files[i]
        offset = 0
        for c, k in enumerate(spec.categorical):
            record[f"categorical_{c}"] = int(codes["categorical"][i, c])
            for v in range(k):
                record[f"categorical_{c}_p{v}"] = round(float(codes["categorical_probs"][i, offset + v]), 6)
            offset += k
        for j in range(spec.continuous):
            record[f"continuous_{j}"] = round(float(codes["continuous"][i, j]), 6)
            record[f"continuous_{j}_std"] = round(float(codes["continuous_std"][i, j]), 6)
        records.append(record)
    return records


def _traverse(args: argparse.Namespace) -> int:
    from keras_infogan import grids

    _check_suffix(args.output, (".png",), "OUT")
    model = _load_model(args.model)
    picture = grids.draw_traversal(model, args.code, args.samples, args.steps, tuple(args.range), args.seed)
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
    if args.data:
        images, labels = data.load_arrays(args.data, split=args.split, image_size=model.image_shape[:2])
        if args.data == "shapes":
            result["shapes_mig"] = evaluation.evaluate_shapes_mig(model, images, labels)
        elif labels is None:
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
    from keras_infogan.export import export

    if not os.path.isfile(args.model):
        raise UserError(f"no such model file: {args.model!r}; pass a .keras file, e.g. RUN_DIR/model.keras")
    print(f"Exported to {export(args.model, args.export_dir, version=args.version)}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from keras_infogan.serving.server import serve

    if not os.path.isdir(args.export_dir):
        raise UserError(f"no such export folder: {args.export_dir!r}; write one with `{PROG} export`")
    options = {"max_batch": args.max_batch} if args.max_batch else {}
    serve(
        args.export_dir,
        host=args.host,
        rest_port=args.rest_port,
        grpc_port=args.grpc_port,
        model_name=args.model_name,
        num_versions=args.num_versions,
        **options,
    )
    return 0
