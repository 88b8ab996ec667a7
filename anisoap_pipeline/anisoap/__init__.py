"""The AniSOAP featuriser: numba kernels behind a small featomic-like API."""

from .coefficients import DensityCoefficients, feature_labels
from .projection import EllipsoidalDensityProjection

__all__ = ["EllipsoidalDensityProjection", "DensityCoefficients", "feature_labels"]
