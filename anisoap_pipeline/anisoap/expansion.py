"""Density coefficients <a n l m | rho_i> of every centre (numba, parallel).

Each neighbour pair contributes the moments of one Gaussian
(:mod:`.moments`); the projection on r^{2n} R_l^m is a fixed linear map of
those moments (:mod:`.solid_harmonics`, paper Eqs. A23-A24). Because the map is
linear, the moments of all neighbours of one species are summed first and
contracted once per centre: <anlm|rho_i> = sum_k T^{nlm}_k sum_{j in a} M_k(ij)
(paper Eq. 17, <nlm|rho_i> = sum_j <nlm|rho_ij>). Blocks of centres run in
parallel (``prange``); each owns its scratch arrays, so no two threads write
to the same memory.

Within a block, centres are the lanes of the innermost loops (``PAIR_BLOCK``
of them, structure of arrays): step k computes the moments of the k-th pair
of every lane's centre at once, which the compiler vectorises, and adds them
to that lane's sums, so each centre's pairs are still summed in pair order and
the results are those of a pair-by-pair loop, bit for bit. Centres are put in
blocks by number of pairs, so that few lanes idle.
"""

import numpy as np
from numba import njit, prange

from .moments import PAIR_BLOCK, block_multipliers, gaussian_moment_block, gaussian_parameters, moment_terms

__all__ = ["density_coefficients", "contract_block", "contract_centre"]


@njit(cache=True)
def contract_centre(summed, raw, row_ptr, columns, values, num_radial, orthonormalization, out):
    """Orthonormalised coefficients of one centre from its per-species summed moments.

    ``summed`` (n_species, n_monomials) -> ``raw`` (n_species, n_rows) with the
    CSR matrix T, then ``out`` (the centre's row of the flat layout) with W_l.
    Shared by the feature and gradient kernels so both give the same bits.
    """
    n_species, n_rows = raw.shape
    for s in range(n_species):
        for row in range(n_rows):
            total = 0.0
            for t in range(row_ptr[row], row_ptr[row + 1]):
                total += values[t] * summed[s, columns[t]]
            raw[s, row] = total
    row = 0
    column = 0
    for l in range(num_radial.shape[0]):
        nr = num_radial[l]
        for m in range(2 * l + 1):
            for s in range(n_species):
                for k in range(nr):
                    total = 0.0
                    for n in range(nr):
                        total += raw[s, row + n] * orthonormalization[l, n, k]
                    out[column] = total
                    column += 1
            row += nr


@njit(cache=True)
def contract_block(sums, width, n_lanes, lane_centre, raw, total, row_ptr, columns, values, num_radial, orthonormalization, out):
    """:func:`contract_centre` for the centres of a block of lanes at once.

    ``sums`` (n_species, n_monomials, lanes) -> ``raw`` (n_species, n_rows,
    lanes) -> rows ``lane_centre[:n_lanes]`` of ``out``; lanes ``width`` and
    beyond are not read (``n_lanes <= width``). The lanes are the
    innermost (vectorised) loop; each lane sees the operations of
    :func:`contract_centre` in the same order, so the same bits.
    """
    n_species, n_rows = raw.shape[0], raw.shape[1]
    for s in range(n_species):
        for row in range(n_rows):
            for lane in range(width):
                total[lane] = 0.0
            for t in range(row_ptr[row], row_ptr[row + 1]):
                value = values[t]
                column = columns[t]
                for lane in range(width):
                    total[lane] += value * sums[s, column, lane]
            for lane in range(width):
                raw[s, row, lane] = total[lane]
    row = 0
    column = 0
    for l in range(num_radial.shape[0]):
        nr = num_radial[l]
        for m in range(2 * l + 1):
            for s in range(n_species):
                for k in range(nr):
                    for lane in range(width):
                        total[lane] = 0.0
                    for n in range(nr):
                        weight = orthonormalization[l, n, k]
                        for lane in range(width):
                            total[lane] += raw[s, row + n, lane] * weight
                    for lane in range(n_lanes):
                        out[lane_centre[lane], column] = total[lane]
                    column += 1
            row += nr


@njit(cache=True)
def _density_task(
    first, last, pair_ptr, neighbors, vectors, pair_weights, precisions, semiaxes_products, species_index, n_species,
    inv_sigma2, terms, n_multipliers, row_ptr, columns, values, num_radial, orthonormalization, out,
):
    """Rows ``first:last`` of :func:`density_coefficients`' output (one task; its own scratch)."""
    n_monomials = terms.shape[0]
    n_rows = row_ptr.shape[0] - 1
    # centres by number of pairs (a counting sort): the lanes of a block then have
    # about as many pairs each (the order of the centres does not enter any result)
    counts = np.empty(last - first, dtype=np.int64)
    largest = 0
    for c in range(first, last):
        counts[c - first] = pair_ptr[c + 1] - pair_ptr[c]
        largest = max(largest, counts[c - first])
    position = np.zeros(largest + 2, dtype=np.int64)
    for k in range(counts.shape[0]):
        position[counts[k] + 1] += 1
    for n in range(largest + 1):
        position[n + 1] += position[n]
    order = np.empty(counts.shape[0], dtype=np.int64)
    for k in range(counts.shape[0]):
        order[position[counts[k]]] = k
        position[counts[k]] += 1
    sums = np.empty((n_species, n_monomials, PAIR_BLOCK))
    raw = np.empty((n_species, n_rows, PAIR_BLOCK))
    total = np.empty(PAIR_BLOCK)
    moments = np.empty((n_monomials, PAIR_BLOCK))
    centers = np.empty((3, PAIR_BLOCK))
    covariances = np.empty((9, PAIR_BLOCK))
    multipliers = np.empty((9 * n_multipliers, PAIR_BLOCK))
    prefactors = np.empty(PAIR_BLOCK)
    lane_centre = np.empty(PAIR_BLOCK, dtype=np.int64)
    lane_species = np.empty(PAIR_BLOCK, dtype=np.int64)
    covariance = np.empty((3, 3))
    center = np.empty(3)
    block_start = 0
    while block_start < order.shape[0] and counts[order[block_start]] == 0:
        out[first + order[block_start], :] = 0.0  # a centre without pairs: every other row is written below
        block_start += 1
    for block in range(block_start, order.shape[0], PAIR_BLOCK):
        n_lanes = min(PAIR_BLOCK, order.shape[0] - block)
        for lane in range(n_lanes):
            lane_centre[lane] = first + order[block + lane]
        n_steps = counts[order[block + n_lanes - 1]]
        width = min(PAIR_BLOCK, (n_lanes + 7) // 8 * 8)  # lanes computed: whole vectors
        sums[:, :, :] = 0.0
        # step k: lane i takes the k-th pair of its centre, so each centre's
        # moments are summed in pair order (the bits of a pair-by-pair sum)
        for step in range(n_steps):
            for lane in range(width):
                if lane >= n_lanes or step >= pair_ptr[lane_centre[lane] + 1] - pair_ptr[lane_centre[lane]]:
                    prefactors[lane] = 0.0  # an idle lane: all its moments are +0
                    lane_species[lane] = -1
                    for k in range(3):
                        centers[k, lane] = 0.0
                    for k in range(9):
                        covariances[k, lane] = 0.0
                    continue
                q = pair_ptr[lane_centre[lane]] + step
                j = neighbors[q]
                prefactors[lane] = pair_weights[q] * gaussian_parameters(
                    vectors[q], precisions[j], semiaxes_products[j], inv_sigma2, covariance, center
                )
                lane_species[lane] = species_index[j]
                for k in range(3):
                    centers[k, lane] = center[k]
                    for b in range(3):
                        covariances[3 * k + b, lane] = covariance[k, b]
            block_multipliers(covariances, n_multipliers, width, multipliers)
            gaussian_moment_block(centers, multipliers, prefactors, terms, width, moments)
            if n_species == 1:
                for f in range(n_monomials):
                    for lane in range(width):
                        sums[0, f, lane] += moments[f, lane]
            else:  # x + 0.0 is x: lanes of other species add zeros
                for s in range(n_species):
                    for f in range(n_monomials):
                        for lane in range(width):
                            sums[s, f, lane] += moments[f, lane] if lane_species[lane] == s else 0.0
        contract_block(
            sums, width, n_lanes, lane_centre, raw, total, row_ptr, columns, values, num_radial, orthonormalization, out
        )


@njit(cache=True, parallel=True)
def density_coefficients(
    pair_ptr,
    neighbors,
    vectors,
    pair_weights,
    precisions,
    semiaxes_products,
    species_index,
    n_species,
    inv_sigma2,
    table,
    row_ptr,
    columns,
    values,
    num_radial,
    orthonormalization,
    n_tasks,
):
    """Orthonormalised density coefficients of all centres.

    Parameters
    ----------
    pair_ptr : int64 (n_centres + 1,)
        Pairs of centre c are ``pair_ptr[c]:pair_ptr[c + 1]``.
    neighbors : int64 (n_pairs,)
        Global index of the neighbour of each pair.
    vectors : float64 (n_pairs, 3)
        r_ij = r_j + shift - r_i in Å.
    pair_weights : float64 (n_pairs,)
        Smooth-cutoff weight of each pair (:mod:`.cutoff`; 1 for a sharp cutoff).
    precisions : float64 (n_particles, 3, 3)
        A_j = R_j diag(1/a²) R_jᵀ of every particle.
    semiaxes_products : float64 (n_particles,)
    species_index : int64 (n_particles,)
        Position of each particle's species in the sorted species list.
    n_species : int
    inv_sigma2 : float
        1/σ² (GTO basis) or 0 (monomial basis).
    table : int64 (n_monomials, 9)
        Moment recurrence (:func:`.moments.moment_recurrence`).
    row_ptr, columns, values :
        CSR matrix T of :func:`.solid_harmonics.solid_harmonic_coefficients`,
        rows ordered (l, m, n).
    num_radial : int64 (max_angular + 1,)
    orthonormalization : float64 (max_angular + 1, max n, max n)
        W_l (zero-padded): c_orthonormal[n'] = sum_n c_raw[n] W_l[n, n'].
    n_tasks : int
        Contiguous blocks of centres shared out to the threads (each block
        allocates its scratch, sorts its centres and ends in a partly filled
        block of lanes once: W1 runs fastest with one or two per thread).

    Returns
    -------
    float64 (n_centres, sum_l (2l + 1) n_species num_radial[l])
        Per centre, channel l occupies a (2l + 1, n_species, num_radial[l])
        slab, stored one l after the other. A centre without neighbours keeps
        zeros.
    """
    n_centres = pair_ptr.shape[0] - 1
    n_features = 0
    for l in range(num_radial.shape[0]):
        n_features += (2 * l + 1) * n_species * num_radial[l]
    # each task writes (and first touches) its own rows: zeroing them here would be serial
    out = np.empty((n_centres, n_features))
    terms, n_multipliers = moment_terms(table)
    n_tasks = max(1, min(n_centres, n_tasks))
    # the task's work is a separate function: a short parallel loop keeps numba's
    # parfor passes (and compile time) small
    for task in prange(n_tasks):
        _density_task(
            task * n_centres // n_tasks, (task + 1) * n_centres // n_tasks, pair_ptr, neighbors, vectors, pair_weights,
            precisions, semiaxes_products, species_index, n_species, inv_sigma2, terms, n_multipliers, row_ptr,
            columns, values, num_radial, orthonormalization, out,
        )
    return out
