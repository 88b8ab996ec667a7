"""Periodic frames of prolate ellipsoids labelled with the project's Gay-Berne potential.

Test and benchmark data for :mod:`anisoap_pipeline.potentials.model`: a
perturbed lattice of (1, 1, 3) ellipsoids (nematic-like: long axes tilted
about z) or any given frames, with energies, forces and torques summed over
every periodic image pair within the cutoff
(:func:`anisoap_pipeline.studies.gay_berne.data.gay_berne_forces`).
"""

import ase
import numpy as np
from ase.neighborlist import neighbor_list
from scipy.spatial.transform import Rotation

from anisoap_pipeline.contact import contact_function, shape_matrix

def lattice_frame(cells=(2, 2, 4), spacing=(1.3, 1.3, 3.2), tilt=0.15, jitter=0.05, seed=0, max_tries=200):
    """A perturbed lattice of (1, 1, 3) ellipsoids without overlaps.

    Parameters
    ----------
    cells : (3,) int
        Lattice repeats; N = product.
    spacing : (3,) float
        Lattice spacings (σ); density 1 / prod(spacing).
    tilt : float
        Standard deviation (rad) of each component of the rotation vector of a
        particle's long axis away from z (plus a uniform spin about it).
    jitter : float
        Standard deviation of the displacements (σ).
    seed : int

    Returns
    -------
    ase.Atoms
        Periodic, ``c_q`` and ``c_diameter[1..3]`` = (1, 1, 3).

    Raises
    ------
    RuntimeError
        No overlap-free frame in ``max_tries`` draws.
    """
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in cells], indexing="ij"), -1).reshape(-1, 3)
    cell = np.diag(np.array(cells) * np.array(spacing))
    for _ in range(max_tries):
        positions = (grid + 0.5) * spacing + rng.normal(scale=jitter, size=grid.shape)
        spin = Rotation.from_rotvec(np.outer(rng.uniform(0, 2 * np.pi, len(grid)), [0, 0, 1]))
        turn = np.column_stack([rng.normal(scale=tilt, size=(len(grid), 2)), np.zeros(len(grid))])
        rotation = Rotation.from_rotvec(turn) * spin
        atoms = ase.Atoms("H" * len(grid), positions=positions, cell=cell, pbc=True)
        atoms.set_array("c_q", rotation.as_quat(scalar_first=True))
        for k, d in enumerate((1.0, 1.0, 3.0), start=1):
            atoms.set_array(f"c_diameter[{k}]", np.full(len(grid), d))
        if not overlapping(atoms):
            return atoms
    raise RuntimeError(f"no overlap-free frame in {max_tries} draws: lower tilt or jitter, or widen the spacing")


def _rotations(atoms):
    return Rotation.from_quat(atoms.arrays["c_q"], scalar_first=True).as_matrix()


def overlapping(atoms, semiaxes=(0.5, 0.5, 1.5)):
    """True if two ellipsoids (any periodic images) overlap (Perram–Wertheim F < 1)."""
    i, j, D = neighbor_list("ijD", atoms, 2 * max(semiaxes))
    keep = i < j
    if not keep.any():
        return False
    G = shape_matrix(np.broadcast_to(semiaxes, (len(atoms), 3)), _rotations(atoms))
    return bool(np.any(contact_function(D[keep], G[i[keep]], G[j[keep]]) < 1.0))


def label(atoms, cutoff=4.0):
    """Copy of ``atoms`` with GB(3, 5, 2, 1) ``info["energy"]``, ``arrays["forces"]``, ``arrays["torques"]``
    (:class:`anisoap_pipeline.potentials.lammps.GayBernePotential`, every periodic image)."""
    from anisoap_pipeline.potentials.lammps import GayBerneParameters, GayBernePotential

    energy, forces, torques = GayBernePotential(GayBerneParameters(cutoff=cutoff)).energy_forces_torques(atoms)
    labelled = atoms.copy()
    labelled.info["energy"] = energy
    labelled.arrays["forces"] = forces
    labelled.arrays["torques"] = torques
    return labelled
