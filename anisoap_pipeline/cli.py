"""``anisoap-pipeline <step>``: the command line of every workflow step.

Each step is a thin wrapper over one library function; Snakemake rules call
these steps and nothing else.
"""

import argparse
import sys
import time

from .steps import benzene, gay_berne, liquid_crystals, regression

__all__ = ["main"]


def _featurize(args):
    """Featurise ellipsoid frames with AniSOAP; MPI-parallel over frames."""
    if args.job is not None:
        return _featurize_job(args)
    missing = [name for name in ("frames", "output", "max_angular", "cutoff") if getattr(args, name) is None]
    if missing:
        raise SystemExit(f"anisoap-pipeline featurize: without --job, {', '.join(missing)} must be given")
    from mpi4py import MPI

    from .anisoap import EllipsoidalDensityProjection
    from .anisoap.batch import FrameBatch
    from .anisoap.mpi import distributed_coefficients
    from .frames import read_frames
    from .io import save_array, save_tensormap

    comm = MPI.COMM_WORLD
    suffix = args.output.rsplit(".", 1)[-1]
    if suffix not in ("npy", "mts"):
        raise SystemExit(f"OUTPUT must end in .npy (frame averages) or .mts (per centre), got {args.output!r}")
    if args.kind == "coefficients" and suffix != "mts":
        raise SystemExit("--kind coefficients is per centre: write it to a .mts file")
    calculator = EllipsoidalDensityProjection(
        max_angular=args.max_angular,
        cutoff=args.cutoff,
        radial_gaussian_width=args.radial_gaussian_width,
        max_radial=args.max_radial[0] if args.max_radial and len(args.max_radial) == 1 else args.max_radial,
        radial_basis=args.radial_basis,
        subtract_center_contribution=args.subtract_center_contribution,
        basis_rcond=args.basis_rcond,
        basis_tol=args.basis_tol,
        show_progress=args.progress and comm.Get_rank() == 0,
        cutoff_smoothing_width=args.cutoff_smoothing_width,
    )
    compute = None
    if args.gradients:
        from functools import partial

        from .anisoap.gradients import compute_gradients

        compute = partial(compute_gradients, calculator, kind=args.kind, gradients=args.gradients,
                          mean_over_samples=suffix == "npy")
    start = time.perf_counter()
    try:
        # read_frames validates; the packed batch is not validated again
        frames = FrameBatch.pack(read_frames(args.frames, diameters=args.diameters)) if comm.Get_rank() == 0 else None
        coefficients = distributed_coefficients(calculator, frames, comm, compute=compute)
    except ValueError as error:
        if comm.Get_size() == 1:
            raise
        # the other ranks wait in a collective call: stop them all
        print(f"anisoap-pipeline featurize (rank {comm.Get_rank()}): {error}", file=sys.stderr, flush=True)
        comm.Abort(1)
    if comm.Get_rank() != 0:
        return
    if args.gradients:  # features with gradient blocks; frame means: features in .npy, all in .gradients.mts
        if suffix == "npy":
            save_array(args.output, coefficients.values())
        save_tensormap(args.output[:-4] + ".gradients.mts" if suffix == "npy" else args.output, coefficients.to_tensormap())
        coefficients = coefficients.coefficients
    elif args.kind == "coefficients":
        save_tensormap(args.output, coefficients.to_tensormap())
    else:
        result = coefficients.invariants(args.kind, mean_over_samples=suffix == "npy")
        (save_array if suffix == "npy" else save_tensormap)(args.output, result)
    print(
        f"featurized {coefficients.n_systems} frames on {comm.Get_size()} rank(s) "
        f"in {time.perf_counter() - start:.2f} s -> {args.output}",
        file=sys.stderr,
    )


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
    p.add_argument("--kind", choices=["power_spectrum", "radial_spectrum", "coefficients"], default="power_spectrum")
    p.add_argument("--cutoff-smoothing-width", type=float, default=None, help="Å; shifted-cosine smooth cutoff")
    p.add_argument("--gradients", nargs="+", choices=["positions", "orientations"], default=None,
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
    """``featurize --job ID``: the ``dataset`` job's frames.xyz -> this job's features."""
    import numpy as np
    from mpi4py import MPI

    from .tracking import job_step, open_job, record

    with job_step("featurize", args.job) as job:
        state_point = job.sp()
        for key in _FEATURIZE_KEYS:
            if key in state_point:
                setattr(args, key, state_point[key])
        if isinstance(args.max_radial, int):
            args.max_radial = [args.max_radial]
        args.frames = open_job(state_point["dataset"]).fn(state_point.get("frames", "frames.xyz"))
        args.output = job.fn(state_point.get("output", "features.npy"))
        args.job = None
        start = time.perf_counter()
        _featurize(args)
        if MPI.COMM_WORLD.Get_rank() == 0:
            metrics = {"mpi_ranks": MPI.COMM_WORLD.Get_size()}
            if args.output.endswith(".npy"):
                metrics["n_frames"], metrics["n_features"] = np.load(args.output, mmap_mode="r").shape
            record(job, metrics=metrics, wall_time=time.perf_counter() - start)


def build_parser():
    """The ``anisoap-pipeline`` argument parser with every step."""
    parser = argparse.ArgumentParser(prog="anisoap-pipeline", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="step", required=True)
    _featurize_parser(subparsers)
    for study in (regression, gay_berne, liquid_crystals, benzene):
        study.add_parsers(subparsers)
    return parser


def main(argv=None):
    """Entry point of the ``anisoap-pipeline`` console script."""
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except ValueError as error:
        raise SystemExit(f"anisoap-pipeline {args.step}: {error}") from None


if __name__ == "__main__":
    main()
