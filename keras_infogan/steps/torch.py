"""The PyTorch train step: eager autograd, one backward pass per update.

Each backward pass is restricted to the variables its optimizer updates
(`backward(inputs=...)`), so the G+Q pass computes no gradients for D's
weights, only the gradient through D to the fakes.

A plain Keras Adam is applied with torch's fused Adam kernel: one pass over
each weight and its two moments, where Keras' torch Adam takes ten, with five
temporaries (BENCHMARKS.md). It updates Keras' own moment variables, so
checkpoints, `.keras` files and the other backends see the same state.
"""

import math

import keras
import torch
from keras.src.backend.torch.optimizers.torch_adam import Adam as _KerasTorchAdam


def fused_adam_applies(optimizer) -> bool:
    """Whether `optimizer` is a Keras Adam with nothing on top of the update
    (no AMSGrad, weight decay, clipping, EMA, accumulation, loss scaling)."""
    return (
        type(optimizer) in (keras.optimizers.Adam, _KerasTorchAdam)
        and not optimizer.amsgrad
        and optimizer.weight_decay is None
        and optimizer.clipnorm is None
        and optimizer.clipvalue is None
        and optimizer.global_clipnorm is None
        and not optimizer.use_ema
        and not optimizer.gradient_accumulation_steps
        and optimizer.loss_scale_factor is None
    )


def _fusable_update(grads, variables) -> bool:
    """Whether every variable takes a plain gradient update the kernel can
    fuse: a gradient, no constraint, not overwritten by its gradient, one
    device and dtype for all."""
    values = [v.value for v in variables]
    return (
        all(g is not None for g in grads)
        and not any(v.constraint or getattr(v, "overwrite_with_gradient", False) for v in variables)
        and len({(x.device, x.dtype) for x in values}) == 1
    )


def fused_adam_apply(optimizer, grads, variables) -> None:
    """`optimizer.apply(grads, variables)` for a Keras Adam, by torch's fused kernel.

    Keras adds epsilon to sqrt(v) before the bias correction of v and torch
    after it; epsilon / sqrt(1 - beta_2^t) makes torch's update Keras' exactly.
    """
    step = int(optimizer.iterations.value.item()) + 1
    eps = optimizer.epsilon / math.sqrt(1.0 - optimizer.beta_2**step)
    index = optimizer._get_variable_index  # Keras' own slot lookup, as its torch Adam uses
    with torch.no_grad():
        torch._fused_adam_(
            [v.value for v in variables],
            list(grads),
            [optimizer._momentums[index(v)].value for v in variables],
            [optimizer._velocities[index(v)].value for v in variables],
            [],
            [torch.tensor(float(step), device=variables[0].value.device)] * len(variables),
            lr=float(optimizer.learning_rate),
            beta1=float(optimizer.beta_1),
            beta2=float(optimizer.beta_2),
            weight_decay=0.0,
            eps=eps,
            amsgrad=False,
            maximize=False,
        )
        optimizer.iterations.assign_add(1)


def _apply(model, optimizer, loss, variables):
    model.zero_grad(set_to_none=True)
    loss.backward(inputs=[v.value for v in variables])
    grads = [v.value.grad for v in variables]
    if fused_adam_applies(optimizer) and _fusable_update(grads, variables):
        fused_adam_apply(optimizer, grads, variables)
        return
    with torch.no_grad():
        optimizer.apply(grads, variables)


def train_step(model, data):
    real, latent = model.unpack_batch(data)
    fake = model.fake_images(latent)
    d_loss, d_logs = model.discriminator_loss(real, fake.detach(), latent)
    _apply(model, model.d_optimizer, d_loss, model.d_variables)
    g_loss, g_logs = model.generator_loss(fake, latent)
    _apply(model, model.g_optimizer, g_loss, model.g_variables)
    with torch.no_grad():
        model.optimizer.iterations.assign_add(1)
        return model.update_metrics({k: v.detach() for k, v in {**d_logs, **g_logs}.items()})
