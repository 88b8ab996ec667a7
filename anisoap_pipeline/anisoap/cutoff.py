"""Smooth cutoff: featomic's shifted cosine, a weight on each neighbour pair.

With a smoothing width w (Å), the pair (i, j) contributes
f(r) <nlm|rho_ij> instead of <nlm|rho_ij>, r = |r_ij|, with

    f(r) = 1                                         r <= cutoff - w
    f(r) = ½ (1 + cos(π (r - cutoff + w) / w))       cutoff - w < r < cutoff
    f(r) = 0                                         r >= cutoff

(featomic's ``ShiftedCosine`` cutoff), so that features and their gradients
are continuous when a neighbour crosses the cutoff sphere.
"""

import numpy as np

__all__ = ["shifted_cosine"]


def shifted_cosine(vectors, cutoff, width):
    """Weights f(r) and derivatives df/dr of the shifted-cosine cutoff.

    Parameters
    ----------
    vectors : ndarray, shape (n_pairs, 3)
        Pair vectors r_ij in Å (their lengths are taken for a smooth cutoff only).
    cutoff : float
        Cutoff radius in Å.
    width : float or None
        Smoothing width w in Å (0 < w <= cutoff); None: a sharp cutoff
        (weights 1, derivatives 0).

    Returns
    -------
    weights, derivatives : ndarray, shape (n_pairs,)
        f(r) (dimensionless) and df/dr (1/Å).
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if width is None:
        return np.ones(len(vectors)), np.zeros(len(vectors))
    distances = np.linalg.norm(vectors, axis=1)
    t = np.clip((distances - cutoff + width) / width, 0.0, 1.0)
    weights = 0.5 * (1.0 + np.cos(np.pi * t))
    derivatives = np.where((t > 0.0) & (t < 1.0), -0.5 * np.pi / width * np.sin(np.pi * t), 0.0)
    return weights, derivatives
