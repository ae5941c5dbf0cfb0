"""Training images/s on 1, 2, 4 and 8 devices (data-parallel), and what each
step has to send between devices against what it computes.

Each (backend, device count) runs in its own process, since the devices must
exist before the backend starts: the host's accelerators, or, where there
are fewer, virtual CPU devices (which share the same cores, so on a CPU the
figures only show that it runs, not a speed-up). The paper's MNIST networks
and spec, the default recipe, a fixed global batch split across the devices;
images/s are medians of timed epochs after a warm-up epoch.

The communication figure: a data-parallel step all-reduces every trainable
weight's gradient once (D's and G's update each all-reduce their own), which
a ring all-reduce does by sending 2 (N - 1) / N times the gradients' bytes
from each device.

Usage:
    python benchmarks/devices_speed.py --devices 1 2 4 8 --batch-size 128
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from keras_infogan.xla_devices import with_virtual_cpus


def measure(count: int, batch_size: int, steps: int, repeats: int) -> dict:
    """Runs in a child whose backend and devices are set."""
    import keras
    import numpy as np

    import keras_infogan as ki
    from keras_infogan import devices

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if len(tf.config.list_physical_devices("GPU")) < count:
            devices.virtual_cpus(count)
    names = devices.device_names(count)
    with devices.data_parallel(count):
        model = ki.InfoGAN.for_images((28, 28, 1), ki.LatentSpec(), seed=0)
        model.compile()
    images = np.random.default_rng(0).uniform(size=(batch_size * steps, 28, 28, 1)).astype("float32")
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(images, batch_size=batch_size, epochs=repeats + 1, verbose=0, callbacks=[Timer()])
    rates = [steps * batch_size / t for t in times[1:]]
    return {
        "backend": keras.backend.backend(),
        "devices": count,
        "names": names,
        "images_per_s": statistics.median(rates),
        "runs": rates,
        "trainable_weights": int(sum(np.prod(v.shape) for v in model.trainable_variables)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--backends", nargs="+", default=["jax", "tensorflow"])
    parser.add_argument("--batch-size", type=int, default=128, help="the global batch (a multiple of every device count)")
    parser.add_argument("--steps", type=int, default=10, help="steps per timed epoch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.batch_size, args.steps, args.repeats)))
        return
    results = []
    for backend in args.backends:
        for count in args.devices:
            env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
            env["XLA_FLAGS"] = with_virtual_cpus(env.get("XLA_FLAGS", ""), count)
            command = [sys.executable, __file__, "--child", str(count), "--batch-size", str(args.batch_size),
                       "--steps", str(args.steps), "--repeats", str(args.repeats)]  # fmt: skip
            proc = subprocess.run(command, env=env, capture_output=True, text=True)
            if proc.returncode:  # Reported as a row: the other counts still run.
                reason = next((line for line in proc.stderr.splitlines() if "timeout" in line.lower()), proc.stderr.strip().splitlines()[-1])
                results.append({"backend": backend, "devices": count, "failed": reason[:300]})
            else:
                results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)
    weights = next(r["trainable_weights"] for r in results if "failed" not in r)
    print(f"\ntrainable weights: {weights:,} ({4 * weights / 2**20:.1f} MiB of float32 gradients per step)")
    print("| backend | devices | per-device batch | images/s | runs | sent per device per step (ring all-reduce) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        sent = 2 * (r["devices"] - 1) / r["devices"] * 4 * weights / 2**20
        if "failed" in r:
            print(f"| {r['backend']} | {r['devices']} | {args.batch_size // r['devices']} | failed: {r['failed']} | | {sent:.1f} MiB |")
            continue
        runs = ", ".join(f"{x:.0f}" for x in r["runs"])
        kind = next((k for k in ("GPU", "TPU") if k in r["names"][0].upper()), "CPU")
        print(f"| {r['backend']} | {r['devices']} {kind} | {args.batch_size // r['devices']} | "
              f"{r['images_per_s']:.0f} | {runs} | {sent:.1f} MiB |")  # fmt: skip


if __name__ == "__main__":
    main()
