"""Exact gradients of the AniSOAP bispectrum (nu = 3) with respect to positions and orientations.

Conventions and layout are those of :mod:`.gradients` (``"positions"``: ∂B/∂r_k in
Å⁻¹; ``"orientations"``: ∂B/∂θ_k for an infinitesimal rotation of particle k about
the lab axes x, y, z), per centre or for the frame means, with the columns of
:func:`.bispectrum.bispectrum_columns` (default angular cutoff, max_angular).

Method: per centre i the bispectrum (:mod:`.bispectrum`)

    B_{q1 l1, q2 l2, q3 l3} = sum_{m1 m2 m3} W^{l1 l2 l3}_{m1 m2 m3} c_{q1 l1 m1} c_{q2 l2 m2} c_{q3 l3 m3}

is trilinear in the orthonormalised coefficients c, so for every gradient
sample (i, k) and direction u (product rule)

    dB = D_1[q1; q2 q3] + D_2[q2; q1 q3] + D_3[q3; q1 q2],
    D_1[q1; q2 q3] = sum_{m1} dc_{q1 l1 m1} P_1[m1; q2 q3],
    P_1[m1; q2 q3] = sum_{m2 m3} W_{m1 m2 m3} c_{q2 l2 m2} c_{q3 l3 m3}

(P_2, P_3, D_2, D_3 alike), dc = ∂c_i/∂r_k or ∂c_i/∂θ_k the exact coefficient
gradients of :func:`.gradients.batch_gradients` (kind ``"coefficients"``, per
centre). The three partial contractions P are built once per centre and
triple; the D of all the centre's gradient samples and directions are one
matrix product per triple and position (BLAS). W is symmetric under any
permutation of its (l, m) pairs (l1 + l2 + l3 even; checked to 1e-14 in
``tests/test_bispectrum.py``), so for equal l the D of one position serves the
others. Frame means: the per-centre gradients weighted by 1 / (number of
centres of the type in the frame), summed per (particle, centre type) inside
the kernel, centre by centre in a fixed order (the same bits whatever the
thread count), without the per-centre bispectrum gradients (the per-centre
coefficient gradients of a chunk of ``chunk_size`` frames are held: they set
the peak memory, see BENCHMARKS.md).
"""

import numba
import numpy as np
from numba import njit, prange
from tqdm.auto import tqdm

from .bispectrum import _tables
from .gradients import FeatureGradients, batch_gradients

__all__ = ["batch_bispectrum_gradients", "bispectrum_gradients"]


def bispectrum_gradients(flat, gradients, slot_ptr, rows, weights, tasks, n_rows, num_radial, n_species):
    """Bispectrum gradients from coefficient gradients, summed into output rows.

    Parameters
    ----------
    flat : ndarray (n_centres, n_coefficients)
        Orthonormalised coefficients (layout of ``DensityCoefficients.flat``).
    gradients : list of one or two ndarrays (n_slots, 3, n_coefficients)
        ∂c/∂(x, y, z) of each gradient parameter per gradient sample (same
        layout); the samples of centre c are ``slot_ptr[c]:slot_ptr[c + 1]``.
    slot_ptr : ndarray of int64 (n_centres + 1,)
    rows : ndarray of int64 (n_slots,)
        Output row each gradient sample is added to.
    weights : ndarray (n_centres,)
        Factor of each centre's contribution.
    tasks : ndarray of int64
        Centres ``tasks[k]:tasks[k + 1]`` form task k (one thread); no two tasks
        may write to the same row.
    n_rows : int
    num_radial : sequence of int
    n_species : int

    Returns
    -------
    ndarray (n_rows, 3 * len(gradients), n_features)
        Columns of :func:`.bispectrum.bispectrum_columns`.

    Raises
    ------
    ValueError
        If ``flat`` or ``gradients`` do not have the width the layout implies.
    """
    triples, offsets, widths, index, weight, pointers, columns = _tables(tuple(num_radial), n_species, None)
    gradients = [np.ascontiguousarray(g) for g in gradients]
    if flat.shape[1] != offsets[-1] or any(g.shape[1:] != (3, offsets[-1]) for g in gradients):
        raise ValueError(f"coefficients and their gradients must have {offsets[-1]} columns, got "
                         f"{flat.shape[1]} and {[g.shape for g in gradients]}")
    max_slots = int(np.diff(slot_ptr).max(initial=1))
    return _kernel(
        np.ascontiguousarray(flat), gradients[0], gradients[-1], 3 * len(gradients), slot_ptr, rows, weights, tasks,
        int(n_rows), max_slots, triples, offsets, widths, index, weight, pointers, columns,
    )


@njit(cache=True)
def _partial(x, k, l, offsets, widths, index, weight, first, last, out):
    """P_k[m_k, q_a * w_b + q_b] = sum W_{m1 m2 m3} c_a[m_a, q_a] c_b[m_b, q_b] over the
    entries first:last of W; (a, b) the other two positions in order; ``out`` 2D."""
    a = 1 if k == 0 else 0
    b = 1 if k == 2 else 2
    wa, wb = widths[l[a]], widths[l[b]]
    oa, ob = offsets[l[a]], offsets[l[b]]
    out[:, :] = 0.0
    for e in range(first, last):
        mk, ma, mb = index[e, k], index[e, a], index[e, b]
        target = out[mk]
        for qa in range(wa):
            ca = weight[e] * x[oa + ma * wa + qa]
            for qb in range(wb):
                target[qa * wb + qb] += ca * x[ob + mb * wb + qb]


@njit(cache=True)
def _transposed(first, second, n_dir, s0, n_slots, offsets, widths, out):
    """The coefficient gradients of samples s0:s0 + n_slots, slab l as a
    (n_slots * n_directions * w_l, 2l + 1) matrix G_l at out[n_slots * n_directions * offsets[l]:],
    rows (sample, direction, q) so that D_k = G_{l_k} P_k is one matrix product;
    directions 0-2 from ``first``, 3-5 from ``second``."""
    for l in range(offsets.shape[0] - 1):
        wl, ol = widths[l], offsets[l]
        g = out[n_slots * n_dir * ol : n_slots * n_dir * offsets[l + 1]].reshape((n_slots * n_dir * wl, 2 * l + 1))
        for s in range(n_slots):
            for u in range(n_dir):
                source = first[s0 + s, u] if u < 3 else second[s0 + s, u - 3]
                base = (s * n_dir + u) * wl
                for m in range(2 * l + 1):
                    for q in range(wl):
                        g[base + q, m] = source[ol + m * wl + q]


@njit(cache=True)
def _derivative(transposed, n_slots, n_dir, lk, offsets, widths, partial):
    """D_k[(s, u, q_k), q_a * w_b + q_b] = sum_m dc[s, u, l_k, m, q_k] P_k[m, ...]."""
    start, stop = n_slots * n_dir * offsets[lk], n_slots * n_dir * offsets[lk + 1]
    return np.dot(transposed[start:stop].reshape((n_slots * n_dir * widths[lk], 2 * lk + 1)), partial)


@njit(cache=True, parallel=True)
def _kernel(flat, first, second, n_dir, slot_ptr, rows, weights, tasks, n_rows, max_slots, triples, offsets, widths,
            index, weight, pointers, columns):
    n_triples = triples.shape[0]
    max_partial = 1
    for t in range(n_triples):
        w = widths[triples[t]]
        for k in range(3):
            max_partial = max(max_partial, (2 * triples[t, k] + 1) * w[0] * w[1] * w[2] // w[k])
    out = np.zeros((n_rows, n_dir, columns[n_triples]))
    for task in prange(tasks.shape[0] - 1):
        buffers = np.empty((3, max_partial))
        transposed = np.empty(max_slots * n_dir * offsets[-1])
        for c in range(tasks[task], tasks[task + 1]):
            s0 = slot_ptr[c]
            n_slots = slot_ptr[c + 1] - s0
            if n_slots == 0:
                continue
            x = flat[c]
            factor = weights[c]
            _transposed(first, second, n_dir, s0, n_slots, offsets, widths, transposed)
            for t in range(n_triples):
                l = triples[t]
                w1, w2, w3 = widths[l[0]], widths[l[1]], widths[l[2]]
                # D of each position; equal l: the previous position's (W is symmetric)
                p = buffers[0, : (2 * l[0] + 1) * w2 * w3].reshape((2 * l[0] + 1, w2 * w3))
                _partial(x, 0, l, offsets, widths, index, weight, pointers[t], pointers[t + 1], p)
                d1 = _derivative(transposed, n_slots, n_dir, l[0], offsets, widths, p)
                d2 = d1
                if l[1] != l[0]:
                    p = buffers[1, : (2 * l[1] + 1) * w1 * w3].reshape((2 * l[1] + 1, w1 * w3))
                    _partial(x, 1, l, offsets, widths, index, weight, pointers[t], pointers[t + 1], p)
                    d2 = _derivative(transposed, n_slots, n_dir, l[1], offsets, widths, p)
                d3 = d2
                if l[2] != l[1]:
                    p = buffers[2, : (2 * l[2] + 1) * w1 * w2].reshape((2 * l[2] + 1, w1 * w2))
                    _partial(x, 2, l, offsets, widths, index, weight, pointers[t], pointers[t + 1], p)
                    d3 = _derivative(transposed, n_slots, n_dir, l[2], offsets, widths, p)
                # gather the non-redundant columns of every sample and direction
                for s in range(n_slots):
                    for u in range(n_dir):
                        target = out[rows[s0 + s], u]
                        su = s * n_dir + u
                        column = columns[t]
                        for q1 in range(w1):
                            for q2 in range(q1 if l[0] == l[1] else 0, w2):
                                start3 = q2 if l[1] == l[2] else 0
                                a = d1[su * w1 + q1, q2 * w3 :]
                                b = d2[su * w2 + q2, q1 * w3 :]
                                for q3 in range(start3, w3):
                                    value = a[q3] + b[q3] + d3[su * w3 + q3, q1 * w2 + q2]
                                    target[column] += factor * value
                                    column += 1
    return out


def batch_bispectrum_gradients(calculator, batch, species, progress, chunk_size, *, gradients, mean_over_samples):
    """Bispectrum and its gradients of a validated ``FrameBatch``, chunk by chunk
    (what ``EllipsoidalDensityProjection.compute(kind="bispectrum", gradients=...)``
    runs, serial or per MPI rank); ``species`` a sorted int64 array, ``gradients``
    checked (:func:`.gradients.check_gradients`).

    Returns
    -------
    FeatureGradients
        Kind ``"bispectrum"``, layout as for the power spectrum.
    """
    chunks = batch.chunks(chunk_size)
    if progress:
        chunks = tqdm(chunks, desc="AniSOAP bispectrum gradients", unit="chunk")
    parts = [_chunk(calculator, batch[c], species, gradients, mean_over_samples) for c in chunks]
    return FeatureGradients.concatenate(parts)


def _chunk(calculator, batch, species, gradients, mean_over_samples):
    part = batch_gradients(calculator, batch, species, False, len(batch), kind="coefficients", gradients=gradients,
                           mean_over_samples=False)
    c = part.coefficients
    n_centres, n_species = len(c.flat), len(species)
    n_slots = len(part.sample_center)
    slot_ptr = np.searchsorted(part.sample_center, np.arange(n_centres + 1)).astype(np.int64)
    threads = numba.get_num_threads()
    types = np.searchsorted(species, c.center_type)
    if mean_over_samples:
        # row (particle k, centre type of i); tasks own whole frames
        particle = batch.offsets[c.system[part.sample_center]] + part.sample_atom
        rows = particle * n_species + types[part.sample_center]
        counts = np.zeros((len(batch), n_species))
        np.add.at(counts, (c.system, types), 1.0)
        weights = 1.0 / counts[c.system, types]
        frames = np.unique(np.linspace(0, len(batch), min(len(batch), 8 * threads) + 1).round().astype(np.int64))
        tasks = batch.offsets[frames].astype(np.int64)
        n_rows = n_centres * n_species
    else:
        rows = np.arange(n_slots, dtype=np.int64)
        weights = np.ones(n_centres)
        tasks = np.unique(np.linspace(0, n_centres, min(n_centres, 8 * threads) + 1).round().astype(np.int64))
        n_rows = n_slots
    out = bispectrum_gradients(c.flat, [part.gradients[p] for p in gradients], slot_ptr, rows.astype(np.int64),
                               weights, tasks, n_rows, c.num_radial, n_species)
    if mean_over_samples:
        # (particle, centre type, direction, feature) -> (particle, direction, centre type x feature)
        n_dir = out.shape[1]
        out = out.reshape(n_centres, n_species, n_dir, -1).transpose(0, 2, 1, 3).reshape(n_centres, n_dir, -1)
    result = {p: np.ascontiguousarray(out[:, 3 * i : 3 * i + 3]) for i, p in enumerate(gradients)}
    if mean_over_samples:
        return FeatureGradients(c, "bispectrum", True, result)
    return FeatureGradients(c, "bispectrum", False, result, part.sample_center, part.sample_atom)
