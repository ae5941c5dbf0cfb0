"""The PyTorch train step: eager autograd, one backward pass per update.

Each backward pass is restricted to the variables its optimizer updates
(`backward(inputs=...)`), so the G+Q pass computes no gradients for D's
weights, only the gradient through D to the fakes.
"""

import torch

__all__ = ["input_gradient", "train_step"]


def _apply(model, optimizer, loss, variables):
    model.zero_grad(set_to_none=True)
    loss.backward(inputs=[v.value for v in variables])
    with torch.no_grad():
        optimizer.apply([v.value.grad for v in variables], variables)


def _update_d(model, real, fake, latent, labels):
    d_loss, d_logs = model.discriminator_loss(real, fake.detach(), latent, labels)
    _apply(model, model.d_optimizer, d_loss, model.d_variables)
    return d_logs


def input_gradient(fn, x):
    """The gradient of the scalar `fn(x)` at `x`, as a graph that an update
    can differentiate through."""
    x = x.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(fn(x), x, create_graph=True)
    return gradient


def train_step(model, data):
    real, latent, labels = model.unpack_batch(data)
    for _ in range(model.recipe.n_critic - 1):
        extra = model.critic_latents(real)
        with torch.no_grad():  # D's update needs no graph of G.
            extra_fake = model.fake_images(extra)
        _update_d(model, real, extra_fake, extra, labels)
    fake = model.fake_images(latent)
    d_logs = _update_d(model, real, fake, latent, labels)
    g_loss, g_logs = model.generator_loss(fake, latent)
    _apply(model, model.g_optimizer, g_loss, model.g_variables)
    with torch.no_grad():
        model.optimizer.iterations.assign_add(1)
        return model.update_metrics({k: v.detach() for k, v in {**d_logs, **g_logs}.items()})
