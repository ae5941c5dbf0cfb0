"""Shared fixtures: a tiny spec and model, and small shapes data made on the fly."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_infogan as ki

WORKER = os.path.join(os.path.dirname(__file__), "backend_worker.py")
BACKENDS = ("tensorflow", "jax", "torch")


@pytest.fixture
def spec():
    return ki.LatentSpec(noise_dim=4, categorical=[3], continuous=2)


@pytest.fixture
def model(spec):
    keras.utils.set_random_seed(0)
    return ki.InfoGAN.for_images((28, 28, 1), spec, seed=0)


@pytest.fixture(scope="session")
def shapes_images():
    images, _ = ki.data.load_arrays(ki.data.make_shapes(256, seed=0)[0])
    return images


def run_worker(backend: str, *args: str) -> None:
    """Runs tests/backend_worker.py under another Keras backend."""
    env = dict(os.environ, KERAS_BACKEND=backend)
    proc = subprocess.run([sys.executable, WORKER, *args], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{backend} worker failed:\n{proc.stderr[-3000:]}"


only_once = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="cross-backend test: it runs all three backends itself, once, in the tensorflow session",
)
