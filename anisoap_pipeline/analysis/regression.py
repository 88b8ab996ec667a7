"""Ridge regression on feature matrices: split, cross-validated fit, learning curve.

The protocol of the AniSOAP paper (Sec. III B, III C, App. B): a seeded
train/test split (90/10), features *and* targets standardised with
statistics of the training rows only, the ridge regularisation chosen by
k-fold cross-validation (5 folds) over a logarithmic grid, RMSE and R² on the
test rows; and a learning curve, RMSE against the number of training rows
over k folds (Fig. S4), whose every point repeats the whole protocol (scalers
and regularisation) on its own training rows.

Everything is a scikit-learn estimator: :func:`ridge_model` builds one, so
the scaling is refitted inside every cross-validation fold and nothing from
validation or test rows leaks into the fit.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import (
    KFold,
    learning_curve,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .checks import check_xy

__all__ = [
    "RidgeGridCV",
    "alpha_grid",
    "check_folds",
    "check_target_varies",
    "fit_ridge",
    "regression_metrics",
    "ridge_learning_curve",
    "ridge_model",
    "split",
]

#: Name of the regularisation parameter inside :func:`ridge_model`'s estimator.
ALPHA_PARAMETER = "regressor__ridge__alpha"


def alpha_grid(log10_min=-8.0, log10_max=2.0, num=11):
    """Logarithmic grid of ridge regularisations ``10**linspace(min, max, num)``.

    The grid applies to standardised features and targets, so it does not
    depend on the units of either.
    """
    if num < 1 or log10_max < log10_min:
        raise ValueError(f"empty alpha grid: log10 range [{log10_min}, {log10_max}], num={num}")
    return np.logspace(log10_min, log10_max, int(num))


class RidgeGridCV(RegressorMixin, BaseEstimator):
    """Ridge regression with the regularisation chosen by k-fold cross-validation over a grid.

    The estimator of the paper's protocol: every fit (each fold's, and the final
    one on all rows given) standardises the features and the target with its own
    rows' statistics (``StandardScaler``), fits ``Ridge`` with an intercept, and
    the alpha of the lowest mean validation RMSE over ``cv_folds`` shuffled folds
    (``KFold(cv_folds, shuffle=True, random_state=seed)``; ties: the first alpha)
    is refitted on all rows. The result is what ``GridSearchCV`` over a
    ``TransformedTargetRegressor(Pipeline([StandardScaler, Ridge(solver="svd")]),
    StandardScaler)`` gives (tested to 1e-10), at a fraction of its cost: one
    eigendecomposition of the fold's Gram matrix serves every alpha, where the grid
    search refits each. scikit-learn's own ``RidgeCV`` shares one decomposition
    only for leave-one-out, not k folds. The final fit uses ``Ridge(solver="svd")``,
    accurate for tiny alphas on redundant features (the power spectrum keeps both
    (n, n') and (n', n)), where a Cholesky solve is ill-conditioned.

    Parameters
    ----------
    alphas : array_like, optional
        Candidate regularisations (default :func:`alpha_grid`), on standardised data.
    cv_folds : int, optional
        Folds of the cross-validation (paper: 5).
    seed : int, optional
        Seed of the fold shuffling.

    Attributes
    ----------
    best_params_ : dict
        ``{ALPHA_PARAMETER: alpha}``, the chosen regularisation.
    cv_results_ : dict
        ``mean_test_score``: minus the mean validation RMSE per alpha (``GridSearchCV``'s sign).
    param_grid : dict
        ``{ALPHA_PARAMETER: alphas}``.
    best_estimator_ : sklearn.compose.TransformedTargetRegressor
        The refitted model (scalers and ``Ridge(solver="svd")``).
    """

    def __init__(self, alphas=None, cv_folds=5, seed=0):
        self.alphas = alphas
        self.cv_folds = cv_folds
        self.seed = seed

    def fit(self, X, y):
        X, y = check_xy(X, y)
        check_folds(len(y), self.cv_folds, "cv_folds", "the cross-validation of the ridge regularisation")
        alphas = alpha_grid() if self.alphas is None else np.asarray(self.alphas, dtype=float)
        rmse = np.zeros((self.cv_folds, len(alphas)))
        for k, (train, valid) in enumerate(KFold(self.cv_folds, shuffle=True, random_state=self.seed).split(X)):
            rmse[k] = _fold_rmse(X[train], y[train], X[valid], y[valid], alphas)
        mean = rmse.mean(axis=0)
        alpha = float(alphas[int(np.argmin(mean))])
        self.param_grid = {ALPHA_PARAMETER: list(alphas)}
        self.cv_results_ = {"mean_test_score": -mean}
        self.best_params_ = {ALPHA_PARAMETER: alpha}
        self.best_estimator_ = TransformedTargetRegressor(
            regressor=Pipeline([("scale", StandardScaler()), ("ridge", Ridge(alpha=alpha, solver="svd"))]),
            transformer=StandardScaler(),
        ).fit(X, y)
        return self

    def predict(self, X):
        return self.best_estimator_.predict(X)


def _fold_rmse(X_train, y_train, X_valid, y_valid, alphas):
    """Validation RMSE of every alpha from one eigendecomposition of the fold's standardised Gram matrix.

    With A the centred, standardised training features and b the standardised
    target: w(α) = (AᵀA + α)⁻¹ Aᵀb = V diag(1 / (λ + α)) Vᵀ Aᵀb for AᵀA = V Λ Vᵀ,
    or, with fewer rows than features, Aᵀ U diag(1 / (λ + α)) Uᵀ b for AAᵀ = U Λ Uᵀ.
    """
    x_scale = StandardScaler().fit(X_train)
    y_mean, y_std = y_train.mean(), y_train.std()
    y_std = y_std if y_std > 0 else 1.0  # StandardScaler's convention for a constant column
    A = x_scale.transform(X_train)
    a_mean = A.mean(axis=0)  # ~0: Ridge's intercept centring, kept for equality with it
    A -= a_mean
    b = (y_train - y_mean) / y_std
    b_mean = b.mean()
    b = b - b_mean
    if A.shape[0] >= A.shape[1]:
        eigenvalues, vectors = np.linalg.eigh(A.T @ A)
        projected = vectors.T @ (A.T @ b)
    else:
        eigenvalues, vectors = np.linalg.eigh(A @ A.T)
        projected = vectors.T @ b
    inverse = 1.0 / (np.maximum(eigenvalues, 0.0)[:, None] + alphas[None, :])
    weights = vectors @ (inverse * projected[:, None])  # (p or n, n_alphas)
    if A.shape[0] < A.shape[1]:
        weights = A.T @ weights
    predictions = ((x_scale.transform(X_valid) - a_mean) @ weights + b_mean) * y_std + y_mean
    return np.sqrt(np.mean((predictions - y_valid[:, None]) ** 2, axis=0))


def check_folds(n_rows, folds, name, purpose):
    """Refuse a k-fold split of ``n_rows`` frames that cannot be made, in the project's words.

    Parameters
    ----------
    n_rows : int
        Frames to split.
    folds : int
        Number of folds k.
    name : str
        The option that sets k (``"cv_folds"``, ``"folds"``), for the message.
    purpose : str
        What the folds are for, for the message.

    Raises
    ------
    ValueError
        If ``folds`` is not an integer >= 2, or there are fewer frames than folds
        (scikit-learn would say "Cannot have number of splits ... greater than the
        number of samples").
    """
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"{name} must be an integer >= 2 (folds of {purpose}), got {folds!r}")
    if n_rows < folds:
        raise ValueError(
            f"{n_rows} frame(s) cannot be split into {name} = {folds} folds for {purpose}: "
            f"it needs at least {folds} frames; use more frames or lower {name}"
        )


def check_target_varies(y, what):
    """Refuse a constant target: there is nothing to fit, and R² (1 - SS_res / SS_tot) is undefined.

    "Constant" is a spread below 1e-12 of the target's magnitude (round-off),
    or a single value.

    Raises
    ------
    ValueError
        Naming ``what`` (e.g. "the 54 training frames") and the value.
    """
    y = np.asarray(y, dtype=float).ravel()
    if y.size and np.ptp(y) <= 1e-12 * np.max(np.abs(y)):
        raise ValueError(
            f"the target is constant over {what} (every value {y[0]:.6g}): there is nothing to fit and "
            f"R² is undefined; check the target (is it the quantity you meant?) or use more frames"
        )


def ridge_model(alphas=None, cv_folds=5, seed=0):
    """The paper's cross-validated ridge regression, unfitted: :class:`RidgeGridCV`.

    Every fit, inside and outside the folds, fits both scalers on its own
    training rows only.

    Parameters
    ----------
    alphas : array_like, optional
        Candidate regularisations (default :func:`alpha_grid`).
    cv_folds : int, optional
        Folds of the cross-validation (paper: 5).
    seed : int, optional
        Seed of the fold shuffling.

    Returns
    -------
    RidgeGridCV
        After ``fit``, ``best_params_[ALPHA_PARAMETER]`` is the chosen regularisation.
    """
    return RidgeGridCV(alphas, cv_folds, seed)


def split(n_samples, test_fraction=0.1, seed=0):
    """Seeded random train/test split of ``range(n_samples)``.

    Returns
    -------
    train, test : numpy.ndarray of int
        Sorted row indices; the test set has ceil(test_fraction * n_samples) rows.

    Raises
    ------
    ValueError
        If ``test_fraction`` is outside (0, 1) or leaves no training or no test row.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    n_test = int(np.ceil(test_fraction * n_samples))
    if n_samples < 2 or n_test >= n_samples:
        raise ValueError(
            f"{n_samples} frame(s) cannot be split into training and test frames with "
            f"test_fraction = {test_fraction:g} ({n_test} test frame(s)): use more frames"
        )
    train, test = train_test_split(
        np.arange(n_samples), test_size=test_fraction, random_state=seed, shuffle=True
    )
    return np.sort(train), np.sort(test)


def regression_metrics(y_true, y_pred):
    """RMSE, MAE, R² and the count of a set of predictions.

    R² is ``1 - SS_res / SS_tot`` about the mean of ``y_true``; it is NaN when
    ``y_true`` is constant (e.g. an empty or one-frame subset): :func:`fit_ridge`
    refuses a constant target instead of scoring it.
    """
    y_true = np.asarray(y_true, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    residual = y_pred - y_true
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2)) if y_true.size else 0.0
    return {
        "rmse": float(np.sqrt(np.mean(residual**2))) if y_true.size else float("nan"),
        "mae": float(np.mean(np.abs(residual))) if y_true.size else float("nan"),
        "r2": 1.0 - float(np.sum(residual**2)) / ss_tot if ss_tot > 0 else float("nan"),
        "n": int(y_true.size),
    }


def fit_ridge(X, y, train, test, *, alphas=None, cv_folds=5, seed=0):
    """Fit :func:`ridge_model` on the training rows, evaluate on the test rows.

    Parameters
    ----------
    X : array_like, shape (n, p)
        Features, rows = samples.
    y : array_like, shape (n,)
        Target.
    train, test : array_like of int
        Row indices of the split (:func:`split`); every representation of one
        study shares it.
    seed : int, optional
        Seed of the cross-validation folds.
    alphas : array_like, optional
        Regularisation grid (default :func:`alpha_grid`).
    cv_folds : int, optional
        Folds of the cross-validation (paper: 5).

    Returns
    -------
    model : RidgeGridCV
        Fitted on the training rows.
    result : dict
        ``train``/``test`` (row indices), ``y_train_pred``/``y_test_pred``,
        ``alpha`` (chosen), ``cv_rmse`` (mean validation RMSE per alpha),
        ``alphas``, and the metrics ``test`` and ``train``
        (:func:`regression_metrics`).

    Raises
    ------
    ValueError
        If there are fewer training frames than ``cv_folds``, or the target is
        constant over the training or the test frames (R² would be NaN, the
        RMSE a meaningless 0).
    """
    X, y = check_xy(X, y)
    train, test = np.asarray(train, dtype=int), np.asarray(test, dtype=int)
    check_folds(len(train), cv_folds, "cv_folds",
                f"the cross-validation of the ridge regularisation on the training frames "
                f"({len(train)} of {len(y)} frames; the other {len(test)} are the test set)")
    check_target_varies(y[train], f"the {len(train)} training frames")
    if len(test) < 2:
        raise ValueError(
            f"{len(test)} test frame(s) of {len(y)}: R² needs at least 2 (it compares the errors with the "
            f"test target's spread); use more frames or a larger test_fraction"
        )
    check_target_varies(y[test], f"the {len(test)} test frames")
    model = ridge_model(alphas, cv_folds, seed)
    model.fit(X[train], y[train])
    y_train_pred = model.predict(X[train])
    y_test_pred = model.predict(X[test])
    result = {
        "train": train,
        "test": test,
        "y_train_pred": y_train_pred,
        "y_test_pred": y_test_pred,
        "alpha": float(model.best_params_[ALPHA_PARAMETER]),
        "alphas": np.asarray(model.param_grid[ALPHA_PARAMETER], dtype=float),
        "cv_rmse": -np.asarray(model.cv_results_["mean_test_score"], dtype=float),
        "metrics_test": regression_metrics(y[test], y_test_pred),
        "metrics_train": regression_metrics(y[train], y_train_pred),
    }
    return model, result


def ridge_learning_curve(X, y, train_sizes, folds=5, seed=0, alphas=None, cv_folds=5):
    """RMSE against training-set size, over ``folds`` folds (paper Fig. S4).

    For each fold of a shuffled ``folds``-fold split of the rows, the first
    ``n`` rows of the fold's training part (in a seeded random order) train a
    fresh :func:`ridge_model` (its own scalers, its own ``cv_folds``-fold
    choice of alpha) and the fold's held-out rows score it: scikit-learn's
    ``learning_curve``. Pass only *training* rows, so that the test set of
    :func:`fit_ridge` stays unseen.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,)
    train_sizes : sequence of int
        Absolute training sizes. Sizes above what a fold offers
        (``n - ceil(n / folds)``) and below ``cv_folds`` are dropped; the
        result says which were kept.
    folds : int, optional
        Folds of the learning curve (paper: 5).
    seed : int, optional
        Seed of the folds and of the row order.
    alphas, cv_folds
        Passed to :func:`ridge_model`.

    Returns
    -------
    dict
        ``train_sizes`` (kept, ascending, list of int), ``dropped_sizes``,
        ``test_rmse`` and ``train_rmse`` (lists, sizes x folds), and the
        per-size ``test_rmse_mean``, ``test_rmse_min``, ``test_rmse_max``.

    Raises
    ------
    ValueError
        If there are fewer frames than ``folds``, the target is constant, or no
        training size is usable.
    """
    X, y = check_xy(X, y)
    check_folds(len(y), folds, "folds", "the learning curve")
    check_target_varies(y, f"the {len(y)} frames of the learning curve")
    n_max = len(y) - int(np.ceil(len(y) / folds))
    requested = sorted({int(size) for size in train_sizes})
    kept = [size for size in requested if cv_folds <= size <= n_max]
    if not kept:
        raise ValueError(
            f"no usable training size in {requested}: a fold offers at most {n_max} "
            f"training rows and the inner cross-validation needs at least {cv_folds}"
        )
    sizes, train_scores, test_scores = learning_curve(
        ridge_model(alphas, cv_folds, seed),
        X,
        y,
        train_sizes=np.asarray(kept),
        cv=KFold(folds, shuffle=True, random_state=seed),
        scoring="neg_root_mean_squared_error",
        shuffle=True,
        random_state=seed,
    )
    test_rmse = -np.asarray(test_scores)
    return {
        "train_sizes": [int(size) for size in sizes],
        "dropped_sizes": [size for size in requested if size not in kept],
        "folds": int(folds),
        "test_rmse": test_rmse.tolist(),
        "train_rmse": (-np.asarray(train_scores)).tolist(),
        "test_rmse_mean": test_rmse.mean(axis=1).tolist(),
        "test_rmse_min": test_rmse.min(axis=1).tolist(),
        "test_rmse_max": test_rmse.max(axis=1).tolist(),
    }
