"""A `TableInfoGAN` as a SavedModel whose one signature returns decoded rows,
so TF Serving serves synthetic rows with no Python of ours.

`serving_default`: `seed` int64 [N], `where_column` string [N], `where_value`
string [N] -> one output per table column (text columns as strings, number
columns as float64, NaN where missing), and the latents drawn (`noise`,
`continuous`, `categorical` as the spec has them) with `condition`, the
index of each row's condition in the model's condition vector. A row whose
`where_column` is "" gets a condition drawn from the data's category shares;
otherwise its column holds `where_value` (a category as the sample command
writes it: whole numbers without a decimal point), exactly, as `sample`
does. The same seed gives the same row. Output names are the column names
with characters other than letters, digits, "_" and "." replaced by "_".

Called by `keras_infogan.saved_model.export` for table models.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from keras_infogan.tables.columns import format_cell
from keras_infogan.tables.transformer import CONTINUOUS

__all__ = ["output_name", "save_table_signatures"]


def output_name(column: str) -> str:
    """The signature output that holds `column`."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", column)


def save_table_signatures(model: Any, path: str) -> None:
    """Writes `model`'s SavedModel (TensorFlow backend) to `path`."""
    import tensorflow as tf

    from keras_infogan.saved_model import draw_latent_row

    spec, sampler = model.spec, model.condition_sampler
    names = [output_name(c["name"]) for c in model.transformer.columns]
    taken = names + ["noise", "categorical", "continuous", "condition"]
    clashes = sorted({n for n in names if taken.count(n) > 1})
    if clashes:
        raise ValueError(f"Columns map to the output names {clashes}, which another output has; rename them before export.")
    widths = {"noise": spec.noise_dim, "categorical": spec.n_categorical, "continuous": spec.continuous}
    row = {k: tf.TensorSpec([w], "int32" if k == "categorical" else "float32") for k, w in widths.items() if w}
    keys, shares = [], []
    for c, (column, categories) in enumerate(sampler.columns):
        keys += [f"{column}\x1f{format_cell(v)}" for v in categories]
        shares += [p / len(sampler.columns) for p in sampler.frequencies[c]]
    width = len(keys)
    module = tf.Module()
    module.generator = model.generator
    if width:
        module.table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(keys), tf.range(width, dtype=tf.int64)), default_value=-1
        )
    known = "; ".join(f"{column}: {', '.join(format_cell(v) for v in cats[:8])}{', ...' if len(cats) > 8 else ''}"
                      for column, cats in sampler.columns)

    def conditions(seed, where_column, where_value):
        if not width:
            return tf.zeros([tf.shape(seed)[0], 0]), tf.fill(tf.shape(seed), tf.constant(-1, tf.int64))
        asked = module.table.lookup(where_column + "\x1f" + where_value)
        named = tf.not_equal(where_column, "")
        valid = tf.debugging.Assert(
            tf.reduce_all(tf.logical_or(tf.logical_not(named), asked >= 0)),
            [f"where_column/where_value name no category of the model; it knows {known}"],
        )
        logits = tf.math.log(tf.constant([shares], tf.float32))
        drawn = tf.map_fn(
            lambda s: tf.random.stateless_categorical(logits, 1, tf.stack([s, tf.constant(2, tf.int64)]))[0, 0],
            seed,
            fn_output_signature=tf.int64,
        )
        with tf.control_dependencies([valid]):
            index = tf.where(named, asked, drawn)
        return tf.one_hot(index, width), index

    def decode(rows, condition):
        out, spans = {}, iter(model.transformer.spans)
        for name, column in zip(names, model.transformer.columns):
            if column["kind"] == CONTINUOUS:
                scalar, modes = next(spans), next(spans)
                mode = tf.argmax(rows[:, modes.start : modes.start + modes.width], axis=1)
                k = len(column["means"])
                safe = tf.minimum(mode, k - 1)
                stds, means = (tf.constant(column[key], tf.float64) for key in ("stds", "means"))
                values = tf.cast(rows[:, scalar.start], tf.float64) * 4 * tf.gather(stds, safe) + tf.gather(means, safe)
                if column["whole"]:
                    values = tf.round(values)
                out[name] = tf.where(mode == k, tf.constant(np.nan, tf.float64), values)
            else:
                span = next(spans)
                chosen = rows[:, span.start : span.start + span.width]
                if width:  # the condition's category wins in its column, as `sample` writes it
                    c = sampler.column_index(column["name"])
                    chosen = chosen + 2.0 * condition[:, sampler.offsets[c] : sampler.offsets[c + 1]]
                out[name] = tf.gather(tf.constant([format_cell(v) for v in column["categories"]]), tf.argmax(chosen, axis=1))
        return out

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.int64, name="seed"),
            tf.TensorSpec([None], tf.string, name="where_column"),
            tf.TensorSpec([None], tf.string, name="where_value"),
        ]
    )
    def serving_default(seed, where_column, where_value):
        latent = tf.map_fn(lambda s: draw_latent_row(spec, s), seed, fn_output_signature=row)
        condition, index = conditions(seed, where_column, where_value)
        rows = model.call(tf.concat([spec.to_input(latent), condition], axis=1), training=False)
        return {**decode(rows, condition), **latent, "condition": index}

    tf.saved_model.save(module, path, signatures={"serving_default": serving_default})
