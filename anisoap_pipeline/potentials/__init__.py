"""Learned potentials for ellipsoids: energies, forces and torques from AniSOAP features.

:mod:`.model` holds the fitted potential (:class:`~.model.AniSOAPPotential`: linear or sparse
kernel, save/load to one file), :mod:`.calculator` its ASE calculator.
"""
