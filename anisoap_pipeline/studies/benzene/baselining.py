"""Baselining: a coarse-grained ridge model plus an atomistic correction of its residual.

The AniSOAP paper (Sec. III C, Fig. 7) learns the benzene crystal energies
in two stages: a ridge model on the molecule-level AniSOAP power spectrum
(the *baseline*, body-body interactions), then a second ridge model that
learns the baseline's residual from the atomistic SOAP power spectrum (the
*correction*, atom-atom interactions). The prediction is their sum:

    y_hat = f_AniSOAP(x_AniSOAP) + g_SOAP(x_SOAP),   g_SOAP ~ y - f_AniSOAP

Both stages are :func:`anisoap_pipeline.analysis.regression.ridge_model`
(features and target standardised on the training rows, regularisation by
k-fold cross-validation). The correction is trained on residuals that the
baseline did not see: by default the *out-of-fold* residuals of the training
rows (each predicted by a baseline fitted without its fold), because the
in-sample residuals of a fitted ridge model are systematically too small and
would teach the correction to do too little. Nothing from the test rows
enters either fit.
"""

from __future__ import annotations


import numpy as np
from sklearn.model_selection import KFold, cross_val_predict

from ...analysis.checks import check_matrix, check_rows
from ...analysis.regression import ALPHA_PARAMETER, regression_metrics, ridge_model

__all__ = ["RESIDUALS", "baseline_and_correct", "numerical_rank"]

#: How the correction's training targets are formed (see :func:`baseline_and_correct`).
RESIDUALS = ("out_of_fold", "in_sample")


def numerical_rank(X, rtol=None):
    """Numerical rank of a feature matrix after centring its columns.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    rtol : float, optional
        Singular values at or below ``rtol * s_max`` count as zero; default
        NumPy's ``max(n_samples, n_features) * eps`` (:func:`numpy.linalg.matrix_rank`).

    Returns
    -------
    int
        The dimension of the affine span of the rows, i.e. how many principal
        components carry variance. Used to reduce SOAP by PCA to the rank of
        AniSOAP (paper Fig. 6: "of similar rank").
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"need a matrix with at least 2 rows, got shape {X.shape}")
    return int(np.linalg.matrix_rank(X - X.mean(axis=0), rtol=rtol))


def baseline_and_correct(
    X_baseline, X_correction, y, train, test, alphas=None, cv_folds=5, seed=0, residual="out_of_fold"
):
    """Fit a baseline ridge model, then learn its residual from other features.

    Parameters
    ----------
    X_baseline : array_like, shape (n, p)
        Features of the baseline model (paper: AniSOAP of the ellipsoids).
    X_correction : array_like, shape (n, q)
        Features of the correction (paper: atomistic SOAP).
    y : array_like, shape (n,)
        Target (paper: baselined energy, meV/atom).
    train, test : array_like of int
        Row indices of the training and test sets (the split of the plain
        regressions, so that before/after compare on the same rows).
    alphas : array_like, optional
        Regularisation grid of both models
        (:func:`~anisoap_pipeline.analysis.regression.alpha_grid` by default).
    cv_folds : int, optional
        Folds of the cross-validation of both models and of the out-of-fold
        residuals.
    seed : int, optional
        Seed of the folds.
    residual : {"out_of_fold", "in_sample"}, optional
        Training targets of the correction: ``y - f(x)`` with ``f`` fitted
        without the row's fold (default), or with ``f`` fitted on every
        training row.

    Returns
    -------
    dict
        ``y_train_baseline``/``y_test_baseline`` (baseline predictions),
        ``residual_train`` (the correction's training targets),
        ``residual_test`` (``y[test] - y_test_baseline``),
        ``y_train_pred``/``y_test_pred`` (baseline + correction; the training
        values use the in-sample baseline), ``alpha_baseline``,
        ``alpha_correction``, and test metrics ``before`` (baseline alone),
        ``after`` (baseline + correction) and ``residual`` (the correction's
        prediction of ``residual_test``), each
        :func:`~anisoap_pipeline.analysis.regression.regression_metrics`.

    Raises
    ------
    ValueError
        For mismatched shapes, non-finite values, bad indices or an unknown
        ``residual``.
    """
    if residual not in RESIDUALS:
        raise ValueError(f"residual must be one of {RESIDUALS}, got {residual!r}")
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or not np.all(np.isfinite(y)):
        raise ValueError(f"y must be a finite 1-d array, got shape {y.shape}")
    X_baseline = check_matrix(X_baseline, "X_baseline", n_rows=len(y))
    X_correction = check_matrix(X_correction, "X_correction", n_rows=len(y))
    train = check_rows(train, len(y), "train")
    test = check_rows(test, len(y), "test")
    if np.intersect1d(train, test).size:
        raise ValueError("train and test rows overlap")

    baseline = ridge_model(alphas, cv_folds, seed).fit(X_baseline[train], y[train])
    y_train_baseline = baseline.predict(X_baseline[train])
    y_test_baseline = baseline.predict(X_baseline[test])
    if residual == "out_of_fold":
        folds = KFold(cv_folds, shuffle=True, random_state=seed)
        out_of_fold = cross_val_predict(ridge_model(alphas, cv_folds, seed), X_baseline[train], y[train], cv=folds)
        residual_train = y[train] - out_of_fold
    else:
        residual_train = y[train] - y_train_baseline
    correction = ridge_model(alphas, cv_folds, seed).fit(X_correction[train], residual_train)
    correction_train = correction.predict(X_correction[train])
    correction_test = correction.predict(X_correction[test])

    residual_test = y[test] - y_test_baseline
    return {
        "y_train_baseline": y_train_baseline,
        "y_test_baseline": y_test_baseline,
        "residual_train": residual_train,
        "residual_test": residual_test,
        "y_train_pred": y_train_baseline + correction_train,
        "y_test_pred": y_test_baseline + correction_test,
        "alpha_baseline": float(baseline.best_params_[ALPHA_PARAMETER]),
        "alpha_correction": float(correction.best_params_[ALPHA_PARAMETER]),
        "before": regression_metrics(y[test], y_test_baseline),
        "after": regression_metrics(y[test], y_test_baseline + correction_test),
        "residual": regression_metrics(residual_test, correction_test),
    }
