"""Adult (the published split): `TableInfoGAN` against the `ctgan` package,
side by side in one invocation, with the same epochs and batch.

For each model, trained on the training split and asked for as many
unconditioned rows as it has:
- machine-learning efficacy as the CTGAN paper measures it: a decision tree
  (depth 20), AdaBoost, logistic regression and an MLP trained on the
  synthetic rows and tested on the real test split: F1 of >50K and accuracy,
  each classifier and their mean (the first row trains on the real rows);
- sdmetrics' quality report (column shapes, column pair trends) against the
  real training rows;
- training rows per second, the transformer's fit (mode-specific
  normalisation, the same for both) timed apart;
- conditional sampling on three discrete columns: the share of 1000 rows
  asked for `column = value` that have it (ours: G's own one-hots, before
  `sample` writes the condition in).
One JSON line per model, then a markdown table.

Usage:
    KERAS_BACKEND=jax python benchmarks/adult_ctgan.py --epochs 300
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import AdaBoostClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from keras_infogan.tables import read_table

HERE = os.path.dirname(os.path.abspath(__file__))
LABEL, POSITIVE = "income", ">50K"
CONDITIONS = [("education", "Masters"), ("marital-status", "Divorced"), ("race", "Black")]  # none the first discrete column
CLASSIFIERS = {
    "decision tree": lambda seed: DecisionTreeClassifier(max_depth=20, random_state=seed),
    "AdaBoost": lambda seed: AdaBoostClassifier(random_state=seed),
    "logistic regression": lambda seed: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "MLP": lambda seed: make_pipeline(StandardScaler(), MLPClassifier((50,), max_iter=50, random_state=seed)),
}


def efficacy(train: pd.DataFrame, test: pd.DataFrame, nominal: list[str], seed: int) -> dict[str, dict[str, float]]:
    features = [c for c in train if c != LABEL]
    encoder = ColumnTransformer(
        [("n", "passthrough", [c for c in features if c not in nominal]),
         ("c", OneHotEncoder(handle_unknown="ignore", sparse_output=False), [c for c in features if c in nominal])]
    ).fit(train[features])
    x, x_test = encoder.transform(train[features]), encoder.transform(test[features])
    y, y_test = (train[LABEL] == POSITIVE).to_numpy(), (test[LABEL] == POSITIVE).to_numpy()
    out = {}
    for name, make in CLASSIFIERS.items():
        if y.all() or not y.any():  # one class only: nothing to learn
            predicted = np.full(len(y_test), bool(y.any()))
        else:
            predicted = make(seed).fit(x, y).predict(x_test)
        out[name] = {"f1": f1_score(y_test, predicted), "accuracy": accuracy_score(y_test, predicted)}
    out["mean"] = {k: float(np.mean([v[k] for v in out.values()])) for k in ("f1", "accuracy")}
    return out


def quality(real: pd.DataFrame, synthetic: pd.DataFrame, nominal: list[str]) -> dict[str, float]:
    from sdmetrics.reports.single_table import QualityReport

    metadata = {"columns": {c: {"sdtype": "categorical" if c in nominal else "numerical"} for c in real}}
    report = QualityReport()
    report.generate(real, synthetic[real.columns], metadata, verbose=False)
    props = report.get_properties().set_index("Property")["Score"]
    return {"column_shapes": float(props["Column Shapes"]), "column_pair_trends": float(props["Column Pair Trends"])}


def train_ours(train: pd.DataFrame, args) -> tuple[float, float, pd.DataFrame, dict[str, float]]:
    import keras

    from keras_infogan.spec import LatentSpec
    from keras_infogan.tables import TableInfoGAN, training_dataset

    keras.utils.set_random_seed(args.seed)
    start = time.perf_counter()
    model, data = TableInfoGAN.for_table(train, LatentSpec(noise_dim=128, categorical=[10], continuous=2), seed=args.seed)
    transform_s = time.perf_counter() - start
    model.compile()
    steps = args.epochs * math.ceil(len(train) / args.batch_size)
    start = time.perf_counter()
    model.fit(training_dataset(data, args.batch_size, steps, args.seed), steps_per_epoch=steps, shuffle=False, verbose=0)
    seconds = time.perf_counter() - start
    synthetic = pd.DataFrame(model.sample(len(train), seed=args.seed))
    met = {}
    for column, value in CONDITIONS:
        rows, condition = model.sample_matrix(1000, where=(column, value), seed=args.seed, exact=False)
        met[f"{column}={value}"] = float(model.condition_sampler.meets(rows, condition).mean())
    return transform_s, seconds, synthetic, met


def train_ctgan(train: pd.DataFrame, nominal: list[str], args) -> tuple[float, float, pd.DataFrame, dict[str, float]]:
    from ctgan import CTGAN

    from ctgan.data_transformer import DataTransformer

    start = time.perf_counter()
    DataTransformer().fit(train, nominal)  # what fit does first, timed alone
    transform_s = time.perf_counter() - start
    model = CTGAN(epochs=args.epochs, batch_size=args.batch_size, verbose=False, enable_gpu=False)
    model.set_random_state(args.seed)
    start = time.perf_counter()
    model.fit(train, discrete_columns=nominal)
    seconds = time.perf_counter() - start - transform_s
    synthetic = model.sample(len(train))
    met = {}
    for column, value in CONDITIONS:
        rows = model.sample(1000, condition_column=column, condition_value=value)
        met[f"{column}={value}"] = float(np.mean(rows[column] == value))
    return transform_s, seconds, synthetic, met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "adult"))
    parser.add_argument("--models", nargs="+", choices=["ours", "ctgan"], default=["ours", "ctgan"])
    parser.add_argument("--epochs", type=int, default=300, help="both models' passes over the training rows (CTGAN's default: 300)")
    parser.add_argument("--batch-size", type=int, default=500, help="both models' rows per step (CTGAN's default: 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for ctgan (match the Keras backend's)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    train = pd.DataFrame(read_table(os.path.join(args.data, "train.csv.gz")))
    test = pd.DataFrame(read_table(os.path.join(args.data, "test.csv.gz")))
    nominal = [c for c in train if train[c].dtype == object]
    results = [{"model": "real training rows", "efficacy": efficacy(train, test, nominal, args.seed)}]
    print(json.dumps(results[0]), flush=True)
    for name in args.models:
        transform_s, seconds, synthetic, met = train_ours(train, args) if name == "ours" else train_ctgan(train, nominal, args)
        row = {
            "model": name, "epochs": args.epochs, "transform_fit_s": round(transform_s, 1), "train_s": round(seconds, 1),
            "rows_per_s": round(args.epochs * len(train) / seconds, 1),
            "efficacy": efficacy(synthetic, test, nominal, args.seed),
            "quality": quality(train, synthetic, nominal), "conditions": met,
        }
        print(json.dumps(row), flush=True)
        results.append(row)
    print("\n| model | F1 >50K (mean of 4) | accuracy (mean of 4) | F1: tree / AdaBoost / LR / MLP | column shapes | "
          "column pair trends | conditions met (" + ", ".join(f"{c}={v}" for c, v in CONDITIONS) + ") | training rows/s | "
          "transformer fit s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        e = r["efficacy"]
        per = " / ".join(f"{e[c]['f1']:.3f}" for c in CLASSIFIERS)
        q = r.get("quality", {})
        met = ", ".join(f"{v:.1%}" for v in r.get("conditions", {}).values()) or "-"
        print(f"| {r['model']} | {e['mean']['f1']:.3f} | {e['mean']['accuracy']:.3f} | {per} | "
              f"{q.get('column_shapes', float('nan')):.3f} | {q.get('column_pair_trends', float('nan')):.3f} | {met} | "
              f"{r.get('rows_per_s', '-')} | {r.get('transform_fit_s', '-')} |")


if __name__ == "__main__":
    main()
