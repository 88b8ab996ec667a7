"""Workflow steps shared by the studies: ridge models, learning curves, the summary.

``ridge JOB``
    state point ``features`` (a featurisation job), ``target`` (a key of the
    dataset frames' ``info``), optional ``target_below`` (model only the rows
    whose target is below it), ``test_fraction``, ``seed``, ``n_splits``,
    ``cv_folds``, ``alphas`` -> ``predictions.npz``
    (:func:`anisoap_pipeline.analysis.regression.fit_ridge` on each of the
    seeded splits of :func:`anisoap_pipeline.analysis.splits.seeded_splits`;
    the arrays and top-level metrics are split 0's, the paper's single split;
    ``metrics["splits"]`` holds mean ± sd over all splits).
``learning_curve JOB``
    the same plus ``train_sizes``, ``folds`` -> ``learning_curve.json``
    (split 0's curve, plus ``splits``: the mean RMSE per size, mean ± sd over splits).
``summary ROWS... --output results/summary.md``
    every study's ``summary_rows.json`` -> the table of our numbers beside the
    paper's, and beside it ``headline.json`` and ``headline.md``
    (:mod:`anisoap_pipeline.summary.headline`).
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


def _rows(sp, y):
    """Rows the state point models: all, or those with target below ``target_below``."""
    import numpy as np

    below = sp.get("target_below")
    rows = np.arange(len(y)) if below is None else np.flatnonzero(y < below)
    if len(rows) < 2 * sp["cv_folds"]:
        raise ValueError(f"target_below={below}: only {len(rows)} of {len(y)} rows have {sp['target']} below it")
    return rows


def _ridge(args):
    """Cross-validated ridge regression of one target on one featurisation, over seeded splits."""
    import numpy as np

    from ..analysis import regression
    from ..analysis.splits import over_splits, seeded_splits
    from ..io import atomic_path
    from ..tracking import job_step, record

    with job_step("ridge", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        X, y = _features_and_target(sp)
        rows = _rows(sp, y)
        X, y = X[rows], y[rows]
        alphas = regression.alpha_grid(**sp["alphas"])
        splits = seeded_splits(len(y), sp.get("n_splits", 1), sp["seed"], sp["test_fraction"])
        fits = []

        def evaluate(train, test):
            fits.append(regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=sp["cv_folds"],
                                             seed=sp["seed"])[1])
            return {"test": fits[-1]["metrics_test"], "train": fits[-1]["metrics_train"], "alpha": fits[-1]["alpha"]}

        _, statistics = over_splits(evaluate, splits)
        result, (train, test) = fits[0], splits[0]  # split 0: the paper's single split
        with atomic_path(job.fn("predictions.npz")) as tmp:
            np.savez(tmp, rows=rows, train=train, test=test, y_train=y[train], y_test=y[test],
                     y_train_pred=result["y_train_pred"], y_test_pred=result["y_test_pred"],
                     alphas=result["alphas"], cv_rmse=result["cv_rmse"],
                     # every split's test rows and predictions (n_splits x n_test)
                     splits_y_test=np.array([y[t] for _, t in splits]),
                     splits_y_test_pred=np.array([fit["y_test_pred"] for fit in fits]))
        record(job, wall_time=time.perf_counter() - start, metrics={
            "test": result["metrics_test"], "train": result["metrics_train"],
            "alpha": result["alpha"], "n_features": int(X.shape[1]), "n_rows": len(rows),
            # a choice on the edge of the grid asks for a wider grid
            "alpha_at_grid_edge": bool(result["alpha"] in (result["alphas"][0], result["alphas"][-1])),
            "splits": statistics,
        })


def _learning_curve(args):
    """Learning curve (RMSE vs training size, k folds) on the training rows of each seeded split."""
    from ..analysis import regression
    from ..analysis.splits import over_splits, seeded_splits, split_seeds
    from ..io import save_json
    from ..tracking import job_step, record

    with job_step("learning_curve", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        X, y = _features_and_target(sp)
        rows = _rows(sp, y)
        X, y = X[rows], y[rows]
        n_splits = sp.get("n_splits", 1)
        seeds = iter(split_seeds(sp["seed"], n_splits))
        curves = []

        def evaluate(train, _test):
            curves.append(regression.ridge_learning_curve(
                X[train], y[train], sp["train_sizes"], folds=sp["folds"], seed=next(seeds),
                alphas=regression.alpha_grid(**sp["alphas"]), cv_folds=sp["cv_folds"]))
            return {"test_rmse_mean": curves[-1]["test_rmse_mean"]}

        _, statistics = over_splits(evaluate, seeded_splits(len(y), n_splits, sp["seed"], sp["test_fraction"]))
        curve = {**curves[0], "splits": statistics}  # split 0: the paper's curve
        save_json(job.fn("learning_curve.json"), curve)
        record(job, wall_time=time.perf_counter() - start, metrics={
            key: curve[key] for key in ("train_sizes", "dropped_sizes", "test_rmse_mean", "splits")
        })


def _summary(args):
    """Merge the studies' summary rows into results/summary.md."""
    import os

    from .. import summary
    from ..summary.headline import write_headline
    from ..tracking import git_revision, read_revision

    revision, dirty = git_revision()
    notes = [f"Code revision: `{revision}`{' (with uncommitted changes)' if dirty else ''}; the "
             "revision column gives the one that computed each row (`+`: with uncommitted changes)."]
    if args.config:
        names = ", ".join(f"`{os.path.relpath(name)}`" for name in args.config)
        notes.append(f"Config files: {names} (command-line config files take precedence).")
    rows = summary.write_summary(args.rows, args.output, notes=notes, revisions=read_revision,
                                 current=None if revision == "unknown" else revision)
    # machine-readable headline values beside the summary (the README's drift test reads them)
    write_headline(rows, os.path.dirname(os.path.abspath(args.output)))


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
