"""Full neighbour lists with every periodic image in the cutoff.

Large frames go through vesin's cell list, one call per frame. Small frames (a few
particles in a cell smaller than the cutoff, e.g. coarse-grained molecular
crystals or Gay-Berne dimers, or a few dozen particles in a box wider than twice
the cutoff) are many and cheap: a Python call per frame would cost more than the
search itself, so :func:`batch_neighbor_pairs` finds their pairs in one numba
kernel over all of them, parallel over frames. Where a cell is narrower than
twice the cutoff it enumerates the periodic images explicitly, in the same order
as vesin's single-cell search; where it is wider, at most one image of each
neighbour can lie within the cutoff (the minimum image), so it examines that one.
"""

import numpy as np
import vesin
from numba import njit, prange

__all__ = ["SMALL_FRAME_WORK", "batch_neighbor_pairs", "image_search", "neighbor_pairs"]

#: A frame is searched by the numba kernel (rather than vesin) when the number of
#: (centre, neighbour, image) triples it examines is at most this: n² for an open
#: frame or a cell whose plane spacings all exceed twice the cutoff (the minimum
#: image only), else n² (2N₁+1)(2N₂+1)(2N₃+1) with N_k = ceil(cutoff / plane
#: spacing k); about the work of one vesin call's fixed cost. Results do not
#: depend on it beyond the order of summation (see :func:`batch_neighbor_pairs`).
SMALL_FRAME_WORK = 20_000


def neighbor_pairs(positions, cell, periodic, cutoff, self_pairs):
    """All ordered pairs (i, j, shift) with |r_j + shift - r_i| < cutoff, via vesin.

    Parameters
    ----------
    positions : ndarray, shape (n, 3)
        Cartesian positions in Å.
    cell : ndarray, shape (3, 3)
        Lattice vectors as rows (Å); ignored when not periodic.
    periodic : bool
        Periodic in all three directions (mixed periodicity is rejected by
        :mod:`anisoap_pipeline.frames`).
    cutoff : float
        Strict cutoff radius in Å; any cell shape and cutoffs larger than the
        cell are handled (vesin enumerates every image).
    self_pairs : bool
        Include the pair (i, i) with zero shift (the centre's own density).

    Returns
    -------
    centers, neighbors : ndarray of int64, shape (n_pairs,)
        Grouped by centre (stable sort of vesin's deterministic order, the
        self pair last).
    vectors : ndarray of float64, shape (n_pairs, 3)
        r_ij in Å.
    """
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    box = np.asarray(cell, dtype=np.float64) if periodic else np.zeros((3, 3))
    calculator = vesin.NeighborList(cutoff=float(cutoff), full_list=True)
    centers, neighbors, vectors = calculator.compute(positions, box, bool(periodic), "ijD")
    centers = centers.astype(np.int64)
    neighbors = neighbors.astype(np.int64)
    keep = np.einsum("pk,pk->p", vectors, vectors) < cutoff * cutoff
    centers, neighbors, vectors = centers[keep], neighbors[keep], vectors[keep]
    if self_pairs:
        n = len(positions)
        centers = np.concatenate([centers, np.arange(n)])
        neighbors = np.concatenate([neighbors, np.arange(n)])
        vectors = np.concatenate([vectors, np.zeros((n, 3))])
    order = np.argsort(centers, kind="stable")
    return centers[order], neighbors[order], vectors[order]


def image_search(batch, cutoff):
    """Periodic images the search visits in each frame of a :class:`~.batch.FrameBatch`.

    Returns
    -------
    inverses : ndarray, shape (n_frames, 3, 3)
        Inverse cells (zeros for open frames).
    search : ndarray of float64, shape (n_frames, 3)
        N_k = ceil(cutoff / plane spacing k), 0 along open directions.
    minimum_image : ndarray of bool, shape (n_frames,)
        Periodic frames whose plane spacings all exceed twice the cutoff: a
        neighbour's only image that can lie within the cutoff is its minimum image.
    work : ndarray of float64, shape (n_frames,)
        (centre, neighbour, image) triples the numba search examines: n² for
        open and minimum-image frames, else n² (2N₁+1)(2N₂+1)(2N₃+1); frames
        with ``work <= SMALL_FRAME_WORK`` take that search, the others vesin's.
    """
    periodic = np.asarray(batch.periodic, dtype=bool)
    inverses = np.zeros((len(batch), 3, 3))
    if periodic.any():
        inverses[periodic] = np.linalg.inv(batch.cells[periodic])
    # cutoff / plane spacing k, with plane spacing k = 1 / |column k of cell⁻¹|
    reach = float(cutoff) * np.linalg.norm(inverses, axis=1)
    search = np.where(periodic[:, None], np.ceil(reach), 0.0)
    minimum_image = periodic & (reach < 0.5).all(axis=1)
    images = np.where(minimum_image, 1.0, np.prod(2 * search + 1, axis=1))
    work = batch.n_atoms.astype(np.float64) ** 2 * images
    return inverses, search, minimum_image, work


def batch_neighbor_pairs(batch, cutoff, self_pairs):
    """Neighbour pairs of every frame of a :class:`~.batch.FrameBatch`.

    Each frame's pairs are those of :func:`neighbor_pairs` (every periodic image,
    also for a cutoff larger than the cell), with particle indices made global
    (offset by the frame's first particle), frames in order.

    Parameters
    ----------
    batch : FrameBatch
    cutoff : float
        Strict cutoff radius in Å.
    self_pairs : bool
        Include each particle's (i, i) zero-shift pair, last among its pairs.

    Returns
    -------
    centers, neighbors : ndarray of int64, shape (n_pairs,)
        Global particle indices, sorted by centre.
    vectors : ndarray of float64, shape (n_pairs, 3)
        r_ij = r_j + shift - r_i in Å, C-contiguous.

    Notes
    -----
    Frames within :data:`SMALL_FRAME_WORK` are searched by one numba kernel,
    parallel over frames (each frame writes its own rows, so the result does not
    depend on the number of threads). In a cell narrower than twice the cutoff
    it, like vesin's cell list with a single cell, visits the images
    n = delta + s_i - s_j (s = floor of the fractional coordinates, delta in
    [-N_k, N_k]) in lexicographic order of delta, neighbours j in index order, and
    computes r_ij = (r_j - r_i) + n · cell: the pairs, vectors and their order are
    vesin's. In a wider cell, an image with |r_ij| < cutoff has fractional
    coordinates below cutoff / plane spacing < 1/2 in magnitude, so it is the
    one n = -round(fractional coordinates of r_j - r_i); neighbours come in index
    order, which may differ from vesin's (several cells) in the features' last bits.
    """
    cutoff = float(cutoff)
    periodic = np.asarray(batch.periodic, dtype=bool)
    inverses, search, minimum_image, work = image_search(batch, cutoff)
    small = work <= SMALL_FRAME_WORK

    offsets = batch.offsets
    positions = np.ascontiguousarray(batch.positions, dtype=np.float64)
    cells = np.ascontiguousarray(batch.cells, dtype=np.float64)
    frames = np.flatnonzero(small).astype(np.int64)
    search = search.astype(np.int64)
    counts = np.zeros(len(frames), dtype=np.int64)
    no_pairs = np.empty(0, dtype=np.int64)
    _small_frame_pairs(frames, offsets, positions, cells, inverses, search, minimum_image, cutoff, self_pairs, False,
                       counts, no_pairs, no_pairs, np.empty((0, 3)))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    centers = np.empty(starts[-1], dtype=np.int64)
    neighbors = np.empty(starts[-1], dtype=np.int64)
    vectors = np.empty((starts[-1], 3))
    _small_frame_pairs(frames, offsets, positions, cells, inverses, search, minimum_image, cutoff, self_pairs, True,
                       starts, centers, neighbors, vectors)
    if small.all():
        return centers, neighbors, vectors

    # large frames through vesin, one call each; the rest of neighbor_pairs (the strict
    # cutoff, self pairs, the stable sort by centre) and the merge in frame order
    # run in one numba pass over all frames
    large = np.flatnonzero(~small)
    calculator = vesin.NeighborList(cutoff=cutoff, full_list=True)
    found = []
    for k in large:
        box = cells[k] if periodic[k] else np.zeros((3, 3))
        found.append(calculator.compute(positions[offsets[k] : offsets[k + 1]], box, bool(periodic[k]), "ijD"))
    found_i, found_j, found_d = ([pairs[q] for pairs in found] for q in range(3))
    found_ptr = np.zeros(len(large) + 1, dtype=np.int64)
    np.cumsum([len(i) for i in found_i], out=found_ptr[1:])
    found_i = np.concatenate(found_i).astype(np.int64)
    found_j = np.concatenate(found_j).astype(np.int64)
    found_d = np.ascontiguousarray(np.concatenate(found_d), dtype=np.float64).reshape(-1, 3)
    keep = np.einsum("pk,pk->p", found_d, found_d) < cutoff * cutoff
    return _merge_frames(
        len(batch), offsets, frames, starts, centers, neighbors, vectors, large.astype(np.int64), found_ptr, found_i,
        found_j, found_d, keep, self_pairs,
    )


@njit(cache=True)
def _merge_frames(n_frames, offsets, small, small_starts, small_centers, small_neighbors, small_vectors, large,
                  found_ptr, found_i, found_j, found_d, keep, self_pairs):
    """All pairs in frame order: the small frames' as searched, each large frame's
    vesin pairs within the strict cutoff plus its self pairs, stably sorted by
    centre (the self pair last), indices made global."""
    counts = np.zeros(n_frames, dtype=np.int64)
    for f in range(small.shape[0]):
        counts[small[f]] = small_starts[f + 1] - small_starts[f]
    for f in range(large.shape[0]):
        k = large[f]
        n = 0
        for p in range(found_ptr[f], found_ptr[f + 1]):
            if keep[p]:
                n += 1
        counts[k] = n + (offsets[k + 1] - offsets[k] if self_pairs else 0)
    frame_start = np.zeros(n_frames + 1, dtype=np.int64)
    for k in range(n_frames):
        frame_start[k + 1] = frame_start[k] + counts[k]
    centers = np.empty(frame_start[-1], dtype=np.int64)
    neighbors = np.empty(frame_start[-1], dtype=np.int64)
    vectors = np.empty((frame_start[-1], 3))
    for f in range(small.shape[0]):
        q = frame_start[small[f]]
        for p in range(small_starts[f], small_starts[f + 1]):
            centers[q] = small_centers[p]
            neighbors[q] = small_neighbors[p]
            for a in range(3):
                vectors[q, a] = small_vectors[p, a]
            q += 1
    for f in range(large.shape[0]):
        k = large[f]
        first = offsets[k]
        n = offsets[k + 1] - first
        # counting sort by centre: vesin's order within a centre, then the self pair
        slot = np.zeros(n + 1, dtype=np.int64)
        for p in range(found_ptr[f], found_ptr[f + 1]):
            if keep[p]:
                slot[found_i[p] + 1] += 1
        if self_pairs:
            for i in range(n):
                slot[i + 1] += 1
        slot[0] = frame_start[k]
        for i in range(n):
            slot[i + 1] += slot[i]
        for p in range(found_ptr[f], found_ptr[f + 1]):
            if keep[p]:
                q = slot[found_i[p]]
                slot[found_i[p]] += 1
                centers[q] = first + found_i[p]
                neighbors[q] = first + found_j[p]
                for a in range(3):
                    vectors[q, a] = found_d[p, a]
        if self_pairs:
            for i in range(n):
                q = slot[i]
                centers[q] = first + i
                neighbors[q] = first + i
                for a in range(3):
                    vectors[q, a] = 0.0
    return centers, neighbors, vectors


@njit(cache=True, parallel=True)
def _small_frame_pairs(frames, offsets, positions, cells, inverses, search, minimum_image, cutoff, self_pairs, write,
                       starts, centers, neighbors, vectors):
    """Count the pairs of each listed frame f into ``starts[f]`` (``write`` False),
    or write them from ``starts[f]`` on (``write`` True)."""
    for f in prange(len(frames)):
        frame = frames[f]
        p = starts[f] if write else 0
        if minimum_image[frame]:
            p = _minimum_image_pairs(frame, offsets, positions, cells, inverses, cutoff, self_pairs, write, p,
                                     centers, neighbors, vectors)
        else:
            p = _image_pairs(frame, offsets, positions, cells, inverses, search, cutoff, self_pairs, write, p,
                             centers, neighbors, vectors)
        if not write:
            starts[f] = p


@njit(cache=True)
def _write_pair(write, p, i, j, d0, d1, d2, centers, neighbors, vectors):
    if write:
        centers[p] = i
        neighbors[p] = j
        vectors[p, 0] = d0
        vectors[p, 1] = d1
        vectors[p, 2] = d2
    return p + 1


@njit(cache=True)
def _minimum_image_pairs(frame, offsets, positions, cells, inverses, cutoff, self_pairs, write, p, centers, neighbors,
                         vectors):
    """Pairs of a frame whose plane spacings exceed twice the cutoff, from row ``p``; returns the next row."""
    cutoff2 = cutoff * cutoff
    first, last = offsets[frame], offsets[frame + 1]
    cell = cells[frame]
    inverse = inverses[frame]
    for i in range(first, last):
        for j in range(first, last):
            if i == j:  # every other image of i lies beyond the cutoff
                continue
            r0 = positions[j, 0] - positions[i, 0]
            r1 = positions[j, 1] - positions[i, 1]
            r2 = positions[j, 2] - positions[i, 2]
            s0 = -np.round(r0 * inverse[0, 0] + r1 * inverse[1, 0] + r2 * inverse[2, 0])
            s1 = -np.round(r0 * inverse[0, 1] + r1 * inverse[1, 1] + r2 * inverse[2, 1])
            s2 = -np.round(r0 * inverse[0, 2] + r1 * inverse[1, 2] + r2 * inverse[2, 2])
            d0 = r0 + (s0 * cell[0, 0] + s1 * cell[1, 0] + s2 * cell[2, 0])
            d1 = r1 + (s0 * cell[0, 1] + s1 * cell[1, 1] + s2 * cell[2, 1])
            d2 = r2 + (s0 * cell[0, 2] + s1 * cell[1, 2] + s2 * cell[2, 2])
            if d0 * d0 + d1 * d1 + d2 * d2 < cutoff2:
                p = _write_pair(write, p, i, j, d0, d1, d2, centers, neighbors, vectors)
        if self_pairs:
            p = _write_pair(write, p, i, i, 0.0, 0.0, 0.0, centers, neighbors, vectors)
    return p


@njit(cache=True)
def _image_pairs(frame, offsets, positions, cells, inverses, search, cutoff, self_pairs, write, p, centers, neighbors,
                 vectors):
    """Pairs of a frame over every image within ``search`` cells, from row ``p``; returns the next row."""
    cutoff2 = cutoff * cutoff
    first, last = offsets[frame], offsets[frame + 1]
    n = last - first
    cell = cells[frame]
    # integer part of the fractional coordinates (vesin's wrapping shift)
    wrap = np.zeros((n, 3), dtype=np.int64)
    if search[frame, 0] + search[frame, 1] + search[frame, 2] > 0:
        for a in range(n):
            for k in range(3):
                fractional = 0.0
                for m in range(3):
                    fractional += positions[first + a, m] * inverses[frame, m, k]
                wrap[a, k] = np.int64(np.floor(fractional))
    for i in range(n):
        for dx in range(-search[frame, 0], search[frame, 0] + 1):
            for dy in range(-search[frame, 1], search[frame, 1] + 1):
                for dz in range(-search[frame, 2], search[frame, 2] + 1):
                    for j in range(n):
                        s0 = dx + wrap[i, 0] - wrap[j, 0]
                        s1 = dy + wrap[i, 1] - wrap[j, 1]
                        s2 = dz + wrap[i, 2] - wrap[j, 2]
                        if i == j and s0 == 0 and s1 == 0 and s2 == 0:
                            continue
                        d0 = (positions[first + j, 0] - positions[first + i, 0]) + (s0 * cell[0, 0] + s1 * cell[1, 0] + s2 * cell[2, 0])
                        d1 = (positions[first + j, 1] - positions[first + i, 1]) + (s0 * cell[0, 1] + s1 * cell[1, 1] + s2 * cell[2, 1])
                        d2 = (positions[first + j, 2] - positions[first + i, 2]) + (s0 * cell[0, 2] + s1 * cell[1, 2] + s2 * cell[2, 2])
                        if d0 * d0 + d1 * d1 + d2 * d2 < cutoff2:
                            p = _write_pair(write, p, first + i, first + j, d0, d1, d2, centers, neighbors, vectors)
        if self_pairs:
            p = _write_pair(write, p, first + i, first + i, 0.0, 0.0, 0.0, centers, neighbors, vectors)
    return p
