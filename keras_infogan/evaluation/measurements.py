"""Measurements of a trained InfoGAN: they sample, generate and encode through
the model, then score what comes out with `metrics`.

`categorical_accuracy` (the paper's unsupervised MNIST accuracy),
`mi_lower_bound` (InfoGAN's bound on fresh samples), `continuous_code_effects`
(what each continuous code does to slant, width and the class),
`evaluate_shapes_mig` (MIG on a dataset with known factors, such as dSprites),
and for the embedded shapes data `shapes_disentanglement` (MIG and the
FactorVAE score) of the codes that `code_reader` (Q) or `fit_code_reader` (a
reader trained afterwards) reads. All logarithms are natural.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from keras import ops

from keras_infogan import losses
from keras_infogan.evaluation.metrics import (
    _as_int_vector,
    _as_matrix,
    category_consistency,
    factor_vae_score,
    mutual_information_gap,
    slant,
    traversal_effect,
    unsupervised_accuracy,
    width,
)

__all__ = [
    "categorical_accuracy",
    "code_reader",
    "continuous_code_effects",
    "evaluate_shapes_mig",
    "fit_code_reader",
    "mi_lower_bound",
    "shapes_disentanglement",
]


def _check_positive(name: str, value: int) -> int:
    if int(value) < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {value}.")
    return int(value)


def categorical_accuracy(
    model: Any,
    images: np.ndarray,
    labels: np.ndarray,
    code: int = 0,
    batch_size: int = 256,
) -> tuple[float, np.ndarray, dict[int, int]]:
    """Unsupervised accuracy of Q's categorical code `code` against true labels.

    InfoGAN's headline MNIST result: the 10-way code, matched to the digit
    classes by the best permutation, classifies real digits (paper: ~95%).

    Args:
        model: an InfoGAN model with `encode` and `spec`.
        images: real images [N, H, W, C] in the model's input range.
        labels: int [N] true classes.
        code: which categorical code to evaluate.
        batch_size: encode batch size.

    Returns:
        `(accuracy, confusion, mapping)` as in `unsupervised_accuracy`.
    """
    n_cat = len(model.spec.categorical)
    if not 0 <= int(code) < n_cat:
        raise ValueError(
            f"`code` must index one of the model's {n_cat} categorical codes "
            f"(0..{n_cat - 1}), got {code}."
        )
    labels = _as_int_vector("labels", labels)
    if len(images) != labels.shape[0]:
        raise ValueError(
            f"`images` and `labels` must have the same length, got "
            f"{len(images)} and {labels.shape[0]}."
        )
    encoded = model.encode(images, batch_size=batch_size)
    predicted = np.asarray(encoded["categorical"])[:, int(code)]
    return unsupervised_accuracy(predicted, labels, n_values=model.spec.categorical[int(code)])


def mi_lower_bound(model: Any, n: int = 2000, seed: int = 0, batch_size: int = 256) -> float:
    """Monte-Carlo estimate of InfoGAN's variational MI lower bound for the categorical codes.

    Samples fresh latents, generates x = G(z, c), encodes it with Q and
    returns sum over categorical codes of [H(c) + E log Q(c_true | x)] =
    sum_k [log K_k + mean log Q(c_k | x)] in nats. It is at most
    `sum log K_k` (the codes' entropy), reached when Q recovers every code
    with certainty. Continuous codes are not included. Returns 0.0 for a
    model without categorical codes.
    """
    n = _check_positive("n", n)
    batch_size = _check_positive("batch_size", batch_size)
    spec = model.spec
    if not spec.categorical:
        return 0.0
    rng = np.random.default_rng(seed)
    latents = spec.sample_numpy(n, rng)
    images = model.generate(**latents, batch_size=batch_size)
    probs = model.encode(images, batch_size=batch_size)["categorical_probs"]
    # Q's log-probabilities are logits whose softmax is Q's reading itself.
    log_q = np.log(np.clip(probs, 1e-12, 1.0))
    return float(ops.convert_to_numpy(losses.categorical_mi_lower_bound(log_q, latents["categorical"], spec.categorical)))


def continuous_code_effects(
    model: Any,
    n_traversals: int = 32,
    steps: int = 9,
    span: float = 2.0,
    seed: int = 0,
    batch_size: int = 256,
) -> dict[str, dict[str, float]]:
    """How each continuous code changes slant and width, and whether it keeps the class.

    For each continuous code j, `n_traversals` random latents are drawn and
    code j is swept over `np.linspace(-span, span, steps)` with noise and all
    other codes held fixed (the paper sweeps to +-2, beyond the training
    range [-1, 1]). On the generated images it measures `slant` and `width`
    and scores them with `traversal_effect` (median Spearman correlation,
    signed), and scores Q's categorical code 0 along the traversals with
    `category_consistency` (centre step as reference; NaN if the model has no
    categorical code).

    Returns:
        `{"continuous_j": {"slant": r, "width": r, "category_consistency": f}}`
        for j = 0..continuous-1 (empty dict if the model has no continuous code).
    """
    n_traversals = _check_positive("n_traversals", n_traversals)
    steps = _check_positive("steps", steps)
    batch_size = _check_positive("batch_size", batch_size)
    if steps < 2:
        raise ValueError(f"`steps` must be >= 2 to sweep a code, got {steps}.")
    if not np.isfinite(span) or span <= 0:
        raise ValueError(f"`span` must be a positive number, got {span}.")
    spec = model.spec
    sweep = np.linspace(-span, span, steps).astype(np.float32)
    values = np.tile(sweep, (n_traversals, 1))
    results: dict[str, dict[str, float]] = {}
    for j in range(spec.continuous):
        rng = np.random.default_rng(seed)
        base = spec.sample_numpy(n_traversals, rng)
        latents = {k: np.repeat(v, steps, axis=0) for k, v in base.items()}
        latents["continuous"] = latents["continuous"].copy()
        latents["continuous"][:, j] = values.reshape(-1)
        images = model.generate(**latents, batch_size=batch_size)
        entry = {
            "slant": traversal_effect(values, slant(images).reshape(n_traversals, steps)),
            "width": traversal_effect(values, width(images).reshape(n_traversals, steps)),
        }
        if spec.categorical:
            cats = np.asarray(model.encode(images, batch_size=batch_size)["categorical"])
            entry["category_consistency"] = category_consistency(
                cats[:, 0].reshape(n_traversals, steps)
            )
        else:
            entry["category_consistency"] = float("nan")
        results[f"continuous_{j}"] = entry
    return results


def code_reader(model: Any, batch_size: int = 256) -> Callable[[np.ndarray], np.ndarray]:
    """Q's reading of images as one code matrix [N, D]: the continuous means,
    then the most likely value of each categorical code."""

    def read(images: np.ndarray) -> np.ndarray:
        encoded = model.encode(images, batch_size=batch_size)
        columns = []
        if model.spec.continuous:
            columns.append(np.asarray(encoded["continuous"], dtype=np.float64))
        if model.spec.categorical:
            columns.append(np.asarray(encoded["categorical"], dtype=np.float64))
        return np.concatenate(columns, axis=1)

    return read


def evaluate_shapes_mig(
    model: Any,
    images: np.ndarray,
    factors: np.ndarray,
    bins: int = 20,
    batch_size: int = 256,
    include_categorical: bool = True,
    discrete_factors: bool = True,
) -> float:
    """MIG of an InfoGAN's Q on a shapes dataset (e.g. dSprites) with known factors.

    Codes are Q's continuous means, plus (if `include_categorical`) the
    categorical argmax of each categorical code as extra columns; all are
    histogram-discretised into `bins` bins (an argmax with at most `bins`
    categories keeps its values distinct). Constant factor columns (e.g.
    dSprites' colour) are left out with a warning.

    Args:
        model: InfoGAN model with `encode`.
        images: [N, H, W, C] images in the model's input range.
        factors: [N, n_factors] ground-truth factor values (class indices, or
            continuous values with `discrete_factors=False`).

    Returns:
        MIG (float).
    """
    factors = _as_matrix("factors", factors)
    if len(images) != factors.shape[0]:
        raise ValueError(
            f"`images` and `factors` must have the same number of rows, got "
            f"{len(images)} and {factors.shape[0]}."
        )
    codes = code_reader(model, batch_size)(images)
    if not include_categorical:
        codes = codes[:, : model.spec.continuous]
    return mutual_information_gap(codes, factors, bins=bins, discrete_factors=discrete_factors)


def fit_code_reader(
    model: Any, steps: int = 2000, batch_size: int = 128, seed: int = 0
) -> Callable[[np.ndarray], np.ndarray]:
    """A reader like `code_reader`'s, from a fresh copy of the model's trunk
    and Q head trained afterwards, with G fixed, to recover the codes from
    G's images: what a model trained without the info term encodes anyway.

    The copy is trained on `steps` batches of fresh draws, with softmax
    cross-entropy on each categorical code and half the squared error on the
    continuous ones (the recipe's default losses).
    """
    import keras
    from keras import ops

    spec = model.spec
    k, c = spec.total_categories, spec.continuous
    keras.utils.set_random_seed(seed)
    images = keras.Input(model.image_shape)
    trunk, head = keras.models.clone_model(model.discriminator_trunk), keras.models.clone_model(model.q_head)
    reader = keras.Model(images, head(trunk(images)))

    def loss(target, output):
        """`target` holds the continuous codes, then the categorical indices."""
        total = ops.mean(ops.sum(0.5 * ops.square(target[:, :c] - output[:, k : k + c]), axis=1))
        if spec.categorical:
            codes = ops.cast(target[:, c:], "int32")
            total = total + losses.categorical_info_loss(output[:, :k], codes, spec.categorical, "softmax")
        return total

    reader.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        latent = spec.sample_numpy(batch_size, rng)
        target = [latent[key].astype("float32") for key in ("continuous", "categorical") if key in latent]
        reader.train_on_batch(model.generate(**latent, batch_size=batch_size), np.concatenate(target, axis=1))

    def read(images: np.ndarray) -> np.ndarray:
        outputs = np.asarray(reader.predict(images, batch_size=256, verbose=0), dtype=np.float64)
        columns = [outputs[:, k : k + c]]
        for block in losses.split_categorical(outputs[:, :k], spec.categorical):
            columns.append(np.argmax(block, axis=1)[:, None].astype(np.float64))
        return np.concatenate(columns, axis=1)

    return read


def shapes_disentanglement(
    read: Callable[[np.ndarray], np.ndarray],
    size: int = 28,
    seed: int = 0,
    mig_draws: int = 10000,
    votes: tuple[int, int] = (10000, 5000),
) -> dict[str, Any]:
    """MIG and the FactorVAE score of codes read from the embedded shapes
    data, drawn afresh from known factors, as disentanglement_lib computes
    them: MIG on 10,000 draws with 20 bins; FactorVAE with 10,000 training
    votes, 5,000 evaluation votes and batches of 64.

    Args:
        read: images [N, size, size, 1] in [0, 1] -> codes [N, D]
            (`code_reader(model)`, or `fit_code_reader(model)`).
        size: the side of the images the reader takes.
        seed: seed of the factor draws.
        mig_draws, votes: MIG's draws, FactorVAE's training and evaluation
            votes (the defaults are disentanglement_lib's).
    """
    from keras_infogan.data import shapes

    def represent(factors: np.ndarray) -> np.ndarray:
        drawn = shapes.draw({name: factors[:, i] for i, name in enumerate(shapes.FACTOR_NAMES)}, size)
        return read(drawn.astype("float32") / 255.0)

    rng = np.random.default_rng(seed)
    factors = rng.integers(0, shapes.FACTOR_SIZES, size=(mig_draws, len(shapes.FACTOR_SIZES)))
    mig = mutual_information_gap(represent(factors), factors, bins=20)
    factor_vae = factor_vae_score(represent, shapes.FACTOR_SIZES, seed=seed + 1, num_train=votes[0], num_eval=votes[1])
    return {"mig": mig, "factor_vae": factor_vae["eval_accuracy"], "factor_vae_train": factor_vae["train_accuracy"]}
