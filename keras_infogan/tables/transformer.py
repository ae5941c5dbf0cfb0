"""CTGAN's data handling (Xu et al., NeurIPS 2019): a table's rows as a
matrix a network can make, and back.

- A continuous column gets mode-specific normalisation: a variational
  Gaussian mixture (scikit-learn's `BayesianGaussianMixture`, at most
  `max_modes` modes, those weighing more than `weight_threshold` kept) is
  fitted to it, and a value becomes a scalar within a mode,
  (x - mean) / (4 std), then the mode's one-hot. The mode is drawn from the
  value's posterior over modes, as CTGAN does, among those that keep the
  scalar inside (-0.99, 0.99) where any does (tanh reaches it).
- A discrete column becomes a one-hot of its categories.
- A missing value is its own category: None in a discrete column; in a
  continuous one, an extra mode with scalar 0.

The inverse is exact: whole-number columns come back whole, the others to
float32's rounding of the scalar. Everything fitted is in `get_config`, so
the transformer is saved with a model.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_infogan.tables.columns import Table, as_category, read_table, table_length

__all__ = ["Span", "TableTransformer"]

CONTINUOUS, DISCRETE = "continuous", "discrete"
SCALAR_BOUND = 0.99  # Scalars the mode choice keeps inside, where a mode allows it.


@dataclasses.dataclass(frozen=True)
class Span:
    """Columns [start, start + width) of the matrix: one column's scalar
    ("tanh") or one-hot ("softmax")."""

    column: str
    start: int
    width: int
    activation: str


class TableTransformer:
    """Turns a table into a float32 matrix for a network and back (CTGAN's way).

    Args:
        discrete: columns to treat as categories; None: the non-numeric ones.
        continuous: columns to treat as numbers; None: the numeric ones not in
            `discrete`.
        max_modes: the most Gaussian modes per continuous column (CTGAN: 10).
        weight_threshold: a mode is kept when its weight exceeds this (CTGAN: 0.005).
        seed: seeds the mixtures and the draws of modes.

    Example:
        transformer = TableTransformer(discrete=["income"]).fit("train.csv")
        matrix = transformer.transform(table)        # [rows, transformer.width]
        table = transformer.inverse_transform(matrix)
    """

    def __init__(
        self,
        discrete: Sequence[str] | None = None,
        continuous: Sequence[str] | None = None,
        max_modes: int = 10,
        weight_threshold: float = 0.005,
        seed: int = 0,
    ):
        if max_modes < 1:
            raise ValueError(f"max_modes must be at least 1, got {max_modes}.")
        self.discrete = list(discrete) if discrete is not None else None
        self.continuous = list(continuous) if continuous is not None else None
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.seed = seed
        self.columns: list[dict[str, Any]] | None = None

    # ------------------------------------------------------------ fitting

    def fit(self, table: Any) -> TableTransformer:
        """Learns each column's kind, categories or modes from `table` (see `read_table`)."""
        table = read_table(table)
        kinds = self._kinds(table)
        rng = np.random.default_rng(self.seed)
        self.columns = [
            self._fit_continuous(name, values, int(rng.integers(2**31)))
            if kinds[name] == CONTINUOUS
            else self._fit_discrete(name, values)
            for name, values in table.items()
        ]
        return self

    def _kinds(self, table: Table) -> dict[str, str]:
        named = set(self.discrete or []) | set(self.continuous or [])
        unknown = sorted(named - set(table))
        if unknown:
            raise ValueError(f"No column named {', '.join(map(repr, unknown))}; the table has {', '.join(table)}.")
        both = sorted(set(self.discrete or []) & set(self.continuous or []))
        if both:
            raise ValueError(f"Column {', '.join(map(repr, both))} is named both discrete and continuous; pick one.")
        kinds = {}
        for name, values in table.items():
            if self.discrete is not None and name in self.discrete:
                kinds[name] = DISCRETE
            elif self.continuous is not None and name in self.continuous:
                if values.dtype != np.float64:
                    raise ValueError(f"Column {name!r} holds text, so it cannot be continuous; name it discrete.")
                kinds[name] = CONTINUOUS
            elif self.continuous is not None:
                kinds[name] = DISCRETE
            else:
                kinds[name] = CONTINUOUS if values.dtype == np.float64 else DISCRETE
        return kinds

    def _fit_discrete(self, name: str, values: np.ndarray) -> dict[str, Any]:
        categories = list(dict.fromkeys(as_category(v) for v in values.tolist()))
        return {"name": name, "kind": DISCRETE, "categories": categories}

    def _fit_continuous(self, name: str, values: np.ndarray, seed: int) -> dict[str, Any]:
        from sklearn.mixture import BayesianGaussianMixture

        present = values[~np.isnan(values)]
        if present.size == 0:
            raise ValueError(f"Column {name!r} has no values; drop it or name it discrete.")
        distinct = np.unique(present)
        floor = 1e-6 * max(1.0, float(np.abs(present).max()))  # No mode narrower than the values' precision.
        if distinct.size == 1:
            means, stds, weights = [float(distinct[0])], [1.0], [1.0]
        else:
            mixture = BayesianGaussianMixture(
                n_components=min(self.max_modes, distinct.size),
                weight_concentration_prior_type="dirichlet_process",
                weight_concentration_prior=0.001,
                n_init=1,
                random_state=seed,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Not converging in max_iter is CTGAN's setting too.
                mixture.fit(present[:, None])
            keep = mixture.weights_ > self.weight_threshold
            means = mixture.means_[keep, 0].tolist()
            stds = np.maximum(np.sqrt(mixture.covariances_[keep].reshape(-1)), floor).tolist()
            weights = (mixture.weights_[keep] / mixture.weights_[keep].sum()).tolist()
        return {
            "name": name,
            "kind": CONTINUOUS,
            "means": means,
            "stds": stds,
            "weights": weights,
            "whole": bool(np.all(present == np.round(present))),
            "missing": bool(present.size < values.size),
        }

    # ------------------------------------------------------------ layout

    @property
    def spans(self) -> list[Span]:
        """The matrix's column groups, in order."""
        spans, start = [], 0
        for column in self._fitted():
            if column["kind"] == CONTINUOUS:
                modes = len(column["means"]) + column["missing"]
                spans += [Span(column["name"], start, 1, "tanh"), Span(column["name"], start + 1, modes, "softmax")]
                start += 1 + modes
            else:
                spans.append(Span(column["name"], start, len(column["categories"]), "softmax"))
                start += len(column["categories"])
        return spans

    @property
    def width(self) -> int:
        """The matrix's number of columns."""
        last = self.spans[-1]
        return last.start + last.width

    @property
    def discrete_columns(self) -> dict[str, list[Any]]:
        """Each discrete column's categories, in one-hot order (None: missing)."""
        return {c["name"]: list(c["categories"]) for c in self._fitted() if c["kind"] == DISCRETE}

    def _fitted(self) -> list[dict[str, Any]]:
        if self.columns is None:
            raise ValueError("This TableTransformer is not fitted yet; call fit(table) first.")
        return self.columns

    # ------------------------------------------------------------ transforming

    def transform(self, table: Any, seed: int | None = None) -> np.ndarray:
        """`table` (the fitted columns) as a float32 matrix [rows, width];
        `seed` draws the modes (default: the transformer's seed)."""
        table = read_table(table)
        n = table_length(table)
        missing = [c["name"] for c in self._fitted() if c["name"] not in table]
        if missing:
            raise ValueError(f"The table lacks column {', '.join(map(repr, missing))}, which the transformer was fitted on.")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        parts = []
        for column in self._fitted():
            values = table[column["name"]]
            if column["kind"] == CONTINUOUS:
                if values.dtype != np.float64:
                    raise ValueError(f"Column {column['name']!r} holds text where the transformer was fitted on numbers.")
                parts += self._transform_continuous(column, values, rng)
            else:
                parts.append(self._transform_discrete(column, values, n))
        return np.concatenate(parts, axis=1).astype(np.float32)

    @staticmethod
    def _transform_discrete(column: dict[str, Any], values: np.ndarray, n: int) -> np.ndarray:
        index = {category: i for i, category in enumerate(column["categories"])}
        codes = np.empty(n, dtype=np.int64)
        for row, value in enumerate(values.tolist()):
            category = as_category(value)
            if category not in index:
                raise ValueError(
                    f"Column {column['name']!r} holds {category!r}, a category not seen in fit; fit on data that has it."
                )
            codes[row] = index[category]
        return np.eye(len(index), dtype=np.float32)[codes]

    @staticmethod
    def _transform_continuous(column: dict[str, Any], values: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
        means, stds = np.array(column["means"]), np.array(column["stds"])
        k = len(means)
        present = ~np.isnan(values)
        if not column["missing"] and not present.all():
            raise ValueError(f"Column {column['name']!r} has missing values but had none in fit; fit on data that has them.")
        x = np.where(present, values, means[0])[:, None]
        scalars = (x - means) / (4 * stds)  # [n, k]: the value in every mode
        log_p = np.log(column["weights"]) - np.log(stds) - 0.5 * np.square((x - means) / stds)
        p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        drawn = (p.cumsum(axis=1) < rng.uniform(size=(len(x), 1))).sum(axis=1).clip(max=k - 1)
        inside = np.abs(scalars) <= SCALAR_BOUND
        fallback = np.where(inside.any(axis=1), np.argmax(np.where(inside, p, -1.0), axis=1), np.argmin(np.abs(scalars), axis=1))
        mode = np.where(inside[np.arange(len(x)), drawn], drawn, fallback)
        scalar = np.where(present, scalars[np.arange(len(x)), mode], 0.0)
        mode = np.where(present, mode, k)  # The extra mode stands for missing.
        return [scalar[:, None], np.eye(k + column["missing"], dtype=np.float32)[mode]]

    def inverse_transform(self, matrix: np.ndarray) -> Table:
        """A matrix [rows, width] (made by `transform` or by a network) as a
        table: each one-hot read by its largest entry."""
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.width:
            raise ValueError(f"Expected a matrix [rows, {self.width}], got shape {matrix.shape}.")
        spans = iter(self.spans)
        table = {}
        for column in self._fitted():
            if column["kind"] == CONTINUOUS:
                scalar, modes = next(spans), next(spans)
                mode = matrix[:, modes.start : modes.start + modes.width].argmax(axis=1)
                k = len(column["means"])
                safe = np.minimum(mode, k - 1)
                stds, means = np.array(column["stds"]), np.array(column["means"])
                values = matrix[:, scalar.start] * 4 * stds[safe] + means[safe]
                if column["whole"]:
                    values = np.round(values)
                table[column["name"]] = np.where(mode == k, np.nan, values)
            else:
                span = next(spans)
                chosen = matrix[:, span.start : span.start + span.width].argmax(axis=1)
                categories = column["categories"]
                numbers = all(c is None or isinstance(c, float) for c in categories)
                out = np.array([categories[i] for i in chosen], dtype=object)
                table[column["name"]] = np.array([np.nan if v is None else v for v in out], np.float64) if numbers else out
        return table

    # ------------------------------------------------------------ saving

    def get_config(self) -> dict[str, Any]:
        return {
            "discrete": self.discrete,
            "continuous": self.continuous,
            "max_modes": self.max_modes,
            "weight_threshold": self.weight_threshold,
            "seed": self.seed,
            "columns": self.columns,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TableTransformer:
        config = dict(config)
        columns = config.pop("columns", None)
        transformer = cls(**config)
        transformer.columns = columns
        return transformer

