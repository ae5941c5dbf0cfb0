"""Serving an exported InfoGAN: clients for TF Serving and a development server.

Production serving uses TensorFlow Serving with the configuration in the
repository's `serving/` folder. `DevServer` / `serve` (what `keras-infogan
serve` runs) is a local stand-in with the same REST and gRPC APIs.

Names are imported on first use, so using `RestClient` does not import the
server's TensorFlow and gRPC dependencies.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RestClient": "client",
    "GrpcClient": "client",
    "ServingError": "client",
    "ServingTimeout": "client",
    "DevServer": "server",
    "serve": "server",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
    return getattr(module, name)


def __dir__() -> list[str]:
    return __all__
