"""A training run on disk: what `keras-infogan train` writes and resumes.

A run directory holds:

* `config.json`: the run settings, the spec, the networks' settings, the
  resolved recipe (the IIC augmentation too, with `data_kind` saying why),
  the grid settings, and for a table (`--table`) the fitted transformer and
  category shares: enough to rebuild the run (`build_model`) and to resume
  it;
* `grids/epoch_XXX_<code>.png`: traversal grids (`callbacks.TraversalGrid`),
  for images;
* `checkpoints/epoch_XXX.keras` and `checkpoints/latest.json`
  (`callbacks.Checkpoint`);
* `logs/`: TensorBoard logs (metrics in `train`, grids in `grids`);
* `metrics.csv`: the metrics per epoch (`callbacks.MetricsCSV`);
* `model.keras`: the trained model, written when training ends.

A resumed run ends with the same weights as an uninterrupted one on the same
backend: the data order of epoch e depends only on (seed, e) (`epoch_dataset`)
and the checkpoints hold the optimizer and latent seed states.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_infogan import callbacks, data, devices, penalties
from keras_infogan.data import kinds
from keras_infogan.files import save_model, write_atomically
from keras_infogan.grids import GridSettings
from keras_infogan.model import InfoGAN
from keras_infogan.precision import PRECISION, PRECISIONS
from keras_infogan.recipe import Recipe
from keras_infogan.spec import LatentSpec

__all__ = ["CONFIG", "RunSettings", "build_model", "epoch_dataset", "load_table", "new_config", "read_config", "train"]

CONFIG = "config.json"


def _default(cls: type, name: str) -> Any:
    """The default of `cls`'s constructor argument `name`: the callbacks state theirs once."""
    return inspect.signature(cls).parameters[name].default


@dataclass(frozen=True)
class RunSettings:
    """How a run trains and what it writes as it goes, beside the recipe.

    The defaults make a first run on the embedded shapes data short, with a
    grid of every code to open at its end.
    """

    dataset: str = field(
        default="shapes",
        metadata={"help": "'shapes', a TFDS name (mnist, ...), a Keras-layout .npz file or an image folder", "metavar": "SOURCE"},
    )
    split: str = field(default="train", metadata={"help": "split of a TFDS or .npz dataset", "metavar": "SPLIT"})
    image_size: tuple[int, int] | None = field(default=None, metadata={"help": "resize the images to H x W", "metavar": ("H", "W")})
    epochs: int = field(default=1, metadata={"help": "epochs to train (with --resume: the new total)"})
    batch_size: int = field(default=64, metadata={"help": "images per step"})
    steps_per_epoch: int | None = field(default=None, metadata={"help": "steps per epoch; None: one pass over the data"})
    seed: int = field(default=0, metadata={"help": "seed of the weights, data order, latents and grids"})
    grid_every: int = field(default=_default(callbacks.TraversalGrid, "every"), metadata={"help": "epochs between traversal grids"})
    checkpoint_every: int = field(default=_default(callbacks.Checkpoint, "every"), metadata={"help": "epochs between checkpoints"})
    keep_checkpoints: int = field(default=_default(callbacks.Checkpoint, "keep"), metadata={"help": "checkpoints kept"})
    tensorboard: bool = field(default=True, metadata={"help": "write TensorBoard logs"})
    devices: int = field(
        default=1, metadata={"help": "devices to train on, each taking an equal share of every batch (jax, tensorflow)"}
    )
    precision: str = field(
        default=PRECISION,
        metadata={"help": "bf16: G and D's trunk compute in bfloat16 (weights, losses, heads float32)", "choices": tuple(PRECISIONS)},
    )
    labels: str | None = field(
        default=None,
        metadata={"help": "all: train with every image's class as the first categorical code's value (a source with labels)", "choices": ("all",)},
    )
    labels_per_class: int | None = field(
        default=None, metadata={"help": "train with N labels per class, a class-balanced subset drawn with --seed; the rest unlabelled"}
    )
    table: bool = field(
        default=False,
        metadata={"help": "the dataset is a CSV table (plain or .gz): train a TableInfoGAN with CTGAN's data handling and recipe"},
    )
    discrete_columns: tuple[str, ...] | None = field(
        default=None, metadata={"help": "with --table: the columns to treat as categories (default: the non-numeric ones)", "metavar": "COLUMN"}
    )
    continuous_columns: tuple[str, ...] | None = field(
        default=None, metadata={"help": "with --table: the columns to treat as numbers (default: the numeric ones)", "metavar": "COLUMN"}
    )

    def __post_init__(self) -> None:
        if self.labels is not None and self.labels_per_class is not None:
            raise ValueError("labels and labels_per_class exclude each other; pass one.")
        for name in ("epochs", "batch_size", "steps_per_epoch", "grid_every", "checkpoint_every", "keep_checkpoints", "devices", "labels_per_class"):
            value = getattr(self, name)
            if value is not None and not value >= 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        for name in ("discrete_columns", "continuous_columns"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, tuple(getattr(self, name)))
                if not self.table:
                    raise ValueError(f"{name} names a table's columns; add --table.")
        if self.table:
            images_only = [n for n in ("image_size", "labels", "labels_per_class") if getattr(self, n) is not None]
            images_only += [n for n, default in (("devices", 1), ("precision", PRECISION)) if getattr(self, n) != default]
            if images_only:
                named = ", ".join("--" + n.replace("_", "-") for n in images_only)
                raise ValueError(f"{named} apply to image runs only (for now); leave them out with --table.")
        if self.image_size is not None:
            size = tuple(int(d) for d in self.image_size)
            if len(size) != 2 or min(size) < 1:
                raise ValueError(f"image_size must be two positive integers (height, width), got {self.image_size!r}.")
            object.__setattr__(self, "image_size", size)

    def get_config(self) -> dict[str, Any]:
        config = dataclasses.asdict(self)
        config["image_size"] = list(self.image_size) if self.image_size else None
        return config


def _config_path(run_dir: str) -> str:
    """Where a run's config lives."""
    return os.path.join(run_dir, CONFIG)


def new_config(
    settings: RunSettings,
    spec: LatentSpec,
    recipe: Recipe,
    grid: GridSettings,
    model: dict[str, Any],
    command: str,
) -> dict[str, Any]:
    """The config of a new run; `train` completes it with what the data decides.

    The recipe is stored resolved for the spec, so the file says every
    weight the run trains with.
    """
    from keras_infogan import __version__

    return {
        "keras_infogan": __version__,
        "backend": keras.backend.backend(),
        "command": command,
        "run": settings.get_config(),
        "spec": spec.get_config(),
        "model": dict(model),
        "recipe": recipe.resolved(has_categorical=bool(spec.categorical)).get_config(),
        "grid": grid.get_config(),
    }


def read_config(run_dir: str) -> dict[str, Any]:
    """The run's `config.json`; a ValueError says what is missing."""
    path = _config_path(run_dir)
    if not os.path.isfile(path):
        raise ValueError(
            f"{run_dir!r} is not a run directory (it has no {CONFIG}); pass the --run-dir "
            "of an earlier `keras-infogan train`."
        )
    with open(path) as f:
        return _upgrade(json.load(f))


def _upgrade(config: dict[str, Any]) -> dict[str, Any]:
    """A config written by keras-infogan 0.1 (its `data`, `compile`, `fit` and
    `watch` sections) in the 0.2 layout, so that its run resumes."""
    if "compile" not in config:
        return config
    from keras_infogan import __version__

    config = dict(config)
    watch = config.pop("watch")
    config["keras_infogan"] = __version__
    config["recipe"] = Recipe.from_legacy_compile(config.pop("compile")).get_config()
    config["spec"] = LatentSpec.from_config(config["spec"]).get_config()
    config["grid"] = {"samples": watch["grid_samples"], "steps": watch["grid_steps"], "value_range": watch["grid_range"]}
    keep = ("grid_every", "checkpoint_every", "keep_checkpoints", "tensorboard")
    config["run"] = {**config.pop("data"), **config.pop("fit"), **{k: watch[k] for k in keep}}
    return config


def _write_config(run_dir: str, config: dict[str, Any]) -> None:
    """Writes the run's `config.json` atomically."""
    write_atomically(_config_path(run_dir), (json.dumps(config, indent=2) + "\n").encode())


def build_model(config: dict[str, Any]) -> InfoGAN:
    """A fresh, compiled `InfoGAN` from a run config (seeded by its run seed)."""
    seed = config["run"]["seed"]
    keras.utils.set_random_seed(seed)
    spec = LatentSpec.from_config(config["spec"])
    settings = RunSettings(**config["run"])
    recipe = Recipe.from_config(config["recipe"])
    if settings.table:
        from keras_infogan.tables.model import TableInfoGAN
        from keras_infogan.tables.transformer import TableTransformer

        transformer = TableTransformer.from_config(config["table"]["transformer"])
        model = TableInfoGAN.for_transformer(transformer, config["table"]["frequencies"], spec, seed=seed, **config["model"])
    else:
        model = InfoGAN.for_images(
            tuple(config["image_shape"]),
            spec,
            seed=seed,
            precision=settings.precision,
            critic_normalization=penalties.critic_normalization(recipe.gradient_penalty),
            **config["model"],
        )
    model.compile(recipe=recipe)
    return model


def load_table(settings: RunSettings, config: dict[str, Any]) -> Any:
    """The run's table as a `tables.TableData`: transformed by the run's
    transformer (a new run's is fitted here, with the column kinds given)."""
    from keras_infogan.tables.columns import read_table
    from keras_infogan.tables.model import TableData
    from keras_infogan.tables.transformer import TableTransformer

    table = read_table(settings.dataset)
    if "table" in config:
        transformer = TableTransformer.from_config(config["table"]["transformer"])
    else:
        transformer = TableTransformer(settings.discrete_columns, settings.continuous_columns, seed=settings.seed).fit(table)
    return TableData(transformer, transformer.transform(table))


def _load_data(settings: RunSettings, spec: LatentSpec) -> tuple[np.ndarray, np.ndarray | None]:
    """The run's training images, float32 [N, H, W, C] in [0, 1], and the
    labels it trains with (None when it uses none; -1 on unlabelled rows)."""
    try:
        images, labels = data.load_arrays(settings.dataset, settings.split, settings.image_size)
    except RuntimeError as e:  # TFDS data that cannot be downloaded: the message says what to do.
        raise ValueError(str(e)) from e
    if settings.labels is None and settings.labels_per_class is None:
        return images, None
    if settings.dataset == "shapes" and labels is not None:
        labels = labels[:, 0]  # The shape factor.
    if labels is None or labels.ndim != 1:
        flag = "--labels" if settings.labels is not None else "--labels-per-class"
        raise ValueError(
            f"{flag} needs a source with one class per image (a Keras-layout .npz with y_{settings.split}, or a "
            f"TFDS dataset); {settings.dataset!r} has none."
        )
    if not spec.categorical:
        raise ValueError("Labels steer the first categorical code, and the spec has none: pass --categorical K.")
    labels = data.check_labels(labels, spec.categorical[0])
    if settings.labels_per_class is not None:
        return images, data.labelled_subset(labels, settings.labels_per_class, settings.seed).astype("int32")
    return images, labels.astype("int32")


def epoch_dataset(
    images: np.ndarray,
    batch_size: int,
    steps_per_epoch: int,
    seed: int,
    first_epoch: int,
    epochs: int,
    labels: np.ndarray | None = None,
) -> tf.data.Dataset:
    """Batches for epochs `first_epoch..epochs-1`, as one `tf.data.Dataset`
    of images, or of (images, labels) pairs when `labels` are given.

    Epoch e is `steps_per_epoch` batches taken from permutations of the images
    seeded by (seed, e) alone, so a resumed run sees the same batches as an
    uninterrupted one. Use it with `fit(steps_per_epoch=steps_per_epoch)`.
    """
    n = len(images)
    passes = math.ceil(steps_per_epoch * batch_size / n)
    stored = tf.constant(np.round(np.asarray(images) * 255).astype(np.uint8))

    @tf.autograph.experimental.do_not_convert  # Plain ops: nothing to convert.
    def epoch_indices(epoch):
        orders = [
            tf.random.experimental.stateless_shuffle(
                tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch * passes + p])
            )
            for p in range(passes)
        ]
        order = tf.concat(orders, axis=0)[: steps_per_epoch * batch_size]
        return tf.data.Dataset.from_tensor_slices(tf.reshape(order, (steps_per_epoch, batch_size)))

    stored_labels = None if labels is None else tf.constant(np.asarray(labels, "int32"))

    @tf.autograph.experimental.do_not_convert
    def batch(indices):
        images = tf.cast(tf.gather(stored, indices), tf.float32) / 255.0
        return images if stored_labels is None else (images, tf.gather(stored_labels, indices))

    ds = tf.data.Dataset.range(first_epoch, epochs).flat_map(epoch_indices)
    return ds.map(batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def train(
    run_dir: str,
    config: dict[str, Any] | None = None,
    epochs: int | None = None,
    verbose: Any = "auto",
    print_fn: Any = print,
    device_count: int | None = None,
) -> InfoGAN:
    """Trains a new run (given `config`, from `new_config`) or resumes the one in `run_dir`.

    A new run's config is completed with the data's `image_shape`,
    `n_images` and the default `steps_per_epoch` (one pass over the data),
    and written to `run_dir/config.json` before training starts. A resumed
    run continues from its last checkpoint; `epochs` extends (or sets) its
    epoch count, and `device_count` changes the devices it trains on (a
    checkpoint written on any number of devices loads on any other).

    Returns:
        The trained model (also saved as `run_dir/model.keras`).
    """
    resuming = config is None
    if resuming:
        config = read_config(run_dir)
    elif os.path.exists(_config_path(run_dir)):
        raise ValueError(
            f"{run_dir!r} already holds a run; continue it with `--resume {run_dir}` "
            "or pick another --run-dir."
        )
    settings = RunSettings(**config["run"])
    if settings.table:
        table = load_table(settings, config)
        if not resuming:
            settings = _complete_table_config(config, settings, table)
    else:
        images, labels = _load_data(settings, LatentSpec.from_config(config["spec"]))
        if labels is not None:
            print_fn(f"Labels: {int(np.sum(labels >= 0))} of {len(labels)} images labelled; they steer the first categorical code.")
        if not resuming:
            settings = _complete_config(config, settings, images)
    if config["recipe"]["iic_weight"] and "data_kind" in config:
        print_fn(kinds.DataKind(**config["data_kind"]).summary(config["recipe"]["iic_augmentation"]))
    checkpoint = callbacks.Checkpoint(
        os.path.join(run_dir, "checkpoints"), settings.checkpoint_every, settings.keep_checkpoints
    )
    if epochs is not None:
        done = (checkpoint.latest() or {}).get("epoch", 0)
        if epochs < done:
            raise ValueError(f"{run_dir} has already trained {done} epochs; pass --epochs {done} or more.")
        settings = dataclasses.replace(settings, epochs=epochs)
    if device_count is not None:
        settings = dataclasses.replace(settings, devices=device_count)
    config["run"] = settings.get_config()
    per_device = devices.check_batch(settings.batch_size, settings.devices)
    if settings.devices > 1:
        names = devices.device_names(settings.devices)
        print_fn(f"Data-parallel on {settings.devices} devices ({', '.join(names)}): {per_device} images each per step.")
    with devices.data_parallel(settings.devices):
        model = build_model(config)  # Checks the losses and networks before anything is written.
    os.makedirs(run_dir, exist_ok=True)
    _write_config(run_dir, config)

    initial_epoch = checkpoint.restore(model)
    if initial_epoch >= settings.epochs:
        print_fn(f"{run_dir} has already trained {initial_epoch} epochs; pass --epochs N to train it further.")
    else:
        if settings.table:
            from keras_infogan.tables.model import training_dataset

            batches = training_dataset(table, settings.batch_size, settings.steps_per_epoch, settings.seed, initial_epoch)
        else:
            batches = epoch_dataset(
                images, settings.batch_size, settings.steps_per_epoch, settings.seed, initial_epoch, settings.epochs, labels
            )
        model.fit(
            batches,
            epochs=settings.epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=settings.steps_per_epoch,
            shuffle=False,  # The datasets order the data.
            callbacks=[
                callbacks.StopOnDivergence(),  # First: nothing below runs on a diverged epoch.
                *_watchers(run_dir, settings, GridSettings.from_config(config["grid"])),
                checkpoint,
                callbacks.TrainingSummary(settings.batch_size, print_fn, "rows" if settings.table else "images"),
            ],
            verbose=verbose,
        )
    save_model(model, os.path.join(run_dir, "model.keras"))
    return model


def _complete_config(config: dict[str, Any], settings: RunSettings, images: np.ndarray) -> RunSettings:
    """Adds what the data decides to a new run's config; returns its settings."""
    if len(images) < settings.batch_size:
        raise ValueError(
            f"The data has {len(images)} images, fewer than one batch of {settings.batch_size}: "
            "lower --batch-size."
        )
    config["image_shape"] = list(images.shape[1:])
    config["n_images"] = len(images)
    if settings.labels or settings.labels_per_class:
        if config["model"].get("class_names") is None:
            names = data.class_names(settings.dataset)
            categories = config["spec"]["categorical"][:1]
            config["model"]["class_names"] = names if names and [len(names)] == categories else None
    elif config["model"].get("class_names") is not None:
        raise ValueError("Class names name the classes that labels steer; train with --labels all or --labels-per-class N.")
    kind = kinds.describe(images)
    config["data_kind"] = kind.get_config()
    if config["recipe"]["iic_augmentation"] == "auto":
        config["recipe"]["iic_augmentation"] = kind.augmentation
    settings = dataclasses.replace(settings, steps_per_epoch=settings.steps_per_epoch or len(images) // settings.batch_size)
    config["run"] = settings.get_config()
    return settings


def _complete_table_config(config: dict[str, Any], settings: RunSettings, table: Any) -> RunSettings:
    """Adds what the table decides to a new table run's config (its fitted
    transformer and category shares); returns its settings."""
    from keras_infogan.tables.networks import PAC

    if settings.batch_size % PAC:
        raise ValueError(f"--batch-size {settings.batch_size} does not split into packs of {PAC} rows; use a multiple of {PAC}.")
    config["table"] = {"transformer": table.transformer.get_config(), "frequencies": table.sampler.frequencies}
    config["n_rows"] = len(table.matrix)
    settings = dataclasses.replace(settings, steps_per_epoch=settings.steps_per_epoch or math.ceil(len(table.matrix) / settings.batch_size))
    config["run"] = settings.get_config()
    return settings


def _watchers(run_dir: str, settings: RunSettings, grid: GridSettings) -> list[keras.callbacks.Callback]:
    """The callbacks that write the grids (of images), the metrics CSV and the TensorBoard logs."""
    log_dir = os.path.join(run_dir, "logs") if settings.tensorboard else None
    out = [callbacks.MetricsCSV(os.path.join(run_dir, "metrics.csv"))]
    if not settings.table:
        out.insert(
            0,
            callbacks.TraversalGrid(
                os.path.join(run_dir, "grids"), every=settings.grid_every, settings=grid, seed=settings.seed, log_dir=log_dir
            ),
        )
    if log_dir:
        out.append(keras.callbacks.TensorBoard(log_dir, write_graph=False, update_freq="epoch", profile_batch=0))
    return out
