"""What differs between Keras backends: how a train step takes and applies
gradients, and which optimizer class runs an update fastest.

Each backend's module holds one `train_step` of the same shape: draw the
latents, make `n_critic - 1` extra D updates on fresh fakes, run G once,
update D on the gradient-stopped fakes, then update G and Q through the
updated D; and `input_gradient`, D's gradient at its inputs for the gradient
penalties. The losses come from `InfoGAN`, shared by all.
"""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["BACKEND", "input_gradient", "prepare_optimizer", "serialize_optimizer", "train_step"]

BACKEND = keras.backend.backend()
if BACKEND == "tensorflow":
    from keras_infogan.backend.tensorflow import input_gradient, train_step
elif BACKEND == "jax":
    from keras_infogan.backend.jax import input_gradient, train_step
elif BACKEND == "torch":
    from keras_infogan.backend.torch import input_gradient, train_step
else:
    raise ImportError(
        f"keras-infogan runs on the tensorflow, jax and torch backends, not {BACKEND!r}. "
        "Set KERAS_BACKEND to one of them."
    )


def prepare_optimizer(optimizer: Any) -> Any:
    """The optimizer to train with on this backend: under torch, a plain Keras
    Adam becomes a `FusedAdam` (the same update in one kernel); anything else
    is returned as it is."""
    if BACKEND != "torch":
        return optimizer
    from keras_infogan.backend.torch_adam import FusedAdam

    return FusedAdam.adopt(optimizer)


def serialize_optimizer(optimizer: Any) -> dict[str, Any]:
    """`keras.saving.serialize_keras_object(optimizer)`, under the class any
    backend can load: Keras saves a torch Adam as its torch-only class, which
    cannot train under TensorFlow or JAX, so backend-specific classes
    (Keras' own and `FusedAdam`) are saved as the public class they stand for."""
    config = keras.saving.serialize_keras_object(optimizer)
    cls = next(c for c in type(optimizer).__mro__ if not c.__module__.startswith(_BACKEND_MODULES))
    if cls is type(optimizer):
        return config
    return {**config, "module": "keras.optimizers", "class_name": cls.__name__, "registered_name": None}


_BACKEND_MODULES = ("keras.src.backend.", "keras_infogan.backend.")
