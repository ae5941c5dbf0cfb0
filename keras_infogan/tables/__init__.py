"""Tables: reading and writing them (`columns`) and CTGAN's data handling
(`transformer`). Needs scikit-learn (`pip install keras-infogan[tables]`)."""

from keras_infogan.tables.columns import Table, read_table, table_length, write_csv
from keras_infogan.tables.transformer import Span, TableTransformer

__all__ = ["Span", "Table", "TableTransformer", "read_table", "table_length", "write_csv"]
