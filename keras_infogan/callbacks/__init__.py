"""Callbacks to watch and checkpoint an InfoGAN run, from `model.fit` or the CLI.

* `TraversalGrid`: the paper's traversal figures every few epochs, as PNG
  files and, given a log dir, as TensorBoard images.
* `Checkpoint`: atomic `.keras` checkpoints that `restore` resumes from,
  optimizer state and the latent draws' seed state included.
* `MetricsCSV`: the metrics of each epoch as CSV, right after a resume too.
* `TrainingSummary`: one line at the end: wall time, images/s, final metrics.
* `StopOnDivergence`: ends `fit` at the first NaN or infinite loss, before
  anything is written over the last good checkpoint.

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

from keras_infogan.callbacks.checkpoint import Checkpoint
from keras_infogan.callbacks.divergence import StopOnDivergence, TrainingDiverged
from keras_infogan.callbacks.metrics_csv import MetricsCSV
from keras_infogan.callbacks.training_summary import TrainingSummary
from keras_infogan.callbacks.traversal_grid import TraversalGrid

__all__ = ["Checkpoint", "MetricsCSV", "StopOnDivergence", "TrainingDiverged", "TrainingSummary", "TraversalGrid"]
