"""The ellipsoid frame convention: read, write and validate frames.

An *ellipsoid frame* is an :class:`ase.Atoms` whose particles are ellipsoids.
It carries, besides ``positions``, ``numbers`` (species), ``cell`` and
``pbc``, exactly these per-particle arrays (the anisoap package's convention):

``c_q``
    (N, 4) float64 unit quaternions, order (w, x, y, z), rotating body
    coordinates into lab coordinates.
``c_diameter[1]``, ``c_diameter[2]``, ``c_diameter[3]``
    (N,) float64 full diameters along the body axes, in the frame's length
    unit (the Gaussian widths of the density are half of them).

Frame-level data (``energy``, ``h12_gb``, identifiers, ...) lives in
``atoms.info``.

:func:`canonicalize` turns what real files contain into that form and rejects
bad input with a :class:`ValueError` naming the frame and the field. Accepted
spellings:

* diameters: ``c_diameter[k]``, escaped ``c_diameter\\[k\\]``, the form
  ``c_diameterk`` left by ASE's extended-XYZ round trip, or one (N, 3) array
  ``c_diameter``; or the ``diameters=`` argument, which takes precedence;
* orientations, first found wins: ``c_q``, ``quaternions`` (w, x, y, z), or
  ``rotation_matrix`` (body -> lab, (N, 9) row-major or (N, 3, 3)).
"""

from __future__ import annotations

import copy
import os
import re
import secrets
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import read
from ase.io.extxyz import key_val_dict_to_str
from ase.outputs import all_outputs
from scipy.spatial.transform import Rotation

__all__ = [
    "QUATERNION_TOLERANCE",
    "canonicalize",
    "get_diameters",
    "get_quaternions",
    "read_frames",
    "validate_frames",
    "write_frames",
]

#: Largest accepted deviation from 1 of a quaternion's norm, and from the
#: identity of R R^T for a rotation matrix. Within it, input is renormalised.
QUATERNION_TOLERANCE = 1e-6

DIAMETER_KEYS = ("c_diameter[1]", "c_diameter[2]", "c_diameter[3]")
ORIENTATION_KEYS = ("c_q", "quaternions", "rotation_matrix")

# Info keys such as '1:R:1:c_diameter' that ASE makes of a malformed
# Properties header (seen in the AniSOAP paper's benzene_ellipsoids.xyz).
_PROPERTIES_FRAGMENT = re.compile(r"(^|:)[SRIL]:\d+(:|$)")


def canonicalize(atoms, index=0, diameters=None):
    """Return a validated copy of one frame in the canonical convention.

    Parameters
    ----------
    atoms : ase.Atoms
        One frame of N ellipsoids, in any of the spellings accepted by this
        module (see the module docstring).
    index : int, optional
        Position of the frame in its collection; only used in error messages.
    diameters : None, sequence of 3 floats, or array_like of shape (N, 3)
        Full diameters along the body axes; when given they override those
        in the frame. A 3-sequence applies to every particle.

    Returns
    -------
    ase.Atoms
        A new frame with positions, numbers, cell, pbc, the arrays ``c_q``
        (N, 4) and ``c_diameter[1..3]`` (N,) in float64 and nothing else,
        quaternions renormalised to unit norm, and a copy of ``atoms.info``
        without junk keys from malformed headers. Per-frame calculator
        results (``energy``, ``stress``, ...) are moved into ``info`` unless
        already there; per-atom calculator results (``forces``, ...) are not
        carried.

    Raises
    ------
    ValueError
        If positions, orientations or diameters are missing or not finite,
        a diameter is not positive, a quaternion's norm is off 1 by more than
        ``QUATERNION_TOLERANCE``, a rotation matrix is not a proper rotation,
        pbc is mixed, or a periodic cell is singular. The message starts with
        ``"frame {index}: field '...'"``.
    """
    where = f"frame {index}"
    n = len(atoms)

    positions = np.asarray(atoms.positions, dtype=np.float64)
    _check_finite(positions, where, "positions")

    pbc = np.asarray(atoms.pbc, dtype=bool)
    if pbc.any() and not pbc.all():
        raise ValueError(
            f"{where}: field 'pbc' is {pbc.tolist()}; mixed periodicity is "
            "not supported, expected all True or all False"
        )
    cell = np.asarray(atoms.cell, dtype=np.float64)
    if pbc.all() and (
        not np.isfinite(cell).all() or abs(np.linalg.det(cell)) <= 1e-12 * max(np.abs(cell).max(), 1.0) ** 3
    ):
        raise ValueError(f"{where}: field 'cell' is singular or not finite but the frame is periodic")

    frame = Atoms(numbers=atoms.numbers, positions=positions, cell=cell, pbc=pbc)
    frame.info = _frame_info(atoms)
    frame.new_array("c_q", _quaternions(atoms, where))
    for key, column in zip(DIAMETER_KEYS, _diameters(atoms, diameters, where, n).T):
        frame.new_array(key, np.ascontiguousarray(column))
    return frame


def validate_frames(frames, diameters=None):
    """Canonicalise every frame of a collection.

    Parameters
    ----------
    frames : ase.Atoms or iterable of ase.Atoms
        One frame or several; a frame's index in error messages is its
        position in ``frames``.
    diameters : None, sequence of 3 floats, or array_like of shape (N, 3)
        Passed to :func:`canonicalize` for every frame.

    Returns
    -------
    list of ase.Atoms
        Canonical copies, see :func:`canonicalize`.

    Raises
    ------
    ValueError
        From :func:`canonicalize`, for the first bad frame.
    """
    if isinstance(frames, Atoms):
        frames = [frames]
    return [canonicalize(atoms, i, diameters) for i, atoms in enumerate(frames)]


def read_frames(filename, index=":", diameters=None, format=None):
    """Read ellipsoid frames from a file and canonicalise them.

    Parameters
    ----------
    filename : str or os.PathLike
        Any file :func:`ase.io.read` understands, typically extended XYZ.
    index : int, slice or str, optional
        Which frames to read, as for :func:`ase.io.read`; all by default.
    diameters : None, sequence of 3 floats, or array_like of shape (N, 3)
        Diameters to use instead of, or in the absence of, those in the file.
    format : str, optional
        ASE format name; guessed from the file name by default.

    Returns
    -------
    list of ase.Atoms
        Canonical frames, see :func:`canonicalize`.

    Raises
    ------
    ValueError
        For invalid frames; the message starts with the file name (and the
        selection, when ``index`` is not ``":"``), then the frame's position
        in the selection and the field.
    """
    # parallel=False: under MPI, ASE would otherwise read on rank 0 and
    # broadcast to every rank, a collective the other ranks never join.
    frames = read(filename, index=index, format=format, parallel=False)
    try:
        return validate_frames(frames, diameters)
    except ValueError as error:
        selection = "" if index == ":" else f" (index={index!r})"
        raise ValueError(f"{os.fspath(filename)}{selection}: {error}") from error


def write_frames(filename, frames):
    """Write ellipsoid frames to an extended XYZ file, atomically.

    Floats are written with full precision, diameter columns as
    ``c_diameter\\[k\\]`` (which plain :func:`ase.io.read` turns back into
    ``c_diameter[k]``), and every ``info`` value on the comment line, so that
    :func:`read_frames` gives back the same frames. The file is written to a
    temporary file in the same directory and then moved into place, so an
    interrupted run leaves either the old file or the complete new one.

    Parameters
    ----------
    filename : str or os.PathLike
        Destination; always written as extended XYZ.
    frames : ase.Atoms or iterable of ase.Atoms
        Frames in any accepted spelling; they are validated first.

    Raises
    ------
    ValueError
        From :func:`validate_frames`; nothing is written then.
    """
    text = "".join(_extxyz_block(frame) for frame in validate_frames(frames))
    path = Path(filename)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def get_quaternions(atoms):
    """Unit quaternions (w, x, y, z), body -> lab, of a canonical frame.

    Returns
    -------
    numpy.ndarray of shape (N, 4), float64

    Raises
    ------
    ValueError
        If ``atoms`` has no ``c_q`` array (use :func:`canonicalize`).
    """
    _require_canonical(atoms, ("c_q",))
    return atoms.arrays["c_q"]


def get_diameters(atoms):
    """Full diameters along the three body axes of a canonical frame.

    Returns
    -------
    numpy.ndarray of shape (N, 3), float64
        Column k holds ``c_diameter[k+1]``; Gaussian widths are half of it.

    Raises
    ------
    ValueError
        If a ``c_diameter[k]`` array is missing (use :func:`canonicalize`).
    """
    _require_canonical(atoms, DIAMETER_KEYS)
    return np.column_stack([atoms.arrays[key] for key in DIAMETER_KEYS])


def _require_canonical(atoms, keys):
    missing = [key for key in keys if key not in atoms.arrays]
    if missing:
        raise ValueError(
            f"not a canonical ellipsoid frame: arrays {missing} are missing; "
            "use canonicalize() or read_frames()"
        )


def _check_finite(values, where, field, what=""):
    bad = ~np.isfinite(values)
    if bad.any():
        particle = np.argwhere(bad)[0][0]
        raise ValueError(
            f"{where}: field '{field}'{what} of particle {particle} is not finite"
        )


def _quaternions(atoms, where):
    """(N, 4) unit quaternions from c_q, quaternions or rotation_matrix."""
    n = len(atoms)
    key = next((key for key in ORIENTATION_KEYS if key in atoms.arrays), None)
    if key is None:
        raise ValueError(
            f"{where}: field 'c_q' (orientation) is missing; expected one of the "
            f"arrays {', '.join(map(repr, ORIENTATION_KEYS))}, found "
            f"{sorted(atoms.arrays)}"
        )
    values = np.asarray(atoms.arrays[key], dtype=np.float64)
    if key == "rotation_matrix":
        if values.size != 9 * n:
            raise ValueError(
                f"{where}: field 'rotation_matrix' has shape {values.shape}, "
                f"expected ({n}, 9) row-major or ({n}, 3, 3)"
            )
        return _quaternions_from_matrices(values.reshape(n, 3, 3), where)

    if values.shape != (n, 4):
        raise ValueError(
            f"{where}: field '{key}' (quaternion) has shape {values.shape}, "
            f"expected ({n}, 4)"
        )
    _check_finite(values, where, key, " (quaternion)")
    norms = np.linalg.norm(values, axis=1)
    off = np.abs(norms - 1.0) > QUATERNION_TOLERANCE
    if off.any():
        particle = np.flatnonzero(off)[0]
        raise ValueError(
            f"{where}: field '{key}' (quaternion) of particle {particle} has "
            f"norm {norms[particle]:.6g}, expected 1 within {QUATERNION_TOLERANCE:g}"
        )
    # leave unit quaternions bit for bit, so that canonicalize is idempotent
    norms[np.abs(norms - 1.0) <= 4 * np.finfo(np.float64).eps] = 1.0
    return values / norms[:, None]


def _quaternions_from_matrices(matrices, where):
    """(N, 4) quaternions from (N, 3, 3) proper rotation matrices."""
    _check_finite(matrices, where, "rotation_matrix")
    errors = np.abs(matrices @ matrices.transpose(0, 2, 1) - np.eye(3)).max(axis=(1, 2), initial=0.0)
    determinants = np.linalg.det(matrices)
    if (errors > QUATERNION_TOLERANCE).any():
        particle = np.flatnonzero(errors > QUATERNION_TOLERANCE)[0]
        raise ValueError(
            f"{where}: field 'rotation_matrix' of particle {particle} is not "
            f"orthonormal (max |R R^T - I| = {errors[particle]:.3g}, expected at "
            f"most {QUATERNION_TOLERANCE:g})"
        )
    if (determinants < 0).any():
        particle = np.flatnonzero(determinants < 0)[0]
        raise ValueError(
            f"{where}: field 'rotation_matrix' of particle {particle} has "
            f"determinant {determinants[particle]:.3g}, expected +1 (a proper rotation)"
        )
    if len(matrices) == 0:
        return np.zeros((0, 4))
    return Rotation.from_matrix(matrices).as_quat(scalar_first=True)


def _diameters(atoms, diameters, where, n):
    """(N, 3) validated diameters from the argument or the frame's arrays."""
    if diameters is not None:
        field = "diameters"
        values = np.asarray(diameters, dtype=np.float64)
        if values.shape == (3,):
            values = np.broadcast_to(values, (n, 3))
        if values.shape != (n, 3):
            raise ValueError(
                f"{where}: argument 'diameters' has shape {values.shape}, "
                f"expected (3,) or ({n}, 3)"
            )
    else:
        field, values = _diameters_in_arrays(atoms.arrays)
        if values is None:
            raise ValueError(
                f"{where}: field 'c_diameter[1]' (diameter) is missing; the frame "
                "has no c_diameter[1..3] arrays, pass diameters=(d1, d2, d3)"
            )
        if values.shape != (n, 3):
            raise ValueError(
                f"{where}: field '{field}' (diameter) has shape {values.shape}, "
                f"expected ({n}, 3)"
            )
    _check_finite(values, where, field, " (diameter)")
    bad = values <= 0
    if bad.any():
        particle, axis = np.argwhere(bad)[0]
        name = f"c_diameter[{axis + 1}]" if field.startswith("c_diameter") else f"{field}[{axis}]"
        raise ValueError(
            f"{where}: field '{name}' (diameter) of particle {particle} is "
            f"{values[particle, axis]:g}, expected > 0"
        )
    return np.array(values, dtype=np.float64)


def _diameters_in_arrays(arrays):
    """(field name, (N, 3) array) from any accepted spelling, or (name, None)."""
    columns = []
    for k in (1, 2, 3):
        spellings = (f"c_diameter[{k}]", rf"c_diameter\[{k}\]", f"c_diameter{k}")
        key = next((key for key in spellings if key in arrays), None)
        if key is None:
            break
        columns.append(np.asarray(arrays[key], dtype=np.float64).reshape(-1))
    else:
        return "c_diameter[1..3]", np.column_stack(columns)
    if "c_diameter" in arrays:
        return "c_diameter", np.asarray(arrays["c_diameter"], dtype=np.float64)
    return "c_diameter[1..3]", None


def _frame_info(atoms):
    """Copy of atoms.info without header junk, plus per-frame calc results."""
    info = {
        key: value
        for key, value in copy.deepcopy(atoms.info).items()
        if not (value is True and _PROPERTIES_FRAGMENT.search(key))
    }
    results = atoms.calc.results if atoms.calc is not None else {}
    for key, value in results.items():
        per_atom = tuple(getattr(all_outputs.get(key), "shapespec", ()))[:1] == ("natoms",)
        if not per_atom:
            info.setdefault(key, value)
    return info


def _extxyz_block(frame):
    """One canonical frame as extended XYZ text, floats at full precision."""
    diameter_columns = "".join(
        ":" + key.replace("[", r"\[").replace("]", r"\]") + ":R:1" for key in DIAMETER_KEYS
    )
    header = []
    if frame.cell.any():
        lattice = " ".join(repr(x) for x in frame.cell.array.ravel().tolist())
        header.append(f'Lattice="{lattice}"')
    header.append(f"Properties=species:S:1:pos:R:3:c_q:R:4{diameter_columns}")
    info = dict(frame.info)
    stress = np.asarray(info.get("stress", ()))
    if stress.shape == (6,):  # Voigt form; extended XYZ stores a 3x3 matrix
        xx, yy, zz, yz, xz, xy = stress
        info["stress"] = np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])
    info["pbc"] = frame.pbc
    header.append(key_val_dict_to_str(info))

    table = np.column_stack([frame.positions, get_quaternions(frame), get_diameters(frame)])
    rows = (
        symbol + " " + " ".join(map(repr, values))
        for symbol, values in zip(frame.get_chemical_symbols(), table.tolist())
    )
    return f"{len(frame)}\n{' '.join(header)}\n" + "".join(row + "\n" for row in rows)
