"""Coarse-graining of molecular crystals into ellipsoid frames.

Each molecule becomes one ellipsoid (paper Sec. III C, Fig. 4): centred at the
molecule's centre of mass, its body axes along the principal axes of the
molecule's mass-weighted gyration tensor, its shape (the diameters) a
hyperparameter of the state point, e.g. (4, 4, 0.5) Å for benzene.

Molecules are found from bonds, across periodic boundaries, and made whole by
walking the bond graph outward from one atom, adding each bond vector (bonds are
much shorter than any cell-plane spacing, so their images are unambiguous).
Placing each atom at the minimum image of one atom of its molecule is *not*
enough: in the real benzene crystals the smallest cell-plane spacing (~5 Å) is
less than twice the C···C diameter of the ring (2.8 Å), and that shortcut
misplaces whole molecules (centres off by up to 0.9 Å).

Bonds are decided per element pair (:data:`BOND_CUTOFFS`): the real PBE-TS
benzene crystals contain strongly distorted molecules and very close
contacts, so no single distance separates bonds from contacts there
(C–C bonds up to 1.82 Å, C–H bonds up to 1.42 Å, but intermolecular H···H
down to 1.32 Å and C···H down to 1.75 Å).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from ase import Atoms
from ase.geometry import wrap_positions
from ase.neighborlist import neighbor_list
from ase.outputs import all_outputs
from scipy.spatial.transform import Rotation

from ...frames import canonicalize

__all__ = [
    "BOND_CUTOFFS",
    "ELLIPSOID_NUMBER",
    "coarse_grain",
    "coarse_grain_frames",
    "find_molecules",
    "principal_axes",
]

#: Largest bonded distance (Å) per element pair; pairs not listed never bond.
#: Chosen on the 999 real PBE-TS benzene crystals: bonds there reach
#: C–C 1.82 Å and C–H 1.42 Å, while the nearest non-bonded C···C is 2.15 Å
#: (across the ring) and the nearest intermolecular C···H is 1.75 Å.
#: H–H is never a bond in a hydrocarbon (H···H contacts go down to 1.33 Å).
BOND_CUTOFFS = {("C", "C"): 2.0, ("C", "H"): 1.6}

#: Atomic number given to every ellipsoid: 0, the dummy species "X" of ASE,
#: as in the AniSOAP paper's coarse-grained benzene file.
ELLIPSOID_NUMBER = 0

# Tolerance (Å) when checking that two bond paths put an atom at one place.
_UNWRAP_TOLERANCE = 1e-6


def find_molecules(atoms, bond_cutoff=None, index=0):
    """Molecules of a (periodic) configuration, each made whole.

    Parameters
    ----------
    atoms : ase.Atoms
        N atoms; periodic (all pbc True) or not.
    bond_cutoff : None, float or mapping, optional
        Largest bonded distance in Å: one float for every element pair, or a
        mapping ``{(symbol_or_number, symbol_or_number): cutoff}`` (pairs not
        listed never bond). Default :data:`BOND_CUTOFFS`.
    index : int, optional
        Position of the frame in its collection, for error messages.

    Returns
    -------
    molecule : numpy.ndarray of shape (N,), int64
        Molecule index of each atom; molecules are numbered in the order of
        their lowest atom index.
    unwrapped : numpy.ndarray of shape (N, 3), float64
        Positions (Å) with every molecule whole: the lowest-index atom of each
        molecule stays where it is, the others are placed by walking bonds.

    Raises
    ------
    ValueError
        If a molecule is bonded to its own periodic image (an infinite chain
        or network, or a cell too small for the cutoff), or pbc is mixed.
    """
    n = len(atoms)
    pbc = np.asarray(atoms.pbc, dtype=bool)
    if pbc.any() and not pbc.all():
        raise ValueError(f"frame {index}: field 'pbc' is {pbc.tolist()}; expected all True or all False")
    cutoff = BOND_CUTOFFS if bond_cutoff is None else bond_cutoff
    if isinstance(cutoff, Mapping):
        cutoff = dict(cutoff)
    first, second, vectors = neighbor_list("ijD", atoms, cutoff)

    bonds = [[] for _ in range(n)]
    for i, j, vector in zip(first.tolist(), second.tolist(), vectors):
        bonds[i].append((j, vector))

    molecule = np.full(n, -1, dtype=np.int64)
    unwrapped = np.array(atoms.positions, dtype=np.float64)
    count = 0
    for root in range(n):
        if molecule[root] >= 0:
            continue
        molecule[root] = count
        stack = [root]
        while stack:
            i = stack.pop()
            for j, vector in bonds[i]:
                position = unwrapped[i] + vector
                if molecule[j] < 0:
                    molecule[j] = count
                    unwrapped[j] = position
                    stack.append(j)
                elif np.abs(unwrapped[j] - position).max() > _UNWRAP_TOLERANCE:
                    raise ValueError(
                        f"frame {index}: field 'positions': molecule {count} (atoms "
                        f"{i} and {j}) is bonded to its own periodic image; it is "
                        "infinite, or the bond cutoff is too long for this cell"
                    )
        count += 1
    return molecule, unwrapped


def principal_axes(positions, masses):
    """Body -> lab rotation of a molecule from its gyration tensor.

    The mass-weighted gyration tensor ``G = sum_a m_a d_a d_a^T / sum_a m_a``
    (``d_a`` the position relative to the centre of mass) is diagonalised;
    body x is the axis of largest spread, body z the axis of smallest spread
    (the ring normal of a planar molecule). Signs are fixed so that each of x
    and y has its largest-magnitude component positive, and ``z = x × y``,
    so the frame is right-handed (det +1). The in-plane axes of a molecule
    with D6h symmetry are degenerate and hence arbitrary in the plane.

    Parameters
    ----------
    positions : array_like of shape (n, 3)
        Positions of one whole (unwrapped) molecule, Å.
    masses : array_like of shape (n,)
        Atomic masses.

    Returns
    -------
    centre : numpy.ndarray of shape (3,)
        Centre of mass, Å.
    rotation : numpy.ndarray of shape (3, 3)
        Columns are body x, y, z in lab coordinates (body -> lab).
    """
    positions = np.asarray(positions, dtype=np.float64)
    masses = np.asarray(masses, dtype=np.float64)
    centre = masses @ positions / masses.sum()
    offsets = positions - centre
    gyration = (offsets * masses[:, None]).T @ offsets / masses.sum()
    _, vectors = np.linalg.eigh(gyration)  # ascending eigenvalues
    x, y = vectors[:, 2], vectors[:, 1]
    x = x * np.sign(x[np.argmax(np.abs(x))])
    y = y * np.sign(y[np.argmax(np.abs(y))])
    return centre, np.column_stack([x, y, np.cross(x, y)])


def coarse_grain(atoms, diameters, bond_cutoff=None, atoms_per_molecule=None, index=0):
    """One ellipsoid per molecule: the ellipsoid frame of a molecular crystal.

    Parameters
    ----------
    atoms : ase.Atoms
        N atoms of a molecular crystal (or cluster).
    diameters : sequence of 3 floats
        Full diameters (Å) along body x, y, z, given to every ellipsoid, e.g.
        ``(4.0, 4.0, 0.5)`` for an oblate benzene whose short axis is the ring
        normal.
    bond_cutoff : None, float or mapping, optional
        See :func:`find_molecules`.
    atoms_per_molecule : int, optional
        If given (12 for benzene), every molecule must have this many atoms.
    index : int, optional
        Position of the frame in its collection, for error messages.

    Returns
    -------
    ase.Atoms
        A canonical ellipsoid frame (:mod:`anisoap_pipeline.frames`) with one
        particle per molecule, in molecule order of :func:`find_molecules`:
        positions the centres of mass wrapped into the cell, numbers
        :data:`ELLIPSOID_NUMBER`, ``c_q`` (w, x, y, z, body -> lab, w >= 0) from
        :func:`principal_axes`, ``c_diameter[1..3]`` from ``diameters``; same
        cell and pbc; ``info`` copied from ``atoms`` plus its per-frame
        calculator results (e.g. ``energy`` in eV), plus ``n_atoms`` of the
        atomistic frame.

    Raises
    ------
    ValueError
        From :func:`find_molecules`; if a molecule has not
        ``atoms_per_molecule`` atoms; for invalid ``diameters``. Messages name
        the frame and the field.
    """
    molecule, unwrapped = find_molecules(atoms, bond_cutoff, index)
    masses = atoms.get_masses()
    n_molecules = int(molecule.max()) + 1 if len(atoms) else 0
    centres = np.zeros((n_molecules, 3))
    rotations = np.zeros((n_molecules, 3, 3))
    for k in range(n_molecules):
        members = np.flatnonzero(molecule == k)
        if atoms_per_molecule is not None and len(members) != atoms_per_molecule:
            raise ValueError(
                f"frame {index}: field 'positions': molecule {k} has {len(members)} "
                f"atoms (atoms {members.tolist()}), expected {atoms_per_molecule}; "
                "molecules fused by a close contact or broken apart?"
            )
        centres[k], rotations[k] = principal_axes(unwrapped[members], masses[members])

    if np.all(atoms.pbc):
        centres = wrap_positions(centres, atoms.cell, pbc=True)
    quaternions = Rotation.from_matrix(rotations).as_quat(scalar_first=True) if n_molecules else np.zeros((0, 4))
    quaternions *= np.where(quaternions[:, :1] < 0, -1.0, 1.0)

    frame = Atoms(
        numbers=np.full(n_molecules, ELLIPSOID_NUMBER),
        positions=centres,
        cell=atoms.cell,
        pbc=atoms.pbc,
    )
    frame.info = _frame_info(atoms)
    frame.new_array("c_q", quaternions)
    return canonicalize(frame, index=index, diameters=diameters)


def coarse_grain_frames(frames, diameters, bond_cutoff=None, atoms_per_molecule=None):
    """:func:`coarse_grain` every frame of a collection.

    Parameters
    ----------
    frames : iterable of ase.Atoms
    diameters, bond_cutoff, atoms_per_molecule
        As for :func:`coarse_grain`.

    Returns
    -------
    list of ase.Atoms
        Ellipsoid frames; error messages name a frame by its position.
    """
    return [coarse_grain(atoms, diameters, bond_cutoff, atoms_per_molecule, index=i) for i, atoms in enumerate(frames)]


def _frame_info(atoms):
    """A copy of ``atoms.info`` plus the frame's per-frame calculator results."""
    info = {key: np.copy(value) if isinstance(value, np.ndarray) else value for key, value in atoms.info.items()}
    results = atoms.calc.results if atoms.calc is not None else {}
    for key, value in results.items():
        per_atom = tuple(getattr(all_outputs.get(key), "shapespec", ()))[:1] == ("natoms",)
        if not per_atom:
            info.setdefault(key, value)
    info["n_atoms"] = len(atoms)
    return info
