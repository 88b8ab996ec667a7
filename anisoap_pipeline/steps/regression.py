"""Workflow steps shared by the studies: ridge models and learning curves.

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
"""

from . import Step

__all__ = ["STEPS", "learning_curve", "ridge"]


def _features_and_target(state_point):
    """Features of the state point's ``features`` job and its ``target`` label."""
    import numpy as np

    from ..frames import read_frames
    from ..tracking import artifact, open_job

    features = open_job(state_point["features"])
    X = np.load(artifact(features, "features"))
    dataset = open_job(features.sp()["dataset"])
    frames = read_frames(artifact(dataset, "frames"))
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


def ridge(job, args):
    """Cross-validated ridge regression of one target on one featurisation, over seeded splits."""
    import numpy as np

    from ..analysis import regression
    from ..analysis.splits import over_splits, seeded_splits
    from ..io import atomic_path

    sp = job.sp()
    X, y = _features_and_target(sp)
    rows = _rows(sp, y)
    X, y = X[rows], y[rows]
    alphas = regression.alpha_grid(**sp["alphas"])
    splits = seeded_splits(len(y), sp["n_splits"], sp["seed"], sp["test_fraction"])
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
    return {
        "test": result["metrics_test"], "train": result["metrics_train"],
        "alpha": result["alpha"], "n_features": int(X.shape[1]), "n_rows": len(rows),
        # a choice on the edge of the grid asks for a wider grid
        "alpha_at_grid_edge": bool(result["alpha"] in (result["alphas"][0], result["alphas"][-1])),
        "splits": statistics,
    }


def learning_curve(job, args):
    """Learning curve (RMSE vs training size, k folds) on the training rows of each seeded split."""
    from ..analysis import regression
    from ..analysis.splits import over_splits, seeded_splits, split_seeds
    from ..io import save_json

    sp = job.sp()
    X, y = _features_and_target(sp)
    rows = _rows(sp, y)
    X, y = X[rows], y[rows]
    n_splits = sp["n_splits"]
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
    return {
        key: curve[key] for key in ("train_sizes", "dropped_sizes", "test_rmse_mean", "splits")
    }


STEPS = [
    Step("ridge", ridge, "ridge regression of a target on a featurisation -> predictions.npz",
         artifacts={"predictions": "predictions.npz"}, numerics=3),
    Step("learning_curve", learning_curve, "learning curve of a ridge model -> learning_curve.json",
         artifacts={"curve": "learning_curve.json"}, numerics=3),
]
