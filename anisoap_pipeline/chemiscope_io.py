"""chemiscope files in which the particles are drawn as ellipsoids.

`chemiscope <https://chemiscope.org>`_ shows a map of structures (e.g. a PCA of
their features) beside a 3-D view of the selected structure. Here each particle of
an ellipsoid frame (:mod:`anisoap_pipeline.frames`) is drawn as a chemiscope shape of
kind ``"ellipsoid"``, with semi-axes half the frame's ``c_diameter[1..3]`` and
``orientation`` the frame's body -> lab quaternion ``c_q``. chemiscope takes the
quaternion in (x, y, z, w) order, the frames store (w, x, y, z): the conversion is
done in one place, :func:`ellipsoid_shapes`. (chemiscope's own
``ellipsoid_from_tensor`` builds the orientation as the scalar-last SciPy quaternion
of the rotation whose columns are the body axes in the lab frame, i.e. body -> lab.)

Three writers, one per study, each pure (arrays and frames in, one file out):

* :func:`write_ellipsoid_map`: ellipsoid frames, a 2-D map, per-frame properties
  (liquid crystals: PCA map, nematic order parameter S, phase);
* :func:`write_parity_map`: frames placed by target against predicted value
  (Gay-Berne dimers);
* :func:`write_coarse_grained_map`: atomistic frames with their coarse-grained
  ellipsoids drawn in the same view, and a 2-D map (benzene PCovR).

All of them, and the PCovR map of :mod:`.analysis.pcovr`, write through
:func:`write_input`: atomically, and byte-reproducibly.
"""

import gzip
import shutil
from pathlib import Path

import numpy as np
from ase import Atoms

from .frames import DIAMETER_KEYS, pack_frames, validate_frames
from .io import atomic_path

__all__ = ["SHAPE", "ellipsoid_shapes", "write_coarse_grained_map", "write_ellipsoid_map", "write_input",
           "write_parity_map"]

#: Name of the ellipsoid shape in the written files.
SHAPE = "ellipsoids"


def ellipsoid_shapes(frames, drawn=None):
    """chemiscope ``shapes`` entry drawing every particle of ellipsoid frames.

    Parameters
    ----------
    frames : sequence of ase.Atoms
        Ellipsoid frames (validated here).
    drawn : None or sequence of bool arrays, optional
        Per frame, which atoms carry an ellipsoid (the others get a zero-size one);
        default all. Used when ellipsoids are drawn among atoms.

    Returns
    -------
    dict
        ``{SHAPE: {"kind": "ellipsoid", "parameters": {"global": {}, "atom": [...]}}}``
        with, per particle in frame order, ``semiaxes`` (half the diameters) and
        ``orientation``, the body -> lab unit quaternion in chemiscope's
        (x, y, z, w) order.

    Raises
    ------
    TypeError, ValueError
        For invalid frames, as :func:`anisoap_pipeline.frames.pack_frames`.
    """
    packed = pack_frames(frames)
    semiaxes = packed["diameters"] / 2.0
    orientations = np.roll(packed["quaternions"], -1, axis=1)  # (w, x, y, z) -> (x, y, z, w)
    atoms = [{"semiaxes": a.tolist(), "orientation": q.tolist()} for a, q in zip(semiaxes, orientations)]
    if drawn is not None:
        for atom, shown in zip(atoms, np.concatenate([np.asarray(d, dtype=bool) for d in drawn])):
            if not shown:
                atom["scale"] = 0.0
    return {SHAPE: {"kind": "ellipsoid", "parameters": {"global": {}, "atom": atoms}}}


def write_ellipsoid_map(path, frames, map_coordinates, properties=None, *, map_name="PCA",
                        color=None, name="AniSOAP ellipsoids", description=""):
    """Write a chemiscope file: a 2-D map of ellipsoid frames, drawn as ellipsoids.

    Parameters
    ----------
    path : str or os.PathLike
        Output file (``.json`` or ``.json.gz``).
    frames : sequence of ase.Atoms
        Ellipsoid frames, one point of the map each.
    map_coordinates : array_like, shape (n_frames, 2)
        Map position of each frame (e.g. the first two principal components of
        its features); written as properties ``{map_name}[1]``, ``{map_name}[2]``.
    properties : dict of str -> array_like (n_frames,), optional
        Per-frame properties (numbers or strings), e.g. ``{"S": ..., "phase": ...}``.
    map_name : str
        Name of the map axes.
    color : str, optional
        Property that colours the map; default the first of ``properties``.
    name, description : str
        Dataset metadata shown by chemiscope.

    Raises
    ------
    ValueError
        Invalid frames, or arrays whose length is not the number of frames.
    """
    frames = validate_frames(frames)
    coordinates = _per_frame("map_coordinates", map_coordinates, len(frames))
    if coordinates.ndim != 2 or coordinates.shape[1] != 2:
        raise ValueError(f"map_coordinates must have shape ({len(frames)}, 2), got {coordinates.shape}")
    x, y = f"{map_name}[1]", f"{map_name}[2]"
    columns = {x: coordinates[:, 0], y: coordinates[:, 1], **(properties or {})}
    color = color or next(iter(properties or {}), None)
    _write(path, frames, ellipsoid_shapes(frames), columns, x, y, color, name, description, atoms=False)


def write_parity_map(path, frames, target, predicted, *, quantity="energy", units=None, properties=None,
                     name="AniSOAP parity", description=""):
    """Write a chemiscope parity plot: frames placed at (target, predicted), drawn as ellipsoids.

    Parameters
    ----------
    path : str or os.PathLike
    frames : sequence of ase.Atoms
        Ellipsoid frames (e.g. Gay-Berne dimers), one point each.
    target, predicted : array_like, shape (n_frames,)
        Reference and model values; written as ``{quantity} (target)`` and
        ``{quantity} (predicted)``, with their difference ``{quantity} error``
        (predicted - target) colouring the map.
    quantity : str
        Name of the quantity.
    units : str, optional
        Its units (e.g. ``"ε"``).
    properties : dict of str -> array_like (n_frames,), optional
        Further per-frame properties (e.g. the train/test split).
    name, description : str
        Dataset metadata.

    Raises
    ------
    ValueError
        Invalid frames, or arrays whose length is not the number of frames.
    """
    frames = validate_frames(frames)
    target = _per_frame("target", target, len(frames))
    predicted = _per_frame("predicted", predicted, len(frames))
    x, y, error = f"{quantity} (target)", f"{quantity} (predicted)", f"{quantity} error"
    columns = {x: target, y: predicted, error: predicted - target, **(properties or {})}
    _write(path, frames, ellipsoid_shapes(frames), columns, x, y, error, name, description,
           atoms=False, units={x: units, y: units, error: units})


def write_coarse_grained_map(path, atomistic, ellipsoids, map_coordinates, properties=None, *,
                             map_name="PCovR", color=None, name="coarse-grained ellipsoids",
                             description=""):
    """Write a chemiscope map of atomistic frames drawn with their ellipsoids.

    Each structure is the atomistic frame followed by one dummy atom (species X)
    at the centre of each of its coarse-grained ellipsoids, which carries the
    ellipsoid shape; the atoms keep their usual look, so the ellipsoid is seen
    around its molecule.

    Parameters
    ----------
    path : str or os.PathLike
    atomistic : sequence of ase.Atoms
        The all-atom frames.
    ellipsoids : sequence of ase.Atoms
        Their coarse-grained ellipsoid frames (same order, same cell).
    map_coordinates : array_like, shape (n_frames, 2)
        Map position of each frame (e.g. two PCovR components); written as
        ``{map_name}[1]``, ``{map_name}[2]``.
    properties : dict of str -> array_like (n_frames,), optional
        Per-frame properties (e.g. energy per molecule).
    map_name, color, name, description
        As in :func:`write_ellipsoid_map`.

    Raises
    ------
    ValueError
        Invalid ellipsoid frames, different frame counts or cells, or arrays
        whose length is not the number of frames.
    """
    ellipsoids = validate_frames(ellipsoids)
    if len(atomistic) != len(ellipsoids):
        raise ValueError(f"{len(atomistic)} atomistic frames but {len(ellipsoids)} ellipsoid frames")
    # one structure per frame: its atoms, then a dummy atom carrying each ellipsoid;
    # the shape list runs over every atom, so atoms get an ellipsoid of scale 0
    structures, drawn = [], []
    for k, (atoms, coarse) in enumerate(zip(atomistic, ellipsoids)):
        if not np.allclose(atoms.cell.array, coarse.cell.array) or (atoms.pbc != coarse.pbc).any():
            raise ValueError(f"frame {k}: the ellipsoid frame's cell or pbc differs from the atomistic frame's")
        n_atoms = len(atoms)
        structure = Atoms(numbers=np.concatenate([atoms.numbers, np.zeros(len(coarse), int)]),
                          positions=np.concatenate([atoms.positions, coarse.positions]),
                          cell=atoms.cell, pbc=atoms.pbc)
        structure.new_array("c_q", np.concatenate([np.tile([1.0, 0.0, 0.0, 0.0], (n_atoms, 1)), coarse.arrays["c_q"]]))
        for key in DIAMETER_KEYS:
            structure.new_array(key, np.concatenate([np.ones(n_atoms), coarse.arrays[key]]))
        structures.append(structure)
        drawn.append(np.arange(len(structure)) >= n_atoms)
    coordinates = _per_frame("map_coordinates", map_coordinates, len(structures))
    x, y = f"{map_name}[1]", f"{map_name}[2]"
    columns = {x: coordinates[:, 0], y: coordinates[:, 1], **(properties or {})}
    color = color or next(iter(properties or {}), None)
    _write(path, structures, ellipsoid_shapes(structures, drawn), columns, x, y, color, name, description,
           atoms=True)


def _per_frame(name, values, n_frames):
    values = np.asarray(values)
    if len(values) != n_frames:
        raise ValueError(f"{name} has {len(values)} rows, expected one per frame ({n_frames})")
    return values


def _write(path, frames, shapes, columns, x, y, color, name, description, atoms, units=None):
    import chemiscope

    n_frames = len(frames)
    properties = {}
    for key, values in columns.items():
        values = _per_frame(f"property {key!r}", values, n_frames)
        entry = {"target": "structure", "values": values.tolist()}
        if units and units.get(key):
            entry["units"] = units[key]
        properties[key] = entry
    structures = [Atoms(numbers=f.numbers, positions=f.positions, cell=f.cell, pbc=f.pbc) for f in frames]
    settings = chemiscope.quick_settings(
        x=x, y=y, map_color=color, periodic=bool(any(f.pbc.any() for f in frames)),
        structure_settings={"shape": SHAPE, "atoms": atoms},
    )
    write_input(path, structures=structures, properties=properties, shapes=shapes, settings=settings,
                metadata={"name": name, "description": description})


def write_input(path, **kwargs):
    """``chemiscope.write_input``, atomically and byte for byte reproducibly.

    chemiscope gzips a ``.json.gz`` with the time of writing in the gzip
    header, so the same map written twice differs; here the JSON is
    compressed with a header without time stamp or file name.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, ``.json`` or ``.json.gz``.
    **kwargs
        ``chemiscope.write_input``'s arguments (structures, properties, ...).

    Raises
    ------
    ValueError
        If ``path`` ends in neither ``.json`` nor ``.json.gz``.
    """
    import chemiscope

    path = Path(path)
    if not path.name.endswith((".json", ".json.gz")):
        raise ValueError(f"a chemiscope input file ends in .json or .json.gz, got {path.name!r}")
    with atomic_path(path) as tmp:
        staged = tmp.with_name(tmp.name + ".json")  # chemiscope wants the .json suffix
        try:
            chemiscope.write_input(str(staged), **kwargs)
            if path.name.endswith(".gz"):
                with open(staged, "rb") as source, open(tmp, "wb") as raw, \
                        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as target:
                    shutil.copyfileobj(source, target)
            else:
                staged.replace(tmp)
        finally:
            staged.unlink(missing_ok=True)
    return path
