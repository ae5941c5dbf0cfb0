"""Minority oversampling for tables: an imbalanced-learn sampler whose new
rows come from a `TableInfoGAN` trained on the table with the class as one
more discrete column, then asked for rows of each minority class with the
class as the condition (`sample(where=(class, c))`).

Training-by-sampling conditions on the class column as often as on any other
and picks its categories by log-frequency, so a minority class is shown far
more often than its share of the rows. A new row's class is the condition,
exactly; its other columns are what G makes for that class.
Needs imbalanced-learn (`pip install keras-infogan[imbalanced]`).
"""

from __future__ import annotations

import math
import os
from numbers import Integral
from typing import Any

import keras
import numpy as np

try:
    from imblearn.over_sampling.base import BaseOverSampler
    from imblearn.utils import check_target_type
    from sklearn.utils._param_validation import Interval, StrOptions
except ImportError as error:
    raise ImportError(
        "keras_infogan.tables.oversampling needs imbalanced-learn: pip install 'keras-infogan[imbalanced]'"
    ) from error

from keras_infogan.spec import LatentSpec
from keras_infogan.tables.columns import read_table, table_length
from keras_infogan.tables.model import TABLE_SPEC, TableInfoGAN, training_dataset
from keras_infogan.tables.networks import PAC
from keras_infogan.tables.transformer import TableTransformer

__all__ = ["CLASS_COLUMN", "TableOversampler"]

CLASS_COLUMN = "__class__"  # The class, as the model's extra discrete column.


class TableOversampler(BaseOverSampler):
    """Oversamples the classes of a table (mixed numeric and text columns) with a `TableInfoGAN`.

    Args:
        sampling_strategy: imbalanced-learn's: "auto", a float (minority to
            majority ratio, two classes), a dict class -> wanted count, ...
        model: None (a `TableInfoGAN` is trained on X with y), a trained
            `TableInfoGAN` whose discrete column `__class__` holds the classes,
            or the path of a saved one.
        epochs: training passes over the rows (CTGAN's default: 300), each of
            ceil(rows / batch_size) steps, shown as one Keras epoch.
        batch_size: rows per step, a multiple of the model's pac (10).
        noise_dim, categorical, continuous: a new model's latent spec
            (`TABLE_SPEC`; at least one code, which Q reads back).
        discrete: the columns of X to treat as categories; None: the
            non-numeric ones.
        random_state: seed of the model, the training draws and the new rows.
        verbose: Keras' `fit` progress (0, 1, 2 or "auto").

    Example:

    ```python
    sampler = TableOversampler(epochs=300, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)   # X: a DataFrame, structured or 2-D array
    ```
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "model": [None, TableInfoGAN, str, os.PathLike],
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, PAC, None, closed="left")],
        "noise_dim": [Interval(Integral, 1, None, closed="left")],
        "categorical": [list, tuple],
        "continuous": [Interval(Integral, 0, None, closed="left")],
        "discrete": [None, list, tuple],
        "random_state": [None, Integral],
        "verbose": [StrOptions({"auto"}), Interval(Integral, 0, 2, closed="both")],
    }
    _sampling_type = "over-sampling"

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        model: Any = None,
        epochs: int = 300,
        batch_size: int = 500,
        noise_dim: int = TABLE_SPEC.noise_dim,
        categorical: tuple[int, ...] = tuple(TABLE_SPEC.categorical),
        continuous: int = TABLE_SPEC.continuous,
        discrete: list[str] | None = None,
        random_state: int | None = None,
        verbose: Any = "auto",
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.model = model
        self.epochs = epochs
        self.batch_size = batch_size
        self.noise_dim = noise_dim
        self.categorical = categorical
        self.continuous = continuous
        self.discrete = discrete
        self.random_state = random_state
        self.verbose = verbose

    def _check_X_y(self, X, y, accept_sparse=None):
        """X as given (a DataFrame, a structured array, or a 2-D array whose
        columns are named x0, x1, ...): `_fit_resample` reads it, once."""
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        if self.batch_size % PAC:
            raise ValueError(f"batch_size {self.batch_size} does not split into packs of {PAC}; use a multiple of {PAC}.")
        table = _as_table(X)
        rows = table_length(table)
        if rows != len(y):
            raise ValueError(f"X has {rows} rows but y has {len(y)} labels; give one label per row.")
        if CLASS_COLUMN in table:
            raise ValueError(f"X has a column named {CLASS_COLUMN!r}, which the sampler keeps for the class; rename it.")
        table[CLASS_COLUMN] = np.asarray(y)
        table = read_table(table)  # The class column as the model reads it (numbers as floats).
        self.classes_ = np.unique(y)
        self._train(table)
        new_x, new_y = [X], [y]
        for i, (c, n) in enumerate(self.sampling_strategy_.items()):
            if n <= 0:
                continue
            seed = None if self.random_state is None else self.random_state + i
            value = table[CLASS_COLUMN][np.flatnonzero(y == c)[0]]
            rows = self.model_.sample(n, where=(CLASS_COLUMN, value), seed=seed)
            del rows[CLASS_COLUMN]
            new_x.append(_like(X, rows))
            new_y.append(np.full(n, c, dtype=y.dtype))
        return _concatenate(new_x), np.concatenate(new_y)

    def _train(self, table: dict[str, np.ndarray]) -> None:
        """Sets `model_`: loaded, given, or trained on `table` for `epochs`."""
        model = self.model
        if isinstance(model, (str, os.PathLike)):
            model = keras.models.load_model(model)
        if model is not None:
            if not isinstance(model, TableInfoGAN):
                raise ValueError(f"model must be a TableInfoGAN (or its path), got a {type(model).__name__}.")
            names = [name for name, _ in model.condition_sampler.columns]
            if CLASS_COLUMN not in names:
                raise ValueError(f"The model has no discrete column {CLASS_COLUMN!r}; give one a TableOversampler trained.")
            self.model_ = model
            return
        seed = self.random_state or 0
        keras.utils.set_random_seed(seed)
        numeric = [name for name, values in table.items() if values.dtype == np.float64 and name != CLASS_COLUMN]
        discrete = list(self.discrete) if self.discrete is not None else [n for n in table if n not in numeric]
        transformer = TableTransformer(discrete=sorted(set(discrete) | {CLASS_COLUMN}, key=list(table).index), seed=seed)
        spec = LatentSpec(noise_dim=self.noise_dim, categorical=list(self.categorical), continuous=self.continuous)
        model, data = TableInfoGAN.for_table(table, spec, transformer=transformer.fit(table), seed=seed)
        model.compile()
        steps = self.epochs * max(1, math.ceil(len(data.matrix) / self.batch_size))
        if steps:  # One Keras epoch of every step: a small table's passes are too short to pay an epoch's overhead each.
            model.fit(training_dataset(data, self.batch_size, steps, seed), steps_per_epoch=steps, shuffle=False, verbose=self.verbose)
        self.model_ = model

    def save(self, path: str) -> None:
        """Saves the trained model (a `.keras` file): `model=path` reuses it."""
        self.model_.save(path)


def _as_table(X: Any) -> dict[str, np.ndarray]:
    """X's columns by name; a plain 2-D array's are x0, x1, ..."""
    if isinstance(X, np.ndarray) and not X.dtype.names:
        if X.ndim != 2:
            raise ValueError(f"X must be a table (rows by columns), got an array of shape {X.shape}.")
        return read_table({f"x{i}": X[:, i] for i in range(X.shape[1])})
    return read_table(X)


def _like(X: Any, rows: dict[str, np.ndarray]) -> Any:
    """New rows in X's form: a DataFrame with X's columns and dtypes, a
    structured array of X's dtype, or a 2-D array of X's dtype."""
    if hasattr(X, "columns") and hasattr(X, "astype"):
        frame = type(X)({name: rows[str(name)] for name in X.columns})
        return frame.astype(X.dtypes.to_dict())
    if isinstance(X, np.ndarray) and X.dtype.names:
        out = np.empty(len(next(iter(rows.values()))), dtype=X.dtype)
        for name in X.dtype.names:
            out[name] = rows[name]
        return out
    X = np.asarray(X)
    return np.stack([rows[f"x{i}"] for i in range(X.shape[1])], axis=1).astype(X.dtype)


def _concatenate(parts: list[Any]) -> Any:
    if hasattr(parts[0], "columns") and hasattr(parts[0], "astype"):
        import pandas

        return pandas.concat(parts, ignore_index=True)
    return np.concatenate(parts)
