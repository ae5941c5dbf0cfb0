"""Data for InfoGAN: loaders for every source, and the embedded shapes data."""

from keras_infogan.data.labels import UNLABELLED, labelled_subset
from keras_infogan.data.loading import load, load_arrays, to_unit_range
from keras_infogan.data.shapes import FACTOR_NAMES, factor_matrix, make_shapes

__all__ = [
    "load",
    "load_arrays",
    "to_unit_range",
    "make_shapes",
    "factor_matrix",
    "FACTOR_NAMES",
    "UNLABELLED",
    "labelled_subset",
]
