"""Validated ellipsoid frames packed into flat arrays.

The kernels need positions, species, orientations and shapes of many frames at
once; a ``FrameBatch`` holds them as concatenated NumPy arrays (cheap to slice
into chunks and cheap to send to MPI ranks, unlike lists of ``ase.Atoms``).
"""

import itertools

import numpy as np

from ..frames import DIAMETER_KEYS, pack_frames

__all__ = ["CHUNK_PARTICLES", "FrameBatch"]

#: Particles per numba call when no ``chunk_size`` is given (whole frames, see
#: :meth:`FrameBatch.chunks`): many small frames would otherwise pay a call's fixed costs (the
#: threads' start, the glue between kernels) every few hundred particles, while
#: the pair and scratch arrays stay bounded.
CHUNK_PARTICLES = 16384


class FrameBatch:
    """Frames as flat arrays.

    Attributes
    ----------
    n_atoms : int64 (n_frames,)
    numbers : int64 (n_particles,)
    positions : float64 (n_particles, 3), Å
    quaternions : float64 (n_particles, 4), unit, (w, x, y, z), body -> lab
    diameters : float64 (n_particles, 3), full diameters, Å
    cells : float64 (n_frames, 3, 3), lattice vectors as rows, Å
    periodic : bool (n_frames,)
    first_frame : int
        Index of the batch's first frame in the collection it was cut from
        (error messages name frames by that index).
    """

    def __init__(self, n_atoms, numbers, positions, quaternions, diameters, cells, periodic, first_frame=0):
        self.n_atoms = n_atoms
        self.numbers = numbers
        self.positions = positions
        self.quaternions = quaternions
        self.diameters = diameters
        self.cells = cells
        self.periodic = periodic
        self.first_frame = first_frame
        self.offsets = np.concatenate([[0], np.cumsum(n_atoms)]).astype(np.int64)

    @classmethod
    def from_frames(cls, frames, diameters=None):
        """Validate frames and pack them (:func:`anisoap_pipeline.frames.pack_frames`:
        the checks of :func:`~anisoap_pipeline.frames.canonicalize`, vectorised).

        Raises
        ------
        TypeError, ValueError
            As :func:`~anisoap_pipeline.frames.canonicalize`, naming the frame and field;
            ValueError if there are no frames.
        """
        packed = pack_frames(frames, diameters)
        if len(packed["n_atoms"]) == 0:
            raise ValueError("no frames to featurise")
        return cls(
            packed["n_atoms"],
            packed["numbers"],
            packed["positions"],
            packed["quaternions"],
            packed["diameters"],
            packed["cells"],
            packed["pbc"][:, 0].copy(),
        )

    @classmethod
    def pack(cls, frames):
        """Pack canonical frames (from :func:`~anisoap_pipeline.frames.read_frames`
        or :func:`~anisoap_pipeline.frames.validate_frames`) without validating again.

        Raises
        ------
        ValueError
            If there are no frames.
        """
        if not frames:
            raise ValueError("no frames to featurise")
        return cls(
            np.array([len(f) for f in frames], dtype=np.int64),
            np.concatenate([f.numbers for f in frames]).astype(np.int64),
            np.concatenate([f.positions for f in frames]),
            np.concatenate([f.arrays["c_q"] for f in frames]),
            np.stack([np.concatenate([f.arrays[k] for f in frames]) for k in DIAMETER_KEYS], axis=1),
            np.stack([f.cell.array for f in frames]),
            np.array([bool(f.pbc[0]) for f in frames]),
        )

    def __len__(self):
        return len(self.n_atoms)

    def __getitem__(self, frames):
        """The sub-batch of a slice of frames (step 1)."""
        start, stop, _ = frames.indices(len(self))
        a, b = self.offsets[start], self.offsets[stop]
        return FrameBatch(
            self.n_atoms[start:stop],
            self.numbers[a:b],
            self.positions[a:b],
            self.quaternions[a:b],
            self.diameters[a:b],
            self.cells[start:stop],
            self.periodic[start:stop],
            self.first_frame + start,
        )

    def chunks(self, chunk_size=None):
        """The frames as consecutive slices, one per numba call: ``chunk_size``
        frames each, or (None) the frames whose first particle falls in the same
        window of :data:`CHUNK_PARTICLES` particles (so a chunk holds less than
        twice that, or a single larger frame)."""
        if chunk_size is not None:
            return [slice(s, s + chunk_size) for s in range(0, len(self), chunk_size)]
        window = self.offsets[:-1] // CHUNK_PARTICLES
        starts = np.flatnonzero(np.diff(window, prepend=-1)).tolist() + [len(self)]
        return [slice(a, b) for a, b in itertools.pairwise(starts)]

    def frame(self, k):
        """(positions, cell, periodic) of frame k of the batch."""
        a, b = self.offsets[k], self.offsets[k + 1]
        return self.positions[a:b], self.cells[k], bool(self.periodic[k])
