"""Oversampling imbalanced KEEL tables: `TableOversampler` against
imbalanced-learn's samplers and the `ctgan` package used as an oversampler.

For each table (`../shared/data/keel_imbalanced/NAME.csv.gz`, label column
`Class`: positive / negative), 5-fold stratified cross-validation with the
seed; in each fold every method resamples the training part to balance, then
two classifiers train on it (gradient boosting; logistic regression on
standardised columns), nominal columns one-hot, and are scored on the test
part: G-mean, balanced accuracy and the minority's F1. Methods: none, random
oversampling, SMOTE (SMOTE-NC with nominal columns, SMOTEN when all are),
ADASYN and Borderline-SMOTE (on the one-hot columns), CTGAN (the `ctgan`
package, conditioned on the positive class) and ours. Both GANs get the
same epochs and batch. One JSON line per table and method (fold means), then
the mean rank of each method over the tables per classifier and metric (1 is
best), and each table's G-mean under gradient boosting.

Usage:
    KERAS_BACKEND=tensorflow TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
        python benchmarks/table_oversampling.py --epochs 300 [--tables ecoli3 yeast4 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import ADASYN, SMOTE, SMOTEN, SMOTENC, BorderlineSMOTE, RandomOverSampler
from scipy.stats import rankdata
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from keras_infogan.tables import read_table
from keras_infogan.tables.oversampling import TableOversampler

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES = [
    "pima", "haberman", "vehicle0", "new-thyroid1", "ecoli3", "yeast-2_vs_4",
    "glass4", "abalone9-18", "car-vgood", "yeast4", "abalone19",
]  # imbalance ratios 1.9 to 129; nominal columns in abalone* and car-vgood
METHODS = ["none", "random", "SMOTE", "ADASYN", "Borderline-SMOTE", "CTGAN", "ours"]
METRICS = ["g_mean", "balanced_accuracy", "minority_f1"]
CLASSIFIERS = ["gradient boosting", "logistic regression"]


def load(path: str) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    table = read_table(path)
    y = (table.pop("Class") == "positive").astype(int)
    frame = pd.DataFrame(table)
    nominal = [c for c in frame if frame[c].dtype == object]
    return frame, y, nominal


def encoder(frame: pd.DataFrame, nominal: list[str]) -> ColumnTransformer:
    numeric = [c for c in frame if c not in nominal]
    return ColumnTransformer(
        [("numbers", "passthrough", numeric), ("nominal", OneHotEncoder(handle_unknown="ignore", sparse_output=False), nominal)]
    )


def resample(method: str, X: pd.DataFrame, y: np.ndarray, nominal: list[str], args, seed: int):
    """The balanced training part: a DataFrame and labels, or an encoded
    matrix (ADASYN, Borderline-SMOTE) with the encoder fitted on X."""
    if method == "none":
        return X, y
    if method == "random":
        return RandomOverSampler(random_state=seed).fit_resample(X, y)
    if method == "SMOTE":
        if not nominal:
            return SMOTE(random_state=seed).fit_resample(X, y)
        if len(nominal) == X.shape[1]:
            return SMOTEN(random_state=seed).fit_resample(X, y)
        return SMOTENC([X.columns.get_loc(c) for c in nominal], random_state=seed).fit_resample(X, y)
    if method in ("ADASYN", "Borderline-SMOTE"):
        enc = encoder(X, nominal).fit(X)
        sampler = ADASYN(random_state=seed) if method == "ADASYN" else BorderlineSMOTE(random_state=seed)
        matrix, labels = sampler.fit_resample(enc.transform(X), y)
        return (matrix, enc), labels
    needed = int((y == 0).sum() - (y == 1).sum())
    if method == "CTGAN":
        from ctgan import CTGAN

        train = X.copy()
        train["Class"] = np.where(y == 1, "positive", "negative")
        model = CTGAN(epochs=args.epochs, batch_size=args.batch_size, verbose=False, enable_gpu=False)
        model.set_random_state(seed)
        model.fit(train, discrete_columns=[*nominal, "Class"])
        new = model.sample(needed, condition_column="Class", condition_value="positive").drop(columns="Class")
        return pd.concat([X, new.astype(X.dtypes.to_dict())], ignore_index=True), np.concatenate([y, np.ones(needed, int)])
    sampler = TableOversampler(epochs=args.epochs, batch_size=args.batch_size, discrete=nominal, random_state=seed, verbose=0)
    return sampler.fit_resample(X, y)


def scores(X_train, y_train, X_test, y_test, nominal: list[str], seed: int) -> dict[str, dict[str, float]]:
    if isinstance(X_train, tuple):  # already encoded
        matrix, enc = X_train
    else:
        enc = encoder(X_train, nominal).fit(X_train)
        matrix = enc.transform(X_train)
    test = enc.transform(X_test)
    out = {}
    for name in CLASSIFIERS:
        if name == "gradient boosting":
            clf = GradientBoostingClassifier(random_state=seed)
        else:
            clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        predicted = clf.fit(matrix, y_train).predict(test)
        out[name] = {
            "g_mean": geometric_mean_score(y_test, predicted),
            "balanced_accuracy": balanced_accuracy_score(y_test, predicted),
            "minority_f1": f1_score(y_test, predicted, pos_label=1, zero_division=0),
        }
    return out


def run_table(name: str, args) -> list[dict]:
    X, y, nominal = load(os.path.join(args.data, f"{name}.csv.gz"))
    folds = list(StratifiedKFold(5, shuffle=True, random_state=args.seed).split(X, y))
    rows = []
    for method in args.methods:
        per_fold, seconds = [], 0.0
        for k, (train, test) in enumerate(folds):
            X_train, y_train = X.iloc[train].reset_index(drop=True), y[train]
            start = time.perf_counter()
            X_res, y_res = resample(method, X_train, y_train, nominal, args, args.seed + k)
            seconds += time.perf_counter() - start
            per_fold.append(scores(X_res, y_res, X.iloc[test].reset_index(drop=True), y[test], nominal, args.seed))
        mean = {c: {m: float(np.mean([f[c][m] for f in per_fold])) for m in METRICS} for c in CLASSIFIERS}
        row = {"table": name, "method": method, "scores": mean, "resample_s": round(seconds, 1), "rows": len(y),
               "positives": int(y.sum())}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def report(rows: list[dict], methods: list[str]) -> None:
    tables = list(dict.fromkeys(r["table"] for r in rows))
    by = {(r["table"], r["method"]): r for r in rows}
    print("\nMean rank over the tables (1: best; ties share their mean rank):\n")
    print("| classifier | metric | " + " | ".join(methods) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in methods) + " |")
    for clf in CLASSIFIERS:
        for metric in METRICS:
            ranks = np.array([rankdata([-by[t, m]["scores"][clf][metric] for m in methods]) for t in tables])
            print(f"| {clf} | {metric} | " + " | ".join(f"{v:.2f}" for v in ranks.mean(axis=0)) + " |")
    print("\nG-mean under gradient boosting (fold means):\n")
    print("| table | rows | positives | " + " | ".join(methods) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in methods) + " |")
    for t in tables:
        first = by[t, methods[0]]
        cells = [f"{by[t, m]['scores']['gradient boosting']['g_mean']:.3f}" for m in methods]
        print(f"| {t} | {first['rows']} | {first['positives']} | " + " | ".join(cells) + " |")
    print("\nResampling seconds over the 5 folds, all tables: " + ", ".join(
        f"{m} {sum(by[t, m]['resample_s'] for t in tables):.0f}" for m in methods
    ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "keel_imbalanced"))
    parser.add_argument("--tables", nargs="+", default=TABLES)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=METHODS)
    parser.add_argument("--epochs", type=int, default=300, help="both GANs' passes over the training part (CTGAN's default: 300)")
    parser.add_argument("--batch-size", type=int, default=500, help="both GANs' rows per step (CTGAN's default: 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for CTGAN (match TF_NUM_INTRAOP_THREADS)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    rows = [row for name in args.tables for row in run_table(name, args)]
    report(rows, args.methods)


if __name__ == "__main__":
    main()
