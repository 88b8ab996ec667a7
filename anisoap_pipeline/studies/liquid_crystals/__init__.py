"""Liquid-crystal phases (paper Sec. III A, Figs. 1, 2, S2, S3): nematic and smectic prolate
ellipsoids compared with Steinhardt and nematic order parameters by PCA maps and GFRE.

``plan`` (state points), ``steps`` (records + handlers), ``data`` (the configurations),
``hard_ellipsoid_mc`` (the hard-ellipsoid Monte Carlo), ``order_parameters``, ``analysis``
(PCA maps, GFRE matrix), ``report``, ``figures``, ``summary`` (rows beside the paper's).
"""
