"""The same code gives the same numbers on tensorflow, jax and torch."""

import numpy as np

from conftest import BACKENDS, only_once, run_worker

# One Adam step moves weights by up to the learning rate (1e-3); float32
# kernels of different backends agree to about 1e-5 after it.
PARITY_ATOL = 1e-4


@only_once
def test_one_train_step_matches_across_backends(tmp_path):
    results = {}
    for backend in BACKENDS:
        run_worker(backend, "step", str(tmp_path / f"{backend}.npz"))
        with np.load(tmp_path / f"{backend}.npz") as f:
            results[backend] = [f[k] for k in f.files]
    reference = results["tensorflow"]
    for backend in ("jax", "torch"):
        assert len(results[backend]) == len(reference)
        for i, (a, b) in enumerate(zip(reference, results[backend])):
            np.testing.assert_allclose(b, a, atol=PARITY_ATOL, err_msg=f"{backend}, weight {i}")


@only_once
def test_model_saved_under_one_backend_loads_under_another(tmp_path):
    for source in BACKENDS:
        folder = tmp_path / source
        folder.mkdir()
        run_worker(source, "save", str(folder))
        expected = np.load(folder / "images.npy")
        for target in BACKENDS:
            if target != source:
                out = str(folder / f"{target}.npy")
                run_worker(target, "generate", str(folder), out)
                np.testing.assert_allclose(np.load(out), expected, atol=1e-5, err_msg=f"{source} -> {target}")
