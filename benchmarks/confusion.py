"""The confusion matrix of a 10-way code on a labelled test split, from
weights that `mnist_recipe.py --save-dir` saved.

Rows are code values, columns labels, both in the order of the best matching
(Hungarian), so the diagonal holds the matched pairs.

Usage:
    KERAS_BACKEND=tensorflow python benchmarks/confusion.py --data ../shared/data/fashion_mnist.npz \
        --weights weights/tensorflow_seed0_it5000.weights.h5
"""

from __future__ import annotations

import argparse

import numpy as np

import keras_infogan as ki
from keras_infogan import evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--weights", required=True, help="a .weights.h5 file of the paper's MNIST spec and networks")
    args = parser.parse_args()
    model = ki.InfoGAN.for_images((28, 28, 1), ki.LatentSpec(noise_dim=62, categorical=[10], continuous=2))
    model.load_weights(args.weights)
    images, labels = ki.data.load_arrays(args.data, split="test")
    accuracy, confusion, mapping = evaluation.categorical_accuracy(model, images, labels)
    rows = sorted(mapping, key=mapping.get)
    print(f"accuracy {accuracy:.4f} on {len(labels)} test images")
    print("| code \\ label | " + " | ".join(str(mapping[r]) for r in rows) + " |")
    print("|" + " --- |" * (len(rows) + 1))
    for r in rows:
        cells = [f"**{confusion[r, mapping[c]]}**" if c == r else str(confusion[r, mapping[c]]) for c in rows]
        print(f"| {r} | " + " | ".join(cells) + " |")
    unmatched = np.setdiff1d(np.arange(confusion.shape[0]), rows)
    if unmatched.size:
        print(f"unmatched code values: {unmatched.tolist()}")


if __name__ == "__main__":
    main()
