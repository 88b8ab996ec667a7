"""Names of the featuriser's outputs and gradient parameters.

Kept apart from the kernels so that the command line can offer them as
choices without importing numba (a step that does not featurise starts in
~0.5 s instead of ~2 s).
"""

#: Outputs of :meth:`EllipsoidalDensityProjection.compute` (``kind``).
KINDS = ("coefficients", "radial_spectrum", "power_spectrum", "bispectrum")

#: What gradients can be taken with respect to (``gradients``).
GRADIENT_PARAMETERS = ("positions", "orientations")
