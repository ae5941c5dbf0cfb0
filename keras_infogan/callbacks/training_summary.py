"""`TrainingSummary`: one line when `fit` ends."""

from __future__ import annotations

import time
from typing import Any

import keras

__all__ = ["TrainingSummary"]


class TrainingSummary(keras.callbacks.Callback):
    """Prints one line when `fit` ends: epochs, wall time, images/s, final metrics.

    Args:
        batch_size: images per step (what the images/s figure counts).
        print_fn: where the line goes (default `print`).
        unit: what a batch holds, as the figure names it ("rows" for tables).

    Example:

    ```python
    model.fit(ds, epochs=10, callbacks=[TrainingSummary(batch_size=128)])
    # Trained 10 epochs (to epoch 10/10, 4680 steps) in 12m31s, 797 images/s; final d_loss ...
    ```
    """

    def __init__(self, batch_size: int, print_fn: Any = print, unit: str = "images"):
        super().__init__()
        self.batch_size = int(batch_size)
        self.unit = unit
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
            f"{images / max(seconds, 1e-9):.0f} {self.unit}/s; final {metrics}"
        )
        self.print_fn(self.line)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"
