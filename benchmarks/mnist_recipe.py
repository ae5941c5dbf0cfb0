"""Train the paper's MNIST spec under a recipe and report what the codes learned.

For each seed: unsupervised test accuracy of the 10-way code (Hungarian
matching) at the given iterations, the final `mi_lower_bound`, the slant and
width effects of the two continuous codes, and wall time. One JSON line per
seed, then a markdown row per seed.

Usage:
    KERAS_BACKEND=jax python benchmarks/mnist_recipe.py --data ../shared/data/mnist.npz \
        --eval-at 1000 2000 5000 --seeds 0 1 2 [--no-info-trains-trunk ...]
"""

from __future__ import annotations

import argparse
import json
import time

import keras

import keras_infogan as ki
from keras_infogan import evaluation


class AccuracyAt(keras.callbacks.Callback):
    """Measures the categorical code's unsupervised accuracy at given iterations."""

    def __init__(self, images, labels, at: list[int]):
        super().__init__()
        self.images, self.labels, self.at = images, labels, set(at)
        self.step = 0
        self.results: dict[int, float] = {}
        self.logs: dict = {}

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step in self.at:
            acc, _, _ = evaluation.categorical_accuracy(self.model, self.images, self.labels)
            self.results[self.step] = acc
            self.logs = {k: float(v) for k, v in (logs or {}).items()}
            print(f"  iteration {self.step}: accuracy {acc:.4f}, logs {self.logs}", flush=True)
        if self.step >= max(self.at):
            self.model.stop_training = True


def run(args: argparse.Namespace, seed: int) -> dict:
    keras.utils.set_random_seed(seed)
    spec = ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2, noise_prior=args.noise_prior)
    model = ki.InfoGAN.for_images((28, 28, 1), spec, seed=seed)
    model.compile(
        d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.5),
        categorical_loss=args.categorical_loss,
        continuous_loss=args.continuous_loss,
        continuous_weight=args.continuous_weight,
        info_trains_trunk=args.info_trains_trunk,
    )
    test_images, test_labels = ki.data.load_arrays(args.data, split="test")
    n = args.eval_images
    tracker = AccuracyAt(test_images[:n], test_labels[:n], args.eval_at)
    ds = ki.data.load(args.data, batch_size=args.batch_size, seed=seed).repeat()
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=max(args.eval_at), epochs=1, verbose=0, callbacks=[tracker])
    wall = time.perf_counter() - start
    effects = evaluation.continuous_code_effects(model, seed=seed)
    return {
        "seed": seed,
        "backend": keras.backend.backend(),
        "accuracy": tracker.results,
        "mi_lower_bound": tracker.logs.get("mi_lower_bound"),
        "effects": effects,
        "wall_s": round(wall, 1),
        "recipe": {k: v for k, v in vars(args).items() if k not in ("data", "seeds")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--eval-at", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--eval-images", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--d-lr", type=float, default=2e-4)
    parser.add_argument("--g-lr", type=float, default=1e-3)
    parser.add_argument("--categorical-loss", default="sigmoid")
    parser.add_argument("--continuous-loss", default="gaussian")
    parser.add_argument("--continuous-weight", type=float, default=0.1)
    parser.add_argument("--noise-prior", default="normal")
    parser.add_argument("--no-info-trains-trunk", dest="info_trains_trunk", action="store_false")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        result = run(args, seed)
        print(json.dumps(result), flush=True)
        rows.append(result)
    print("| seed | " + " | ".join(f"acc@{i}" for i in args.eval_at) + " | MI bound | wall s |")
    print("| --- |" + " --- |" * (len(args.eval_at) + 2))
    for r in rows:
        accs = " | ".join(f"{r['accuracy'].get(i, float('nan')):.3f}" for i in args.eval_at)
        print(f"| {r['seed']} | {accs} | {r['mi_lower_bound']:.3f} | {r['wall_s']} |")


if __name__ == "__main__":
    main()
