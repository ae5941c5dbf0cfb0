"""The serving contract: what an exported InfoGAN takes and returns.

One place for the names, dtypes and valid ranges that the export writes, the
development server checks and the clients send, and that `InfoGAN.generate`
checks too. Plain Python: importing it needs no TensorFlow and no Keras.

Signatures:

- `serving_default`: `noise` float32 [N, noise_dim], `categorical` int32
  [N, n_categorical], `continuous` float32 [N, n_continuous] -> `images`
  float32 [N, H, W, C] in [0, 1]. Inputs the spec lacks are left out.
- `sample`: `seed` int64 [N] -> `images`, `noise`, `categorical`,
  `continuous`; a seed always gives the same draw.
- `encode`: `images` float32 [N, H, W, C] -> `categorical` int32,
  `categorical_probs` float32, `continuous` float32, `continuous_std` float32.
- `sample_class` (a model with a categorical code): `class_name` string [N],
  `seed` int64 [N] -> what `sample` returns for the seeds, with the first
  categorical code set to the named class (the model's class names, else
  "0", "1", ...).
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_MAX_BATCH",
    "DTYPES",
    "GENERATE",
    "LATENT_DTYPES",
    "MODEL_NAME",
    "SAMPLE",
    "ENCODE",
    "SAMPLE_CLASS",
    "categorical_range_message",
    "class_name_message",
]

GENERATE = "serving_default"
SAMPLE = "sample"
ENCODE = "encode"
SAMPLE_CLASS = "sample_class"

LATENT_DTYPES = {"noise": "float32", "categorical": "int32", "continuous": "float32"}
DTYPES = {
    **LATENT_DTYPES,
    "seed": "int64",
    "class_name": "string",
    "images": "float32",
    "categorical_probs": "float32",
    "continuous_std": "float32",
}

MODEL_NAME = "infogan"
DEFAULT_MAX_BATCH = 128
"""Rows per request; matches `max_batch_size` in `serving/batching_parameters.txt`,
so a request that the development server takes also fits TF Serving's batcher."""


def categorical_range_message(code: int, categories: int) -> str:
    """The error for a categorical index outside 0..categories-1, wherever it is checked."""
    return f"categorical code {code} takes values 0..{categories - 1}"


def class_name_message(names: list[str]) -> str:
    """The error for a class name the model does not have."""
    return f"class_name must be one of: {', '.join(names)}"
