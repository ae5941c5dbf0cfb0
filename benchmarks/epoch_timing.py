"""One full training epoch on MNIST under the current KERAS_BACKEND, timed per step.

Prints steps/s and images/s over the steps after the first `--warmup` ones
(compilation and caches), plus the epoch's final metrics.

Usage:
    KERAS_BACKEND=jax python benchmarks/epoch_timing.py --data ../shared/data/mnist.npz
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import keras

import keras_infogan as ki


class StepTimer(keras.callbacks.Callback):
    """Records the wall time at the end of every training batch."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.stamps.append(time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--steps", type=int, default=None, help="cap the epoch (default: the whole epoch)")
    args = parser.parse_args()
    spec = ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2)
    model = ki.InfoGAN.for_images((28, 28, 1), spec, seed=0)
    model.compile()
    timer = StepTimer()
    start = time.perf_counter()
    history = model.fit(
        ki.data.load(args.data, batch_size=args.batch_size, seed=0),
        epochs=1, steps_per_epoch=args.steps, verbose=0, callbacks=[timer],
    )
    wall = time.perf_counter() - start
    gaps = [b - a for a, b in zip(timer.stamps[args.warmup :], timer.stamps[args.warmup + 1 :])]
    steps_per_s = 1.0 / statistics.median(gaps)
    print(json.dumps({
        "backend": keras.backend.backend(),
        "steps": len(timer.stamps),
        "batch_size": args.batch_size,
        "wall_s": round(wall, 1),
        "steps_per_s": round(steps_per_s, 3),
        "images_per_s": round(steps_per_s * args.batch_size, 1),
        "mean_steps_per_s_after_warmup": round(len(gaps) / sum(gaps), 3),
        "metrics": {k: round(v[-1], 4) for k, v in history.history.items()},
    }))


if __name__ == "__main__":
    main()
