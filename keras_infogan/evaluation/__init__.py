"""Evaluation: plain metrics on arrays (`metrics`) and measurements of a
trained model (`measurements`)."""

from keras_infogan.evaluation.measurements import (
    categorical_accuracy,
    continuous_code_effects,
    evaluate_shapes_mig,
    mi_lower_bound,
)
from keras_infogan.evaluation.metrics import (
    category_consistency,
    discrete_entropy,
    discrete_mutual_info,
    histogram_discretize,
    mig_per_factor,
    mutual_information_gap,
    slant,
    traversal_effect,
    unsupervised_accuracy,
    width,
)

__all__ = [
    "categorical_accuracy",
    "category_consistency",
    "continuous_code_effects",
    "discrete_entropy",
    "discrete_mutual_info",
    "evaluate_shapes_mig",
    "histogram_discretize",
    "mi_lower_bound",
    "mig_per_factor",
    "mutual_information_gap",
    "slant",
    "traversal_effect",
    "unsupervised_accuracy",
    "width",
]
