"""Radial basis of the AniSOAP expansion and its Löwdin orthonormalisation.

Two bases are available (paper Sec. II B, "Integrability of Monomial/GTO
Basis", and Appendix A 8):

* ``"gto"``: R_nl(r) = r^{l+2n} exp(-r² / 2σ²), σ = ``radial_gaussian_width``;
  its squared norm is I_d = ½ σ^{2d+3} Γ(d + 3/2) with d = l + 2n.
* ``"monomial"``: R_nl(r) = r^{l+2n}, normalised on the sphere of radius
  ``cutoff``: I_d = cutoff^{2d+3} / (2d + 3).

For each l the functions are normalised, Φ_d = φ_d / sqrt(I_d), their overlap
matrix G_{dd'} = I_{(d+d')/2} / sqrt(I_d I_{d'}) is formed and the coefficients
are transformed with G^{-1/2} (Löwdin symmetric orthonormalisation, paper
Appendix A 8). anisoap 0.1.1 does the same, eigenvalues below ``basis_rcond``
dropped and the reconstruction checked against ``basis_tol``. Lengths for which
some I_d under- or overflows float64 (:func:`length_scale_range`) are refused,
as is any overlap or basis that is not finite: a NaN basis would give NaN
features without an error.
"""

import numpy as np
from scipy.special import gamma, gammaln

__all__ = ["check_length_scale", "length_scale_range", "num_radial_functions", "orthonormalization_matrix"]

# Every squared norm I_d, and so every normalisation factor I_d^{-1/2}, must be a
# normal float64 with room to spare: the kernels multiply raw moments by these
# factors, and a subnormal or zero I_d turns the overlap into inf/NaN (which
# eigh and the reconstruction check below would otherwise let through).
_LOG_SMALLEST = np.log(np.finfo(np.float64).tiny) + np.log(1e10)
_LOG_LARGEST = np.log(np.finfo(np.float64).max) - np.log(1e10)
# The kernels form det(A + 1/σ²) ~ σ^-6 (moments.gaussian_parameters).
_LOG_WIDTH_FLOOR = -_LOG_LARGEST / 6


def num_radial_functions(max_angular, max_radial):
    """Number of radial functions for each angular channel.

    Parameters
    ----------
    max_angular : int
    max_radial : None, int or sequence of int
        ``None``: n = 0 ... (max_angular - l) // 2 for each l; an int N:
        n = 0 ... N for every l; a sequence of length max_angular + 1:
        n = 0 ... max_radial[l] (anisoap 0.1.1 semantics).

    Returns
    -------
    tuple of int, length max_angular + 1
    """
    if max_radial is None:
        return tuple((max_angular - l) // 2 + 1 for l in range(max_angular + 1))
    if isinstance(max_radial, (int, np.integer)):
        return tuple(int(max_radial) + 1 for _ in range(max_angular + 1))
    return tuple(int(n) + 1 for n in max_radial)


def _squared_norm(degree, radial_basis, cutoff, radial_gaussian_width):
    degree = np.asarray(degree, dtype=np.float64)
    if radial_basis == "gto":
        s = radial_gaussian_width
        return 0.5 * s ** (2 * degree + 3) * gamma(degree + 1.5)
    return cutoff ** (2 * degree + 3) / (2 * degree + 3)


def _length_parameter(radial_basis, cutoff, radial_gaussian_width):
    """(name, value, formula) of the length that sets the basis' scale."""
    if radial_basis == "gto":
        return "radial_gaussian_width", radial_gaussian_width, "½ σ^(2d+3) Γ(d + 3/2)"
    return "cutoff", cutoff, "cutoff^(2d+3) / (2d + 3)"


def _degrees(num_radial):
    """Every degree d whose squared norm I_d the basis uses: d = l + 2n and the
    mixed (d + d') / 2 = l + n + n' of the overlap, i.e. l ... l + 2 (N_l - 1)."""
    used = set()
    for l, n in enumerate(num_radial):
        if n > 0:
            used.update(range(l, l + 2 * (n - 1) + 1))
    return np.array(sorted(used), dtype=np.float64)


def length_scale_range(num_radial, radial_basis):
    """Range of σ (``"gto"``) or cutoff (``"monomial"``), in Å, this basis can use.

    Inside it every squared norm I_d is a float64 with 10 orders of magnitude
    to spare at either end (and, for the GTO basis, σ^-6 too: the kernels form
    it); outside it I_d under- or overflows and the orthonormalised basis would
    be NaN. The range narrows as the highest degree d = l + 2n grows.

    Parameters
    ----------
    num_radial : sequence of int
        Number of radial functions per l (:func:`num_radial_functions`).
    radial_basis : {"gto", "monomial"}

    Returns
    -------
    (float, float)
        Smallest and largest admissible value.
    """
    degree = _degrees(num_radial)
    power = 2 * degree + 3
    if radial_basis == "gto":
        log_constant = np.log(0.5) + gammaln(degree + 1.5)
    else:
        log_constant = -np.log(power)
    low = np.max((_LOG_SMALLEST - log_constant) / power)
    high = np.min((_LOG_LARGEST - log_constant) / power)
    if radial_basis == "gto":
        low = max(low, _LOG_WIDTH_FLOOR)
    return float(np.exp(low)), float(np.exp(high))


def check_length_scale(num_radial, radial_basis, cutoff, radial_gaussian_width):
    """Refuse a σ (GTO) or cutoff (monomial) whose basis norms under- or overflow.

    Raises
    ------
    ValueError
        Naming the hyperparameter, its value, and the range to pick from.
    """
    name, value, formula = _length_parameter(radial_basis, cutoff, radial_gaussian_width)
    low, high = length_scale_range(num_radial, radial_basis)
    if low <= value <= high:
        return
    degree = int(_degrees(num_radial).max())
    direction = "underflows" if value < low else "overflows"
    hint = ""
    if 1e-13 < value < 1e-6:  # what atomic lengths in metres look like
        hint = f"; lengths are in Å: if {value:g} is in metres, write {value * 1e10:g}"
    raise ValueError(
        f"{name} = {value:g} Å is outside the range float64 can represent for this basis: "
        f"its squared norms I_d = {formula} ({direction} for d up to {degree}) would make the "
        f"orthonormalised basis NaN; give {name} between {low:.3g} and {high:.3g} Å "
        f"(or lower max_angular / max_radial){hint}"
    )


def _inverse_sqrt(overlap, rcond, tol, name):
    if not np.all(np.isfinite(overlap)):
        raise ValueError(
            f"the radial overlap matrix is not finite (inf/NaN): {name} under- or overflows "
            f"at this max_angular / max_radial; pick {name} closer to 1 Å"
        )
    try:
        eigenvalues, eigenvectors = np.linalg.eigh(overlap)
    except np.linalg.LinAlgError as error:
        raise ValueError(
            f"the radial overlap matrix cannot be diagonalised ({error}): {name} gives a basis "
            f"float64 cannot represent; pick {name} closer to 1 Å or lower max_radial"
        ) from None
    keep = eigenvalues > rcond
    if not np.any(keep):
        raise ValueError(
            f"every eigenvalue of the radial overlap matrix is <= basis_rcond = {rcond:g}: "
            f"lower basis_rcond"
        )
    vectors = eigenvectors[:, keep]
    result = (vectors / np.sqrt(eigenvalues[keep])) @ vectors.T
    error = np.linalg.norm(overlap - np.linalg.pinv(result @ result))
    # written so that a NaN error fails too (NaN > tol is False)
    if not (np.all(np.isfinite(result)) and error <= tol):
        raise ValueError(
            f"the radial overlap matrix is too ill-conditioned to orthonormalise: "
            f"|S - (S^-1/2)^-2| = {error:.3g} > basis_tol = {tol:g}; lower max_radial, "
            f"or raise basis_tol / basis_rcond"
        )
    return result


def orthonormalization_matrix(
    l, num_radial, radial_basis, cutoff, radial_gaussian_width, rcond, tol
):
    """Matrix turning raw coefficients <nlm|rho> into orthonormal-basis ones.

    Parameters
    ----------
    l : int
        Angular channel.
    num_radial : int
        Number of radial functions n = 0 ... num_radial - 1 in this channel.
    radial_basis : {"gto", "monomial"}
    cutoff : float
        Cutoff radius in Å (normalisation domain of the monomial basis).
    radial_gaussian_width : float or None
        σ of the GTO basis in Å.
    rcond, tol : float
        ``basis_rcond`` and ``basis_tol`` (see module docstring).

    Returns
    -------
    ndarray, shape (num_radial, num_radial)
        W such that ``c_orthonormal = c_raw @ W`` (row vectors over n), i.e.
        W = diag(I_d^{-1/2}) G^{-1/2} with d = l + 2n (paper Appendix A 8).

    Raises
    ------
    ValueError
        If σ (GTO) or the cutoff (monomial) is outside :func:`length_scale_range`,
        if the overlap matrix is not finite, or if it cannot be inverted to
        within ``tol``.
    """
    check_length_scale((0,) * l + (num_radial,), radial_basis, cutoff, radial_gaussian_width)
    degree = l + 2 * np.arange(num_radial)
    norm = _squared_norm(degree, radial_basis, cutoff, radial_gaussian_width)
    mixed = _squared_norm(
        (degree[:, None] + degree[None, :]) / 2, radial_basis, cutoff, radial_gaussian_width
    )
    prefactor = 1.0 / np.sqrt(norm)
    overlap = prefactor[:, None] * prefactor[None, :] * mixed
    name = _length_parameter(radial_basis, cutoff, radial_gaussian_width)[0]
    result = prefactor[:, None] * _inverse_sqrt(overlap, rcond, tol, name)
    if not np.all(np.isfinite(result)):
        raise ValueError(f"the orthonormalised radial basis of l = {l} is not finite: pick {name} closer to 1 Å")
    return result
