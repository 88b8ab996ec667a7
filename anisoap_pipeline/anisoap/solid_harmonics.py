"""Real solid harmonics times powers of r², written as Cartesian monomials.

The AniSOAP expansion coefficients reduce to Gaussian moments once every basis
function r^{2n} R_l^m(r) is written as a polynomial in (x, y, z) (paper,
Appendix A 2, Eqs. A22-A24, and A 6, Eqs. A42-A46). This module builds those
polynomial coefficients T^{nlm}_{n0 n1 n2} once per set of hyperparameters and
stores them as a sparse matrix whose rows are (l, m, n) and whose columns are
monomials x^{n0} y^{n1} z^{n2}.

Convention (the reference package anisoap 0.1.1 uses the same):
``R_l^m(r) = sqrt(4 pi / (2l + 1)) r^l Y_l^m(r_hat)`` with real spherical
harmonics without the Condon-Shortley phase,

    R_l^m = sqrt(2 - delta_m0) sqrt((l-|m|)! / (l+|m|)!) Pi_l^|m|(z, r^2) x
            { Re (x + i y)^|m|  (m >= 0),  Im (x + i y)^|m|  (m < 0) },

where ``Pi_l^m`` is the polynomial part of the associated Legendre function,
``r^l P_l^m(cos theta) = Pi_l^m(z, r^2) (r sin theta)^m``, obtained from
Pi_m^m = (2m - 1)!! and the recurrence (paper Eq. A36)
``(l - m) Pi_l^m = (2l - 1) z Pi_{l-1}^m - (l + m - 1) r^2 Pi_{l-2}^m``.
"""

from functools import lru_cache
from fractions import Fraction
from math import comb, copysign, factorial, lcm, prod, sqrt

import numpy as np

__all__ = ["MAX_ANGULAR_LIMIT", "monomial_exponents", "solid_harmonic_coefficients"]

#: Highest ``max_angular`` whose features are rotationally invariant to ~1e-10
#: relative, column by column. The Cartesian form of R_l^m has coefficients of
#: alternating sign growing like ~10^(l/2) (1.5e8 at l = 19), so evaluating it
#: on Gaussian moments cancels digits: measured per-column invariance errors
#: (σ = 1.5 Å, cutoff 5 Å, max_radial = 2) are 2e-12 at l = 17, 1.6e-11 at 20,
#: 8e-11 at 24, 4e-10 at 30 (tests/test_anisoap_invariance.py checks 20).
MAX_ANGULAR_LIMIT = 20


def monomial_exponents(max_degree):
    """All exponent triples (n0, n1, n2) with n0 + n1 + n2 <= max_degree.

    Parameters
    ----------
    max_degree : int
        Highest total degree.

    Returns
    -------
    ndarray of int64, shape (n_monomials, 3)
        Ordered by total degree, then by decreasing n0, then decreasing n1, so
        that every monomial of degree d comes after all of degree d - 1.
        ``n_monomials = (D + 1)(D + 2)(D + 3) / 6``.
    """
    rows = [
        (n0, d - n0 - n2, n2)
        for d in range(max_degree + 1)
        for n0 in range(d, -1, -1)
        for n2 in range(d - n0 + 1)
    ]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _double_factorial(k):
    """k!! for odd k >= -1, as an exact Python int (int64 overflows at k = 35)."""
    return prod(range(k, 0, -2))


def _legendre_part(l, m):
    """Pi_l^m(z, r^2) as a dict {(power of z, power of r^2): exact Fraction}."""
    previous, current = None, {(0, 0): Fraction(_double_factorial(2 * m - 1))}
    for k in range(m + 1, l + 1):
        nxt = {}
        for (a, b), v in current.items():
            nxt[(a + 1, b)] = nxt.get((a + 1, b), 0) + Fraction(2 * k - 1, k - m) * v
        if previous is not None:
            for (a, b), v in previous.items():
                nxt[(a, b + 1)] = nxt.get((a, b + 1), 0) - Fraction(k + m - 1, k - m) * v
        previous, current = current, nxt
    return current


def _azimuthal_part(m):
    """Re and Im of (x + i y)^m as dicts {(power of x, power of y): int coefficient}."""
    real, imag = {}, {}
    for k in range(m + 1):
        coefficient = comb(m, k) * (-1) ** (k // 2)
        (real if k % 2 == 0 else imag)[(m - k, k)] = coefficient
    return real, imag


def _solid_harmonic(l, m):
    """r^0 R_l^m as (integer polynomial {(n0, n1, n2): int}, numerator, denominator).

    R_l^m = sqrt(numerator / denominator) * polynomial exactly: all arithmetic is
    on Python integers so that each coefficient is rounded to float64 once
    (:func:`_rounded`).
    """
    am = abs(m)
    legendre = _legendre_part(l, am)
    scale = lcm(*(v.denominator for v in legendre.values()))
    numerator = factorial(l - am) * (2 if m != 0 else 1)
    denominator = factorial(l + am) * scale * scale
    real, imag = _azimuthal_part(am)
    azimuthal = real if m >= 0 else imag
    poly = {}
    for (zpow, r2pow), v in legendre.items():
        v = int(v * scale)
        for (xpow, ypow), w in azimuthal.items():
            # expand (x^2 + y^2 + z^2)^r2pow
            for i in range(r2pow + 1):
                for j in range(r2pow + 1 - i):
                    k = r2pow - i - j
                    multinomial = factorial(r2pow) // (factorial(i) * factorial(j) * factorial(k))
                    key = (xpow + 2 * i, ypow + 2 * j, zpow + 2 * k)
                    poly[key] = poly.get(key, 0) + v * w * multinomial
    return poly, numerator, denominator


def _times_r2(poly):
    out = {}
    for (a, b, c), v in poly.items():
        for key in ((a + 2, b, c), (a, b + 2, c), (a, b, c + 2)):
            out[key] = out.get(key, 0) + v
    return out


def _rounded(coefficient, numerator, denominator):
    """sqrt(numerator / denominator) * coefficient, within 1 ulp (Python's int / int
    is correctly rounded, as is sqrt)."""
    return copysign(sqrt(coefficient * coefficient * numerator / denominator), coefficient)


@lru_cache(maxsize=16)
def solid_harmonic_coefficients(max_angular, num_radial):
    """Sparse Cartesian coefficients of r^{2n} R_l^m for all (l, m, n).

    Parameters
    ----------
    max_angular : int
        Highest angular channel l.
    num_radial : tuple of int, length max_angular + 1
        Number of radial functions n = 0 ... num_radial[l] - 1 for each l.

    Returns
    -------
    row_ptr : ndarray of int64, shape (n_rows + 1,)
        CSR row pointer. Rows are ordered l, then m = -l ... l, then n.
    columns : ndarray of int64, shape (nnz,)
        Index into :func:`monomial_exponents` (``max_degree``).
    values : ndarray of float64, shape (nnz,)
        Coefficients T^{nlm}_{n0 n1 n2} (paper Eqs. A23-A24, A42-A46).
    max_degree : int
        max over l of l + 2 (num_radial[l] - 1).
    """
    max_degree = max(l + 2 * (num_radial[l] - 1) for l in range(max_angular + 1))
    index = {tuple(e): i for i, e in enumerate(monomial_exponents(max_degree).tolist())}
    row_ptr, columns, values = [0], [], []
    for l in range(max_angular + 1):
        for m in range(-l, l + 1):
            poly, numerator, denominator = _solid_harmonic(l, m)
            for _ in range(num_radial[l]):
                for key in sorted(poly, key=index.get):
                    if poly[key] != 0:
                        columns.append(index[key])
                        values.append(_rounded(poly[key], numerator, denominator))
                row_ptr.append(len(columns))
                poly = _times_r2(poly)
    return (
        np.array(row_ptr, dtype=np.int64),
        np.array(columns, dtype=np.int64),
        np.array(values, dtype=np.float64),
        max_degree,
    )
