"""Atomic file output: a killed run never leaves a half-written artifact."""

import contextlib
import csv
import hashlib
import json
import os
import tempfile
from pathlib import Path

import metatensor
import numpy as np

__all__ = ["atomic_path", "file_sha256", "save_array", "save_csv", "save_tensormap", "save_json"]


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    The temporary file keeps the suffix of ``path`` (libraries that append a
    suffix leave it alone) and is removed if the block raises.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination; its folder is created if needed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are meant to be shared
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_array(path, array):
    """Write a ``.npy`` file atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.asarray(array))


def save_tensormap(path, tensor):
    """Write a metatensor ``TensorMap`` (``.mts``) atomically."""
    with atomic_path(path) as tmp:
        metatensor.save(str(tmp), tensor)


def save_json(path, data):
    """Write JSON (sorted keys, indented) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def save_csv(path, rows, fieldnames=None):
    """Write a list of dicts as CSV (a header, then one line per dict) atomically.

    ``fieldnames``: the columns in order; default the keys of the first row.
    """
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if fieldnames is None else fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def file_sha256(path):
    """SHA-256 of a file's bytes, as hexadecimal digits (a user file's content in a state point,
    an artifact's in its job record).

    Raises
    ------
    FileNotFoundError
        Naming the file.
    """
    digest = hashlib.sha256()
    with open(Path(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
