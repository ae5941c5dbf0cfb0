"""Command-line flags made from a settings record (`Recipe`, `RunSettings`,
`GridSettings`): one flag per field, its help and default from the field, so
the CLI and the benchmark scripts restate no default.

Every flag defaults to None in argparse, so `given` tells the flags a user set
from the ones left to the record's defaults.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from typing import Any

__all__ = ["add_flags", "given", "record", "show"]


def add_flags(parser: Any, cls: type, prefix: str = "") -> None:
    """Adds `--<prefix><field>` for each field of the dataclass `cls` to an
    argparse parser or group."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind, args = _kind(hints[f.name])
        options: dict[str, Any] = {"dest": prefix + f.name, "default": None}
        help_text = f.metadata.get("help", "")
        options["help"] = f"{help_text} (default: {show(f.default)})"
        if kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif kind is tuple and args[-1] is Ellipsis:  # any number of values
            options.update(nargs="+", type=args[0], metavar=f.metadata.get("metavar", "V"))
        elif kind is tuple:
            options.update(nargs=len(args), type=args[0], metavar=f.metadata.get("metavar", ("LOW", "HIGH")))
        else:
            options["type"] = kind
            if "choices" in f.metadata:
                options["choices"] = f.metadata["choices"]
            else:
                options["metavar"] = f.metadata.get("metavar", {int: "N", float: "X", str: "S"}[kind])
        parser.add_argument("--" + (prefix + f.name).replace("_", "-"), **options)


def given(args: argparse.Namespace, cls: type, prefix: str = "") -> dict[str, Any]:
    """The fields of `cls` whose flags were given, by field name."""
    values = {f.name: getattr(args, prefix + f.name, None) for f in dataclasses.fields(cls)}
    return {name: value for name, value in values.items() if value is not None}


def record(args: argparse.Namespace, cls: type, prefix: str = "") -> Any:
    """`cls` made from its defaults and the flags given."""
    return cls(**given(args, cls, prefix))


def _kind(hint: Any) -> tuple[type, tuple]:
    """The flag's value type of a field's type hint (`X | None` is X), and a tuple's items."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin is tuple:
        return tuple, typing.get_args(hint)
    return hint, ()


def show(value: Any) -> str:
    """A default as a flag takes it."""
    if isinstance(value, (tuple, list)):
        return " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
