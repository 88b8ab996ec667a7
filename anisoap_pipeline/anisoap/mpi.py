"""Frames split over MPI ranks, coefficients gathered on rank 0.

Used through ``EllipsoidalDensityProjection.compute(..., comm=comm)``. Any
exception on any rank inside it reaches every rank (no rank is left waiting
in a collective call): the rank that failed first re-raises its own
exception, every other rank raises :class:`PeerRankError`.
"""

import numpy as np

__all__ = ["PeerRankError", "collective", "distributed_coefficients"]


class PeerRankError(RuntimeError):
    """Another MPI rank failed; its message is in this one's.

    Raised on every rank but the one that failed first, so that a command line
    can print the original error once (from the failing rank) and exit.
    """


def collective(comm, error):
    """Re-raise, on every rank, the first exception any rank reports.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm
    error : Exception or None
        This rank's exception, if it had one.

    Raises
    ------
    Exception
        ``error`` itself on the lowest failing rank, marked ``mpi_collective =
        True`` (every rank knows: no need for ``MPI_Abort``);
        :class:`PeerRankError` naming that rank and its message on the others.
    """
    reports = comm.allgather(None if error is None else f"{type(error).__name__}: {error}")
    failed = [rank for rank, report in enumerate(reports) if report is not None]
    if not failed:
        return
    if comm.Get_rank() == failed[0]:
        error.mpi_collective = True
        raise error
    raise PeerRankError(f"rank {failed[0]} failed: {reports[failed[0]]}")


def distributed_coefficients(
    calculator, frames, comm, *, species=None, diameters=None, progress=False, chunk_size=None, compute=None
):
    """Density coefficients of all frames, computed in parallel over MPI ranks.

    Rank 0 holds the frames; it validates them, packs them into flat arrays
    (:class:`~.batch.FrameBatch`) and sends each rank a contiguous block of about
    n_frames / n_ranks frames; every rank featurises its block with
    ``calculator`` (not modified) and rank 0 gathers and joins the blocks in
    frame order. The numbers are those of the serial run: each frame is
    computed the same way whichever rank holds it.

    Parameters
    ----------
    calculator : EllipsoidalDensityProjection
        The same hyperparameters on every rank.
    frames : ase.Atoms, sequence of ase.Atoms, FrameBatch, or None
        Significant on rank 0 only.
    comm : mpi4py.MPI.Comm
    species : sequence of int, optional
        Neighbour species; default: all species of all frames (decided on
        rank 0, so every rank produces the same columns).
    diameters, progress, chunk_size :
        As in :meth:`EllipsoidalDensityProjection.compute`; the progress bar
        is shown on rank 0 only.
    compute : callable, optional
        ``compute(block, species, progress, chunk_size)`` run on each rank's
        validated block; its results must have a ``concatenate`` classmethod.
        Default: the calculator's density coefficients; the gradients pass
        :func:`.gradients.batch_gradients` (bound to their options).

    Returns
    -------
    DensityCoefficients (or what ``compute`` returns) or None
        On rank 0; None on the other ranks.

    Raises
    ------
    Exception
        As :func:`collective`: on every rank, whichever rank failed.
    """
    rank, size = comm.Get_rank(), comm.Get_size()
    blocks, error = None, None
    if rank == 0:
        try:
            batch = calculator.validated_batch(frames, diameters)
            if species is None:
                species = np.unique(batch.numbers).tolist()
            bounds = np.linspace(0, len(batch), size + 1).round().astype(int)
            blocks = [batch[bounds[r] : bounds[r + 1]] for r in range(size)]
        except Exception as exc:  # noqa: BLE001 - handed to every rank
            error = exc
    collective(comm, error)
    species = np.asarray(sorted(int(s) for s in comm.bcast(species, root=0)), dtype=np.int64)
    block = comm.scatter(blocks, root=0)
    compute = calculator._coefficients if compute is None else compute
    part, error = None, None
    try:
        if len(block):
            part = compute(block, species, progress and rank == 0, chunk_size)
    except Exception as exc:  # noqa: BLE001 - handed to every rank
        error = exc
    collective(comm, error)
    parts = comm.gather(part, root=0)
    if rank != 0:
        return None
    parts = [p for p in parts if p is not None]
    return type(parts[0]).concatenate(parts)
