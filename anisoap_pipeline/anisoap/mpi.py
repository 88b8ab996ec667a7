"""Frames split over MPI ranks, coefficients gathered on rank 0."""

import numpy as np

from .batch import FrameBatch

__all__ = ["distributed_coefficients"]


def distributed_coefficients(calculator, frames, comm=None, diameters=None, species=None, compute=None):
    """Density coefficients of all frames, computed in parallel over MPI ranks.

    Rank 0 holds the frames; it validates them, packs them into flat arrays
    (:class:`FrameBatch`) and sends each rank a contiguous block of about
    n_frames / n_ranks frames; every rank featurises its block with
    ``calculator`` and rank 0 gathers and joins the blocks in frame order. The
    numbers are those of the serial run: each frame is computed the same way
    whichever rank holds it.

    Parameters
    ----------
    calculator : EllipsoidalDensityProjection
    frames : list of ase.Atoms, FrameBatch, or None
        Significant on rank 0 only; a ``FrameBatch`` is taken as validated.
    comm : mpi4py.MPI.Comm, optional
        Default ``MPI.COMM_WORLD``.
    diameters : optional
        As in :meth:`EllipsoidalDensityProjection.compute_coefficients`.
    species : sequence of int, optional
        Neighbour species; default: all species of all frames (decided on
        rank 0, so every rank produces the same columns).
    compute : callable, optional
        ``compute(block, species=species)`` run on each rank's block; its
        results must have a ``concatenate`` classmethod. Default
        ``calculator.compute_coefficients``; e.g. a ``functools.partial`` of
        :func:`.gradients.compute_gradients`.

    Returns
    -------
    DensityCoefficients (or what ``compute`` returns) or None
        On rank 0; None on the other ranks.
    """
    if comm is None:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    blocks, error = None, None
    if rank == 0:
        try:
            batch = frames if isinstance(frames, FrameBatch) else FrameBatch.from_frames(frames, diameters)
        except ValueError as exc:
            error = exc
        else:
            if species is None:
                species = np.unique(batch.numbers).tolist()
            bounds = np.linspace(0, len(batch), size + 1).round().astype(int)
            blocks = [batch[bounds[r] : bounds[r + 1]] for r in range(size)]
    # every rank learns of a validation error, so none waits forever
    error = comm.bcast(error, root=0)
    if error is not None:
        raise error
    species = comm.bcast(species, root=0)
    block = comm.scatter(blocks, root=0)
    if rank != 0:
        calculator.show_progress = False
    compute = calculator.compute_coefficients if compute is None else compute
    part = compute(block, species=species) if len(block) else None
    parts = comm.gather(part, root=0)
    if rank != 0:
        return None
    parts = [p for p in parts if p is not None]
    return type(parts[0]).concatenate(parts)
