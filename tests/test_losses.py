"""Loss values against numbers worked out by hand."""

import math

import numpy as np
import pytest
from keras import ops

from keras_infogan import losses


def f(x):
    return float(ops.convert_to_numpy(x))


def test_nonsaturating_loss_by_hand():
    loss = losses.get_adversarial_loss("nonsaturating")
    real, fake = np.array([[0.0], [2.0]], "float32"), np.array([[-1.0], [1.0]], "float32")
    # D: mean(log(1+e^-r)) + mean(log(1+e^f)); G: mean(log(1+e^-f)).
    d = 0.5 * (math.log(2) + math.log(1 + math.exp(-2))) + 0.5 * (math.log(1 + math.exp(-1)) + math.log(1 + math.exp(1)))
    g = 0.5 * (math.log(1 + math.exp(1)) + math.log(1 + math.exp(-1)))
    assert f(loss.discriminator_loss(real, fake)) == pytest.approx(d, rel=1e-6)
    assert f(loss.generator_loss(fake)) == pytest.approx(g, rel=1e-6)


def test_lsgan_hinge_and_wasserstein_by_hand():
    real, fake = np.array([[0.5]], "float32"), np.array([[-0.5]], "float32")
    ls = losses.get_adversarial_loss("lsgan")
    assert f(ls.discriminator_loss(real, fake)) == pytest.approx(0.5 * (0.25 + 0.25))
    assert f(ls.generator_loss(fake)) == pytest.approx(0.5 * 2.25)
    hinge = losses.get_adversarial_loss("hinge")
    assert f(hinge.discriminator_loss(real, fake)) == pytest.approx(0.5 + 0.5)
    assert f(hinge.generator_loss(fake)) == pytest.approx(0.5)
    wasserstein = losses.get_adversarial_loss("wasserstein")
    assert f(wasserstein.discriminator_loss(real, fake)) == pytest.approx(-0.5 - 0.5)
    assert f(wasserstein.generator_loss(fake)) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="adversarial_loss"):
        losses.get_adversarial_loss("wasserstein?")


def test_sigmoid_categorical_loss_by_hand():
    logits = np.array([[2.0, 0.0, -1.0]], "float32")
    code = np.array([[0]])
    # -log s(2) - log(1 - s(0)) - log(1 - s(-1))
    s = lambda x: 1 / (1 + math.exp(-x))
    expected = -math.log(s(2)) - math.log(1 - s(0)) - math.log(1 - s(-1))
    assert f(losses.categorical_info_loss(logits, code, [3], "sigmoid")) == pytest.approx(expected, rel=1e-6)


def test_softmax_categorical_loss_and_mi_bound_by_hand():
    logits = np.array([[2.0, 0.0, -1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 3.0, 0.0]], "float32")
    codes = np.array([[0, 1], [2, 0]])
    lse1 = math.log(math.exp(2) + 1 + math.exp(-1))
    lse2 = math.log(3)
    ce_a = 0.5 * ((lse1 - 2.0) + (lse2 - 0.0))  # first code, rows 1 and 2
    ce_b = 0.5 * ((math.log(2 * math.e) - 1.0) + (math.log(math.exp(3) + 1) - 3.0))
    assert f(losses.categorical_info_loss(logits, codes, [3, 2], "softmax")) == pytest.approx(ce_a + ce_b, rel=1e-6)
    mi = f(losses.categorical_mi_lower_bound(logits, codes, [3, 2]))
    assert mi == pytest.approx(math.log(3) + math.log(2) - ce_a - ce_b, rel=1e-6)


def test_mi_bound_reaches_entropy_for_a_confident_q():
    codes = np.arange(10).reshape(10, 1)
    logits = 50.0 * np.eye(10, dtype="float32")
    assert f(losses.categorical_mi_lower_bound(logits, codes, [10])) == pytest.approx(math.log(10), abs=1e-5)


def test_gaussian_nll_by_hand():
    mean = np.array([[0.0, 1.0]], "float32")
    log_std = np.array([[0.0, math.log(0.5)]], "float32")
    c = np.array([[1.0, 0.0]], "float32")
    half = 0.5 * math.log(2 * math.pi)
    expected = (half + 0.0 + 0.5) + (half + math.log(0.5) + 0.5 * 4.0)
    assert f(losses.continuous_info_loss(mean, log_std, c, "gaussian", fixed_std=1.0)) == pytest.approx(expected, rel=1e-6)
    # Fixed std 1 ignores Q's log-std: half-log-2pi + squared error / 2 per dim.
    fixed = 2 * half + 0.5 * (1.0 + 1.0)
    assert f(losses.continuous_info_loss(mean, log_std, c, "fixed_std", fixed_std=1.0)) == pytest.approx(fixed, rel=1e-6)


def test_log_std_is_bounded():
    raw = np.array([-1e4, 0.0, 1e4], "float32")
    out = ops.convert_to_numpy(losses.bounded_log_std(raw))
    assert out[0] == pytest.approx(losses.LOG_STD_MIN) and out[2] == pytest.approx(losses.LOG_STD_MAX)
    assert losses.LOG_STD_MIN < out[1] < losses.LOG_STD_MAX


def test_invariant_information_by_hand():
    def iic(a, b, categories):
        return f(losses.invariant_information_loss(np.asarray(a, "float32"), np.asarray(b, "float32"), categories))

    sure = 30.0 * np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]
    # Agreeing, confident, balanced readings: the information is H(c) = ln 3.
    assert iic(sure, sure, [3]) == pytest.approx(-math.log(3), abs=1e-4)
    # Every image in one value: nothing is learned about the image.
    one = 30.0 * np.eye(3, dtype="float32")[[1] * 6]
    assert iic(one, one, [3]) == pytest.approx(0.0, abs=1e-4)
    # Confident readings that are independent of each other: no information either.
    a = 30.0 * np.eye(2, dtype="float32")[[0, 0, 1, 1]]
    b = 30.0 * np.eye(2, dtype="float32")[[0, 1, 0, 1]]
    assert iic(a, b, [2]) == pytest.approx(0.0, abs=1e-4)
    # Soft readings: p = (0.75, 0.25) and (0.25, 0.75); the joint is
    # [[0.3125, 0.1875], [0.1875, 0.3125]] with marginals 0.5.
    soft = np.log(np.array([[0.75, 0.25], [0.25, 0.75]], "float32"))
    mi = 0.625 * math.log(0.3125 / 0.25) + 0.375 * math.log(0.1875 / 0.25)
    assert iic(soft, soft, [2]) == pytest.approx(-mi, rel=1e-4)
    # Two codes: their informations add. The second reads 0, 1, 2, 0, so its
    # information is its entropy, 0.5 ln 2 + 2 * 0.25 ln 4.
    both = np.concatenate([a, 30.0 * np.eye(3, dtype="float32")[[0, 1, 2, 0]]], axis=1)
    assert iic(both, both, [2, 3]) == pytest.approx(-(math.log(2) + 0.5 * math.log(2) + 0.5 * math.log(4)), abs=1e-4)
