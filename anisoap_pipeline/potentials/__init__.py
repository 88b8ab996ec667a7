"""Potentials for ellipsoids: energies, forces and lab-frame torques, and the MD engine.

Submodules are imported on demand, so importing this package loads nothing heavy:

:mod:`~anisoap_pipeline.potentials.lammps`
    LAMMPS for ellipsoid frames (``atom_style ellipsoid``): Gay-Berne reference
    MD with ``pair_style gayberne``, single-point Gay-Berne energies, forces and
    torques, and :func:`~anisoap_pipeline.potentials.lammps.run_md`, which drives
    ``nve/asphere`` / ``nvt/asphere`` with any Python potential through
    ``fix external``.
"""
