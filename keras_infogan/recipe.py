"""The training recipe: every choice of InfoGAN's objective and of its two
optimizers, each with its default, stated once.

`InfoGAN.compile` takes its defaults from `Recipe()`, the CLI (and
`benchmarks/mnist_recipe.py`) makes its flags from `Recipe`'s fields, and a
run's `config.json` and a `.keras` file's compile config store
`Recipe.get_config()`. The choices are the names the losses and
augmentations register. BENCHMARKS.md holds the measurement behind each
default.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

from keras_infogan import augment, losses, penalties

__all__ = [
    "ADVERSARIAL_LOSSES",
    "CATEGORICAL_LOSSES",
    "CONTINUOUS_LOSSES",
    "CONTINUOUS_WEIGHTS",
    "IIC_AUGMENTATIONS",
    "IIC_WEIGHT",
    "PENALTIES",
    "Recipe",
    "SELF_TRAINING_WEIGHT",
    "check_choice",
]

ADVERSARIAL_LOSSES = tuple(losses.ADVERSARIAL_LOSSES)
CATEGORICAL_LOSSES = losses.CATEGORICAL_LOSSES
CONTINUOUS_LOSSES = losses.CONTINUOUS_LOSSES
IIC_AUGMENTATIONS = ("auto", *augment.AUGMENTATIONS)
PENALTIES = penalties.PENALTIES
# The continuous weight each continuous loss gets unless one is given: a
# learned std can swamp the other terms, so "gaussian" is weighted down.
CONTINUOUS_WEIGHTS = {"fixed_std": 1.0, "gaussian": 0.1}
# The IIC weight where the term can train (a categorical code, read in D's
# update) unless one is given; elsewhere the term is off.
IIC_WEIGHT = 1.0
# The self-training weight where the IIC term is on, unless one is given.
SELF_TRAINING_WEIGHT = 1.0

# Options of keras-infogan 0.1 that lost their measurements
# (docs/experiments.md): the value that meant 0.2's behaviour, and what 0.2
# does in its place. A saved file naming one loads with the option dropped.
_RETIRED = {
    "categorical_augmentation": ("none", "Q reads G's images as they are"),
}
_RETIRED_AUGMENTATIONS = ("slant", "stroke_width", "slant_stroke")


def check_choice(option: str, value: Any, choices: tuple[str, ...]) -> Any:
    """`value` if it is one of `choices`, else a ValueError naming `option` and them."""
    if value not in choices:
        raise ValueError(f"Unknown {option} {value!r}; choose one of {list(choices)}.")
    return value


def _help(text: str, **more: Any) -> dict[str, Any]:
    return {"help": text, **more}


@dataclass(frozen=True)
class Recipe:
    """InfoGAN's training objective and its optimizers' settings.

    Fields left None are resolved by `resolved` for a given spec. The
    defaults are openai/InfoGAN's MNIST recipe (the info term also trains D's
    trunk, fixed-std continuous codes) with softmax cross-entropy, D at twice
    the paper's learning rate, and an IIC term on augmented real images
    (Ji et al., 2019) beyond the paper; BENCHMARKS.md has their tables.

    Example:

    >>> Recipe(categorical_loss="sigmoid", iic_weight=0.0).categorical_loss
    'sigmoid'
    """

    d_learning_rate: float = field(default=4e-4, metadata=_help("Adam learning rate of D, and of Q's head when the info term trains the trunk"))
    g_learning_rate: float = field(default=1e-3, metadata=_help("Adam learning rate of G, and of Q's head otherwise"))
    beta_1: float = field(default=0.5, metadata=_help("Adam's beta_1 for both optimizers"))
    beta_2: float = field(default=0.999, metadata=_help("Adam's beta_2 for both optimizers (WGAN-GP's paper: 0.9)"))
    adversarial_loss: str = field(
        default="nonsaturating",
        metadata=_help("GAN objective; wasserstein needs a gradient penalty", choices=ADVERSARIAL_LOSSES),
    )
    gradient_penalty: str = field(
        default="none",
        metadata=_help(
            "penalty on D's input gradient: at real-fake interpolates (wgan-gp, on a critic with layer norm: "
            "critic_normalization of InfoGAN.for_images), near real images (dragan) or at real images (r1)",
            choices=PENALTIES,
        ),
    )
    penalty_weight: float | None = field(
        default=None,
        metadata=_help(
            "lambda of the gradient penalty (gamma for r1); None: its paper's, "
            + ", ".join(f"{name} {weight:g}" for name, weight in penalties.PENALTY_WEIGHTS.items() if weight)
        ),
    )
    n_critic: int = field(
        default=1,
        metadata=_help(
            "D updates per G update; the extra ones reuse the step's real images with fresh latents (WGAN-GP's paper: 5)"
        ),
    )
    categorical_loss: str = field(
        default="softmax",
        metadata=_help("categorical info loss: softmax cross-entropy, or sigmoid cross-entropy on the one-hot code (the paper's form)", choices=CATEGORICAL_LOSSES),
    )
    continuous_loss: str = field(
        default="fixed_std",
        metadata=_help("continuous info loss: Gaussian NLL with a fixed std, or with a learned, bounded std", choices=CONTINUOUS_LOSSES),
    )
    categorical_weight: float = field(default=1.0, metadata=_help("lambda of the categorical info term"))
    continuous_weight: float | None = field(
        default=None, metadata=_help("lambda of the continuous info term; None: 1 with fixed_std, 0.1 with gaussian")
    )
    fixed_std: float = field(default=1.0, metadata=_help("the std of continuous_loss fixed_std"))
    info_trains_trunk: bool = field(
        default=True, metadata=_help("the info term also trains D's shared trunk, and Q's head updates with D (openai/InfoGAN)")
    )
    iic_weight: float | None = field(
        default=None,
        metadata=_help("weight of the IIC term on real images, beyond the paper; None: 1 with a categorical code read in D's update, else 0; 0: the paper's objective"),
    )
    supervised_weight: float = field(
        default=1.0,
        metadata=_help(
            "weight of Q's cross-entropy on labelled real images (fit's y: the first categorical code's class, -1 for none)"
        ),
    )
    self_training_weight: float | None = field(
        default=None,
        metadata=_help(
            "with labels, weight of Q's cross-entropy on each unlabelled real image, augmented, against its confident "
            "reading of the image as is (FixMatch), beyond ss-InfoGAN; None: 1 with the IIC term, which reads both, else 0"
        ),
    )
    iic_augmentation: str = field(
        default="auto",
        metadata=_help(
            "augmentation of the IIC term's second reading of each real image; auto: chosen by fit from the "
            "training images (data.kinds.describe)",
            choices=IIC_AUGMENTATIONS,
        ),
    )

    def __post_init__(self) -> None:
        for name in ("d_learning_rate", "g_learning_rate", "fixed_std"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}.")
        for name in ("beta_1", "beta_2"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}.")
        if not (isinstance(self.n_critic, int) and self.n_critic >= 1):
            raise ValueError(f"n_critic must be a whole number >= 1, got {self.n_critic!r}.")
        for name in (
            "categorical_weight",
            "continuous_weight",
            "iic_weight",
            "penalty_weight",
            "supervised_weight",
            "self_training_weight",
        ):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise ValueError(f"{name} must be >= 0 (0 turns the term off), got {value!r}.")
        check_choice("adversarial_loss", self.adversarial_loss, ADVERSARIAL_LOSSES)
        check_choice("gradient_penalty", self.gradient_penalty, PENALTIES)
        if self.gradient_penalty == "none" and self.penalty_weight:
            raise ValueError("penalty_weight is set but gradient_penalty is 'none'; choose a penalty, or leave the weight out.")
        if self.adversarial_loss == "wasserstein" and (self.gradient_penalty == "none" or self.penalty_weight == 0):
            raise ValueError(
                "adversarial_loss 'wasserstein' needs a gradient penalty to keep the critic Lipschitz; "
                "set gradient_penalty='wgan-gp' (WGAN-GP)."
            )
        check_choice("categorical_loss", self.categorical_loss, CATEGORICAL_LOSSES)
        check_choice("continuous_loss", self.continuous_loss, CONTINUOUS_LOSSES)
        if self.iic_augmentation in _RETIRED_AUGMENTATIONS:
            raise ValueError(
                f"iic_augmentation {self.iic_augmentation!r} was retired in keras-infogan 0.2; "
                "use 'affine_stroke'."
            )
        check_choice("iic_augmentation", self.iic_augmentation, IIC_AUGMENTATIONS)

    def resolved(self, has_categorical: bool) -> Recipe:
        """This recipe with every None filled in for a spec with or without a
        categorical code; a ValueError where its settings cannot train."""
        continuous_weight = self.continuous_weight
        if continuous_weight is None:
            continuous_weight = CONTINUOUS_WEIGHTS[self.continuous_loss]
        iic_weight = self.iic_weight
        if iic_weight is None:
            iic_weight = IIC_WEIGHT if has_categorical and self.info_trains_trunk else 0.0
        if iic_weight and not has_categorical:
            raise ValueError("iic_weight > 0 needs a categorical code in the spec; the spec has none. Set iic_weight=0.")
        if iic_weight and not self.info_trains_trunk:
            raise ValueError(
                "iic_weight > 0 trains Q's head in D's update, which needs info_trains_trunk=True; "
                "set it, or set iic_weight=0."
            )
        self_training_weight = self.self_training_weight
        if self_training_weight is None:
            self_training_weight = SELF_TRAINING_WEIGHT if iic_weight else 0.0
        if self_training_weight and not iic_weight:
            raise ValueError(
                "self_training_weight > 0 reads the IIC term's augmented images, which needs iic_weight > 0; "
                "set it, or set self_training_weight=0."
            )
        penalty_weight = self.penalty_weight
        if penalty_weight is None:
            penalty_weight = penalties.PENALTY_WEIGHTS[self.gradient_penalty]
        return dataclasses.replace(
            self,
            continuous_weight=float(continuous_weight),
            iic_weight=float(iic_weight),
            penalty_weight=float(penalty_weight),
            self_training_weight=float(self_training_weight),
        )

    def optimizer(self, net: str) -> Any:
        """The default optimizer of `net` ("d" or "g"): Adam at this recipe's
        rate for it and its betas."""
        import keras

        rate = {"d": self.d_learning_rate, "g": self.g_learning_rate}[net]
        return keras.optimizers.Adam(rate, beta_1=self.beta_1, beta_2=self.beta_2, name=f"{net}_adam")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def take_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """Removes the recipe's fields from `options` and returns them; a
        retired option is a ValueError saying so."""
        for option in _RETIRED:
            if option in options:
                raise ValueError(f"{option} was retired in keras-infogan 0.2 ({_RETIRED[option][1]}); leave it out.")
        return {name: options.pop(name) for name in cls.field_names() if name in options}

    def get_config(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_legacy_compile(cls, config: dict[str, Any]) -> Recipe:
        """The recipe of a keras-infogan 0.1 compile config: the recipe's
        fields at the top level, the rates and beta_1 inside the two
        serialized optimizers."""
        config = dict(config)
        d_adam, g_adam = config.pop("d_optimizer")["config"], config.pop("g_optimizer")["config"]
        # Keras keeps a rate in float32: 1e-3 comes back as 0.0010000000474974513.
        rates = {"d_learning_rate": d_adam["learning_rate"], "g_learning_rate": g_adam["learning_rate"], "beta_1": d_adam["beta_1"]}
        return cls.from_config({**{k: float(f"{v:.7g}") for k, v in rates.items()}, **config})

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Recipe:
        """The recipe of a saved config. An option retired since it was written
        is dropped (with a warning where it changed training); an unknown
        option is a ValueError."""
        config = dict(config)
        for option, (neutral, instead) in _RETIRED.items():
            value = config.pop(option, neutral)
            if value != neutral:
                warnings.warn(
                    f"{option}={value!r} was retired in keras-infogan 0.2 and is dropped: {instead}.",
                    stacklevel=2,
                )
        if config.get("iic_augmentation") in _RETIRED_AUGMENTATIONS:
            warnings.warn(
                f"iic_augmentation={config['iic_augmentation']!r} was retired in keras-infogan 0.2; "
                "the IIC term uses 'affine_stroke' in its place.",
                stacklevel=2,
            )
            config["iic_augmentation"] = "affine_stroke"
        # Saved before self-training existed: trained without it, so resumed without it.
        config.setdefault("self_training_weight", 0.0)
        unknown = sorted(set(config) - set(cls.field_names()))
        if unknown:
            raise ValueError(f"Unknown recipe option(s) {', '.join(unknown)}; the options are {', '.join(cls.field_names())}.")
        return cls(**config)
