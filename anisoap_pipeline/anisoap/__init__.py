"""The AniSOAP featuriser: numba kernels behind a small featomic-like API."""

from .projection import DensityCoefficients, EllipsoidalDensityProjection

__all__ = ["EllipsoidalDensityProjection", "DensityCoefficients"]
