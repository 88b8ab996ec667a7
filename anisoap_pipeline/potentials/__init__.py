"""Potentials for ellipsoids: learned AniSOAP potentials with forces and lab-frame torques, and the MD engine.

Submodules are imported on demand (PEP 562), so importing this package loads nothing heavy:

:class:`AniSOAPPotential` (:mod:`.model`)
    E = Σ_i ε(x_i) on per-centre AniSOAP features, linear or sparse kernel, fitted to energies,
    forces and torques; saved to and loaded from one file.
:class:`AniSOAPCalculator` (:mod:`.calculator`)
    Its ASE calculator (energy, forces, and ``torques`` as an extra result).
:mod:`.lammps`
    LAMMPS for ellipsoid frames (``atom_style ellipsoid``): Gay-Berne reference MD with
    ``pair_style gayberne``, single-point Gay-Berne energies, forces and torques, and
    :func:`~anisoap_pipeline.potentials.lammps.run_md`, which drives ``nve/asphere`` /
    ``nvt/asphere`` with any Python potential through ``fix external``.
"""

import importlib

#: Public name -> the module defining it.
_MODULES = {"AniSOAPPotential": ".model", "AniSOAPCalculator": ".calculator"}

__all__ = list(_MODULES)


def __getattr__(name):
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
