"""Workflow steps of the cost–accuracy sweeps (beyond the paper).

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
    :func:`anisoap_pipeline.studies.sweep.analysis.featurisation_cost`) and
    ``measured`` (CPU µs per centre and per frame on one core,
    :func:`anisoap_pipeline.studies.sweep.analysis.timed_features`).
    A user file whose selected frames hold exact copies is refused, naming
    them (:func:`anisoap_pipeline.frames.duplicate_frames`).
``sweep_front JOB``
    state point ``points`` (sweep_point jobs), ``budgets`` (kflop per
    centre, or null), ``train_sizes``, ``folds`` -> ``front.json``: per target
    the Pareto fronts of test RMSE against cost and against feature count,
    the best point per cost budget, and the learning curves of the points on
    the cost front (10 ... the full training size).

The figures, tables and summary rows are the report's (:mod:`.report`).

The measured CPU time is the one machine-dependent quantity of a sweep: it is
in the points' metrics (job document, ``metrics.json``) and in the report's
table and figure, read there from the points. ``sweep_front`` never reads it:
``front.json``, and everything decided from it (fronts, budgets, learning
curves, the summary's findings), is the same on every machine.
"""


from ...steps import Step

__all__ = ["STEPS", "TIMING_REPEATS", "sweep_front", "sweep_point"]

#: Timed featurisations of the whole dataset per grid point (the measured time is the minimum).
TIMING_REPEATS = 3
#: Featuriser settings of a sweep_point state point.
_FEATURISER = ("max_angular", "cutoff", "radial_gaussian_width", "max_radial", "subtract_center_contribution")


def _frames(sp):
    """(file name, validated frames, each frame's number in that file) of a sweep point's dataset."""
    from ...frames import file_frame_numbers, read_frames
    from ...tracking import artifact, open_job

    if "dataset" in sp:
        dataset = open_job(sp["dataset"])
        path = artifact(dataset, "frames")
        frames = read_frames(path)
        return path, frames, range(len(frames))
    path = sp["frames"]
    selection = slice(sp["start"], sp["stop"], sp["stride"])
    frames = read_frames(path, index=selection)
    if not frames:
        raise ValueError(f"{path}: no frame in [{sp['start']}:{sp['stop']}:{sp['stride']}]")
    numbers = file_frame_numbers(selection, len(frames), path)
    _refuse_copies(path, frames, numbers)
    return path, frames, numbers


def _refuse_copies(path, frames, numbers):
    """Stop when the user's frames hold exact copies, which would put test frames' twins in training.

    Grouping copies on one side of the train/test split would not be enough:
    the ridge regularisation's cross-validation and the learning curves split
    the training frames again, and a copy on both sides of those folds picks a
    too small alpha and flatters the curves. A file with copies is refused,
    with every set of copies named by their numbers in the file.
    """
    from ...frames import duplicate_frames

    copies = duplicate_frames(frames)
    if not copies:
        return
    named = "; ".join(" = ".join(str(numbers[i]) for i in group) for group in copies[:5])
    more = f" and {len(copies) - 5} more sets" if len(copies) > 5 else ""
    extra = sum(len(group) - 1 for group in copies)
    raise ValueError(
        f"{path}: {extra} of the {len(frames)} selected frames are exact copies of others (same species, "
        f"positions, c_q, diameters and cell): frames {named}{more}. A copy in the test set would have its "
        "twin in training and the test error would flatter the model; remove the copies (keep one frame of "
        "each set) or select frames without them (start/stop/stride)")


def sweep_point(job, args):
    """Featurise (timed on one core) and fit one ridge model per target."""
    import numpy as np

    from ...analysis import regression
    from .analysis import featurisation_cost, frame_targets, timed_features
    from ...anisoap import EllipsoidalDensityProjection
    from ...io import atomic_path, save_array

    sp = job.sp()
    path, frames, numbers = _frames(sp)
    targets = frame_targets(frames, sp["targets"], sp["per_particle"], source=path, frame_numbers=numbers)
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
    return {
        "targets": models, "n_features": int(X.shape[1]), "n_frames": int(X.shape[0]), "cost": cost,
        "measured": measured}


def sweep_front(job, args):
    """Pareto fronts, best point per budget and learning curves of the cost front -> front.json."""
    import numpy as np

    from ...analysis import regression
    from ...anisoap.names import CORRELATION_ORDER
    from .analysis import best_per_budget, default_budgets, pareto_front
    from ...io import save_json
    from ...tracking import open_job, read_metrics

    sp = job.sp()
    jobs = [open_job(point) for point in sp["points"]]
    metrics = [read_metrics(point) for point in jobs]
    points = [{
        "job": point.id, "kind": point.sp()["kind"], "correlation_order": CORRELATION_ORDER[point.sp()["kind"]],
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
    return {
        target: {"cost_front": [points[i]["job"] for i in np.flatnonzero(entry["on_cost_front"])],
                 "feature_front": [points[i]["job"] for i in np.flatnonzero(entry["on_feature_front"])]}
        for target, entry in result["targets"].items()}


STEPS = [
    Step("sweep_point", sweep_point, "one grid point of a sweep: timed features (one core) and ridge per target",
         artifacts={"features": "features.npy", "predictions": "predictions.npz"}, numerics=5,
         runtime=45, mem_mb=13000),
    Step("sweep_front", sweep_front,
         "Pareto fronts, best point per budget and learning curves of a sweep -> front.json",
         artifacts={"front": "front.json"}, numerics=4, mem_mb=4000),
]
