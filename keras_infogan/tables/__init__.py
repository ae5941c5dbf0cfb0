"""Tables: reading and writing them (`columns`), CTGAN's data handling
(`transformer`) and its conditions (`conditions`). Needs scikit-learn
(`pip install keras-infogan[tables]`)."""

from keras_infogan.tables.columns import Table, read_table, table_length, write_csv
from keras_infogan.tables.conditions import ConditionSampler
from keras_infogan.tables.transformer import Span, TableTransformer

__all__ = ["ConditionSampler", "Span", "Table", "TableTransformer", "read_table", "table_length", "write_csv"]
