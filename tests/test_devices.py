"""Data-parallel training on two virtual CPU devices: one step on two devices
is one step on one device with the same global batch, a short fit trains, and
the command line resumes a run on another number of devices (JAX from two to
one, TensorFlow from one to two)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_infogan import devices
from keras_infogan.xla_devices import with_virtual_cpus

from conftest import WORKER

DEVICES_WORKER = os.path.join(os.path.dirname(WORKER), "devices_worker.py")
ENGINES = ("jax", "tensorflow")
# Two devices sum the same per-example gradients in another order, and under
# TensorFlow synchronized batch norm computes its moments from sums: float32
# rounding (measured: 7e-9 under JAX, 1.5e-8 under TensorFlow), far under one
# Adam step (up to 1e-3).
PARITY_ATOL = 1e-6


def environment(backend: str) -> dict:
    xla_flags = with_virtual_cpus(os.environ.get("XLA_FLAGS", ""), 2)
    return dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", XLA_FLAGS=xla_flags)


def side_by_side(commands: dict[str, list[str]]) -> None:
    procs = {
        name: subprocess.Popen(command, env=environment(name), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, command in commands.items()
    }
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name} failed:\n{out[-2000:]}\n{err[-3000:]}"


def test_the_virtual_cpu_flags_join_the_users_and_keep_a_count_they_set():
    assert with_virtual_cpus("--xla_dump_to=/tmp/x", 2).split()[:2] == ["--xla_dump_to=/tmp/x", "--xla_force_host_platform_device_count=2"]
    assert with_virtual_cpus("--xla_force_host_platform_device_count=4", 2) == "--xla_force_host_platform_device_count=4"


def test_asking_for_more_devices_than_there_are_says_how_to_make_them():
    if keras.backend.backend() == "torch":
        with pytest.raises(ValueError, match="needs the jax or tensorflow backend"):
            devices.device_names(2)
        return
    with pytest.raises(ValueError, match=r"64 devices asked for, 1 found \(.*\).*virtual CPU devices"):
        devices.device_names(64)


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    root = tmp_path_factory.mktemp("devices")
    for engine in ENGINES:
        (root / engine).mkdir()
    side_by_side({engine: [sys.executable, DEVICES_WORKER, str(root / engine)] for engine in ENGINES})
    return root


@pytest.mark.once
@pytest.mark.parametrize("engine", ENGINES)
def test_one_step_on_two_devices_is_one_step_on_one(worked, engine):
    with np.load(worked / engine / "step_1.npz") as one, np.load(worked / engine / "step_2.npz") as two:
        assert one.files == two.files
        for key in one.files:
            np.testing.assert_allclose(two[key], one[key], atol=PARITY_ATOL, err_msg=key)
    # A step that moved nothing would match too: each network's update, against its own size.
    with np.load(worked / engine / "step_1_deltas.npz") as one, np.load(worked / engine / "step_2_deltas.npz") as two:
        for part in one.files:
            size = np.max(np.abs(one[part]))
            assert size > 1e-6 and np.max(np.abs(two[part] - one[part])) < 0.01 * size, part


@pytest.mark.once
@pytest.mark.parametrize("engine", ENGINES)
def test_a_short_fit_on_two_devices_trains_and_exports(worked, engine):
    info = np.load(worked / engine / "info_categorical.npy")
    assert info[-1] < 0.7 * info[0]
    if engine == "tensorflow":  # Mirrored variables export as plain ones.
        assert os.path.isfile(worked / engine / "export" / "1" / "saved_model.pb")
    loaded = keras.models.load_model(worked / engine / "model.keras")  # on this process's one device
    with np.load(worked / engine / "generated.npz") as saved:
        latent = {key: saved[key] for key in ("noise", "categorical", "continuous")}
        np.testing.assert_allclose(loaded.generate(**latent), saved["images"], atol=1e-5)


@pytest.mark.once
def test_tensorflow_replicas_draw_their_own_latents(worked):
    """A SeedGenerator's state is mirrored, so replicas would draw the same
    latents; each draws its own, and the states agree after the step."""
    with np.load(worked / "tensorflow" / "draws.npz") as f:
        noise, states = f["noise"], f["states"]
    assert noise.shape == (2, 4, 4) and not np.allclose(noise[0], noise[1])
    np.testing.assert_array_equal(states[0], states[1])


@pytest.mark.once
@pytest.mark.parametrize("engine", ENGINES)
def test_the_command_line_resumes_on_another_number_of_devices(worked, engine):
    run_dir = worked / engine / "run"
    with open(run_dir / "config.json") as f:
        config = json.load(f)
    assert config["run"]["devices"] == {"jax": 1, "tensorflow": 2}[engine] and config["run"]["epochs"] == 2
    with open(run_dir / "metrics.csv") as f:
        assert [line.split(",")[0] for line in f.read().splitlines()[1:]] == ["1", "2"]
    resumed = keras.models.load_model(run_dir / "model.keras")
    assert int(resumed.g_optimizer.iterations) == 4  # Two epochs of two steps: the first epoch's checkpoint, then one more.


def test_a_model_saved_with_synchronized_batch_norm_loads_as_built_here(model):
    """A TensorFlow run on several devices saves its batch norms synchronized;
    the model loads on one device, under any backend."""
    text = json.dumps(keras.saving.serialize_keras_object(model))
    assert '"synchronized": false' in text
    loaded = keras.saving.deserialize_keras_object(json.loads(text.replace('"synchronized": false', '"synchronized": true')))
    norms = [
        layer
        for network in (loaded.generator, loaded.discriminator_trunk)
        for layer in network.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert norms and not any(norm.synchronized for norm in norms)


def test_a_batch_that_does_not_split_evenly_is_refused():
    with pytest.raises(ValueError, match="A global batch of 33 does not split evenly across 2 devices; use a batch size that is a multiple of 2"):
        devices.check_batch(33, 2)
    assert devices.check_batch(64, 2) == 32


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="torch has no data-parallel engine in Keras")
def test_torch_says_it_has_no_data_parallel_engine():
    with pytest.raises(ValueError, match="needs the jax or tensorflow backend"):
        with devices.data_parallel(2):
            pass
