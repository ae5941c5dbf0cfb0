"""keras-infogan: InfoGAN (Chen et al., 2016) for Keras 3 on TensorFlow, JAX and PyTorch.

The names below are imported on first use, so that `keras-infogan` can pick
the Keras backend before anything imports Keras. Where Keras is already
imported (its backend chosen), they are imported at once, which registers the
classes `keras.models.load_model` needs.
"""

import importlib
import sys

__version__ = "0.2.0"

_EXPORTS = {
    "InfoGAN": "keras_infogan.model",
    "LatentSpec": "keras_infogan.spec",
    "Recipe": "keras_infogan.recipe",
    "GridSettings": "keras_infogan.grids",
    "export": "keras_infogan.saved_model",
}
_MODULES = ("augment", "callbacks", "contract", "data", "evaluation", "grids", "layers", "losses", "networks", "recipe", "run", "spec")

__all__ = sorted([*_EXPORTS, *_MODULES, "__version__"])


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__


if "keras" in sys.modules:
    importlib.import_module("keras_infogan.model")
