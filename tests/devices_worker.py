"""Data-parallel checks on two virtual CPU devices, run by tests/test_devices.py
in a fresh process (the devices must exist before the backend starts).

Usage: python devices_worker.py DIR   writes DIR/step_1.npz and DIR/step_2.npz (one
                                      step from fixed weights and latents on 1 and 2
                                      devices), then fits on 2 devices and saves
                                      DIR/info_categorical.npy, DIR/model.keras (and under
                                      TensorFlow DIR/export/ and DIR/draws.npz: each replica's draws);
                                      then `keras-infogan train` on one device count, resumed
                                      on the other (DIR/run/)
"""

import os
import sys

import keras
import numpy as np

from backend_worker import step
from conftest import shapes_images, tiny_model
from keras_infogan import cli, data, devices, saved_model

if keras.backend.backend() == "tensorflow":
    devices.virtual_cpus(2)


def draws(model, folder: str) -> None:
    """TensorFlow: what each replica draws in a step, and the seed states after."""
    import tensorflow as tf

    from keras_infogan.backend.tensorflow import _own_draws

    strategy = model.distribute_strategy

    def per_replica():
        with _own_draws(model.seed_generator, strategy.num_replicas_in_sync):
            return model.spec.sample(4, seed=model.seed_generator)["noise"]

    noise = strategy.experimental_local_results(tf.function(lambda: strategy.run(per_replica))())
    states = [v.numpy() for v in strategy.experimental_local_results(model.seed_generator.state.value)]
    np.savez(os.path.join(folder, "draws.npz"), noise=np.stack([n.numpy() for n in noise]), states=np.stack(states))


def fit(folder: str) -> None:
    with devices.data_parallel(2):
        model = tiny_model()
        model.compile()
    if keras.backend.backend() == "tensorflow":
        draws(model, folder)
    history = model.fit(shapes_images(128), batch_size=32, epochs=6, verbose=0).history
    np.save(os.path.join(folder, "info_categorical.npy"), np.array(history["info_categorical"]))
    model.save(os.path.join(folder, "model.keras"))
    latent = model.latent_inputs(n=2, seed=0)  # Drawn by this backend: the test may run another.
    np.savez(os.path.join(folder, "generated.npz"), images=model.generate(**latent), **latent)
    if keras.backend.backend() == "tensorflow":  # Mirrored variables; a JAX model exports from its .keras file alone.
        saved_model.export(model, os.path.join(folder, "export"))


def command_line(folder: str) -> None:
    """`keras-infogan train` and `--resume` on another device count, in this
    process (its two devices exist already): JAX from 2 to 1, TensorFlow 1 to 2."""
    images, _ = data.make_shapes(128, size=16, seed=0)
    npz = os.path.join(folder, "shapes16.npz")
    np.savez(npz, x_train=images)
    flags = ["--dataset", npz, "--noise", "4", "--categorical", "3", "--continuous", "2", "--q-hidden", "16",
             "--batch-size", "32", "--steps-per-epoch", "2", "--grid-samples", "2", "--verbose", "0", "--no-tensorboard"]  # fmt: skip
    first, then = (2, 1) if keras.backend.backend() == "jax" else (1, 2)
    run_dir = os.path.join(folder, "run")
    assert cli.main(["train", *flags, "--devices", str(first), "--run-dir", run_dir]) == 0
    assert cli.main(["train", "--resume", run_dir, "--epochs", "2", "--devices", str(then)]) == 0


if __name__ == "__main__":
    folder = sys.argv[1]
    for count in (1, 2):
        step(os.path.join(folder, f"step_{count}.npz"), lambda: devices.data_parallel(count))
    fit(folder)
    command_line(folder)
