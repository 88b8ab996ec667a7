"""Gay-Berne dimers (paper Sec. III B, Fig. 3, Fig. S4): biaxial Gay-Berne energies and distances of
closest approach h12 learned linearly from the AniSOAP power spectrum, and linear potentials fitted to
energies, forces and torques through the exact gradients.

``plan`` (state points), ``steps`` (records + handlers), ``data`` (the dimers and the Gay-Berne
potential), ``potential`` (linear potentials with forces and torques), ``report``, ``figures``,
``summary`` (rows beside the paper's).
"""
