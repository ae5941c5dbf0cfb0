"""keras-infogan: InfoGAN (Chen et al., 2016) for Keras 3 on TensorFlow, JAX and PyTorch.

Importing the package imports no Keras backend, so that `keras-infogan` can
choose the backend first. The names below are imported on first use. The
classes `keras.models.load_model` needs (`InfoGAN` and those it holds) are
registered as soon as Keras itself is imported, before or after this package.
"""

import importlib
import importlib.abc
import importlib.machinery
import sys

__version__ = "0.2.0"

_EXPORTS = {
    "InfoGAN": "keras_infogan.model",
    "LatentSpec": "keras_infogan.spec",
    "Recipe": "keras_infogan.recipe",
    "GridSettings": "keras_infogan.grids",
    "export": "keras_infogan.saved_model",
}
_MODULES = (
    "augment",
    "callbacks",
    "contract",
    "data",
    "devices",
    "evaluation",
    "grids",
    "layers",
    "losses",
    "model",
    "networks",
    "oversampling",
    "penalties",
    "precision",
    "recipe",
    "run",
    "saved_model",
    "serving",
    "spec",
    "tables",
)

__all__ = sorted([*_EXPORTS, *_MODULES, "__version__"])


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__


def _register_classes() -> None:
    """Imports the model module, whose import registers the serializable classes."""
    try:
        importlib.import_module("keras_infogan.model")
    except ImportError:  # A backend keras-infogan does not run on: using it says so.
        pass


class _AfterKerasImport(importlib.abc.MetaPathFinder):
    """Registers the classes right after Keras is first imported."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _register_classes()

        spec.loader.exec_module = exec_module
        return spec


if "keras" in sys.modules:
    _register_classes()
else:
    sys.meta_path.insert(0, _AfterKerasImport())
