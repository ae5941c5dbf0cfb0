"""`TableInfoGAN`: InfoGAN on tables with CTGAN's data handling.

The step is `InfoGAN`'s (the same per-backend train steps, losses, gradient
penalties and info terms); what differs:

- G takes the spec's latent and a condition (`tables.conditions`), and makes
  a row in the transformer's layout; D's trunk and Q read the row with its
  condition beside it, one row at a time, and D's head packs `pac` rows.
- G's loss gains CTGAN's condition term: the cross-entropy between the
  condition and G's one-hot of the column it names, so G makes what it is
  asked for.
- The default recipe is CTGAN's: WGAN-GP, Adam at 2e-4 with betas (0.5, 0.9),
  and no IIC term (its augmentations are for images).

Batches are dicts of `rows` [B, width] and `condition` [B, C], drawn by
training-by-sampling (`training_dataset`).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_infogan.model import InfoGAN
from keras_infogan.recipe import Recipe
from keras_infogan.spec import LatentSpec
from keras_infogan.tables import networks as table_networks
from keras_infogan.tables.columns import Table
from keras_infogan.tables.conditions import ConditionSampler
from keras_infogan.tables.transformer import TableTransformer

__all__ = ["TABLE_RECIPE", "TABLE_SPEC", "TableData", "TableInfoGAN", "training_dataset"]

TABLE_RECIPE = Recipe(
    d_learning_rate=2e-4,
    g_learning_rate=2e-4,
    beta_2=0.9,
    adversarial_loss="wasserstein",
    gradient_penalty="wgan-gp",
    iic_weight=0.0,
)
# A new table model's codes: CTGAN's 128 noise inputs and two continuous codes.
TABLE_SPEC = LatentSpec(noise_dim=128, categorical=[], continuous=2)
EPSILON = 1e-8  # Inside the log of the condition term.


@keras.saving.register_keras_serializable(package="keras_infogan")
class TableInfoGAN(InfoGAN):
    """InfoGAN for tables: G makes rows of a `TableTransformer`'s matrix,
    conditioned on one category of one discrete column, and Q reads the
    spec's codes back from each row.

    Args:
        generator: maps [B, spec.input_dim + C] to rows [B, width].
        discriminator_trunk: maps rows with their condition [B, width + C]
            to per-row features.
        spec: the `LatentSpec` of the codes.
        transformer: the fitted `TableTransformer` (saved with the model).
        frequencies: each discrete column's category shares in the data, in
            the condition's order: the conditions `sample` draws.
        pac: rows D's head judges together.
        **kwargs: `InfoGAN`'s (`q_hidden`, `seed`, ...).

    Example:

    ```python
    model, data = TableInfoGAN.for_table("adult/train.csv.gz", LatentSpec(noise_dim=128, categorical=[4]))
    model.compile()
    model.fit(training_dataset(data, batch_size=500, steps=100), epochs=10)
    rows = model.sample(1000, where=("sex", "Female"))
    ```
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator_trunk: keras.Model,
        spec: LatentSpec,
        transformer: TableTransformer,
        frequencies: list[list[float]],
        pac: int = table_networks.PAC,
        **kwargs,
    ):
        self.pac = int(pac)
        super().__init__(generator, discriminator_trunk, spec, **kwargs)
        self.transformer = transformer
        self.frequencies = [list(map(float, f)) for f in frequencies]
        self.width = transformer.width
        self.condition_sampler = ConditionSampler.from_frequencies(transformer, self.frequencies)  # for sampling
        self.condition_width = self.condition_sampler.width
        # The matrix columns of the discrete one-hots, in the condition's order.
        spans = {s.column: s for s in transformer.spans if s.activation == "softmax"}
        self._condition_columns = np.concatenate(
            [np.arange(spans[name].start, spans[name].start + spans[name].width) for name in transformer.discrete_columns]
            or [np.zeros(0, "int64")]
        ).astype("int32")
        self.trackers["condition_loss"] = keras.metrics.Mean(name="condition_loss")

    @staticmethod
    def _check_networks(generator: keras.Model, trunk: keras.Model, spec: LatentSpec) -> None:
        """G's rows and their condition together are what the trunk reads."""
        condition = generator.input_shape[-1] - spec.input_dim
        if condition < 0 or generator.output_shape[-1] + condition != trunk.input_shape[-1]:
            raise ValueError(
                f"The generator maps {generator.input_shape[-1]} inputs to {generator.output_shape[-1]} columns "
                f"and the trunk reads {trunk.input_shape[-1]}: with the spec's {spec.input_dim} latent inputs, G "
                "must take the latent and the condition, and the trunk the rows and the condition."
            )

    def _discriminator_head(self, trunk: keras.Model, weight_init: str) -> keras.Model:
        """CTGAN's packed head: one logit per `pac` rows."""
        return table_networks.packed_discriminator_head(trunk, self.pac)

    @classmethod
    def for_table(
        cls, table: Any, spec: LatentSpec, transformer: TableTransformer | None = None, pac: int = table_networks.PAC, **kwargs
    ) -> tuple[TableInfoGAN, TableData]:
        """CTGAN's networks for `table` (fitting a `TableTransformer()` unless
        one is given), and the transformed data to train on."""
        transformer = transformer or TableTransformer().fit(table)
        data = TableData(transformer, transformer.transform(table))
        return cls.for_transformer(transformer, data.sampler.frequencies, spec, pac=pac, **kwargs), data

    @classmethod
    def for_transformer(
        cls, transformer: TableTransformer, frequencies: list[list[float]], spec: LatentSpec, pac: int = table_networks.PAC, **kwargs
    ) -> TableInfoGAN:
        """CTGAN's networks for a fitted transformer and its data's category shares."""
        width = sum(len(f) for f in frequencies)  # the condition's
        spans = [(s.start, s.width, s.activation) for s in transformer.spans]
        g = table_networks.table_generator(spec.input_dim + width, spans)
        trunk = table_networks.table_discriminator_trunk(transformer.width + width)
        return cls(g, trunk, spec, transformer, frequencies, pac=pac, **kwargs)

    @property
    def image_shape(self) -> tuple[int, ...]:
        return (self.width,)

    def compile(self, d_optimizer=None, g_optimizer=None, recipe: Recipe | None = None, **kwargs) -> None:
        """`InfoGAN.compile` with `TABLE_RECIPE` as the default recipe."""
        super().compile(d_optimizer, g_optimizer, recipe=recipe or TABLE_RECIPE, **kwargs)

    # --------------------------------------------------------------- the math

    def unpack_batch(self, data: Any) -> tuple[Any, dict[str, Any], Any]:
        """A batch of `rows` and their `condition`: the real input of D is both
        side by side, and G is asked for the same conditions."""
        if not isinstance(data, dict) or "rows" not in data or "condition" not in data:
            raise ValueError("TableInfoGAN trains on batches of {'rows', 'condition'}; make them with training_dataset.")
        rows, condition = ops.cast(data["rows"], "float32"), ops.cast(data["condition"], "float32")
        if rows.shape[0] is not None and rows.shape[0] % self.pac:
            raise ValueError(f"A batch of {rows.shape[0]} rows does not split into packs of {self.pac}; use a multiple of {self.pac}.")
        latent = self.spec.sample(ops.shape(rows)[0], seed=self.seed_generator)
        latent["condition"] = condition
        return ops.concatenate([rows, condition], axis=1), latent, None

    def fake_images(self, latent: dict[str, Any]) -> Any:
        """G's rows for a latent dict with its `condition`, the condition beside them."""
        inputs = ops.concatenate([self.spec.to_input(latent), latent["condition"]], axis=1)
        return ops.concatenate([self.call(inputs, training=True), latent["condition"]], axis=1)

    def critic_latents(self, real: Any) -> dict[str, Any]:
        """Fresh latents for an extra D update, asking for the conditions of `real`."""
        latent = self.spec.sample(ops.shape(real)[0], seed=self.seed_generator)
        latent["condition"] = real[:, self.width :]
        return latent

    def generator_loss(self, fake: Any, latent: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """InfoGAN's G loss plus CTGAN's condition term."""
        loss, logs = super().generator_loss(fake, latent)
        if self.condition_width:
            chosen = ops.take(fake[:, : self.width], self._condition_columns, axis=1)
            condition = ops.sum(-latent["condition"] * ops.log(chosen + EPSILON), axis=1)
            logs["condition_loss"] = ops.mean(condition)
            loss = loss + logs["condition_loss"]
            logs["g_loss"] = loss
        return loss, logs

    # ---------------------------------------------------------- sample/encode

    def sample_matrix(
        self, n: int, where: tuple[str, Any] | None = None, seed: int | None = None, exact: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """`n` rows in the transformer's layout and their conditions: those of
        `where` = (column, value), else drawn with the data's frequencies.
        With `exact`, each row's conditioned column holds its condition's
        category; else G's own one-hot (`condition_sampler.meets` says how
        often G honours the condition by itself)."""
        rng = np.random.default_rng(seed)
        sampler = self.condition_sampler
        condition = sampler.where(*where, n) if where is not None else sampler.data_draw(n, rng)
        latent = self.latent_inputs(n=n, seed=seed)
        inputs = np.concatenate([ops.convert_to_numpy(self.spec.to_input(latent)), condition], axis=1)
        rows = np.concatenate([ops.convert_to_numpy(self.call(inputs[i : i + 1024], training=False)) for i in range(0, n, 1024)])
        if exact:
            rows = sampler.impose(rows, condition)
        return rows, condition

    def sample(self, n: int, where: tuple[str, Any] | None = None, seed: int | None = None) -> Table:
        """`n` synthetic rows as a table (see `sample_matrix`)."""
        return self.transformer.inverse_transform(self.sample_matrix(n, where, seed)[0])

    def encode(self, rows: Any, condition: Any, batch_size: int = 256) -> dict[str, np.ndarray]:
        """Q's codes for rows of the transformer's layout read with their
        conditions (`InfoGAN.encode`'s keys)."""
        rows, condition = np.asarray(rows, "float32"), np.asarray(condition, "float32")
        if rows.ndim != 2 or rows.shape[1] != self.width or condition.shape != (len(rows), self.condition_width):
            raise ValueError(
                f"encode takes rows [N, {self.width}] and conditions [N, {self.condition_width}], got {rows.shape} and {condition.shape}."
            )
        if len(rows) == 0:
            raise ValueError("encode got no rows (N = 0); pass at least one.")
        return self._encode_in_batches(np.concatenate([rows, condition], axis=1), batch_size)

    # -------------------------------------------------------------- serialize

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(transformer=self.transformer.get_config(), frequencies=self.frequencies, pac=self.pac)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TableInfoGAN:
        config = dict(config)
        config["transformer"] = TableTransformer.from_config(config["transformer"])
        return super().from_config(config)


@dataclasses.dataclass
class TableData:
    """A table as the transformer's matrix, with its condition sampler."""

    transformer: TableTransformer
    matrix: np.ndarray

    def __post_init__(self) -> None:
        self.sampler = ConditionSampler(self.transformer, self.matrix)


def training_dataset(data: TableData, batch_size: int, steps: int, seed: int = 0, first_epoch: int = 0) -> Any:
    """Batches of training-by-sampling, each a dict of `rows` and their
    `condition` (a `tf.data.Dataset`, for every backend): `steps` per pass
    (a `fit` epoch), pass k counted from `first_epoch` drawn afresh from a
    stream seeded by (seed, k), so a resumed run sees the batches of an
    uninterrupted one."""
    import tensorflow as tf

    epochs = itertools.count(first_epoch)

    def batches():
        rng = np.random.default_rng([seed, next(epochs)])
        for _ in range(steps):
            condition, rows = data.sampler.training_draw(batch_size, rng)
            yield {"rows": data.matrix[rows], "condition": condition}

    signature = {
        "rows": tf.TensorSpec((batch_size, data.matrix.shape[1]), tf.float32),
        "condition": tf.TensorSpec((batch_size, data.sampler.width), tf.float32),
    }
    dataset = tf.data.Dataset.from_generator(batches, output_signature=signature)
    return dataset.apply(tf.data.experimental.assert_cardinality(steps))  # `fit` knows an epoch's steps.
