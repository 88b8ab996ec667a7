"""Hard-ellipsoid Monte Carlo: compression to a target packing fraction.

Dense configurations of hard ellipsoids in an orthorhombic periodic box,
grown from a dilute valid configuration by *compression Monte Carlo*:
blocks of trial moves alternate with box compression steps until the box
reaches its target size (see :func:`compress`). Overlaps are decided
exactly, by the Perram–Wertheim contact function (Perram & Wertheim,
J. Comput. Phys. 58, 409 (1985); :mod:`anisoap_pipeline.contact`, here
ported to numba): two ellipsoids overlap iff ``F < 1``.

Trial moves
    *Translation*: a centre displaced uniformly in a cube of half-width
    ``step_translation``. *Rotation*: the particle turned by a uniform angle
    in ``[-step_rotation, step_rotation]`` about the lab z axis (the
    director of the liquid-crystal generator). Rotations about the director
    keep every particle's polar angle theta, so the distribution of
    ``cos theta``, hence ``<P2(cos theta)>`` about the director, is exactly
    that of the starting configuration (e.g. a Maier–Saupe sample); the
    azimuths relax. A move is rejected if it creates an overlap.
Layer confinement (smectics)
    Optionally each particle k is bound to a layer plane ``z = f_k Lz``
    (``f_k`` fractional, ``Lz`` the box height) by the external potential
    ``U / kT = dz^2 / (2 w^2)`` (``dz`` the minimum-image distance to the
    plane, ``w`` the layer width): translations are accepted with the
    Metropolis probability ``min(1, exp(-dU / kT))``. Alone it gives the
    Gaussian ``dz`` of standard deviation ``w`` of the random-sequential
    generator; crowding widens the layers at high density.
Compression
    Isotropic: after every sweep the box and the centres are scaled by
    ``s = max(s_floor, 1 - gap_fraction (1 - s_touch))``, where
    ``s_touch = max_pairs F^-1/2`` is the exact factor at which the first
    pair would touch (``F`` is quadratic in the separation) and
    ``s_floor = max(1 - max_strain, target / box)``, so the last step lands
    on the target box exactly; the step is accepted only if the scaled
    configuration has no overlap (every listed pair tested again).
    Translation and rotation step sizes adapt after every sweep towards an
    acceptance ratio of 0.35, then stay fixed for the equilibration sweeps at
    the target.
Neighbours
    Verlet lists: each particle's neighbours within the sum of the largest
    semi-axes (the bounding spheres) plus a skin of the smallest diameter,
    rebuilt (O(N^2), minimum image) when a centre may have moved by half the
    skin since (box compression shrinking the lists' reach accordingly). A
    listed pair is certainly apart beyond the bounding spheres or when the
    spherocylinders containing the ellipsoids (radius the middle semi-axis
    around the longest axis) are apart, certainly overlapping within the
    inscribed spheres; only pairs in between are decided by the contact
    function. The lists take N^2 integers of memory.

Reproducibility: all random numbers come from a :class:`numpy.random.Generator`
(one block per sweep), the number of sweeps depends on the configuration only
(never on time; ``max_sweeps`` bounds it), and the kernels are serial, so the
same seed gives bit-identical output whatever the machine load or core count.
"""

import numpy as np
from numba import njit
from scipy.spatial.transform import Rotation

__all__ = ["CompressionError", "compress", "contact_function", "count_overlaps"]

_LAMBDA_TOL = 1e-14
_MAX_ITER = 200
_TARGET_ACCEPTANCE = 0.35


class CompressionError(RuntimeError):
    """Compression Monte Carlo did not reach the target box within its sweeps."""


@njit(cache=True)
def _contact(r0, r1, r2, G, i, j, stop_at):
    """Perram–Wertheim ``F = max_lambda lambda (1 - lambda) r^T [(1 - lambda) G1 + lambda G2]^-1 r``.

    ``G1 = G[i]``, ``G2 = G[j]`` (indices rather than views: no reference
    counting in the inner loops).

    With ``M = G1 + lambda D``, ``D = G2 - G1`` and ``x = M^-1 r``, the
    inner function ``g = r.x`` has ``g' = -x.Dx`` and ``g'' = 2 (Dx).M^-1 (Dx)``;
    Newton iterations on ``F'`` safeguarded by bisection (``F`` is concave),
    stopped when the step or the bracket is below 1e-14, as in
    :func:`anisoap_pipeline.contact.contact_function`. The search stops
    early at the first lambda where ``F >= stop_at`` and returns that lower
    bound (``stop_at = 1``: then certainly no overlap), or as soon as the
    tangent at lambda bounds the maximum over the bracket below ``stop_at``
    (``F`` is concave: certainly an overlap); ``stop_at = inf`` converges. Scalar code
    (symmetric 3x3 matrices, inverse by the adjugate): no allocation.
    """
    a00, a01, a02, a11, a12, a22 = G[i, 0, 0], G[i, 0, 1], G[i, 0, 2], G[i, 1, 1], G[i, 1, 2], G[i, 2, 2]
    d00, d01, d02 = G[j, 0, 0] - a00, G[j, 0, 1] - a01, G[j, 0, 2] - a02
    d11, d12, d22 = G[j, 1, 1] - a11, G[j, 1, 2] - a12, G[j, 2, 2] - a22
    lo, hi, lam = 0.0, 1.0, 0.5
    F = 0.0
    for _ in range(_MAX_ITER):
        m00, m01, m02 = a00 + lam * d00, a01 + lam * d01, a02 + lam * d02
        m11, m12, m22 = a11 + lam * d11, a12 + lam * d12, a22 + lam * d22
        c00 = m11 * m22 - m12 * m12
        c01 = m02 * m12 - m01 * m22
        c02 = m01 * m12 - m02 * m11
        c11 = m00 * m22 - m02 * m02
        c12 = m02 * m01 - m00 * m12
        c22 = m00 * m11 - m01 * m01
        det = m00 * c00 + m01 * c01 + m02 * c02
        x0 = (c00 * r0 + c01 * r1 + c02 * r2) / det
        x1 = (c01 * r0 + c11 * r1 + c12 * r2) / det
        x2 = (c02 * r0 + c12 * r1 + c22 * r2) / det
        y0 = d00 * x0 + d01 * x1 + d02 * x2
        y1 = d01 * x0 + d11 * x1 + d12 * x2
        y2 = d02 * x0 + d12 * x1 + d22 * x2
        g = r0 * x0 + r1 * x1 + r2 * x2
        g1 = -(x0 * y0 + x1 * y1 + x2 * y2)
        g2 = 2.0 * (c00 * y0 * y0 + c11 * y1 * y1 + c22 * y2 * y2
                    + 2.0 * (c01 * y0 * y1 + c02 * y0 * y2 + c12 * y1 * y2)) / det
        p, p1 = lam * (1.0 - lam), 1.0 - 2.0 * lam
        F = p * g
        if F >= stop_at:
            return F
        dF = p1 * g + p * g1
        d2F = -2.0 * g + 2.0 * p1 * g1 + p * g2
        if dF > 0.0:
            lo = lam
        else:
            hi = lam
        if stop_at < np.inf and F + abs(dF) * (hi - lo) < stop_at:
            return F  # concave: the tangent bounds max F below stop_at
        step = dF / d2F
        if abs(step) < _LAMBDA_TOL or hi - lo < _LAMBDA_TOL:
            return F
        newton = lam - step
        if newton > lo and newton < hi:
            lam = newton
        else:
            lam = 0.5 * (lo + hi)
    return F


@njit(cache=True, inline="always")
def _segments_apart(r0, r1, r2, A, i, j, half_length, seg2):
    """Whether segments ``±half_length`` along ``A[i]`` (at 0) and ``A[j]`` (at r) are ``>= sqrt(seg2)`` apart.

    Closest points of two segments (Ericson, Real-Time Collision Detection,
    Sec. 5.1.9): the unconstrained optimum clamped, then each parameter
    re-derived from the other and clamped.
    """
    b = A[i, 0] * A[j, 0] + A[i, 1] * A[j, 1] + A[i, 2] * A[j, 2]
    di = A[i, 0] * r0 + A[i, 1] * r1 + A[i, 2] * r2
    dj = A[j, 0] * r0 + A[j, 1] * r1 + A[j, 2] * r2
    denom = 1.0 - b * b
    s = (di - b * dj) / denom if denom > 1e-12 else 0.0
    s = min(max(s, -half_length), half_length)
    t = b * s - dj
    if t < -half_length or t > half_length:
        t = min(max(t, -half_length), half_length)
        s = min(max(di + b * t, -half_length), half_length)
    x0 = r0 + t * A[j, 0] - s * A[i, 0]
    x1 = r1 + t * A[j, 1] - s * A[i, 1]
    x2 = r2 + t * A[j, 2] - s * A[i, 2]
    return x0 * x0 + x1 * x1 + x2 * x2 >= seg2


@njit(cache=True, inline="always")
def _wrap(d, length):
    """Minimum image of a difference of two coordinates in ``[0, length)``."""
    if d > 0.5 * length:
        return d - length
    if d < -0.5 * length:
        return d + length
    return d


@njit(cache=True, inline="always")
def _minimum_image(P, i, j, box):
    """``P[j] - P[i]`` to the nearest image; both centres inside the box ``[0, box)``."""
    return (_wrap(P[j, 0] - P[i, 0], box[0]), _wrap(P[j, 1] - P[i, 1], box[1]),
            _wrap(P[j, 2] - P[i, 2], box[2]))


@njit(cache=True, inline="always")
def _pair_contact(i, j, P, G, A, box, shape, scale, stop_at):
    """Contact function of particles i and j at separation ``scale *`` (minimum image of ``P[j] - P[i]``).

    ``P, G, A``: centres, shape matrices, unit long axes;
    ``shape = (core2, reach2, half_length, seg2)``. Returns ``0`` within the
    inscribed spheres (certainly overlapping) and ``inf`` when certainly
    apart: beyond the bounding spheres, or when the spherocylinders that
    contain the ellipsoids (radius the middle semi-axis, around the longest
    axis, of half-length longest - middle) are apart. Otherwise the
    Perram–Wertheim ``F`` (:func:`_contact`).
    """
    r0, r1, r2 = _minimum_image(P, i, j, box)
    r0, r1, r2 = scale * r0, scale * r1, scale * r2
    d2 = r0 * r0 + r1 * r1 + r2 * r2
    if d2 >= shape[1]:
        return np.inf
    if d2 < shape[0]:
        return 0.0
    if _segments_apart(r0, r1, r2, A, i, j, shape[2], shape[3]):
        return np.inf
    return _contact(r0, r1, r2, G, i, j, stop_at)


@njit(cache=True)
def _collides(t, i, P, G, A, box, shape, n):
    """Whether particle t (e.g. the trial row) overlaps any of the first n particles but i."""
    for j in range(n):
        if j != i and _pair_contact(t, j, P, G, A, box, shape, 1.0, 1.0) < 1.0:
            return True
    return False


@njit(cache=True)
def _count_overlaps(P, G, A, box, shape, n, stop_at_first):
    """Overlapping pairs among the first n particles."""
    count = 0
    for i in range(n):
        for j in range(i + 1, n):
            if _pair_contact(i, j, P, G, A, box, shape, 1.0, 1.0) < 1.0:
                count += 1
                if stop_at_first:
                    return count
    return count


@njit(cache=True)
def _build_neighbours(P, box, n, lists):
    """Verlet lists of the first n particles: every pair closer than ``r_list`` (minimum image)."""
    ref, nbr, nnb, verlet = lists
    cut2 = verlet[0] * verlet[0]
    nnb[:] = 0
    for i in range(n):
        ref[i] = P[i]
        for j in range(i + 1, n):
            r0, r1, r2 = _minimum_image(P, i, j, box)
            if r0 * r0 + r1 * r1 + r2 * r2 < cut2:
                nbr[i, nnb[i]] = j
                nnb[i] += 1
                nbr[j, nnb[j]] = i
                nnb[j] += 1
    verlet[1] = verlet[0]
    verlet[2] = 0.0


@njit(cache=True, inline="always")
def _displacement(P, t, ref, i, box):
    r0 = _wrap(P[t, 0] - ref[i, 0], box[0])
    r1 = _wrap(P[t, 1] - ref[i, 1], box[1])
    r2 = _wrap(P[t, 2] - ref[i, 2], box[2])
    return np.sqrt(r0 * r0 + r1 * r1 + r2 * r2)


@njit(cache=True)
def _collides_listed(t, i, P, G, A, box, shape, nbr, nnb):
    """:func:`_collides` over the Verlet list of particle i."""
    for k in range(nnb[i]):
        if _pair_contact(t, nbr[i, k], P, G, A, box, shape, 1.0, 1.0) < 1.0:
            return True
    return False


@njit(cache=True)
def _count_overlaps_listed(P, G, A, box, shape, n, nbr, nnb):
    """Whether any listed pair overlaps (the lists valid for ``P``)."""
    for i in range(n):
        for k in range(nnb[i]):
            j = nbr[i, k]
            if j > i and _pair_contact(i, j, P, G, A, box, shape, 1.0, 1.0) < 1.0:
                return True
    return False


@njit(cache=True)
def _touching_scale_listed(P, G, A, box, shape, n, floor, nbr, nnb):
    """``max(floor, largest F^-1/2 over the listed pairs)``: the isotropic scale of the first contact.

    ``F`` is quadratic in the separation, so a pair whose separation is
    scaled by s touches at ``s = F^-1/2`` and is apart for every larger s. A
    pair certainly apart at the best scale so far cannot raise it, so it is
    tested at that scale (and its F converged only when it matters). The
    lists must be valid down to ``floor``.
    """
    scale = floor
    for i in range(n):
        for k in range(nnb[i]):
            j = nbr[i, k]
            if j > i and _pair_contact(i, j, P, G, A, box, shape, scale, 1.0) < 1.0:
                r0, r1, r2 = _minimum_image(P, i, j, box)
                scale = 1.0 / np.sqrt(_contact(r0, r1, r2, G, i, j, np.inf))
    return scale


@njit(cache=True)
def _turned(G0, i, angle, G, t):
    """``G[t] = R_z(angle) G0[i] R_z(angle)^T``."""
    c, s = np.cos(angle), np.sin(angle)
    # rows of R_z: (c, -s, 0), (s, c, 0), (0, 0, 1)
    h00 = c * G0[i, 0, 0] - s * G0[i, 1, 0]
    h01 = c * G0[i, 0, 1] - s * G0[i, 1, 1]
    h02 = c * G0[i, 0, 2] - s * G0[i, 1, 2]
    h10 = s * G0[i, 0, 0] + c * G0[i, 1, 0]
    h11 = s * G0[i, 0, 1] + c * G0[i, 1, 1]
    h12 = s * G0[i, 0, 2] + c * G0[i, 1, 2]
    G[t, 0, 0] = h00 * c - h01 * s
    G[t, 0, 1] = h00 * s + h01 * c
    G[t, 0, 2] = h02
    G[t, 1, 0] = h10 * c - h11 * s
    G[t, 1, 1] = h10 * s + h11 * c
    G[t, 1, 2] = h12
    G[t, 2, 0] = h02
    G[t, 2, 1] = h12
    G[t, 2, 2] = G0[i, 2, 2]


@njit(cache=True)
def _layer_offset(z, plane, height):
    d = z - plane
    return d - height * np.floor(d / height + 0.5)


@njit(cache=True)
def _sweep_block(P, angles, G0, G, A0, A, box, layer_fraction, inv_width2, picks, uniforms,
                 step_translation, step_rotation, shape, lists):
    """Trial moves of particles ``picks[m]`` with random numbers ``uniforms[m]`` (5 each).

    ``P, G, A`` have one row more than there are particles: the trial.
    ``lists = (ref, nbr, nnb, verlet)``, Verlet lists kept valid (rebuilt
    when a centre may have come within ``reach`` of an unlisted one).
    Returns the counts (tried, accepted translations, tried, accepted rotations).
    """
    n = P.shape[0] - 1
    ref, nbr, nnb, verlet = lists
    reach = np.sqrt(shape[1])
    counts = np.zeros(4, dtype=np.int64)
    layered = inv_width2 > 0.0
    for m in range(picks.shape[0]):
        i = picks[m]
        if uniforms[m, 0] < 0.5:
            counts[0] += 1
            for k in range(3):
                x = P[i, k] + step_translation * (2.0 * uniforms[m, 1 + k] - 1.0)
                P[n, k] = x - box[k] * np.floor(x / box[k])
            if layered:  # offsets in units of the box height
                old = _layer_offset(P[i, 2] / box[2], layer_fraction[i], 1.0)
                new = _layer_offset(P[n, 2] / box[2], layer_fraction[i], 1.0)
                dU = 0.5 * inv_width2 * (new * new - old * old)
                if dU > 0.0 and uniforms[m, 4] >= np.exp(-dU):
                    continue
            G[n] = G[i]
            A[n] = A[i]
            moved = _displacement(P, n, ref, i, box)
            if verlet[1] - 2.0 * max(moved, verlet[2]) <= reach:
                _build_neighbours(P, box, n, lists)
                moved = _displacement(P, n, ref, i, box)
            if verlet[1] - 2.0 * moved > reach:
                collides = _collides_listed(n, i, P, G, A, box, shape, nbr, nnb)
            else:  # a step longer than the skin allows
                collides = _collides(n, i, P, G, A, box, shape, n)
            if not collides:
                P[i] = P[n]
                verlet[2] = max(verlet[2], moved)
                if verlet[1] - 2.0 * verlet[2] <= reach:
                    _build_neighbours(P, box, n, lists)
                counts[1] += 1
        else:
            counts[2] += 1
            angle = angles[i] + step_rotation * (2.0 * uniforms[m, 1] - 1.0)
            P[n] = P[i]
            _turned(G0, i, angle, G, n)
            c, s = np.cos(angle), np.sin(angle)
            A[n, 0] = c * A0[i, 0] - s * A0[i, 1]
            A[n, 1] = s * A0[i, 0] + c * A0[i, 1]
            A[n, 2] = A0[i, 2]
            if not _collides_listed(n, i, P, G, A, box, shape, nbr, nnb):
                angles[i] = angle
                G[i] = G[n]
                A[i] = A[n]
                counts[3] += 1
    return counts


def contact_function(r12, G1, G2):
    """Perram–Wertheim contact function of one pair (the numba kernel of the Monte Carlo).

    Same definition and tolerance as
    :func:`anisoap_pipeline.contact.contact_function` (exposed to test the
    port against it).

    Parameters
    ----------
    r12 : array_like, shape (3,)
        Centre-to-centre vector ``r2 - r1``.
    G1, G2 : array_like, shape (3, 3)
        Lab-frame shape matrices ``R diag(a^2) R^T``.

    Returns
    -------
    float
        ``F``; the ellipsoids overlap iff ``F < 1``.
    """
    r0, r1, r2 = np.asarray(r12, dtype=float)
    G = np.array([G1, G2], dtype=float)
    return _contact(r0, r1, r2, G, 0, 1, np.inf)


def count_overlaps(positions, rotations, box, semiaxes):
    """Number of overlapping pairs (minimum image) in an orthorhombic periodic box.

    Parameters
    ----------
    positions : array_like, shape (N, 3)
        Centres.
    rotations : scipy.spatial.transform.Rotation
        N body -> lab rotations.
    box : array_like, shape (3,)
        Box lengths, each at least twice the largest particle extent.
    semiaxes : array_like, shape (3,)
        Semi-axes along the body x, y, z axes, shared by all particles.

    Returns
    -------
    int
    """
    G, axes, shape = _particles(rotations, semiaxes)
    box = np.asarray(box, dtype=float)
    positions = np.ascontiguousarray(positions, dtype=float) % box
    return int(_count_overlaps(positions, G, axes, box, shape, len(positions), False))


def _particles(rotations, semiaxes):
    """Shape matrices, long axes and the culling constants ``(core2, reach2, half_length, seg2)``."""
    semiaxes = np.asarray(semiaxes, dtype=float)
    R = rotations.as_matrix()
    G = np.ascontiguousarray(np.einsum("nij,j,nkj->nik", R, semiaxes**2, R))
    order = np.argsort(semiaxes, kind="stable")
    short, middle, longest = semiaxes[order]
    axes = np.ascontiguousarray(R[:, :, order[2]])
    shape = np.array([(2.0 * short) ** 2, (2.0 * longest) ** 2, longest - middle, (2.0 * middle) ** 2])
    return G, axes, shape


def compress(positions, rotations, semiaxes, box, target_box, rng, *, layer_fraction=None,
             layer_width=None, max_sweeps=20000, equilibration_sweeps=100, gap_fraction=0.8,
             max_strain=0.02, step_translation=0.2, step_rotation=0.3):
    """Compress a valid configuration of hard ellipsoids isotropically to a target box.

    One sweep (N trial moves: translations, rotations about lab z) then one
    compression step, until the box is ``target_box``; then
    ``equilibration_sweeps`` sweeps in the target box. A compression step
    scales the box and the centres by the factor
    ``s = max(s_floor, 1 - gap_fraction (1 - s_touch))`` (``s_floor`` if no
    pair would touch above it), where ``s_touch = max_pairs F^-1/2`` is the
    exact scale at which the first pair would touch (the contact function is
    quadratic in the separation) and
    ``s_floor = max(1 - max_strain, remaining ratio)``; the step is accepted
    only if the scaled configuration has no overlap (every pair within reach
    tested, through the Verlet lists).
    Every output pair has ``F >= 1``.

    Parameters
    ----------
    positions : array_like, shape (N, 3)
        Starting centres (wrapped into the box here), without overlap.
    rotations : scipy.spatial.transform.Rotation
        N body -> lab rotations.
    semiaxes : array_like, shape (3,)
        Semi-axes along the body x, y, z axes, shared by all particles.
    box : array_like, shape (3,)
        Starting orthorhombic box lengths.
    target_box : array_like, shape (3,)
        Final box lengths: the start scaled by one factor ``<= 1``, each at
        least twice the largest particle extent ``4 max(semiaxes)`` (so the
        minimum image is the only one that can overlap).
    rng : numpy.random.Generator
        Source of every random number.
    layer_fraction : array_like, shape (N,), optional
        Height of each particle's layer plane as a fraction of the box
        height; with ``layer_width``, the harmonic layer confinement
        (module docstring).
    layer_width : float, optional
        Width w of the confinement in the target box (it scales with the
        box while compressing), ``U / kT = dz^2 / (2 w^2)``.
    max_sweeps : int, optional
        Compression sweeps (= steps) allowed before :class:`CompressionError`.
    equilibration_sweeps : int, optional
        Sweeps in the target box after compression.
    gap_fraction : float, optional
        Fraction in (0, 1) of the distance to the first contact taken by a
        compression step.
    max_strain : float, optional
        Largest linear compression of one step.
    step_translation, step_rotation : float, optional
        Initial maximal displacement (length unit; at most a quarter of the
        Verlet skin, the smallest diameter) and rotation angle (rad); they
        adapt while compressing and stay fixed while equilibrating.

    Returns
    -------
    positions : numpy.ndarray, shape (N, 3)
        Final centres in ``[0, target_box)``.
    rotations : scipy.spatial.transform.Rotation
        Final rotations (the start turned about lab z).
    stats : dict
        ``compression_sweeps``, ``rejected_steps`` (compression steps undone
        by the overlap check), ``acceptance_translation``,
        ``acceptance_rotation`` (over the equilibration sweeps, or the
        compression if there were none).

    Raises
    ------
    ValueError
        Inconsistent shapes, a target box not a uniform contraction of the
        start or too narrow, a bad layer width, an overlapping start.
    CompressionError
        If the target is not reached within ``max_sweeps`` sweeps.
    """
    positions = np.array(positions, dtype=float)
    n = len(positions)
    semiaxes = np.asarray(semiaxes, dtype=float)
    start = np.asarray(box, dtype=float).copy()
    target_box = np.asarray(target_box, dtype=float).copy()
    if positions.shape != (n, 3) or len(rotations) != n or semiaxes.shape != (3,):
        raise ValueError("positions (N, 3), N rotations and 3 semi-axes expected")
    ratio = target_box / start if start.shape == target_box.shape == (3,) else np.full(3, np.nan)
    if not (np.allclose(ratio, ratio[0], rtol=1e-12) and 0.0 < ratio[0] <= 1.0):
        raise ValueError(
            f"target box {target_box.tolist()} must be the start box {start.tolist()} "
            "scaled by one factor <= 1"
        )
    if target_box.min() < 4.0 * semiaxes.max():
        raise ValueError(
            f"target box {np.round(target_box, 4).tolist()} is narrower than twice the particle "
            f"length {2.0 * semiaxes.max()} (minimum image)"
        )
    inv_width2 = 0.0
    fraction = np.zeros(n)
    if layer_fraction is not None:
        if layer_width is None or not layer_width > 0.0:
            raise ValueError(f"layer_width must be positive with layer_fraction, got {layer_width}")
        inv_width2 = (target_box[2] / layer_width) ** 2
        fraction = np.asarray(layer_fraction, dtype=float).reshape(n).copy()

    G0, axes0, shape = _particles(rotations, semiaxes)
    # working arrays with one extra row for the trial particle
    positions = np.vstack([positions - start * np.floor(positions / start), np.zeros((1, 3))])
    G = np.concatenate([G0, G0[:1]])
    axes = np.concatenate([axes0, axes0[:1]])
    angles = np.zeros(n)
    if _count_overlaps(positions, G, axes, start, shape, n, True):
        raise ValueError("the starting configuration has overlapping particles")

    # Verlet lists: pairs within reach + skin; translations capped at a quarter of the skin
    reach = np.sqrt(shape[1])
    skin = 2.0 * semiaxes.min()
    lists = (np.empty((n, 3)), np.empty((n, n), dtype=np.int64), np.zeros(n, dtype=np.int64),
             np.array([reach + skin, reach + skin, 0.0]))
    ref, nbr, nnb, verlet = lists
    _build_neighbours(positions, start, n, lists)
    steps = [min(float(step_translation), 0.25 * skin), float(step_rotation)]
    cap = [0.25 * skin, np.pi]

    def sweeps(box, count, adapt):
        picks = rng.integers(0, n, size=n * count)
        uniforms = rng.random((n * count, 5))
        counts = _sweep_block(positions, angles, G0, G, axes0, axes, box, fraction, inv_width2, picks,
                              uniforms, steps[0], steps[1], shape, lists)
        if adapt:
            for k in range(2):
                accepted = counts[2 * k + 1] / max(counts[2 * k], 1)
                steps[k] = min(cap[k], steps[k] * 1.1) if accepted > _TARGET_ACCEPTANCE else steps[k] / 1.1
        return counts

    box = start.copy()
    done, rejected = 0, 0
    counts = np.zeros(4, dtype=np.int64)
    while not np.array_equal(box, target_box):
        if done >= max_sweeps:
            raise CompressionError(
                f"compression Monte Carlo reached packing {np.prod(start) / np.prod(box):.4g} times "
                f"the start's, not {np.prod(start) / np.prod(target_box):.4g}, in {done} sweeps; "
                "lower the packing fraction or raise max_sweeps"
            )
        counts += sweeps(box, 1, True)
        done += 1
        remaining = target_box[0] / box[0]
        floor = max(1.0 - max_strain, remaining)
        if (verlet[1] - 2.0 * verlet[2]) * floor <= reach:  # lists valid down to the floor
            _build_neighbours(positions, box, n, lists)
        touch = _touching_scale_listed(positions, G, axes, box, shape, n, floor, nbr, nnb)
        scale = floor if touch <= floor else max(floor, 1.0 - gap_fraction * (1.0 - touch))
        new_box = target_box if scale == remaining else box * scale
        ratio = new_box / box
        scaled = positions * ratio
        if _count_overlaps_listed(scaled, G, axes, new_box, shape, n, nbr, nnb):
            rejected += 1
        else:
            positions[:] = scaled
            ref *= ratio
            verlet[1:] *= ratio.min()
            box = new_box.copy()
    if equilibration_sweeps > 0:
        counts = sweeps(box, int(equilibration_sweeps), False)
    positions = positions[:n] - box * np.floor(positions[:n] / box)
    turned = Rotation.from_euler("z", angles[:, None]) * rotations
    return positions, turned, {
        "compression_sweeps": done,
        "rejected_steps": rejected,
        "acceptance_translation": float(counts[1] / max(counts[0], 1)),
        "acceptance_rotation": float(counts[3] / max(counts[2], 1)),
    }
