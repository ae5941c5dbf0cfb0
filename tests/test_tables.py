"""Tables: reading and writing them, and CTGAN's transformer (numpy and
scikit-learn only, so once). `data/adult_sample.csv` is 300 rows of UCI
Adult's training split, drawn with seed 0."""

import gzip
import json
import os
import re

import numpy as np
import pytest

from keras_infogan.tables import ConditionSampler, TableTransformer, read_table, write_csv

pytestmark = pytest.mark.once

ADULT_SAMPLE = os.path.join(os.path.dirname(__file__), "data", "adult_sample.csv")


def mixed_table(n: int = 600, seed: int = 0) -> dict:
    """Two-mode and skewed numbers, whole numbers, a rare category, a numeric
    category and missing values of both kinds."""
    rng = np.random.default_rng(seed)
    side = rng.integers(0, 2, n)
    amount = np.where(side == 1, rng.normal(100.0, 2.0, n), rng.normal(-50.0, 1.0, n))
    amount[rng.choice(n, 20, replace=False)] = np.nan
    colour = rng.choice(np.array(["red", "green", "blue"], dtype=object), n, p=[0.6, 0.39, 0.01])
    colour[rng.choice(n, 15, replace=False)] = None
    return {
        "amount": amount,
        "age": rng.integers(18, 90, n).astype(float),
        "gain": np.where(rng.uniform(size=n) < 0.9, 0.0, rng.exponential(5000.0, n)),
        "colour": colour,
        "grade": rng.integers(1, 4, n).astype(float),
    }


def assert_same_table(got: dict, expected: dict) -> None:
    assert list(got) == list(expected)
    for name, values in expected.items():
        if values.dtype == object:
            assert got[name].tolist() == values.tolist(), name
        else:
            np.testing.assert_array_equal(got[name], values, err_msg=name)


def test_adult_round_trips_exactly_through_the_matrix():
    table = read_table(ADULT_SAMPLE)
    assert table["age"].dtype == np.float64 and table["workclass"].dtype == object
    transformer = TableTransformer().fit(table)
    kinds = {c["name"]: c["kind"] for c in transformer.columns}
    assert [n for n, k in kinds.items() if k == "continuous"] == [
        "age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week",
    ]  # fmt: skip
    matrix = transformer.transform(table)
    assert matrix.shape == (300, transformer.width) and matrix.dtype == np.float32
    assert_same_table(transformer.inverse_transform(matrix), table)
    assert "?" in transformer.discrete_columns["workclass"]  # Adult's missing marker stays a category.


def test_mixed_columns_round_trip_with_missing_values_and_through_csv(tmp_path):
    table = read_table(mixed_table())
    transformer = TableTransformer(discrete=["grade"]).fit(table)
    assert transformer.discrete_columns["grade"] == [float(g) for g in dict.fromkeys(table["grade"].tolist())]
    assert None in transformer.discrete_columns["colour"]
    back = transformer.inverse_transform(transformer.transform(table))
    np.testing.assert_array_equal(back["age"], table["age"])  # whole numbers come back whole
    np.testing.assert_allclose(back["amount"], table["amount"], rtol=1e-6)  # float32 scalars
    assert np.array_equal(np.isnan(back["amount"]), np.isnan(table["amount"]))
    assert_same_table({k: back[k] for k in ("colour", "grade")}, {k: table[k] for k in ("colour", "grade")})

    path = tmp_path / "mixed.csv.gz"
    write_csv(back, path)
    assert os.listdir(tmp_path) == ["mixed.csv.gz"]
    with gzip.open(path, "rt") as f:
        assert f.readline().strip() == "amount,age,gain,colour,grade"
    again = read_table(str(path))
    assert_same_table({k: again[k] for k in ("age", "colour", "grade")}, {k: back[k] for k in ("age", "colour", "grade")})


def test_each_continuous_column_gets_its_modes():
    table = read_table(mixed_table(2000))
    transformer = TableTransformer(discrete=["grade"]).fit(table)
    amount = transformer.columns[0]
    # Two clear modes carry the weight; the scalar is the value within its mode.
    heavy = sorted(m for m, w in zip(amount["means"], amount["weights"]) if w > 0.2)
    np.testing.assert_allclose(heavy, [-50.0, 100.0], atol=1.0)
    assert amount["missing"] and not transformer.columns[1]["missing"]
    matrix = transformer.transform(table)
    scalar, modes = transformer.spans[:2]
    assert (scalar.width, scalar.activation, modes.activation) == (1, "tanh", "softmax")
    present = ~np.isnan(table["amount"])
    assert np.all(np.abs(matrix[present, scalar.start]) <= 0.99)
    chosen = matrix[:, modes.start : modes.start + modes.width].argmax(axis=1)
    assert np.all(chosen[~present] == modes.width - 1)  # the extra mode: missing
    for mode in np.unique(chosen[present]):  # each mode takes values from one side only
        assert len(np.unique(np.sign(table["amount"][present & (chosen == mode)]))) == 1


def test_the_modes_are_drawn_from_the_posterior_with_the_seed():
    values = np.concatenate([np.random.default_rng(0).normal(0.0, 1.0, 400), [0.0] * 50])
    transformer = TableTransformer(max_modes=3).fit({"x": values})
    a, b, c = (transformer.transform({"x": values}, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)  # another seed, other draws where modes overlap
    np.testing.assert_allclose(transformer.inverse_transform(c)["x"], values, atol=1e-5)


def test_the_config_is_json_and_rebuilds_the_transformer():
    table = read_table(mixed_table())
    transformer = TableTransformer(discrete=["grade"], seed=3).fit(table)
    config = json.loads(json.dumps(transformer.get_config()))
    rebuilt = TableTransformer.from_config(config)
    np.testing.assert_array_equal(rebuilt.transform(table), transformer.transform(table))
    assert rebuilt.spans == transformer.spans


def test_kinds_follow_the_data_unless_named():
    table = read_table(mixed_table())
    assert [c["kind"] for c in TableTransformer().fit(table).columns] == [
        "continuous", "continuous", "continuous", "discrete", "continuous",
    ]  # fmt: skip
    only = TableTransformer(continuous=["amount"]).fit(table)
    assert [c["kind"] for c in only.columns] == ["continuous", "discrete", "discrete", "discrete", "discrete"]


@pytest.mark.parametrize(
    "make, phrase",
    [
        (lambda t: TableTransformer(discrete=["nope"]).fit(t), "No column named 'nope'"),
        (lambda t: TableTransformer(continuous=["colour"]).fit(t), "Column 'colour' holds text"),
        (lambda t: TableTransformer(discrete=["age"], continuous=["age"]).fit(t), "named both discrete and continuous"),
        (lambda t: TableTransformer().transform(t), "not fitted yet; call fit(table) first"),
        (lambda t: TableTransformer().fit(t).transform({**t, "colour": np.array(["pink"] * 600, object)}), "'pink', a category not seen in fit"),
        (lambda t: TableTransformer().fit({k: v for k, v in t.items() if k != "amount"}).transform({**t, "age": np.full(600, np.nan)}), "has missing values but had none in fit"),
        (lambda t: TableTransformer().fit({k: t[k] for k in ("age",)}).transform({"grade": t["grade"]}), "lacks column 'age'"),
        (lambda t: TableTransformer().fit({"a": np.zeros(3), "b": np.zeros(4)}), "differ in length"),
        (lambda t: TableTransformer().fit([1, 2]), "Cannot read a table from a list"),
        (lambda t: TableTransformer().fit(t).inverse_transform(np.zeros((2, 3))), "Expected a matrix [rows, "),
    ],
)
def test_bad_input_is_one_clear_line(make, phrase):
    with pytest.raises(ValueError) as error:
        make(read_table(mixed_table()))
    assert phrase in str(error.value) and "\n" not in str(error.value)


def test_a_ragged_csv_names_its_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match="line 3: 1 cells where the header has 2"):
        read_table(str(path))


@pytest.fixture(scope="module")
def conditioned():
    table = read_table(mixed_table(3000))
    transformer = TableTransformer(discrete=["grade"]).fit(table)
    matrix = transformer.transform(table)
    return table, transformer, matrix, ConditionSampler(transformer, matrix)


def test_training_conditions_favour_rare_categories_and_come_with_rows_that_meet_them(conditioned):
    table, transformer, matrix, sampler = conditioned
    assert sampler.width == 4 + 3  # colour: red, green, blue, None; grade: 3 values
    conditions, rows = sampler.training_draw(20000, np.random.default_rng(0))
    assert conditions.shape == (20000, 7) and np.all(conditions.sum(axis=1) == 1)
    assert sampler.meets(matrix[rows], conditions).all()
    # Each column half the time; a category by log(1 + count) within it.
    colour = transformer.discrete_columns["colour"]
    counts = np.array([sum(1 for v in table["colour"] if v == c) for c in colour])
    expected = 0.5 * np.log1p(counts) / np.log1p(counts).sum()
    np.testing.assert_allclose(conditions[:, :4].mean(axis=0), expected, atol=0.01)
    blue = colour.index("blue")
    assert counts[blue] / 3000 < 0.02 and conditions[:, blue].mean() > 0.05


def test_data_conditions_follow_the_data_and_where_names_one(conditioned):
    table, transformer, matrix, sampler = conditioned
    conditions = sampler.data_draw(20000, np.random.default_rng(1))
    grade = transformer.discrete_columns["grade"]
    share = np.array([np.mean(table["grade"] == g) for g in grade])
    np.testing.assert_allclose(conditions[:, 4:].mean(axis=0), 0.5 * share, atol=0.01)
    where = sampler.where("grade", 2, 5)
    assert where.shape == (5, 7) and np.all(where[:, 4 + grade.index(2.0)] == 1) and np.all(where.sum(axis=1) == 1)
    rows = np.flatnonzero(table["grade"] == 2)[:5]
    assert sampler.meets(matrix[rows], where).all() and not sampler.meets(matrix[rows], sampler.where("grade", 1, 5)).any()


@pytest.mark.parametrize(
    "column, value, phrase",
    [("colour", "pink", "Column 'colour' has no category 'pink'; it has red, green, blue, None"), ("age", 30, "'age' is not a discrete column; conditions can name colour, grade")],
)
def test_a_bad_where_is_one_line(conditioned, column, value, phrase):
    *_, sampler = conditioned
    with pytest.raises(ValueError, match=re.escape(phrase)):
        sampler.where(column, value, 3)


def test_a_table_of_numbers_has_empty_conditions():
    table = {"a": np.random.default_rng(0).normal(size=50), "b": np.arange(50.0)}
    transformer = TableTransformer().fit(table)
    sampler = ConditionSampler(transformer, transformer.transform(table))
    conditions, rows = sampler.training_draw(30, np.random.default_rng(1))
    assert conditions.shape == (30, 0) and rows.min() >= 0 and rows.max() < 50 and len(np.unique(rows)) > 10
    assert sampler.data_draw(4, np.random.default_rng(2)).shape == (4, 0)
    with pytest.raises(ValueError, match="'a' is not a discrete column; conditions can name none"):
        sampler.where("a", 1.0, 2)
