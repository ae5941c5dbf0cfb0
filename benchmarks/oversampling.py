"""Minority oversampling on imbalanced MNIST and Fashion-MNIST, Mondal et al.'s
(AISTATS 2023) protocol: which resampling lets one fixed classifier do best.

Per seed (the seed draws the subset, trains the GAN and the classifier):
training images per class [4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40]
for classes 0..9, drawn from the training split; a balanced test set of 800
per class from the test split. One small CNN (the same architecture, epochs
and optimiser for every method) is trained on: the imbalanced data as is;
with class weights; random oversampling; SMOTE on flattened pixels (both
imbalanced-learn); `InfoGANOversampler` with `generate` and `interpolate`.
Reported: ACSA (mean per-class recall), G-mean and macro F1 on the test set,
and for each method that makes images, the density and coverage (Naeem et al.
2020, k = 5) of its new minority images against held-out real images of
their class (training-split images outside the subset), in the feature space
of `classifier.py`'s committed classifier of the full data.

One JSON line per (dataset, seed, method), then mean +/- std tables.

Usage:
    KERAS_BACKEND=tensorflow python benchmarks/oversampling.py \
        --data ../shared/data/mnist.npz ../shared/data/fashion_mnist.npz --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import keras
import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, RandomOverSampler
from scipy.spatial.distance import cdist
from sklearn.metrics import balanced_accuracy_score, f1_score

import classifier as feature_classifier
from keras_infogan.oversampling import InfoGANOversampler

PER_CLASS = (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40)
TEST_PER_CLASS = 800
HELD_OUT_PER_CLASS = 500
METHODS = ("none", "class weights", "random oversampling", "SMOTE", "InfoGAN generate", "InfoGAN interpolate")
EPOCHS = 10
K = 5


def subsets(x_train, y_train, x_test, y_test, seed):
    """The imbalanced training subset, the balanced test set, and held-out real
    images of each class (training split, outside the subset)."""
    rng = np.random.default_rng(seed)
    train, held = [], {}
    for c, n in enumerate(PER_CLASS):
        rows = rng.permutation(np.flatnonzero(y_train == c))
        train.append(rows[:n])
        held[c] = x_train[rows[n : n + HELD_OUT_PER_CLASS]]
    train = rng.permutation(np.concatenate(train))
    test = np.concatenate([rng.choice(np.flatnonzero(y_test == c), TEST_PER_CLASS, replace=False) for c in range(10)])
    return x_train[train], y_train[train], x_test[test], y_test[test], held


def classify(x, y, x_test, seed, epochs, class_weight=None):
    keras.utils.set_random_seed(seed)
    model = feature_classifier.build(x.shape[1:], 10)  # The same small CNN for every method.
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x / 255.0, y, batch_size=128, epochs=epochs, verbose=0, class_weight=class_weight)
    return model.predict(x_test / 255.0, batch_size=1000, verbose=0).argmax(axis=1)


def density_coverage(real, fake, k=K):
    """Naeem et al. (2020): density and coverage of fake feature rows against real ones."""
    real_real = cdist(real, real)
    radii = np.sort(real_real, axis=1)[:, k]  # k-th neighbour, the point itself at index 0.
    real_fake = cdist(real, fake)
    inside = real_fake <= radii[:, None]
    return float(inside.sum() / (k * len(fake))), float(inside.any(axis=1).mean())


def resample(method, x, y, seed, args):
    flat = x.reshape(len(x), -1)
    if method == "random oversampling":
        out, y_out = RandomOverSampler(random_state=seed).fit_resample(flat, y)
    elif method == "SMOTE":
        out, y_out = SMOTE(random_state=seed).fit_resample(flat, y)
    else:
        sampler = InfoGANOversampler(
            method=method.split()[1], batch_size=64, random_state=seed, verbose=0,
            model=args.model_cache.get(seed),  # generate and interpolate share the seed's GAN
            steps=None if seed in args.model_cache else args.gan_steps,
        )
        out, y_out = sampler.fit_resample(x, y)
        args.model_cache[seed] = sampler.model_
        args.rejection = {int(c): round(r, 3) for c, r in sampler.rejection_rate_.items()}
    return out.reshape(len(out), *x.shape[1:]).astype(x.dtype), y_out


def run(data, seed, args):
    with np.load(data) as f:
        x_train, y_train, x_test, y_test = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    x, y, x_te, y_te, held = subsets(x_train, y_train, x_test, y_test, seed)
    x, x_te = x[..., None], x_te[..., None]
    features = feature_classifier.load(data, verbose=False)
    args.model_cache = {}
    rows = []
    for method in args.methods:
        start = time.perf_counter()
        args.rejection = None
        weights = None
        x_fit, y_fit = x, y
        if method == "class weights":
            counts = np.bincount(y, minlength=10)
            weights = {c: len(y) / (10 * counts[c]) for c in range(10)}
        elif method != "none":
            x_fit, y_fit = resample(method, x, y, seed, args)
        predicted = classify(x_fit, y_fit, x_te, seed, args.epochs, weights)
        row = {
            "data": os.path.basename(data),
            "seed": seed,
            "method": method,
            "acsa": round(float(balanced_accuracy_score(y_te, predicted)), 4),
            "g_mean": round(float(geometric_mean_score(y_te, predicted, average="multiclass")), 4),
            "f1": round(float(f1_score(y_te, predicted, average="macro")), 4),
            "seconds": round(time.perf_counter() - start, 1),
        }
        if len(x_fit) > len(x):
            new_x, new_y = x_fit[len(x) :], y_fit[len(x) :]
            scores = []
            for c in range(1, 10):
                real_f = feature_classifier.logits(features, held[c][..., None].astype("float32") / 255.0)
                fake = new_x[new_y == c]
                fake_f = feature_classifier.logits(features, fake.astype("float32") / 255.0)
                scores.append(density_coverage(real_f, fake_f))
            row["density"] = round(float(np.mean([s[0] for s in scores])), 4)
            row["coverage"] = round(float(np.mean([s[1] for s in scores])), 4)
        if args.rejection is not None:
            row["rejection"] = args.rejection
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--gan-steps", type=int, default=2000, help="training steps of the InfoGAN (batch 64)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs of the classifier, every method")
    args = parser.parse_args()
    rows = [row for data in args.data for seed in args.seeds for row in run(data, seed, args)]
    for data in args.data:
        name = os.path.basename(data)
        print(f"\n{name}, seeds {args.seeds}: mean +/- std\n")
        print("| method | ACSA | G-mean | macro F1 | density | coverage |")
        print("| --- | --- | --- | --- | --- | --- |")
        for method in args.methods:
            mine = [r for r in rows if r["data"] == name and r["method"] == method]

            def cell(key):
                values = [r[key] for r in mine if key in r]
                if not values:
                    return "-"
                spread = statistics.stdev(values) if len(values) > 1 else 0.0
                return f"{statistics.mean(values):.4f} +/- {spread:.4f}"

            print(f"| {method} | " + " | ".join(cell(k) for k in ("acsa", "g_mean", "f1", "density", "coverage")) + " |")


if __name__ == "__main__":
    main()
