"""Atomic writes: complete files or none, with the permissions `open` gives."""

import os

import pytest

from keras_infogan import files

pytestmark = pytest.mark.once


class _HalfSaved:
    """A model whose save writes half a file, then fails."""

    def save(self, path):
        with open(path, "wb") as f:
            f.write(b"half a model")
        raise OSError("disk full")


def test_failed_save_leaves_nothing_behind(tmp_path):
    with pytest.raises(OSError, match="disk full"):
        files.save_model(_HalfSaved(), str(tmp_path / "model.keras"))
    assert os.listdir(tmp_path) == []


def test_a_write_replaces_the_file_whole(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(b"old")
    files.write_atomically(path, b"{}")
    assert path.read_bytes() == b"{}"
    assert os.listdir(tmp_path) == ["config.json"]


def test_written_files_follow_the_umask(tmp_path):
    path = tmp_path / "config.json"
    files.write_atomically(path, b"{}")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
