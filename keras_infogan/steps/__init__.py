"""The per-backend train steps: how gradients are taken and applied.

Each module holds one `train_step` with the same shape: draw the latents, run
G once, update D on the gradient-stopped fakes, then update G and Q through
the updated D. The losses themselves come from `InfoGAN`, shared by all.
"""

import keras

_BACKEND = keras.backend.backend()
if _BACKEND == "tensorflow":
    from keras_infogan.steps.tensorflow import train_step
elif _BACKEND == "jax":
    from keras_infogan.steps.jax import train_step
elif _BACKEND == "torch":
    from keras_infogan.steps.torch import train_step
else:
    raise ImportError(
        f"keras-infogan runs on the tensorflow, jax and torch backends, not {_BACKEND!r}. "
        "Set KERAS_BACKEND to one of them."
    )

__all__ = ["train_step"]
