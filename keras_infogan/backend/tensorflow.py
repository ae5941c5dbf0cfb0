"""The TensorFlow train step: two gradient tapes inside Keras' tf.function."""

import tensorflow as tf

__all__ = ["train_step"]


def train_step(model, data):
    real, latent = model.unpack_batch(data)
    with tf.GradientTape() as g_tape:
        fake = model.fake_images(latent)
        with g_tape.stop_recording():
            with tf.GradientTape() as d_tape:
                d_loss, d_logs = model.discriminator_loss(real, tf.stop_gradient(fake), latent)
            d_vars = model.d_variables
            model.d_optimizer.apply(d_tape.gradient(d_loss, d_vars), d_vars)
        g_loss, g_logs = model.generator_loss(fake, latent)
    g_vars = model.g_variables
    model.g_optimizer.apply(g_tape.gradient(g_loss, g_vars), g_vars)
    model.optimizer.iterations.assign_add(1)
    return model.update_metrics({**d_logs, **g_logs})
