"""Workflow steps shared by the studies: ridge models, learning curves, the summary.

``ridge JOB``
    state point ``features`` (a featurisation job), ``target`` (a key of the
    dataset frames' ``info``), ``test_fraction``, ``seed``, ``cv_folds``,
    ``alphas`` -> ``predictions.npz`` (:func:`anisoap_pipeline.analysis.regression.fit_ridge`).
``learning_curve JOB``
    the same plus ``train_sizes``, ``folds`` -> ``learning_curve.json``.
``summary ROWS... --output results/summary.md``
    every study's ``summary_rows.json`` -> the table of our numbers beside the paper's.
"""

import time

from . import add_job_step

__all__ = ["add_parsers"]


def _features_and_target(state_point):
    """Features of the state point's ``features`` job and its ``target`` label."""
    import numpy as np

    from ..frames import read_frames
    from ..tracking import ARTIFACTS, open_job

    features = open_job(state_point["features"])
    X = np.load(features.fn(ARTIFACTS["featurize"]["features"]))
    dataset = open_job(features.sp()["dataset"])
    frames = read_frames(dataset.fn(ARTIFACTS[dataset.sp()["step"]]["frames"]))
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

    from ..analysis import regression
    from ..io import atomic_path
    from ..tracking import job_step, record

    with job_step("ridge", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        X, y = _features_and_target(sp)
        train, test = regression.split(len(y), sp["test_fraction"], sp["seed"])
        _, result = regression.fit_ridge(X, y, train, test, alphas=regression.alpha_grid(**sp["alphas"]),
                                         cv_folds=sp["cv_folds"], seed=sp["seed"])
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
    from ..analysis import regression
    from ..io import save_json
    from ..tracking import job_step, record

    with job_step("learning_curve", args.job) as job:
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


def _summary(args):
    """Merge the studies' summary rows into results/summary.md."""
    import os

    from .. import summary
    from ..tracking import git_revision, read_revision

    revision, dirty = git_revision()
    notes = [f"Code revision: `{revision}`{' (with uncommitted changes)' if dirty else ''}; the "
             "revision column gives the one that computed each row (`+`: with uncommitted changes)."]
    if args.config:
        names = ", ".join(f"`{os.path.relpath(name)}`" for name in args.config)
        notes.append(f"Config files: {names} (command-line config files take precedence).")
    summary.write_summary(args.rows, args.output, notes=notes, revisions=read_revision,
                          current=None if revision == "unknown" else revision)


def add_parsers(subparsers):
    """Register ``ridge``, ``learning_curve`` and ``summary``."""
    for name, handler, text in [
        ("ridge", _ridge, "ridge regression of a target on a featurisation -> predictions.npz"),
        ("learning_curve", _learning_curve, "learning curve of a ridge model -> learning_curve.json"),
    ]:
        add_job_step(subparsers, name, handler, text)
    p = subparsers.add_parser("summary", help="merge summary_rows.json files into results/summary.md")
    p.add_argument("rows", nargs="*", help="summary_rows.json of each study")
    p.add_argument("--output", required=True)
    p.add_argument("--config", nargs="*", default=[], help="config files, named in the summary")
    p.set_defaults(handler=_summary)
