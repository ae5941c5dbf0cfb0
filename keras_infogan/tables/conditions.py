"""CTGAN's conditional vector and training-by-sampling (Xu et al., 2019).

A condition names one discrete column and one of its categories: a one-hot
over the categories of every discrete column, in the transformer's order,
with a single 1. In training, each row's condition picks a discrete column
uniformly and a category with probability proportional to log(1 + its
count), so rare categories come up far more often than in the data, and the
real row shown beside it is drawn among the rows that have that category.
To sample, conditions follow the data's own frequencies, or a `where`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from keras_infogan.tables.columns import as_category
from keras_infogan.tables.transformer import TableTransformer

__all__ = ["ConditionSampler"]


class ConditionSampler:
    """Draws conditions, and real rows that meet them, for a transformed table.

    Args:
        transformer: the fitted `TableTransformer`.
        matrix: the table as `transformer.transform` made it (its one-hots say
            each row's categories).

    Example:
        sampler = ConditionSampler(transformer, matrix)
        conditions, rows = sampler.training_draw(500, rng)   # matrix[rows] meets them
        where = sampler.where("workclass", "Private", 100)
    """

    def __init__(self, transformer: TableTransformer, matrix: np.ndarray):
        self.columns = list(transformer.discrete_columns.items())  # (name, categories) in one-hot order
        spans = {s.column: s for s in transformer.spans if s.activation == "softmax"}
        self.offsets = np.cumsum([0] + [len(c) for _, c in self.columns])  # each column's start in the condition
        self.width = int(self.offsets[-1])
        self._spans = [(spans[name].start, spans[name].width) for name, _ in self.columns]
        self._n_rows = len(matrix)
        self._rows_of: list[list[np.ndarray]] | None = []  # [column][category] -> rows with it
        self._training_p, self._data_p = [], []
        for c, (_, categories) in enumerate(self.columns):
            chosen = self._categories_in(np.asarray(matrix), c)
            counts = np.bincount(chosen, minlength=len(categories))
            self._rows_of.append([np.flatnonzero(chosen == i) for i in range(len(categories))])
            log_counts = np.log1p(counts)
            self._training_p.append(log_counts / log_counts.sum())
            self._data_p.append(counts / counts.sum())

    @classmethod
    def from_frequencies(cls, transformer: TableTransformer, frequencies: list[list[float]]) -> ConditionSampler:
        """A sampler of conditions by the given category shares (a saved
        model's `frequencies`), with no rows: `training_draw` needs the data."""
        with np.errstate(invalid="ignore", divide="ignore"):  # No rows: the shares are replaced below.
            sampler = cls(transformer, np.zeros((0, transformer.width), dtype=np.float32))
        sampler._data_p = [np.asarray(f, dtype=np.float64) for f in frequencies]
        sampler._rows_of = None
        return sampler

    @property
    def frequencies(self) -> list[list[float]]:
        """Each discrete column's category shares in the data, in the condition's order."""
        return [p.tolist() for p in self._data_p]

    def training_draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """`n` conditions (column uniform, category by log-frequency) and, for
        each, the index of a real row that meets it."""
        if self._rows_of is None:
            raise ValueError("This sampler was made from frequencies alone; training draws need the data's rows.")
        if not self.columns:  # Nothing to condition on: empty conditions, rows uniformly.
            return np.zeros((n, 0), dtype=np.float32), rng.integers(self._n_rows, size=n)
        column, category = self._draw(n, self._training_p, rng)
        rows = np.empty(n, dtype=np.int64)
        for c, k in set(zip(column.tolist(), category.tolist())):
            here = (column == c) & (category == k)
            rows[here] = rng.choice(self._rows_of[c][k], size=int(here.sum()))
        return self._one_hot(column, category), rows

    def data_draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` conditions whose categories follow the data's frequencies (for sampling)."""
        if not self.columns:
            return np.zeros((n, 0), dtype=np.float32)
        return self._one_hot(*self._draw(n, self._data_p, rng))

    def _draw(self, n: int, probabilities: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A column per row, uniformly, then a category of it by `probabilities`."""
        column = rng.integers(len(self.columns), size=n)
        u = rng.uniform(size=n)
        category = np.empty(n, dtype=np.int64)
        for c, p in enumerate(probabilities):
            here = column == c
            category[here] = np.searchsorted(np.cumsum(p), u[here], side="right").clip(max=len(p) - 1)
        return column, category

    def where(self, column: str, value: Any, n: int) -> np.ndarray:
        """`n` copies of the condition `column == value`."""
        index = self.column_index(column)
        categories = self.columns[index][1]
        category = as_category(value)
        if category not in categories:
            shown = ", ".join(map(str, categories[:12])) + (", ..." if len(categories) > 12 else "")
            raise ValueError(f"Column {column!r} has no category {value!r}; it has {shown}.")
        return self._one_hot(np.full(n, index), np.full(n, categories.index(category)))

    def meets(self, matrix: np.ndarray, conditions: np.ndarray) -> np.ndarray:
        """Whether each row of `matrix` (the transformer's layout, read by
        each one-hot's largest entry) has the category its condition names."""
        matrix = np.asarray(matrix)
        met = np.zeros(len(matrix), dtype=bool)
        for c, wanted, named in self._named(conditions):
            met[named] = self._categories_in(matrix[named], c) == wanted[named].argmax(axis=1)
        return met

    def impose(self, matrix: np.ndarray, conditions: np.ndarray) -> np.ndarray:
        """`matrix` with each row's conditioned one-hot replaced by its condition's category."""
        out = np.array(matrix, dtype=np.float32)
        for c, wanted, named in self._named(conditions):
            start, width = self._spans[c]
            out[named, start : start + width] = wanted[named]
        return out

    def _named(self, conditions: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Per condition column c: its slice of `conditions`, and which rows name a category of it."""
        conditions = np.asarray(conditions)
        for c in range(len(self.columns)):
            wanted = conditions[:, self.offsets[c] : self.offsets[c + 1]]
            yield c, wanted, wanted.max(axis=1) > 0

    def _categories_in(self, matrix: np.ndarray, c: int) -> np.ndarray:
        start, width = self._spans[c]
        return matrix[:, start : start + width].argmax(axis=1)

    def column_index(self, column: str) -> int:
        """The place of a discrete column among the condition's columns."""
        names = [name for name, _ in self.columns]
        if column not in names:
            raise ValueError(f"{column!r} is not a discrete column; conditions can name {', '.join(names) or 'none'}.")
        return names.index(column)

    def _one_hot(self, column: np.ndarray, category: np.ndarray) -> np.ndarray:
        out = np.zeros((len(column), self.width), dtype=np.float32)
        out[np.arange(len(column)), self.offsets[column] + category] = 1.0
        return out
