"""Workflow steps of the cost–accuracy sweeps (beyond the paper; issue 11).

``sweep_point JOB``
    state point: the frames (``dataset``, a job writing ``frames.xyz``; or
    ``frames``, a user file, with ``start, stop, stride, sha256``), the
    featuriser settings (``kind, max_angular, max_radial,
    radial_gaussian_width, cutoff, subtract_center_contribution`` and
    optionally ``diameters``), the targets (``targets``: ``info`` keys,
    ``per_particle``) and the ridge protocol (``test_fraction, seed,
    cv_folds, alphas``) -> ``features.npy`` (frame means) and
    ``predictions.npz`` (``train``, ``test``, and per target ``y_<target>``,
    ``y_test_pred_<target>``); the metrics hold per target the test and
    train RMSE/MAE/R² and alpha, ``n_features``, ``cost`` (the deterministic
    cost, kflop per centre and per frame,
    :func:`anisoap_pipeline.analysis.sweep.featurisation_cost`) and
    ``measured`` (CPU µs per centre and per frame on one core,
    :func:`anisoap_pipeline.analysis.sweep.timed_features`).
``sweep_front JOB``
    state point ``points`` (sweep_point jobs), ``budgets`` (kflop per
    centre, or null), ``train_sizes``, ``folds`` -> ``front.json``: per target
    the Pareto fronts of test RMSE against cost and against feature count,
    the best point per cost budget, and the learning curves of the points on
    the cost front (10 ... the full training size).
``sweep_report --front JOB --name NAME --output-dir DIR``
    ``pareto.png``, ``pareto.csv``, ``best_per_budget.csv``,
    ``learning_curves.png`` and ``summary_rows.json``.

The measured CPU time is the one machine-dependent quantity of a sweep: it is
in the points' metrics (job document, ``metrics.json``) and in the report's
table and figure, read there from the points. ``sweep_front`` never reads it:
``front.json``, and everything decided from it (fronts, budgets, learning
curves, the summary's findings), is the same on every machine.
"""

import time
from pathlib import Path

from . import add_job_step

__all__ = ["TIMING_REPEATS", "add_parsers"]

#: Timed featurisations of the whole dataset per grid point (the measured time is the minimum).
TIMING_REPEATS = 3
#: Featuriser settings of a sweep_point state point.
_FEATURISER = ("max_angular", "cutoff", "radial_gaussian_width", "max_radial", "subtract_center_contribution")


def _frames(sp):
    """(file name, validated frames) of a sweep point's dataset."""
    from ..frames import read_frames
    from ..tracking import ARTIFACTS, open_job

    if "dataset" in sp:
        dataset = open_job(sp["dataset"])
        path = dataset.fn(ARTIFACTS[dataset.sp()["step"]]["frames"])
        return path, read_frames(path)
    path = sp["frames"]
    frames = read_frames(path, index=slice(sp["start"], sp["stop"], sp["stride"]))
    if not frames:
        raise ValueError(f"{path}: no frame in [{sp['start']}:{sp['stop']}:{sp['stride']}]")
    return path, frames


def _point(args):
    """Featurise (timed on one core) and fit one ridge model per target."""
    import numpy as np

    from ..analysis import regression
    from ..analysis.sweep import featurisation_cost, frame_targets, timed_features
    from ..anisoap import EllipsoidalDensityProjection
    from ..io import atomic_path, save_array
    from ..tracking import job_step, record

    with job_step("sweep_point", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        path, frames = _frames(sp)
        targets = frame_targets(frames, sp["targets"], sp["per_particle"], source=path)
        calculator = EllipsoidalDensityProjection(**{key: sp[key] for key in _FEATURISER})
        X, measured = timed_features(calculator, frames, sp["kind"], TIMING_REPEATS, diameters=sp.get("diameters"))
        cost = featurisation_cost(calculator, frames, sp["kind"], diameters=sp.get("diameters"))
        save_array(job.fn("features.npy"), X)
        train, test = regression.split(len(frames), sp["test_fraction"], sp["seed"])
        arrays, models = {"train": train, "test": test}, {}
        for name, y in targets.items():
            _, result = regression.fit_ridge(X, y, train, test, alphas=regression.alpha_grid(**sp["alphas"]),
                                             cv_folds=sp["cv_folds"], seed=sp["seed"])
            arrays[f"y_{name}"], arrays[f"y_test_pred_{name}"] = y, result["y_test_pred"]
            models[name] = {"test": result["metrics_test"], "train": result["metrics_train"],
                            "alpha": result["alpha"], "alpha_at_grid_edge": bool(
                                result["alpha"] in (result["alphas"][0], result["alphas"][-1]))}
        with atomic_path(job.fn("predictions.npz")) as tmp:
            np.savez(tmp, **arrays)
        record(job, wall_time=time.perf_counter() - start, metrics={
            "targets": models, "n_features": int(X.shape[1]), "n_frames": int(X.shape[0]), "cost": cost,
            "measured": measured})


def _front(args):
    """Pareto fronts, best point per budget and learning curves of the cost front -> front.json."""
    import numpy as np

    from ..analysis import regression
    from ..analysis.sweep import BODY_ORDER, best_per_budget, default_budgets, pareto_front
    from ..io import save_json
    from ..tracking import job_step, open_job, read_metrics, record

    with job_step("sweep_front", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        jobs = [open_job(point) for point in sp["points"]]
        metrics = [read_metrics(point) for point in jobs]
        points = [{
            "job": point.id, "kind": point.sp()["kind"], "body_order": BODY_ORDER[point.sp()["kind"]],
            **{key: point.sp().get(key) for key in ("max_angular", "max_radial", "radial_gaussian_width", "cutoff",
                                                     "diameters")},
            "n_features": m["n_features"], "kflop_per_centre": m["cost"]["kflop_per_centre"],
            "kflop_per_frame": m["cost"]["kflop_per_frame"],
        } for point, m in zip(jobs, metrics)]  # never the measured time: front.json is machine-independent
        cost = np.array([point["kflop_per_centre"] for point in points])
        n_features = np.array([point["n_features"] for point in points], dtype=float)
        budgets = sp["budgets"] or default_budgets(cost)
        result = {"points": points, "budgets": budgets, "targets": {}}
        for target in jobs[0].sp()["targets"]:
            rmse = np.array([m["targets"][target]["test"]["rmse"] for m in metrics])
            on_cost_front = pareto_front(cost, rmse)
            curves = {}
            for i in np.flatnonzero(on_cost_front):
                point = jobs[i].sp()
                X = np.load(jobs[i].fn("features.npy"))
                data = np.load(jobs[i].fn("predictions.npz"))
                train, y = data["train"], data[f"y_{target}"]
                full = len(train) - int(np.ceil(len(train) / sp["folds"]))  # what a fold offers
                curves[jobs[i].id] = regression.ridge_learning_curve(
                    X[train], y[train], sorted({*sp["train_sizes"], full}), folds=sp["folds"], seed=point["seed"],
                    alphas=regression.alpha_grid(**point["alphas"]), cv_folds=point["cv_folds"])
            result["targets"][target] = {
                "rmse": rmse.tolist(),
                "r2": [m["targets"][target]["test"]["r2"] for m in metrics],
                "on_cost_front": on_cost_front.tolist(),
                "on_feature_front": pareto_front(n_features, rmse).tolist(),
                "best_per_budget": best_per_budget(cost, rmse, budgets),
                "curves": curves,
            }
        save_json(job.fn("front.json"), result)
        record(job, wall_time=time.perf_counter() - start, metrics={
            target: {"cost_front": [points[i]["job"] for i in np.flatnonzero(entry["on_cost_front"])],
                     "feature_front": [points[i]["job"] for i in np.flatnonzero(entry["on_feature_front"])]}
            for target, entry in result["targets"].items()})


def _report(args):
    """Pareto figure and table, best point per budget, learning curves, summary rows."""
    import csv
    import json

    from .. import plots, summary
    from ..io import atomic_path
    from ..tracking import open_job, read_metrics

    out = Path(args.output_dir)
    front_job = open_job(args.front)
    front = json.loads(Path(front_job.fn("front.json")).read_text())
    points, budgets = front["points"], front["budgets"]
    measured = [read_metrics(point["job"])["measured"] for point in points]  # reported, never decisive
    columns = ["target", "job", "body_order", "kind", "max_angular", "max_radial", "radial_gaussian_width",
               "cutoff", "diameters", "n_features", "kflop_per_centre", "kflop_per_frame", "measured_us_per_centre",
               "measured_us_per_frame", "test_rmse", "test_r2", "on_cost_front", "on_feature_front"]
    table, best, panels, curve_panels = [], [], [], []
    for target, entry in front["targets"].items():
        for i, point in enumerate(points):
            table.append({**{key: point[key] for key in columns if key in point}, "target": target,
                          "measured_us_per_centre": measured[i]["us_per_centre"],
                          "measured_us_per_frame": measured[i]["us_per_frame"],
                          "test_rmse": entry["rmse"][i], "test_r2": entry["r2"][i],
                          "on_cost_front": entry["on_cost_front"][i],
                          "on_feature_front": entry["on_feature_front"][i]})
        for budget, i in zip(budgets, entry["best_per_budget"]):
            best.append({"target": target, "budget_kflop_per_centre": budget,
                         **({"job": points[i]["job"], "body_order": points[i]["body_order"],
                             "label": plots.sweep_point_label(points[i]), "n_features": points[i]["n_features"],
                             "kflop_per_centre": points[i]["kflop_per_centre"], "test_rmse": entry["rmse"][i],
                             "test_r2": entry["r2"][i]} if i is not None else {})})
        panels.append({"name": target, "cost": [p["kflop_per_centre"] for p in points],
                       "measured": [m["us_per_centre"] for m in measured],
                       "n_features": [p["n_features"] for p in points], "error": entry["rmse"],
                       "body_order": [p["body_order"] for p in points], "on_cost_front": entry["on_cost_front"],
                       "on_feature_front": entry["on_feature_front"]})
        by_job = {p["job"]: p for p in points}
        curve_panels.append({"name": target, "curves": [
            {"label": plots.sweep_point_label(by_job[job]), "train_sizes": c["train_sizes"],
             "mean": c["test_rmse_mean"], "min": c["test_rmse_min"], "max": c["test_rmse_max"]}
            for job, c in sorted(entry["curves"].items(), key=lambda item: by_job[item[0]]["kflop_per_centre"])]})
    for name, rows, fields in (("pareto.csv", table, columns), ("best_per_budget.csv", best, [
            "target", "budget_kflop_per_centre", "job", "body_order", "label", "n_features", "kflop_per_centre",
            "test_rmse", "test_r2"])):
        with atomic_path(out / name) as tmp, open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    plots.pareto_plot(panels, out / "pareto.png", title=f"sweep {args.name}: test error against cost")
    plots.front_learning_curves_plot(curve_panels, out / "learning_curves.png",
                                     title=f"sweep {args.name}: learning curves of the cost front")
    summary.write_rows(out / "summary_rows.json", summary.sweep_rows(args.name, front, front_job.id))


def add_parsers(subparsers):
    """Register ``sweep_point``, ``sweep_front`` and ``sweep_report``."""
    add_job_step(subparsers, "sweep_point", _point,
                 "one grid point of a sweep: timed features (one core) and ridge per target")
    add_job_step(subparsers, "sweep_front", _front,
                 "Pareto fronts, best point per budget and learning curves of a sweep -> front.json")
    p = subparsers.add_parser("sweep_report", help="Pareto figure and table, learning curves, summary rows of a sweep")
    p.add_argument("--front", required=True, help="job id of the sweep_front job")
    p.add_argument("--name", required=True, help="the sweep's name")
    p.add_argument("--output-dir", required=True)
    p.set_defaults(handler=_report)
