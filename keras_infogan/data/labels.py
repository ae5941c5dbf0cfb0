"""Labels for a fraction of the data: the rows that keep theirs, chosen
class-balanced with a seed; every other row gets -1 (unlabelled)."""

from __future__ import annotations

import numpy as np

__all__ = ["UNLABELLED", "labelled_subset"]

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
