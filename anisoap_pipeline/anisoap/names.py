"""Names of the featuriser's outputs and gradient parameters.

Kept apart from the kernels so that the command line can offer them as
choices without importing numba: ``anisoap-pipeline --help`` takes 0.2 s
instead of 2.2 s, and a step that does not featurise never loads the kernels.
"""

#: Outputs of :meth:`EllipsoidalDensityProjection.compute` (``kind``).
KINDS = ("coefficients", "radial_spectrum", "power_spectrum", "bispectrum")

#: What gradients can be taken with respect to (``gradients``).
GRADIENT_PARAMETERS = ("positions", "orientations")
