"""`Checkpoint`: atomic `.keras` checkpoints that a run resumes from exactly."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import keras
import numpy as np

from keras_infogan.files import save_model, write_atomically

__all__ = ["Checkpoint"]


class Checkpoint(keras.callbacks.Callback):
    """Saves `directory/epoch_XXX.keras` every `every` epochs, keeping the last `keep`.

    Each file is written to a temp name and renamed, and `latest.json` (the
    epoch, the file and the states of the model's seed generators: the
    latents', and its layers' such as dropout's, which a `.keras` file does
    not hold) is replaced only after it, so a run killed
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
        """The last complete checkpoint's record (`epoch`, `file`, `seed_state`, `layer_seed_states`), or None."""
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
        states = [model.seed_generator.state, *_layer_seed_states(model)]
        for state, value in zip(states, [record["seed_state"], *record.get("layer_seed_states", [])]):
            state.assign(np.asarray(value, dtype=state.dtype))
        return int(record["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done % self.every and done != self.params.get("epochs"):
            return
        os.makedirs(self.directory, exist_ok=True)
        name = f"epoch_{done:03d}.keras"
        save_model(self.model, os.path.join(self.directory, name))
        seed_state, *layer_states = (
            [int(v) for v in keras.ops.convert_to_numpy(s.value)]
            for s in [self.model.seed_generator.state, *_layer_seed_states(self.model)]
        )
        record = {"epoch": done, "file": name, "seed_state": seed_state, "layer_seed_states": layer_states}
        write_atomically(self.latest_path, json.dumps(record).encode())
        for old in _epoch_files(self.directory)[: -self.keep]:
            os.remove(os.path.join(self.directory, old))


def _layer_seed_states(model: keras.Model) -> list[Any]:
    """The state variables of the seed generators of `model`'s layers (dropout's), in a fixed order."""
    own = model.seed_generator.state
    return [v for v in model.variables if v.path.endswith("seed_generator_state") and v is not own]


def _epoch_files(directory: str) -> list[str]:
    """The `epoch_N.keras` files in `directory`, oldest first (by N, so
    epoch_1000 comes after epoch_999)."""
    found = [(int(m.group(1)), f) for f in os.listdir(directory) if (m := re.fullmatch(r"epoch_(\d+)\.keras", f))]
    return [f for _, f in sorted(found)]
