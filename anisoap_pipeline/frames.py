"""The ellipsoid frame convention: read, write and validate frames.

An *ellipsoid frame* is an :class:`ase.Atoms` whose particles are ellipsoids.
It carries, besides ``positions``, ``numbers`` (species), ``cell`` and
``pbc``, exactly these per-particle arrays (the anisoap package's convention):

``c_q``
    (N, 4) float64 unit quaternions, order (w, x, y, z), rotating body
    coordinates into lab coordinates.
``c_diameter[1]``, ``c_diameter[2]``, ``c_diameter[3]``
    (N,) float64 full diameters along the body axes, in the frame's length
    unit (the Gaussian widths of the density are half of them): Å, or reduced
    units of the same order (the Gay-Berne σ); lengths in metres are refused
    (``SMALLEST_LENGTH``).

Frame-level data (``energy``, ``h12_gb``, identifiers, ...) lives in
``atoms.info``.

:func:`canonicalize` turns what real files contain into that form and rejects
bad input with a :class:`ValueError` naming the frame and the field;
:func:`pack_frames` does the same checks vectorised over many frames and returns
flat arrays (what the featuriser needs) without building frames. Accepted
spellings:

* diameters: ``c_diameter[k]``, escaped ``c_diameter\\[k\\]``, the form
  ``c_diameterk`` left by ASE's extended-XYZ round trip, or one (N, 3) array
  ``c_diameter``; or the ``diameters=`` argument, which takes precedence;
* orientations, first found wins: ``c_q``, ``quaternions`` (w, x, y, z), or
  ``rotation_matrix`` (body -> lab, (N, 9) row-major or (N, 3, 3)).
"""

from __future__ import annotations

import copy
import errno
import numbers
import os
import re
import secrets
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import iread, read
from ase.io.formats import string2index
from ase.io.extxyz import key_val_dict_to_str
from ase.outputs import all_outputs
from scipy.spatial.transform import Rotation

__all__ = [
    "QUATERNION_TOLERANCE",
    "SINGULAR_CELL_TOLERANCE",
    "SMALLEST_LENGTH",
    "canonicalize",
    "duplicate_frames",
    "get_diameters",
    "get_quaternions",
    "file_frame_numbers",
    "pack_frames",
    "read_frames",
    "validate_frames",
    "write_frames",
]

#: Largest accepted deviation from 1 of a quaternion's norm, and from the
#: identity of R R^T for a rotation matrix. Within it, input is renormalised.
QUATERNION_TOLERANCE = 1e-6

#: Shortest length (Å) a frame's largest diameter or longest periodic cell
#: vector may have. Nothing physical is smaller; frames written in metres
#: (1 Å = 1e-10 m) or similar units are, and are refused with that said.
SMALLEST_LENGTH = 1e-4

#: A periodic cell is singular when |det| of its rows scaled to unit length is
#: at most this: a relative test, the same for a cell in any length unit.
SINGULAR_CELL_TOLERANCE = 1e-12

DIAMETER_KEYS = ("c_diameter[1]", "c_diameter[2]", "c_diameter[3]")
ORIENTATION_KEYS = ("c_q", "quaternions", "rotation_matrix")
_DIAMETER_SPELLINGS = tuple((f"c_diameter[{k}]", rf"c_diameter\[{k}\]", f"c_diameter{k}") for k in (1, 2, 3))

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
    TypeError
        If ``atoms`` is not an :class:`ase.Atoms`.
    ValueError
        If positions, orientations or diameters are missing or not finite,
        a diameter is not positive, a quaternion's norm is off 1 by more than
        ``QUATERNION_TOLERANCE``, a rotation matrix is not a proper rotation,
        pbc is mixed, a periodic cell is singular (relative to its vectors'
        lengths, ``SINGULAR_CELL_TOLERANCE``), or the frame's largest diameter
        or cell vector is shorter than ``SMALLEST_LENGTH`` Å (lengths in
        another unit, e.g. metres). The message starts with
        ``"frame {index}: field '...'"`` and names the particle and, for
        diameters, the axis.
    """
    return _frames_from_arrays([atoms], pack_frames([atoms], diameters, start=index))[0]


def validate_frames(frames, diameters=None, frame_numbers=None):
    """Canonicalise every frame of a collection.

    Parameters
    ----------
    frames : ase.Atoms or iterable of ase.Atoms
        One frame or several; a frame's index in error messages is its
        position in ``frames`` unless ``frame_numbers`` is given.
    diameters : None, sequence of 3 floats, or array_like of shape (N, 3)
        As in :func:`canonicalize`, for every frame.
    frame_numbers : sequence of int, optional
        Each frame's number in error messages (e.g. its index in the file it was selected from).

    Returns
    -------
    list of ase.Atoms
        Canonical copies, see :func:`canonicalize`.

    Raises
    ------
    TypeError, ValueError
        As :func:`canonicalize`, for the first bad frame.
    """
    frames = _as_frame_list(frames)
    return _frames_from_arrays(frames, pack_frames(frames, diameters, frame_numbers=frame_numbers))


def pack_frames(frames, diameters=None, start=0, frame_numbers=None):
    """Validate frames and return their data as flat arrays, without building frames.

    The checks are those of :func:`canonicalize`, vectorised over all particles
    (a few µs per frame instead of tens), so that many small frames are cheap.

    Parameters
    ----------
    frames : ase.Atoms or iterable of ase.Atoms
    diameters : None, sequence of 3 floats, or array_like of shape (N, 3)
        As in :func:`canonicalize`, for every frame.
    start : int, optional
        Index of the first frame in error messages.
    frame_numbers : sequence of int, optional
        Each frame's number in error messages, instead of ``start`` + its position.

    Returns
    -------
    dict of ndarray
        ``n_atoms`` (F,) int64; ``numbers`` (P,) int64; ``positions`` (P, 3),
        ``quaternions`` (P, 4, unit, w x y z, body -> lab) and ``diameters``
        (P, 3, full diameters) float64; ``cells`` (F, 3, 3) float64, lattice
        vectors as rows; ``pbc`` (F, 3) bool. P is the total particle count,
        frames' particles in order.

    Raises
    ------
    TypeError, ValueError
        As :func:`canonicalize`, for the first bad frame.
    """
    frames = _as_frame_list(frames)
    argument = None if diameters is None else np.asarray(diameters, dtype=np.float64)
    if frame_numbers is None:
        frame_numbers = range(start, start + len(frames))
    elif len(frame_numbers) != len(frames):
        raise ValueError(f"frame_numbers has {len(frame_numbers)} entries for {len(frames)} frames")
    rows, stop = [], None
    for index, atoms in zip(frame_numbers, frames):
        try:
            rows.append(_frame_arrays(atoms, index, argument))
        except (TypeError, ValueError) as error:
            stop = error  # raised after checking the frames before it
            break
    packed = _checked_arrays(rows, frame_numbers, argument)
    if stop is not None:
        raise stop
    return packed


def _as_frame_list(frames):
    if isinstance(frames, Atoms):
        return [frames]
    try:
        return list(frames)
    except TypeError:
        raise TypeError(
            f"expected an ase.Atoms or an iterable of ase.Atoms, got {type(frames).__name__}"
        ) from None


def _first_present(arrays, keys):
    """The first of ``keys`` in ``arrays``, or None. The canonical name, first,
    is looked up without a generator: this runs for every frame of a batch."""
    if keys[0] in arrays:
        return keys[0]
    return next((key for key in keys[1:] if key in arrays), None)


_FLOAT64 = np.dtype(np.float64)


def _floats(values):
    """``values`` as a float64 array; an ndarray of float64 as is (the cheap check
    first: this runs for every field of every frame)."""
    if type(values) is np.ndarray and values.dtype is _FLOAT64:
        return values
    return np.asarray(values, dtype=np.float64)


def _frame_arrays(atoms, index, argument):
    """One frame's raw arrays after the structural checks (fields present, shapes)."""
    if not isinstance(atoms, Atoms):
        raise TypeError(f"frame {index}: expected an ase.Atoms, got {type(atoms).__name__}")
    arrays = atoms.arrays
    n = len(arrays["positions"])
    key = _first_present(arrays, ORIENTATION_KEYS)
    if key is None:
        raise ValueError(
            f"frame {index}: field 'c_q' (orientation) is missing; expected one of the "
            f"arrays {', '.join(map(repr, ORIENTATION_KEYS))}, found "
            f"{sorted(arrays)}"
        )
    orientation = _floats(arrays[key])
    if key == "rotation_matrix":
        if orientation.size != 9 * n:
            raise ValueError(
                f"frame {index}: field 'rotation_matrix' has shape {orientation.shape}, "
                f"expected ({n}, 9) row-major or ({n}, 3, 3)"
            )
        orientation = orientation.reshape(n, 9)
    elif orientation.shape != (n, 4):
        raise ValueError(
            f"frame {index}: field '{key}' (quaternion) has shape {orientation.shape}, "
            f"expected ({n}, 4)"
        )
    if argument is None:
        field, values = _diameters_in_arrays(arrays, index, n)
    elif argument.shape == (3,):
        field, values = "diameters", None  # the same for every particle
    elif argument.shape == (n, 3):
        field, values = "diameters", tuple(argument.T)
    else:
        raise ValueError(
            f"frame {index}: argument 'diameters' has shape {argument.shape}, "
            f"expected (3,) or ({n}, 3)"
        )
    return (n, arrays["numbers"], arrays["positions"], atoms.cell.array, atoms.pbc,
            key, orientation, field, values)


def _checked_arrays(rows, frame_numbers, argument):
    """Pack the frames' arrays and check their values; raise for the first bad frame."""
    n_frames = len(rows)
    n_atoms, numbers, positions, cells, pbc, keys, orientations, fields, diameters = (
        list(column) for column in zip(*rows)
    ) if rows else ([] for _ in range(9))
    n_atoms = np.array(n_atoms, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(n_atoms)]).astype(np.int64)
    n_particles = int(offsets[-1])
    frame_of = np.repeat(np.arange(n_frames), n_atoms)
    positions = np.concatenate(positions).astype(np.float64, copy=False) if rows else np.zeros((0, 3))
    if argument is not None and argument.shape == (3,):
        diameters = np.tile(argument, (n_particles, 1))
    elif rows:
        diameters = np.column_stack([np.concatenate(axis) for axis in zip(*diameters)]).astype(np.float64, copy=False)
    else:
        diameters = np.zeros((0, 3))
    cells = np.array(cells, dtype=np.float64).reshape(n_frames, 3, 3)
    pbc = np.array(pbc, dtype=bool).reshape(n_frames, 3)
    matrix_frames = np.array([key == "rotation_matrix" for key in keys], dtype=bool)
    by_matrix = np.repeat(matrix_frames, n_atoms)
    quaternions = np.zeros((n_particles, 4))
    if (~matrix_frames).any():
        quaternions[~by_matrix] = np.concatenate([q for q, m in zip(orientations, matrix_frames) if not m])
    # the rotation-matrix checks run on those particles only (identities elsewhere)
    matrix_rows = np.flatnonzero(by_matrix)
    matrices = np.zeros((len(matrix_rows), 3, 3))
    if matrix_frames.any():
        matrices[:] = np.concatenate([r for r, m in zip(orientations, matrix_frames) if m]).reshape(-1, 3, 3)

    # each check: (frames failing it, particles failing it or None, message);
    # a particle check's message takes (global index, index in its frame)
    def per_particle(bad, message):
        return np.bincount(frame_of[bad], minlength=n_frames) > 0, bad, message

    def per_frame(bad, message):
        return bad, None, message

    with np.errstate(invalid="ignore", over="ignore"):
        norms = np.linalg.norm(quaternions, axis=1)
        errors = np.zeros(n_particles)
        errors[matrix_rows] = np.abs(matrices @ matrices.transpose(0, 2, 1) - np.eye(3)).max(axis=(1, 2), initial=0.0)
        determinants = np.ones(n_particles)
        determinants[matrix_rows] = np.linalg.det(matrices)
        matrix_finite = np.ones(n_particles, dtype=bool)
        matrix_finite[matrix_rows] = np.isfinite(matrices).all(axis=(1, 2))
        vector_lengths = np.linalg.norm(cells, axis=2)
        # a zero vector gives NaN here, which the negated comparison counts as singular
        unit_cells = cells / vector_lengths[:, :, None]
        singular = ~np.isfinite(cells).all(axis=(1, 2)) | ~(
            np.abs(np.linalg.det(unit_cells)) > SINGULAR_CELL_TOLERANCE)
        longest_vector = vector_lengths.max(axis=1, initial=0.0)
        largest_diameter = np.full(n_frames, -np.inf)
        np.maximum.at(largest_diameter, frame_of, diameters.max(axis=1, initial=-np.inf))
    not_finite = ~np.isfinite(diameters)
    not_positive = diameters <= 0

    def diameter(bad, what):
        def message(g, p):
            axis = int(np.argmax(bad[g]))
            field = fields[frame_of[g]]
            name = f"c_diameter[{axis + 1}]" if field.startswith("c_diameter") else f"{field}[{axis}]"
            return f"field '{name}' (diameter) of particle {p} is {what(diameters[g, axis])}"
        return per_particle(bad.any(axis=1), message)

    checks = [
        per_particle(~np.isfinite(positions).all(axis=1), lambda g, p: f"field 'positions' of particle {p} is not finite"),
        per_frame(pbc.any(axis=1) & ~pbc.all(axis=1), lambda f: (
            f"field 'pbc' is {pbc[f].tolist()}; mixed periodicity is not supported, "
            "expected all True or all False")),
        per_frame(pbc.all(axis=1) & np.isfinite(cells).all(axis=(1, 2)) & (longest_vector < SMALLEST_LENGTH), lambda f: (
            f"field 'cell' has vectors no longer than {longest_vector[f]:.3g}: the frames seem to be in another "
            f"length unit (Å expected; metres? 1 m = 1e10 Å): convert them to Å")),
        per_frame(pbc.all(axis=1) & singular, lambda f: "field 'cell' is singular or not finite but the frame is periodic"),
        per_particle(~by_matrix & ~np.isfinite(quaternions).all(axis=1), lambda g, p: (
            f"field '{keys[frame_of[g]]}' (quaternion) of particle {p} is not finite")),
        per_particle(~by_matrix & (np.abs(norms - 1.0) > QUATERNION_TOLERANCE), lambda g, p: (
            f"field '{keys[frame_of[g]]}' (quaternion) of particle {p} has norm {norms[g]:.6g}, "
            f"expected 1 within {QUATERNION_TOLERANCE:g}")),
        per_particle(by_matrix & ~matrix_finite,
                     lambda g, p: f"field 'rotation_matrix' of particle {p} is not finite"),
        per_particle(by_matrix & (errors > QUATERNION_TOLERANCE), lambda g, p: (
            f"field 'rotation_matrix' of particle {p} is not orthonormal (max |R R^T - I| = "
            f"{errors[g]:.3g}, expected at most {QUATERNION_TOLERANCE:g})")),
        per_particle(by_matrix & (determinants < 0), lambda g, p: (
            f"field 'rotation_matrix' of particle {p} has determinant {determinants[g]:.3g}, "
            "expected +1 (a proper rotation)")),
        diameter(not_finite, lambda value: "not finite"),
        diameter(not_positive, lambda value: f"{value:g}, expected > 0"),
        # after the checks of single values, so that a NaN or a 0 is named as such
        per_frame((n_atoms > 0) & (largest_diameter < SMALLEST_LENGTH), lambda f: (
            f"{'argument' if fields[f] == 'diameters' else 'field'} "
            f"'{'diameters' if fields[f] == 'diameters' else 'c_diameter[1..3]'}': the largest diameter is "
            f"{largest_diameter[f]:.3g}: the frames seem to be in another length unit (Å expected; "
            f"metres? 1 m = 1e10 Å): convert them to Å")),
    ]
    failing = np.array([frames for frames, _, _ in checks]).reshape(len(checks), n_frames)
    if failing.any():
        frame = int(np.flatnonzero(failing.any(axis=0))[0])
        _, particles, message = checks[int(np.flatnonzero(failing[:, frame])[0])]
        if particles is None:
            text = message(frame)
        else:
            g = offsets[frame] + int(np.argmax(particles[offsets[frame] : offsets[frame + 1]]))
            text = message(g, g - offsets[frame])
        raise ValueError(f"frame {frame_numbers[frame]}: {text}")

    # unit quaternions left bit for bit, so that canonicalize is idempotent
    norms[(np.abs(norms - 1.0) <= 4 * np.finfo(np.float64).eps) | by_matrix] = 1.0
    quaternions = quaternions / norms[:, None]
    if by_matrix.any():
        quaternions[by_matrix] = Rotation.from_matrix(matrices).as_quat(scalar_first=True)
    return dict(
        n_atoms=n_atoms,
        numbers=np.concatenate(numbers).astype(np.int64) if rows else np.zeros(0, dtype=np.int64),
        positions=positions,
        quaternions=quaternions,
        diameters=diameters,
        cells=cells,
        pbc=pbc,
    )


def _frames_from_arrays(frames, packed):
    """Canonical ase.Atoms from the output of :func:`pack_frames` of ``frames``."""
    offsets = np.concatenate([[0], np.cumsum(packed["n_atoms"])])
    canonical = []
    for k, atoms in enumerate(frames):
        a, b = offsets[k], offsets[k + 1]
        frame = Atoms(numbers=packed["numbers"][a:b], positions=packed["positions"][a:b],
                      cell=packed["cells"][k], pbc=packed["pbc"][k])
        frame.info = _frame_info(atoms)
        frame.new_array("c_q", packed["quaternions"][a:b])
        for key, column in zip(DIAMETER_KEYS, packed["diameters"][a:b].T):
            frame.new_array(key, np.ascontiguousarray(column))
        canonical.append(frame)
    return canonical


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
    FileNotFoundError, IsADirectoryError
        If ``filename`` does not exist or is a directory.
    IndexError
        If ``index`` is an integer past either end of the file; the message
        says how many frames the file holds.
    ValueError
        If the file cannot be parsed (the message names the file, the frame
        and, for XYZ files, the line where that frame starts) or a frame is
        invalid (the file name, the frame's number in the file, counted from 0
        whatever ``index`` selects, and the field).
    """
    path = os.fspath(filename)
    index = string2index(index) if isinstance(index, str) else index
    frames = _read(path, index, format)
    try:
        return validate_frames(frames, diameters, frame_numbers=file_frame_numbers(index, len(frames), path, format))
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def file_frame_numbers(index, n_selected, path=None, format=None):
    """The numbers in the file (0 = its first frame) of the frames ``index`` selected.

    Parameters
    ----------
    index : int or slice
        The selection, as given to :func:`read_frames`.
    n_selected : int
        How many frames it selected.
    path, format : str, optional
        The file, counted only for negative indices (they count from its end).

    Returns
    -------
    list of int, length ``n_selected``
    """
    if isinstance(index, numbers.Integral):
        index = slice(index, None if index == -1 else index + 1)
    start, stop, step = index.start, index.stop, index.step or 1
    if step > 0 and (start or 0) >= 0 and (stop is None or stop >= 0):
        return [(start or 0) + k * step for k in range(n_selected)]
    count = sum(1 for _ in iread(path, index=":", format=format, parallel=False))
    return list(range(*index.indices(count)))[:n_selected]


def _read(path, index, format):
    """ase.io.read with errors that name the file and the frame."""
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "no such file", path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a directory, expected a file of frames", path)
    # parallel=False: under MPI, ASE would otherwise read on rank 0 and
    # broadcast to every rank, a collective the other ranks never join.
    frames, line = [], 1
    try:
        if isinstance(index, numbers.Integral):
            try:
                if index >= 0:
                    return [read(path, index=index, format=format, parallel=False)]
                # ASE wraps negative indices past the start around silently
                return [list(iread(path, index=":", format=format, parallel=False))[index]]
            except (StopIteration, IndexError):
                count = sum(1 for _ in iread(path, index=":", format=format, parallel=False))
                raise IndexError(
                    f"{path}: frame index {index} is out of range; the file holds {count} "
                    f"frame{'s' if count != 1 else ''} (valid indices {-count} ... {count - 1})"
                ) from None
        for atoms in iread(path, index=index, format=format, parallel=False):
            frames.append(atoms)
            line += len(atoms) + 2
    except (IndexError, FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Exception as error:  # noqa: BLE001 - any parser failure is the file's
        if isinstance(error, UnicodeDecodeError):  # raised for a whole buffer: find the line
            data = Path(path).read_bytes()
            where = f"line {data.count(_NEWLINE, 0, _first_undecodable(data)) + 1}"
        elif isinstance(index, numbers.Integral):
            where = f"frame {index}"
        else:
            whole = index == slice(None)
            where = f"frame {file_frame_numbers(index, len(frames) + 1, path, format)[-1]}" if (
                whole or (index.step or 1) > 0 and (index.start or 0) >= 0) else f"frame {len(frames)} of the selection"
            xyz = format in ("xyz", "extxyz") or (format is None and path.endswith((".xyz", ".extxyz")))
            if xyz and whole:
                where += f" (starting at line {line})"
        raise ValueError(f"{path}: cannot read {where}: {type(error).__name__}: {error}") from error
    return frames


_NEWLINE = b"\n"


def _first_undecodable(data):
    """Byte offset of the first byte that is not valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return len(data)


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


def duplicate_frames(frames):
    """Groups of frames that are exact copies of one another.

    Two canonical frames are copies when their species, positions, quaternions
    ``c_q``, diameters, cell and periodicity are equal bit for bit (their
    ``info``, the targets included, is not compared). Copies that differ by a
    rotation or a permutation of the particles are not found here.

    Parameters
    ----------
    frames : sequence of ase.Atoms
        Canonical frames (:func:`read_frames`, :func:`validate_frames`).

    Returns
    -------
    list of list of int
        Positions in ``frames`` of each set of two or more copies, each set
        ascending, the sets ordered by their first frame; empty without copies.
    """
    import hashlib

    positions = {}
    for index, atoms in enumerate(frames):
        digest = hashlib.sha256()
        for array in (atoms.numbers.astype(np.int64), atoms.positions, get_quaternions(atoms), get_diameters(atoms),
                      atoms.cell.array, atoms.pbc):
            array = np.ascontiguousarray(array)
            digest.update(str(array.shape).encode() + array.dtype.str.encode() + array.tobytes())
        positions.setdefault(digest.digest(), []).append(index)
    return [group for group in positions.values() if len(group) > 1]


def _require_canonical(atoms, keys):
    missing = [key for key in keys if key not in atoms.arrays]
    if missing:
        raise ValueError(
            f"not a canonical ellipsoid frame: arrays {missing} are missing; "
            "use canonicalize() or read_frames()"
        )


def _diameters_in_arrays(arrays, index, n):
    """(field name, three (n,) columns) from any accepted spelling of the diameters
    of frame ``index``: all three ``c_diameter[k]`` columns, else one (n, 3)
    ``c_diameter`` array.

    Raises ValueError naming the first missing ``c_diameter[k]``, or a wrong shape.
    """
    columns = []
    for k, spellings in enumerate(_DIAMETER_SPELLINGS, 1):
        key = _first_present(arrays, spellings)
        if key is None and "c_diameter" in arrays:
            values = _floats(arrays["c_diameter"])
            if values.shape != (n, 3):
                raise ValueError(
                    f"frame {index}: field 'c_diameter' (diameter) has shape {values.shape}, expected ({n}, 3)"
                )
            return "c_diameter", tuple(values.T)
        if key is None:
            raise ValueError(
                f"frame {index}: field 'c_diameter[{k}]' (diameter) is missing; the frame "
                f"has {'no c_diameter[1..3] arrays' if k == 1 else 'only some of c_diameter[1..3]'}, "
                "pass diameters=(d1, d2, d3)"
            )
        column = _floats(arrays[key])
        if column.shape != (n,):
            raise ValueError(
                f"frame {index}: field 'c_diameter[{k}]' (diameter) has shape {column.shape}, expected ({n},)"
            )
        columns.append(column)
    return "c_diameter[1..3]", columns


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
