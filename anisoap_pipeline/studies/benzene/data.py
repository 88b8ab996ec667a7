"""Benzene crystals: rigid molecules packed by PyXtal across the 230 space groups.

The AniSOAP paper's benzene dataset (Lin et al., J. Chem. Phys. 161, 074112
(2024), Sec. III C) is built in two steps, reproduced here:

1. symmetry-constrained crystals of planar, rigid benzene from PyXtal across
   all 230 space groups;
2. augmentation by randomly rotating *or* translating the molecules of a
   crystal: an augmented copy shares the *positions* (rotated) or the
   *orientations* (translated) of its original's molecules. The amplitudes
   (30 degrees, 0.5 Å by default; the paper gives none) are small because
   PyXtal's packings are dense: one draw of independent rotations up to
   30 degrees is free of short contacts in ~30 % of crystals, up to 180
   degrees in ~7 %; translations up to 0.5 Å in ~27 %, up to 1 Å in ~10 %.

PyXtal places Z molecules in the conventional cell of a space group; Z must
be the multiplicity of a Wyckoff position the molecule fits. By default the
candidates for a group are its distinct Wyckoff multiplicities up to
``max_molecules`` (8, i.e. at most 96 atoms, so that tight binding stays
fast). A special position needs a site symmetry that benzene's D6h
contains in an orientation PyXtal finds (e.g. -1, as in the real Pbca
crystal); otherwise PyXtal raises ``Symm_CompatibilityError``. Such draws, and every other PyXtal failure, are
skipped and counted, never raised.

:func:`augment_crystals` makes the augmentation of the issue-14 experiment
instead: every crystal followed by several rotated and translated copies,
each tagged with its original (``info["group"]``) for grouped splits.

Every configuration, augmented or not, is rejected if two atoms of different
molecules (or of a molecule and its own periodic image) come closer than
:data:`MIN_CONTACTS`; these thresholds are also PyXtal's tolerance matrix,
so that PyXtal itself places molecules no closer.

Randomness: crystal ``i`` of a dataset with seed ``s`` draws everything
(space group, Z, PyXtal's structure over its successive attempts, its
augmented copy) from its own generator ``numpy.random.default_rng([s, i])``,
passed to PyXtal as ``random_state``; copy ``c`` of :func:`augment_crystals`
draws from ``default_rng([s, i, c])``. A crystal is therefore reproduced,
given the same arguments, by its ``info["seed"]`` and ``info["index"]``,
independently of global random state and of the other crystals, so that
shards of a dataset (:mod:`anisoap_pipeline.shards`) gather to the same file
whatever their size.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections import Counter

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list
from scipy.spatial.transform import Rotation

from .calculators import plane_spacings
from .coarse_grain import find_molecules
from ...shards import check_items

__all__ = [
    "ATOMS_PER_MOLECULE",
    "MAX_PLACEMENTS",
    "MIN_CONTACTS",
    "augment_crystals",
    "benzene_molecule",
    "compatible_z",
    "generate_crystals",
    "shortest_contacts",
]

#: Atoms in one benzene molecule, C6H6.
ATOMS_PER_MOLECULE = 12

#: Shortest accepted intermolecular distance (Å) per element pair, between
#: the minimum and the 1st percentile of the per-crystal shortest contacts of
#: the 999 real PBE-TS crystals (H···H 1.32 / 1.47, C···H 1.75 / 2.01,
#: C···C 2.43 / 2.67 Å), so that generated crystals span strained as well as
#: relaxed packings, as the real ones do, without atoms on top of each other.
#: All exceed the bond cutoffs of
#: :data:`anisoap_pipeline.studies.benzene.coarse_grain.BOND_CUTOFFS`, so an accepted crystal
#: always splits into whole molecules.
MIN_CONTACTS = {("H", "H"): 1.5, ("C", "H"): 1.9, ("C", "C"): 2.6}

#: Default PyXtal placement budget per attempt (see :func:`generate_crystals`).
#: Of 71 attempts of the default study (seed 0, Z <= 4), 22 were incompatible,
#: 42 found a crystal within 4 placements, 1 within 10, 4 needed 31-94, and 2
#: had none after 150; a placement takes ~0.1-1.5 s. 10 keeps the cost of the
#: hard groups close to that of the former 10 s wall-clock limit.
MAX_PLACEMENTS = 10

_AUGMENTATIONS = ("rotate", "translate")


def benzene_molecule():
    """PyXtal's rigid benzene, the molecule of every generated crystal.

    Returns
    -------
    ase.Atoms
        C6H6 (C–C 1.395 Å, C–H 1.086 Å), centre of mass at the origin, no
        cell, not periodic. The isolated-molecule reference for baselined
        energies (:mod:`anisoap_pipeline.studies.benzene.calculators`).
    """
    from pyxtal.molecule import pyxtal_molecule

    molecule = pyxtal_molecule("benzene").mol
    atoms = Atoms(
        symbols=[str(site.specie) for site in molecule],
        positions=np.array(molecule.cart_coords),
    )
    atoms.positions -= atoms.get_center_of_mass()
    return atoms


@functools.cache
def compatible_z(space_group, max_molecules=8):
    """Candidate numbers of molecules per conventional cell of a space group.

    Parameters
    ----------
    space_group : int
        International number, 1-230.
    max_molecules : int, optional
        Largest Z kept.

    Returns
    -------
    tuple of int
        The distinct Wyckoff multiplicities of the group (conventional cell)
        not above ``max_molecules``, ascending; the last of the group's list
        is its general position. Empty if even the smallest exceeds the cap.

    Raises
    ------
    ValueError
        If ``space_group`` is not an integer in 1-230.
    """
    from pyxtal.symmetry import Group

    if isinstance(space_group, bool) or not isinstance(space_group, (int, np.integer)) or not 1 <= space_group <= 230:
        raise ValueError(f"space_group must be an integer in 1-230, got {space_group!r}")
    multiplicities = {wp.multiplicity for wp in Group(int(space_group)).Wyckoff_positions}
    return tuple(sorted(m for m in multiplicities if m <= max_molecules))


def shortest_contacts(atoms, cutoff=4.0, molecule=None, unwrapped=None):
    """Shortest intermolecular distance per element pair.

    Two atoms are intermolecular if they belong to different molecules, or
    to one molecule and one of its periodic images.

    Parameters
    ----------
    atoms : ase.Atoms
    cutoff : float, optional
        Search radius (Å); pairs with no contact within it are absent.
    molecule, unwrapped : numpy.ndarray, optional
        Output of :func:`anisoap_pipeline.studies.benzene.coarse_grain.find_molecules`;
        computed when not given.

    Returns
    -------
    dict
        ``{(symbol_a, symbol_b): distance}`` with the symbols sorted, Å.
    """
    if molecule is None or unwrapped is None:
        molecule, unwrapped = find_molecules(atoms)
    first, second, distances, vectors = neighbor_list("ijdD", atoms, cutoff)
    same_copy = (molecule[first] == molecule[second]) & (
        np.abs(unwrapped[second] - unwrapped[first] - vectors).max(axis=1) < 1e-6
    )
    symbols = np.array(atoms.get_chemical_symbols())
    shortest = {}
    for i, j, distance in zip(first[~same_copy], second[~same_copy], distances[~same_copy]):
        pair = tuple(sorted((str(symbols[i]), str(symbols[j]))))
        if distance < shortest.get(pair, np.inf):
            shortest[pair] = float(distance)
    return shortest


def generate_crystals(
    n_crystals,
    seed,
    space_groups=range(1, 231),
    z_values=None,
    max_molecules=8,
    max_attempts=50,
    min_contact=None,
    volume_factor=(0.7, 0.9),
    augment_fraction=0.5,
    max_rotation=30.0,
    max_translation=0.5,
    augment_tries=10,
    max_placements=MAX_PLACEMENTS,
    min_plane_spacing=None,
    items=None,
):
    """Random rigid-benzene crystals and augmented copies, short contacts rejected.

    Crystal ``i`` (``i`` in ``items``) is sought by up to ``max_attempts``
    attempts drawing from its own generator (module docstring). Each attempt draws a space group uniformly from ``space_groups``, Z
    uniformly from its candidates and a volume factor, and asks PyXtal for a
    crystal (``pyxtal(molecular=True).from_random(3, group, ["benzene"], [Z])``)
    whose intermolecular distances respect ``min_contact`` (passed to PyXtal
    as its tolerance matrix, and checked again). With probability
    ``augment_fraction`` an augmented copy follows the crystal: either
    *rotated* (every molecule turned about its centre of mass, about a
    uniformly random axis, by an angle uniform in [0, ``max_rotation``]
    degrees: same positions, new orientations) or *translated* (every molecule
    moved by a vector uniform in the ball of radius ``max_translation`` Å:
    same orientations, new positions), the mode drawn with equal odds. A copy
    with a short contact is drawn again, up to ``augment_tries`` times.
    A crystal without success in ``max_attempts`` attempts is left out and
    counted (``no_crystal``).

    No clock decides anything: an attempt is cut off after ``max_placements``
    of PyXtal's trial placements of the molecules, a count, so the crystals
    are the same on an idle or a loaded machine (a wall-clock limit made
    them depend on the load).

    Parameters
    ----------
    n_crystals : int
        Number of crystals of the dataset (originals; each may be followed by
        an augmented copy).
    seed : int
        Seed of the dataset; see the module docstring.
    space_groups : iterable of int, optional
        International numbers to draw from; all 230 by default.
    z_values : iterable of int, optional
        Candidate Z for every group, instead of :func:`compatible_z` (PyXtal
        may then combine Wyckoff positions). Values above ``max_molecules``
        are dropped.
    max_molecules : int, optional
        Largest Z, so at most ``12 * max_molecules`` atoms per cell.
    max_attempts : int, optional
        Attempts per crystal, default 50 (of the default study's draws, one
        attempt in three fails).
    min_contact : float or dict, optional
        Shortest accepted intermolecular distance (Å): one value for every
        element pair, or ``{(symbol, symbol): distance}``. Default
        :data:`MIN_CONTACTS`.
    volume_factor : float or (float, float), optional
        PyXtal's ``factor``: cell volume over PyXtal's estimate from the
        molecular volume, fixed or drawn uniformly from a range per attempt.
        For benzene 0.7 gives 123 Å^3 per molecule, 0.9 gives 158 Å^3 (the
        real PBE-TS crystals span 97-123 Å^3; PyXtal's default 1.1 gives a
        loose 193 Å^3).
    augment_fraction : float, optional
        Probability that a crystal is followed by an augmented copy.
    max_rotation : float, optional
        Degrees, see above.
    max_translation : float, optional
        Å, see above.
    augment_tries : int, optional
        Draws of an augmented copy before giving up on it.
    max_placements : int, optional
        Trial placements of all molecules in a cell (calls of PyXtal's
        ``molecular_crystal._set_coords``, each a full try of the Wyckoff
        sites and orientations) allowed per attempt, over PyXtal's own
        lattice and ``max_count`` retries (up to 10 x 40 x 30 of them, hours
        for some groups). An attempt over budget is counted as
        ``placement_budget``. See :data:`MAX_PLACEMENTS`.
    min_plane_spacing : float, optional
        Å. Reject crystals whose (Niggli-reduced) cell has a plane spacing
        below this (:func:`anisoap_pipeline.studies.benzene.calculators.plane_spacings`),
        counted as ``thin_cell``: thin cells need large supercells for
        converged tight-binding labels. None keeps every cell.
    items : range or [start, stop], optional
        The crystals to make, a sub-range of ``range(n_crystals)`` (a shard);
        default all.

    Returns
    -------
    crystals : list of ase.Atoms
        Periodic crystals of 12 Z atoms; atoms 12k to 12k + 11 form molecule
        k; positions wrapped into the cell. ``info``: ``space_group`` (int),
        ``Z`` (int), ``wyckoff`` (PyXtal's sites, e.g. "4e"),
        ``volume_factor``, ``augmentation`` ("none", "rotate" or
        "translate"), ``seed`` and ``index`` (together they reproduce the
        crystal), ``attempt`` (of the crystal's attempts, the successful one).
    counts : dict
        ``attempts``; ``no_crystal`` (crystals left out after
        ``max_attempts``); ``accepted`` (crystals from PyXtal kept) and
        ``augmented`` (augmented copies kept); and per reason of rejection:
        ``no_z`` (group without a candidate Z), ``symmetry_incompatible``
        (PyXtal's ``Symm_CompatibilityError``: the molecule does not fit the
        site symmetry), ``pyxtal_<ExceptionName>`` (any other PyXtal failure),
        ``placement_budget``, ``thin_cell``, ``close_contact`` (despite PyXtal's check), and
        ``augmentation_clash`` (no augmented copy without a short contact).

    Raises
    ------
    ValueError
        For invalid arguments (never for a failed attempt).
    """
    low, high = _check_arguments(
        n_crystals, max_molecules, volume_factor, augment_fraction, max_rotation, max_translation, augment_tries
    )
    space_groups = [int(group) for group in space_groups]
    if not space_groups:
        raise ValueError("space_groups is empty")
    for group in space_groups:
        compatible_z(group)  # validates the number
    if z_values is not None:
        z_values = tuple(sorted({int(z) for z in z_values if 1 <= int(z) <= max_molecules}))
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, (int, np.integer)) or max_attempts < 1:
        raise ValueError(f"max_attempts must be an integer >= 1, got {max_attempts!r}")
    thresholds = _thresholds(MIN_CONTACTS if min_contact is None else min_contact)

    crystals, counts = [], Counter()
    for index in check_items(items, n_crystals):
        rng = np.random.default_rng([seed, index])
        for attempt in range(max_attempts):
            counts["attempts"] += 1
            group = space_groups[rng.integers(len(space_groups))]
            candidates = compatible_z(group, max_molecules) if z_values is None else z_values
            if not candidates:
                counts["no_z"] += 1
                continue
            z = int(candidates[rng.integers(len(candidates))])
            factor = float(rng.uniform(low, high))
            crystal, reason = _pyxtal_crystal(group, z, factor, thresholds, max_placements, rng)
            if crystal is not None and min_plane_spacing and plane_spacings(crystal).min() < min_plane_spacing:
                crystal, reason = None, "thin_cell"
            if crystal is None:
                counts[reason] += 1
                continue
            break
        else:
            counts["no_crystal"] += 1
            continue
        crystal.info.update(space_group=group, Z=z, volume_factor=factor, augmentation="none")
        batch = [crystal]
        counts["accepted"] += 1
        if rng.random() < augment_fraction:
            mode = _AUGMENTATIONS[rng.integers(2)]
            for _ in range(augment_tries):
                augmented = _augment(crystal, mode, rng, max_rotation, max_translation)
                if _acceptable(augmented, thresholds):
                    augmented.info["augmentation"] = mode
                    batch.append(augmented)
                    counts["augmented"] += 1
                    break
            else:
                counts["augmentation_clash"] += 1
        for atoms in batch:
            atoms.wrap()
            atoms.info.update(seed=seed, index=index, attempt=attempt)
            crystals.append(atoms)
    return crystals, dict(counts)


def augment_crystals(
    crystals,
    seed,
    n_rotated=3,
    n_translated=1,
    max_rotation=30.0,
    max_translation=0.5,
    min_contact=None,
    augment_tries=10,
    groups=None,
):
    """Each crystal followed by rotated and translated copies, all tagged with their original.

    The issue-14 experiment's augmentation: ``n_rotated`` copies in which
    every molecule is turned about its centre of mass and ``n_translated``
    copies in which every molecule is moved, drawn as in
    :func:`generate_crystals` (same positions or same orientations as the
    original; the paper augments by rotating or translating the molecules).
    A copy with a short contact is drawn again, up to ``augment_tries`` times,
    then dropped and counted. Every crystal gets ``info["group"]``, the
    number of its original (``groups``), so that a grouped split can keep all
    copies of a crystal on one side (e.g. ``sklearn.model_selection.GroupShuffleSplit``).

    Parameters
    ----------
    crystals : sequence of ase.Atoms
        Originals made of whole, contiguous 12-atom benzene molecules (as
        :func:`generate_crystals` returns them).
    seed : int
        Copy ``c`` of the original of group ``g`` draws from
        ``numpy.random.default_rng([seed, g, c])``: the copies of a crystal do
        not depend on the other crystals.
    n_rotated, n_translated : int, optional
        Copies per original (paper-like default: 3 and 1).
    max_rotation : float, optional
        Degrees, in [0, 180].
    max_translation : float, optional
        Å, >= 0.
    min_contact : float or dict, optional
        As in :func:`generate_crystals`; default :data:`MIN_CONTACTS`.
    augment_tries : int, optional
    groups : sequence of int, optional
        Number of each original in its dataset (its ``info["index"]`` from
        :func:`generate_crystals`, whichever shard made it); default
        ``0, 1, ...``, the positions in ``crystals``.

    Returns
    -------
    augmented : list of ase.Atoms
        Original i, then its copies, for i = 0, 1, ...; positions wrapped.
        ``info``: the original's, plus ``group`` (int), ``augmentation``
        ("none", "rotate" or "translate") and ``copy`` (0 for the original,
        then 1, 2, ...).
    counts : dict
        ``originals``, ``rotate``, ``translate`` (copies kept) and
        ``augmentation_clash`` (copies dropped).

    Raises
    ------
    ValueError
        For invalid arguments, or a crystal that is not whole 12-atom molecules
        (the message names it).
    """
    for name, value, minimum in (("n_rotated", n_rotated, 0), ("n_translated", n_translated, 0),
                                 ("augment_tries", augment_tries, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    _check_arguments(0, 1, 1.0, 0.0, max_rotation, max_translation, augment_tries)
    thresholds = _thresholds(MIN_CONTACTS if min_contact is None else min_contact)
    modes = ["rotate"] * n_rotated + ["translate"] * n_translated
    crystals = list(crystals)
    groups = range(len(crystals)) if groups is None else [int(group) for group in groups]
    if len(groups) != len(crystals):
        raise ValueError(f"groups has {len(groups)} entries for {len(crystals)} crystals")
    augmented, counts = [], Counter()
    for i, (group, original) in enumerate(zip(groups, crystals)):
        try:
            molecule, unwrapped = find_molecules(original)
        except ValueError:
            molecule = None
        if molecule is None or np.any(molecule != np.arange(len(original)) // ATOMS_PER_MOLECULE):
            raise ValueError(f"crystal {i}: field 'positions' does not form 12-atom molecules 12k..12k+11")
        whole = Atoms(original.numbers, positions=unwrapped, cell=original.cell, pbc=True)
        first = original.copy()
        first.info.update(group=group, copy=0, augmentation="none")
        augmented.append(first)
        counts["originals"] += 1
        for c, mode in enumerate(modes, start=1):
            rng = np.random.default_rng([seed, group, c])
            for _ in range(augment_tries):
                copy = _augment(whole, mode, rng, max_rotation, max_translation)
                if _acceptable(copy, thresholds):
                    copy.wrap()
                    copy.info = {**original.info, "group": group, "copy": c, "augmentation": mode}
                    augmented.append(copy)
                    counts[mode] += 1
                    break
            else:
                counts["augmentation_clash"] += 1
    return augmented, dict(counts)


def _pyxtal_crystal(group, z, factor, thresholds, max_placements, rng):
    """(crystal with whole, contiguous molecules, None) or (None, reason)."""
    from pyxtal import pyxtal
    from pyxtal.msg import Symm_CompatibilityError
    from pyxtal.tolerance import Tol_matrix

    tolerances = Tol_matrix(*((a, b, d) for (a, b), d in thresholds.items()), prototype="molecular")
    try:
        with _placement_budget(max_placements), contextlib.redirect_stdout(io.StringIO()):
            structure = pyxtal(molecular=True)
            structure.from_random(3, group, ["benzene"], [z], factor=factor, tm=tolerances, random_state=rng)
            atoms = structure.to_ase(resort=False)
            wyckoff = "".join(f"{site.wp.multiplicity}{site.wp.letter}" for site in structure.mol_sites)
    except _OverBudget:
        return None, "placement_budget"
    except Symm_CompatibilityError:
        return None, "symmetry_incompatible"
    except Exception as error:  # noqa: BLE001 -- PyXtal raises many kinds; count them all
        return None, f"pyxtal_{type(error).__name__}"
    atoms = _whole_molecules(Atoms(atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=True))
    if atoms is None or not _acceptable(atoms, thresholds):
        return None, "close_contact"
    atoms.info["wyckoff"] = wyckoff
    return atoms, None


def _acceptable(atoms, thresholds):
    """True if molecules are whole 12-atom units 12k..12k+11 with no short contact."""
    try:
        molecule, unwrapped = find_molecules(atoms)
    except ValueError:  # a molecule bonded to its own image: a clash
        return False
    if np.any(molecule != np.arange(len(atoms)) // ATOMS_PER_MOLECULE):
        return False
    contacts = shortest_contacts(atoms, max(thresholds.values()), molecule, unwrapped)
    return all(distance >= thresholds.get(pair, 0.0) for pair, distance in contacts.items())


class _OverBudget(Exception):
    """An attempt used up its PyXtal placements."""


@contextlib.contextmanager
def _placement_budget(limit):
    """Raise _OverBudget in the block at PyXtal's placement number ``limit + 1``.

    Counts calls of ``pyxtal.molecular_crystal.molecular_crystal._set_coords``
    (PyXtal 1.1.5), patched on the class for the duration of the block: not
    thread-safe, one generation per process at a time.
    """
    from pyxtal.molecular_crystal import molecular_crystal

    original = molecular_crystal._set_coords
    count = 0

    def counted(self):
        nonlocal count
        count += 1
        if count > limit:
            raise _OverBudget
        return original(self)

    molecular_crystal._set_coords = counted
    try:
        yield
    finally:
        molecular_crystal._set_coords = original


def _whole_molecules(atoms):
    """Atoms reordered so that molecule k is atoms 12k..12k+11, each whole."""
    try:
        molecule, unwrapped = find_molecules(atoms)
    except ValueError:
        return None
    if np.any(np.bincount(molecule) != ATOMS_PER_MOLECULE):
        return None
    order = np.argsort(molecule, kind="stable")
    return Atoms(atoms.numbers[order], positions=unwrapped[order], cell=atoms.cell, pbc=True)


def _augment(atoms, mode, rng, max_rotation, max_translation):
    """Rotate or translate every (whole, contiguous) molecule independently."""
    positions = atoms.positions.reshape(-1, ATOMS_PER_MOLECULE, 3)
    masses = atoms.get_masses().reshape(-1, ATOMS_PER_MOLECULE)
    centres = np.einsum("ka,kax->kx", masses, positions) / masses.sum(axis=1, keepdims=True)
    n_molecules = len(positions)
    if mode == "rotate":
        axes = rng.normal(size=(n_molecules, 3))
        axes /= np.linalg.norm(axes, axis=1, keepdims=True)
        angles = np.deg2rad(max_rotation) * rng.random(n_molecules)
        rotations = Rotation.from_rotvec(axes * angles[:, None]).as_matrix()
        positions = centres[:, None] + np.einsum("kxy,kay->kax", rotations, positions - centres[:, None])
    else:
        directions = rng.normal(size=(n_molecules, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        lengths = max_translation * rng.random(n_molecules) ** (1 / 3)  # uniform in the ball
        positions = positions + (directions * lengths[:, None])[:, None]
    augmented = atoms.copy()
    augmented.positions = positions.reshape(-1, 3)
    return augmented


def _thresholds(min_contact):
    """{(symbol, symbol) sorted: distance} from a float or a mapping."""
    if isinstance(min_contact, dict):
        return {tuple(sorted(pair)): float(value) for pair, value in min_contact.items()}
    value = float(min_contact)
    return {pair: value for pair in (("C", "C"), ("C", "H"), ("H", "H"))}


def _check_arguments(
    n_crystals, max_molecules, volume_factor, augment_fraction, max_rotation, max_translation, augment_tries
):
    """Validate generate_crystals' arguments; return the volume factor range."""
    for name, value, minimum in (
        ("n_crystals", n_crystals, 0),
        ("max_molecules", max_molecules, 1),
        ("augment_tries", augment_tries, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    low, high = np.broadcast_to(np.asarray(volume_factor, dtype=float), (2,))
    if not 0 < low <= high:
        raise ValueError(f"volume_factor must be a number > 0 or a range (low, high), got {volume_factor!r}")
    if not 0 <= augment_fraction <= 1:
        raise ValueError(f"augment_fraction must be in [0, 1], got {augment_fraction!r}")
    if not 0 <= max_rotation <= 180:
        raise ValueError(f"max_rotation must be in [0, 180] degrees, got {max_rotation!r}")
    if not max_translation >= 0:
        raise ValueError(f"max_translation must be >= 0 (Å), got {max_translation!r}")
    return float(low), float(high)
