"""The TensorFlow train step: two gradient tapes inside Keras' tf.function.

Under a `tf.distribute` strategy the step runs on each replica: each replica's
losses are divided by the number of replicas before their gradients, which
the strategy sums (so the update is the global batch's), and each replica
draws its own latents and augmentations (`_own_draws`).
"""

import contextlib

import tensorflow as tf
from keras.src.backend.tensorflow import nn as keras_tf_nn

__all__ = ["input_gradient", "train_step"]

_STREAM_GAP = 1_000_003  # Between replicas' seeds, so that runs of nearby seeds share no stream.


def train_step(model, data):
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    with _own_draws(model.seed_generator, replicas):
        real, latent, labels = model.unpack_batch(data)
        for _ in range(model.recipe.n_critic - 1):
            extra = model.critic_latents(real)
            _update_d(model, real, model.fake_images(extra), extra, labels, replicas)
        with tf.GradientTape() as g_tape:
            fake = model.fake_images(latent)
            with g_tape.stop_recording():
                d_logs = _update_d(model, real, fake, latent, labels, replicas)
            g_loss, g_logs = model.generator_loss(fake, latent)
            g_loss = g_loss / replicas
    g_vars = model.g_variables
    model.g_optimizer.apply(g_tape.gradient(g_loss, g_vars), g_vars)
    model.optimizer.iterations.assign_add(1)
    return model.update_metrics({**d_logs, **g_logs})


def _update_d(model, real, fake, latent, labels, replicas):
    with tf.GradientTape() as d_tape:
        d_loss, d_logs = model.discriminator_loss(real, tf.stop_gradient(fake), latent, labels)
        d_loss = d_loss / replicas
    d_vars = model.d_variables
    model.d_optimizer.apply(d_tape.gradient(d_loss, d_vars), d_vars)
    return d_logs


def input_gradient(fn, x):
    """The gradient of the scalar `fn(x)` at `x`, recorded by any tape around
    this call, so that an update can differentiate through it."""
    with tf.GradientTape() as tape, _exact_moments():
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


@contextlib.contextmanager
def _exact_moments():
    """Batch norm's moments with every path of the gradient kept.

    `tf.nn.moments`, which Keras' batch norm calls, stops the gradient of the
    mean inside the variance: exact for one derivative, not for the second
    that a gradient penalty takes (JAX and torch keep it).
    """
    original = keras_tf_nn._compute_moments

    def moments(x, axes, keepdims):
        mean = tf.reduce_mean(x, axes, keepdims=True)
        variance = tf.reduce_mean(tf.square(x - mean), axes, keepdims=True)
        if not keepdims:
            mean, variance = tf.squeeze(mean, axes), tf.squeeze(variance, axes)
        return mean, variance

    keras_tf_nn._compute_moments = moments
    try:
        yield
    finally:
        keras_tf_nn._compute_moments = original


@contextlib.contextmanager
def _own_draws(seed_generator, replicas):
    """Gives each replica its own random stream for one step.

    A `SeedGenerator`'s state is mirrored, so every replica would draw the
    same latents and augmentations; for the step each replica's seed is
    offset by its replica id, and the offset is taken off again after, so the
    mirrored states stay equal.
    """
    if replicas == 1:
        yield
        return
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    offset = tf.stack([tf.cast(replica, seed_generator.state.dtype) * _STREAM_GAP, tf.zeros((), seed_generator.state.dtype)])
    seed_generator.state.assign(seed_generator.state.value + offset)
    yield
    seed_generator.state.assign(seed_generator.state.value - offset)
