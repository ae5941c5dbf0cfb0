"""Class labels of the first categorical code: their valid values, the
rows that keep theirs (class-balanced, with a seed; every other row gets -1,
unlabelled), and the names of the classes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_infogan import contract

__all__ = ["UNLABELLED", "check_class_names", "check_labels", "class_index", "labelled_subset"]

UNLABELLED = -1


def labelled_subset(labels: np.ndarray, per_class: int, seed: int | None = None) -> np.ndarray:
    """`labels` with all but `per_class` rows of each class set to -1, the
    kept rows drawn with `seed`.

    Example:

    >>> labelled_subset(np.array([0, 0, 1, 1, 1]), 1, seed=0).tolist().count(-1)
    3
    """
    labels = np.asarray(labels).reshape(-1).astype("int64")
    if per_class < 1:
        raise ValueError(f"labels per class must be at least 1, got {per_class}.")
    rng = np.random.default_rng(seed)
    kept = np.full_like(labels, UNLABELLED)
    for value in np.unique(labels[labels >= 0]):
        rows = np.flatnonzero(labels == value)
        if len(rows) < per_class:
            raise ValueError(f"class {value} has {len(rows)} labelled rows, fewer than {per_class} per class.")
        chosen = rng.choice(rows, per_class, replace=False)
        kept[chosen] = value
    return kept


def check_labels(labels: Any, categories: int) -> np.ndarray:
    """`labels` as int32, or a ValueError in one line: each must be a value of
    the first categorical code (0..categories-1) or UNLABELLED."""
    values = np.asarray(labels)
    if values.size and (
        not np.issubdtype(values.dtype, np.integer) or values.min() < UNLABELLED or values.max() >= categories
    ):
        low, high = (values.min(), values.max()) if np.issubdtype(values.dtype, np.number) else ("?", "?")
        raise ValueError(
            f"Labels must be integers in 0..{categories - 1}, the values of the first categorical code, or "
            f"{UNLABELLED} for an unlabelled row; got {values.dtype} in {low}..{high} (a first categorical "
            "code with more values fits more classes: --categorical K on the command line)."
        )
    return values.astype("int32")


def check_class_names(names: Sequence[str], categories: int) -> tuple[str, ...]:
    """One distinct, non-empty name per value of the first categorical code."""
    names = tuple(str(name) for name in names)
    if len(names) != categories:
        raise ValueError(
            f"There are {len(names)} class names but the first categorical code has {categories} values; "
            "give one name per value."
        )
    if not all(name.strip() for name in names):
        raise ValueError("Class names must not be empty.")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"Class names must differ; {', '.join(repeated)} is given more than once.")
    return names


def class_index(value: Any, names: Sequence[str] | None, categories: int) -> int:
    """The first categorical code's value for a class given by name (when
    there are names) or by index."""
    if names and str(value) in names:
        return list(names).index(str(value))
    try:
        index = int(value)
    except (TypeError, ValueError):
        known = f"one of {', '.join(names)}" if names else f"an index 0..{categories - 1} (the model has no class names)"
        raise ValueError(f"Unknown class {str(value)!r}; ask for {known}.") from None
    if not 0 <= index < categories:
        raise ValueError(f"{contract.categorical_range_message(0, categories)}, got {index}.")
    return index
