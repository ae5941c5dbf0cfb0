"""A `TableInfoGAN`'s SavedModel: its one signature decodes rows in the graph
exactly as `transformer.inverse_transform` does in Python, honours a `where`,
draws conditions for rows without one, repeats a seed's row, and refuses an
unknown category with a message. The export runs under TensorFlow from any
backend (`test_export` checks that path), so once."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_infogan as ki
from keras_infogan.spec import LatentSpec
from keras_infogan.tables import TableInfoGAN, TableTransformer
from keras_infogan.tables.export import output_name

pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 200
    table = {
        "size": rng.normal(3.0, 1.0, n),
        "count": rng.integers(0, 5, n).astype(float),
        "colour": rng.choice(np.array(["red", "blue", "green"], dtype=object), n),
        "grade": rng.choice([1.0, 2.0], n),
    }
    keras.utils.set_random_seed(0)
    transformer = TableTransformer(discrete=["colour", "grade"]).fit(table)  # grade: numbers as categories
    model, _ = TableInfoGAN.for_table(table, LatentSpec(noise_dim=4, categorical=[2], continuous=1), transformer, seed=0)
    path = ki.export(model, str(tmp_path_factory.mktemp("export")))
    return model, tf.saved_model.load(path).signatures["serving_default"]


def call(signature, seeds, columns, values):
    out = signature(seed=tf.constant(seeds, tf.int64), where_column=tf.constant(columns), where_value=tf.constant(values))
    return {k: v.numpy() for k, v in out.items()}


def test_the_graph_decodes_as_the_transformer_does(exported):
    model, signature = exported
    out = call(signature, [1, 2, 3, 4], ["colour", "grade", "", ""], ["green", "2", "", ""])
    condition = np.eye(model.condition_width, dtype="float32")[out["condition"]]
    latent = {k: out[k] for k in ("noise", "categorical", "continuous")}
    inputs = np.concatenate([keras.ops.convert_to_numpy(model.spec.to_input(latent)), condition], axis=1)
    rows = model.condition_sampler.impose(keras.ops.convert_to_numpy(model.call(inputs, training=False)), condition)
    table = model.transformer.inverse_transform(rows)
    np.testing.assert_allclose(out["size"], table["size"], rtol=1e-5)
    np.testing.assert_array_equal(out["count"], table["count"])
    assert [v.decode() for v in out["colour"]] == list(table["colour"])
    assert [v.decode() for v in out["grade"]] == [str(int(g)) for g in table["grade"]]
    assert out["colour"][0] == b"green" and out["grade"][1] == b"2"
    assert set(out["condition"][2:]) <= set(range(model.condition_width))


def test_a_seed_gives_its_row_and_a_where_holds_in_every_row(exported):
    _, signature = exported
    first = call(signature, [7] * 3, ["colour"] * 3, ["red"] * 3)
    again = call(signature, [7, 8, 9], ["colour"] * 3, ["red"] * 3)
    assert all(first["colour"] == b"red") and all(again["colour"] == b"red")
    np.testing.assert_array_equal(first["noise"][0], again["noise"][0])
    assert first["size"][0] == again["size"][0] and first["size"][0] == first["size"][1]
    assert again["size"][1] != again["size"][2]


def test_an_unknown_category_is_refused_with_what_the_model_knows(exported):
    _, signature = exported
    with pytest.raises(tf.errors.InvalidArgumentError, match="name no category of the model; it knows colour: red"):
        call(signature, [1], ["colour"], ["purple"])


def test_output_names_keep_letters_digits_underscores_and_dots():
    assert output_name("education-num") == "education_num" and output_name("a.b_c 1") == "a.b_c_1"
