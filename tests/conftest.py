"""Shared fixtures: tiny networks and data made on the fly, and the `once` and
`xla` markers.

Tests marked `once` check what does not depend on Keras' backend (numpy
metrics, data parsing, records, the serving server, the cross-backend
comparisons that start every backend themselves): `run_all_backends.sh` runs
them in the tensorflow session only.

Under tensorflow, the models a test builds in its own process compile their
steps without XLA: for these tiny networks XLA's compile is half the session's
time. The library's default (XLA) runs in the tests marked `xla` and in every
process a test starts (the command line, the cross-backend and device workers).
"""

import contextlib
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_infogan as ki
from keras_infogan import networks

WORKER = os.path.join(os.path.dirname(__file__), "backend_worker.py")
BACKENDS = ("tensorflow", "jax", "torch")
SIDE = 16  # Tiny DCGAN-style networks: 16x16 images, 8 filters.


def pytest_configure(config):
    config.addinivalue_line("markers", "once: does not depend on the Keras backend; run in one backend's session")
    config.addinivalue_line("markers", "xla: compiles with the library's default under tensorflow (XLA)")


_DEFAULT_COMPILE = ki.InfoGAN.compile


def _compile_without_xla(self, *args, **kwargs):
    kwargs.setdefault("jit_compile", False)
    return _DEFAULT_COMPILE(self, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _tensorflow_compiles_without_xla():
    with pytest.MonkeyPatch.context() as patch:
        if keras.backend.backend() == "tensorflow":
            patch.setattr(ki.InfoGAN, "compile", _compile_without_xla)
        yield


@contextlib.contextmanager
def library_compile():
    """The library's own compile (XLA under tensorflow), for a model that must
    match one trained in another process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ki.InfoGAN, "compile", _DEFAULT_COMPILE)
        yield


@pytest.fixture(autouse=True)
def _xla_where_marked(request):
    with library_compile() if request.node.get_closest_marker("xla") else contextlib.nullcontext():
        yield


def tiny_spec(**overrides) -> ki.LatentSpec:
    return ki.LatentSpec(**{"noise_dim": 4, "categorical": [3], "continuous": 2, **overrides})


def tiny_model(
    spec: ki.LatentSpec | None = None,
    seed: int = 0,
    weight_init: str = networks.WEIGHT_INIT,
    critic_normalization: str = networks.CRITIC_NORMALIZATION,
    **kwargs,
) -> ki.InfoGAN:
    """An InfoGAN on 16x16 images with 8-filter networks and a 16-wide Q."""
    spec = spec or tiny_spec()
    keras.utils.set_random_seed(seed)
    shape = (SIDE, SIDE, 1)
    return ki.InfoGAN(
        networks.dcgan_generator(spec.input_dim, shape, width=8, weight_init=weight_init),
        networks.dcgan_discriminator_trunk(shape, width=8, weight_init=weight_init, normalization=critic_normalization),
        spec,
        q_hidden=16,
        seed=seed,
        weight_init=weight_init,
        **kwargs,
    )


def shapes_images(n: int = 128) -> np.ndarray:
    """The shapes data drawn at 16x16, float32 in [0, 1]."""
    images, _ = ki.data.load_arrays(ki.data.make_shapes(n, size=SIDE, seed=0)[0])
    return images


@pytest.fixture
def spec():
    return tiny_spec()


@pytest.fixture
def model(spec):
    return tiny_model(spec)


@pytest.fixture(scope="session")
def images():
    return shapes_images()


def weight_gradients(fn, variables) -> tuple[float, list[np.ndarray]]:
    """The scalar `fn()` and its gradient in `variables`, by the backend's own autodiff."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = fn()
        grads = tape.gradient(value, [v.value for v in variables], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    elif backend == "jax":
        import jax

        def pure(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return fn()

        value, grads = jax.value_and_grad(pure)([v.value for v in variables])
    else:
        import torch

        value = fn()
        grads = torch.autograd.grad(value, [v.value for v in variables], allow_unused=True, materialize_grads=True)
    return float(keras.ops.convert_to_numpy(value)), [keras.ops.convert_to_numpy(g) for g in grads]


def run_workers(*args: str) -> None:
    """Runs tests/backend_worker.py under each backend, side by side."""
    procs = {
        backend: subprocess.Popen(
            [sys.executable, WORKER, *args],
            env=dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for backend in BACKENDS
    }
    errors = {backend: proc.communicate()[1] for backend, proc in procs.items()}
    for backend, proc in procs.items():
        assert proc.returncode == 0, f"{backend} worker failed:\n{errors[backend][-3000:]}"
