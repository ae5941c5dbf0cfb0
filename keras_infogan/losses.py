"""InfoGAN's losses, written once with `keras.ops` for every backend.

Adversarial objectives are small classes with a discriminator and a generator
term, registered by name in `ADVERSARIAL_LOSSES`, so a new GAN objective is
one class here and no change to the training step (`Recipe` offers every
name registered). The info terms are plain functions: `-L_I` split into a
categorical and a continuous part, and the IIC term beside them.
"""

from __future__ import annotations

import math
from typing import Any

from keras import ops

__all__ = [
    "ADVERSARIAL_LOSSES",
    "CATEGORICAL_LOSSES",
    "CONTINUOUS_LOSSES",
    "AdversarialLoss",
    "HingeLoss",
    "LeastSquaresLoss",
    "NonSaturatingLoss",
    "WassersteinLoss",
    "bounded_log_std",
    "categorical_info_loss",
    "categorical_mi_lower_bound",
    "confident_cross_entropy",
    "continuous_info_loss",
    "get_adversarial_loss",
    "invariant_information_loss",
    "labelled_cross_entropy",
    "split_categorical",
]

LOG_STD_MIN = -3.0
LOG_STD_MAX = 2.0
CATEGORICAL_LOSSES = ("softmax", "sigmoid")
CONTINUOUS_LOSSES = ("fixed_std", "gaussian")
# FixMatch's confidence threshold (Sohn et al., 2020) for `confident_cross_entropy`.
CONFIDENCE_THRESHOLD = 0.95
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class AdversarialLoss:
    """One GAN objective: what D minimises and what G minimises.

    Subclasses set `name` and implement both terms on D's logits; they are
    registered in `ADVERSARIAL_LOSSES` by name. `decision_threshold` is the
    output above which D calls an image real (its accuracy metrics use it).
    """

    name = ""
    decision_threshold = 0.0

    def discriminator_loss(self, real_logits: Any, fake_logits: Any) -> Any:
        raise NotImplementedError

    def generator_loss(self, fake_logits: Any) -> Any:
        raise NotImplementedError


class NonSaturatingLoss(AdversarialLoss):
    """The standard GAN loss with G's non-saturating form (Goodfellow et al.)."""

    name = "nonsaturating"

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))

    def generator_loss(self, fake_logits):
        return ops.mean(ops.softplus(-fake_logits))


class LeastSquaresLoss(AdversarialLoss):
    """LSGAN (Mao et al., 2017) with targets 1 for real and 0 for fake."""

    name = "lsgan"
    decision_threshold = 0.5  # halfway between the targets

    def discriminator_loss(self, real_logits, fake_logits):
        return 0.5 * (ops.mean(ops.square(real_logits - 1.0)) + ops.mean(ops.square(fake_logits)))

    def generator_loss(self, fake_logits):
        return 0.5 * ops.mean(ops.square(fake_logits - 1.0))


class HingeLoss(AdversarialLoss):
    """The hinge loss of SAGAN / BigGAN."""

    name = "hinge"

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)


class WassersteinLoss(AdversarialLoss):
    """WGAN's critic objective (Arjovsky et al., 2017): D's output is a score,
    not a probability. The critic must be kept 1-Lipschitz: train it with a
    gradient penalty (WGAN-GP: `gradient_penalty="wgan-gp"`)."""

    name = "wasserstein"

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(fake_logits) - ops.mean(real_logits)

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)


ADVERSARIAL_LOSSES = {cls.name: cls for cls in (NonSaturatingLoss, LeastSquaresLoss, HingeLoss, WassersteinLoss)}


def get_adversarial_loss(name: str) -> AdversarialLoss:
    """Returns the adversarial loss registered under `name`."""
    if name not in ADVERSARIAL_LOSSES:
        raise ValueError(f"Unknown adversarial_loss {name!r}; choose one of {list(ADVERSARIAL_LOSSES)}.")
    return ADVERSARIAL_LOSSES[name]()


def split_categorical(logits: Any, categories: list[int]) -> list[Any]:
    """Splits Q's concatenated categorical logits into one block per code."""
    blocks, start = [], 0
    for k in categories:
        blocks.append(logits[:, start : start + k])
        start += k
    return blocks


def _log_softmax_of(logits: Any, classes: Any) -> Any:
    """Each row's log-softmax [B] at its class in `classes` [B]."""
    return ops.sum(ops.one_hot(classes, ops.shape(logits)[1], dtype=logits.dtype) * ops.log_softmax(logits, axis=1), axis=1)


def categorical_info_loss(logits: Any, codes: Any, categories: list[int], kind: str) -> Any:
    """Negative log-likelihood of the categorical codes under Q.

    Args:
        logits: Q's logits [B, sum(categories)].
        codes: the sampled indices [B, len(categories)].
        categories: number of categories of each code.
        kind: `"sigmoid"`: sigmoid cross-entropy between the logits and the
            one-hot code, summed over categories; `"softmax"`: softmax
            cross-entropy.

    Returns:
        The loss summed over codes, averaged over the batch.
    """
    logits = ops.convert_to_tensor(logits, "float32")
    codes = ops.cast(codes, "int32")
    total = 0.0
    for i, block in enumerate(split_categorical(logits, categories)):
        if kind == "sigmoid":
            target = ops.one_hot(codes[:, i], categories[i], dtype=block.dtype)
            # Stable sigmoid cross-entropy: max(x, 0) - x*t + log(1 + exp(-|x|)).
            per = ops.relu(block) - block * target + ops.softplus(-ops.abs(block))
            total = total + ops.mean(ops.sum(per, axis=1))
        else:
            total = total + ops.mean(-_log_softmax_of(block, codes[:, i]))
    return total


def categorical_mi_lower_bound(logits: Any, codes: Any, categories: list[int]) -> Any:
    """L_I of the categorical codes in nats: H(c) + E[log Q(c|x)].

    Q's probabilities are the softmax of each code's logits, whichever loss
    trained them, so the bound never exceeds H(c) = sum(log K).
    """
    logits = ops.convert_to_tensor(logits, "float32")
    codes = ops.cast(codes, "int32")
    total = 0.0
    for i, block in enumerate(split_categorical(logits, categories)):
        total = total + math.log(categories[i]) + ops.mean(_log_softmax_of(block, codes[:, i]))
    return total


def labelled_cross_entropy(logits: Any, labels: Any) -> Any:
    """Softmax cross-entropy of `logits` [B, K] against `labels` [B] (or
    [B, 1]), averaged over the rows whose label is not -1 (0 when none is)."""
    logits = ops.convert_to_tensor(logits, "float32")
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    labelled = ops.cast(labels >= 0, "float32")
    picked = _log_softmax_of(logits, ops.maximum(labels, 0))
    return -ops.sum(labelled * picked) / ops.maximum(ops.sum(labelled), 1.0)


def invariant_information_loss(logits: Any, augmented_logits: Any, categories: list[int]) -> Any:
    """Minus the mutual information between two categorical readings of the
    same images (IIC, Ji et al., 2019), in nats, summed over codes.

    Each code's joint distribution of the two readings is estimated from the
    batch (the mean outer product of the softmaxes, symmetrised). The
    information is high only when both readings agree and the batch spreads
    over all values, so a code cannot gain by putting every image in one
    value, nor by following what the augmentation changes.

    Args:
        logits: Q's categorical logits [B, sum(categories)] for some images.
        augmented_logits: the same for augmented copies of those images.
        categories: number of categories of each code.
    """
    logits = ops.convert_to_tensor(logits, "float32")
    augmented_logits = ops.convert_to_tensor(augmented_logits, "float32")
    batch = ops.cast(ops.shape(logits)[0], "float32")
    total = 0.0
    pairs = zip(split_categorical(logits, categories), split_categorical(augmented_logits, categories))
    for block, augmented in pairs:
        joint = ops.matmul(ops.transpose(ops.softmax(block, axis=1)), ops.softmax(augmented, axis=1)) / batch
        joint = ops.maximum((joint + ops.transpose(joint)) / 2.0, 1e-7)
        marginal_a = ops.sum(joint, axis=1, keepdims=True)
        marginal_b = ops.sum(joint, axis=0, keepdims=True)
        total = total - ops.sum(joint * (ops.log(joint) - ops.log(marginal_a) - ops.log(marginal_b)))
    return total


def confident_cross_entropy(
    logits: Any, target_logits: Any, labels: Any, threshold: float = CONFIDENCE_THRESHOLD
) -> Any:
    """Softmax cross-entropy of `logits` [B, K] against the most likely class
    of `target_logits` [B, K] (gradient-stopped), on the unlabelled rows
    (`labels` -1) whose target probability is at least `threshold`,
    averaged over the unlabelled rows (0 when none is): FixMatch's
    self-training term (Sohn et al., 2020), with Q's reading of a real image
    as the target of its reading of the augmented copy. A labelled row has
    its label's cross-entropy instead (`labelled_cross_entropy`)."""
    logits = ops.convert_to_tensor(logits, "float32")
    target = ops.stop_gradient(ops.softmax(ops.convert_to_tensor(target_logits, "float32"), axis=1))
    unlabelled = ops.cast(ops.reshape(ops.cast(labels, "int32"), (-1,)) < 0, "float32")
    confident = ops.cast(ops.max(target, axis=1) >= threshold, "float32")
    picked = _log_softmax_of(logits, ops.argmax(target, axis=1))
    return -ops.sum(unlabelled * confident * picked) / ops.maximum(ops.sum(unlabelled), 1.0)


def bounded_log_std(raw: Any) -> Any:
    """Maps Q's raw output smoothly into [LOG_STD_MIN, LOG_STD_MAX].

    An unbounded learned std lets Q shrink it without end and drive the
    Gaussian NLL to minus infinity, swamping the other terms.
    """
    return LOG_STD_MIN + (LOG_STD_MAX - LOG_STD_MIN) * ops.sigmoid(raw)


def continuous_info_loss(mean: Any, log_std: Any, codes: Any, kind: str, fixed_std: float) -> Any:
    """Factored Gaussian negative log-likelihood of the continuous codes.

    Args:
        mean: Q's predicted means [B, n].
        log_std: Q's predicted log-std [B, n] (already bounded); ignored when
            `kind="fixed_std"`.
        codes: the sampled continuous codes [B, n].
        kind: `"gaussian"` (learned std) or `"fixed_std"` (std `fixed_std`,
            an MSE up to scale and a constant, as openai/InfoGAN's fix_std).
        fixed_std: the std used by `"fixed_std"`.

    Returns:
        The NLL summed over codes, averaged over the batch.
    """
    mean = ops.convert_to_tensor(mean, "float32")
    log_std = ops.convert_to_tensor(log_std, "float32")
    codes = ops.cast(codes, mean.dtype)
    if kind == "fixed_std":
        log_std = ops.full_like(mean, math.log(fixed_std))
    z = (codes - mean) * ops.exp(-log_std)
    per = _HALF_LOG_2PI + log_std + 0.5 * ops.square(z)
    return ops.mean(ops.sum(per, axis=1))

