"""ASE calculator of a fitted AniSOAP potential: energy, forces and torques of ellipsoid frames."""

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

__all__ = ["AniSOAPCalculator"]


class AniSOAPCalculator(Calculator):
    """An ASE calculator backed by :class:`~anisoap_pipeline.potentials.model.AniSOAPPotential`.

    ``energy`` and ``forces`` are ASE's properties; the lab-frame torques
    τ_k = -∂E/∂θ_k (energy per radian, :mod:`..anisoap.gradients` convention)
    are the extra result ``calc.results["torques"]`` (shape (N, 3)). Units are
    the model's (those of the energies, lengths and forces it was fitted to).
    Results are recomputed when positions, cell, numbers or any other
    per-particle array change: ASE's own check covers only its standard
    properties, not the orientations ``c_q`` or the diameters.

    Parameters
    ----------
    potential : AniSOAPPotential
        A fitted potential (or anything with ``energy_forces_torques(atoms)``).
    **kwargs
        Passed to :class:`ase.calculators.calculator.Calculator`.

    Raises
    ------
    ValueError
        ``potential`` has no ``energy_forces_torques`` method.
    """

    implemented_properties = ("energy", "free_energy", "forces", "torques")

    def __init__(self, potential, **kwargs):
        if not callable(getattr(potential, "energy_forces_torques", None)):
            raise ValueError(f"potential must have an energy_forces_torques(atoms) method (a fitted "
                             f"AniSOAPPotential), got {type(potential).__name__}")
        super().__init__(**kwargs)
        self.potential = potential

    def check_state(self, atoms, tol=1e-15):
        changes = super().check_state(atoms, tol)
        if self.atoms is None:
            return changes
        old, new = self.atoms.arrays, atoms.arrays
        for name in sorted(set(old) | set(new)):
            if name not in changes and (name not in old or name not in new or old[name].shape != new[name].shape
                                        or not np.array_equal(old[name], new[name])):
                changes.append(name)
        return changes

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        energy, forces, torques = self.potential.energy_forces_torques(self.atoms)
        self.results = {"energy": energy, "free_energy": energy, "forces": forces, "torques": torques}
