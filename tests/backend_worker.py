"""Runs one model action under the backend in KERAS_BACKEND, for cross-backend tests.

Usage: python backend_worker.py step OUT.npz      one train step from fixed weights and latents
       python backend_worker.py save DIR          save a trained tiny model and its images
       python backend_worker.py generate DIR OUT  load DIR/model.keras and generate the same images
"""

import sys

import keras
import numpy as np

import keras_infogan as ki

BATCH = 8


def tiny_model() -> ki.InfoGAN:
    spec = ki.LatentSpec(noise_dim=4, categorical=[3], continuous=2)
    return ki.InfoGAN.for_images((28, 28, 1), spec, seed=0)


def fixed_batch(spec: ki.LatentSpec) -> dict:
    rng = np.random.default_rng(123)
    return {
        "images": rng.uniform(0, 1, (BATCH, 28, 28, 1)).astype("float32"),
        "noise": rng.normal(size=(BATCH, spec.noise_dim)).astype("float32"),
        "categorical": rng.integers(0, 3, (BATCH, 1)).astype("int32"),
        "continuous": rng.uniform(-1, 1, (BATCH, spec.continuous)).astype("float32"),
    }


def set_fixed_weights(model: ki.InfoGAN) -> None:
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


def step(out: str) -> None:
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
    )
    model.fit(fixed_batch(model.spec), batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    np.savez(out, *[w for v, w in zip(model.weights, model.get_weights()) if "seed" not in v.path])


def save(folder: str) -> None:
    model = tiny_model()
    model.compile()
    images, _ = ki.data.load_arrays(ki.data.make_shapes(64, seed=0)[0])
    model.fit(images, batch_size=32, epochs=1, verbose=0)
    model.save(f"{folder}/model.keras")
    np.save(f"{folder}/images.npy", generate_fixed(model))


def generate_fixed(model: ki.InfoGAN) -> np.ndarray:
    batch = fixed_batch(model.spec)
    return model.generate(batch["noise"], batch["categorical"], batch["continuous"])


if __name__ == "__main__":
    action, *args = sys.argv[1:]
    if action == "step":
        step(args[0])
    elif action == "save":
        save(args[0])
    elif action == "generate":
        model = keras.models.load_model(f"{args[0]}/model.keras")
        np.save(args[1], generate_fixed(model))
