"""``featurize``: AniSOAP of ellipsoid frames, a workflow step and the featuriser's command line.

``anisoap-pipeline featurize JOB``
    state point ``dataset`` (a job whose step writes ``frames``) and the
    featuriser's hyperparameters -> ``features.npy`` (frame means; with
    ``gradients`` also ``features.gradients.mts``); MPI-parallel over frames
    under ``mpiexec -n K``.
``anisoap-pipeline featurize FRAMES OUTPUT --max-angular L --cutoff R ...``
    the same on the user's own file: ``OUTPUT.npy`` (frame means, float64,
    rows = frames) or ``OUTPUT.mts`` (the per-centre metatensor TensorMap).
"""

import sys
import time

from ..anisoap.names import GRADIENT_PARAMETERS, KINDS
from . import Step

__all__ = ["STEPS", "featurize", "featurize_file"]

#: State-point keys that a featurize job turns into options.
HYPERPARAMETERS = (
    "max_angular", "cutoff", "radial_gaussian_width", "max_radial", "radial_basis",
    "subtract_center_contribution", "basis_rcond", "basis_tol", "diameters", "kind", "cutoff_smoothing_width",
    "gradients",
)


def featurize(job, args):
    """The ``dataset`` job's frames -> this job's features (every rank computes, rank 0 writes).

    Under MPI, rank 0 runs inside :func:`~anisoap_pipeline.tracking.job_step`
    (which names the job on failure) and records; the other ranks only
    compute, and exit quietly when told that rank 0 failed.
    """
    import numpy as np
    from mpi4py import MPI

    from ..tracking import artifact

    state_point = job.sp()
    for key in HYPERPARAMETERS:
        if key in state_point:
            setattr(args, key, state_point[key])
    if isinstance(args.max_radial, int):
        args.max_radial = [args.max_radial]
    args.frames = artifact(state_point["dataset"], "frames")
    args.output = artifact(job, "features")
    featurize_file(args)
    metrics = {"mpi_ranks": MPI.COMM_WORLD.Get_size()}
    if MPI.COMM_WORLD.Get_rank() == 0:
        metrics["n_frames"], metrics["n_features"] = np.load(args.output, mmap_mode="r").shape
    return metrics


def featurize_file(args):
    """Featurise ellipsoid frames with AniSOAP; MPI-parallel over frames.

    Rank 0 checks the options, builds the calculator and reads the frames;
    any failure there or in the computation reaches every rank
    (:func:`anisoap_pipeline.anisoap.mpi.collective`), so no rank hangs.
    """
    import warnings

    from mpi4py import MPI

    from ..anisoap.mpi import collective
    from ..io import save_array, save_tensormap

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
    import tempfile

    from ..anisoap import EllipsoidalDensityProjection
    from ..anisoap.batch import FrameBatch
    from ..frames import read_frames

    missing = [name for name in ("output", "max_angular", "cutoff") if getattr(args, name) is None]
    if missing:
        raise ValueError(f"featurize FRAMES OUTPUT: {', '.join(missing)} must be given (or a job id alone)")
    suffix = args.output.rsplit(".", 1)[-1]
    if suffix not in ("npy", "mts"):
        raise ValueError(f"OUTPUT must end in .npy (frame averages) or .mts (per centre), got {args.output!r}")
    if args.kind == "coefficients" and suffix != "mts":
        raise ValueError("--kind coefficients is per centre: write it to a .mts file")
    if os.path.isdir(args.output):
        raise ValueError(f"{args.output}: the output path is a directory")
    folder = os.path.dirname(os.path.abspath(args.output))
    try:  # before the work, not after it: a file can be written where the output goes
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise ValueError(f"{args.output}: cannot write the output into {folder}: {error.strerror}") from None
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


#: Options of the featuriser's command line (with a job, its state point sets them).
OPTIONS = (
    (("output",), {"nargs": "?", "help": "OUTPUT.npy or OUTPUT.mts (with FRAMES; none with a job id)"}),
    (("--max-angular",), {"type": int, "default": None, "help": "required with FRAMES"}),
    (("--cutoff",), {"type": float, "default": None, "help": "Å; required with FRAMES"}),
    (("--radial-gaussian-width",), {"type": float, "default": None, "help": "σ of the GTO basis, Å"}),
    (("--max-radial",), {"type": int, "nargs": "+", "default": None, "help": "one int for every l, or one per l"}),
    (("--radial-basis",), {"choices": ["gto", "monomial"], "default": "gto"}),
    (("--subtract-center-contribution",), {"action": "store_true"}),
    (("--basis-rcond",), {"type": float, "default": 0.0}),
    (("--basis-tol",), {"type": float, "default": 1e-8}),
    (("--diameters",), {"type": float, "nargs": 3, "default": None, "metavar": ("D1", "D2", "D3"),
                        "help": "full diameters (Å) for every particle, overriding the file's"}),
    (("--kind",), {"choices": KINDS, "default": "power_spectrum"}),
    (("--cutoff-smoothing-width",), {"type": float, "default": None, "help": "Å; shifted-cosine smooth cutoff"}),
    (("--gradients",), {"nargs": "+", "choices": GRADIENT_PARAMETERS, "default": None,
                        "help": "also exact gradients, as metatensor gradient blocks: OUTPUT.mts (per centre), "
                                "or OUTPUT.npy plus OUTPUT.gradients.mts (frame means)"}),
    (("--no-progress",), {"dest": "progress", "action": "store_false", "help": "hide the progress bar"}),
)

STEPS = [
    Step("featurize", featurize,
         "AniSOAP of ellipsoid frames: a job id, or FRAMES OUTPUT.npy|.mts with the hyperparameters "
         "(run under mpiexec -n K to split the frames over K ranks)",
         artifacts={"features": "features.npy"}, threads=True, mpi=True, runtime=15, mem_mb=6000,
         options=OPTIONS, direct=featurize_file),
]
