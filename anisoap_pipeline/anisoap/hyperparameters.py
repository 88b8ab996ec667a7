"""The featuriser's hyperparameters, validated without numba.

:func:`check_hyperparameters` is everything
:class:`~.projection.EllipsoidalDensityProjection` checks when it is built:
the types and ranges of its arguments and whether the radial basis can be
orthonormalised in float64 (Lin et al., J. Chem. Phys. 161, 074112 (2024),
Appendix A 8). It imports neither numba nor the kernels, so a plan can check
every point of a grid before any job starts.
"""

import numbers

import numpy as np

from .radial_basis import check_length_scale, num_radial_functions, orthonormalization_matrix
from .solid_harmonics import MAX_ANGULAR_LIMIT

__all__ = ["MIN_WIDTH_TO_CUTOFF", "check_hyperparameters", "radial_orthonormalization", "validate_hyperparameters"]

#: Smallest σ / cutoff of the GTO basis. The pair Gaussian's exponent is formed
#: as r·(r - C r / σ²) / σ² (:func:`.moments.gaussian_parameters`), which loses
#: ε (r / σ)² to cancellation: 2e-10 relative at this ratio, all digits (and
#: NaN from inf·0) at σ ~ 1e-8 cutoff.
MIN_WIDTH_TO_CUTOFF = 1e-3


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_real(name, value, what, minimum=0.0, strict=True):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or value < minimum or (strict and value == minimum):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return float(value)


def _check_positive(name, value):
    return _check_real(name, value, "a positive finite number (Å)")


def validate_hyperparameters(
    max_angular,
    cutoff,
    radial_gaussian_width=None,
    max_radial=None,
    radial_basis="gto",
    subtract_center_contribution=False,
    basis_rcond=0.0,
    basis_tol=1e-8,
    cutoff_smoothing_width=None,
):
    """The constructor's arguments, type- and range-checked (the basis is not built).

    Parameters
    ----------
    Those of :class:`~.projection.EllipsoidalDensityProjection`.

    Returns
    -------
    dict
        Argument name -> validated value (ints, floats, a tuple for a list ``max_radial``).

    Raises
    ------
    ValueError
        Naming the argument, its value and what is allowed.
    """
    max_angular = _check_int("max_angular", max_angular, 0)
    if max_angular > MAX_ANGULAR_LIMIT:
        raise ValueError(
            f"max_angular must be <= {MAX_ANGULAR_LIMIT} (MAX_ANGULAR_LIMIT: above it the Cartesian "
            f"solid harmonics lose rotational invariance to round-off), got {max_angular}"
        )
    cutoff = _check_positive("cutoff", cutoff)
    if not isinstance(radial_basis, str) or radial_basis not in ("gto", "monomial"):
        raise ValueError(f"radial_basis must be 'gto' or 'monomial', got {radial_basis!r}")
    if radial_basis == "gto":
        if radial_gaussian_width is None:
            raise ValueError("radial_gaussian_width (Å) is required with radial_basis='gto'")
        radial_gaussian_width = _check_positive("radial_gaussian_width", radial_gaussian_width)
        if radial_gaussian_width < MIN_WIDTH_TO_CUTOFF * cutoff:
            hint = f"; lengths are in Å: if it is in metres, write {radial_gaussian_width * 1e10:g}" if (
                1e-13 < radial_gaussian_width < 1e-6) else ""
            raise ValueError(
                f"radial_gaussian_width = {radial_gaussian_width:g} Å is too small for cutoff = {cutoff:g} Å: "
                f"below {MIN_WIDTH_TO_CUTOFF:g} × cutoff ({MIN_WIDTH_TO_CUTOFF * cutoff:g} Å) the GTO basis "
                f"loses its precision to round-off (NaN further down); give a σ of the order of the "
                f"particles' size, e.g. radial_gaussian_width = 1.5{hint}"
            )
    elif radial_gaussian_width is not None:
        raise ValueError(
            "radial_gaussian_width applies only to radial_basis='gto'; "
            "leave it None for 'monomial'"
        )
    if max_radial is not None and not isinstance(max_radial, numbers.Integral):
        try:
            max_radial = tuple(_check_int("max_radial[l]", n, 0) for n in max_radial)
        except TypeError:
            raise ValueError(
                f"max_radial must be None, an int >= 0 or a list of max_angular + 1 "
                f"ints, got {max_radial!r}"
            ) from None
        if len(max_radial) != max_angular + 1:
            raise ValueError(
                f"max_radial as a list needs one entry per l = 0 ... {max_angular} "
                f"({max_angular + 1} entries), got {len(max_radial)}"
            )
    elif max_radial is not None:
        max_radial = _check_int("max_radial", max_radial, 0)
    if not isinstance(subtract_center_contribution, (bool, np.bool_)):
        raise ValueError(
            f"subtract_center_contribution must be True or False, got {subtract_center_contribution!r}"
        )
    basis_rcond = _check_real("basis_rcond", basis_rcond, "a finite number >= 0", strict=False)
    basis_tol = _check_positive("basis_tol", basis_tol)
    if cutoff_smoothing_width is not None:
        cutoff_smoothing_width = _check_positive("cutoff_smoothing_width", cutoff_smoothing_width)
        if cutoff_smoothing_width > cutoff:
            raise ValueError(
                f"cutoff_smoothing_width must not exceed the cutoff ({cutoff} Å), got {cutoff_smoothing_width}"
            )
    return {
        "max_angular": max_angular,
        "cutoff": cutoff,
        "radial_gaussian_width": radial_gaussian_width,
        "max_radial": max_radial,
        "radial_basis": radial_basis,
        "subtract_center_contribution": bool(subtract_center_contribution),
        "basis_rcond": basis_rcond,
        "basis_tol": basis_tol,
        "cutoff_smoothing_width": cutoff_smoothing_width,
    }


def radial_orthonormalization(hypers):
    """Löwdin orthonormalisation matrices of every angular channel (paper Appendix A 8).

    Parameters
    ----------
    hypers : dict
        As returned by :func:`validate_hyperparameters`.

    Returns
    -------
    ndarray, shape (max_angular + 1, n_max, n_max)
        Channel l's matrix in its top-left (num_radial[l], num_radial[l]) block, zeros elsewhere;
        n_max = max(num_radial).

    Raises
    ------
    ValueError
        When σ (GTO) or the cutoff (monomial) makes the basis norms under- or overflow float64,
        or the overlap matrix is too ill-conditioned for ``basis_tol``.
    """
    num_radial = num_radial_functions(hypers["max_angular"], hypers["max_radial"])
    # the whole basis' admissible range in one message, before any l fails alone
    check_length_scale(num_radial, hypers["radial_basis"], hypers["cutoff"], hypers["radial_gaussian_width"])
    n_max = max(num_radial)
    ortho = np.zeros((hypers["max_angular"] + 1, n_max, n_max))
    for l in range(hypers["max_angular"] + 1):
        ortho[l, : num_radial[l], : num_radial[l]] = orthonormalization_matrix(
            l, num_radial[l], hypers["radial_basis"], hypers["cutoff"], hypers["radial_gaussian_width"],
            hypers["basis_rcond"], hypers["basis_tol"],
        )
    return ortho


def check_hyperparameters(**hyperparameters):
    """Raise what building ``EllipsoidalDensityProjection(**hyperparameters)`` would raise, without numba.

    Parameters
    ----------
    **hyperparameters
        Keyword arguments of :class:`~.projection.EllipsoidalDensityProjection`.

    Returns
    -------
    dict
        The validated hyperparameters.

    Raises
    ------
    ValueError
        As the constructor: an invalid argument, or a radial basis float64 cannot orthonormalise.
    TypeError
        An argument the constructor does not take.
    """
    hypers = validate_hyperparameters(**hyperparameters)
    radial_orthonormalization(hypers)
    return hypers
