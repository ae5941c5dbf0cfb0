"""Tables: reading and writing them (`columns`), CTGAN's data handling
(`transformer`) and its conditions (`conditions`), CTGAN's networks
(`networks`), the model (`model`, which imports Keras), its SavedModel
(`export`) and the imbalanced-learn sampler (`oversampling`, which also
needs imbalanced-learn).
Needs scikit-learn (`pip install keras-infogan[tables]`)."""

import importlib

from keras_infogan.tables.columns import Table, read_table, table_length, write_csv
from keras_infogan.tables.conditions import ConditionSampler
from keras_infogan.tables.transformer import Span, TableTransformer

_MODEL = ("TABLE_RECIPE", "TABLE_SPEC", "TableData", "TableInfoGAN", "training_dataset")

__all__ = ["ConditionSampler", "Span", *_MODEL, "Table", "TableTransformer", "read_table", "table_length", "write_csv"]


def __getattr__(name):
    if name in _MODEL:
        return getattr(importlib.import_module("keras_infogan.tables.model"), name)
    if name == "networks":
        return importlib.import_module("keras_infogan.tables.networks")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
