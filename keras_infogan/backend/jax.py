"""The JAX train step: a pure function of the state Keras threads through `fit`.

The model's variables are bound to the state's values with a
`keras.StatelessScope`, so the shared loss code runs unchanged. G runs once
under `jax.vjp`; its pullback takes the G+Q loss's gradient at the fakes back
to G's weights after the D update.
"""

import jax
import keras

__all__ = ["input_gradient", "train_step"]


def _positions(variables, subset):
    index = {id(v): i for i, v in enumerate(variables)}
    return [index[id(v)] for v in subset]


def _replace(values, positions, new):
    out = list(values)
    for i, v in zip(positions, new):
        out[i] = v
    return out


def _bound(model, fn, trainable, non_trainable):
    """Runs `fn()` with the model's variables bound to the given values.

    Returns what `fn` returns and the non-trainable values after it (batch
    norm statistics, the seed generator's state).
    """
    mapping = list(zip(model.trainable_variables, trainable))
    mapping += list(zip(model.non_trainable_variables, non_trainable))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        out = fn()
    return out, [scope.get_current_value(v) for v in model.non_trainable_variables]


def input_gradient(fn, x):
    """The gradient of the scalar `fn(x)` at `x`, traceable by an outer
    `jax.grad` (second order)."""
    return jax.grad(fn)(x)


def train_step(model, state, data):
    trainable, non_trainable, optimizer_values, metric_values = state
    d_pos = _positions(model.trainable_variables, model.d_variables)
    g_pos = _positions(model.trainable_variables, model.g_variables)
    opt_vars = model.optimizer.variables
    d_opt_pos = _positions(opt_vars, model.d_optimizer.variables)
    g_opt_pos = _positions(opt_vars, model.g_optimizer.variables)
    (it_pos,) = _positions(opt_vars, [model.optimizer.iterations])
    d_opt_values = [optimizer_values[i] for i in d_opt_pos]

    def update_d(fake, latent, trainable, non_trainable, d_opt_values):
        def d_loss(values, non_trainable):
            (loss, logs), nt = _bound(
                model,
                lambda: model.discriminator_loss(real, jax.lax.stop_gradient(fake), latent, labels),
                _replace(trainable, d_pos, values),
                non_trainable,
            )
            return loss, (logs, nt)

        d_values = [trainable[i] for i in d_pos]
        (_, (logs, non_trainable)), d_grads = jax.value_and_grad(d_loss, has_aux=True)(d_values, non_trainable)
        d_values, d_opt_values = model.d_optimizer.stateless_apply(d_opt_values, d_grads, d_values)
        return logs, _replace(trainable, d_pos, d_values), non_trainable, d_opt_values

    (real, latent, labels), non_trainable = _bound(
        model, lambda: model.unpack_batch(data), trainable, non_trainable
    )
    for _ in range(model.recipe.n_critic - 1):
        (extra, extra_fake), non_trainable = _bound(
            model, lambda: _latents_and_fakes(model, real), trainable, non_trainable
        )
        _, trainable, non_trainable, d_opt_values = update_d(extra_fake, extra, trainable, non_trainable, d_opt_values)
    g_values = [trainable[i] for i in g_pos]

    def forward_g(values):
        return _bound(
            model, lambda: model.fake_images(latent), _replace(trainable, g_pos, values), non_trainable
        )

    fake, pull_back_g, non_trainable = jax.vjp(forward_g, g_values, has_aux=True)
    d_logs, trainable, non_trainable, d_opt_values = update_d(fake, latent, trainable, non_trainable, d_opt_values)

    def g_loss(fake, values, non_trainable):
        (loss, logs), nt = _bound(
            model, lambda: model.generator_loss(fake, latent), _replace(trainable, g_pos, values), non_trainable
        )
        return loss, (logs, nt)

    (_, (g_logs, non_trainable)), (fake_grad, g_grads) = jax.value_and_grad(
        g_loss, argnums=(0, 1), has_aux=True
    )(fake, g_values, non_trainable)
    (through_fake,) = pull_back_g(fake_grad)
    g_grads = [a + b for a, b in zip(g_grads, through_fake)]
    g_values, g_opt_values = model.g_optimizer.stateless_apply(
        [optimizer_values[i] for i in g_opt_pos], g_grads, g_values
    )
    trainable = _replace(trainable, g_pos, g_values)

    optimizer_values = _replace(optimizer_values, d_opt_pos, d_opt_values)
    optimizer_values = _replace(optimizer_values, g_opt_pos, g_opt_values)
    optimizer_values[it_pos] = optimizer_values[it_pos] + 1

    mapping = list(zip(model.metrics_variables, metric_values))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = model.update_metrics({**d_logs, **g_logs})
    metric_values = [scope.get_current_value(v) for v in model.metrics_variables]
    return logs, (trainable, non_trainable, optimizer_values, metric_values)


def _latents_and_fakes(model, real):
    latent = model.critic_latents(real)
    return latent, model.fake_images(latent)
