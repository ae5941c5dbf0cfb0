"""Evaluation: plain metrics on arrays (`metrics`) and measurements of a
trained model (`measurements`)."""

from keras_infogan.evaluation.measurements import (
    categorical_accuracy,
    code_reader,
    continuous_code_effects,
    evaluate_shapes_mig,
    fit_code_reader,
    mi_lower_bound,
    shapes_disentanglement,
)
from keras_infogan.evaluation.metrics import (
    category_consistency,
    discrete_entropy,
    discrete_mutual_info,
    factor_vae_score,
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
    "code_reader",
    "continuous_code_effects",
    "discrete_entropy",
    "discrete_mutual_info",
    "evaluate_shapes_mig",
    "factor_vae_score",
    "fit_code_reader",
    "histogram_discretize",
    "mi_lower_bound",
    "shapes_disentanglement",
    "mig_per_factor",
    "mutual_information_gap",
    "slant",
    "traversal_effect",
    "unsupervised_accuracy",
    "width",
]
