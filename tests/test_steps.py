"""Backend-specific parts of the train steps."""

import keras
import numpy as np
import pytest

only_torch = pytest.mark.skipif(keras.backend.backend() != "torch", reason="torch's fused Adam")


def _fused_adam():
    from keras_infogan.steps import torch as torch_steps

    return torch_steps


@only_torch
@pytest.mark.parametrize("learning_rate, scale", [(1e-3, 1.0), ("schedule", 1.0), (1e-3, 1e-8)])
def test_fused_adam_equals_keras_adam(learning_rate, scale):
    """Weights, moments and step counter match Keras' Adam after several
    steps; at scale 1e-8 the gradients are so small that epsilon dominates."""
    import torch

    steps = _fused_adam()
    if learning_rate == "schedule":
        learning_rate = keras.optimizers.schedules.ExponentialDecay(1e-2, 2, 0.5)
    rng = np.random.default_rng(0)
    shapes = [(7, 5), (5,), (3, 3, 2, 4)]
    init = [rng.normal(size=s).astype("float32") for s in shapes]
    ref_vars, ours_vars = [[keras.Variable(x) for x in init] for _ in range(2)]
    ref, ours = [keras.optimizers.Adam(learning_rate, beta_1=0.5) for _ in range(2)]
    ref.build(ref_vars), ours.build(ours_vars)
    assert steps.fused_adam_applies(ours)
    for i in range(6):
        grads = [torch.tensor(rng.normal(size=s).astype("float32") * scale * 10.0**-i) for s in shapes]
        ref.apply(grads, ref_vars)
        steps.fused_adam_apply(ours, grads, ours_vars)
    for a, b in zip(ref_vars + ref.variables, ours_vars + ours.variables):
        a, b = keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert np.abs(keras.ops.convert_to_numpy(ours_vars[0]) - init[0]).max() > 1e-6


@only_torch
@pytest.mark.parametrize(
    "optimizer",
    [
        keras.optimizers.Adam(amsgrad=True),
        keras.optimizers.Adam(clipnorm=1.0),
        keras.optimizers.Adam(use_ema=True),
        keras.optimizers.AdamW(),
        keras.optimizers.SGD(),
    ],
    ids=["amsgrad", "clipnorm", "ema", "adamw", "sgd"],
)
def test_other_optimizers_keep_keras_apply(optimizer):
    assert not _fused_adam().fused_adam_applies(optimizer)


@only_torch
def test_fused_update_only_where_every_variable_takes_a_plain_gradient():
    import torch

    steps = _fused_adam()
    plain = [keras.Variable(np.ones((2, 2), "float32")) for _ in range(2)]
    grads = [torch.ones(2, 2), torch.ones(2, 2)]
    assert steps._fusable_update(grads, plain)
    assert not steps._fusable_update([grads[0], None], plain)
    constrained = keras.Variable(np.ones((2, 2), "float32"))
    constrained.constraint = keras.constraints.NonNeg()
    assert not steps._fusable_update(grads, [plain[0], constrained])
