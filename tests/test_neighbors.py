"""The batched neighbour search (anisoap.neighbors) against vesin and closed forms."""

import ase
import numba
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.anisoap.batch import FrameBatch
from anisoap_pipeline.anisoap.neighbors import SMALL_FRAME_WORK, batch_neighbor_pairs, image_search, neighbor_pairs


def frame(positions, cell=None):
    n = len(positions)
    atoms = ase.Atoms(numbers=np.ones(n, int), positions=positions,
                      cell=np.zeros((3, 3)) if cell is None else cell, pbc=cell is not None)
    atoms.arrays["c_q"] = Rotation.identity(n).as_quat(scalar_first=True)
    for k in (1, 2, 3):
        atoms.arrays[f"c_diameter[{k}]"] = np.ones(n)
    return atoms


def random_frames(seed):
    """Small frames (triclinic, skewed, unwrapped positions, isolated, one
    particle), a frame of 40 in a skewed cell wider than twice the cutoff
    (minimum images) and, in the middle, one large frame that goes through vesin."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(40):
        n = int(rng.integers(1, 5))
        cell = rng.normal(size=(3, 3)) + np.diag(rng.uniform(2.0, 6.0, 3)) if k % 5 else None
        frames.append(frame(rng.normal(size=(n, 3)) * 4.0, cell))
    frames.insert(20, frame(rng.uniform(0, 12, size=(60, 3)), np.diag([12.0, 13.0, 11.0])))
    wide = np.diag([16.0, 17.0, 15.5]) + rng.normal(size=(3, 3)) * 0.8
    frames.insert(30, frame(rng.uniform(-6.0, 22.0, size=(40, 3)), wide))
    return frames


@pytest.mark.parametrize("cutoff, self_pairs", [(2.5, True), (4.0, False), (7.0, True)])
def test_batch_pairs_are_vesins(cutoff, self_pairs):
    batch = FrameBatch.from_frames(random_frames(int(cutoff)))
    centers, neighbors, vectors = batch_neighbor_pairs(batch, cutoff, self_pairs)

    assert (np.diff(centers) >= 0).all()  # grouped by centre, frames in order
    expected = []
    for k in range(len(batch)):
        positions, cell, periodic = batch.frame(k)
        i, j, d = neighbor_pairs(positions, cell, periodic, cutoff, self_pairs)
        expected.append((i + batch.offsets[k], j + batch.offsets[k], d))
    i, j, d = (np.concatenate(column) for column in zip(*expected))
    # the same pairs (order within a centre may differ where vesin uses several cells)
    ours = np.lexsort((*np.round(vectors, 9).T, neighbors, centers))
    theirs = np.lexsort((*np.round(d, 9).T, j, i))
    np.testing.assert_array_equal(centers[ours], i[theirs])
    np.testing.assert_array_equal(neighbors[ours], j[theirs])
    np.testing.assert_allclose(vectors[ours], d[theirs], rtol=0, atol=1e-12)
    assert np.linalg.norm(vectors, axis=1).max() < cutoff
    if self_pairs:  # each centre's own density comes last among its pairs
        last = np.r_[np.flatnonzero(np.diff(centers)), len(centers) - 1]
        np.testing.assert_array_equal(neighbors[last], centers[last])
        np.testing.assert_array_equal(vectors[last], 0.0)


def test_which_search_each_frame_takes():
    batch = FrameBatch.from_frames(random_frames(7))
    _, _, minimum_image, work = image_search(batch, 7.0)
    assert minimum_image.tolist() == [k == 30 for k in range(len(batch))]  # the wide cell
    assert work[30] == 40**2 <= SMALL_FRAME_WORK < work[20]


def test_pairs_do_not_depend_on_the_number_of_threads():
    batch = FrameBatch.from_frames(random_frames(5))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = batch_neighbor_pairs(batch, 5.0, True)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        parallel = batch_neighbor_pairs(batch, 5.0, True)
    finally:
        numba.set_num_threads(before)
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


def test_every_periodic_image_beyond_the_cell():
    # one particle in a cube of side 2 Å, cutoff 4.5 Å: the lattice points n ≠ 0 with
    # |n|² ≤ 5 are 6 + 12 + 8 + 6 + 24 = 56 images
    batch = FrameBatch.from_frames([frame([[0.3, -0.7, 5.1]], np.eye(3) * 2.0)])
    centers, neighbors, vectors = batch_neighbor_pairs(batch, 4.5, False)
    assert len(centers) == 56
    np.testing.assert_allclose(np.sort(np.einsum("pk,pk->p", vectors, vectors))[[0, -1]], [4.0, 20.0])


def test_vesins_order_is_kept_for_single_cell_frames():
    # plane spacings below twice the cutoff: vesin searches one cell, and the batch
    # kernel visits the images in the same order with the same arithmetic
    rng = np.random.default_rng(7)
    frames = [frame(rng.uniform(0, 5, size=(3, 3)), np.diag([5.0, 6.0, 5.5]) + rng.normal(size=(3, 3)) * 0.3)
              for _ in range(5)]
    batch = FrameBatch.from_frames(frames)
    assert len(batch) == 5 and 9 * 7**3 <= SMALL_FRAME_WORK
    centers, neighbors, vectors = batch_neighbor_pairs(batch, 7.0, True)
    expected = [neighbor_pairs(*batch.frame(k), 7.0, True) for k in range(len(batch))]
    np.testing.assert_array_equal(neighbors, np.concatenate([j + 3 * k for k, (_, j, _) in enumerate(expected)]))
    np.testing.assert_array_equal(vectors, np.concatenate([d for _, _, d in expected]))
