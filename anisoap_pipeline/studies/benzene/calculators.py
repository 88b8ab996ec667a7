"""Energy labels of molecular crystals from any ASE calculator, behind one interface.

The learning target of the benzene study (paper Sec. III C, Fig. 6) is the
*baselined per-atom energy*, the crystal energy relative to isolated molecules:

    e = (E_crystal - N_mol * E_molecule) / N_atoms * 1000    [meV/atom]

with E in eV and E_molecule the energy of one isolated molecule from the same
calculator (:func:`baselined_energy`). Negative values mean a bound crystal.

Calculators, chosen by name (:func:`make_calculator`):

``tblite`` (default)
    GFN2-xTB or GFN1-xTB tight binding (``tblite.ase.TBLite``), periodic;
    the isolated molecule is computed without periodicity. tblite samples
    the Gamma point only: a crystal is labelled in a supercell whose plane
    spacings are all >= ``supercell_spacing`` (:func:`labelling_supercell`;
    convergence in BENCHMARKS.md, "Label convergence").
``espresso``
    Quantum ESPRESSO ``pw.x`` through ASE with the paper's settings: PBE,
    Grimme D3 dispersion (``vdw_corr='dft-d3'``), a 3x3x3 Monkhorst-Pack
    grid, SSSP-efficiency pseudopotentials and cutoffs (Prandini et al., npj
    Comput. Mater. 4, 72 (2018)). The isolated molecule is computed in a cubic
    box of :data:`MOLECULE_BOX` Å at the Gamma point.
``file``
    Energies stored in a dataset (e.g. the real PBE-TS crystals): crystal i
    gets the energy of frame ``info["frame_index"]`` of the file, after
    checking that the two have the same atoms at the same places. The file
    holds no isolated molecule, so E_molecule is ``reference_energy`` (eV) if
    given, and otherwise **the lowest energy per molecule among the file's
    frames**: the baselined energies are then >= 0, relative to the most
    stable crystal of the file rather than to the gas phase (a constant
    shift, immaterial to regression with an intercept).

Labels are reproducible to the bit: one fresh calculator per crystal, a
fixed number of OpenMP threads (not derived from the number of workers),
and a checkpoint keyed on a hash of each crystal and the settings
(:func:`label_key`) that :func:`save_labels` deletes once the labels are
written. A crystal whose calculation fails is reported, not raised.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shlex
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import niggli_reduce
from ase.calculators.calculator import Calculator, all_changes
from ase.cell import Cell
from ase.io import read

__all__ = [
    "CALCULATORS",
    "ESPRESSO_DEFAULTS",
    "FRAME_INDEX_KEY",
    "MOLECULE_BOX",
    "FileCalculator",
    "baselined_energy",
    "gather_labels",
    "label_energies",
    "label_key",
    "labelling_supercell",
    "make_calculator",
    "molecule_energy",
    "plane_spacings",
    "save_labels",
]

#: Names accepted by :func:`make_calculator`.
CALCULATORS = ("tblite", "espresso", "file")

#: ``info`` key holding a crystal's frame index in the file of the ``file`` calculator.
FRAME_INDEX_KEY = "frame_index"

#: Edge (Å) of the cubic box of the isolated molecule for periodic codes (espresso).
MOLECULE_BOX = 20.0

#: The paper's Quantum ESPRESSO settings (Sec. III C). Pseudopotentials and
#: cutoffs are SSSP efficiency's for H (60 Ry, dual 8) and C (45 Ry, dual 8);
#: check the file names against the SSSP version in ``pseudo_dir``.
ESPRESSO_DEFAULTS = {
    "command": "pw.x",
    "kpts": (3, 3, 3),
    "pseudopotentials": {"C": "C.pbe-n-kjpaw_psl.1.0.0.UPF", "H": "H.pbe-rrkjus_psl.1.0.0.UPF"},
    "input_data": {
        "control": {"calculation": "scf", "tprnfor": True, "tstress": True},
        "system": {"input_dft": "PBE", "vdw_corr": "dft-d3", "ecutwfc": 60.0, "ecutrho": 480.0},
        "electrons": {"conv_thr": 1e-8},
    },
}


class FileCalculator(Calculator):
    """Energies read from a dataset file, matched by frame index.

    Parameters
    ----------
    filename : str or os.PathLike
        Any file :func:`ase.io.read` reads, whose frames carry an energy (in
        an extended XYZ comment line it ends up in a SinglePointCalculator).
    index_key : str, optional
        ``info`` key of the crystal holding its frame index in the file.
    tolerance : float, optional
        Largest accepted displacement (Å) between a crystal's atoms and the
        file frame's, modulo lattice vectors.

    Raises
    ------
    ValueError
        At calculation: the crystal has no ``info[index_key]``, the index is
        out of range, or the frame has other atoms, cell or positions.
    """

    implemented_properties = ("energy",)

    def __init__(self, filename, index_key=FRAME_INDEX_KEY, tolerance=1e-4, **kwargs):
        super().__init__(**kwargs)
        self.filename = os.fspath(filename)
        self.index_key = index_key
        self.tolerance = float(tolerance)
        self.frames = read(self.filename, index=":")
        missing = [i for i, frame in enumerate(self.frames) if _stored_energy(frame) is None]
        if missing:
            raise ValueError(f"{self.filename}: frame {missing[0]}: field 'energy' is missing")
        self.energies = np.array([_stored_energy(frame) for frame in self.frames])

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        index = self.atoms.info.get(self.index_key)
        if index is None:
            raise ValueError(
                f"crystal: field 'info[{self.index_key!r}]' is missing; the 'file' calculator "
                f"needs the crystal's frame index in {self.filename}"
            )
        if not 0 <= int(index) < len(self.frames):
            raise ValueError(
                f"crystal: field 'info[{self.index_key!r}]' is {index}, but {self.filename} "
                f"has {len(self.frames)} frames"
            )
        _check_same_structure(self.atoms, self.frames[int(index)], self.tolerance, f"{self.filename} frame {index}")
        self.results["energy"] = float(self.energies[int(index)])


def make_calculator(name="tblite", **settings):
    """An ASE calculator by name.

    Parameters
    ----------
    name : {"tblite", "espresso", "file"}
    **settings
        ``tblite``: ``method`` ("GFN2-xTB" default, or "GFN1-xTB") and any
        other ``tblite.ase.TBLite`` keyword; ``verbosity`` defaults to 0.
        ``espresso``: ``pseudo_dir`` (required), ``command`` (default
        "pw.x"; may include a launcher, e.g. "mpirun -np 4 pw.x"),
        ``directory``, ``kpts``, ``pseudopotentials``, ``input_data`` (merged
        section by section into :data:`ESPRESSO_DEFAULTS`), other
        ``Espresso`` keywords.
        ``file``: ``filename`` (required), ``index_key``, ``tolerance``; a
        ``reference_energy`` setting is accepted and ignored here (see
        :func:`molecule_energy`).

    Returns
    -------
    ase.calculators.calculator.BaseCalculator

    Raises
    ------
    ValueError
        For an unknown name or a missing required setting.
    FileNotFoundError
        ``espresso``: ``pw.x`` is not on PATH, or ``pseudo_dir`` or a
        pseudopotential file does not exist; the message says what to install
        or configure.
    """
    if name == "tblite":
        from tblite.ase import TBLite

        return TBLite(**{"method": "GFN2-xTB", "verbosity": 0, **settings})
    if name == "espresso":
        return _espresso(**settings)
    if name == "file":
        settings = dict(settings)
        settings.pop("reference_energy", None)
        if "filename" not in settings:
            raise ValueError("calculator 'file' needs the setting 'filename' (the dataset with energies)")
        return FileCalculator(**settings)
    raise ValueError(f"unknown calculator {name!r}; expected one of {', '.join(CALCULATORS)}")


def baselined_energy(crystal_energy, molecule_energy, n_atoms, atoms_per_molecule=12):
    """Crystal energy per atom relative to isolated molecules (paper Sec. III C).

    ``(E_crystal - N_mol E_molecule) / N_atoms * 1000`` with
    ``N_mol = N_atoms / atoms_per_molecule``.

    Parameters
    ----------
    crystal_energy : float or array_like
        E_crystal, eV.
    molecule_energy : float
        E_molecule of one isolated molecule, eV.
    n_atoms : int or array_like
        Atoms in the crystal(s).
    atoms_per_molecule : int, optional
        12 for benzene.

    Returns
    -------
    float or numpy.ndarray
        meV/atom.

    Raises
    ------
    ValueError
        If ``n_atoms`` is not a positive multiple of ``atoms_per_molecule``.
    """
    n_atoms = np.asarray(n_atoms)
    if np.any(n_atoms <= 0) or np.any(n_atoms % atoms_per_molecule):
        raise ValueError(f"n_atoms {n_atoms} is not a positive multiple of atoms_per_molecule = {atoms_per_molecule}")
    n_molecules = n_atoms // atoms_per_molecule
    return (np.asarray(crystal_energy) - n_molecules * molecule_energy) / n_atoms * 1000.0


def molecule_energy(calculator_spec="tblite", molecule=None):
    """Energy (eV) of one isolated molecule from a calculator spec.

    Parameters
    ----------
    calculator_spec : str or dict
        A name, or ``{"name": name, **settings}`` (see :func:`make_calculator`).
    molecule : ase.Atoms, optional
        Default: PyXtal's rigid benzene,
        :func:`anisoap_pipeline.studies.benzene.data.benzene_molecule`, the
        molecule of the generated crystals.

    Returns
    -------
    float
        ``tblite``: the molecule without periodicity; ``espresso``: the
        molecule in a cubic box of :data:`MOLECULE_BOX` Å at the Gamma point;
        ``file``: the setting ``reference_energy`` if given, else the lowest
        energy per molecule (E / (N_atoms / len(molecule))) among the file's
        frames.
    """
    name, settings = _parse_spec(calculator_spec)
    molecule = _default_molecule() if molecule is None else molecule
    if name == "file":
        if settings.get("reference_energy") is not None:
            return float(settings["reference_energy"])
        calculator = make_calculator(name, **settings)
        n_molecules = np.array([len(frame) for frame in calculator.frames]) / len(molecule)
        return float(np.min(calculator.energies / n_molecules))
    isolated = Atoms(molecule.numbers, positions=molecule.positions)
    if name == "espresso":
        isolated.set_cell([MOLECULE_BOX] * 3)
        isolated.center()
        isolated.pbc = True
        settings = {**settings, "kpts": None}
    return _energy({"name": name, **settings}, isolated, "molecule")


def plane_spacings(atoms):
    """Perpendicular widths of a periodic cell: the spacings of its three lattice-plane families.

    The width along cell vector i is the distance between the two faces of
    the cell spanned by the other two vectors, V / |a_j x a_k|. The cell is
    first Niggli-reduced (the same lattice in its most compact basis,
    :func:`ase.build.niggli_reduce`), so that the widths are a property of the
    lattice, not of the basis a generator happened to choose.

    Parameters
    ----------
    atoms : ase.Atoms or array_like
        Periodic atoms, or a (3, 3) cell (Å, rows are cell vectors).

    Returns
    -------
    numpy.ndarray
        (3,) float64, Å, of the reduced cell.

    Raises
    ------
    ValueError
        If the cell is singular.
    """
    cell = atoms.cell if isinstance(atoms, Atoms) else Cell(np.asarray(atoms, dtype=float))
    if abs(cell.volume) < 1e-12:
        raise ValueError(f"field 'cell' is singular: {cell.array.tolist()}")
    reduced, _ = cell.niggli_reduce()
    return 1.0 / np.linalg.norm(reduced.reciprocal(), axis=1)


def labelling_supercell(atoms, supercell_spacing):
    """The supercell in which a crystal is labelled: every plane spacing >= ``supercell_spacing``.

    tblite computes at the Gamma point only; a supercell of n1 x n2 x n3
    cells is the same as sampling the cell's Brillouin zone on an
    n1 x n2 x n3 Gamma-centred grid, so the per-atom energy converges as the
    supercell's plane spacings grow (see BENCHMARKS.md, "Label convergence").
    The cell is Niggli-reduced (positions wrapped) and repeated
    ``ceil(supercell_spacing / width_i)`` times along reduced vector i.

    Parameters
    ----------
    atoms : ase.Atoms
        A periodic crystal.
    supercell_spacing : float or None
        Å; None or 0 gives the reduced cell itself (repeats (1, 1, 1)).

    Returns
    -------
    supercell : ase.Atoms
        Periodic, ``prod(repeats) * len(atoms)`` atoms; its energy is
        ``prod(repeats)`` times the crystal's.
    repeats : tuple of int
        (n1, n2, n3).

    Raises
    ------
    ValueError
        If ``supercell_spacing`` is negative or not finite, or the cell is singular.
    """
    _check_spacing(supercell_spacing)
    reduced = Atoms(atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=True)
    niggli_reduce(reduced)
    widths = 1.0 / np.linalg.norm(reduced.cell.reciprocal(), axis=1)
    repeats = tuple(int(max(1, np.ceil((supercell_spacing or 0.0) / width - 1e-9))) for width in widths)
    return reduced.repeat(repeats), repeats


def label_key(atoms, calculator_spec, supercell_spacing=None, threads=1):
    """Hash of everything a crystal's label depends on (the checkpoint's key).

    Parameters
    ----------
    atoms : ase.Atoms
        The crystal: its atomic numbers, positions, cell and periodicity enter
        bit for bit (and ``info["frame_index"]``, which the ``file``
        calculator reads).
    calculator_spec : str or dict
        As in :func:`label_energies`; for the ``file`` calculator the file's
        content is hashed too.
    supercell_spacing : float or None
    threads : int
        OpenMP threads of the calculation (the last bits of tblite's energy
        depend on them).

    Returns
    -------
    str
        SHA-256 hex digest.
    """
    name, settings = _parse_spec(calculator_spec)
    digest = hashlib.sha256()
    settings = {**settings, "name": name, "supercell_spacing": supercell_spacing, "threads": int(threads)}
    if name == "file":
        settings["file_sha256"] = _file_sha256(settings.get("filename"))
        settings["frame_index"] = atoms.info.get(settings.get("index_key", FRAME_INDEX_KEY))
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for array in (
        np.asarray(atoms.numbers, dtype=np.int64),
        np.asarray(atoms.positions, dtype=np.float64),
        np.asarray(atoms.cell.array, dtype=np.float64),
        np.asarray(atoms.pbc, dtype=np.bool_),
    ):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def label_energies(
    crystals,
    calculator_spec="tblite",
    n_jobs=1,
    molecule=None,
    checkpoint=None,
    threads=1,
    supercell_spacing=None,
):
    """Energies and baselined per-atom energies of crystals, in parallel, resumably.

    Every crystal is computed with a calculator of its own, in a supercell
    whose plane spacings are all >= ``supercell_spacing``
    (:func:`labelling_supercell`), with ``threads`` OpenMP threads: the
    labels are then bitwise the same whatever ``n_jobs`` and the order in
    which workers pick crystals. A crystal whose calculation fails
    (``CalculationFailed``, e.g. an SCF that does not converge) gets NaN and
    is listed in ``failed``; the others go on.

    Parameters
    ----------
    crystals : sequence of ase.Atoms
        Crystals made of whole copies of ``molecule``. For the ``file``
        calculator, crystal i is matched to frame ``info["frame_index"]`` of
        the file, or to frame i if it has no such key.
    calculator_spec : str or dict, optional
        A name, or ``{"name": name, **settings}`` (see :func:`make_calculator`).
    n_jobs : int, optional
        Worker processes (spawned); 1 computes here.
    molecule : ase.Atoms, optional
        The isolated molecule; see :func:`molecule_energy`.
    checkpoint : str or os.PathLike, optional
        A file of finished labels, one JSON line per crystal keyed by
        :func:`label_key` (structure, calculator settings, supercell spacing,
        threads), appended as crystals finish; a re-run reuses only entries
        whose key matches. Remove it once the labels are saved
        (:func:`save_labels` does).
    threads : int, optional
        OpenMP (and BLAS) threads per calculation, here (``threadpoolctl``)
        and in workers (``OMP_NUM_THREADS``). Not derived from ``n_jobs``,
        since the last bits of an energy depend on it.
    supercell_spacing : float, optional
        Å. None (default) labels the cell as it is (Gamma point only: for
        thin benzene cells tens of meV/atom too high). Not for the ``file``
        calculator.

    Returns
    -------
    dict
        ``energy``: (n_crystals,) float64, E_crystal in eV (the supercell's
        energy over its number of cells), NaN for a failed crystal;
        ``baselined_energy``: (n_crystals,) float64, meV/atom
        (:func:`baselined_energy`), NaN for a failed crystal;
        ``molecule_energy``: float, eV; ``repeats``: (n_crystals, 3) int64,
        the supercell of each crystal; ``failed``: list of ``{"index": i,
        "error": message}``, ascending; ``n_failed``: int.

    Raises
    ------
    ValueError
        For a bad spec or argument, or a crystal whose atom count is not a
        multiple of the molecule's (the message names the crystal).
    ase.calculators.calculator.CalculationFailed
        If the isolated molecule's calculation fails (nothing can be baselined).
    """
    name, settings = _parse_spec(calculator_spec)
    for label, value in (("n_jobs", n_jobs), ("threads", threads)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    if supercell_spacing and name == "file":
        raise ValueError("supercell_spacing does not apply to the 'file' calculator (its energies are given)")
    molecule = _default_molecule() if molecule is None else molecule
    crystals = list(crystals)
    n_atoms = np.array([len(atoms) for atoms in crystals], dtype=np.int64)
    for i, count in enumerate(n_atoms):
        if count == 0 or count % len(molecule):
            raise ValueError(f"crystal {i}: field 'numbers' has {count} atoms, not a multiple of {len(molecule)}")
    _check_spacing(supercell_spacing)

    spec = {"name": name, **settings}
    tasks, keys = [], []
    for i, atoms in enumerate(crystals):
        atoms = atoms.copy()
        if name == "file":
            atoms.info.setdefault(FRAME_INDEX_KEY, i)
        tasks.append((i, atoms))
        keys.append(label_key(atoms, spec, supercell_spacing, threads))
    done = _read_checkpoint(checkpoint) if checkpoint else {}
    results = {i: done[keys[i]] for i in range(len(crystals)) if keys[i] in done}
    tasks = [(i, atoms) for i, atoms in tasks if i not in results]

    with _Recorder(checkpoint) as record:
        if n_jobs == 1:
            from threadpoolctl import threadpool_limits

            if name == "tblite":
                import tblite.ase  # noqa: F401 -- load its OpenMP runtime so that the limit applies

            with threadpool_limits(limits=threads):
                reference = molecule_energy(spec, molecule)
                for i, atoms in tasks:
                    results[i] = _label_one(spec, atoms, f"crystal_{i}", supercell_spacing)
                    record(keys[i], i, results[i])
        else:
            pool = ProcessPoolExecutor(
                max_workers=n_jobs, mp_context=get_context("spawn"), initializer=_limit_threads, initargs=(threads,)
            )
            with pool:
                reference_future = pool.submit(molecule_energy, spec, molecule)
                futures = {
                    pool.submit(_label_one, spec, atoms, f"crystal_{i}", supercell_spacing): i for i, atoms in tasks
                }
                for future in as_completed(futures):
                    i = futures[future]
                    results[i] = future.result()
                    record(keys[i], i, results[i])
                reference = reference_future.result()

    energies = np.array([results[i]["energy"] for i in range(len(crystals))], dtype=np.float64)
    repeats = np.array([results[i]["repeats"] for i in range(len(crystals))], dtype=np.int64).reshape(-1, 3)
    failed = [{"index": i, "error": results[i]["error"]} for i in range(len(crystals)) if results[i]["error"]]
    return {
        "energy": energies,
        "baselined_energy": baselined_energy(energies, reference, n_atoms, len(molecule)),
        "molecule_energy": reference,
        "repeats": repeats,
        "failed": failed,
        "n_failed": len(failed),
    }


def save_labels(path, labels, n_atoms, checkpoint=None):
    """Write labels to ``.npz`` atomically, then delete the checkpoint they were built from.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.npz``: ``energy`` (eV), ``baselined_energy``
        (meV/atom), ``molecule_energy`` (eV), ``n_atoms``, ``repeats`` and
        ``labelled`` (bool, False for a failed crystal, whose energies are NaN).
    labels : dict
        The output of :func:`label_energies`.
    n_atoms : array_like of int
        Atoms per crystal.
    checkpoint : str or os.PathLike, optional
        Removed once ``path`` is in place, so that no checkpoint outlives
        the labels it produced.
    """
    from ...io import atomic_path

    energy = np.asarray(labels["energy"], dtype=np.float64)
    with atomic_path(path) as tmp:
        np.savez(
            tmp,
            energy=energy,
            baselined_energy=labels["baselined_energy"],
            molecule_energy=labels["molecule_energy"],
            n_atoms=np.asarray(n_atoms, dtype=np.int64),
            repeats=labels["repeats"],
            labelled=np.isfinite(energy),
        )
    if checkpoint is not None:
        Path(checkpoint).unlink(missing_ok=True)


def gather_labels(path, sources, failed):
    """Concatenate the ``.npz`` labels of shards, in order, into one file (atomically).

    Parameters
    ----------
    path : str or os.PathLike
        Destination, in the format of :func:`save_labels`.
    sources : sequence of str or os.PathLike
        The shards' ``.npz`` files, in the order of their crystals.
    failed : sequence of list
        Each shard's failures, ``[{"index": i, "error": message}, ...]`` with
        ``i`` counted within the shard (:func:`label_energies`).

    Returns
    -------
    dict
        The arrays written, plus ``failed``: the failures with ``index``
        counted in the gathered crystals, ascending.

    Raises
    ------
    ValueError
        If there is no shard, or the shards' isolated-molecule energies differ
        (their labels would be baselined differently), naming the shard.
    """
    from ...io import atomic_path

    if not sources:
        raise ValueError("no label shard to gather")
    shards = []
    for source in sources:
        with np.load(source) as data:
            shards.append({key: data[key] for key in data.files})
    reference = shards[0]["molecule_energy"]
    for source, shard in zip(sources, shards):
        if shard["molecule_energy"] != reference:
            raise ValueError(f"{source}: field 'molecule_energy' is {float(shard['molecule_energy'])!r} eV, "
                             f"not {float(reference)!r} as in {sources[0]}")
    labels = {key: np.concatenate([shard[key] for shard in shards]) for key in shards[0] if key != "molecule_energy"}
    labels["molecule_energy"] = reference
    with atomic_path(path) as tmp:
        np.savez(tmp, **{key: labels[key] for key in shards[0]})
    offsets = np.cumsum([0] + [len(shard["energy"]) for shard in shards])
    labels["molecule_energy"] = float(reference)
    labels["failed"] = [{"index": int(offset + entry["index"]), "error": entry["error"]}
                        for offset, entries in zip(offsets, failed) for entry in entries]
    return labels


# --------------------------------------------------------------------------- helpers


def _parse_spec(spec):
    """(name, settings) from a name or a {"name": ..., **settings} dict."""
    if isinstance(spec, str):
        name, settings = spec, {}
    else:
        settings = dict(spec)
        name = settings.pop("name", "tblite")
    if name not in CALCULATORS:
        raise ValueError(f"unknown calculator {name!r}; expected one of {', '.join(CALCULATORS)}")
    return name, settings


def _default_molecule():
    from .data import benzene_molecule

    return benzene_molecule()


def _energy(spec, atoms, label):
    """Energy (eV) of ``atoms`` with a calculator of its own (no SCF state is carried
    over from another structure); Quantum ESPRESSO runs in ``directory/label``. The
    ``file`` calculator, a stateless lookup, is read once per process and spec."""
    settings = dict(spec)
    name = settings.pop("name")
    if name == "espresso":
        settings["directory"] = Path(settings.get("directory", ".")) / label
    atoms = atoms.copy()
    if name == "file":
        key = json.dumps(settings, sort_keys=True, default=str)
        atoms.calc = _file_calculator(key, _file_sha256(settings.get("filename")))
    else:
        atoms.calc = make_calculator(name, **settings)
    return float(atoms.get_potential_energy())


@functools.lru_cache(maxsize=4)
def _file_calculator(settings, file_sha256):
    """The ``file`` calculator of JSON-encoded settings, read once per file content."""
    return make_calculator("file", **json.loads(settings))


def _label_one(spec, atoms, label, supercell_spacing):
    """{"energy", "repeats", "error"} of one crystal; a failed calculation is data, not an exception."""
    from ase.calculators.calculator import CalculationFailed

    if supercell_spacing:
        cell, repeats = labelling_supercell(atoms, supercell_spacing)
    else:
        cell, repeats = atoms, (1, 1, 1)
    try:
        energy = _energy(spec, cell, label) / int(np.prod(repeats))
    except CalculationFailed as error:
        message = " ".join(str(error).split()) or type(error).__name__
        return {"energy": float("nan"), "repeats": list(repeats), "error": f"{type(error).__name__}: {message}"}
    return {"energy": energy, "repeats": list(repeats), "error": None}


def _check_spacing(supercell_spacing):
    """ValueError unless supercell_spacing is None or a finite length >= 0."""
    if supercell_spacing is None:
        return
    if isinstance(supercell_spacing, bool) or not (np.isfinite(supercell_spacing) and supercell_spacing >= 0):
        raise ValueError(f"supercell_spacing must be a finite length >= 0 (Å) or None, got {supercell_spacing!r}")


def _limit_threads(threads):
    """Worker initializer: OpenMP and BLAS threads, set before tblite is imported."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)


def _file_sha256(filename):
    """SHA-256 of a file's content (None for no file); computed once per file version."""
    if filename is None:
        return None
    status = os.stat(filename)
    return _sha256_of(os.path.abspath(filename), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=8)
def _sha256_of(filename, mtime_ns, size):
    """SHA-256 of a file's content (:func:`anisoap_pipeline.io.file_sha256`); the modification time and
    size key the cache."""
    from ...io import file_sha256

    return file_sha256(filename)


def _stored_energy(frame):
    """Energy (eV) of a frame read from file: calculator results, then info."""
    if frame.calc is not None and "energy" in frame.calc.results:
        return float(frame.calc.results["energy"])
    if "energy" in frame.info:
        return float(frame.info["energy"])
    return None


def _check_same_structure(atoms, reference, tolerance, where):
    """ValueError unless atoms and reference coincide modulo lattice vectors."""
    if len(atoms) != len(reference) or np.any(atoms.numbers != reference.numbers):
        raise ValueError(
            f"crystal: field 'numbers' ({atoms.get_chemical_formula()}) does not match {where} "
            f"({reference.get_chemical_formula()})"
        )
    if not np.allclose(atoms.cell.array, reference.cell.array, atol=tolerance):
        raise ValueError(f"crystal: field 'cell' does not match {where}")
    offsets = reference.cell.scaled_positions(atoms.positions) - reference.get_scaled_positions(wrap=False)
    offsets = (offsets - np.round(offsets)) @ reference.cell.array
    worst = np.linalg.norm(offsets, axis=1).max(initial=0.0)
    if worst > tolerance:
        raise ValueError(f"crystal: field 'positions' differs from {where} by up to {worst:.3g} Å")


def _espresso(pseudo_dir=None, command=ESPRESSO_DEFAULTS["command"], directory=".", input_data=None, **settings):
    """Quantum ESPRESSO calculator with the paper's settings, or a clear error."""
    from ase.calculators.espresso import Espresso, EspressoProfile

    words = shlex.split(command)
    executable = next((word for word in words if os.path.basename(word) == "pw.x"), words[0] if words else "pw.x")
    if shutil.which(executable) is None:
        raise FileNotFoundError(
            f"calculator 'espresso': Quantum ESPRESSO's executable {executable!r} (command {command!r}) "
            "was not found. Install Quantum ESPRESSO (e.g. `conda install -c conda-forge qe` or "
            "`apt install quantum-espresso`) and put pw.x on PATH, or set the setting 'command' to "
            "its full path (e.g. 'mpirun -np 4 /opt/qe/bin/pw.x'); or use calculator 'tblite'."
        )
    if pseudo_dir is None:
        raise ValueError(
            "calculator 'espresso' needs the setting 'pseudo_dir': the folder of the SSSP "
            "efficiency pseudopotentials (https://www.materialscloud.org/discover/sssp)"
        )
    pseudopotentials = settings.pop("pseudopotentials", ESPRESSO_DEFAULTS["pseudopotentials"])
    for element, filename in pseudopotentials.items():
        if not (Path(pseudo_dir) / filename).is_file():
            raise FileNotFoundError(
                f"calculator 'espresso': pseudopotential {filename!r} for {element} is not in "
                f"pseudo_dir {os.fspath(pseudo_dir)!r}; download SSSP efficiency or set 'pseudopotentials'"
            )
    sections = {key: dict(value) for key, value in ESPRESSO_DEFAULTS["input_data"].items()}
    for key, value in (input_data or {}).items():
        sections.setdefault(key, {}).update(value)
    return Espresso(
        profile=EspressoProfile(command=command, pseudo_dir=os.fspath(pseudo_dir)),
        directory=directory,
        input_data=sections,
        pseudopotentials=pseudopotentials,
        kpts=settings.pop("kpts", ESPRESSO_DEFAULTS["kpts"]),
        **settings,
    )


def _read_checkpoint(path):
    """{key: result} from a checkpoint file; a torn line or an entry of another format is ignored."""
    path = Path(path)
    done = {}
    if not path.exists():
        return done
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
            done[str(entry["key"])] = {
                "energy": float("nan") if entry["energy"] is None else float(entry["energy"]),
                "repeats": [int(n) for n in entry["repeats"]],
                "error": entry["error"],
            }
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue  # an interrupted write, or a line that cannot be trusted: recompute
    return done


class _Recorder:
    """Append one JSON line per finished crystal to the checkpoint, if any."""

    def __init__(self, path):
        self.path = path
        self.stream = None

    def __enter__(self):
        if self.path:
            self.stream = open(self.path, "a")  # closed in __exit__
        return self

    def __call__(self, key, index, result):
        if self.stream is not None:
            energy = result["energy"] if np.isfinite(result["energy"]) else None
            entry = {"key": key, "index": int(index), "energy": energy, "repeats": result["repeats"],
                     "error": result["error"]}
            self.stream.write(json.dumps(entry) + "\n")
            self.stream.flush()

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream.close()
