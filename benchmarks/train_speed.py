"""Training throughput of keras-infogan per backend against a hand-written PyTorch loop.

Each backend runs in its own process (Keras picks its backend at import),
once per precision (float32, bf16) and IIC weight (0: the paper's
objective, which the yardstick computes; 1: the default recipe's term, a
second pass through D's trunk). Each times `fit` epochs of a fixed number
of steps on the paper's MNIST networks and spec, after one warm-up epoch
(compilation), and reports the median images/s and the peak resident
memory. `--losses` times the adversarial losses of the loss table instead of
the default's alone (an iteration is one G update: WGAN-GP's holds five D
updates). The yardstick, benchmarks/torch_baseline.py, runs in the same
invocation, in float32 and with bfloat16 autocast. The header names the CPU
and its bfloat16 instructions.

Usage:
    python benchmarks/train_speed.py --data ../shared/data/mnist.npz --batch-sizes 64 128
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The loss table's objectives, as recipe options (the command-line flags of BENCHMARKS.md).
LOSSES = {
    "nonsaturating": {},
    "lsgan": {"adversarial_loss": "lsgan"},
    "hinge": {"adversarial_loss": "hinge"},
    "wgan-gp": {
        "adversarial_loss": "wasserstein",
        "gradient_penalty": "wgan-gp",
        "n_critic": 5,
        "d_learning_rate": 1e-4,
        "g_learning_rate": 1e-4,
        "beta_1": 0.0,
        "beta_2": 0.9,
    },
    "dragan": {"gradient_penalty": "dragan"},
    "r1": {"gradient_penalty": "r1"},
}


def cpu() -> str:
    """The CPU's model name and the bfloat16 instructions it has (Linux)."""
    model, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    bf16 = sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile", "avx_ne_convert"})
    return f"{model}; {os.cpu_count()} cores; bfloat16 instructions: {', '.join(bf16) or 'none'}"


def measure_backend(
    data: str, batch_size: int, steps: int, repeats: int, jit: str, iic_weight: float, precision: str, loss: str
) -> dict:
    """Runs in a child process whose KERAS_BACKEND is already set."""
    import keras
    import numpy as np

    import keras_infogan as ki

    images, _ = ki.data.load_arrays(data)
    spec = ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2)
    norm = ki.penalties.critic_normalization(LOSSES[loss].get("gradient_penalty", "none"))
    model = ki.InfoGAN.for_images((28, 28, 1), spec, seed=0, precision=precision, critic_normalization=norm)
    model.compile(jit_compile={"auto": "auto", "on": True, "off": False}[jit], iic_weight=iic_weight, **LOSSES[loss])
    times: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    ds = ki.data.load(images, batch_size=batch_size, seed=0).repeat()
    model.fit(ds, steps_per_epoch=steps, epochs=repeats + 1, shuffle=False, verbose=0, callbacks=[Timer()])
    rates = [steps * batch_size / t for t in times[1:]]
    return {
        "backend": keras.backend.backend(),
        "batch_size": batch_size,
        "images_per_s": statistics.median(rates),
        "runs": rates,
        "warmup_s": times[0],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "np": np.__version__,
    }


def run_child(backend: str, args: argparse.Namespace, batch_size: int, precision: str, iic_weight: float, loss: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend)
    cmd = [
        sys.executable, __file__, "--child", "--data", args.data, "--steps", str(args.steps),
        "--repeats", str(args.repeats), "--batch-sizes", str(batch_size), "--jit", args.jit,
        "--iic-weights", str(iic_weight), "--precisions", precision, "--losses", loss,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{backend} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_baseline(args: argparse.Namespace, batch_size: int, precision: str) -> dict:
    cmd = [
        sys.executable, os.path.join(HERE, "torch_baseline.py"), "--data", args.data,
        "--batch-size", str(batch_size), "--steps", str(args.steps), "--warmup", "5",
        "--repeats", str(args.repeats), "--json", "--device", args.baseline_device,
        *(["--bf16"] if precision == "bf16" else []),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"baseline failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist.npz"))
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--steps", type=int, default=40, help="steps per timed epoch")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs (median reported)")
    parser.add_argument("--jit", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--iic-weights", type=float, nargs="+", default=[0.0, 1.0], help="the backends' IIC weights (0: the yardstick's objective)")
    parser.add_argument("--precisions", nargs="+", choices=["float32", "bf16"], default=["float32", "bf16"])
    parser.add_argument("--losses", nargs="+", choices=list(LOSSES), default=["nonsaturating"], help="the adversarial losses to time")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-device", default="cpu", help="the hand-written loop's torch device (cuda on a GPU machine)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = measure_backend(args.data, args.batch_sizes[0], args.steps, args.repeats, args.jit, args.iic_weights[0], args.precisions[0], args.losses[0])
        print(json.dumps(result))
        return
    print(f"CPU: {cpu()}\n")
    print("| batch | runner | precision | images/s (median) | runs | vs. hand-written float32 torch | s / 1000 iterations | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for batch_size in args.batch_sizes:
        base = None
        for precision in args.precisions:
            rows = []
            if not args.no_baseline:
                b = run_baseline(args, batch_size, precision)
                base = base or b  # the float32 loop when it runs, else the first
                rows.append(("hand-written torch", b["median_images_per_s"], b["images_per_s"], b["peak_rss_mib"]))
            for iic_weight in args.iic_weights:
                for loss in args.losses:
                    for backend in args.backends:
                        r = run_child(backend, args, batch_size, precision, iic_weight, loss)
                        name = f"keras-infogan {backend}" + (f" + IIC {iic_weight:g}" if iic_weight else "")
                        name += f", {loss}" if args.losses != ["nonsaturating"] else ""
                        rows.append((name, r["images_per_s"], r["runs"], r["peak_rss_mib"]))
            for name, rate, runs, rss in rows:
                ratio = f"{rate / base['median_images_per_s']:.2f}x" if base else "-"
                runs_s = ", ".join(f"{x:.0f}" for x in runs)
                per_1000 = 1000 * batch_size / rate
                print(f"| {batch_size} | {name} | {precision} | {rate:.0f} | {runs_s} | {ratio} | {per_1000:.0f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
