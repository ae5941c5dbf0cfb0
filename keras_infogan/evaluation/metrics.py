"""Plain metrics of codes, labels and images, in numpy and scipy: does each
latent code capture one factor?

`unsupervised_accuracy`, `mutual_information_gap` / `mig_per_factor`, the
image-moment statistics `slant` and `width`, and the traversal scores
`traversal_effect` and `category_consistency`. They take arrays, not models
(`measurements` runs a model to get them), and import no Keras. All
logarithms are natural (nats).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

__all__ = [
    "unsupervised_accuracy",
    "mutual_information_gap",
    "mig_per_factor",
    "discrete_mutual_info",
    "discrete_entropy",
    "histogram_discretize",
    "slant",
    "width",
    "traversal_effect",
    "category_consistency",
    "factor_vae_score",
]


def _as_int_vector(name: str, x: Any) -> np.ndarray:
    """Returns `x` as a 1-D int64 array of non-negative values or raises."""
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(
            f"`{name}` must be 1-D [N], got shape {arr.shape}. Pass a single "
            f"column, e.g. `model.encode(images)['categorical'][:, 0]`."
        )
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty; pass at least one sample.")
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ValueError(
                f"`{name}` must hold integer class indices, got dtype "
                f"{arr.dtype}. Take the argmax of probabilities first."
            )
    arr = arr.astype(np.int64)
    if arr.min() < 0:
        raise ValueError(
            f"`{name}` must hold non-negative indices, found {arr.min()}. "
            f"Re-index the values to 0..K-1 (e.g. np.unique(x, return_inverse=True))."
        )
    return arr


def _as_matrix(name: str, x: Any) -> np.ndarray:
    """Returns `x` as a 2-D float array [N, D]; 1-D input becomes [N, 1]."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"`{name}` must be 2-D [N, D] (samples x columns), got shape "
            f"{arr.shape}. Reshape it to [N, D]."
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"`{name}` has shape {arr.shape}; it needs samples and columns.")
    return arr


def _as_images(name: str, images: Any) -> np.ndarray:
    """Returns grayscale float images [N, H, W] from [N,H,W] or [N,H,W,C]."""
    arr = np.asarray(images, dtype=np.float64)
    if arr.ndim == 4:
        # Channels-last; colour images are averaged into a grayscale mass.
        arr = arr.mean(axis=-1)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        raise ValueError(
            f"`{name}` of shape {arr.shape} is ambiguous: a single [H, W, 1] image "
            f"or images 1 pixel wide. Pass a batch, [N, H, W, 1] or [N, H, W] "
            f"(add a batch axis with images[None])."
        )
    if arr.ndim != 3:
        raise ValueError(
            f"`{name}` must be [N, H, W] or [N, H, W, C] (channels last), got "
            f"shape {np.shape(images)}. Add a batch axis for a single image "
            f"(images[None])."
        )
    if arr.size and np.nanmin(arr) < -1e-6:
        raise ValueError(
            f"`{name}` must be non-negative intensities in [0, 1] (they are used "
            f"as mass for the moments), found min {np.nanmin(arr):.3g}. If they are "
            f"tanh outputs in [-1, 1], pass (images + 1) / 2."
        )
    return np.clip(arr, 0.0, None)


def _as_traversals(name: str, x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(
            f"`{name}` must be 2-D [n_traversals, n_steps], got shape {arr.shape}. "
            f"Reshape a flat batch with .reshape(n_traversals, n_steps)."
        )
    if arr.shape[0] < 1 or arr.shape[1] < 2:
        raise ValueError(
            f"`{name}` has shape {arr.shape}; it needs at least 1 traversal of "
            f"at least 2 steps."
        )
    return arr


# 1. Unsupervised (Hungarian-matched) accuracy


def unsupervised_accuracy(
    predicted: np.ndarray, labels: np.ndarray, n_values: int | None = None
) -> tuple[float, np.ndarray, dict[int, int]]:
    """Accuracy of a code under the best one-to-one matching of code values to labels.

    An unsupervised categorical code learns the classes in an arbitrary order,
    so the accuracy is measured after the permutation that maximises it
    (Hungarian algorithm on the confusion matrix). Matching is strictly
    one-to-one: when there are more code values than labels, the unmatched
    code values count as errors (and are absent from the mapping); when there
    are more labels than code values, the unmatched labels are never predicted.

    Args:
        predicted: int [N], the code value of each sample (e.g. Q's argmax).
        labels: int [N], the true class of each sample, in 0..L-1.
        n_values: number of code values K (rows of the confusion matrix);
            default `predicted.max() + 1`.

    Returns:
        `(accuracy, confusion, mapping)`: accuracy in [0, 1]; confusion int
        [K, L] with rows = code value and columns = label
        (`L = labels.max() + 1`); mapping `{code value: label}` of the
        matched pairs.
    """
    predicted = _as_int_vector("predicted", predicted)
    labels = _as_int_vector("labels", labels)
    if predicted.shape != labels.shape:
        raise ValueError(
            f"`predicted` and `labels` must have the same length, got "
            f"{predicted.shape[0]} and {labels.shape[0]}."
        )
    if n_values is None:
        n_values = int(predicted.max()) + 1
    elif int(n_values) < 1:
        raise ValueError(f"`n_values` must be >= 1, got {n_values}.")
    n_values = int(n_values)
    if predicted.max() >= n_values:
        raise ValueError(
            f"`predicted` holds value {predicted.max()} but `n_values` is "
            f"{n_values}; pass n_values > max(predicted) or leave it None."
        )
    n_labels = int(labels.max()) + 1
    confusion = np.zeros((n_values, n_labels), dtype=np.int64)
    np.add.at(confusion, (predicted, labels), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    correct = int(confusion[rows, cols].sum())
    mapping = {int(r): int(c) for r, c in zip(rows, cols)}
    return correct / predicted.shape[0], confusion, mapping


# 2. Mutual information gap (MIG)


def histogram_discretize(x: np.ndarray, bins: int = 20, name: str = "x") -> np.ndarray:
    """Discretises each column of `x` [N, D] into `bins` equal-width bins.

    Same as disentanglement_lib's `_histogram_discretize`: the bin edges are
    `np.histogram(column, bins)` edges and the index is
    `np.digitize(column, edges[:-1])`, i.e. values 1..bins (the column
    maximum falls in the last bin). Returns int64 [N, D]. `name` is used in
    error messages.
    """
    x = _as_matrix(name, x).astype(np.float64)
    if int(bins) < 1:
        raise ValueError(f"`bins` must be >= 1, got {bins}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"`{name}` contains NaN or inf; remove or impute them before discretising."
        )
    out = np.zeros(x.shape, dtype=np.int64)
    for j in range(x.shape[1]):
        edges = np.histogram(x[:, j], int(bins))[1]
        out[:, j] = np.digitize(x[:, j], edges[:-1])
    return out


def _contingency(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Count table of two 1-D label arrays (arbitrary values)."""
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1), dtype=np.float64)
    np.add.at(table, (ai.ravel(), bi.ravel()), 1.0)
    return table


def _mi_from_table(table: np.ndarray) -> float:
    """Plug-in mutual information (nats) of a count table, like sklearn's
    `mutual_info_score`."""
    n = table.sum()
    pa = table.sum(axis=1, keepdims=True) / n
    pb = table.sum(axis=0, keepdims=True) / n
    pab = table / n
    nz = pab > 0
    mi = float(np.sum(pab[nz] * (np.log(pab[nz]) - np.log((pa * pb)[nz]))))
    return max(mi, 0.0)


def discrete_mutual_info(codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Plug-in MI (nats) between every discrete code column and factor column.

    Args:
        codes: [N, n_codes] discrete values (any labels).
        factors: [N, n_factors] discrete values (any labels).

    Returns:
        float [n_codes, n_factors].
    """
    codes = _as_matrix("codes", codes)
    factors = _as_matrix("factors", factors)
    if codes.shape[0] != factors.shape[0]:
        raise ValueError(
            f"`codes` and `factors` must have the same number of rows, got "
            f"{codes.shape[0]} and {factors.shape[0]}."
        )
    m = np.zeros((codes.shape[1], factors.shape[1]))
    for i in range(codes.shape[1]):
        for j in range(factors.shape[1]):
            m[i, j] = _mi_from_table(_contingency(codes[:, i], factors[:, j]))
    return m


def discrete_entropy(factors: np.ndarray) -> np.ndarray:
    """Plug-in entropy (nats) of each discrete column of `factors` [N, D]."""
    factors = _as_matrix("factors", factors)
    h = np.zeros(factors.shape[1])
    for j in range(factors.shape[1]):
        _, counts = np.unique(factors[:, j], return_counts=True)
        p = counts / counts.sum()
        h[j] = float(-np.sum(p * np.log(p)))
    return h


def mig_per_factor(
    codes: np.ndarray,
    factors: np.ndarray,
    bins: int = 20,
    discrete_factors: bool = True,
) -> np.ndarray:
    """Per-factor mutual information gap: (top MI - second MI) / H(factor).

    Follows disentanglement_lib's `compute_mig`: every code column is
    discretised into `bins` equal-width histogram bins
    (`histogram_discretize`), the plug-in MI between each discretised code and
    each factor is computed, and for each factor the gap between the largest
    and second-largest MI over codes is normalised by the factor's entropy.

    Args:
        codes: [N, n_codes] representation (e.g. Q's continuous means), at
            least 2 columns (the gap needs a runner-up).
        factors: [N, n_factors] ground-truth factors.
        bins: number of histogram bins per code column (disentanglement_lib: 20).
        discrete_factors: if True, factor values are used as class labels as
            they are; if False, every factor column is histogram-discretised
            with `bins` like the codes.

    Returns:
        float [n_factors]; NaN for a constant factor (zero entropy: the gap is
        0/0, which disentanglement_lib would also report as NaN).
    """
    codes = _as_matrix("codes", codes)
    factors = _as_matrix("factors", factors)
    if codes.shape[0] != factors.shape[0]:
        raise ValueError(
            f"`codes` and `factors` must have the same number of rows (samples), "
            f"got {codes.shape[0]} and {factors.shape[0]}."
        )
    if codes.shape[1] < 2:
        raise ValueError(
            f"`codes` needs at least 2 columns for a gap between the best and "
            f"second-best code, got shape {codes.shape}. Add more code columns "
            f"(e.g. categorical argmax columns)."
        )
    discretized = histogram_discretize(codes, bins, name="codes")
    if not discrete_factors:
        factors = histogram_discretize(factors, bins, name="factors")
    m = discrete_mutual_info(discretized, factors)  # [n_codes, n_factors]
    entropy = discrete_entropy(factors)
    sorted_m = np.sort(m, axis=0)[::-1]
    gap = sorted_m[0] - sorted_m[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(entropy > 0, gap / np.where(entropy > 0, entropy, 1.0), np.nan)
    return out


def mutual_information_gap(
    codes: np.ndarray,
    factors: np.ndarray,
    bins: int = 20,
    discrete_factors: bool = True,
) -> float:
    """Mutual information gap (MIG, Chen et al. 2018), as disentanglement_lib computes it.

    The mean over factors of `mig_per_factor`: 1.0 means every factor is
    captured by exactly one code (and no other code carries information about
    it); 0 means no code is more informative about a factor than the runner-up.

    Constant factors (zero entropy, e.g. dSprites' colour) have an undefined
    gap; they are left out of the mean with a warning (disentanglement_lib
    avoids them by not listing them as factors). Raises ValueError if every
    factor is constant.

    Args: see `mig_per_factor`.

    Returns:
        MIG in [0, 1] (float).
    """
    per_factor = mig_per_factor(codes, factors, bins=bins, discrete_factors=discrete_factors)
    constant = np.isnan(per_factor)
    if constant.all():
        raise ValueError(
            "Every column of `factors` is constant (zero entropy), so MIG is "
            "undefined. Pass factors that vary across the samples."
        )
    if constant.any():
        warnings.warn(
            f"Factor columns {np.flatnonzero(constant).tolist()} are constant and "
            f"were left out of the MIG mean.",
            stacklevel=2,
        )
    return float(np.mean(per_factor[~constant]))


def factor_vae_score(
    represent: Callable[[np.ndarray], np.ndarray],
    factor_sizes: Sequence[int],
    seed: int = 0,
    batch_size: int = 64,
    num_train: int = 10000,
    num_eval: int = 5000,
    num_variance_estimate: int = 10000,
    chunk: int = 256,
) -> dict[str, float]:
    """The FactorVAE score (Kim & Mnih, 2018), as disentanglement_lib computes it.

    Each vote draws `batch_size` factor vectors with one factor, chosen at
    random, held at one value, represents them, and names the code whose
    variance, divided by its variance over `num_variance_estimate` free
    draws, is smallest. A majority-vote classifier from code to factor is
    fitted on `num_train` votes; the score is its accuracy on `num_eval`
    fresh votes. Codes of zero variance are left out, as disentanglement_lib
    does (a vote then names the code itself, where disentanglement_lib counts
    among the varying codes only: the same when every code varies).

    Args:
        represent: factor indices [M, F] -> codes [M, D]: draw the
            observations of these factors and read their codes.
        factor_sizes: the number of values of each factor.
        seed: seed of the draws.
        chunk: votes represented per call of `represent`.

    Returns:
        `{"train_accuracy": ..., "eval_accuracy": ..., "num_active_dims": ...}`.
    """
    rng = np.random.default_rng(seed)
    sizes = np.asarray(factor_sizes)

    def draw(n: int) -> np.ndarray:
        return rng.integers(0, sizes, size=(n, len(sizes)))

    global_variances = np.var(_as_matrix("codes", represent(draw(num_variance_estimate))), axis=0, ddof=1)
    active = np.sqrt(global_variances) > 0
    if not active.any():
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}

    def votes(count: int) -> np.ndarray:
        table = np.zeros((len(sizes), len(global_variances)), dtype=np.int64)
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            fixed = rng.integers(0, len(sizes), size=n)
            factors = draw(n * batch_size).reshape(n, batch_size, len(sizes))
            factors[np.arange(n), :, fixed] = factors[np.arange(n), :1, fixed]
            codes = _as_matrix("codes", represent(factors.reshape(n * batch_size, -1)))
            local = np.var(codes.reshape(n, batch_size, -1), axis=1, ddof=1)
            ratios = local[:, active] / global_variances[active]
            np.add.at(table, (fixed, np.flatnonzero(active)[np.argmin(ratios, axis=1)]), 1)
        return table

    train = votes(num_train)
    classifier = np.argmax(train, axis=0)
    columns = np.arange(train.shape[1])
    evaluation = votes(num_eval)
    return {
        "train_accuracy": float(train[classifier, columns].sum() / train.sum()),
        "eval_accuracy": float(evaluation[classifier, columns].sum() / evaluation.sum()),
        "num_active_dims": int(active.sum()),
    }


# 3. Image-moment statistics


def _moments(images: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mass m00 and central moments mu20 (x), mu02 (y), mu11 per image.

    x is the column index (rightwards), y is *upwards* (minus the row index).
    """
    n, h, w = images.shape
    xs = np.arange(w, dtype=np.float64)
    ys = -np.arange(h, dtype=np.float64)
    m00 = images.sum(axis=(1, 2))
    safe = np.where(m00 > 0, m00, 1.0)
    col_mass = images.sum(axis=1)  # [N, W]
    row_mass = images.sum(axis=2)  # [N, H]
    cx = col_mass @ xs / safe
    cy = row_mass @ ys / safe
    dx = xs[None, :] - cx[:, None]  # [N, W]
    dy = ys[None, :] - cy[:, None]  # [N, H]
    mu20 = np.sum(col_mass * dx**2, axis=1)
    mu02 = np.sum(row_mass * dy**2, axis=1)
    mu11 = np.einsum("nhw,nh,nw->n", images, dy, dx)
    return m00, mu20, mu02, mu11


def slant(images: np.ndarray) -> np.ndarray:
    """Per-image slant (shear) from second-order central moments: mu11 / mu02.

    With x rightwards and y upwards, mu11 / mu02 is the least-squares slope
    dx/dy of the ink: how many pixels the stroke moves right per pixel up.
    Positive = the top leans right (like "/" or italic text), negative = the
    top leans left ("\\"), 0 = upright. This is the shear that MNIST
    deskewing removes, and what InfoGAN's "rotation" continuous code changes.

    Args:
        images: [N, H, W] or [N, H, W, C] non-negative intensities (used as
            mass), nominally in [0, 1]; colour channels are averaged.

    Returns:
        float [N]. Empty images (zero mass) and images whose mass lies in a
        single row (mu02 = 0) get 0.0.
    """
    images = _as_images("images", images)
    m00, _, mu02, mu11 = _moments(images)
    ok = (m00 > 0) & (mu02 > 1e-12 * np.maximum(m00, 1e-300))
    return np.where(ok, mu11 / np.where(ok, mu02, 1.0), 0.0)


def width(images: np.ndarray, deslant: bool = True) -> np.ndarray:
    """Per-image horizontal spread in pixels: 2 * sqrt(horizontal variance).

    The horizontal variance is mu20 / m00 (intensity-weighted). With
    `deslant=True` (default) the part of it explained by the slant is removed
    first, (mu20 - mu11**2 / mu02) / m00, i.e. the width of the deskewed digit,
    so a slanted "1" does not read as wide; this keeps width and slant
    separate statistics. For an upright filled rectangle `w` pixels wide both
    versions give 2 * sqrt((w**2 - 1) / 12), about 0.58 * w.

    Args:
        images: [N, H, W] or [N, H, W, C] non-negative intensities in [0, 1].
        deslant: remove the slant's contribution before measuring.

    Returns:
        float [N]; 0.0 for empty images.
    """
    images = _as_images("images", images)
    m00, mu20, mu02, mu11 = _moments(images)
    var = mu20
    if deslant:
        ok = mu02 > 1e-12 * np.maximum(m00, 1e-300)
        var = mu20 - np.where(ok, mu11**2 / np.where(ok, mu02, 1.0), 0.0)
    var = np.clip(var, 0.0, None)
    return np.where(m00 > 0, 2.0 * np.sqrt(var / np.where(m00 > 0, m00, 1.0)), 0.0)


# 4. Traversal scores


def traversal_effect(values: np.ndarray, statistic: np.ndarray) -> float:
    """Median over traversals of the Spearman correlation between code value and a statistic.

    Measures how consistently an image statistic (e.g. `slant`) moves with a
    continuous code while everything else is held fixed: +1 = the statistic
    rises monotonically with the code in the typical traversal, -1 = falls,
    ~0 = unrelated. Spearman (rank) correlation is used because the code may
    act monotonically but non-linearly; ties get average ranks. The median
    keeps a few degenerate traversals from dominating.

    Args:
        values: [n_traversals, n_steps] code value at each step.
        statistic: [n_traversals, n_steps] statistic of the generated image.

    Returns:
        Signed median correlation in [-1, 1]. A traversal whose statistic is
        constant counts as correlation 0 (it does not follow the code).
    """
    values = _as_traversals("values", values).astype(np.float64)
    statistic = _as_traversals("statistic", statistic).astype(np.float64)
    if values.shape != statistic.shape:
        raise ValueError(
            f"`values` and `statistic` must have the same shape "
            f"[n_traversals, n_steps], got {values.shape} and {statistic.shape}."
        )
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(statistic))):
        raise ValueError("`values` and `statistic` must be finite (no NaN/inf).")
    if np.any(np.ptp(values, axis=1) == 0):
        raise ValueError(
            "`values` is constant along some traversal; each row must sweep the "
            "code (e.g. np.linspace(-2, 2, n_steps))."
        )
    rv = rankdata(values, axis=1)
    rs = rankdata(statistic, axis=1)
    rv -= rv.mean(axis=1, keepdims=True)
    rs -= rs.mean(axis=1, keepdims=True)
    num = np.sum(rv * rs, axis=1)
    den = np.sqrt(np.sum(rv**2, axis=1) * np.sum(rs**2, axis=1))
    r = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return float(np.clip(np.median(r), -1.0, 1.0))


def category_consistency(categories: np.ndarray, reference: str = "centre") -> float:
    """Fraction of traversal steps whose category equals the traversal's reference category.

    When a continuous code is swept, a disentangled model keeps the class
    (Q's categorical argmax) fixed. The reference is the category at the
    centre step (`reference="centre"`, index n_steps // 2, i.e. the code value
    0 for a symmetric odd-length sweep) or the most frequent category along
    the traversal (`reference="mode"`, ties broken towards the smaller value).

    Args:
        categories: int [n_traversals, n_steps].
        reference: "centre" or "mode".

    Returns:
        Fraction in [0, 1] over all steps of all traversals (the reference
        step itself included, so the centre version is at least 1 / n_steps).
    """
    categories = _as_traversals("categories", categories)
    if reference == "centre":
        ref = categories[:, categories.shape[1] // 2]
    elif reference == "mode":
        ref = np.empty(categories.shape[0], dtype=categories.dtype)
        for i, row in enumerate(categories):
            vals, counts = np.unique(row, return_counts=True)
            ref[i] = vals[np.argmax(counts)]
    else:
        raise ValueError(f"`reference` must be 'centre' or 'mode', got {reference!r}.")
    return float(np.mean(categories == ref[:, None]))
