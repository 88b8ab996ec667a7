"""Benzene-crystal analyses (paper Sec. III C): a GFRE grid point and the regression of Fig. 6.

:func:`gfre_point` scores one AniSOAP shape against all-atom SOAP (Figs. 5,
S6); :func:`compare_regressions` fits ridge models on all-atom SOAP reduced by
PCA to AniSOAP's rank, on SOAP of the molecule centres and on AniSOAP, on one
train/test split, with their learning curves (Figs. 6, S5);
:func:`regressions_over_splits` repeats it over seeded splits
(:mod:`.splits`) for mean ± sd.
"""

from sklearn.decomposition import PCA

from ...analysis import regression
from .baselining import numerical_rank
from ...analysis.gfre import gfre, split_indices
from ...analysis.splits import over_splits, split_seeds

__all__ = ["CURVES", "compare_regressions", "gfre_over_splits", "gfre_point", "regressions_over_splits"]

#: Representations with a learning curve, in the order of Fig. 6 (``soap_full``, the
#: unreduced SOAP, is fitted too, for reference).
CURVES = ("soap", "centres", "anisoap")


def gfre_point(X, Y, seed, train_fraction=0.5):
    """GFRE(X → Y) of one grid point on a seeded split, with the sizes behind it.

    Parameters
    ----------
    X, Y : numpy.ndarray, shape (n_frames, p) and (n_frames, q)
        AniSOAP and all-atom SOAP, rows = crystals.
    seed : int
    train_fraction : float, optional

    Returns
    -------
    dict
        ``gfre``, ``n_features_anisoap``, ``n_features_soap``, ``rank_anisoap``
        (numerical rank of X on the training rows), ``n_train``, ``n_test``.

    Raises
    ------
    ValueError
        If X and Y have different numbers of rows.
    """
    if len(X) != len(Y):
        raise ValueError(f"AniSOAP has {len(X)} frames but SOAP has {len(Y)}")
    train, test = split_indices(len(X), seed, train_fraction)
    return {
        "gfre": gfre(X, Y, train, test),
        "n_features_anisoap": int(X.shape[1]), "n_features_soap": int(Y.shape[1]),
        "rank_anisoap": numerical_rank(X[train]),
        "n_train": len(train), "n_test": len(test),
    }


def gfre_over_splits(X, Y, seed, n_splits, train_fraction=0.5):
    """GFRE(X → Y) on ``n_splits`` seeded splits (split k: seed + k; split 0 = :func:`gfre_point`'s).

    Returns
    -------
    dict
        :func:`anisoap_pipeline.analysis.splits.summarise` of ``{"gfre": ...}`` per split.
    """
    splits = [split_indices(len(X), s, train_fraction) for s in split_seeds(seed, n_splits)]
    return over_splits(lambda train, test: {"gfre": gfre(X, Y, train, test)}, splits)[1]


def regressions_over_splits(X_soap, X_centres, X_anisoap, y, splits, *, alphas, cv_folds, seed,
                            train_sizes=None, folds=5):
    """:func:`compare_regressions` on each of several splits: split 0 in full, mean ± sd of all.

    Parameters
    ----------
    X_soap, X_centres, X_anisoap, y, alphas, cv_folds, seed, train_sizes, folds
        As :func:`compare_regressions` (the learning curves need splits of
        equal size: random rows, not whole groups).
    splits : list of (train, test)
        :func:`anisoap_pipeline.analysis.splits.seeded_splits`; split 0 is the paper's.

    Returns
    -------
    first : tuple
        ``(arrays, metrics, curves)`` of :func:`compare_regressions` on split 0.
    statistics : dict
        Per representation (``soap``, ``centres``, ``anisoap``, ``soap_full``):
        ``test`` metrics and, with learning curves, ``test_rmse_mean`` (per
        size), each as mean ± sd over the splits
        (:func:`~anisoap_pipeline.analysis.splits.summarise`).
    """
    results = []

    def evaluate(train, test):
        results.append(compare_regressions(X_soap, X_centres, X_anisoap, y, train, test, alphas=alphas,
                                           cv_folds=cv_folds, seed=seed, train_sizes=train_sizes, folds=folds))
        _, metrics, curves = results[-1]
        out = {name: {"test": metrics[name]["test"]} for name in (*CURVES, "soap_full")}
        for name, curve in curves.items():
            out[name]["test_rmse_mean"] = curve["test_rmse_mean"]
        return out

    _, statistics = over_splits(evaluate, splits)
    return results[0], statistics


def compare_regressions(X_soap, X_centres, X_anisoap, y, train, test, *, alphas, cv_folds, seed,
                        train_sizes, folds):
    """Ridge on SOAP (PCA to AniSOAP's rank), molecule-centre SOAP and AniSOAP on one split (Fig. 6).

    Parameters
    ----------
    X_soap, X_centres, X_anisoap : numpy.ndarray, shape (n, ·)
        All-atom SOAP, SOAP of the molecule centres (a spherical AniSOAP) and AniSOAP.
    y : numpy.ndarray, shape (n,)
        Baselined energies (meV/atom).
    train, test : numpy.ndarray of int
        The split every representation shares.
    alphas, cv_folds, seed
        Ridge protocol (:func:`anisoap_pipeline.analysis.regression.fit_ridge`).
    train_sizes, folds
        Learning curves on the training rows (sizes a fold cannot offer are
        dropped); ``train_sizes=None``: no learning curve.

    Returns
    -------
    arrays : dict
        ``train``, ``test``, ``y`` and ``<name>_y_test_pred``, ``<name>_y_train_pred``.
    metrics : dict
        ``rank_anisoap``, ``pca_explained_variance`` and, per representation
        (``soap``, ``centres``, ``anisoap``, ``soap_full``), ``test``, ``train``,
        ``alpha``, ``n_features``, ``rank``.
    curves : dict
        name -> :func:`~anisoap_pipeline.analysis.regression.ridge_learning_curve` of :data:`CURVES`.

    Raises
    ------
    ValueError
        If a representation's rows do not match the labels.
    """
    for name, X in (("SOAP", X_soap), ("molecule-centre SOAP", X_centres), ("AniSOAP", X_anisoap)):
        if len(X) != len(y):
            raise ValueError(f"{name} features have {len(X)} rows but there are {len(y)} labels")
    rank = numerical_rank(X_anisoap[train])
    pca = PCA(n_components=min(rank, X_soap.shape[1], len(train)), svd_solver="full").fit(X_soap[train])
    representations = {"soap": pca.transform(X_soap), "centres": X_centres, "anisoap": X_anisoap,
                       "soap_full": X_soap}
    arrays = {"train": train, "test": test, "y": y}
    metrics = {"rank_anisoap": rank, "pca_explained_variance": float(pca.explained_variance_ratio_.sum())}
    curves = {}
    for name, X in representations.items():
        _, result = regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=cv_folds, seed=seed)
        arrays[f"{name}_y_test_pred"] = result["y_test_pred"]
        arrays[f"{name}_y_train_pred"] = result["y_train_pred"]
        metrics[name] = {"test": result["metrics_test"], "train": result["metrics_train"],
                         "alpha": result["alpha"], "n_features": int(X.shape[1]),
                         "rank": numerical_rank(X[train])}
        if name in CURVES and train_sizes is not None:
            curves[name] = regression.ridge_learning_curve(
                X[train], y[train], train_sizes, folds=folds, seed=seed, alphas=alphas, cv_folds=cv_folds)
    return arrays, metrics, curves
