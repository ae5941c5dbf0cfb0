"""What one MNIST train step costs in arithmetic, and what this machine can do.

Prints XLA's count of floating-point operations in one `InfoGAN` train step
(the paper's MNIST networks, spec and objective, lowered under JAX), and the sustained
float32 rate of the step's largest matrix product (D's and G's 6272 x 1024
dense layers at the batch size) in torch and in TensorFlow. Their ratio is a
ceiling on images/s that no implementation of this step reaches on this
machine: `train_speed.py`'s figures read against it show how much of the
machine each runner uses.

Usage:
    python benchmarks/step_cost.py --batch-size 128
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ["KERAS_BACKEND"] = "jax"

REPEATS = 20
DENSE_IN, DENSE_OUT = 7 * 7 * 128, 1024


def step_flops(batch_size: int) -> float:
    """XLA's floating-point operation count of one train step."""
    import jax
    import numpy as np

    import keras_infogan as ki
    from keras_infogan.backend import jax as jax_step

    spec = ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2)
    model = ki.InfoGAN.for_images((28, 28, 1), spec, seed=0)
    model.compile(iic_weight=0.0)
    state = tuple(
        [v.value for v in variables]
        for variables in (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
            model.metrics_variables,
        )
    )
    images = np.zeros((batch_size, 28, 28, 1), "float32")
    step = jax.jit(lambda s, d: jax_step.train_step(model, s, d))
    cost = step.lower(state, images).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    return float(cost["flops"])


def _median_seconds(fn) -> float:
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gflops(batch_size: int) -> dict[str, float]:
    """Sustained GFLOP/s of [B, 6272] @ [6272, 1024], median of REPEATS."""
    import numpy as np
    import tensorflow as tf
    import torch

    rng = np.random.default_rng(0)
    a = rng.standard_normal((batch_size, DENSE_IN), dtype="float32")
    b = rng.standard_normal((DENSE_IN, DENSE_OUT), dtype="float32")
    flops = 2 * batch_size * DENSE_IN * DENSE_OUT
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    fa, fb = tf.constant(a), tf.constant(b)
    tf_matmul = tf.function(tf.matmul, jit_compile=True)
    return {
        "torch": flops / _median_seconds(lambda: torch.matmul(ta, tb)) / 1e9,
        "tensorflow (XLA)": flops / _median_seconds(lambda: tf_matmul(fa, fb).numpy()) / 1e9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    flops = step_flops(args.batch_size)
    per_image = flops / args.batch_size
    print(f"one train step at batch {args.batch_size}: {flops / 1e9:.1f} GFLOP ({per_image / 1e9:.3f} GFLOP per image)")
    print("| library | matmul GFLOP/s | ceiling images/s at that rate |")
    print("| --- | --- | --- |")
    for name, rate in matmul_gflops(args.batch_size).items():
        print(f"| {name} | {rate:.0f} | {rate * 1e9 / per_image:.0f} |", flush=True)


if __name__ == "__main__":
    main()
