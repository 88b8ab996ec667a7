"""``anisoap-pipeline <step>``: the command line of every workflow step.

Each step is a thin wrapper over one library function; Snakemake rules call
these steps and nothing else.
"""

import argparse
import sys
import time

from .anisoap.names import GRADIENT_PARAMETERS, KINDS
from .steps import benzene, gay_berne, liquid_crystals, regression, sweep

__all__ = ["main"]


def _featurize(args):
    """Featurise ellipsoid frames with AniSOAP; MPI-parallel over frames.

    Rank 0 checks the options, builds the calculator and reads the frames;
    any failure there or in the computation reaches every rank
    (:func:`anisoap_pipeline.anisoap.mpi.collective`), so no rank hangs.
    """
    if args.job is not None:
        return _featurize_job(args)
    import warnings

    from mpi4py import MPI

    from .anisoap.mpi import collective
    from .io import save_array, save_tensormap

    comm = MPI.COMM_WORLD
    start = time.perf_counter()
    prepared, error = None, None
    if comm.Get_rank() == 0:
        try:
            prepared = _featurize_inputs(args)
        except Exception as exc:  # noqa: BLE001 - handed to every rank
            error = exc
    collective(comm, error)
    calculator, batch = prepared if comm.Get_rank() == 0 else (None, None)
    if comm.Get_size() > 1:  # the built calculator (its basis included), not the frames
        calculator = comm.bcast(calculator, root=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = calculator.compute(
                batch,
                kind=args.kind,
                per_centre=args.output.endswith(".mts"),
                gradients=args.gradients,
                progress=args.progress,
                comm=comm if comm.Get_size() > 1 else None,
            )
        except ValueError as exc:  # frame errors: say which file
            named = ValueError(f"{args.frames}: {exc}")
            named.mpi_collective = getattr(exc, "mpi_collective", False)
            raise named from exc
    for warning in caught:
        print(f"anisoap-pipeline featurize: warning: {args.frames}: {warning.message}", file=sys.stderr)
    if comm.Get_rank() != 0:
        return
    if args.gradients is None:
        (save_array if args.output.endswith(".npy") else save_tensormap)(args.output, result)
    elif args.output.endswith(".npy"):  # frame means: features in .npy, with their gradients in .gradients.mts
        save_array(args.output, result.values())
        save_tensormap(args.output[:-4] + ".gradients.mts", result.to_tensormap())
    else:
        save_tensormap(args.output, result.to_tensormap())
    print(
        f"featurized {len(batch)} frames on {comm.Get_size()} rank(s) "
        f"in {time.perf_counter() - start:.2f} s -> {args.output}",
        file=sys.stderr,
    )


def _featurize_inputs(args):
    """Options checked, the calculator built and the frames read (rank 0)."""
    import os

    from .anisoap import EllipsoidalDensityProjection
    from .anisoap.batch import FrameBatch
    from .frames import read_frames

    missing = [name for name in ("frames", "output", "max_angular", "cutoff") if getattr(args, name) is None]
    if missing:
        raise ValueError(f"without --job, {', '.join(missing)} must be given")
    suffix = args.output.rsplit(".", 1)[-1]
    if suffix not in ("npy", "mts"):
        raise ValueError(f"OUTPUT must end in .npy (frame averages) or .mts (per centre), got {args.output!r}")
    if args.kind == "coefficients" and suffix != "mts":
        raise ValueError("--kind coefficients is per centre: write it to a .mts file")
    if os.path.isdir(args.output):
        raise ValueError(f"{args.output}: the output path is a directory")
    calculator = EllipsoidalDensityProjection(
        max_angular=args.max_angular,
        cutoff=args.cutoff,
        radial_gaussian_width=args.radial_gaussian_width,
        max_radial=args.max_radial[0] if args.max_radial and len(args.max_radial) == 1 else args.max_radial,
        radial_basis=args.radial_basis,
        subtract_center_contribution=args.subtract_center_contribution,
        basis_rcond=args.basis_rcond,
        basis_tol=args.basis_tol,
        cutoff_smoothing_width=args.cutoff_smoothing_width,
    )
    try:
        frames = read_frames(args.frames, diameters=args.diameters)
    except Exception as error:  # noqa: BLE001 - ASE's parsers raise many kinds
        if os.fspath(args.frames) in str(error):
            raise
        raise ValueError(f"{args.frames}: cannot read frames: {type(error).__name__}: {error}") from error
    if not frames:
        raise ValueError(f"{args.frames}: the file holds no frames")
    # read_frames validates; the packed batch is not validated again
    return calculator, FrameBatch.pack(frames)


def _featurize_parser(subparsers):
    p = subparsers.add_parser(
        "featurize",
        help="AniSOAP power/radial spectrum of ellipsoid frames (run under mpiexec -n K to split frames)",
        description=(
            "Writes the frame-averaged invariants (OUTPUT.npy, float64, rows = frames) or the "
            "per-centre metatensor TensorMap (OUTPUT.mts). Under `mpiexec -n K` frames are "
            "split over the K ranks and gathered on rank 0."
        ),
    )
    p.add_argument("frames", nargs="?", help="extended XYZ (or any ASE-readable) file of ellipsoid frames")
    p.add_argument("output", nargs="?", help="OUTPUT.npy or OUTPUT.mts")
    p.add_argument("--job", default=None, help="signac job id: frames, output and hyperparameters from its state point")
    p.add_argument("--max-angular", type=int, default=None, help="required without --job")
    p.add_argument("--cutoff", type=float, default=None, help="Å; required without --job")
    p.add_argument("--radial-gaussian-width", type=float, default=None, help="σ of the GTO basis, Å")
    p.add_argument("--max-radial", type=int, nargs="+", default=None, help="one int for every l, or one per l")
    p.add_argument("--radial-basis", choices=["gto", "monomial"], default="gto")
    p.add_argument("--subtract-center-contribution", action="store_true")
    p.add_argument("--basis-rcond", type=float, default=0.0)
    p.add_argument("--basis-tol", type=float, default=1e-8)
    p.add_argument("--diameters", type=float, nargs=3, default=None, metavar=("D1", "D2", "D3"),
                   help="full diameters (Å) for every particle, overriding the file's")
    p.add_argument("--kind", choices=KINDS, default="power_spectrum")
    p.add_argument("--cutoff-smoothing-width", type=float, default=None, help="Å; shifted-cosine smooth cutoff")
    p.add_argument("--gradients", nargs="+", choices=GRADIENT_PARAMETERS, default=None,
                   help="also exact gradients, as metatensor gradient blocks: OUTPUT.mts (per centre), "
                        "or OUTPUT.npy plus OUTPUT.gradients.mts (frame means)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    p.set_defaults(handler=_featurize)


# ---------------------------------------------------------------------------
# Workflow steps (here: ``featurize --job``; the studies' steps live in
# anisoap_pipeline/steps/). Each takes a signac job id, reads its parameters
# from the job's state point, writes its artifacts atomically into the job
# folder and records metrics in the job document (anisoap_pipeline.tracking);
# on failure it names the job and its state point. Snakemake rules call these.

#: State-point keys that ``featurize --job`` turns into options.
_FEATURIZE_KEYS = (
    "max_angular", "cutoff", "radial_gaussian_width", "max_radial", "radial_basis",
    "subtract_center_contribution", "basis_rcond", "basis_tol", "diameters", "kind", "cutoff_smoothing_width",
    "gradients",
)


def _featurize_job(args):
    """``featurize --job ID``: the ``dataset`` job's frames.xyz -> this job's features.

    Rank 0 runs inside :func:`~anisoap_pipeline.tracking.job_step` (which names
    the job on failure) and records; the other ranks only compute, and exit
    quietly when told that rank 0 failed.
    """
    import numpy as np
    from mpi4py import MPI

    from .tracking import ARTIFACTS, job_step, open_job, record

    def run(job):
        state_point = job.sp()
        for key in _FEATURIZE_KEYS:
            if key in state_point:
                setattr(args, key, state_point[key])
        if isinstance(args.max_radial, int):
            args.max_radial = [args.max_radial]
        args.frames = open_job(state_point["dataset"]).fn("frames.xyz")  # what every dataset step writes
        args.output = job.fn(ARTIFACTS["featurize"]["features"])
        args.job = None
        _featurize(args)

    if MPI.COMM_WORLD.Get_rank() != 0:
        return run(open_job(args.job))
    with job_step("featurize", args.job) as job:
        start = time.perf_counter()
        run(job)
        metrics = {"mpi_ranks": MPI.COMM_WORLD.Get_size()}
        if args.output.endswith(".npy"):
            metrics["n_frames"], metrics["n_features"] = np.load(args.output, mmap_mode="r").shape
        record(job, metrics=metrics, wall_time=time.perf_counter() - start)


def build_parser():
    """The ``anisoap-pipeline`` argument parser with every step."""
    parser = argparse.ArgumentParser(prog="anisoap-pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the full traceback of a failure")
    subparsers = parser.add_subparsers(dest="step", required=True)
    _featurize_parser(subparsers)
    for study in (regression, gay_berne, liquid_crystals, benzene, sweep):
        study.add_parsers(subparsers)
    return parser


def main(argv=None):
    """Entry point of the ``anisoap-pipeline`` console script.

    A failure prints one line, ``anisoap-pipeline STEP: message`` (the message
    names the file, and the frame or line where known), and exits with status
    1; ``--debug`` shows the traceback instead. Under MPI (more than one rank)
    the line is printed once, by the rank that failed first, and every rank
    stops: ranks told of another's failure exit quietly, and a failure no
    other rank knows of calls ``MPI_Abort``.
    """
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except Exception as error:  # noqa: BLE001 - the one place errors become exit codes
        if args.debug:
            raise
        _fail(args.step, error)


def _fail(step, error):
    mpi = sys.modules.get("mpi4py.MPI")
    comm = mpi.COMM_WORLD if mpi is not None and mpi.Is_initialized() else None
    from .anisoap.mpi import PeerRankError

    if isinstance(error, PeerRankError):  # the failing rank prints the message
        sys.exit(1)
    message = str(error) if isinstance(error, (ValueError, TypeError, OSError)) else f"{type(error).__name__}: {error}"
    print(f"anisoap-pipeline {step}: {' '.join(message.split())}", file=sys.stderr, flush=True)
    if comm is not None and comm.Get_size() > 1 and not getattr(error, "mpi_collective", False):
        comm.Abort(1)
    sys.exit(1)


if __name__ == "__main__":
    main()
