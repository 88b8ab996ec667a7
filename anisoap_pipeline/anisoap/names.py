"""Names of the featuriser's outputs and gradient parameters.

Kept apart from the kernels so that the command line can offer them as
choices without importing numba: ``anisoap-pipeline --help`` takes 0.2 s
instead of 2.2 s, and a step that does not featurise never loads the kernels.
"""

#: Outputs of :meth:`EllipsoidalDensityProjection.compute` (``kind``).
KINDS = ("coefficients", "radial_spectrum", "power_spectrum", "bispectrum")

#: The invariant of each correlation order ν (the configs' ``correlation_order``):
#: 1 the radial spectrum, 2 the power spectrum, 3 the bispectrum (body orders
#: 2, 3, 4 in ACE counting, the centre included).
KIND_OF_CORRELATION_ORDER = {1: "radial_spectrum", 2: "power_spectrum", 3: "bispectrum"}
#: ν of each invariant.
CORRELATION_ORDER = {kind: nu for nu, kind in KIND_OF_CORRELATION_ORDER.items()}

#: What gradients can be taken with respect to (``gradients``).
GRADIENT_PARAMETERS = ("positions", "orientations")
