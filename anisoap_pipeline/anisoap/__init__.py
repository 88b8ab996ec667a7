"""The AniSOAP featuriser: numba kernels behind a small featomic-like API."""

from .coefficients import DensityCoefficients, feature_labels
from .projection import MAX_ANGULAR_LIMIT, EllipsoidalDensityProjection

__all__ = ["EllipsoidalDensityProjection", "MAX_ANGULAR_LIMIT", "DensityCoefficients", "feature_labels"]
