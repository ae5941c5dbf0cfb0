"""What is backend-specific: torch's fused Adam, and saving optimizers so any backend loads them."""

import keras
import numpy as np
import pytest

from keras_infogan import backend

only_torch = pytest.mark.skipif(keras.backend.backend() != "torch", reason="torch's fused Adam")


@only_torch
@pytest.mark.parametrize(
    "options, scale",
    [({}, 1.0), ({"learning_rate": "schedule"}, 1.0), ({}, 1e-8), ({"clipnorm": 0.5, "weight_decay": 0.1}, 1.0)],
    ids=["plain", "schedule", "tiny-gradients", "clipped-decayed"],
)
def test_fused_adam_equals_keras_adam(options, scale):
    """Weights, moments and step counter match Keras' Adam after several
    steps; at scale 1e-8 epsilon dominates the update; clipping and weight
    decay stay Keras' around the fused update."""
    import torch

    from keras_infogan.backend.torch_adam import FusedAdam

    if options.get("learning_rate") == "schedule":
        options = {**options, "learning_rate": keras.optimizers.schedules.ExponentialDecay(1e-2, 2, 0.5)}
    rng = np.random.default_rng(0)
    shapes = [(7, 5), (5,), (3, 3, 2, 4)]
    init = [rng.normal(size=s).astype("float32") for s in shapes]
    ref_vars, ours_vars = [[keras.Variable(x) for x in init] for _ in range(2)]
    ref = keras.optimizers.Adam(beta_1=0.5, **options)
    given = keras.optimizers.Adam(beta_1=0.5, **options)
    ours = backend.prepare_optimizer(given)
    assert type(ours) is FusedAdam and ours is given  # The caller's object, fused.
    fused_calls = []
    kernel = torch._fused_adam_

    def counted(*args, **kwargs):
        fused_calls.append(1)
        return kernel(*args, **kwargs)

    torch._fused_adam_ = counted
    try:
        for i in range(6):
            grads = [torch.tensor(rng.normal(size=s).astype("float32") * scale * 10.0**-i) for s in shapes]
            with torch.no_grad():
                ref.apply(grads, ref_vars)
                ours.apply(grads, ours_vars)
    finally:
        torch._fused_adam_ = kernel
    assert len(fused_calls) == 6
    for a, b in zip(ref_vars + ref.variables, ours_vars + ours.variables, strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(b), keras.ops.convert_to_numpy(a), rtol=1e-5, atol=1e-6)
    assert np.abs(keras.ops.convert_to_numpy(ours_vars[0]) - init[0]).max() > 1e-6


@only_torch
def test_only_a_plain_adam_is_fused():
    from keras_infogan.backend.torch_adam import FusedAdam

    for other in (keras.optimizers.AdamW(), keras.optimizers.SGD()):
        assert backend.prepare_optimizer(other) is other
    built = keras.optimizers.Adam()
    built.build([keras.Variable(np.ones(2, "float32"))])
    assert backend.prepare_optimizer(built) is built and type(built) is FusedAdam  # its state kept
    assert type(backend.prepare_optimizer(keras.optimizers.Adam(amsgrad=True))) is FusedAdam  # Keras' update inside


def test_optimizers_are_saved_under_their_public_class():
    """A torch Adam, fused or not, saves as keras.optimizers.Adam, and
    loads as the running backend's Adam with the same settings."""
    adam = backend.prepare_optimizer(keras.optimizers.Adam(3e-4, beta_1=0.5, name="d_adam"))
    config = backend.serialize_optimizer(adam)
    assert (config["module"], config["class_name"]) == ("keras.optimizers", "Adam")
    again = keras.saving.deserialize_keras_object(config)
    assert isinstance(again, keras.optimizers.Adam)
    assert (float(again.learning_rate), again.beta_1, again.name) == (pytest.approx(3e-4), 0.5, "d_adam")


@keras.saving.register_keras_serializable(package="test_backend")
class _MyAdam(keras.optimizers.Adam):
    pass


def test_a_users_own_optimizer_class_is_saved_as_it_is():
    config = backend.serialize_optimizer(_MyAdam())
    assert config["registered_name"] == "test_backend>_MyAdam"
    assert type(keras.saving.deserialize_keras_object(config)) is _MyAdam
