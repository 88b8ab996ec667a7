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
dropped and the reconstruction checked against ``basis_tol``.
"""

import numpy as np
from scipy.special import gamma

__all__ = ["num_radial_functions", "orthonormalization_matrix"]


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


def _inverse_sqrt(overlap, rcond, tol):
    eigenvalues, eigenvectors = np.linalg.eigh(overlap)
    keep = eigenvalues > rcond
    vectors = eigenvectors[:, keep]
    result = (vectors / np.sqrt(eigenvalues[keep])) @ vectors.T
    error = np.linalg.norm(overlap - np.linalg.pinv(result @ result))
    if error > tol:
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
        If the overlap matrix cannot be inverted to within ``tol``.
    """
    degree = l + 2 * np.arange(num_radial)
    norm = _squared_norm(degree, radial_basis, cutoff, radial_gaussian_width)
    mixed = _squared_norm(
        (degree[:, None] + degree[None, :]) / 2, radial_basis, cutoff, radial_gaussian_width
    )
    prefactor = 1.0 / np.sqrt(norm)
    overlap = prefactor[:, None] * prefactor[None, :] * mixed
    return prefactor[:, None] * _inverse_sqrt(overlap, rcond, tol)
