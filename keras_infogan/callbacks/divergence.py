"""`StopOnDivergence`: stops `fit` at the first NaN or infinite loss."""

from __future__ import annotations

import math

import keras

__all__ = ["StopOnDivergence", "TrainingDiverged"]


class TrainingDiverged(RuntimeError):
    """Training produced a NaN or infinite loss; `fit` stopped there."""

    def __init__(self, epoch: int, step: int, name: str, value: float):
        super().__init__(f"training diverged at epoch {epoch}, step {step}: {name} is {value}")
        self.epoch, self.step, self.name, self.value = epoch, step, name, value


class StopOnDivergence(keras.callbacks.Callback):
    """Raises `TrainingDiverged` as soon as a loss in the logs is NaN or
    infinite, so that `fit` ends before another epoch's checkpoint or the
    final model is written over the last good one.

    Unlike Keras' `TerminateOnNaN`, which lets the epoch end (and its
    callbacks write), it stops at once and says where.

    Args:
        names: the logs to watch (default: every log ending in "loss").

    Example:

    ```python
    model.fit(ds, epochs=10, callbacks=[StopOnDivergence(), Checkpoint("checkpoints")])
    ```
    """

    def __init__(self, names: tuple[str, ...] | None = None):
        super().__init__()
        self.names = names

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            watched = name in self.names if self.names else name.endswith("loss")
            if watched and not math.isfinite(float(value)):
                raise TrainingDiverged(self._epoch, batch + 1, name, float(value))
