"""`FastConv2DTranspose`: Keras' up-convolution on every backend, with JAX's own gradients."""

import keras
import numpy as np
import pytest

from keras_infogan.layers import FastConv2DTranspose

CONV_TRANSPOSE_CASES = [
    (4, 2, 7, "same", 1),
    (4, 1, 5, "same", 1),
    (3, 2, 6, "same", 1),
    (5, 3, 4, "same", 1),
    (3, (2, 1), 4, "same", 1),
    (4, 2, 5, "valid", 1),
    pytest.param(
        3, 1, 5, "same", 2,
        marks=pytest.mark.skipif(
            keras.backend.backend() == "tensorflow",
            reason="TensorFlow's CPU kernels take no dilated transposed convolution",
        ),
    ),
]


def _conv_transpose_pair(kernel, strides, size, padding, dilation):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, size, size + 1, 5)).astype("float32")
    options = dict(strides=strides, padding=padding, dilation_rate=dilation)
    ours = FastConv2DTranspose(4, kernel, **options)
    ref = keras.layers.Conv2DTranspose(4, kernel, **options)
    ours.build(x.shape), ref.build(x.shape)
    weights = [rng.normal(size=w.shape).astype("float32") for w in ref.get_weights()]
    ours.set_weights(weights), ref.set_weights(weights)
    return x, ours, ref


@pytest.mark.parametrize("kernel, strides, size, padding, dilation", CONV_TRANSPOSE_CASES)
def test_fast_conv_transpose_equals_conv_transpose(kernel, strides, size, padding, dilation):
    """Same weights and config, same outputs as Keras' own layer."""
    x, ours, ref = _conv_transpose_pair(kernel, strides, size, padding, dilation)
    expected = keras.ops.convert_to_numpy(ref(x))
    got = keras.ops.convert_to_numpy(ours(x))
    assert got.shape == expected.shape == tuple(ours.compute_output_shape(x.shape))
    np.testing.assert_allclose(got, expected, atol=1e-4 * np.abs(expected).max())
    restored = FastConv2DTranspose.from_config(ours.get_config())
    assert restored.get_config() == ours.get_config()


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="the custom gradient is JAX's")
@pytest.mark.parametrize("kernel, strides, size, padding, dilation", CONV_TRANSPOSE_CASES)
def test_fast_conv_transpose_gradients_equal_jax_autodiff(kernel, strides, size, padding, dilation):
    """The custom VJP gives JAX's own gradients for the input, kernel and bias."""
    import jax

    x, ours, ref = _conv_transpose_pair(kernel, strides, size, padding, dilation)
    r = np.random.default_rng(1).normal(size=ref.compute_output_shape(x.shape)).astype("float32")

    def grads(layer):
        def loss(x, weights):
            out, _ = layer.stateless_call(weights, [], x)
            return jax.numpy.vdot(out, r)

        weights = [v.value for v in layer.trainable_variables]
        return jax.grad(loss, argnums=(0, 1))(x, weights)

    (dx, (dw, db)), (ex, (ew, eb)) = grads(ours), grads(ref)
    for got, expected in ((dx, ex), (dw, ew), (db, eb)):
        np.testing.assert_allclose(got, expected, atol=1e-4 * np.abs(expected).max())
    assert np.abs(ew).max() > 0


def test_fast_conv_transpose_takes_unknown_sizes():
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, FastConv2DTranspose(2, 4, strides=2, padding="same")(inputs))
    x = np.random.default_rng(1).normal(size=(2, 5, 6, 3)).astype("float32")
    assert keras.ops.convert_to_numpy(model(x)).shape == (2, 10, 12, 2)
