"""Data-parallel training on several devices of one host, with the engine each
backend ships: `keras.distribution.DataParallel` under JAX,
`tf.distribute.MirroredStrategy` under TensorFlow.

Build and compile the model inside `data_parallel(n)`; the model remembers
the engine and uses it in `fit`. Each global batch is split evenly across the
devices; weights and both optimizers' state are replicated; gradients are
summed across devices by the engine (JAX: by XLA from the global-batch loss;
TensorFlow: by the strategy, each replica's loss scaled to the global batch).
Batch-norm statistics are the global batch's on both (TensorFlow: batch norm
is synchronized across replicas), so N devices compute what one device does
with the same global batch.

PyTorch: not supported. Keras has no data-parallel engine for its torch
backend (its distribution API has no torch implementation), and its torch
trainer does not run `fit` under `DistributedDataParallel`.

Example:

```python
with keras_infogan.devices.data_parallel(2):
    model = InfoGAN.for_images((28, 28, 1), spec)
    model.compile()
model.fit(dataset)  # each batch of 128 runs as 2 x 64
```
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras

from keras_infogan.xla_devices import with_virtual_cpus

__all__ = [
    "batch_norm_as_built_here",
    "check_batch",
    "current_engine",
    "data_parallel",
    "device_names",
    "replicas",
    "synchronized_batch_norm",
    "virtual_cpus",
]


def device_names(count: int) -> list[str]:
    """The first `count` accelerators of this host (GPUs or TPUs), else CPU
    devices; a ValueError says what to do when there are fewer."""
    backend = keras.backend.backend()
    if backend == "torch":
        raise ValueError(
            "Data-parallel training needs the jax or tensorflow backend: Keras has no data-parallel "
            "engine for torch. Pick --backend jax or tensorflow, or train on one device."
        )
    if backend == "jax":
        import jax

        found = [f"{d.platform}:{d.id}" for d in jax.devices()]
        hint = f"XLA_FLAGS='{with_virtual_cpus('', count)}' before JAX starts"
    else:
        import tensorflow as tf

        found = [d.name for d in tf.config.list_logical_devices("GPU")] or [d.name for d in tf.config.list_logical_devices("CPU")]
        hint = f"keras_infogan.devices.virtual_cpus({count}) before TensorFlow runs anything"
    if len(found) < count:
        raise ValueError(
            f"{count} devices asked for, {len(found)} found ({', '.join(found)}). Ask for fewer, or, to try "
            f"it on a CPU, make virtual CPU devices ({hint})."
        )
    return found[:count]


@contextlib.contextmanager
def data_parallel(count: int) -> Iterator[None]:
    """Builds what is created inside (the model, its optimizers) for training
    on `count` devices; one device is the usual single-device training."""
    if count < 1:
        raise ValueError(f"The number of devices must be at least 1, got {count}.")
    if count == 1:
        yield
        return
    names = device_names(count)
    if keras.backend.backend() == "jax":
        import jax

        with keras.distribution.DataParallel(devices=jax.devices()[:count]).scope():
            yield
    else:
        import tensorflow as tf

        # On CPU devices the default all-reduce runs the replicas' collectives
        # in different orders (synchronized batch norm then fails); reducing
        # on one device orders them.
        on_cpu = all("CPU" in name.upper() for name in names)
        cross_device_ops = tf.distribute.ReductionToOneDevice() if on_cpu else None
        with tf.distribute.MirroredStrategy(names, cross_device_ops=cross_device_ops).scope():
            yield


def replicas() -> int:
    """The devices that a model built here would train on."""
    if keras.backend.backend() == "jax":
        distribution = keras.distribution.distribution()
        return 1 if distribution is None else int(distribution.device_mesh.devices.size)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.distribute.get_strategy().num_replicas_in_sync
    return 1


def check_batch(batch_size: int, count: int) -> int:
    """The per-device batch; a ValueError unless `batch_size` splits evenly."""
    if batch_size % count:
        raise ValueError(
            f"A global batch of {batch_size} does not split evenly across {count} devices; "
            f"use a batch size that is a multiple of {count} (e.g. {batch_size - batch_size % count or count})."
        )
    return batch_size // count


def current_engine() -> Any:
    """The JAX distribution in effect (None elsewhere), for a model to keep."""
    if keras.backend.backend() == "jax":
        return keras.distribution.distribution()
    return None


def synchronized_batch_norm() -> bool:
    """Whether batch norm built here must share its statistics across
    replicas: under a TensorFlow strategy of several, each replica would
    otherwise normalise with its own slice of the batch (JAX computes the
    global batch's statistics by itself)."""
    return keras.backend.backend() == "tensorflow" and replicas() > 1


def batch_norm_as_built_here(config: Any) -> Any:
    """A serialized network's config with each batch norm synchronized as one
    built here would be: how many replicas shared its statistics is a property
    of the run that saved it, and Keras refuses `synchronized=True` off
    TensorFlow, so a model saved from several devices loads on one, on any backend."""
    if isinstance(config, list):
        return [batch_norm_as_built_here(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: batch_norm_as_built_here(value) for key, value in config.items()}
    if config.get("class_name") == "BatchNormalization" and isinstance(config.get("config"), dict):
        config["config"] = {**config["config"], "synchronized": synchronized_batch_norm()}
    return config


def virtual_cpus(count: int) -> None:
    """Splits the CPU into `count` logical devices under TensorFlow, to try
    data-parallel training without accelerators (no faster than one device).
    Call it before TensorFlow runs anything; under JAX set
    XLA_FLAGS=--xla_force_host_platform_device_count=N before it starts."""
    if keras.backend.backend() != "tensorflow":
        raise ValueError("virtual_cpus is for TensorFlow; under JAX set XLA_FLAGS=--xla_force_host_platform_device_count=N before it starts.")
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as e:
        raise ValueError(f"TensorFlow has started already: make the virtual CPU devices first ({e}).") from e
