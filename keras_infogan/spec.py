"""The latent spec: what goes into the generator, how it is sampled, and H(c)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import keras
import numpy as np
from keras import ops

PRIORS = ("uniform", "normal")
CATEGORICAL_SAMPLINGS = ("independent", "balanced")


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
        noise_prior: `"uniform"` (on [-1, 1], as openai/InfoGAN draws it;
            better on MNIST, BENCHMARKS.md) or `"normal"` (standard normal).
        categorical_sampling: how `sample` draws a batch's categorical codes:
            `"independent"` (each row on its own, as the paper does) or
            `"balanced"` (each value equally often in every batch, up to the
            remainder, in a random order). Each row's code is uniform either
            way; balanced batches take the batch-to-batch swing of the code
            counts out of the training signal.

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
        categorical_sampling: str = "independent",
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
        for field, value, choices in (
            ("continuous_prior", continuous_prior, PRIORS),
            ("noise_prior", noise_prior, PRIORS),
            ("categorical_sampling", categorical_sampling, CATEGORICAL_SAMPLINGS),
        ):
            if value not in choices:
                raise ValueError(
                    f"LatentSpec `{field}` must be one of {choices}, got {value!r}."
                )
        self.noise_dim = int(noise_dim)
        self.categorical = [int(k) for k in categorical]
        self.continuous = int(continuous)
        self.continuous_prior = continuous_prior
        self.noise_prior = noise_prior
        self.categorical_sampling = categorical_sampling

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

    def sample(
        self, batch_size: int, seed: Any = None
    ) -> dict[str, Any]:
        """Draws a batch of latents with `keras.random`.

        Args:
            batch_size: number of rows.
            seed: a `keras.random.SeedGenerator`, an int, or None.

        Returns:
            A dict with `noise` float [B, noise_dim], `categorical` int32
            [B, n_categorical] (indices) and `continuous` float
            [B, continuous]; kinds the spec lacks are left out.
        """
        if isinstance(seed, numbers.Integral):
            # An int is one fixed key: every part drawn with it would reuse
            # the same random stream, and the parts would be correlated.
            seed = keras.random.SeedGenerator(int(seed))
        out = {}
        if self.noise_dim:
            out["noise"] = _draw(
                self.noise_prior, (batch_size, self.noise_dim), seed
            )
        if self.categorical:
            draw = _balanced if self.categorical_sampling == "balanced" else _independent
            columns = [draw(batch_size, k, seed) for k in self.categorical]
            out["categorical"] = ops.cast(ops.concatenate(columns, axis=1), "int32")
        if self.continuous:
            out["continuous"] = _draw(
                self.continuous_prior, (batch_size, self.continuous), seed
            )
        return out

    def sample_numpy(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Draws `n` latents with numpy, the same on every backend: what
        grids and evaluation sweep, so their figures do not depend on it.
        Rows are drawn independently whatever `categorical_sampling` says.

        Returns the keys of `sample`, as float32 and int32 arrays."""

        def draw(prior: str, width: int) -> np.ndarray:
            if prior == "uniform":
                return rng.uniform(-1.0, 1.0, (n, width)).astype("float32")
            return rng.standard_normal((n, width)).astype("float32")

        out = {}
        if self.noise_dim:
            out["noise"] = draw(self.noise_prior, self.noise_dim)
        if self.categorical:
            out["categorical"] = np.stack(
                [rng.integers(0, k, n) for k in self.categorical], axis=1
            ).astype("int32")
        if self.continuous:
            out["continuous"] = draw(self.continuous_prior, self.continuous)
        return out

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
            "categorical_sampling": self.categorical_sampling,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LatentSpec":
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LatentSpec) and self.get_config() == other.get_config()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"LatentSpec({args})"


def _draw(prior: str, shape: tuple[int, int], seed: Any) -> Any:
    if prior == "uniform":
        return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
    return keras.random.normal(shape, seed=seed)


def _independent(batch_size: Any, k: int, seed: Any) -> Any:
    return keras.random.randint((batch_size, 1), 0, k, seed=seed)


def _balanced(batch_size: Any, k: int, seed: Any) -> Any:
    """[B, 1] indices holding each of the k values B // k or B // k + 1 times
    (which values get the extra rows is random), shuffled."""
    offset = keras.random.randint((), 0, k, seed=seed)
    values = (ops.arange(batch_size) + offset) % k
    return ops.expand_dims(keras.random.shuffle(values, seed=seed), 1)


def _check_int(field: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"LatentSpec `{field}` must be an integer >= {minimum}, got {value!r}."
        )
