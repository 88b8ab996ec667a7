"""The AniSOAP featuriser: numba kernels behind a small featomic-like API.

The names below are imported on first use (PEP 562), so importing a light
submodule (e.g. :mod:`.names`) does not load numba and compile-cache the kernels.
"""

import importlib

#: Public name -> the module defining it.
_MODULES = {"EllipsoidalDensityProjection": ".projection", "MAX_ANGULAR_LIMIT": ".projection",
            "DensityCoefficients": ".coefficients", "feature_labels": ".coefficients"}

__all__ = list(_MODULES)


def __getattr__(name):
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
