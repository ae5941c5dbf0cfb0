"""Data for InfoGAN: loaders for every source, and the embedded shapes data."""

from keras_infogan.data.labels import UNLABELLED, check_class_names, check_labels, class_index, labelled_subset
from keras_infogan.data.loading import class_names, load, load_arrays, to_unit_range
from keras_infogan.data.shapes import FACTOR_NAMES, factor_matrix, make_shapes

__all__ = [
    "load",
    "load_arrays",
    "class_names",
    "to_unit_range",
    "make_shapes",
    "factor_matrix",
    "FACTOR_NAMES",
    "UNLABELLED",
    "check_class_names",
    "check_labels",
    "class_index",
    "labelled_subset",
]
