"""``anisoap-pipeline <step>``: the command line of every workflow step.

Each step is a thin wrapper over one library function; Snakemake rules call
these steps and nothing else.
"""

import argparse
import sys
import time
from pathlib import Path

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
    p.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    p.set_defaults(handler=_featurize)


# ---------------------------------------------------------------------------
# Workflow steps. Each takes a signac job id, reads its parameters from the
# job's state point, writes its artifacts atomically into the job folder and
# records metrics in the job document (anisoap_pipeline.tracking); on failure
# it names the job and its state point. Snakemake rules call these.

#: State-point keys that ``featurize --job`` turns into options.
_FEATURIZE_KEYS = (
    "max_angular", "cutoff", "radial_gaussian_width", "max_radial", "radial_basis",
    "subtract_center_contribution", "basis_rcond", "basis_tol", "diameters", "kind",
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


def _features_and_target(state_point):
    """Features of the state point's ``features`` job and its ``target`` label."""
    import numpy as np

    from .frames import read_frames
    from .tracking import open_job

    features = open_job(state_point["features"])
    X = np.load(features.fn(features.sp().get("output", "features.npy")))
    dataset = open_job(features.sp()["dataset"])
    frames = read_frames(dataset.fn(features.sp().get("frames", "frames.xyz")))
    target = state_point["target"]
    missing = [i for i, atoms in enumerate(frames) if target not in atoms.info]
    if missing:
        raise ValueError(
            f"target {target!r} missing from {len(missing)} frame(s) of {dataset.fn('frames.xyz')} "
            f"(first: frame {missing[0]}; it has {sorted(frames[missing[0]].info)})"
        )
    return X, np.array([atoms.info[target] for atoms in frames], dtype=float)


def _ridge(args):
    """Cross-validated ridge regression of one target on one featurisation."""
    import numpy as np

    from .analysis import regression
    from .io import atomic_path
    from .tracking import job_step, record

    with job_step("ridge", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        X, y = _features_and_target(sp)
        _, result = regression.fit_ridge(
            X, y, test_fraction=sp["test_fraction"], seed=sp["seed"],
            alphas=regression.alpha_grid(**sp["alphas"]), cv_folds=sp["cv_folds"],
        )
        train, test = result["train"], result["test"]
        with atomic_path(job.fn("predictions.npz")) as tmp:
            np.savez(tmp, train=train, test=test, y_train=y[train], y_test=y[test],
                     y_train_pred=result["y_train_pred"], y_test_pred=result["y_test_pred"],
                     alphas=result["alphas"], cv_rmse=result["cv_rmse"])
        record(job, wall_time=time.perf_counter() - start, metrics={
            "test": result["metrics_test"], "train": result["metrics_train"],
            "alpha": result["alpha"], "n_features": int(X.shape[1]),
            # a choice on the edge of the grid asks for a wider grid
            "alpha_at_grid_edge": bool(result["alpha"] in (result["alphas"][0], result["alphas"][-1])),
        })


def _learning_curve(args):
    """Learning curve (RMSE vs training size, k folds) on the training rows of the split."""
    from .analysis import regression
    from .io import save_json
    from .tracking import job_step, record

    with job_step("learning-curve", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        X, y = _features_and_target(sp)
        train, _ = regression.split(len(y), sp["test_fraction"], sp["seed"])
        curve = regression.ridge_learning_curve(
            X[train], y[train], sp["train_sizes"], folds=sp["folds"], seed=sp["seed"],
            alphas=regression.alpha_grid(**sp["alphas"]), cv_folds=sp["cv_folds"],
        )
        save_json(job.fn("learning_curve.json"), curve)
        record(job, wall_time=time.perf_counter() - start, metrics={
            key: curve[key] for key in ("train_sizes", "dropped_sizes", "test_rmse_mean")
        })


def _gb_generate(args):
    """Gay-Berne dimers of the state point (sample_dimers) -> frames.xyz."""
    import numpy as np

    from .datasets.gay_berne import sample_dimers
    from .frames import write_frames
    from .tracking import job_step, record

    with job_step("gb-generate", args.job) as job:
        params = {key: value for key, value in job.sp().items() if key not in ("study", "step")}
        start = time.perf_counter()
        frames = sample_dimers(**params)
        write_frames(job.fn("frames.xyz"), frames)
        energy = np.array([atoms.info["energy"] for atoms in frames])
        h12_pw = np.array([atoms.info["h12_pw"] for atoms in frames])
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_dimers": len(frames),
            "energy_min": float(energy.min()), "energy_max": float(energy.max()),
            "energy_mean": float(energy.mean()),
            "fraction_repulsive": float(np.mean(energy > 0)),
            "fraction_negligible": float(np.mean(np.abs(energy) < 0.01)),
            "h12_pw_min": float(h12_pw.min()), "h12_pw_max": float(h12_pw.max()),
        })


def _gb_report(args):
    """Gay-Berne figures (parity, learning curves), metrics table and summary rows."""
    import csv
    import json

    import numpy as np

    from . import plots, summary
    from .analysis.regression import regression_metrics
    from .io import atomic_path
    from .tracking import open_job

    out = Path(args.output_dir)
    units = {"energy": "ε", "h12_gb": "σ", "h12_pw": "σ"}
    names = {"energy": "U", "h12_gb": "h12 (Gay-Berne σ12)", "h12_pw": "h12 (Perram–Wertheim)"}
    order = {"h12_pw": 0, "h12_gb": 1, "energy": 2}
    models, curves, panels, table, n_dimers = {}, {}, [], [], 0
    for job in sorted(map(open_job, args.models), key=lambda j: order.get(j.sp()["target"], 9)):
        target = job.sp()["target"]
        data = np.load(job.fn("predictions.npz"))
        y, p = data["y_test"], data["y_test_pred"]
        n_dimers = len(data["train"]) + len(data["test"])
        entry = {"job": job.id, "metrics": regression_metrics(y, p)}
        subsets = {"": slice(None)}
        if target == "energy":
            entry["attractive"] = regression_metrics(y[y < 0], p[y < 0])
            entry["repulsive"] = regression_metrics(y[y > 0], p[y > 0])
            subsets.update({" (U < 0)": y < 0, " (U > 0)": y > 0})
        models[target] = entry
        panels.append({"y_true": y, "y_pred": p, "name": names.get(target, target),
                       "unit": units.get(target, ""), "metrics": entry["metrics"]})
        for suffix, rows in subsets.items():
            m = regression_metrics(y[rows], p[rows])
            table.append({"target": target + suffix, "job": job.id, "n_test": m["n"],
                          "rmse": m["rmse"], "mae": m["mae"], "r2": m["r2"],
                          "alpha": job.doc["metrics"]["alpha"], "n_train": len(data["train"])})
    for job in sorted(map(open_job, args.curves), key=lambda j: order.get(j.sp()["target"], 9)):
        curve = json.loads(Path(job.fn("learning_curve.json")).read_text())
        curves[job.sp()["target"]] = {"job": job.id, **curve}
    plots.parity_plot(panels, out / "parity.png", title="Gay-Berne dimers: ridge on AniSOAP, test set")
    plots.learning_curve_plot(
        [{"train_sizes": c["train_sizes"], "mean": c["test_rmse_mean"], "min": c["test_rmse_min"],
          "max": c["test_rmse_max"], "folds": c["folds"], "name": names.get(t, t),
          "unit": units.get(t, "")} for t, c in curves.items()],
        out / "learning_curve.png", title="Gay-Berne dimers: learning curves",
    )
    with atomic_path(out / "metrics.csv") as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    summary.write_rows(out / "summary_rows.json", summary.gay_berne_rows(models, curves, n_dimers))


def _summary(args):
    """Merge the studies' summary rows into results/summary.md."""
    import os

    from . import summary
    from .tracking import git_revision

    revision, dirty = git_revision()
    notes = [f"Code revision: `{revision}`{' (with uncommitted changes)' if dirty else ''}."]
    if args.config:
        names = ", ".join(f"`{os.path.relpath(name)}`" for name in args.config)
        notes.append(f"Config files: {names} (command-line config files take precedence).")
    summary.write_summary(args.rows, args.output, notes=notes)


def _workflow_parsers(subparsers):
    """Subcommands of the Snakemake workflow steps."""
    for name, handler, text in [
        ("gb-generate", _gb_generate, "Gay-Berne dimers of a dataset job -> frames.xyz"),
        ("ridge", _ridge, "ridge regression of a target on a featurisation -> predictions.npz"),
        ("learning-curve", _learning_curve, "learning curve of a ridge model -> learning_curve.json"),
    ]:
        p = subparsers.add_parser(name, help=text, description=text)
        p.add_argument("job", help="signac job id (the state point holds every parameter)")
        p.set_defaults(handler=handler)
    p = subparsers.add_parser("gb-report", help="Gay-Berne figures, metrics table and summary rows")
    p.add_argument("--models", nargs="+", required=True, help="job ids of the ridge models")
    p.add_argument("--curves", nargs="+", required=True, help="job ids of the learning curves")
    p.add_argument("--output-dir", required=True)
    p.set_defaults(handler=_gb_report)
    p = subparsers.add_parser("summary", help="merge summary_rows.json files into results/summary.md")
    p.add_argument("rows", nargs="*", help="summary_rows.json of each study")
    p.add_argument("--output", required=True)
    p.add_argument("--config", nargs="*", default=[], help="config files, named in the summary")
    p.set_defaults(handler=_summary)


def build_parser():
    """The ``anisoap-pipeline`` argument parser with every step."""
    parser = argparse.ArgumentParser(prog="anisoap-pipeline", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="step", required=True)
    _featurize_parser(subparsers)
    _workflow_parsers(subparsers)
    from .steps import benzene, liquid_crystals

    liquid_crystals.add_parsers(subparsers)
    benzene.add_parsers(subparsers)
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
