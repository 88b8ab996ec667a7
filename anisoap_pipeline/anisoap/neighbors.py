"""Full neighbour lists through vesin, with every periodic image in the cutoff."""

import numpy as np
import vesin

__all__ = ["neighbor_pairs"]


def neighbor_pairs(positions, cell, periodic, cutoff, self_pairs):
    """All ordered pairs (i, j, shift) with |r_j + shift - r_i| < cutoff.

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
