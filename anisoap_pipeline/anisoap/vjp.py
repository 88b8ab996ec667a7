"""Forces and torques of a learned potential: the vector–Jacobian product of the features.

A potential E = sum_i eps(x_i) on per-centre features x_i needs, per step, only
dE/dr_k and dE/dθ_k (conventions of :mod:`.gradients`), not the per-centre
gradient tensor dx_i/d(r_k, θ_k). Given the adjoint g_i = ∂E/∂x_i of every
centre (the ``weights``), this module computes

    dE/dr_k = sum_i sum_f g_{i f} ∂x_{i f}/∂r_k,   dE/dθ_k = sum_i sum_f g_{i f} ∂x_{i f}/∂θ_k

in reverse mode, without the per-(centre, particle) feature gradients.

Method
------
1. Adjoint of the orthonormalised coefficients c_i, per centre. Power spectrum
   p_{l q q'} = F_l sum_m c_{l m q} c_{l m q'} with F_l = (-1)^l / sqrt(2l + 1)
   (:func:`.coefficients.power_spectrum_values`):
   ∂E/∂c_{l m q} = F_l sum_{q'} (g_{l q q'} + g_{l q' q}) c_{l m q'}.
   Radial spectrum x_q = c_{0 0 q}: ∂E/∂c_{0 0 q} = g_q.
   Bispectrum (:mod:`.bispectrum`, trilinear in c): each column adds
   g W_{m1 m2 m3} c_{q2 l2 m2} c_{q3 l3 m3} to ∂E/∂c_{q1 l1 m1}, and alike for
   the other two factors (product rule).
2. Through the Löwdin step c_{l m s k} = sum_n a_{l m s n} W_l[n, k] to the raw
   coefficients: h_{s, (l m n)} = sum_k W_l[n, k] ∂E/∂c_{l m s k}, one vector per
   centre and neighbour species s.
3. One pass over the pairs. A pair (i, j) adds f(|r_ij|) times a fixed linear
   map of the Gaussian moments M(ij) (degree <= D + 1 with the GTO basis, D the
   features' degree; <= D with the monomial basis) to the raw
   coefficients, and its derivatives too (:func:`.gradients.derivative_maps`:
   ∂/∂r_b through the sparse maps D_b, the rotation generator through L_a, the
   extended functions through X). All maps are linear, so they are applied to
   h once per (centre, species), transposed:
   v_0 = X_featureᵀ h, v_b = Xᵀ D_bᵀ h, v_{3+a} = Xᵀ L_aᵀ h, and each pair
   costs its moments and seven dot products v_k · M(ij):

       dE/dr_j += f V_b + f'(r) r̂_b V_0,   dE/dr_i -= the same (i ≠ j),
       dE/dθ_j += f (V_{3+a} - (r_ij × V_{1:4})_a),

   V_k = v_k · M(ij) (the global-rotation identity and the smooth-cutoff term of
   :mod:`.gradients`). The pairs of a (centre, species) are the vectorised lanes
   of the moment recurrence (:func:`.moments.gaussian_moment_block`) and of the
   dot products. Nothing of size n_pairs x n_features is formed: the cost is
   about that of the features (``benchmarks/vjp.py``). The per-pair
   contributions are summed per particle in pair order (``np.bincount``), so
   the result does not depend on the thread count; frames are independent, so
   neither on the chunk size.
"""

from functools import lru_cache

import numba
import numpy as np
from metatensor import TensorMap
from numba import njit, prange

from .bispectrum import _tables
from .coefficients import feature_labels
from .gradients import _offsets, derivative_maps
from .moments import (
    PAIR_BLOCK,
    block_multipliers,
    gaussian_moment_block,
    gaussian_parameters,
    moment_terms,
)

__all__ = ["VJP_KINDS", "chunk_backward", "coefficient_adjoint", "pair_backward", "weights_per_centre"]

#: Kinds with a vector–Jacobian product.
VJP_KINDS = ("power_spectrum", "radial_spectrum", "bispectrum")


# ------------------------------------------------------------- the adjoint
@njit(cache=True, parallel=True)
def _power_spectrum_adjoint(flat, weights, num_radial, n_species, orthonormalization, out):
    """Raw-coefficient adjoint h (n_centres, n_species, n_rows) of the power spectrum."""
    row_start, coef_start, ps_start = _offsets(num_radial, n_species)
    for i in prange(flat.shape[0]):
        c = flat[i]
        g = weights[i]
        for l in range(num_radial.shape[0]):
            nr = num_radial[l]
            width = n_species * nr
            factor = (-1.0) ** l / np.sqrt(2.0 * l + 1.0)
            w = orthonormalization[l]
            # symmetric weights: p_{q q'} = p_{q' q}, both columns present
            sym = np.empty((width, width))
            for q in range(width):
                for q2 in range(width):
                    sym[q, q2] = factor * (g[ps_start[l] + q * width + q2] + g[ps_start[l] + q2 * width + q])
            adjoint = np.empty(width)
            for m in range(2 * l + 1):
                cm = c[coef_start[l] + m * width : coef_start[l] + (m + 1) * width]
                for q in range(width):
                    total = 0.0
                    for q2 in range(width):
                        total += sym[q, q2] * cm[q2]
                    adjoint[q] = total
                _to_raw(adjoint, w, l, m, nr, n_species, row_start, out[i])


@njit(cache=True)
def _to_raw(adjoint, w, l, m, nr, n_species, row_start, out):
    """h[s, (l, m, n)] = sum_k W_l[n, k] adjoint[s nr + k] (transposed Löwdin step)."""
    for s in range(n_species):
        for n in range(nr):
            total = 0.0
            for k in range(nr):
                total += w[n, k] * adjoint[s * nr + k]
            out[s, row_start[l] + m * nr + n] = total


@njit(cache=True, parallel=True)
def _coefficient_adjoint_to_raw(adjoint, num_radial, n_species, orthonormalization, n_l, out):
    """h from the adjoint of the orthonormalised coefficients (flat layout), l < n_l."""
    row_start, coef_start, _ = _offsets(num_radial, n_species)
    for i in prange(adjoint.shape[0]):
        for l in range(n_l):
            nr = num_radial[l]
            width = n_species * nr
            for m in range(2 * l + 1):
                start = coef_start[l] + m * width
                _to_raw(adjoint[i, start : start + width], orthonormalization[l], l, m, nr, n_species, row_start,
                        out[i])


@njit(cache=True, parallel=True)
def _bispectrum_adjoint(flat, weights, triples, offsets, widths, index, weight, pointers, columns, out):
    """Adjoint of the orthonormalised coefficients (flat layout) of the bispectrum,
    on the tables of :func:`.bispectrum._tables` (columns enumerated as there)."""
    for i in prange(flat.shape[0]):
        c = flat[i]
        g = weights[i]
        o = out[i]
        for t in range(triples.shape[0]):
            l1, l2, l3 = triples[t, 0], triples[t, 1], triples[t, 2]
            w1, w2, w3 = widths[l1], widths[l2], widths[l3]
            for e in range(pointers[t], pointers[t + 1]):
                s1 = offsets[l1] + index[e, 0] * w1
                s2 = offsets[l2] + index[e, 1] * w2
                s3 = offsets[l3] + index[e, 2] * w3
                coupling = weight[e]
                column = columns[t]
                for q1 in range(w1):
                    for q2 in range(q1 if l1 == l2 else 0, w2):
                        for q3 in range(q2 if l2 == l3 else 0, w3):
                            gc = coupling * g[column]
                            column += 1
                            a, b, d = c[s1 + q1], c[s2 + q2], c[s3 + q3]
                            o[s1 + q1] += gc * b * d
                            o[s2 + q2] += gc * a * d
                            o[s3 + q3] += gc * a * b


def coefficient_adjoint(kind, flat, weights, num_radial, n_species, orthonormalization):
    """Adjoint of the raw (before Löwdin) density coefficients, per centre and species.

    Parameters
    ----------
    kind : {"power_spectrum", "radial_spectrum", "bispectrum"}
    flat : ndarray (n_centres, n_coefficients)
        Orthonormalised coefficients (layout of :attr:`.DensityCoefficients.flat`).
    weights : ndarray (n_centres, n_features)
        ∂E/∂x per centre, columns as the per-centre features of ``kind``.
    num_radial : sequence of int
    n_species : int
    orthonormalization : ndarray (max_angular + 1, max n, max n)
        The calculator's W_l (with the solid-harmonic factor).

    Returns
    -------
    h : ndarray (n_centres, n_species, n_rows)
        ∂E/∂a_{s, (l m n)}, rows in the order of
        :func:`.solid_harmonics.solid_harmonic_coefficients` (l < n_l: every l,
        or only l = 0 for the radial spectrum).
    n_l : int
        Number of angular channels that enter ``kind``.
    """
    num_radial = np.asarray(num_radial, dtype=np.int64)
    row_start, coef_start, _ = _offsets(num_radial, n_species)
    flat = np.ascontiguousarray(flat, dtype=np.float64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    n_l = 1 if kind == "radial_spectrum" else len(num_radial)
    out = np.zeros((len(flat), n_species, row_start[n_l]))
    if kind == "power_spectrum":
        _power_spectrum_adjoint(flat, weights, num_radial, n_species, orthonormalization, out)
        return out, n_l
    adjoint = np.zeros_like(flat)
    if kind == "radial_spectrum":
        adjoint[:, : coef_start[1]] = weights
    else:
        _bispectrum_adjoint(flat, weights, *_tables(tuple(int(n) for n in num_radial), n_species, None), adjoint)
    _coefficient_adjoint_to_raw(adjoint, num_radial, n_species, orthonormalization, n_l, out)
    return out, n_l


# ------------------------------------------------------------ pair pass
@njit(cache=True)
def _fold(h, n_d_rows, ext_ptr, ext_columns, ext_values, d_ptr, d_columns, d_values, l_ptr, l_columns, l_values,
          n_directions, u, v):
    """v (n_monomials, n_directions) = Xᵀ u with u (n_ext, n_directions) the
    transposed maps applied to h: columns value, ∂_x, ∂_y, ∂_z, then (x × ∇)_{x,y,z}."""
    u[:, :] = 0.0
    for row in range(n_d_rows):
        u[row, 0] = h[row]
    for b in range(3):
        for row in range(n_d_rows):
            hr = h[row]
            if hr == 0.0:
                continue
            for t in range(d_ptr[b, row], d_ptr[b, row + 1]):
                u[d_columns[t], 1 + b] += d_values[t] * hr
            if n_directions > 4:
                for t in range(l_ptr[b, row], l_ptr[b, row + 1]):
                    u[l_columns[t], 4 + b] += l_values[t] * hr
    v[:, :] = 0.0
    for e in range(u.shape[0]):
        for t in range(ext_ptr[e], ext_ptr[e + 1]):
            f = ext_columns[t]
            x = ext_values[t]
            for k in range(n_directions):
                v[f, k] += x * u[e, k]


@njit(cache=True)
def _dots(vt, moments, n_value, n_lanes, result):
    """result[k, lane] = sum_f vt[k, f] moments[f, lane]; above the first ``n_value``
    monomials (degree D) only the position derivatives k = 1, 2, 3 have terms.
    Four monomials per pass: each load and store of ``result`` serves four
    multiply-adds (the lanes are the vectorised loop)."""
    n_directions, n_monomials = vt.shape
    result[:, :n_lanes] = 0.0
    f = 0
    while f < n_monomials:
        step = min(4, n_monomials - f)
        directions = n_directions if f + step <= n_value else 4
        if f < n_value < f + step:
            step = n_value - f
            directions = n_directions
        if step == 4:
            m0, m1, m2, m3 = moments[f], moments[f + 1], moments[f + 2], moments[f + 3]
            for k in range(directions):
                x0, x1, x2, x3 = vt[k, f], vt[k, f + 1], vt[k, f + 2], vt[k, f + 3]
                r = result[k]
                for lane in range(n_lanes):
                    r[lane] += x0 * m0[lane] + x1 * m1[lane] + x2 * m2[lane] + x3 * m3[lane]
        else:
            for g in range(f, f + step):
                m = moments[g]
                for k in range(directions):
                    x = vt[k, g]
                    r = result[k]
                    for lane in range(n_lanes):
                        r[lane] += x * m[lane]
        f += step


@njit(cache=True, parallel=True)
def pair_backward(
    task_ptr, pair_ptr, neighbors, vectors, weights, dweights, precisions, semiaxes_products, species_index,
    inv_sigma2, terms, n_multipliers, n_value, ext_ptr, ext_columns, ext_values, d_ptr, d_columns, d_values, l_ptr,
    l_columns, l_values, adjoint, orientations,
):
    """Per-pair contributions to dE/dr and dE/dθ (method step 3 of the module docstring).

    Parameters
    ----------
    task_ptr : int64 (n_tasks + 1,)
        Contiguous blocks of centres run in parallel (each writes only its own pairs).
    pair_ptr, neighbors, vectors, weights, dweights, precisions, semiaxes_products, species_index
        The neighbour pairs and particle shapes of ``EllipsoidalDensityProjection._pairs``.
    inv_sigma2 : float
    terms, n_multipliers
        :func:`.moments.moment_terms` of the recurrence up to the highest
        monomial the extended functions use (degree D + 1 for the GTO basis, D
        for the monomial basis).
    n_value : int
        Number of monomials of degree <= D (all the value and rotation terms need).
    ext_ptr ... l_values
        :func:`.gradients.derivative_maps`.
    adjoint : float64 (n_centres, n_species, n_d_rows)
        :func:`coefficient_adjoint`.
    orientations : bool
        Also the orientation part (else its columns are zeros).

    Returns
    -------
    float64 (n_pairs, 6)
        Pair q = (i, j): what it adds to dE/dr_j (columns 0-2; zero when j = i,
        whose images cancel) and to dE/dθ_j (columns 3-5); dE/dr_i receives
        minus columns 0-2.
    """
    n_pairs = neighbors.shape[0]
    n_species = adjoint.shape[1]
    n_d_rows = adjoint.shape[2]
    n_monomials = terms.shape[0]
    n_ext = ext_ptr.shape[0] - 1
    n_directions = 7 if orientations else 4
    out = np.zeros((n_pairs, 6))
    for task in prange(task_ptr.shape[0] - 1):
        u = np.empty((n_ext, n_directions))
        v = np.empty((n_monomials, n_directions))
        vt = np.empty((n_directions, n_monomials))
        lanes = np.empty(PAIR_BLOCK, dtype=np.int64)
        moments = np.empty((n_monomials, PAIR_BLOCK))
        centers = np.empty((3, PAIR_BLOCK))
        covariances = np.empty((9, PAIR_BLOCK))
        multipliers = np.empty((9 * n_multipliers, PAIR_BLOCK))
        prefactors = np.empty(PAIR_BLOCK)
        result = np.empty((n_directions, PAIR_BLOCK))
        covariance = np.empty((3, 3))
        center = np.empty(3)
        for c in range(task_ptr[task], task_ptr[task + 1]):
            first, last = pair_ptr[c], pair_ptr[c + 1]
            for s in range(n_species):
                count = 0
                for q in range(first, last):
                    if species_index[neighbors[q]] == s:
                        count += 1
                if count == 0:
                    continue
                _fold(adjoint[c, s], n_d_rows, ext_ptr, ext_columns, ext_values, d_ptr, d_columns, d_values, l_ptr,
                      l_columns, l_values, n_directions, u, v)
                for f in range(n_monomials):
                    for k in range(n_directions):
                        vt[k, f] = v[f, k]
                q = first
                while q < last:
                    # the next (up to PAIR_BLOCK) pairs of species s, as lanes
                    n_lanes = 0
                    while q < last and n_lanes < PAIR_BLOCK:
                        if species_index[neighbors[q]] == s:
                            lanes[n_lanes] = q
                            n_lanes += 1
                        q += 1
                    if n_lanes == 0:
                        break
                    for lane in range(n_lanes):
                        p = lanes[lane]
                        j = neighbors[p]
                        prefactors[lane] = gaussian_parameters(
                            vectors[p], precisions[j], semiaxes_products[j], inv_sigma2, covariance, center
                        )
                        for a in range(3):
                            centers[a, lane] = center[a]
                            for b in range(3):
                                covariances[3 * a + b, lane] = covariance[a, b]
                    block_multipliers(covariances, n_multipliers, n_lanes, multipliers)
                    gaussian_moment_block(centers, multipliers, prefactors, terms, n_lanes, moments)
                    _dots(vt, moments, n_value, n_lanes, result)
                    for lane in range(n_lanes):
                        p = lanes[lane]
                        w = weights[p]
                        r0, r1, r2 = vectors[p, 0], vectors[p, 1], vectors[p, 2]
                        g0, g1, g2 = result[1, lane], result[2, lane], result[3, lane]
                        if orientations:
                            out[p, 3] = w * (result[4, lane] - (r1 * g2 - r2 * g1))
                            out[p, 4] = w * (result[5, lane] - (r2 * g0 - r0 * g2))
                            out[p, 5] = w * (result[6, lane] - (r0 * g1 - r1 * g0))
                        if neighbors[p] == c:
                            continue
                        radial = 0.0
                        if dweights[p] != 0.0:
                            radial = dweights[p] * result[0, lane] / np.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
                        out[p, 0] = w * g0 + radial * r0
                        out[p, 1] = w * g1 + radial * r1
                        out[p, 2] = w * g2 + radial * r2
    return out


def chunk_backward(calculator, pairs, flat, weights, kind, species, gradients):
    """dE/dr and dE/dθ of the particles of one chunk.

    Parameters
    ----------
    calculator : EllipsoidalDensityProjection
    pairs : dict
        ``calculator._pairs`` of the chunk.
    flat : ndarray (n_centres, n_coefficients)
        The chunk's orthonormalised coefficients.
    weights : ndarray (n_centres, n_features)
        ∂E/∂x of the chunk's centres.
    kind : {"power_spectrum", "radial_spectrum", "bispectrum"}
    species : sequence of int
    gradients : tuple of {"positions", "orientations"}

    Returns
    -------
    dict {parameter: ndarray (n_particles, 3)}
    """
    ortho = calculator._basis[4]
    num_radial = tuple(calculator.num_radial)
    n_species = len(species)
    adjoint, _ = coefficient_adjoint(kind, flat, weights, num_radial, n_species, ortho)
    maps = _backward_maps(calculator.max_angular, num_radial, pairs["inv_sigma2"])
    n_particles = len(pairs["pair_ptr"]) - 1
    threads = numba.get_num_threads()
    task_ptr = np.unique(np.linspace(0, n_particles, min(n_particles, 8 * threads) + 1).round().astype(np.int64))
    per_pair = pair_backward(
        task_ptr, pairs["pair_ptr"], pairs["neighbors"], pairs["vectors"], pairs["weights"], pairs["dweights"],
        pairs["precisions"], pairs["semiaxes_products"], pairs["species_index"], pairs["inv_sigma2"], maps["terms"],
        maps["n_multipliers"], maps["n_monomials"], maps["ext_ptr"], maps["ext_columns"], maps["ext_values"], maps["d_ptr"],
        maps["d_columns"], maps["d_values"], maps["l_ptr"], maps["l_columns"], maps["l_values"], adjoint,
        "orientations" in gradients,
    )
    out = {}
    centers, neighbors = pairs["centers"], pairs["neighbors"]
    if "positions" in gradients:
        out["positions"] = np.stack(
            [np.bincount(neighbors, per_pair[:, b], n_particles) - np.bincount(centers, per_pair[:, b], n_particles)
             for b in range(3)], axis=1,
        )
    if "orientations" in gradients:
        out["orientations"] = np.stack(
            [np.bincount(neighbors, per_pair[:, 3 + a], n_particles) for a in range(3)], axis=1
        )
    return out


@lru_cache(maxsize=8)
def _backward_maps(max_angular, num_radial, inv_sigma2):
    """:func:`.gradients.derivative_maps` and the moment recurrence's terms."""
    maps = dict(derivative_maps(max_angular, num_radial, inv_sigma2))
    # the moments the extended functions use (graded order: a prefix of the table)
    table = maps["table"][: int(maps["ext_columns"].max(initial=0)) + 1]
    maps["terms"], maps["n_multipliers"] = moment_terms(table)
    return maps


# ------------------------------------------------------------ the weights
def weights_per_centre(weights, coefficients, kind):
    """``weights`` as one (n_centres, n_features) float64 array in centre order.

    Parameters
    ----------
    weights : metatensor.TensorMap, dict or ndarray
        The layout of ``compute(frames, kind=kind, per_centre=True)``: a
        ``TensorMap`` (keys ``center_type``, samples ``system, atom``, the same
        properties), a dict {center_type: (n_centres of that type, n_features)}
        (rows in the order of the ``TensorMap``'s samples), or one
        (n_centres, n_features) array, rows = every particle of every frame in
        order (any number of centre types).
    coefficients : DensityCoefficients
        The centres (``system``, ``atom``, ``center_type``).
    kind : str

    Returns
    -------
    ndarray (n_centres, n_features)

    Raises
    ------
    ValueError
        Wrong shape, missing or extra centre types, samples or properties that
        are not those of the features, non-finite entries.
    """
    c = coefficients
    properties = feature_labels(c.species, c.num_radial, kind, center_types=[0])
    n_features = len(properties)
    n_centres = len(c.center_type)
    types = np.unique(c.center_type)
    if isinstance(weights, TensorMap):
        if weights.keys.names != ["center_type"]:
            raise ValueError(f"weights: keys must be ['center_type'], got {weights.keys.names}")
        blocks = {}
        for key, block in weights.items():
            t = int(key["center_type"])
            mask = c.center_type == t
            expected = np.stack([c.system[mask], c.atom[mask]], axis=1)
            samples = block.samples
            if samples.names != ["system", "atom"] or not np.array_equal(np.asarray(samples.values), expected):
                raise ValueError(
                    f"weights: the samples of block center_type={t} are not the centres of the frames "
                    f"(expected names ['system', 'atom'] and {len(expected)} rows in frame order)"
                )
            expected_names = properties.names[1:]
            if block.properties.names != expected_names or not np.array_equal(
                np.asarray(block.properties.values), np.asarray(properties.values)[:, 1:]
            ):
                raise ValueError(
                    f"weights: the properties of block center_type={t} are not those of kind={kind!r} "
                    f"with these hyperparameters and species ({n_features} columns {expected_names})"
                )
            if len(block.components):
                raise ValueError(f"weights: block center_type={t} has components; invariants have none")
            blocks[t] = block.values
        weights = blocks
    if isinstance(weights, dict):
        extra = sorted({int(t) for t in weights} - set(types.tolist()))
        missing = sorted(set(types.tolist()) - {int(t) for t in weights})
        if extra or missing:
            raise ValueError(
                f"weights: one entry per centre type present ({types.tolist()}) is needed; "
                f"missing {missing}, not present in the frames {extra}"
            )
        out = np.empty((n_centres, n_features))
        for t, values in weights.items():
            mask = c.center_type == int(t)
            values = np.asarray(values, dtype=np.float64)
            if values.shape != (int(mask.sum()), n_features):
                raise ValueError(
                    f"weights[{int(t)}] must have shape ({int(mask.sum())}, {n_features}) (centres of that type, "
                    f"features of kind={kind!r}), got {values.shape}"
                )
            out[mask] = values
    else:
        out = np.asarray(weights, dtype=np.float64)
        if out.shape != (n_centres, n_features):
            raise ValueError(
                f"weights must have shape ({n_centres}, {n_features}) (every particle of every frame, features "
                f"of kind={kind!r}), or be a TensorMap or a dict per centre type; got shape {out.shape}"
            )
    if not np.all(np.isfinite(out)):
        raise ValueError("weights contain NaN or infinite entries")
    return np.ascontiguousarray(out)
