"""Contact of two ellipsoids: the Perram–Wertheim contact function.

An ellipsoid with semi-axes ``a = (a, b, c)`` and body -> lab rotation ``R``
centred at ``r_k`` is the set of points ``x`` with
``(x - r_k)^T G_k^{-1} (x - r_k) <= 1``, where its *shape matrix* is
``G_k = R diag(a^2) R^T`` (paper Eq. 26: ``A^T S^2 A`` with the lab -> body
rotation ``A = R^T``).

Perram and Wertheim (J. Comput. Phys. 58, 409 (1985)) showed that two
ellipsoids separated by ``r12 = r2 - r1`` overlap if and only if the contact
function

    F(r12) = max_{0 <= lambda <= 1} F(lambda),
    F(lambda) = lambda (1 - lambda) r12^T [(1 - lambda) G1 + lambda G2]^{-1} r12,

is below 1, and touch when ``F = 1``. ``F(lambda)`` is concave on [0, 1] with
``F'(0) > 0 > F'(1)``, so the maximiser ``lambda*`` is unique and interior.
Because ``F`` is quadratic in ``|r12|``, the exact distance of closest approach
of the centres along a direction ``r_hat`` is ``sigma_PW = F(r_hat)^(-1/2)``.

The Gay-Berne potential (paper Eqs. 24–26) replaces the maximum by the value
at ``lambda = 1/2``: ``sigma12 = [1/2 r_hat^T (G1 + G2)^{-1} r_hat]^(-1/2)``,
so that ``sigma12 >= sigma_PW`` and ``h12_GB = r - sigma12 <= h12_PW``.

All functions are vectorised: leading dimensions of the inputs broadcast, so
``r12`` of shape ``(N, 3)`` goes with ``G1, G2`` of shape ``(N, 3, 3)`` or
``(3, 3)``.
"""

import numpy as np

__all__ = [
    "shape_matrix",
    "contact_function",
    "closest_approach",
    "gay_berne_sigma",
    "overlaps",
]

_LAMBDA_TOL = 1e-14
_MAX_ITER = 200


def shape_matrix(semiaxes, rotations):
    """Lab-frame shape matrices ``G = R diag(a^2) R^T`` of ellipsoids.

    Parameters
    ----------
    semiaxes : array_like, shape (..., 3)
        Semi-axes ``(a, b, c)`` along the body x, y, z axes.
    rotations : array_like, shape (..., 3, 3)
        Body -> lab rotation matrices ``R`` (``x_lab = R @ x_body``), the
        convention of the project's quaternions ``c_q``. The Gay-Berne
        literature uses the lab -> body matrix ``A = R^T``.

    Returns
    -------
    numpy.ndarray, shape (..., 3, 3)
        Symmetric positive-definite ``G = R diag(a^2) R^T = A^T S^2 A``
        (paper Eq. 26, one term). A point ``x`` lies inside the ellipsoid
        centred at ``r`` iff ``(x - r)^T G^{-1} (x - r) <= 1``.
    """
    semiaxes = np.asarray(semiaxes, dtype=float)
    rotations = np.asarray(rotations, dtype=float)
    return np.einsum("...ij,...j,...kj->...ik", rotations, semiaxes**2, rotations)


def _pencil(r12, G1, G2):
    """Simultaneously diagonalise ``G1`` and ``G2`` along ``r12``.

    With the Cholesky factor ``G1 = L L^T`` and ``L^{-1} G2 L^{-T} = Q D Q^T``,
    ``(1 - lambda) G1 + lambda G2 = L Q [(1 - lambda) I + lambda D] Q^T L^T``,
    hence ``r12^T [...]^{-1} r12 = sum_i c_i^2 / (1 + lambda (d_i - 1))``
    with ``c = Q^T L^{-1} r12``. Returns ``(c^2, d - 1)``, each (..., 3).
    """
    r12 = np.asarray(r12, dtype=float)
    G1 = np.asarray(G1, dtype=float)
    G2 = np.asarray(G2, dtype=float)
    batch = np.broadcast_shapes(r12.shape[:-1], G1.shape[:-2], G2.shape[:-2])
    r12 = np.broadcast_to(r12, batch + (3,))
    G1 = np.broadcast_to(G1, batch + (3, 3))
    G2 = np.broadcast_to(G2, batch + (3, 3))

    L_inv = np.linalg.inv(np.linalg.cholesky(G1))
    C = L_inv @ G2 @ np.swapaxes(L_inv, -1, -2)
    d, Q = np.linalg.eigh(0.5 * (C + np.swapaxes(C, -1, -2)))
    c = np.einsum("...ji,...jk,...k->...i", Q, L_inv, r12)
    return c**2, d - 1.0


def _derivatives(lam, c2, dm1):
    """``F(lambda)``, ``F'(lambda)``, ``F''(lambda)`` from the pencil form."""
    lam = lam[..., None]
    inv = 1.0 / (1.0 + lam * dm1)
    g = np.sum(c2 * inv, axis=-1)
    g1 = -np.sum(c2 * dm1 * inv**2, axis=-1)
    g2 = 2.0 * np.sum(c2 * dm1**2 * inv**3, axis=-1)
    lam = lam[..., 0]
    p, p1 = lam * (1.0 - lam), 1.0 - 2.0 * lam
    return p * g, p1 * g + p * g1, -2.0 * g + 2.0 * p1 * g1 + p * g2


def contact_function(r12, G1, G2, return_lambda=False):
    """Perram–Wertheim contact function of pairs of ellipsoids.

    ``F = max_{lambda in [0, 1]} lambda (1 - lambda) r12^T
    [(1 - lambda) G1 + lambda G2]^{-1} r12`` (Perram & Wertheim,
    J. Comput. Phys. 58, 409 (1985); the exact counterpart of the
    approximation in paper Eqs. 24–26). ``F < 1`` iff the ellipsoids overlap,
    ``F = 1`` at contact.

    The maximiser is the root of ``F'(lambda)`` on (0, 1), found by Newton
    iterations safeguarded by bisection on the sign of ``F'`` (``F`` is
    concave), after a simultaneous diagonalisation of ``G1`` and ``G2`` that
    makes ``F``, ``F'`` and ``F''`` closed-form sums of three terms. The
    iteration stops when every Newton step (or bracket) is below 1e-14, so
    ``lambda`` is accurate to better than 1e-12.

    Parameters
    ----------
    r12 : array_like, shape (..., 3)
        Centre-to-centre vectors ``r2 - r1``.
    G1, G2 : array_like, shape (..., 3, 3)
        Lab-frame shape matrices of the two ellipsoids (:func:`shape_matrix`).
    return_lambda : bool, optional
        Also return the maximiser ``lambda*``.

    Returns
    -------
    F : numpy.ndarray, shape (...)
        The contact function (scales as ``|r12|^2``).
    lam : numpy.ndarray, shape (...)
        ``lambda*`` in (0, 1); only if ``return_lambda``.
    """
    c2, dm1 = _pencil(r12, G1, G2)
    lo = np.zeros(c2.shape[:-1])
    hi = np.ones(c2.shape[:-1])
    lam = np.full(c2.shape[:-1], 0.5)
    for _ in range(_MAX_ITER):
        _, dF, d2F = _derivatives(lam, c2, dm1)
        rising = dF > 0.0
        lo = np.where(rising, lam, lo)
        hi = np.where(rising, hi, lam)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = dF / d2F
        converged = (np.abs(step) < _LAMBDA_TOL) | (hi - lo < _LAMBDA_TOL)
        if np.all(converged):
            break
        newton = lam - step
        inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
        lam = np.where(converged, lam, np.where(inside, newton, 0.5 * (lo + hi)))
    F = _derivatives(lam, c2, dm1)[0]
    return (F, lam) if return_lambda else F


def _unit(r_hat):
    r_hat = np.asarray(r_hat, dtype=float)
    return r_hat / np.linalg.norm(r_hat, axis=-1, keepdims=True)


def closest_approach(r_hat, G1, G2):
    """Exact distance of closest approach ``sigma_PW`` of two ellipsoids.

    The centre-to-centre distance at which the ellipsoids touch when one is
    translated along ``r_hat``: ``sigma_PW = F(r_hat)^(-1/2)`` with ``F``
    the Perram–Wertheim contact function (:func:`contact_function`) of the
    *unit* vector. ``h12_PW = r - sigma_PW`` is then the exact counterpart of
    the Gay-Berne ``h12`` of paper Eq. 24.

    Parameters
    ----------
    r_hat : array_like, shape (..., 3)
        Directions of ``r12 = r2 - r1``; normalised here, so any non-zero
        vector may be passed.
    G1, G2 : array_like, shape (..., 3, 3)
        Lab-frame shape matrices (:func:`shape_matrix`).

    Returns
    -------
    numpy.ndarray, shape (...)
        ``sigma_PW``; always ``<=`` :func:`gay_berne_sigma`.
    """
    return contact_function(_unit(r_hat), G1, G2) ** -0.5


def gay_berne_sigma(r_hat, G1, G2):
    """Gay-Berne approximation ``sigma12`` to the distance of closest approach.

    ``sigma12 = [1/2 r_hat^T G12^{-1} r_hat]^(-1/2)`` with ``G12 = G1 + G2``
    (paper Eqs. 25–26): the Perram–Wertheim function evaluated at
    ``lambda = 1/2`` instead of at its maximum, hence ``sigma12 >= sigma_PW``,
    with equality e.g. for identical parallel ellipsoids.

    Parameters
    ----------
    r_hat : array_like, shape (..., 3)
        Directions of ``r12``; normalised here (the formula needs the unit
        vector; an unnormalised ``r12`` gives a different, wrong quantity).
    G1, G2 : array_like, shape (..., 3, 3)
        Lab-frame shape matrices (:func:`shape_matrix`).

    Returns
    -------
    numpy.ndarray, shape (...)
        ``sigma12``.
    """
    r_hat = _unit(r_hat)
    G12 = np.asarray(G1, dtype=float) + np.asarray(G2, dtype=float)
    batch = np.broadcast_shapes(r_hat.shape[:-1], G12.shape[:-2])
    r_hat = np.broadcast_to(r_hat, batch + (3,))
    x = np.linalg.solve(np.broadcast_to(G12, batch + (3, 3)), r_hat[..., None])
    return (0.5 * np.sum(r_hat * x[..., 0], axis=-1)) ** -0.5


def overlaps(r12, G1, G2):
    """Whether pairs of ellipsoids overlap: ``F(r12) < 1``.

    Parameters
    ----------
    r12 : array_like, shape (..., 3)
        Centre-to-centre vectors ``r2 - r1``.
    G1, G2 : array_like, shape (..., 3, 3)
        Lab-frame shape matrices (:func:`shape_matrix`).

    Returns
    -------
    numpy.ndarray of bool, shape (...)
        True where the ellipsoids overlap (Perram & Wertheim 1985); touching
        ellipsoids (``F = 1``) do not.
    """
    return contact_function(r12, G1, G2) < 1.0
