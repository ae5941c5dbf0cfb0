"""The same code gives the same numbers on tensorflow, jax and torch, and a
model saved under one backend generates and trains on under the others."""

import numpy as np
import pytest

from conftest import BACKENDS, run_workers

pytestmark = pytest.mark.once

# One Adam step moves weights by up to the learning rate (1e-3); float32
# kernels of different backends agree to about 1e-5 after it.
PARITY_ATOL = 1e-4


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("backends")
    for backend in BACKENDS:
        (root / backend).mkdir()
    run_workers(str(root))
    return root


def _same_across_backends(prepared, name, **tolerance):
    results = {}
    for backend in BACKENDS:
        with np.load(prepared / backend / name) as f:
            results[backend] = [f[k] for k in f.files]
    reference = results["tensorflow"]
    for backend in ("jax", "torch"):
        assert len(results[backend]) == len(reference)
        for i, (a, b) in enumerate(zip(reference, results[backend])):
            np.testing.assert_allclose(b, a, err_msg=f"{name}: {backend}, array {i}", **tolerance)


def test_one_train_step_with_a_gradient_penalty_matches_across_backends(prepared):
    _same_across_backends(prepared, "step.npz", atol=PARITY_ATOL)
    # G's first step is small (under PARITY_ATOL), so each network's update is
    # also compared with its own size: a step that moved nothing would fail.
    deltas = {backend: dict(np.load(prepared / backend / "step_deltas.npz")) for backend in BACKENDS}
    for part, reference in deltas["tensorflow"].items():
        size = np.max(np.abs(reference))
        assert size > 1e-6, part
        for backend in ("jax", "torch"):
            assert np.max(np.abs(deltas[backend][part] - reference)) < 0.01 * size, (part, backend)  # Measured: 2e-4.


def test_the_penalty_and_its_weight_gradient_match_across_backends(prepared):
    # Second-order gradients in float32: relative agreement to 1e-3 of the largest entry.
    _same_across_backends(prepared, "penalty.npz", rtol=1e-3, atol=1e-5)


def test_model_saved_under_one_backend_loads_and_trains_under_another(prepared):
    for source in BACKENDS:
        expected = np.load(prepared / source / "images.npy")
        for target in BACKENDS:
            if target != source:
                got = np.load(prepared / source / f"as_{target}.npy")
                np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=f"{source} -> {target}")
