"""A small classifier of a Keras-layout dataset, trained once and committed, for
the benchmarks' sample-quality figures.

- `frechet_distance`: TF-GAN's `mnist_frechet_distance`, the Frechet distance
  between the classifier's logits on generated and on real images (Gaussians
  fitted to each set).
- `class_agreement`: how often an image generated with code value k is
  classified as the class k stands for.

The classifier (two convolutions, a dense layer with dropout, 10 logits; 6 epochs of Adam)
is trained once per dataset file and its weights committed in `benchmarks/classifiers/`,
so every row of a table, on any host, is measured with the same one: the Frechet distance
moves with the classifier (docs/experiments.md). Run as a script to print its test accuracy
(training it first if its weights are missing).

Usage:
    KERAS_BACKEND=tensorflow python benchmarks/classifier.py --data ../shared/data/mnist.npz
"""

from __future__ import annotations

import argparse
import hashlib
import os

import keras
import numpy as np
from scipy import linalg

import keras_infogan as ki

WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "classifiers")
EPOCHS = 6
SEED = 0


def _weights_path(data: str) -> str:
    stat = os.stat(data)
    key = hashlib.sha1(f"{os.path.basename(data)}:{stat.st_size}".encode()).hexdigest()[:12]
    return os.path.join(WEIGHTS, f"{os.path.splitext(os.path.basename(data))[0]}_{key}.weights.h5")


def build(image_shape: tuple[int, ...], classes: int) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(image_shape),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(classes),
        ]
    )


def load(data: str, verbose: bool = True) -> keras.Model:
    """The committed classifier of `data` (a Keras-layout .npz), trained and saved first if missing."""
    path = _weights_path(data)
    images, labels = ki.data.load_arrays(data)
    model = build(images.shape[1:], int(labels.max()) + 1)
    if os.path.exists(path):
        model.load_weights(path)
        return model
    keras.utils.set_random_seed(SEED)
    trainer = build(images.shape[1:], int(labels.max()) + 1)
    trainer.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    trainer.fit(images, labels, batch_size=128, epochs=EPOCHS, verbose=2 if verbose else 0)
    model.set_weights(trainer.get_weights())  # An uncompiled copy saves no optimizer state.
    os.makedirs(WEIGHTS, exist_ok=True)
    partial = path[: -len(".weights.h5")] + ".partial.weights.h5"
    model.save_weights(partial)
    os.replace(partial, path)
    return model


def logits(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    return np.asarray(classifier.predict(images, batch_size=500, verbose=0), dtype="float64")


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance of Gaussians fitted to feature rows `a` and `b`."""
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b)
    root = root.real if np.iscomplexobj(root) else root
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def class_agreement(classifier: keras.Model, model, mapping: dict[int, int], n: int = 10000, seed: int = 0) -> float:
    """The share of images generated with code value k (k evenly spread) that
    the classifier assigns to class `mapping[k]`."""
    k = model.spec.categorical[0]
    values = np.arange(n) % k
    drawn = model.latent_inputs(n=n, seed=seed)
    drawn["categorical"][:, 0] = values
    predicted = logits(classifier, model.generate(**drawn)).argmax(axis=1)
    return float(np.mean(predicted == np.array([mapping[int(v)] for v in values])))


def sample_quality(classifier: keras.Model, model, real: np.ndarray, n: int = 10000, seed: int = 0) -> float:
    """TF-GAN's MNIST Frechet distance of n generated images against `real`."""
    fake = model.generate(n=n, seed=seed)
    return frechet_distance(logits(classifier, fake), logits(classifier, real))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    classifier = load(args.data)
    test_images, test_labels = ki.data.load_arrays(args.data, split="test")
    accuracy = float(np.mean(logits(classifier, test_images).argmax(axis=1) == test_labels))
    test_logits = logits(classifier, test_images)
    half = len(test_images) // 2
    print(f"classifier {_weights_path(args.data)}: test accuracy {accuracy:.4f}")
    print(f"Frechet distance, test half against test half: {frechet_distance(test_logits[:half], test_logits[half:]):.3f}")


if __name__ == "__main__":
    main()
