"""Fits the paper's MNIST spec for 20 steps from a fixed seed and saves or compares the weights.

The check that a refactoring kept the numbers: run `--save` before it and
`--compare` after it, on the same backend and machine.

Usage:
    KERAS_BACKEND=jax python benchmarks/same_weights.py --data ../shared/data/mnist.npz --save before.npz
    KERAS_BACKEND=jax python benchmarks/same_weights.py --data ../shared/data/mnist.npz --compare before.npz
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

import keras_infogan as ki
from keras_infogan.data.kinds import describe


def fitted_weights(data: str, steps: int, seed: int) -> list[np.ndarray]:
    keras.utils.set_random_seed(seed)
    spec = ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2)
    model = ki.InfoGAN.for_images((28, 28, 1), spec, seed=seed)
    images, _ = ki.data.load_arrays(data)
    model.compile(iic_augmentation=describe(images).augmentation)  # "auto", decided without reading ahead
    ds = ki.data.load(images, batch_size=128, seed=seed).repeat()
    model.fit(ds, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    variables = model.weights + model.optimizer.variables
    return [keras.ops.convert_to_numpy(v) for v in variables]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--save", metavar="NPZ")
    action.add_argument("--compare", metavar="NPZ")
    args = parser.parse_args()
    weights = fitted_weights(args.data, args.steps, args.seed)
    if args.save:
        np.savez(args.save, *weights)
        print(f"{keras.backend.backend()}: saved {len(weights)} arrays to {args.save}")
        return
    with np.load(args.compare) as f:
        reference = [f[k] for k in f.files]
    if len(reference) != len(weights):
        raise SystemExit(f"{len(weights)} arrays now, {len(reference)} in {args.compare}")
    diff = max(float(np.max(np.abs(a.astype("float64") - b.astype("float64")), initial=0.0)) for a, b in zip(weights, reference))
    print(f"{keras.backend.backend()}: {len(weights)} arrays, max abs difference {diff:.3g}")


if __name__ == "__main__":
    main()
