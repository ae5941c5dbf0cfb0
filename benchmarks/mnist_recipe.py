"""Train the paper's MNIST spec under a recipe and report what the codes learned.

For each seed, every `--eval-every` iterations: unsupervised test accuracy of
the 10-way code (Hungarian matching) and the MI lower bound on fresh samples,
with the training seconds so far (evaluation excluded). At the end: the slant
and width effects of the two continuous codes, the time to 90% and 95%
accuracy, and the grids (digit code rows; the continuous sweeps from -2 to 2).
With `--save-dir`, the weights at the `--save-at` iterations, to evaluate again later.
With `--labels-per-class N`, N training labels per class steer the code (semi-supervised):
the points then also give Q's accuracy with no matching (`direct`).
With `--checkpoint-dir`, each seed checkpoints there at every evaluation (the
model, its optimizers and seed states, and the points so far), and the same
command run again resumes it: a long table survives a stopped machine. Such a
run draws its batches with `epoch_dataset` (epochs of `--eval-every` batches),
so a resumed run sees the batches an uninterrupted one would.
With `--sample-quality`, the end also gives TF-GAN's Frechet distance of 10,000
generated images against the test images in a cached classifier's logits
(`classifier.py`), and how often an image generated with code value k is
classified as k's class (k's labelled class, else its Hungarian match).
One JSON line per seed, then a markdown table.

The recipe flags are `Recipe`'s fields (as `keras-infogan train` has them);
those left out take the library's defaults.

Usage:
    KERAS_BACKEND=tensorflow python benchmarks/mnist_recipe.py --data ../shared/data/mnist.npz \
        --iterations 5000 --seeds 0 1 2 --grids grids/ [--categorical-loss sigmoid ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import keras
import numpy as np

import keras_infogan as ki
from keras_infogan import evaluation, flags, grids, penalties
from keras_infogan.callbacks import Checkpoint
from keras_infogan.data.kinds import describe
from keras_infogan.files import write_atomically
from keras_infogan.networks import WEIGHT_INITS
from keras_infogan.precision import PRECISION, PRECISIONS
from keras_infogan.recipe import Recipe
from keras_infogan.run import epoch_dataset
from keras_infogan.spec import PRIORS

import classifier

THRESHOLDS = (0.90, 0.95)


class Progress(keras.callbacks.Callback):
    """Evaluates the codes every `every` iterations and stops after `iterations`;
    with a `save_prefix`, saves the weights at the iterations in `save_at`;
    with a `points_path`, keeps its points there to resume from `points`."""

    def __init__(
        self, images, labels, every: int, iterations: int, save_at=(), save_prefix=None, direct=False, points_path=None, points=()
    ):
        super().__init__()
        self.direct = direct
        self.images, self.labels = images, labels
        self.every, self.iterations = every, iterations
        self.save_at, self.save_prefix = set(save_at), save_prefix
        self.points_path, self.points = points_path, list(points)
        last = self.points[-1] if self.points else {"iteration": 0, "train_s": 0.0, "wall_s": 0.0}
        self.step, self.train_s, self.wall_before = last["iteration"], last["train_s"], last["wall_s"]
        self.wall_start = time.perf_counter()

    @property
    def wall_s(self) -> float:
        """Seconds of this seed's training and evaluation, over every process that ran it."""
        return self.wall_before + time.perf_counter() - self.wall_start

    def on_train_batch_begin(self, batch, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.train_s += time.perf_counter() - self.started
        self.step += 1
        if self.step % self.every == 0 or self.step == self.iterations:
            acc, _, _ = evaluation.categorical_accuracy(self.model, self.images, self.labels)
            point = {
                "iteration": self.step,
                "accuracy": round(acc, 4),
                "mi_lower_bound": round(evaluation.mi_lower_bound(self.model, n=1000), 4),
                "train_s": round(self.train_s, 1),
                "wall_s": round(self.wall_s, 1),
            }
            if self.direct:
                read = self.model.encode(self.images)["categorical"][:, 0]
                point["direct"] = round(float(np.mean(read == self.labels)), 4)
            self.points.append(point)
            print("  " + json.dumps(point), flush=True)
            if self.points_path:
                write_atomically(self.points_path, json.dumps(self.points).encode())
        if self.save_prefix and self.step in self.save_at:
            self.model.save_weights(f"{self.save_prefix}_it{self.step}.weights.h5")
        if self.step >= self.iterations:
            self.model.stop_training = True


def _first_time(points: list[dict], threshold: float) -> float | None:
    return next((p["train_s"] for p in points if p["accuracy"] >= threshold), None)


def run(args: argparse.Namespace, seed: int) -> dict:
    keras.utils.set_random_seed(seed)
    priors = {"noise_prior": args.noise_prior} if args.noise_prior else {}
    spec = ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2, **priors)
    init = {"weight_init": args.weight_init} if args.weight_init else {}
    recipe = flags.record(args, Recipe)
    norm = penalties.critic_normalization(recipe.gradient_penalty)
    model = ki.InfoGAN.for_images((28, 28, 1), spec, seed=seed, precision=args.precision, critic_normalization=norm, **init)
    train_images, train_labels = ki.data.load_arrays(args.data)
    kind = describe(train_images)
    if recipe.iic_augmentation == "auto":  # Decided here, so that fit reads no batch ahead.
        recipe = dataclasses.replace(recipe, iic_augmentation=kind.augmentation)
    model.compile(recipe=recipe)
    test_images, test_labels = ki.data.load_arrays(args.data, split="test")
    prefix = args.save_dir and os.path.join(args.save_dir, f"{keras.backend.backend()}_seed{seed}")
    labels = None
    if args.labels_per_class:
        labels = ki.data.labelled_subset(train_labels, args.labels_per_class, seed).astype("int32")
    callbacks, resumed = [], {}
    if args.checkpoint_dir:
        directory = os.path.join(args.checkpoint_dir, f"{keras.backend.backend()}_seed{seed}")
        checkpoint = Checkpoint(directory, keep=1)
        done, epochs = checkpoint.restore(model), args.iterations // args.eval_every
        resumed["points_path"] = os.path.join(directory, "points.json")
        if done:
            with open(resumed["points_path"]) as f:
                resumed["points"] = [p for p in json.load(f) if p["iteration"] <= done * args.eval_every]
            print(f"  resuming seed {seed} at iteration {done * args.eval_every}", flush=True)
        ds = epoch_dataset(train_images, args.batch_size, args.eval_every, seed, done, epochs, labels)
        fit = {"steps_per_epoch": args.eval_every, "epochs": epochs, "initial_epoch": done}
        callbacks.append(checkpoint)
    elif labels is not None:
        ds = epoch_dataset(train_images, args.batch_size, args.iterations, seed, 0, 1, labels)
        fit = {"steps_per_epoch": args.iterations, "epochs": 1}
    else:
        ds = ki.data.load(train_images, batch_size=args.batch_size, seed=seed).repeat()
        fit = {"steps_per_epoch": args.iterations, "epochs": 1}
    n = args.eval_images
    progress = Progress(
        test_images[:n], test_labels[:n], args.eval_every, args.iterations, args.save_at, prefix, labels is not None, **resumed
    )
    callbacks.insert(0, progress)  # Before the checkpoint, so that each checkpoint's points are on disk first.
    if progress.step < args.iterations:
        model.fit(ds, shuffle=False, verbose=0, callbacks=callbacks, **fit)
    quality = {}
    if args.sample_quality:
        reader = classifier.load(args.data)
        _, _, mapping = evaluation.categorical_accuracy(model, test_images, test_labels)
        if args.labels_per_class:
            mapping = {k: k for k in range(spec.categorical[0])}
        quality = {
            "frechet_distance": round(classifier.sample_quality(reader, model, test_images, seed=seed), 3),
            "class_agreement": round(classifier.class_agreement(reader, model, mapping, seed=seed), 4),
        }
    if args.grids:
        for code in grids.code_names(spec):
            path = os.path.join(args.grids, f"{keras.backend.backend()}_seed{seed}_{code}.png")
            grids.write_png(path, grids.draw_traversal(model, code, seed=seed))
    return {
        "seed": seed,
        "backend": keras.backend.backend(),
        "points": progress.points,
        "effects": evaluation.continuous_code_effects(model, seed=seed),
        **{f"time_to_{int(t * 100)}_s": _first_time(progress.points, t) for t in THRESHOLDS},
        "wall_s": round(progress.wall_s, 1),
        "train_s_per_1000": round(1000 * progress.points[-1]["train_s"] / progress.step, 1),
        **quality,
        "spec": spec.get_config(),
        "weight_init": model.weight_init,
        "precision": args.precision,
        "recipe": model.recipe.get_config(),
        "data_kind": kind.get_config(),
    }


def _row(result: dict, at: list[int]) -> str:
    acc = {p["iteration"]: p["accuracy"] for p in result["points"]}
    effects = result["effects"]
    slants = ", ".join(f"{effects[c]['slant']:+.2f}" for c in sorted(effects))
    widths = ", ".join(f"{effects[c]['width']:+.2f}" for c in sorted(effects))
    times = [result[f"time_to_{int(t * 100)}_s"] for t in THRESHOLDS]
    cells = [str(result["seed"])]
    cells += [f"{acc[i]:.3f}" if i in acc else "-" for i in at]
    cells += [f"{result['points'][-1]['mi_lower_bound']:.3f}", slants, widths]
    cells += ["-" if t is None else f"{t:.0f}" for t in times]
    cells += [f"{result['wall_s']:.0f}", f"{result['train_s_per_1000']:.0f}"]
    if "frechet_distance" in result:
        cells += [f"{result['frechet_distance']:.2f}", f"{result['class_agreement']:.3f}"]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--eval-images", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--noise-prior", choices=PRIORS)
    parser.add_argument("--weight-init", choices=WEIGHT_INITS)
    parser.add_argument("--precision", choices=list(PRECISIONS), default=PRECISION, help="bf16: G and D's trunk in bfloat16")
    flags.add_flags(parser.add_argument_group("recipe"), Recipe)
    parser.add_argument("--grids", metavar="DIR", help="write each seed's final grids here")
    parser.add_argument("--save-dir", metavar="DIR", help="save the weights here at --save-at")
    parser.add_argument("--save-at", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--labels-per-class", type=int, metavar="N", help="train with N labels per class (semi-supervised)")
    parser.add_argument("--checkpoint-dir", metavar="DIR", help="checkpoint each seed here at every evaluation, and resume from it")
    parser.add_argument("--sample-quality", action="store_true", help="Frechet distance and class agreement at the end")
    args = parser.parse_args()
    if args.checkpoint_dir and args.iterations % args.eval_every:
        parser.error("--checkpoint-dir needs --iterations to be a multiple of --eval-every.")
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
    results = []
    for seed in args.seeds:
        results.append(run(args, seed))
        print(json.dumps(results[-1]), flush=True)
    at = [i for i in (1000, 2000, 5000) if i <= args.iterations]
    header = ["seed", *(f"acc@{i}" for i in at), "MI bound", "slant r (c1, c2)", "width r (c1, c2)"]
    header += ["s to 90%", "s to 95%", "wall s", "train s / 1000 it"]
    if args.sample_quality:
        header += ["Frechet distance", "class agreement"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for result in results:
        print(_row(result, at))


if __name__ == "__main__":
    main()
