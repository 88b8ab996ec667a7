"""Moments of a trivariate Gaussian, the inner loop of AniSOAP (numba).

For a neighbour j of centre i, the density of j times the radial Gaussian of the
GTO basis is one Gaussian exp(-½ (r - a)ᵀ Ã (r - a)) times a constant (paper
Appendix A 1, Eqs. A7-A10). Its moments <x^{n0} y^{n1} z^{n2}> follow from the
recurrences of Appendix A 7 (Eqs. A51-A60), written here over a flat monomial
index so that every new moment costs four multiply-adds.
"""

import numpy as np
from numba import njit

from .solid_harmonics import monomial_exponents

__all__ = ["moment_recurrence", "gaussian_parameters", "gaussian_moments"]


def moment_recurrence(max_degree):
    """Index tables driving :func:`gaussian_moments`.

    Parameters
    ----------
    max_degree : int

    Returns
    -------
    table : ndarray of int64, shape (n_monomials, 9)
        For monomial f (ordering of :func:`monomial_exponents`, f >= 1), the axis
        ``k`` along which it is reached, its parent p = f - e_k, the three indices
        p - e_b (or ``n_monomials``, a slot holding zero, when p has no power of
        b) and the three powers of the parent (multipliers in Eqs. A55-A60).
    """
    exponents = monomial_exponents(max_degree)
    index = {tuple(e): i for i, e in enumerate(exponents.tolist())}
    zero_slot = len(exponents)
    table = np.zeros((len(exponents), 9), dtype=np.int64)
    for f, e in enumerate(exponents.tolist()):
        if f == 0:
            continue
        axis = 0 if e[0] > 0 else (1 if e[1] > 0 else 2)
        parent = list(e)
        parent[axis] -= 1
        table[f, 0] = axis
        table[f, 1] = index[tuple(parent)]
        for b in range(3):
            if parent[b] > 0:
                grand = list(parent)
                grand[b] -= 1
                table[f, 2 + b] = index[tuple(grand)]
            else:
                table[f, 2 + b] = zero_slot
            table[f, 5 + b] = parent[b]
    return table


@njit(cache=True, fastmath=False)
def gaussian_parameters(r_ij, precision, semiaxes_product, inv_sigma2, covariance, center):
    """Covariance, centre and prefactor of the pair Gaussian (Eqs. A7-A10).

    Parameters
    ----------
    r_ij : ndarray, shape (3,)
        Vector from centre i to neighbour j (Å).
    precision : ndarray, shape (3, 3)
        A_j = R_j diag(1 / a_k²) R_jᵀ of the neighbour, a_k its semi-axes (Å).
    semiaxes_product : float
        a_1 a_2 a_3 of the neighbour (normalises its density to unit mass).
    inv_sigma2 : float
        1 / σ² of the GTO basis, or 0 for the monomial basis.
    covariance, center : ndarray, shapes (3, 3) and (3,)
        Outputs: C = Ã⁻¹ with Ã = A + 1/σ², and a = r_ij - C r_ij / σ².

    Returns
    -------
    float
        (2π)^{3/2} sqrt(det C) exp(-c/2) / ((2π)^{3/2} a_1 a_2 a_3), with
        c = r_ijᵀ C A r_ij / σ² (Eq. A10): the integral of the normalised
        neighbour density times exp(-r² / 2σ²).
    """
    m00 = precision[0, 0] + inv_sigma2
    m11 = precision[1, 1] + inv_sigma2
    m22 = precision[2, 2] + inv_sigma2
    m01 = precision[0, 1]
    m02 = precision[0, 2]
    m12 = precision[1, 2]
    c00 = m11 * m22 - m12 * m12
    c01 = m02 * m12 - m01 * m22
    c02 = m01 * m12 - m02 * m11
    det = m00 * c00 + m01 * c01 + m02 * c02
    inv = 1.0 / det
    covariance[0, 0] = c00 * inv
    covariance[0, 1] = c01 * inv
    covariance[0, 2] = c02 * inv
    covariance[1, 0] = c01 * inv
    covariance[1, 1] = (m00 * m22 - m02 * m02) * inv
    covariance[1, 2] = (m01 * m02 - m00 * m12) * inv
    covariance[2, 0] = c02 * inv
    covariance[2, 1] = covariance[1, 2]
    covariance[2, 2] = (m00 * m11 - m01 * m01) * inv
    constant = 0.0
    for a in range(3):
        s = 0.0
        for b in range(3):
            s += covariance[a, b] * r_ij[b]
        center[a] = r_ij[a] - inv_sigma2 * s
        # (C A r)_a = (C (Ã - 1/σ²) r)_a = r_a - s / σ²  ->  c = r·(r - s/σ²)/σ²
        constant += r_ij[a] * center[a]
    constant *= inv_sigma2
    return np.sqrt(inv) * np.exp(-0.5 * constant) / semiaxes_product


@njit(cache=True, fastmath=False)
def gaussian_moments(covariance, center, prefactor, table, out):
    """All moments <x^{n0} y^{n1} z^{n2}> up to the table's degree (Eqs. A51-A60).

    Parameters
    ----------
    covariance : ndarray, shape (3, 3)
    center : ndarray, shape (3,)
    prefactor : float
        The zeroth moment <1>.
    table : ndarray of int64, shape (n_monomials, 9)
        From :func:`moment_recurrence`.
    out : ndarray, shape (n_monomials + 1,)
        Filled with the moments; the last slot must hold 0 (terms with a
        negative power, Eq. A62).
    """
    out[0] = prefactor
    for f in range(1, table.shape[0]):
        k = table[f, 0]
        value = center[k] * out[table[f, 1]]
        value += covariance[k, 0] * table[f, 5] * out[table[f, 2]]
        value += covariance[k, 1] * table[f, 6] * out[table[f, 3]]
        value += covariance[k, 2] * table[f, 7] * out[table[f, 4]]
        out[f] = value
