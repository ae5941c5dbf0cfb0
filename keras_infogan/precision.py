"""Training precision: float32, or bfloat16 mixed precision (Keras'
`mixed_bfloat16` policy: bfloat16 compute, float32 weights).

G and D's trunk take the policy they are built under; the D and Q heads are
float32 always, and the model hands G's images on as float32, so the losses,
the info terms, batch norm's statistics and the optimizer state stay float32.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras

__all__ = ["PRECISION", "PRECISIONS", "policy"]

PRECISIONS = {"float32": "float32", "bf16": "mixed_bfloat16"}  # name -> Keras dtype policy
PRECISION = "float32"


@contextlib.contextmanager
def policy(precision: str) -> Iterator[None]:
    """Layers built inside take `precision`'s Keras dtype policy; the global
    policy is restored after."""
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}; choose one of {list(PRECISIONS)}.")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(PRECISIONS[precision])
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
