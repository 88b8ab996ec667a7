"""Moments of a trivariate Gaussian, the inner loop of AniSOAP (numba).

For a neighbour j of centre i, the density of j times the radial Gaussian of the
GTO basis is one Gaussian exp(-½ (r - a)ᵀ Ã (r - a)) times a constant (paper
Appendix A 1, Eqs. A7-A10). Its moments <x^{n0} y^{n1} z^{n2}> follow from the
recurrences of Appendix A 7 (Eqs. A51-A60), written here over a flat monomial
index so that every new moment costs four multiply-adds.
:func:`gaussian_moment_block` runs the same recurrence for a block of pairs at
once (the pairs innermost, so vectorised), leaving out the terms that are zero.
"""

import numpy as np
from numba import njit, prange

from .solid_harmonics import monomial_exponents

__all__ = [
    "PAIR_BLOCK", "moment_recurrence", "moment_terms", "precision_matrices", "gaussian_parameters",
    "gaussian_moments", "block_multipliers", "gaussian_moment_block",
]

#: Pairs whose moments are computed together by :func:`gaussian_moment_block`.
#: The recurrence's inner loop runs over them, so the compiler vectorises it
#: (AVX2: four pairs per instruction); numba's loop vectoriser needs the trip
#: count at run time (a constant one is unrolled first, and numba leaves the
#: SLP vectoriser off), and each monomial then pays a fixed cost (index loads,
#: run-time alias checks) that a long block amortises. Measured on W1 (one
#: thread): 8 pairs 2.5x, 16 1.6x, 32 1.3x, 128 1.0x, 256 1.35x the time of 64.
PAIR_BLOCK = 64


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


@njit(cache=True, parallel=True)
def precision_matrices(rotations, semiaxes):
    """Precision matrices A_j = R_j diag(1/a_j²) R_jᵀ of the particles' Gaussians
    (paper Eq. 8), parallel over particles.

    Parameters
    ----------
    rotations : float64 (n_particles, 3, 3)
        Body -> lab rotation matrices.
    semiaxes : float64 (n_particles, 3)
        Semi-axes a_j in Å.

    Returns
    -------
    float64 (n_particles, 3, 3)
        In Å⁻², summed over the body axis in order (the bits of
        ``np.einsum("nab,nb,ncb->nac", rotations, 1 / semiaxes**2, rotations)``).
    """
    n = rotations.shape[0]
    out = np.empty((n, 3, 3))
    for p in prange(n):
        for a in range(3):
            for c in range(3):
                total = 0.0
                for b in range(3):
                    total += rotations[p, a, b] * (1.0 / semiaxes[p, b] ** 2) * rotations[p, c, b]
                out[p, a, c] = total
    return out


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


@njit(cache=True)
def moment_terms(table):
    """The recurrence of :func:`moment_recurrence` without its zero terms.

    Parameters
    ----------
    table : ndarray of int64, shape (n_monomials, 9)
        From :func:`moment_recurrence`.

    Returns
    -------
    terms : ndarray of int64, shape (n_monomials, 9)
        For monomial f >= 1: axis k, parent p, the number t <= 3 of non-zero
        terms p_b C_kb <x^{p - e_b}> (parent power p_b > 0, in order of b), then
        t indices p - e_b, then t rows (3 k + b) n_multipliers + p_b of the
        multiplier table of :func:`block_multipliers`.
    n_multipliers : int
        Largest parent power + 1.
    """
    n_multipliers = 1
    for f in range(table.shape[0]):
        for b in range(3):
            n_multipliers = max(n_multipliers, table[f, 5 + b] + 1)
    terms = np.zeros(table.shape, dtype=np.int64)
    for f in range(1, table.shape[0]):
        k = table[f, 0]
        terms[f, 0] = k
        terms[f, 1] = table[f, 1]
        n = 0
        for b in range(3):
            if table[f, 5 + b] > 0:
                terms[f, 3 + n] = table[f, 2 + b]
                terms[f, 6 + n] = (3 * k + b) * n_multipliers + table[f, 5 + b]
                n += 1
        terms[f, 2] = n
    return terms, n_multipliers


@njit(cache=True)
def block_multipliers(covariances, n_multipliers, n_lanes, multipliers):
    """``multipliers[(3 k + b) n_multipliers + n, p] = C_kb * n`` for every lane p.

    :func:`gaussian_moments` forms the product C_kb * n for each term; here it
    is formed once per pair. ``covariances[3 k + b, p]`` holds C_kb of pair p;
    lanes ``n_lanes`` and beyond are left alone.
    """
    for row in range(9):
        for n in range(n_multipliers):
            for p in range(n_lanes):
                multipliers[row * n_multipliers + n, p] = covariances[row, p] * n


@njit(cache=True)
def gaussian_moment_block(centers, multipliers, prefactors, terms, n_pairs, out):
    """:func:`gaussian_moments` of ``n_pairs`` pairs at once, pairs along the last axis.

    Same operations in the same order for each pair, so the same bits, except
    that the terms with a zero power are left out (they add ±0; only the sign
    of an exactly zero moment could differ).

    Parameters
    ----------
    centers : ndarray, shape (3, >= n_pairs)
    multipliers : ndarray, shape (9 n_multipliers, >= n_pairs)
        From :func:`block_multipliers`.
    prefactors : ndarray, shape (>= n_pairs,)
    terms : ndarray of int64, shape (n_monomials, 9)
        From :func:`moment_terms`.
    n_pairs : int
        Lanes to compute (a run-time trip count: see :data:`PAIR_BLOCK`).
    out : ndarray, shape (n_monomials, >= n_pairs)
    """
    for p in range(n_pairs):
        out[0, p] = prefactors[p]
    for f in range(1, terms.shape[0]):
        k = terms[f, 0]
        i = terms[f, 1]
        n = terms[f, 2]
        if n == 3:
            g0, g1, g2 = terms[f, 3], terms[f, 4], terms[f, 5]
            c0, c1, c2 = terms[f, 6], terms[f, 7], terms[f, 8]
            for p in range(n_pairs):
                value = centers[k, p] * out[i, p]
                value += multipliers[c0, p] * out[g0, p]
                value += multipliers[c1, p] * out[g1, p]
                value += multipliers[c2, p] * out[g2, p]
                out[f, p] = value
        elif n == 2:
            g0, g1 = terms[f, 3], terms[f, 4]
            c0, c1 = terms[f, 6], terms[f, 7]
            for p in range(n_pairs):
                value = centers[k, p] * out[i, p]
                value += multipliers[c0, p] * out[g0, p]
                value += multipliers[c1, p] * out[g1, p]
                out[f, p] = value
        elif n == 1:
            g0, c0 = terms[f, 3], terms[f, 6]
            for p in range(n_pairs):
                value = centers[k, p] * out[i, p]
                value += multipliers[c0, p] * out[g0, p]
                out[f, p] = value
        else:
            for p in range(n_pairs):
                out[f, p] = centers[k, p] * out[i, p]
