"""`MetricsCSV`: each epoch's metrics as a CSV row, right after a resume too."""

from __future__ import annotations

import csv
import io
import os
import time

import keras

from keras_infogan.files import write_atomically

__all__ = ["MetricsCSV"]


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
        write_atomically(self.path, out.getvalue().encode())
