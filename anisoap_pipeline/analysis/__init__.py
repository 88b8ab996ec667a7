"""Analyses of feature matrices: regression (:mod:`.regression`) and, per study,
GFRE (``gfre``) and PCovR (``pcovr``).

Submodules are imported explicitly (``from anisoap_pipeline.analysis import
regression``) so that each stays independent of the others' dependencies.
"""
