"""The latent spec: what goes into the generator, how it is sampled, and H(c)."""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Callable

import keras
import numpy as np
from keras import ops

__all__ = ["PRIORS", "LatentSpec"]

PRIORS = ("uniform", "normal")


@keras.saving.register_keras_serializable(package="keras_infogan")
class LatentSpec:
    """Describes the generator input: noise z and the latent codes c.

    The generator input is `[noise, one-hot of each categorical code, continuous
    codes]`, concatenated in that order. Categorical codes have a uniform prior;
    continuous codes are uniform on [-1, 1] (the paper's choice) or standard
    normal.

    Args:
        noise_dim: size of the incompressible noise z (paper, MNIST: 62).
        categorical: number of categories of each categorical code
            (paper, MNIST: `[10]`).
        continuous: number of continuous codes (paper, MNIST: 2).
        continuous_prior: `"uniform"` (on [-1, 1]) or `"normal"`.
        noise_prior: `"uniform"` (on [-1, 1], as openai/InfoGAN draws it) or
            `"normal"` (standard normal).

    Example:

    >>> spec = LatentSpec(noise_dim=62, categorical=[10], continuous=2)
    >>> spec.input_dim
    74
    >>> round(spec.categorical_entropy, 3)
    2.303
    """

    def __init__(
        self,
        noise_dim: int = 62,
        categorical: list[int] | tuple[int, ...] = (10,),
        continuous: int = 2,
        continuous_prior: str = "uniform",
        noise_prior: str = "uniform",
    ):
        _check_int("noise_dim", noise_dim, minimum=0)
        _check_int("continuous", continuous, minimum=0)
        if isinstance(categorical, numbers.Integral):
            categorical = [categorical]
        categorical = list(categorical)
        for i, k in enumerate(categorical):
            _check_int(f"categorical[{i}]", k, minimum=2)
        if not categorical and continuous == 0:
            raise ValueError(
                "LatentSpec needs at least one code: `categorical` is empty and "
                "`continuous` is 0. Add a categorical code (e.g. categorical=[10]) "
                "or continuous codes (e.g. continuous=2)."
            )
        for field, value in (("continuous_prior", continuous_prior), ("noise_prior", noise_prior)):
            if value not in PRIORS:
                raise ValueError(f"LatentSpec `{field}` must be one of {PRIORS}, got {value!r}.")
        self.noise_dim = int(noise_dim)
        self.categorical = [int(k) for k in categorical]
        self.continuous = int(continuous)
        self.continuous_prior = continuous_prior
        self.noise_prior = noise_prior

    @property
    def n_categorical(self) -> int:
        """Number of categorical codes."""
        return len(self.categorical)

    @property
    def total_categories(self) -> int:
        """Sum of the category counts: the width of the one-hot block."""
        return sum(self.categorical)

    @property
    def input_dim(self) -> int:
        """Width of the generator input."""
        return self.noise_dim + self.total_categories + self.continuous

    @property
    def categorical_entropy(self) -> float:
        """H(c) of the categorical codes in nats: the ceiling of their MI bound."""
        return float(sum(math.log(k) for k in self.categorical))

    def draw(self, rows: tuple, real: Callable, integers: Callable, concatenate: Callable) -> dict[str, Any]:
        """Latents drawn from the spec's priors by a given source of random numbers.

        The priors are stated here once; `sample`, `sample_numpy` and the
        export's per-seed draw each bring their own source.

        Args:
            rows: the leading shape, `(n,)` for a batch or `()` for one row.
            real: `real(prior, shape, part)`: floats of `prior` ("uniform" on
                [-1, 1] or "normal") for `part` ("noise" or "continuous").
            integers: `integers(high, shape, index)`: ints in [0, high) for
                categorical code `index`.
            concatenate: joins the codes' [..., 1] columns on the last axis.

        Returns:
            A dict with `noise` [*rows, noise_dim], `categorical` [*rows,
            n_categorical] (indices) and `continuous` [*rows, continuous];
            kinds the spec lacks are left out.
        """
        out = {}
        if self.noise_dim:
            out["noise"] = real(self.noise_prior, (*rows, self.noise_dim), "noise")
        if self.categorical:
            columns = [integers(k, (*rows, 1), i) for i, k in enumerate(self.categorical)]
            out["categorical"] = concatenate(columns)
        if self.continuous:
            out["continuous"] = real(self.continuous_prior, (*rows, self.continuous), "continuous")
        return out

    def sample(self, batch_size: Any, seed: Any = None) -> dict[str, Any]:
        """Draws a batch of latents with `keras.random`, inside any backend's step.

        Args:
            batch_size: number of rows.
            seed: a `keras.random.SeedGenerator`, an int (seeding one), or None.

        Returns:
            The keys of `draw`: floats, and int32 category indices.
        """
        if isinstance(seed, numbers.Integral):
            # An int is one fixed key: every part drawn with it would reuse
            # the same random stream, and the parts would be correlated.
            seed = keras.random.SeedGenerator(int(seed))

        def real(prior, shape, part):
            if prior == "uniform":
                return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
            return keras.random.normal(shape, seed=seed)

        def integers(high, shape, index):
            return keras.random.randint(shape, 0, high, seed=seed)

        def concatenate(columns):
            return ops.cast(ops.concatenate(columns, axis=-1), "int32")

        return self.draw((batch_size,), real, integers, concatenate)

    def sample_numpy(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Draws `n` latents with numpy, the same on every backend: what grids
        and evaluation sweep, so their figures do not depend on it.

        Returns the keys of `draw`, as float32 and int32 arrays."""

        def real(prior, shape, part):
            if prior == "uniform":
                return rng.uniform(-1.0, 1.0, shape).astype("float32")
            return rng.standard_normal(shape).astype("float32")

        def integers(high, shape, index):
            return rng.integers(0, high, shape[:-1])[..., None]

        def concatenate(columns):
            return np.concatenate(columns, axis=-1).astype("int32")

        return self.draw((n,), real, integers, concatenate)

    def one_hot(self, categorical: Any) -> Any:
        """One-hot block [B, total_categories] for indices [B, n_categorical]."""
        categorical = ops.cast(categorical, "int32")
        blocks = [
            ops.one_hot(categorical[:, i], k, dtype="float32")
            for i, k in enumerate(self.categorical)
        ]
        return ops.concatenate(blocks, axis=1)

    def to_input(self, latent: dict[str, Any]) -> Any:
        """Concatenates a latent dict into the generator input [B, input_dim]."""
        parts = []
        if self.noise_dim:
            parts.append(ops.cast(latent["noise"], "float32"))
        if self.categorical:
            parts.append(self.one_hot(latent["categorical"]))
        if self.continuous:
            parts.append(ops.cast(latent["continuous"], "float32"))
        return ops.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]

    def get_config(self) -> dict[str, Any]:
        return {
            "noise_dim": self.noise_dim,
            "categorical": list(self.categorical),
            "continuous": self.continuous,
            "continuous_prior": self.continuous_prior,
            "noise_prior": self.noise_prior,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LatentSpec":
        config = dict(config)
        sampling = config.pop("categorical_sampling", "independent")
        if sampling != "independent":
            warnings.warn(
                f"categorical_sampling={sampling!r} was retired in keras-infogan 0.2 and is dropped: "
                "each row's categorical codes are drawn on their own.",
                stacklevel=2,
            )
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LatentSpec) and self.get_config() == other.get_config()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"LatentSpec({args})"


def _check_int(field: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"LatentSpec `{field}` must be an integer >= {minimum}, got {value!r}."
        )
