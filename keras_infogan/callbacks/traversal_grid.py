"""`TraversalGrid`: the paper's traversal figures every few epochs."""

from __future__ import annotations

import os

import keras

from keras_infogan import grids
from keras_infogan.grids import GridSettings

__all__ = ["TraversalGrid"]


class TraversalGrid(keras.callbacks.Callback):
    """Writes traversal grids of every code (or of `codes`) every `every` epochs.

    Files are `directory/epoch_XXX_<code>.png` (epochs counted from 1), drawn
    by `keras_infogan.grids`. The latents come from `seed` alone, so every
    epoch's grid shows the same noise and the grids can be compared.

    Args:
        directory: where the PNG files go.
        every: epochs between grids; the last epoch always gets one.
        codes: code names (`categorical_0`, `continuous_1`, ...); default all.
        settings: the grids' `GridSettings` (draws, steps, sweep).
        seed: seed of the fixed latents.
        log_dir: a TensorBoard log dir: the grids also go to its `grids`
            run as images (needs the `tensorboard` package).

    Example:

    ```python
    model.fit(ds, epochs=10, callbacks=[TraversalGrid("grids", every=2, settings=GridSettings(samples=8))])
    # grids/epoch_002_categorical_0.png, grids/epoch_002_continuous_0.png, ...
    ```
    """

    def __init__(
        self,
        directory: str,
        every: int = 1,
        codes: list[str] | None = None,
        settings: GridSettings = GridSettings(),
        seed: int = 0,
        log_dir: str | None = None,
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"`every` must be a positive number of epochs, got {every}.")
        self.directory = directory
        self.every = int(every)
        self.codes = codes
        self.settings = settings
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
            picture = grids.draw_traversal(self.model, code, self.settings, self.seed, title=f"{code}, epoch {done}")
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
