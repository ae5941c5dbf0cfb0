"""Runs model actions under the backend in KERAS_BACKEND, for tests/test_cross_backend.py,
which starts one worker per backend side by side.

Usage: python backend_worker.py DIR   in DIR/<backend>/: one train step with R1 from fixed
                                      weights and latents (step.npz), WGAN-GP's penalty and
                                      its weight gradient (penalty.npz), a trained tiny model
                                      (model.keras) and its images (images.npy), then `ready`;
                                      once every other backend is ready, loads its model.keras,
                                      generates (DIR/<source>/as_<backend>.npy) and trains on
"""

import contextlib
import os
import sys
import time

import keras
import numpy as np

from conftest import BACKENDS, shapes_images, tiny_model, weight_gradients

BATCH = 8


def fixed_batch(spec) -> dict:
    rng = np.random.default_rng(123)
    return {
        "images": rng.uniform(0, 1, (BATCH, 16, 16, 1)).astype("float32"),
        "noise": rng.normal(size=(BATCH, spec.noise_dim)).astype("float32"),
        "categorical": rng.integers(0, 3, (BATCH, 1)).astype("int32"),
        "continuous": rng.uniform(-1, 1, (BATCH, spec.continuous)).astype("float32"),
    }


def set_fixed_weights(model) -> None:
    rng = np.random.default_rng(7)
    model.set_weights(
        [
            (rng.normal(size=w.shape) * 0.05).astype("float32") if "seed" not in v.path else w
            for v, w in zip(model.weights, model.get_weights())
        ]
    )
    # Keep batch-norm variances positive.
    for v in model.non_trainable_variables:
        if v.path.endswith("moving_variance"):
            v.assign(np.ones(v.shape, "float32"))


def step(out: str, scope=contextlib.nullcontext, **recipe) -> None:
    """One train step from fixed weights and latents, the model built and
    compiled inside `scope()` with the `recipe` options; saves the weights after it,
    and beside them (`*_deltas.npz`) each network's weight changes, flattened."""
    with scope():
        model = tiny_model()
        set_fixed_weights(model)
        # Adam's first step is lr * g / (|g| + epsilon): with the default epsilon
        # (1e-7) a near-zero gradient whose sign differs by float rounding between
        # backends moves its weight by a whole 2 * lr. A larger epsilon keeps the
        # step continuous in the gradients, so the comparison tests the math.
        # The IIC term augments with each backend's own random stream, so the
        # backends would read different images; the rest of the step is compared.
        model.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, epsilon=1e-3),
            g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, epsilon=1e-3),
            iic_weight=0.0,
            **recipe,
        )
    parts = {"generator": model.generator, "trunk": model.discriminator_trunk, "q_head": model.q_head}
    before = {name: [keras.ops.convert_to_numpy(v) for v in part.trainable_weights] for name, part in parts.items()}
    model.fit(fixed_batch(model.spec), batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    np.savez(out, *[keras.ops.convert_to_numpy(v) for v in model.weights if "seed" not in v.path])
    deltas = {
        name: np.concatenate([(keras.ops.convert_to_numpy(v) - b).ravel() for v, b in zip(part.trainable_weights, before[name])])
        for name, part in parts.items()
    }
    np.savez(out.replace(".npz", "_deltas.npz"), **deltas)


def generate_fixed(model) -> np.ndarray:
    batch = fixed_batch(model.spec)
    return model.generate(batch["noise"], batch["categorical"], batch["continuous"])


def penalty_gradients(out: str) -> None:
    """WGAN-GP's penalty at fixed points and its gradient in D's weights
    (its critic's layer norm included)."""
    model = tiny_model(critic_normalization="layer")
    set_fixed_weights(model)
    model.compile(adversarial_loss="wasserstein", gradient_penalty="wgan-gp")
    points = keras.ops.convert_to_tensor(fixed_batch(model.spec)["images"])
    value, grads = weight_gradients(lambda: model.gradient_penalty(points), model.d_variables)
    np.savez(out, np.float32(value), *grads)


def prepare(folder: str) -> None:
    # With R1, which looks at the real images only (no random draw, so the
    # backends can agree), the step holds every term of the default's D and G
    # updates and the penalty's second-order gradient.
    step(os.path.join(folder, "step.npz"), gradient_penalty="r1")
    penalty_gradients(os.path.join(folder, "penalty.npz"))
    model = tiny_model()
    model.compile()
    model.fit(shapes_images(64), batch_size=32, epochs=1, verbose=0)
    model.save(os.path.join(folder, "model.keras"))
    np.save(os.path.join(folder, "images.npy"), generate_fixed(model))
    open(os.path.join(folder, "ready"), "w").close()


def check(root: str, timeout: float = 600.0) -> None:
    here = keras.backend.backend()
    for source in BACKENDS:
        if source == here:
            continue
        deadline = time.monotonic() + timeout
        while not os.path.exists(os.path.join(root, source, "ready")):
            assert not os.path.exists(os.path.join(root, source, "failed")), f"the {source} worker failed"
            assert time.monotonic() < deadline, f"the {source} worker made no model.keras in {timeout:.0f} s"
            time.sleep(0.2)
        model = keras.models.load_model(os.path.join(root, source, "model.keras"))
        np.save(os.path.join(root, source, f"as_{here}.npy"), generate_fixed(model))
        before = int(model.g_optimizer.iterations)
        model.fit(shapes_images(64), batch_size=32, epochs=1, verbose=0)
        assert int(model.g_optimizer.iterations) == before + 2, f"{source} -> {here}: did not train on"


if __name__ == "__main__":
    folder = sys.argv[1]
    here = os.path.join(folder, keras.backend.backend())
    try:
        prepare(here)
    except BaseException:
        open(os.path.join(here, "failed"), "w").close()  # The other workers stop waiting.
        raise
    check(folder)
