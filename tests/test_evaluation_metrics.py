"""The plain metrics, on constructed cases with known answers."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from keras_infogan.evaluation import metrics as ev

pytestmark = pytest.mark.once

# --------------------------------------------------------------------------
# unsupervised_accuracy
# --------------------------------------------------------------------------


def _from_confusion(confusion):
    """predicted/labels arrays realising a given confusion matrix (rows = code)."""
    pred, lab = [], []
    for r, c in itertools.product(*map(range, np.shape(confusion))):
        pred += [r] * confusion[r][c]
        lab += [c] * confusion[r][c]
    return np.array(pred), np.array(lab)


def test_permuted_labelling_is_perfect_with_inverse_mapping():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    perm = rng.permutation(10)  # code value = perm[label]
    acc, confusion, mapping = ev.unsupervised_accuracy(perm[labels], labels)
    assert acc == 1.0
    assert mapping == {int(perm[l]): l for l in range(10)}
    assert confusion.shape == (10, 10)
    assert confusion.sum() == 500
    # Rows = code value, columns = label.
    for l in range(10):
        assert confusion[perm[l], l] == np.sum(labels == l)


def test_known_confusion_hand_computed():
    confusion = [[5, 1, 0], [2, 0, 4], [0, 3, 1]]
    # Best one-to-one matching: 0->0 (5), 1->2 (4), 2->1 (3) = 12 of 16.
    pred, lab = _from_confusion(confusion)
    acc, conf, mapping = ev.unsupervised_accuracy(pred, lab)
    assert acc == pytest.approx(12 / 16)
    assert mapping == {0: 0, 1: 2, 2: 1}
    np.testing.assert_array_equal(conf, confusion)
    # Brute force over all permutations agrees.
    best = max(sum(confusion[r][p[r]] for r in range(3)) for p in itertools.permutations(range(3)))
    assert acc == best / 16


def test_rectangular_more_codes_than_labels():
    # 4 code values, 2 labels: only two code values can be matched.
    pred = np.array([0, 0, 1, 1, 2, 3])
    lab = np.array([0, 0, 1, 1, 1, 0])
    acc, conf, mapping = ev.unsupervised_accuracy(pred, lab, n_values=5)
    assert conf.shape == (5, 2)
    assert acc == pytest.approx(4 / 6)
    assert mapping == {0: 0, 1: 1}


def test_rectangular_more_labels_than_codes():
    pred = np.array([0, 0, 0, 1, 1, 1])
    lab = np.array([2, 2, 0, 1, 1, 0])
    acc, conf, mapping = ev.unsupervised_accuracy(pred, lab)
    assert conf.shape == (2, 3)
    assert acc == pytest.approx(4 / 6)
    assert mapping == {0: 2, 1: 1}


@pytest.mark.parametrize(
    "pred, lab, kwargs, match",
    [
        ([0, 1], [0, 1, 1], {}, "same length"),
        ([[0, 1]], [0, 1], {}, "predicted"),
        ([0, -1], [0, 1], {}, "non-negative"),
        ([0, 3], [0, 1], {"n_values": 3}, "n_values"),
        ([0.5, 1.0], [0, 1], {}, "integer"),
    ],
)
def test_unsupervised_accuracy_rejects_bad_input(pred, lab, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ev.unsupervised_accuracy(np.array(pred), np.array(lab), **kwargs)


# --------------------------------------------------------------------------
# MIG
# --------------------------------------------------------------------------


def _grid_factors(repeat=3):
    """Full factorial design: factors are exactly independent empirically."""
    a, b = np.meshgrid(np.arange(4), np.arange(5), indexing="ij")
    f = np.stack([a.ravel(), b.ravel()], axis=1)
    return np.tile(f, (repeat, 1))


def test_mig_is_one_when_each_code_is_one_factor():
    f = _grid_factors()
    const = np.full((len(f), 1), 3.0)
    # Codes: an affine copy of factor 1, a copy of factor 0, a constant.
    codes = np.concatenate([2.5 * f[:, 1:2] - 1.0, f[:, 0:1].astype(float), const], axis=1)
    assert ev.mutual_information_gap(codes, f) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(ev.mig_per_factor(codes, f), [1.0, 1.0], atol=1e-12)


def test_mig_is_zero_when_one_code_is_duplicated():
    # Two identical codes for factor 0 leave no gap for that factor.
    f = _grid_factors()
    codes = np.stack([f[:, 0], f[:, 0], f[:, 1]], axis=1).astype(float)
    np.testing.assert_allclose(ev.mig_per_factor(codes, f), [0.0, 1.0], atol=1e-12)
    assert ev.mutual_information_gap(codes, f) == pytest.approx(0.5)


def test_mig_hand_computed_small_case():
    # y = [0,0,1,1]; c1 = [0,0,0,1]; c2 = [0,1,0,1] (independent of y).
    # I(c1; y) = H(c1) - H(c1 | y) = H_b(1/4) - (1/2) log 2, I(c2; y) = 0,
    # H(y) = log 2  =>  MIG = H_b(1/4) [bits] - 1/2 = 0.31128...
    y = np.array([[0], [0], [1], [1]])
    codes = np.array([[0, 0], [0, 1], [0, 0], [1, 1]], dtype=float)
    hb = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert ev.mutual_information_gap(codes, y) == pytest.approx(hb - 0.5, abs=1e-12)
    mi = ev.discrete_mutual_info(ev.histogram_discretize(codes), y)
    np.testing.assert_allclose(mi[:, 0], [(hb - 0.5) * math.log(2), 0.0], atol=1e-12)
    np.testing.assert_allclose(ev.discrete_entropy(y), [math.log(2)])


def test_mig_near_zero_for_independent_noise():
    # For independent variables the plug-in MI is only its bias,
    # about (bins-1)(K-1) / (2N) = 19 * 4 / 10000 = 0.0076 nats (Miller-Madow),
    # with a spread of the same order. MIG <= max MI / H(factor) with
    # H = log 5 = 1.61, so ~0.005 expected; 0.02 allows ~4x the bias.
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((5000, 5))
    factors = rng.integers(0, 5, (5000, 3))
    assert 0.0 <= ev.mutual_information_gap(codes, factors) < 0.02
    # ... while a code that carries one factor exactly scores high on it.
    codes[:, 2] = factors[:, 1] + 0.01 * rng.standard_normal(5000)
    per = ev.mig_per_factor(codes, factors)
    assert per[1] > 0.95 and per[0] < 0.02 and per[2] < 0.02


def test_mig_histogram_discretization_matches_disentanglement_lib_rule():
    x = np.array([[0.0], [0.049], [0.051], [0.5], [1.0]])
    # 20 equal-width bins on [0, 1]; digitize against the left edges: 1..20.
    np.testing.assert_array_equal(ev.histogram_discretize(x, 20)[:, 0], [1, 1, 2, 11, 20])


def test_mig_continuous_factors_are_discretized():
    # Continuous factors on a 10 x 10 grid: discretised into 20 bins every
    # value keeps its own bin, the grid makes the factors exactly independent,
    # and each code is an affine copy of one factor -> MIG = 1.
    g0, g1 = np.meshgrid(np.linspace(-1, 1, 10), np.linspace(0, 3, 10), indexing="ij")
    f = np.stack([g0.ravel(), g1.ravel()], axis=1)
    codes = np.stack([f[:, 1] * 2 + 1, f[:, 0], np.zeros(100)], axis=1)
    assert ev.mutual_information_gap(codes, f, discrete_factors=False) == pytest.approx(1.0)
    # Random continuous factors: same as discretising them first yourself.
    rng = np.random.default_rng(1)
    f = rng.uniform(-1, 1, (2000, 2))
    codes = np.stack([f[:, 1] + 0.1 * rng.standard_normal(2000), f[:, 0], np.zeros(2000)], axis=1)
    assert ev.mutual_information_gap(codes, f, discrete_factors=False) == pytest.approx(
        ev.mutual_information_gap(codes, ev.histogram_discretize(f, 20))
    )
    # Used as labels, every continuous value is its own class: H(f) = log 2000
    # = 7.6 nats, while a 20-bin code carries at most log 20 = 3.0 nats.
    assert ev.mutual_information_gap(codes, f, discrete_factors=True) < math.log(20) / math.log(2000)


def test_mig_constant_factor_is_left_out_with_warning():
    f = np.concatenate([np.zeros((60, 1)), _grid_factors()], axis=1)
    codes = np.stack([f[:, 1], f[:, 2], np.ones(60)], axis=1)
    per = ev.mig_per_factor(codes, f)
    assert np.isnan(per[0]) and per[1:] == pytest.approx([1.0, 1.0])
    with pytest.warns(UserWarning, match="constant"):
        assert ev.mutual_information_gap(codes, f) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="constant"):
        ev.mutual_information_gap(codes, np.zeros((60, 2)))


@pytest.mark.parametrize(
    "codes, factors, match",
    [
        (np.zeros((10, 1)), np.zeros((10, 1)), "at least 2 columns"),
        (np.zeros((10, 2)), np.zeros((9, 1)), "same number of rows"),
        (np.zeros((10, 2, 1)), np.zeros((10, 1)), "codes"),
        (np.array([[0.0, 1.0], [np.nan, 2.0]]), np.zeros((2, 1)), "`codes` contains NaN"),
    ],
)
def test_mig_rejects_bad_shapes(codes, factors, match):
    with pytest.raises(ValueError, match=match):
        ev.mutual_information_gap(codes, factors)


# --------------------------------------------------------------------------
# slant and width
# --------------------------------------------------------------------------


def _sheared_bar(s, thickness=3, size=28, top=4, bottom=23, centre=14.0):
    """A vertical bar whose centre column moves s pixels right per pixel *up*."""
    img = np.zeros((size, size))
    mid = (top + bottom) / 2
    for r in range(top, bottom + 1):
        c = int(np.floor(centre + s * (mid - r) + 0.5))
        lo = c - thickness // 2
        img[r, lo : lo + thickness] = 1.0
    return img


def _rectangle(w, h=10, size=28):
    img = np.zeros((size, size))
    left = (size - w) // 2
    img[9 : 9 + h, left : left + w] = 1.0
    return img


def test_slant_of_sheared_bars_has_expected_sign_and_order():
    shears = [-0.5, -0.25, 0.0, 0.25, 0.5]
    imgs = np.stack([_sheared_bar(s) for s in shears])
    out = ev.slant(imgs)
    assert out[2] == pytest.approx(0.0, abs=1e-12)  # upright
    assert np.all(np.diff(out) > 0)  # ordered like the shear
    assert out[3] > 0 and out[0] < 0  # top to the right ("/") is positive
    np.testing.assert_allclose(out, shears, atol=0.03)


def test_slant_accepts_channel_axis_and_handles_empty_images():
    imgs = np.stack([_sheared_bar(0.3), np.zeros((28, 28)), _rectangle(5, h=1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ev.slant(imgs[..., None])
        w = ev.width(imgs[..., None])
    np.testing.assert_allclose(out, ev.slant(imgs))
    assert out[0] > 0.2 and out[1] == 0.0 and out[2] == 0.0
    assert w[1] == 0.0 and np.all(np.isfinite(w))


def test_width_grows_with_rectangle_width_and_matches_formula():
    widths = [1, 2, 4, 8, 12]
    out = ev.width(np.stack([_rectangle(w) for w in widths]))
    assert np.all(np.diff(out) > 0)
    # Uniform ink over w columns: variance (w^2 - 1) / 12, reported as 2 sigma.
    np.testing.assert_allclose(out, [2 * math.sqrt((w * w - 1) / 12) for w in widths], atol=1e-9)
    # Height does not matter.
    assert ev.width(_rectangle(6, h=3)[None])[0] == pytest.approx(ev.width(_rectangle(6, h=15)[None])[0])


def test_width_deslant_removes_the_slant_spread():
    upright, leaning = _sheared_bar(0.0), _sheared_bar(0.5)
    raw = ev.width(np.stack([upright, leaning]), deslant=False)
    des = ev.width(np.stack([upright, leaning]), deslant=True)
    assert raw[1] > 2 * raw[0]  # the leaning bar spans many columns
    assert des[0] == pytest.approx(raw[0])  # no slant, nothing removed
    assert des[1] == pytest.approx(des[0], abs=0.35)  # deskewed: same stroke


def test_image_statistics_reject_bad_input():
    with pytest.raises(ValueError, match="images"):
        ev.slant(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="ambiguous"):
        ev.slant(np.zeros((28, 28, 1)))
    with pytest.raises(ValueError, match=r"\(images \+ 1\) / 2"):
        ev.width(-np.ones((2, 28, 28)))


# --------------------------------------------------------------------------
# traversal_effect and category_consistency
# --------------------------------------------------------------------------


def test_traversal_effect_monotone_is_plus_or_minus_one():
    values = np.tile(np.linspace(-2, 2, 9), (16, 1))
    offsets = np.arange(16)[:, None]
    assert ev.traversal_effect(values, np.exp(values) + offsets) == pytest.approx(1.0)
    assert ev.traversal_effect(values, -(values**3) + offsets) == pytest.approx(-1.0)


def test_traversal_effect_shuffled_is_near_zero():
    # Under independence the Spearman r of 9 points has sd 1/sqrt(8) = 0.35;
    # the median of 201 such r has sd about 1.25 * 0.35 / sqrt(201) = 0.031,
    # so 0.15 is ~5 sd.
    rng = np.random.default_rng(0)
    values = np.tile(np.linspace(-2, 2, 9), (201, 1))
    stat = np.stack([rng.permutation(row) for row in values])
    assert abs(ev.traversal_effect(values, stat)) < 0.15


def test_traversal_effect_hand_computed_median():
    values = np.tile(np.arange(4.0), (3, 1))
    stat = np.array([[0, 1, 2, 3], [0, 2, 1, 3], [3, 2, 1, 0]], dtype=float)
    # Spearman of row 2: 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 12 / 60 = 0.8.
    assert ev.traversal_effect(values, stat) == pytest.approx(0.8)
    # A constant statistic does not follow the code: r = 0.
    assert ev.traversal_effect(values, np.ones((3, 4))) == 0.0


@pytest.mark.parametrize(
    "values, stat, match",
    [
        (np.zeros((2, 5)), np.zeros((2, 5)), "constant"),
        (np.tile(np.arange(5.0), (2, 1)), np.zeros((2, 4)), "same shape"),
        (np.arange(5.0), np.arange(5.0), "values"),
    ],
)
def test_traversal_effect_rejects_bad_input(values, stat, match):
    with pytest.raises(ValueError, match=match):
        ev.traversal_effect(values, stat)


def test_category_consistency_hand_checked():
    cats = np.array([[1, 1, 2, 1, 1], [0, 3, 3, 3, 0], [2, 2, 2, 2, 2]])
    # Centre references 2, 3, 2 -> matches 1 + 3 + 5 = 9 of 15.
    assert ev.category_consistency(cats) == pytest.approx(9 / 15)
    # Mode references 1, 3, 2 -> matches 4 + 3 + 5 = 12 of 15.
    assert ev.category_consistency(cats, reference="mode") == pytest.approx(12 / 15)
    with pytest.raises(ValueError, match="reference"):
        ev.category_consistency(cats, reference="first")
    with pytest.raises(ValueError, match="categories"):
        ev.category_consistency(cats.ravel())


# FactorVAE score


SIZES = (3, 6, 10, 8)


def test_factor_vae_is_one_when_each_code_is_one_factor():
    perm = [2, 0, 3, 1]
    score = ev.factor_vae_score(lambda f: f[:, perm].astype(float), SIZES, num_train=400, num_eval=200, num_variance_estimate=2000)
    assert score == {"train_accuracy": 1.0, "eval_accuracy": 1.0, "num_active_dims": 4}


def test_factor_vae_leaves_out_constant_codes_and_follows_the_informative_ones():
    """Two factors share one code (their sum): the classifier gives that code
    to one of them, so the other's votes are wrong: accuracy near 3/4."""

    def represent(f):
        return np.stack([f[:, 0], f[:, 1] * 10.0 + f[:, 2], np.zeros(len(f)), f[:, 3]], axis=1)

    score = ev.factor_vae_score(represent, SIZES, num_train=800, num_eval=800, num_variance_estimate=4000)
    assert score["num_active_dims"] == 3
    assert 0.6 < score["eval_accuracy"] < 0.9


def test_factor_vae_of_codes_that_ignore_the_factors_is_near_chance():
    rng = np.random.default_rng(1)
    score = ev.factor_vae_score(lambda f: rng.normal(size=(len(f), 4)), SIZES, num_train=800, num_eval=800, num_variance_estimate=2000)
    assert score["eval_accuracy"] < 0.45  # chance: the largest factor's share of votes, 1/4 here
