"""``anisoap-pipeline <step>``: the command line of every workflow step.

Each step is a thin wrapper over one library function; Snakemake rules call
these steps and nothing else.
"""

import argparse
import sys
import time

__all__ = ["main"]


def _featurize(args):
    """Featurise ellipsoid frames with AniSOAP; MPI-parallel over frames."""
    from mpi4py import MPI

    from .anisoap import EllipsoidalDensityProjection
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
    )
    start = time.perf_counter()
    try:
        frames = read_frames(args.frames, diameters=args.diameters) if comm.Get_rank() == 0 else None
        coefficients = distributed_coefficients(calculator, frames, comm)
    except ValueError as error:
        if comm.Get_size() == 1:
            raise
        # the other ranks wait in a collective call: stop them all
        print(f"anisoap-pipeline featurize (rank {comm.Get_rank()}): {error}", file=sys.stderr, flush=True)
        comm.Abort(1)
    if comm.Get_rank() != 0:
        return
    if args.kind == "coefficients":
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
    p.add_argument("frames", help="extended XYZ (or any ASE-readable) file of ellipsoid frames")
    p.add_argument("output", help="OUTPUT.npy or OUTPUT.mts")
    p.add_argument("--max-angular", type=int, required=True)
    p.add_argument("--cutoff", type=float, required=True, help="Å")
    p.add_argument("--radial-gaussian-width", type=float, default=None, help="σ of the GTO basis, Å")
    p.add_argument("--max-radial", type=int, nargs="+", default=None, help="one int for every l, or one per l")
    p.add_argument("--radial-basis", choices=["gto", "monomial"], default="gto")
    p.add_argument("--subtract-center-contribution", action="store_true")
    p.add_argument("--basis-rcond", type=float, default=0.0)
    p.add_argument("--basis-tol", type=float, default=1e-8)
    p.add_argument("--diameters", type=float, nargs=3, default=None, metavar=("D1", "D2", "D3"),
                   help="full diameters (Å) for every particle, overriding the file's")
    p.add_argument("--kind", choices=["power_spectrum", "radial_spectrum", "coefficients"], default="power_spectrum")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    p.set_defaults(handler=_featurize)


def build_parser():
    """The ``anisoap-pipeline`` argument parser with every step."""
    parser = argparse.ArgumentParser(prog="anisoap-pipeline", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="step", required=True)
    _featurize_parser(subparsers)
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
