"""The table networks and their layers on the running backend: each column
group's activation, PacGAN's packing, G's rows in the transformer's layout
and D's one logit per pack."""

import keras
import numpy as np
import pytest

from keras_infogan.layers import Pack, SpanActivation
from keras_infogan.tables import TableTransformer
from keras_infogan.tables import networks

SPANS = [(0, 1, "tanh"), (1, 3, "softmax"), (4, 2, "softmax"), (6, 1, "tanh")]


def test_span_activation_is_tanh_and_softmax_per_group():
    x = np.random.default_rng(0).normal(size=(5, 7)).astype("float32") * 3
    out = keras.ops.convert_to_numpy(SpanActivation(SPANS)(x))

    def softmax(v):
        e = np.exp(v - v.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    expected = np.concatenate([np.tanh(x[:, :1]), softmax(x[:, 1:4]), softmax(x[:, 4:6]), np.tanh(x[:, 6:])], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spans", [[(0, 1, "tanh"), (2, 2, "softmax")], [(0, 0, "tanh")], [(0, 2, "relu")]])
def test_spans_that_do_not_tile_the_columns_are_refused(spans):
    with pytest.raises(ValueError, match="Spans must cover the columns in order"):
        SpanActivation(spans)


def test_pack_joins_consecutive_rows():
    x = np.arange(24, dtype="float32").reshape(6, 4)
    out = keras.ops.convert_to_numpy(Pack(3)(x))
    np.testing.assert_array_equal(out, x.reshape(2, 12))
    assert Pack(3).compute_output_shape((6, 4)) == (2, 12)


def test_table_networks_round_trip_and_give_a_logit_per_pack(tmp_path):
    table = {"x": np.linspace(-3, 3, 40), "colour": np.array(["red", "blue"] * 20, dtype=object)}
    transformer = TableTransformer().fit(table)
    spans = [(s.start, s.width, s.activation) for s in transformer.spans]
    keras.utils.set_random_seed(0)
    g = networks.table_generator(8, spans, hidden=(16, 16))
    rows = keras.ops.convert_to_numpy(g(np.random.default_rng(1).normal(size=(20, 8)).astype("float32")))
    assert rows.shape == (20, transformer.width)
    for start, width, activation in spans:
        if activation == "softmax":
            np.testing.assert_allclose(rows[:, start : start + width].sum(axis=1), 1.0, rtol=1e-5)
    assert transformer.inverse_transform(rows)["colour"].tolist()[0] in ("red", "blue")

    trunk = networks.table_discriminator_trunk(transformer.width, hidden=(16,))
    head = networks.packed_discriminator_head(trunk, pac=10, hidden=8)
    logits = keras.ops.convert_to_numpy(head(trunk(rows)))
    assert logits.shape == (2, 1) and head.layers[-1].compute_dtype == "float32"

    path = str(tmp_path / "g.keras")
    g.save(path)
    z = np.full((4, 8), 0.5, "float32")
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(z)), keras.ops.convert_to_numpy(g(z)), rtol=1e-6)
