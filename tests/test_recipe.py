"""The recipe record: its defaults resolve per spec, bad values fail in one
line, and retired options are refused or dropped as documented."""

import dataclasses
import warnings

import pytest

from keras_infogan.penalties import PENALTY_WEIGHTS
from keras_infogan.recipe import CONTINUOUS_WEIGHTS, IIC_WEIGHT, SELF_TRAINING_WEIGHT, Recipe

pytestmark = pytest.mark.once


def test_defaults_resolve_for_the_spec():
    with_codes = Recipe().resolved(has_categorical=True)
    assert (with_codes.continuous_weight, with_codes.iic_weight) == (CONTINUOUS_WEIGHTS["fixed_std"], IIC_WEIGHT)
    assert Recipe().resolved(has_categorical=False).iic_weight == 0.0
    assert Recipe(info_trains_trunk=False).resolved(has_categorical=True).iic_weight == 0.0
    gaussian = Recipe(continuous_loss="gaussian").resolved(has_categorical=True)
    assert gaussian.continuous_weight == CONTINUOUS_WEIGHTS["gaussian"] != CONTINUOUS_WEIGHTS["fixed_std"]
    assert Recipe(continuous_loss="gaussian", continuous_weight=0.3).resolved(True).continuous_weight == 0.3
    resolved = Recipe(iic_weight=0.5).resolved(True)
    assert resolved.resolved(True) == resolved  # Resolving twice changes nothing.
    assert Recipe().resolved(True).penalty_weight == 0.0
    assert Recipe(gradient_penalty="r1").resolved(True).penalty_weight == PENALTY_WEIGHTS["r1"] > 0
    assert Recipe(gradient_penalty="dragan", penalty_weight=1.0).resolved(True).penalty_weight == 1.0
    assert Recipe().resolved(True).self_training_weight == SELF_TRAINING_WEIGHT > 0
    assert Recipe(iic_weight=0.0).resolved(True).self_training_weight == 0.0  # It reads the IIC term's pair.


@pytest.mark.parametrize(
    "options, phrase",
    [
        ({"d_learning_rate": 0.0}, "d_learning_rate must be positive, got 0.0"),
        ({"fixed_std": -1.0}, "fixed_std must be positive"),
        ({"beta_1": 1.0}, r"beta_1 must be in \[0, 1\)"),
        ({"iic_weight": -1.0}, "iic_weight must be >= 0"),
        ({"categorical_loss": "hinge"}, r"Unknown categorical_loss 'hinge'; choose one of \['softmax', 'sigmoid'\]"),
        ({"adversarial_loss": "wgan"}, "Unknown adversarial_loss 'wgan'"),
        ({"iic_augmentation": "slant"}, "iic_augmentation 'slant' was retired"),
        ({"beta_2": 1.0}, r"beta_2 must be in \[0, 1\)"),
        ({"n_critic": 0}, "n_critic must be a whole number >= 1, got 0"),
        ({"gradient_penalty": "gp"}, "Unknown gradient_penalty 'gp'"),
        ({"penalty_weight": 5.0}, "penalty_weight is set but gradient_penalty is 'none'"),
        ({"adversarial_loss": "wasserstein"}, "needs a gradient penalty.*gradient_penalty='wgan-gp'"),
    ],
)
def test_bad_values_name_the_field(options, phrase):
    with pytest.raises(ValueError, match=phrase):
        Recipe(**options)


@pytest.mark.parametrize(
    "options, phrase",
    [
        ({"iic_weight": 1.0, "info_trains_trunk": False}, "needs info_trains_trunk=True"),
        ({"iic_weight": 1.0}, "needs a categorical code"),
        ({"iic_weight": 0.0, "self_training_weight": 1.0}, "self_training_weight > 0 .* needs iic_weight > 0"),
    ],
)
def test_settings_that_cannot_train_are_refused_when_resolved(options, phrase):
    with pytest.raises(ValueError, match=phrase):
        Recipe(**options).resolved(has_categorical="categorical" not in phrase)


def test_config_round_trip():
    recipe = Recipe(categorical_loss="sigmoid", g_learning_rate=2e-3, iic_weight=0.0)
    assert Recipe.from_config(recipe.get_config()) == recipe


def test_configs_saved_before_self_training_resume_without_it():
    config = Recipe().resolved(True).get_config()
    del config["self_training_weight"]
    assert Recipe.from_config(config).resolved(True).self_training_weight == 0.0


def test_take_options_splits_recipe_fields_from_the_rest():
    options = {"categorical_loss": "sigmoid", "jit_compile": False}
    assert Recipe.take_options(options) == {"categorical_loss": "sigmoid"}
    assert options == {"jit_compile": False}
    with pytest.raises(ValueError, match="categorical_augmentation was retired"):
        Recipe.take_options({"categorical_augmentation": "slant"})


def test_retired_options_in_saved_configs_are_dropped():
    config = Recipe().get_config()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # The neutral value is dropped silently.
        assert Recipe.from_config({**config, "categorical_augmentation": "none"}) == Recipe()
    with pytest.warns(UserWarning, match="categorical_augmentation='slant' was retired .* dropped"):
        assert Recipe.from_config({**config, "categorical_augmentation": "slant"}) == Recipe()
    with pytest.warns(UserWarning, match="iic_augmentation='stroke_width' was retired"):
        recipe = Recipe.from_config({**config, "iic_augmentation": "stroke_width"})
    assert recipe.iic_augmentation == "affine_stroke"
    with pytest.raises(ValueError, match="Unknown recipe option"):
        Recipe.from_config({**config, "learning_rate": 1e-3})


def test_every_field_has_help_text():
    assert all(f.metadata.get("help") for f in dataclasses.fields(Recipe))
