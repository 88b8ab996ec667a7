"""Exact gradients of AniSOAP features with respect to positions and orientations.

Conventions
-----------
``"positions"``: ∂X/∂r_k, the derivative with respect to the Cartesian position
(Å) of particle k, featomic's layout (gradient samples ``sample, system, atom``,
component ``xyz``). Every periodic image counts: a neighbour j contributes to
centre i through r_ij = r_j + shift - r_i, so both i and j receive gradients
(the images of i itself cancel).

``"orientations"``: ∂X/∂θ_k, the derivative with respect to an infinitesimal
rotation of particle k about the lab axes x, y, z, i.e. of X evaluated with
R_k -> exp([θ]ₓ) R_k (R_k the body -> lab rotation of the quaternion ``c_q``,
[θ]ₓ the cross-product matrix), at θ = 0. Same layout (component ``xyz`` =
the rotation axis). With E a function of the features, -∂E/∂θ_k is the lab-frame
torque on k; -∂E/∂r_k its force. A rotation changes the neighbour's precision
matrix A_k = R_k diag(1/a²) R_kᵀ by [θ]ₓ A_k - A_k [θ]ₓ. The centre's own
orientation enters its density only through its own Gaussian (the self pair,
absent with ``subtract_center_contribution``) and its periodic images.

Method
------
A pair (i, j) contributes c_φ(r, A) = ∫ φ(x) g_A(x - r) dx to the raw
coefficient of basis function φ = r^{2n} R_l^m(x) exp(-x²/2σ²) (paper
Eqs. A7-A10, A23). Integrating by parts, ∂c_φ/∂r_b = c_{∂_b φ}; and since
rotating everything leaves the integral unchanged,
∂c_φ/∂θ = c_{(x × ∇) φ} - r × ∂c_φ/∂r (the global-rotation identity, exact).
∂_b φ and (x × ∇) φ are again sums of r^{2n'} R_{l'}^{m'} exp(-x²/2σ²) with
l' <= l + 1, n' <= n + 1, degree l' + 2n' <= max degree + 1: so per pair one
contraction of the Gaussian moments (:mod:`.moments`, one degree higher than
the features need) onto that extended set of functions gives the coefficient
and all six derivatives through small fixed sparse matrices built once here.
Every per-pair step (the moments, the extended contraction, the derivatives
and the chain rule to the power spectrum, each pair with its centre's
orthonormalised coefficients from the feature kernel) runs on groups of ~64
pairs of consecutive centres at once, the pairs being the vectorised axis; the
centre's own position derivative is minus the sum of its pairs' (translation
invariance of each pair). Each frame's gradient samples (each run of centres',
per centre) are accumulated in a scratch of their own, then the Löwdin matrix
is applied once per sample and the result written to the output arrays. With
a smooth cutoff (:mod:`.cutoff`) the pair's weight f(|r_ij|) adds f'(r) r̂ c_φ
to the position derivative.
"""

from functools import lru_cache

import numba
import numpy as np
from metatensor import Labels, TensorBlock, TensorMap
from numba import njit, prange
from scipy import sparse
from tqdm.auto import tqdm

from .coefficients import DensityCoefficients, feature_labels, odd_lines
from .moments import (
    block_multipliers,
    gaussian_moment_block,
    gaussian_parameters,
    moment_recurrence,
    moment_terms,
)
from .names import GRADIENT_PARAMETERS  # in the order of the kernel's six directions
from .solid_harmonics import monomial_exponents, solid_harmonic_coefficients

__all__ = [
    "GRADIENT_PARAMETERS", "FeatureGradients", "batch_gradients", "check_gradients", "compute_gradients",
    "derivative_maps",
]

#: Kinds with gradients.
KINDS = ("power_spectrum", "radial_spectrum", "coefficients", "bispectrum")  # bispectrum: .bispectrum_gradients


# --------------------------------------------------------------------- maps
def _rows(max_angular, num_radial):
    """Polynomials of the rows (l, m, n) of :func:`solid_harmonic_coefficients`
    as a dense (n_rows, n_monomials) matrix, with each row's (l, m, n)."""
    row_ptr, columns, values, max_degree = solid_harmonic_coefficients(max_angular, tuple(num_radial))
    n_rows = len(row_ptr) - 1
    dense = np.zeros((n_rows, len(monomial_exponents(max_degree))))
    for r in range(n_rows):
        dense[r, columns[row_ptr[r] : row_ptr[r + 1]]] = values[row_ptr[r] : row_ptr[r + 1]]
    labels = [(l, m, n) for l in range(max_angular + 1) for m in range(-l, l + 1) for n in range(num_radial[l])]
    return dense, labels


def _operators(max_degree):
    """∂_b and multiplication by x_b on polynomials of degree <= max_degree
    (sparse matrices on monomial vectors; images of degree max_degree + 1 for x_b)."""
    small = monomial_exponents(max_degree)
    large = monomial_exponents(max_degree + 1)
    index = {tuple(e): i for i, e in enumerate(large.tolist())}
    shape = (len(large), len(large))
    derivative, times = [], []
    for b in range(3):
        unit = np.eye(3, dtype=np.int64)[b]
        up = [index[tuple(e)] for e in (small + unit).tolist()]
        times.append(sparse.csr_matrix((np.ones(len(small)), (up, np.arange(len(small)))), shape=shape))
        has = np.flatnonzero(small[:, b] > 0)
        down = [index[tuple(e)] for e in (small[has] - unit).tolist()]
        derivative.append(sparse.csr_matrix((small[has, b].astype(float), (down, has)), shape=shape))
    return derivative, times


def _express(target, candidates, what):
    """Coefficients y with candidatesᵀ y = target (least squares), checked exact;
    entries below 1e-12 of their column's largest (round-off) set to zero."""
    used = np.flatnonzero(np.abs(candidates).sum(axis=0) + np.abs(target).sum(axis=1))
    solution = np.zeros((len(candidates), target.shape[1]))
    if len(candidates):
        solution, *_ = np.linalg.lstsq(candidates[:, used].T, target[used], rcond=None)
    residual = np.abs(candidates.T @ solution - target).max()
    scale = np.abs(target).max()
    if residual > 1e-9 * max(scale, 1e-300):
        raise RuntimeError(f"{what}: not in the span of the solid harmonics (residual {residual:.2e})")
    solution[np.abs(solution) < 1e-12 * np.abs(solution).max(axis=0, keepdims=True, initial=0.0)] = 0.0
    return solution


def _csr(blocks, n_rows):
    """Three {row: {column: value}} dicts -> (ptr (3, n_rows + 1), columns, values)."""
    ptr = np.zeros((3, n_rows + 1), dtype=np.int64)
    columns, values = [], []
    for b, block in enumerate(blocks):
        ptr[b, 0] = len(columns)  # the three matrices share one columns/values array
        for r in range(n_rows):
            row = block.get(r, {})
            for col in sorted(row):
                columns.append(col)
                values.append(row[col])
            ptr[b, r + 1] = len(columns)
    return ptr, np.array(columns, dtype=np.int64), np.array(values, dtype=np.float64)


@lru_cache(maxsize=8)
def derivative_maps(max_angular, num_radial, inv_sigma2):
    """Fixed sparse matrices turning a pair's extended coefficients into derivatives.

    Parameters
    ----------
    max_angular : int
    num_radial : tuple of int
    inv_sigma2 : float
        1/σ² of the GTO basis (Å⁻²), 0 for the monomial basis.

    Returns
    -------
    dict
        ``table``: moment recurrence up to degree D + 1 (D the features' degree);
        ``terms, n_multipliers``: :func:`.moments.moment_terms` of its part the
        extended functions use; ``n_monomials``: number of monomials of degree <= D;
        ``ext_ptr, ext_columns, ext_values``: CSR (n_ext, n_monomials) of the
        extended functions r^{2n'} R_{l'}^{m'}, the feature rows (l, m, n) first;
        ``ext_order``: the rows by degree l' + 2n' (the order the kernel computes them);
        ``d_ptr, d_columns, d_values``: for b = x, y, z the CSR (n_rows, n_ext)
        of ∂_b φ - x_b φ / σ² (φ without its Gaussian), i.e. of ∂_b of the basis
        function; ``l_ptr, l_columns, l_values``: for a = x, y, z the CSR
        (n_rows, n_rows) of the rotation generator (x × ∇)_a, antisymmetric.
    """
    num_radial = tuple(int(n) for n in num_radial)
    basis, labels = _rows(max_angular, num_radial)
    max_degree = max(l + 2 * (nr - 1) for l, nr in enumerate(num_radial))
    derivative, times = _operators(max_degree)
    n_large = derivative[0].shape[1]
    basis = np.pad(basis, ((0, 0), (0, n_large - basis.shape[1])))
    # every (l', n') a derivative of a feature row (l, n) can reach
    def reach(l, n):  # the x_b φ / σ² term raises the degree; absent for monomials
        return [(l + 1, n - 1), (l - 1, n)] + ([(l + 1, n), (l - 1, n + 1)] if inv_sigma2 else [])

    needed = {(l, n) for (l, _, n) in labels}
    for l, _, n in labels:
        needed |= set(reach(l, n))
    needed = {(l, n) for (l, n) in needed if l >= 0 and n >= 0}
    ext_radial = [1 + max([n for (lp, n) in needed if lp == l], default=-1) for l in range(max_angular + 2)]
    ext_dense, ext_labels = _rows(max_angular + 1, ext_radial)
    ext_dense = np.pad(ext_dense, ((0, 0), (0, n_large - ext_dense.shape[1])))
    where = {lab: r for r, lab in enumerate(ext_labels)}
    label_set = set(labels)
    order = [where[lab] for lab in labels] + [
        r for r, (l, m, n) in enumerate(ext_labels) if (l, n) in needed and (l, m, n) not in label_set
    ]
    ext_dense, ext_labels = ext_dense[order], [ext_labels[r] for r in order]

    d_blocks = [{}, {}, {}]
    l_blocks = [{}, {}, {}]
    rotation = [(1, 2), (2, 0), (0, 1)]  # (x × ∇)_a = x_b ∂_c - x_c ∂_b
    feature_pairs = sorted({(l, n) for (l, _, n) in labels})
    for l, n in feature_pairs:
        rows = [r for r, (lr, _, nr) in enumerate(labels) if (lr, nr) == (l, n)]
        polys = basis[rows].T  # (n_monomials, 2l + 1)
        targets = [derivative[b] @ polys - inv_sigma2 * (times[b] @ polys) for b in range(3)]
        cols = [e for e, (le, _, ne) in enumerate(ext_labels) if (le, ne) in reach(l, n)]
        solution = _express(np.concatenate(targets, axis=1), ext_dense[cols], f"∂ r^{2 * n} R_{l}")
        for b in range(3):
            part = solution[:, b * len(rows) : (b + 1) * len(rows)]
            for k, r in enumerate(rows):
                d_blocks[b][r] = {cols[i]: v for i, v in enumerate(part[:, k]) if v != 0.0}
        for a, (b, c) in enumerate(rotation):
            target = times[b] @ (derivative[c] @ polys) - times[c] @ (derivative[b] @ polys)
            block = _express(target[: basis.shape[1]], basis[rows], f"(x × ∇) r^{2 * n} R_{l}")
            block = 0.5 * (block - block.T)  # exact antisymmetry (equal-norm real harmonics)
            for k, r in enumerate(rows):
                l_blocks[a][r] = {rows[i]: v for i, v in enumerate(block[:, k]) if v != 0.0}

    n_value = len(monomial_exponents(max_degree))
    ext_ptr = np.zeros(len(ext_labels) + 1, dtype=np.int64)
    ext_columns, ext_values = [], []
    for e in range(len(ext_labels)):
        nonzero = np.flatnonzero(ext_dense[e])
        ext_columns.extend(nonzero.tolist())
        ext_values.extend(ext_dense[e, nonzero].tolist())
        ext_ptr[e + 1] = len(ext_columns)
    d_ptr, d_columns, d_values = _csr(d_blocks, len(labels))
    l_ptr, l_columns, l_values = _csr(l_blocks, len(labels))
    table = moment_recurrence(max_degree + 1)
    ext_columns = np.array(ext_columns, dtype=np.int64)
    # the moments the extended functions use (graded order: a prefix of the table)
    terms, n_multipliers = moment_terms(table[: max(int(ext_columns.max(initial=0)) + 1, n_value)])
    # rows of the same degree l' + 2n' read the same moments (their polynomials are
    # homogeneous): computed in that order, those moments stay in cache
    ext_order = np.argsort([l + 2 * n for (l, _, n) in ext_labels], kind="stable").astype(np.int64)
    return dict(
        table=table,
        terms=terms,
        ext_order=ext_order,
        n_multipliers=n_multipliers,
        n_monomials=n_value,
        ext_ptr=ext_ptr,
        ext_columns=ext_columns,
        ext_values=np.array(ext_values, dtype=np.float64),
        d_ptr=d_ptr,
        d_columns=d_columns,
        d_values=d_values,
        l_ptr=l_ptr,
        l_columns=l_columns,
        l_values=l_values,
    )


# ------------------------------------------------------------------- kernels
@njit(cache=True)
def _offsets(num_radial, n_species):
    n_l = num_radial.shape[0]
    row_start = np.zeros(n_l + 1, dtype=np.int64)
    coef_start = np.zeros(n_l + 1, dtype=np.int64)
    ps_start = np.zeros(n_l + 1, dtype=np.int64)
    for l in range(n_l):
        nr = num_radial[l]
        row_start[l + 1] = row_start[l] + (2 * l + 1) * nr
        coef_start[l + 1] = coef_start[l] + (2 * l + 1) * n_species * nr
        ps_start[l + 1] = ps_start[l] + (n_species * nr) ** 2
    return row_start, coef_start, ps_start


#: Pairs (of consecutive centres) that :func:`gradient_kernel` treats together, as
#: the vectorised lanes of its scratch arrays. Each per-row step (a sparse row of
#: the extended contraction or the derivative maps, a term of the chain rule)
#: pays a fixed cost (index loads, numba's run-time alias checks) that the lanes
#: amortise. Measured on W1 (one thread, kernel CPU time): 16 lanes 1.9x, 32
#: 1.1x, 128 1.05x the time of 64.
_GROUP = 64

#: Centres per unit of gradient samples in the per-centre layout (their samples'
#: raw gradients are held until the unit is finalised).
_UNIT_CENTRES = 16


@njit(cache=True)
def _lane_row(first, last, columns, values, x, n_lanes, o):
    """o[:n_lanes] = sum_t values[t] x[columns[t], :n_lanes] over t = first..last-1 (one
    row of a CSR matrix; the lanes are the vectorised axis). Four terms per pass,
    added left to right: the order, and so the bits, of a term-by-term sum, with a
    quarter of the loads and stores of ``o``."""
    for p in range(n_lanes):
        o[p] = 0.0
    t = first
    while t + 4 <= last:
        v0, v1, v2, v3 = values[t], values[t + 1], values[t + 2], values[t + 3]
        x0, x1, x2, x3 = x[columns[t]], x[columns[t + 1]], x[columns[t + 2]], x[columns[t + 3]]
        for p in range(n_lanes):
            o[p] = o[p] + v0 * x0[p] + v1 * x1[p] + v2 * x2[p] + v3 * x3[p]
        t += 4
    while t < last:
        v0 = values[t]
        x0 = x[columns[t]]
        for p in range(n_lanes):
            o[p] += v0 * x0[p]
        t += 1


@njit(cache=True)
def _finalise_slot(a, power_spectrum, n_l, num_radial, n_species, orthonormalization, ps_start, coef_start, t, o,
                   first_column):
    """One direction of one gradient sample: the Löwdin matrices applied to the raw
    accumulated ``a`` and, for the power spectrum, (-1)^l/√(2l+1) (B + Bᵀ), written
    to ``o[first_column:]`` (columns of :func:`.coefficients.power_spectrum_values`,
    or the flat coefficient layout). ``t``: scratch of at least (max width)²."""
    for l in range(n_l):
        nr = num_radial[l]
        width = n_species * nr
        if power_spectrum:
            factor = (-1.0) ** l / np.sqrt(2.0 * l + 1.0)
            base = ps_start[l]
            # (views from index 0: their loops need no negative-index checks)
            for s in range(n_species):
                for k in range(nr):
                    row = t[(s * nr + k) * width : (s * nr + k + 1) * width]
                    for q2 in range(width):
                        row[q2] = 0.0
                    for n in range(nr):
                        wn = orthonormalization[l, n, k]
                        source = a[base + (s * nr + n) * width : base + (s * nr + n + 1) * width]
                        for q2 in range(width):
                            row[q2] += wn * source[q2]
            for q in range(width):
                tq = t[q * width : (q + 1) * width]
                target = o[first_column + base + q * width : first_column + base + (q + 1) * width]
                for q2 in range(width):
                    target[q2] = factor * tq[q2] + factor * t[q2 * width + q]
        else:
            for m in range(2 * l + 1):
                for s in range(n_species):
                    base = coef_start[l] + (m * n_species + s) * nr
                    for k in range(nr):
                        total = 0.0
                        for n in range(nr):
                            total += a[base + n] * orthonormalization[l, n, k]
                        o[first_column + base + k] = total


@njit(cache=True, parallel=True)
def gradient_kernel(
    task_ptr, unit_ptr, unit_slot_ptr, pair_ptr, neighbors, vectors, weights, dweights, precisions,
    semiaxes_products, species_index, n_species, inv_sigma2, terms, n_multipliers, flat, ext_ptr, ext_columns,
    ext_values, ext_order, d_ptr, d_columns, d_values, l_ptr, l_columns, l_values, num_radial, orthonormalization,
    power_spectrum, n_l, positions, orientations, slot_neighbor, slot_center, center_weight, slot_row, slot_column,
    max_pairs, max_unit_slots, out_positions, out_orientations,
):
    """Gradients of all centres' features, written in place.

    Units (``unit_ptr``: contiguous centres) own the gradient samples
    ``unit_slot_ptr[u]:unit_slot_ptr[u + 1]`` (whole frames for frame means): a
    unit's raw gradients are accumulated in a scratch of its own samples, then
    finalised (:func:`_finalise_slot`) into the output rows. Tasks
    (``task_ptr``: contiguous units) run in parallel; every sample is written
    by one unit in a fixed order, so the bits do not depend on the threads.
    Within a unit, every per-pair step runs over a group of about ``_GROUP``
    pairs of consecutive centres at once (the pairs are the contiguous,
    vectorised axis of the scratch arrays); the derivatives and the chain rule
    to the power spectrum (each pair with its centre's row of ``flat``, the
    orthonormalised coefficients of :func:`.expansion.density_coefficients`)
    run one (l, n) block of rows at a time, the scatter one l at a time (each
    pair's columns of that l in contiguous runs).

    Fills ``out_positions`` and ``out_orientations`` (n_rows, 3, n_columns):
    sample s goes to row ``slot_row[s]``, columns from ``slot_column[s]`` (an
    array that is not requested may have no rows).
    """
    n_ext = ext_ptr.shape[0] - 1
    row_start, coef_start, ps_start = _offsets(num_radial, n_species)
    n_acc = ps_start[n_l] if power_spectrum else coef_start[n_l]
    largest_width = 0
    for l in range(n_l):
        largest_width = max(largest_width, n_species * num_radial[l])
    largest_m = 2 * n_l - 1
    largest_nr = num_radial[:n_l].max()
    u_first = 0 if positions else 3
    u_last = 6 if orientations else 3
    capacity = (max(max_pairs, _GROUP) + 3) // 4 * 4
    for task in prange(task_ptr.shape[0] - 1):
        covariance = np.empty((3, 3))
        center = np.empty(3)
        # rows of an odd number of cache lines: rows a power of two apart would share a
        # few cache sets and evict each other
        covariances = np.empty((9, odd_lines(capacity)))
        centers = np.empty((3, odd_lines(capacity)))
        multipliers = np.empty((9 * n_multipliers, odd_lines(capacity)))
        prefactors = np.empty(capacity)
        rv = np.empty((3, odd_lines(capacity)))
        radial = np.empty((3, odd_lines(capacity)))
        moments = np.empty((terms.shape[0], odd_lines(capacity)))
        ext = np.empty((n_ext, odd_lines(capacity)))
        # direction u of lane p at u * stride + p; rows: m (one n at a time) before the
        # chain rule, (m, n) of one l without it
        derivative = np.zeros((largest_m * (1 if power_spectrum else largest_nr), odd_lines(6 * capacity)))
        centre_coefficients = np.zeros((largest_m * largest_width if power_spectrum else 1, odd_lines(capacity)))
        chained = np.zeros((largest_nr * largest_width if power_spectrum else 1, odd_lines(6 * capacity)))
        local = np.empty((max_unit_slots, 6, n_acc))
        scratch = np.empty(largest_width * largest_width)
        for unit in range(task_ptr[task], task_ptr[task + 1]):
            slot_first = unit_slot_ptr[unit]
            n_unit_slots = unit_slot_ptr[unit + 1] - slot_first
            local[:n_unit_slots] = 0.0
            end = unit_ptr[unit + 1]
            next_centre = unit_ptr[unit]
            while next_centre < end:
                group_first = next_centre
                group_pairs = 0
                while next_centre < end and (
                    group_pairs == 0 or group_pairs + pair_ptr[next_centre + 1] - pair_ptr[next_centre] <= _GROUP
                ):
                    group_pairs += pair_ptr[next_centre + 1] - pair_ptr[next_centre]
                    next_centre += 1
                if group_pairs == 0:
                    continue
                offset = pair_ptr[group_first]
                lanes = group_pairs
                stride = (lanes + 3) // 4 * 4  # whole vectors per direction
                smooth = False
                for p in range(lanes):
                    q = offset + p
                    j = neighbors[q]
                    prefactors[p] = weights[q] * gaussian_parameters(
                        vectors[q], precisions[j], semiaxes_products[j], inv_sigma2, covariance, center
                    )
                    for a in range(3):
                        centers[a, p] = center[a]
                        rv[a, p] = vectors[q, a]
                        for b in range(3):
                            covariances[3 * a + b, p] = covariance[a, b]
                    # the smooth cutoff's f'(r) r̂ c_φ, as f'(r)/f(r) r̂ times the weighted c_φ
                    w = weights[q]
                    scale = dweights[q] / w if w > 0.0 else 0.0
                    if scale != 0.0:
                        smooth = True
                        norm = np.sqrt(vectors[q, 0] ** 2 + vectors[q, 1] ** 2 + vectors[q, 2] ** 2)
                        for b in range(3):
                            radial[b, p] = scale * vectors[q, b] / norm
                    else:
                        for b in range(3):
                            radial[b, p] = 0.0
                block_multipliers(covariances, n_multipliers, lanes, multipliers)
                gaussian_moment_block(centers, multipliers, prefactors, terms, lanes, moments)
                for e in ext_order:
                    _lane_row(ext_ptr[e], ext_ptr[e + 1], ext_columns, ext_values, moments, lanes, ext[e])
                for l in range(n_l):
                    nr = num_radial[l]
                    width = n_species * nr
                    n_m = 2 * l + 1
                    if power_spectrum:
                        # the centres' coefficients c[(l, m), q] of each lane
                        for c in range(group_first, next_centre):
                            p0, p1 = pair_ptr[c] - offset, pair_ptr[c + 1] - offset
                            for k in range(n_m * width):
                                centre_coefficients[k, p0:p1] = flat[c, coef_start[l] + k]
                    for n in range(nr):
                        # rows (l, m, n), m = -l..l: ∂_b c_φ, then (x × ∇)_a c_φ - (r × ∂c_φ)_a
                        for m in range(n_m):
                            row = row_start[l] + m * nr + n
                            d = derivative[m if power_spectrum else m * nr + n]
                            for b in range(3):
                                _lane_row(d_ptr[b, row], d_ptr[b, row + 1], d_columns, d_values, ext, lanes,
                                          d[b * stride : b * stride + lanes])
                            if orientations:
                                for a in range(3):
                                    b, cc = (a + 1) % 3, (a + 2) % 3
                                    da = d[(3 + a) * stride : (3 + a) * stride + lanes]
                                    _lane_row(l_ptr[a, row], l_ptr[a, row + 1], l_columns, l_values, ext, lanes, da)
                                    db = d[b * stride : b * stride + lanes]
                                    dc = d[cc * stride : cc * stride + lanes]
                                    rb, rc = rv[b], rv[cc]
                                    for p in range(lanes):
                                        da[p] -= rb[p] * dc[p] - rc[p] * db[p]
                            if smooth:
                                e = ext[row]
                                for b in range(3):
                                    db, rb = d[b * stride : b * stride + lanes], radial[b]
                                    for p in range(lanes):
                                        db[p] += rb[p] * e[p]
                        if power_spectrum:
                            # chained[(n, q), (u, p)] = sum_m derivative[m, (u, p)] c_centre(p)[(l, m), q]
                            # (views from index 0: numba's loops over them vectorise)
                            for q in range(width):
                                for u in range(u_first, u_last):
                                    o = chained[n * width + q, u * stride : u * stride + lanes]
                                    for p in range(lanes):
                                        o[p] = 0.0
                                    for m in range(n_m):
                                        g = derivative[m, u * stride : u * stride + lanes]
                                        cv = centre_coefficients[m * width + q, :lanes]
                                        for p in range(lanes):
                                            o[p] += g[p] * cv[p]
                    # scatter to the gradient samples: the neighbour's, and minus the position
                    # derivative to the centre's (the centre's own images cancel); runs of
                    # columns: (n, q) of the power spectrum's B, or n of each m
                    if power_spectrum:
                        n_runs, run, run_step, base, species_step = 1, nr * width, 0, ps_start[l], nr * width
                    else:
                        n_runs, run, run_step, base, species_step = n_m, nr, n_species * nr, coef_start[l], nr
                    for c in range(group_first, next_centre):
                        weight = center_weight[c]
                        own = local[slot_center[c] - slot_first]
                        for p in range(pair_ptr[c] - offset, pair_ptr[c + 1] - offset):
                            j = neighbors[offset + p]
                            target = local[slot_neighbor[offset + p] - slot_first]
                            first = base + species_index[j] * species_step
                            for u in range(u_first, u_last):
                                if u < 3 and j == c:
                                    continue
                                x = u * stride + p
                                for r in range(n_runs):
                                    if power_spectrum:
                                        source = chained[r * run : (r + 1) * run, x]
                                    else:
                                        source = derivative[r * run : (r + 1) * run, x]
                                    column = first + r * run_step
                                    t = target[u, column : column + run]
                                    if u < 3:
                                        o = own[u, column : column + run]
                                        for k in range(run):
                                            value = weight * source[k]
                                            t[k] += value
                                            o[k] -= value
                                    else:
                                        for k in range(run):
                                            t[k] += weight * source[k]
            for k in range(n_unit_slots):
                slot = slot_first + k
                row = slot_row[slot]
                for u in range(u_first, u_last):
                    o = out_positions[row, u] if u < 3 else out_orientations[row, u - 3]
                    _finalise_slot(local[k, u], power_spectrum, n_l, num_radial, n_species, orthonormalization,
                                   ps_start, coef_start, scratch, o, slot_column[slot])


# ------------------------------------------------------------------- results
class FeatureGradients:
    """Features and their gradients, per centre or as frame means.

    Attributes
    ----------
    coefficients : DensityCoefficients
        The density coefficients (the features follow from them).
    kind : {"power_spectrum", "radial_spectrum", "coefficients", "bispectrum"}
    mean_over_samples : bool
    gradients : dict {parameter: ndarray}
        Frame means: (n_particles, 3, n_species * n_features), one row per
        particle of every frame in order (``coefficients.system`` /
        ``coefficients.atom``), columns per centre type in ``species`` (all
        species channels; :meth:`gradient` keeps the centre types present, the
        columns of the features). Per centre: (n_gradient_samples, 3, n_features)
        for the samples ``sample_center`` (global centre index) and
        ``sample_atom`` (index of the particle k within its frame).
    """

    def __init__(self, coefficients, kind, mean_over_samples, gradients, sample_center=None, sample_atom=None):
        self.coefficients = coefficients
        self.kind = kind
        self.mean_over_samples = bool(mean_over_samples)
        self.gradients = gradients
        self.sample_center = sample_center
        self.sample_atom = sample_atom

    @classmethod
    def concatenate(cls, parts):
        """Join consecutive frame chunks (centre indices shifted)."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        gradients = {k: np.concatenate([p.gradients[k] for p in parts]) for k in first.gradients}
        center = atom = None
        if not first.mean_over_samples:
            shifts = np.cumsum([0] + [len(p.coefficients.flat) for p in parts[:-1]])
            center = np.concatenate([p.sample_center + s for p, s in zip(parts, shifts)])
            atom = np.concatenate([p.sample_atom for p in parts])
        coefficients = DensityCoefficients.concatenate([p.coefficients for p in parts])
        return cls(coefficients, first.kind, first.mean_over_samples, gradients, center, atom)

    def _present(self):
        types = np.unique(self.coefficients.center_type)
        return types, np.searchsorted(self.coefficients.species, types)

    def values(self):
        """The features: as :meth:`DensityCoefficients.invariants` (or ``to_tensormap``
        for ``"coefficients"``)."""
        if self.kind == "coefficients":
            return self.coefficients.to_tensormap()
        return self.coefficients.invariants(self.kind, self.mean_over_samples)

    def gradient(self, parameter):
        """Gradient array of ``parameter``; frame means: (n_particles, 3, n_columns)
        with the columns of the averaged features (centre types present)."""
        values = self.gradients[parameter]
        if not self.mean_over_samples:
            return values
        _, index = self._present()
        n_species = len(self.coefficients.species)
        values = values.reshape(len(values), 3, n_species, -1)[:, :, index]
        return values.reshape(len(values), 3, -1)

    def to_tensormap(self):
        """Features with metatensor gradient blocks.

        Per centre: the ``TensorMap`` of :meth:`values`; each block gains gradient
        blocks (samples ``sample, system, atom``; components ``xyz`` then the
        block's). Frame means: one block, samples ``system``, properties
        :func:`.coefficients.feature_labels` (the ``.npy`` columns), gradient
        samples ``sample, system, atom`` for every particle of every frame.
        """
        xyz = Labels(["xyz"], np.arange(3, dtype=np.int32).reshape(-1, 1))
        c = self.coefficients
        if self.mean_over_samples:
            types, _ = self._present()
            values = self.values()
            block = TensorBlock(
                values,
                Labels(["system"], np.arange(c.n_systems, dtype=np.int32).reshape(-1, 1)),
                [],
                feature_labels(c.species, c.num_radial, self.kind, center_types=types),
            )
            samples = Labels(["sample", "system", "atom"], np.stack([c.system, c.system, c.atom], axis=1).astype(np.int32))
            for parameter in self.gradients:
                block.add_gradient(parameter, TensorBlock(self.gradient(parameter), samples, [xyz], block.properties))
            return TensorMap(Labels(["_"], np.zeros((1, 1), dtype=np.int32)), [block])
        tensor = self.values()
        center_type = c.center_type[self.sample_center]
        blocks = []
        for key, block in tensor.items():
            t = key["center_type"]
            mask = center_type == t
            rank = np.cumsum(c.center_type == t) - 1  # position of each centre in its block
            samples = Labels(
                ["sample", "system", "atom"],
                np.stack([rank[self.sample_center[mask]], c.system[self.sample_center[mask]], self.sample_atom[mask]],
                         axis=1).astype(np.int32),
            )
            new = TensorBlock(block.values, block.samples, block.components, block.properties)
            for parameter, values in self.gradients.items():
                values = values[mask]
                if self.kind == "coefficients":
                    l = key["o3_lambda"]
                    _, coef_start, _ = _offsets(np.asarray(c.num_radial, dtype=np.int64), len(c.species))
                    values = values[:, :, coef_start[l] : coef_start[l + 1]].reshape(len(values), 3, 2 * l + 1, -1)
                new.add_gradient(parameter, TensorBlock(np.ascontiguousarray(values), samples, [xyz, *block.components], block.properties))
            blocks.append(new)
        return TensorMap(tensor.keys, blocks)


# -------------------------------------------------------------------- driver
def check_gradients(kind, gradients):
    """``gradients`` as a tuple, checked against ``kind``.

    Raises
    ------
    ValueError
        A kind without gradients, or ``gradients`` not a non-empty subset of
        :data:`GRADIENT_PARAMETERS` without repetition.
    """
    if kind not in KINDS:
        raise ValueError(f"gradients are available for kind {', '.join(KINDS)}, got kind={kind!r}")
    gradients = (gradients,) if isinstance(gradients, str) else tuple(gradients)
    unknown = [g for g in gradients if g not in GRADIENT_PARAMETERS]
    if unknown or not gradients or len(set(gradients)) != len(gradients):
        raise ValueError(f"gradients must be a non-empty subset of {GRADIENT_PARAMETERS}, got {gradients!r}")
    return gradients


def compute_gradients(
    calculator, frames, kind="power_spectrum", gradients=GRADIENT_PARAMETERS, mean_over_samples=True,
    diameters=None, species=None,
):
    """``calculator.compute(frames, kind=kind, per_centre=not mean_over_samples, gradients=gradients)``.

    Parameters
    ----------
    calculator : EllipsoidalDensityProjection
        Hyperparameters (including ``cutoff_smoothing_width``).
    frames : ase.Atoms, sequence of ase.Atoms, or FrameBatch
    kind : {"power_spectrum", "radial_spectrum", "coefficients", "bispectrum"}
        (the bispectrum's: :mod:`.bispectrum_gradients`)
    gradients : sequence of {"positions", "orientations"}
        See the module docstring for the conventions.
    mean_over_samples : bool
        True: gradients of the frame means (per centre type, as the averaged
        features) with respect to every particle of the frame. False: per centre.
        ``"coefficients"`` are per centre only.
    diameters, species
        As in :meth:`EllipsoidalDensityProjection.compute`.

    Returns
    -------
    FeatureGradients

    Raises
    ------
    ValueError
        As :meth:`EllipsoidalDensityProjection.compute`.
    """
    return calculator.compute(
        frames, kind=kind, per_centre=not mean_over_samples, gradients=gradients, diameters=diameters, species=species
    )


def batch_gradients(calculator, batch, species, progress, chunk_size, *, kind, gradients, mean_over_samples):
    """Features and gradients of a validated ``FrameBatch``, chunk by chunk
    (the work :meth:`EllipsoidalDensityProjection.compute` runs, serial or per
    MPI rank); ``species`` a sorted int64 array, ``gradients`` checked."""
    chunks = batch.chunks(chunk_size)
    if progress:
        chunks = tqdm(chunks, desc="AniSOAP gradients", unit="chunk")
    parts = [_chunk(calculator, batch[c], species, kind, gradients, mean_over_samples) for c in chunks]
    return FeatureGradients.concatenate(parts)


def _chunk(calculator, batch, species, kind, gradients, mean_over_samples):
    ortho = calculator._basis[-1]
    pairs = calculator._pairs(batch, species)
    num_radial = np.asarray(calculator.num_radial, dtype=np.int64)
    maps = derivative_maps(calculator.max_angular, tuple(calculator.num_radial), pairs["inv_sigma2"])
    n_particles, n_species = len(batch.numbers), len(species)
    centers, neighbors = pairs["centers"], pairs["neighbors"]
    types = pairs["species_index"]
    threads = numba.get_num_threads()
    power_spectrum = kind == "power_spectrum"
    n_l = 1 if kind == "radial_spectrum" else len(num_radial)
    _, coef_start, ps_start = _offsets(num_radial, n_species)
    n_out = int(ps_start[n_l] if power_spectrum else coef_start[n_l])
    if mean_over_samples:
        # one gradient sample per (particle, centre type), in that order; a unit is a frame
        slot_center = np.arange(n_particles) * n_species + types
        slot_neighbor = neighbors * n_species + types[centers]
        counts = np.bincount(pairs["system"] * n_species + types, minlength=len(batch) * n_species)
        counts = counts.reshape(len(batch), n_species).astype(np.float64)
        center_weight = 1.0 / counts[pairs["system"], types]
        n_slots = n_particles * n_species
        unit_ptr = np.asarray(batch.offsets, dtype=np.int64)
        unit_slot_ptr = unit_ptr * n_species
        slot_row = np.repeat(np.arange(n_particles), n_species)
        slot_column = np.tile(np.arange(n_species) * n_out, n_particles)
        n_rows, n_columns = n_particles, n_species * n_out
    else:
        # one gradient sample per (centre, particle): the centre and its neighbours;
        # a unit is a run of consecutive centres
        keys = np.unique(np.concatenate([centers * n_particles + neighbors, np.arange(n_particles) * (n_particles + 1)]))
        slot_neighbor = np.searchsorted(keys, centers * n_particles + neighbors)
        slot_center = np.searchsorted(keys, np.arange(n_particles) * (n_particles + 1))
        center_weight = np.ones(n_particles)
        n_slots = len(keys)
        unit_ptr = np.unique(np.append(np.arange(0, n_particles, _UNIT_CENTRES), n_particles)).astype(np.int64)
        unit_slot_ptr = np.searchsorted(keys, unit_ptr * n_particles)
        slot_row = np.arange(n_slots)
        slot_column = np.zeros(n_slots, dtype=np.int64)
        n_rows, n_columns = n_slots, n_out
    n_units = len(unit_ptr) - 1
    task_ptr = np.unique(np.linspace(0, n_units, min(n_units, 8 * threads) + 1).round().astype(np.int64))
    flat = calculator._density(pairs, n_species)
    out = {p: np.zeros((n_rows if p in gradients else 0, 3, n_columns)) for p in GRADIENT_PARAMETERS}
    gradient_kernel(
        task_ptr, unit_ptr, unit_slot_ptr, pairs["pair_ptr"], neighbors, pairs["vectors"], pairs["weights"],
        pairs["dweights"], pairs["precisions"], pairs["semiaxes_products"], types, n_species, pairs["inv_sigma2"],
        maps["terms"], maps["n_multipliers"], flat, maps["ext_ptr"],
        maps["ext_columns"], maps["ext_values"], maps["ext_order"], maps["d_ptr"], maps["d_columns"], maps["d_values"], maps["l_ptr"],
        maps["l_columns"], maps["l_values"], num_radial, ortho, power_spectrum, n_l, "positions" in gradients,
        "orientations" in gradients, slot_neighbor, slot_center, center_weight, slot_row, slot_column,
        int(np.diff(pairs["pair_ptr"]).max(initial=1)), int(np.diff(unit_slot_ptr).max(initial=0)),
        out["positions"], out["orientations"],
    )
    result = {p: out[p] for p in gradients}
    coefficients = DensityCoefficients(flat, pairs["system"], pairs["atom"], batch.numbers, species, calculator.num_radial, len(batch))
    if mean_over_samples:
        return FeatureGradients(coefficients, kind, True, result)
    keys_center, keys_atom = keys // n_particles, keys % n_particles
    return FeatureGradients(coefficients, kind, False, result, keys_center, pairs["atom"][keys_atom])
