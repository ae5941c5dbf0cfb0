"""`FusedAdam`: Keras' Adam under torch, updated by torch's fused Adam kernel."""

from __future__ import annotations

import math
from typing import Any

import torch
from keras.src.backend.torch.optimizers.torch_adam import Adam as TorchAdam

__all__ = ["FusedAdam"]


class FusedAdam(TorchAdam):
    """Keras' Adam whose update runs as one fused kernel under torch.

    One pass over each weight and its two moments, where Keras' torch Adam
    makes ten with five temporaries. It updates Keras' own moment variables,
    so checkpoints and `.keras` files hold the same state as with Keras' Adam,
    and everything around the update (clipping, weight decay, EMA, gradient
    accumulation, constraints) stays Keras'. AMSGrad, and variables on mixed
    devices or dtypes, take Keras' own update.
    """

    @classmethod
    def adopt(cls, optimizer: Any) -> Any:
        """`optimizer`, made a `FusedAdam` if it is a plain Keras Adam. The
        object stays the same (the caller's reference, its state): the class
        adds no state, only the update."""
        if type(optimizer) is TorchAdam:
            optimizer.__class__ = cls
        return optimizer

    def _parallel_update_step(self, grads, variables, learning_rate):
        values = [v.value for v in variables]
        if self.amsgrad or len({(x.device, x.dtype) for x in values}) > 1:
            return super()._parallel_update_step(grads, variables, learning_rate)
        step = int(self.iterations.value.item()) + 1
        # Keras adds epsilon to sqrt(v) before v's bias correction, torch
        # after it: epsilon / sqrt(1 - beta_2^t) makes torch's update Keras'.
        eps = self.epsilon / math.sqrt(1.0 - self.beta_2**step)
        index = self._get_variable_index
        torch._fused_adam_(
            values,
            list(grads),
            [self._momentums[index(v)].value for v in variables],
            [self._velocities[index(v)].value for v in variables],
            [],
            [torch.tensor(float(step), device=values[0].device)] * len(values),
            lr=float(learning_rate),
            beta1=float(self.beta_1),
            beta2=float(self.beta_2),
            weight_decay=0.0,
            eps=eps,
            amsgrad=False,
            maximize=False,
        )
