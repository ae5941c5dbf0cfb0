import keras
import numpy as np
import pytest

import keras_infogan as ki
from keras_infogan import networks
from keras_infogan.layers import FastConv2DTranspose


@pytest.mark.once
def test_paper_mnist_networks(spec):
    g = networks.mnist_generator(spec.input_dim)
    trunk = networks.mnist_discriminator_trunk()
    assert g.output.shape[1:] == (28, 28, 1) and trunk.output.shape[1:] == (1024,)
    dense = [l.units for l in g.layers if isinstance(l, keras.layers.Dense)]
    assert dense == [1024, 7 * 7 * 128]
    convs = [(l.filters, l.kernel_size, l.strides) for l in trunk.layers if isinstance(l, keras.layers.Conv2D)]
    assert convs == [(64, (4, 4), (2, 2)), (128, (4, 4), (2, 2))]


@pytest.mark.once
def test_q_is_almost_free():
    """The paper: Q adds a small head to D; here under 5% of D's parameters."""
    spec = ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2)
    model = ki.InfoGAN.for_images((28, 28, 1), spec)
    d = model.discriminator_trunk.count_params() + model.d_head.count_params()
    assert model.q_head.count_params() / d < 0.05
    assert model.q_head.output.shape[-1] == 10 + 2 * 2


@pytest.mark.parametrize("size, channels", [(32, 3), (64, 3)])
def test_dcgan_networks(size, channels):
    spec = ki.LatentSpec(noise_dim=8, categorical=[10], continuous=4)
    model = ki.InfoGAN.for_images((size, size, channels), spec)
    images = model.generate(n=2, seed=0)
    assert images.shape == (2, size, size, channels)
    assert 0.0 <= images.min() and images.max() <= 1.0


@pytest.mark.once
def test_bad_network_shapes(spec):
    with pytest.raises(ValueError, match="power of two"):
        ki.InfoGAN.for_images((48, 40, 3), spec)
    g = networks.mnist_generator(spec.input_dim + 1)
    with pytest.raises(ValueError, match="input_dim"):
        ki.InfoGAN(g, networks.mnist_discriminator_trunk(), spec)


def test_user_networks(spec):
    g = keras.Sequential([keras.Input((spec.input_dim,)), keras.layers.Dense(16 * 16, activation="sigmoid"), keras.layers.Reshape((16, 16, 1))])
    trunk = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(8, 3, strides=2), keras.layers.Flatten()])
    model = ki.InfoGAN(g, trunk, spec)
    model.compile()
    before = [np.array(v) for v in (*g.weights, *trunk.weights)]
    history = model.fit(np.random.default_rng(0).uniform(size=(64, 16, 16, 1)).astype("float32"), batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][-1])
    assert model.generator is g and model.discriminator_trunk is trunk
    assert all(not np.allclose(b, np.array(v)) for b, v in zip(before, (*g.weights, *trunk.weights)))  # Both trained.
    assert model.generate(n=2, seed=0).shape == (2, 16, 16, 1)


def _slopes(layers) -> set:
    return {round(float(l.negative_slope), 6) for l in layers if isinstance(l, keras.layers.LeakyReLU)}


def test_openai_weight_init(spec):
    """openai/InfoGAN's N(0, 0.02) weights (truncated at 2 std in convs), batch
    norm with gamma ~ N(1, 0.02) and epsilon 1e-5, leaky slope 0.01; it survives
    a config round trip, and layers of one shape draw different weights."""
    model = ki.InfoGAN.for_images((28, 28, 1), spec, weight_init="openai")
    nets = (model.generator, model.discriminator_trunk, model.d_head, model.q_head)
    all_layers = [layer for net in nets for layer in net.layers]
    dense = [np.asarray(l.kernel) for l in all_layers if isinstance(l, keras.layers.Dense)]
    assert len(dense) == 6 and all(abs(k.std() - 0.02) < 0.004 for k in dense)
    convs = [np.asarray(l.kernel) for l in all_layers if type(l) is keras.layers.Conv2D]
    # Untruncated, 4.6% would lie beyond 2 std; Keras' torch backend keeps one of
    # four draws, so about 4e-6 of its values stay outside.
    assert len(convs) == 2 and all(np.mean(np.abs(k) > 0.04 + 1e-6) < 1e-4 for k in convs)
    norms = [l for l in all_layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(norms) == 6 and {l.epsilon for l in norms} == {1e-5}
    assert all(0 < np.asarray(l.gamma).std() < 0.05 and abs(np.asarray(l.gamma).mean() - 1) < 0.02 for l in norms)
    assert _slopes(all_layers) == {0.01}
    assert _slopes(ki.InfoGAN.for_images((28, 28, 1), spec).q_head.layers) == {0.1}
    restored = ki.InfoGAN.from_config(model.get_config())
    assert restored.weight_init == "openai" and _slopes(restored.q_head.layers) == {0.01}
    g = networks.dcgan_generator(8, (32, 32, 3), weight_init="openai")
    ups = [np.asarray(l.kernel) for l in g.layers if isinstance(l, FastConv2DTranspose)]
    assert len(ups) == 3 and all(abs(k.std() - 0.02) < 0.004 for k in ups)
    assert not np.allclose(ups[-1], networks.dcgan_generator(8, (32, 32, 3), weight_init="openai").layers[-1].kernel)


@pytest.mark.once
def test_unknown_weight_init(spec):
    with pytest.raises(ValueError, match=r"Unknown weight_init 'dcgan'; choose one of \['glorot', 'openai'\]"):
        ki.InfoGAN.for_images((28, 28, 1), spec, weight_init="dcgan")


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_a_layer_norm_critic_normalises_each_image_over_all_its_features(spec, shape):
    """critic_normalization="layer" (WGAN-GP's) swaps every batch norm of the
    trunk, and only the trunk's, for layer norm over each image's features;
    the model saves and loads with it."""
    model = ki.InfoGAN.for_images(shape, spec, critic_normalization="layer")
    trunk = model.discriminator_trunk.layers
    norms = [l for l in trunk if isinstance(l, keras.layers.LayerNormalization)]
    assert norms and not any(isinstance(l, keras.layers.BatchNormalization) for l in trunk)
    assert all(list(l.axis) == list(range(1, len(l.input.shape))) for l in norms)
    batch = ki.InfoGAN.for_images(shape, spec)
    assert len(norms) == sum(isinstance(l, keras.layers.BatchNormalization) for l in batch.discriminator_trunk.layers)
    assert any(isinstance(l, keras.layers.BatchNormalization) for l in model.generator.layers + model.q_head.layers)
    restored = ki.InfoGAN.from_config(model.get_config())
    assert [type(l) for l in restored.discriminator_trunk.layers] == [type(l) for l in trunk]


@pytest.mark.once
def test_unknown_critic_normalization(spec):
    with pytest.raises(ValueError, match=r"Unknown critic normalization 'group'; choose one of \['batch', 'layer'\]"):
        ki.InfoGAN.for_images((28, 28, 1), spec, critic_normalization="group")
