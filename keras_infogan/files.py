"""Writing files so that a reader, or a crash, never sees half of one: a temp
file beside the target, renamed over it when complete."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

__all__ = ["atomic_path", "save_model", "write_atomically"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yields a temp path beside `path` to write to, then renames it over
    `path`; if the writing fails, the temp file is removed. It keeps `path`'s
    suffix, for writers that go by it."""
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".tmp-{uuid.uuid4().hex}-{name}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_atomically(path: str | os.PathLike, data: bytes) -> None:
    """Writes bytes to `path` through `atomic_path`."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def save_model(model: Any, path: str | os.PathLike) -> None:
    """`model.save(path)` through `atomic_path`."""
    with atomic_path(path) as tmp:
        model.save(tmp)
