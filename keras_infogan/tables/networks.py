"""CTGAN's networks for tables (Xu et al., 2019), with D's trunk shared by Q.

G is CTGAN's: residual blocks (dense, batch norm, ReLU, the block's input
concatenated after), a dense layer to the matrix's width, then each column
group's activation (`layers.SpanActivation`). D's trunk reads one row at a
time, so Q can read each row's codes; D's head packs `pac` rows' features
into one (PacGAN) before its hidden layer and logit.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from keras_infogan.layers import Pack, SpanActivation
from keras_infogan.networks import HEAD_DTYPE

__all__ = ["packed_discriminator_head", "table_discriminator_trunk", "table_generator"]

HIDDEN = (256, 256)  # CTGAN's generator_dim and discriminator_dim
PAC = 10  # CTGAN's pac
DROPOUT = 0.5
SLOPE = 0.2  # CTGAN's leaky ReLU slope


def table_generator(input_dim: int, spans: Sequence[tuple[int, int, str]], hidden: Sequence[int] = HIDDEN) -> keras.Model:
    """Maps [B, input_dim] to rows [B, width] of the transformer's layout;
    `spans` are its (start, width, activation) groups."""
    latent = keras.Input((input_dim,), name="latent")
    x = latent
    for units in hidden:
        block = layers.ReLU()(layers.BatchNormalization()(layers.Dense(units)(x)))
        x = layers.Concatenate()([block, x])
    activation = SpanActivation(spans)
    rows = activation(layers.Dense(activation.width)(x))
    return keras.Model(latent, rows, name="generator")


def table_discriminator_trunk(input_dim: int, hidden: Sequence[int] = HIDDEN[:1]) -> keras.Model:
    """Maps rows [B, input_dim] to per-row features shared by D and Q."""
    rows = keras.Input((input_dim,), name="rows")
    x = rows
    for units in hidden:
        x = layers.Dropout(DROPOUT)(layers.LeakyReLU(SLOPE)(layers.Dense(units)(x)))
    return keras.Model(rows, x, name="discriminator_trunk")


def packed_discriminator_head(trunk: keras.Model, pac: int = PAC, hidden: int = HIDDEN[-1]) -> keras.Model:
    """D's head: the features of `pac` rows packed into one, a hidden layer,
    one logit per pack (float32 whatever the trunk's precision)."""
    features = keras.Input(trunk.output_shape[1:], name="features")
    x = Pack(pac, dtype=HEAD_DTYPE)(features)
    x = layers.Dense(hidden, dtype=HEAD_DTYPE)(x)
    x = layers.Dropout(DROPOUT, dtype=HEAD_DTYPE)(layers.LeakyReLU(SLOPE, dtype=HEAD_DTYPE)(x))
    return keras.Model(features, layers.Dense(1, dtype=HEAD_DTYPE)(x), name="d_head")
