"""Learned potentials for ellipsoids, beyond the paper: many-body Gay-Berne liquids from LAMMPS MD,
AniSOAP potentials E = Σ_i ε(x_i) fitted to their energies, forces and torques through the exact
per-centre gradients, and MD driven by those potentials beside LAMMPS's own Gay-Berne.

``plan`` (state points), ``steps`` (records + handlers), ``report``, ``figures``, ``summary``
(rows with verdicts). The potential itself and the LAMMPS driver are :mod:`anisoap_pipeline.potentials`.
"""
