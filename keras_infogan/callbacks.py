"""Callbacks to watch and checkpoint an InfoGAN run, from `model.fit` or the CLI.

* `TraversalGrid`: the paper's traversal figures every few epochs, as PNG
  files and, given a log dir, as TensorBoard images.
* `Checkpoint`: atomic `.keras` checkpoints that `restore` resumes from,
  optimizer state and the latent draws' seed state included.
* `MetricsCSV`: the metrics of each epoch as CSV, right after a resume too.
* `TrainingSummary`: one line at the end: wall time, images/s, final metrics.

Example:

```python
from keras_infogan.callbacks import Checkpoint, MetricsCSV, TrainingSummary, TraversalGrid

ckpt = Checkpoint("run/checkpoints")
initial_epoch = ckpt.restore(model)  # 0 on a fresh run
model.fit(ds, epochs=20, initial_epoch=initial_epoch, callbacks=[
    TraversalGrid("run/grids", every=2, log_dir="run/logs"),
    MetricsCSV("run/metrics.csv"),
    ckpt,  # After the others: a checkpoint means its epoch's grids and row are written.
    TrainingSummary(batch_size=128),
])
```

For a resumed `fit` to match an uninterrupted one exactly, each epoch's data
order must depend only on the seed and the epoch, as `run.epoch_dataset`'s does.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from typing import Any

import keras
import numpy as np

from keras_infogan import grids


class TraversalGrid(keras.callbacks.Callback):
    """Writes traversal grids of every code (or of `codes`) every `every` epochs.

    Files are `directory/epoch_XXX_<code>.png` (epochs counted from 1), drawn
    by `keras_infogan.grids`. The latents come from `seed` alone, so every
    epoch's grid shows the same noise and the grids can be compared.

    Args:
        directory: where the PNG files go.
        every: epochs between grids; the last epoch always gets one.
        codes: code names (`categorical_0`, `continuous_1`, ...); default all.
        samples: draws per grid (columns of a categorical grid, rows of a
            continuous one).
        steps: columns of a continuous sweep.
        value_range: the sweep of the continuous codes.
        seed: seed of the fixed latents.
        log_dir: a TensorBoard log dir: the grids also go to its `grids`
            run as images (needs the `tensorboard` package).

    Example:

    ```python
    model.fit(ds, epochs=10, callbacks=[TraversalGrid("grids", every=2, value_range=(-1.5, 1.5))])
    # grids/epoch_002_categorical_0.png, grids/epoch_002_continuous_0.png, ...
    ```
    """

    def __init__(
        self,
        directory: str,
        every: int = 1,
        codes: list[str] | None = None,
        samples: int = 10,
        steps: int = 9,
        value_range: tuple[float, float] = (-2.0, 2.0),
        seed: int = 0,
        log_dir: str | None = None,
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"`every` must be a positive number of epochs, got {every}.")
        self.directory = directory
        self.every = int(every)
        self.codes = codes
        self.samples = samples
        self.steps = steps
        self.value_range = tuple(value_range)
        self.seed = seed
        self.log_dir = log_dir
        self._writer = None

    def on_train_begin(self, logs=None):
        for code in self.codes or []:
            grids.parse_code(self.model.spec, code)  # Fail now, not after an epoch.
        if self.log_dir:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "grids"))

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done % self.every and done != self.params.get("epochs"):
            return
        for code in self.codes or grids.code_names(self.model.spec):
            picture = grids.draw_traversal(
                self.model,
                code,
                self.samples,
                self.steps,
                self.value_range,
                self.seed,
                title=f"{code}, epoch {done}",
            )
            grids.write_png(os.path.join(self.directory, f"epoch_{done:03d}_{code}.png"), picture)
            if self._writer is not None:
                import tensorflow as tf

                with self._writer.as_default():
                    tf.summary.image(f"traversal/{code}", picture[None], step=done)
        if self._writer is not None:
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class Checkpoint(keras.callbacks.Callback):
    """Saves `directory/epoch_XXX.keras` every `every` epochs, keeping the last `keep`.

    Each file is written to a temp name and renamed, and `latest.json` (the
    epoch, the file and the state of the model's latent seed generator, which
    a `.keras` file does not hold) is replaced only after it, so a run killed
    at any moment leaves a complete checkpoint to resume from. The `.keras`
    files hold the optimizers' state, and load with `keras.models.load_model`.

    Args:
        directory: where the checkpoints go.
        every: epochs between checkpoints; the last epoch always gets one.
        keep: how many checkpoints to keep (older ones are deleted).

    Example:

    ```python
    ckpt = Checkpoint("checkpoints", keep=3)
    model.fit(ds, epochs=10, initial_epoch=ckpt.restore(model), callbacks=[ckpt])
    ```
    """

    def __init__(self, directory: str, every: int = 1, keep: int = 2):
        super().__init__()
        if every < 1 or keep < 1:
            raise ValueError(f"`every` and `keep` must be positive, got {every} and {keep}.")
        self.directory = directory
        self.every = int(every)
        self.keep = int(keep)

    @property
    def latest_path(self) -> str:
        return os.path.join(self.directory, "latest.json")

    def latest(self) -> dict[str, Any] | None:
        """The last complete checkpoint's record (`epoch`, `file`, `seed_state`), or None."""
        if not os.path.isfile(self.latest_path):
            return None
        with open(self.latest_path) as f:
            return json.load(f)

    def restore(self, model: keras.Model) -> int:
        """Loads the last checkpoint into a compiled `model`.

        Returns:
            The number of epochs it had completed (pass it to `fit` as
            `initial_epoch`), or 0 when there is no checkpoint.
        """
        record = self.latest()
        if record is None:
            return 0
        model.load_weights(os.path.join(self.directory, record["file"]))
        state = model.seed_generator.state
        state.assign(np.asarray(record["seed_state"], dtype=state.dtype))
        return int(record["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done % self.every and done != self.params.get("epochs"):
            return
        os.makedirs(self.directory, exist_ok=True)
        name = f"epoch_{done:03d}.keras"
        save_model(self.model, os.path.join(self.directory, name))
        seed_state = keras.ops.convert_to_numpy(self.model.seed_generator.state.value)
        record = {"epoch": done, "file": name, "seed_state": [int(v) for v in seed_state]}
        grids.write_atomically(self.latest_path, json.dumps(record).encode())
        for old in _epoch_files(self.directory)[: -self.keep]:
            os.remove(os.path.join(self.directory, old))


class MetricsCSV(keras.callbacks.Callback):
    """Writes each epoch's metrics (and its seconds) to a CSV file, one row per epoch.

    Epochs are counted from 1, as in the grid and checkpoint file names. The
    file is rewritten atomically at each epoch's end, keeping the rows of the
    epochs before it: a resumed run replaces the rows written after its
    checkpoint instead of repeating them, and no row is ever half written.

    Args:
        path: the CSV file.

    Example:

    ```python
    model.fit(ds, epochs=10, callbacks=[MetricsCSV("metrics.csv")])
    # epoch,d_acc_fake,d_acc_real,d_loss,g_loss,...,mi_lower_bound,seconds
    ```
    """

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        rows = []
        if os.path.isfile(self.path):
            with open(self.path, newline="") as f:
                rows = [row for row in csv.DictReader(f) if int(row["epoch"]) <= epoch]
        metrics = {k: f"{float(v):.6g}" for k, v in sorted((logs or {}).items())}
        rows.append({"epoch": epoch + 1, **metrics, "seconds": f"{time.perf_counter() - self._start:.1f}"})
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[-1]), restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        grids.write_atomically(self.path, out.getvalue().encode())


class TrainingSummary(keras.callbacks.Callback):
    """Prints one line when `fit` ends: epochs, wall time, images/s, final metrics.

    Args:
        batch_size: images per step (what the images/s figure counts).
        print_fn: where the line goes (default `print`).

    Example:

    ```python
    model.fit(ds, epochs=10, callbacks=[TrainingSummary(batch_size=128)])
    # Trained 10 epochs (to epoch 10/10, 4680 steps) in 12m31s, 797 images/s; final d_loss ...
    ```
    """

    def __init__(self, batch_size: int, print_fn: Any = print):
        super().__init__()
        self.batch_size = int(batch_size)
        self.print_fn = print_fn
        self.line = ""

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self._steps = 0
        self._epoch_steps = 0
        self._epochs = 0
        self._last_epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        self._epoch_steps = batch + 1  # `batch` is the last step run, also with steps_per_execution.

    def on_epoch_end(self, epoch, logs=None):
        self._steps += self._epoch_steps
        self._epochs += 1
        self._last_epoch = epoch + 1

    def on_train_end(self, logs=None):
        seconds = time.perf_counter() - self._start
        images = self._steps * self.batch_size
        metrics = ", ".join(f"{k} {float(v):.4g}" for k, v in (logs or {}).items())
        self.line = (
            f"Trained {self._epochs} epochs (to epoch {self._last_epoch}/{self.params.get('epochs')}, "
            f"{self._steps} steps) in {_duration(seconds)}, "
            f"{images / max(seconds, 1e-9):.0f} images/s; final {metrics}"
        )
        self.print_fn(self.line)


def save_model(model: keras.Model, path: str) -> None:
    """`model.save(path)` through `grids.atomic_path`: a temp file beside
    `path`, renamed over it."""
    with grids.atomic_path(path) as tmp:
        model.save(tmp)


def _epoch_files(directory: str) -> list[str]:
    """The `epoch_N.keras` files in `directory`, oldest first (by N, so
    epoch_1000 comes after epoch_999)."""
    found = [(int(m.group(1)), f) for f in os.listdir(directory) if (m := re.fullmatch(r"epoch_(\d+)\.keras", f))]
    return [f for _, f in sorted(found)]


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"
