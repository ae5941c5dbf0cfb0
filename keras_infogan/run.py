"""A training run on disk: what `keras-infogan train` writes and resumes.

A run directory holds:

* `config.json`: the data source, the spec, the networks' settings, the
  compile config (both optimizers in full), the fit settings and the seed:
  enough to rebuild the run (`build_model`) and to resume it;
* `grids/epoch_XXX_<code>.png`: traversal grids (`callbacks.TraversalGrid`);
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

import json
import math
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_infogan import callbacks, data, grids
from keras_infogan.model import InfoGAN
from keras_infogan.spec import LatentSpec

CONFIG = "config.json"


def config_path(run_dir: str) -> str:
    """Where a run's config lives."""
    return os.path.join(run_dir, CONFIG)


def read_config(run_dir: str) -> dict[str, Any]:
    """The run's `config.json`; a ValueError says what is missing."""
    path = config_path(run_dir)
    if not os.path.isfile(path):
        raise ValueError(
            f"{run_dir!r} is not a run directory (it has no {CONFIG}); pass the --run-dir "
            "of an earlier `keras-infogan train`."
        )
    with open(path) as f:
        return json.load(f)


def write_config(run_dir: str, config: dict[str, Any]) -> None:
    """Writes the run's `config.json` atomically."""
    grids.write_atomically(config_path(run_dir), (json.dumps(config, indent=2) + "\n").encode())


def build_model(config: dict[str, Any]) -> InfoGAN:
    """A fresh, compiled `InfoGAN` from a run config (seeded by its `fit.seed`)."""
    seed = config["fit"]["seed"]
    keras.utils.set_random_seed(seed)
    spec = LatentSpec.from_config(config["spec"])
    model = InfoGAN.for_images(tuple(config["image_shape"]), spec, seed=seed, **config["model"])
    model.compile_from_config(config["compile"])
    return model


def load_images(config: dict[str, Any]) -> np.ndarray:
    """The run's training images, float32 [N, H, W, C] in [0, 1]."""
    source = config["data"]
    size = source.get("image_size")
    try:
        images, _ = data.load_arrays(source["dataset"], source["split"], tuple(size) if size else None)
    except RuntimeError as e:  # TFDS data that cannot be downloaded: the message says what to do.
        raise ValueError(str(e)) from e
    return images


def epoch_dataset(
    images: np.ndarray,
    batch_size: int,
    steps_per_epoch: int,
    seed: int,
    first_epoch: int,
    epochs: int,
) -> tf.data.Dataset:
    """Batches for epochs `first_epoch..epochs-1`, as one `tf.data.Dataset`.

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

    @tf.autograph.experimental.do_not_convert
    def batch(indices):
        return tf.cast(tf.gather(stored, indices), tf.float32) / 255.0

    ds = tf.data.Dataset.range(first_epoch, epochs).flat_map(epoch_indices)
    return ds.map(batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def train(
    run_dir: str,
    config: dict[str, Any] | None = None,
    epochs: int | None = None,
    verbose: Any = "auto",
    print_fn: Any = print,
) -> InfoGAN:
    """Trains a new run (given `config`) or resumes the one in `run_dir`.

    A new run's config is completed with the data's `image_shape`,
    `n_images` and the default `steps_per_epoch` (one pass over the data),
    and written to `run_dir/config.json` before training starts. A resumed
    run continues from its last checkpoint; `epochs` extends (or sets) its
    epoch count.

    Returns:
        The trained model (also saved as `run_dir/model.keras`).
    """
    resuming = config is None
    if resuming:
        config = read_config(run_dir)
    elif os.path.exists(config_path(run_dir)):
        raise ValueError(
            f"{run_dir!r} already holds a run; continue it with `--resume {run_dir}` "
            "or pick another --run-dir."
        )
    images = load_images(config)
    if not resuming:
        _complete_config(config, images)
    fit, watch = config["fit"], config["watch"]
    checkpoint = callbacks.Checkpoint(
        os.path.join(run_dir, "checkpoints"), watch["checkpoint_every"], watch["keep_checkpoints"]
    )
    if epochs is not None:
        done = (checkpoint.latest() or {}).get("epoch", 0)
        if epochs < done:
            raise ValueError(f"{run_dir} has already trained {done} epochs; pass --epochs {done} or more.")
        fit["epochs"] = epochs
    model = build_model(config)  # Checks the losses and networks before anything is written.
    os.makedirs(run_dir, exist_ok=True)
    write_config(run_dir, config)

    initial_epoch = checkpoint.restore(model)
    if initial_epoch >= fit["epochs"]:
        print_fn(f"{run_dir} has already trained {initial_epoch} epochs; pass --epochs N to train it further.")
    else:
        model.fit(
            epoch_dataset(images, fit["batch_size"], fit["steps_per_epoch"], fit["seed"], initial_epoch, fit["epochs"]),
            epochs=fit["epochs"],
            initial_epoch=initial_epoch,
            steps_per_epoch=fit["steps_per_epoch"],
            shuffle=False,  # `epoch_dataset` orders the data.
            callbacks=[*_watchers(run_dir, config), checkpoint, callbacks.TrainingSummary(fit["batch_size"], print_fn)],
            verbose=verbose,
        )
    callbacks.save_model(model, os.path.join(run_dir, "model.keras"))
    return model



def _complete_config(config: dict[str, Any], images: np.ndarray) -> None:
    """Adds what the data decides to a new run's config."""
    fit = config["fit"]
    if len(images) < fit["batch_size"]:
        raise ValueError(
            f"The data has {len(images)} images, fewer than one batch of {fit['batch_size']}: "
            "lower --batch-size."
        )
    config["image_shape"] = list(images.shape[1:])
    config["n_images"] = len(images)
    fit["steps_per_epoch"] = fit.get("steps_per_epoch") or len(images) // fit["batch_size"]


def _watchers(run_dir: str, config: dict[str, Any]) -> list[keras.callbacks.Callback]:
    """The callbacks that write the grids, the metrics CSV and the TensorBoard logs."""
    watch = config["watch"]
    log_dir = os.path.join(run_dir, "logs") if watch["tensorboard"] else None
    out = [
        callbacks.TraversalGrid(
            os.path.join(run_dir, "grids"),
            every=watch["grid_every"],
            samples=watch["grid_samples"],
            steps=watch["grid_steps"],
            value_range=tuple(watch["grid_range"]),
            seed=config["fit"]["seed"],
            log_dir=log_dir,
        ),
        callbacks.MetricsCSV(os.path.join(run_dir, "metrics.csv")),
    ]
    if log_dir:
        out.append(keras.callbacks.TensorBoard(log_dir, write_graph=False, update_freq="epoch", profile_batch=0))
    return out
