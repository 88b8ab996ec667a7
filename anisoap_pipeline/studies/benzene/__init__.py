"""Benzene crystals (paper Sec. III C, Figs. 4-7, S5, S6): PyXtal crystals (or a file of them)
labelled by a quantum-chemistry calculator, coarse-grained to oblate ellipsoids; GFRE scans of the
AniSOAP shape against atomistic SOAP, ridge models, AniSOAP baselining, PCovR maps.

``plan`` (state points), ``steps`` (records + handlers), ``data`` (PyXtal crystals),
``calculators`` (energy labels), ``coarse_grain``, ``soap`` (featomic), ``analysis``,
``baselining``, ``report``, ``figures``, ``summary`` (rows beside the paper's).
"""
