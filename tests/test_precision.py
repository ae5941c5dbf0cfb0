"""bfloat16 mixed precision on the running backend: G and D's trunk compute
in bfloat16, the weights, optimizer state, heads, losses and images stay
float32, and saving keeps the precision."""

import os

import keras
import numpy as np
import pytest

import keras_infogan as ki
from keras_infogan import cli, precision, run

from conftest import tiny_model


@pytest.fixture(scope="module")
def bf16(images):
    with precision.policy("bf16"):
        model = tiny_model()
    model.compile()
    history = model.fit(images[:64], batch_size=32, epochs=2, verbose=0).history
    return model, history


def test_bf16_computes_in_bfloat16_and_keeps_float32_where_it_matters(bf16):
    model, history = bf16
    assert keras.config.dtype_policy().name == "float32"  # the scope restored the global policy
    assert {layer.compute_dtype for layer in model.generator.layers[1:]} == {"bfloat16"}
    assert {layer.compute_dtype for layer in model.discriminator_trunk.layers[1:]} == {"bfloat16"}
    assert {layer.compute_dtype for layer in model.q_head.layers[1:] + model.d_head.layers[1:]} == {"float32"}
    assert {v.dtype for v in model.weights} == {"float32"}
    assert {v.dtype for v in model.optimizer.variables if "iteration" not in v.path} == {"float32"}
    assert all(np.isfinite(values).all() for values in history.values())
    images = model.generate(n=4, seed=1)
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
    codes = model.encode(images)
    assert codes["categorical_probs"].dtype == np.float32
    np.testing.assert_allclose(codes["categorical_probs"].sum(axis=1), 1.0, rtol=1e-5)


def test_a_saved_bf16_model_loads_in_bf16(bf16, tmp_path):
    model, _ = bf16
    path = str(tmp_path / "bf16.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert {layer.dtype_policy.name for layer in loaded.generator.layers[1:]} == {"mixed_bfloat16"}
    np.testing.assert_array_equal(loaded.generate(n=4, seed=1), model.generate(n=4, seed=1))


@pytest.mark.once
def test_the_command_line_trains_in_bf16_and_the_export_serves_float32(bf16, tmp_path):
    import tensorflow as tf

    model, _ = bf16
    loaded = tf.saved_model.load(ki.export(model, str(tmp_path / "export")))
    latent = model.latent_inputs(n=3, seed=2)
    served = loaded.signatures["serving_default"](**{k: tf.constant(v) for k, v in latent.items()})["images"]
    assert served.dtype == tf.float32
    np.testing.assert_allclose(served.numpy(), model.generate(**latent), atol=1e-2)  # bfloat16 kernels may differ

    images, _ = ki.data.make_shapes(64, size=16, seed=0)
    npz = str(tmp_path / "shapes16.npz")
    np.savez(npz, x_train=images)
    flags = ["--dataset", npz, "--noise", "4", "--categorical", "3", "--continuous", "2", "--q-hidden", "16",
             "--batch-size", "32", "--steps-per-epoch", "1", "--grid-samples", "2", "--verbose", "0", "--no-tensorboard"]  # fmt: skip
    run_dir = str(tmp_path / "run")
    assert cli.main(["train", *flags, "--precision", "bf16", "--run-dir", run_dir]) == 0
    assert run.read_config(run_dir)["run"]["precision"] == "bf16"
    trained = keras.models.load_model(os.path.join(run_dir, "model.keras"))
    assert trained.generator.layers[1].dtype_policy.name == "mixed_bfloat16"


@pytest.mark.once
def test_an_unknown_precision_is_one_line():
    with pytest.raises(ValueError, match=r"^Unknown precision 'fp8'; choose one of \['float32', 'bf16'\]\.$"):
        with precision.policy("fp8"):
            pass
