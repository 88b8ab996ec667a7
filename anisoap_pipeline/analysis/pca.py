"""PCA maps of structure-averaged representations, and how well they sort the data.

The liquid-crystal study of the AniSOAP paper (Lin et al., J. Chem. Phys. 161,
074112 (2024), Sec. III A, Fig. 1 and Fig. S2) plots the first two principal
components of the frame-averaged AniSOAP power spectrum (and, as an inset, of
the Steinhardt order parameters), coloured by phase (nematic / smectic) and
shaded by the nematic order parameter S. "Properly scaled and centred": each
feature matrix is centred column by column and scaled *as a whole* (skmatter
``StandardFlexibleScaler(column_wise=False)``), so the relative variance of
the features is kept, as in the GFRE (:mod:`anisoap_pipeline.analysis.gfre`).

The paper judges the maps by eye ("smectic and nematic separate, S varies
smoothly"); :func:`separation_scores` and :func:`order_correlation` put numbers
on both claims.
"""

import warnings

import numpy as np
from scipy.stats import spearmanr
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skmatter.preprocessing import StandardFlexibleScaler

from .checks import check_matrix

__all__ = ["order_correlation", "pca_map", "separation_scores"]


def pca_map(X, n_components=2):
    """First principal components of a whole-matrix standardised feature matrix.

    ``X`` is centred column by column and divided by one number, the square
    root of its total variance (``StandardFlexibleScaler(column_wise=False)``),
    then projected on its leading principal axes (:class:`sklearn.decomposition.PCA`).
    The sign of each component is fixed so that its largest-magnitude loading
    is positive, which makes maps reproducible across library versions.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Structure-averaged representation, one row per frame (e.g. the AniSOAP
        power spectrum, or Steinhardt q_0 … q_6).
    n_components : int, optional
        Number of components (2 for a map; at most ``min(n_samples, n_features)``).

    Returns
    -------
    coordinates : numpy.ndarray, shape (n_samples, n_components)
        Principal-component scores (dimensionless: the scaled data have unit
        total variance).
    explained_variance_ratio : numpy.ndarray, shape (n_components,)
        Fraction of the total variance carried by each component.

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D matrix, has fewer than two samples, or
        ``n_components`` is out of range.
    """
    X = check_matrix(X)
    limit = min(X.shape)
    if len(X) < 2:
        raise ValueError(f"PCA needs at least 2 samples, got {len(X)}")
    if not 1 <= int(n_components) <= limit:
        raise ValueError(
            f"n_components must be in [1, min(n_samples, n_features) = {limit}], got {n_components}"
        )
    scaled = StandardFlexibleScaler(column_wise=False).fit_transform(X)
    pca = PCA(n_components=int(n_components), svd_solver="full").fit(scaled)
    axes = pca.components_
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    signs[signs == 0] = 1.0
    coordinates = pca.transform(scaled) * signs
    return coordinates, pca.explained_variance_ratio_.copy()


def separation_scores(coordinates, labels, seed=0, folds=5):
    """How well a low-dimensional map separates labelled classes.

    Two numbers: the silhouette score of the labels in the map (Rousseeuw,
    J. Comput. Appl. Math. 20, 53 (1987); 1 = tight, well separated clusters,
    0 = overlapping, < 0 = mixed up) and the cross-validated accuracy of a
    linear classifier (logistic regression on standardised coordinates,
    stratified ``folds``-fold CV, shuffled with ``seed``): 1 = the classes
    are linearly separable in the map.

    Parameters
    ----------
    coordinates : array_like, shape (n_samples, n_dims)
        Map coordinates (e.g. the output of :func:`pca_map`).
    labels : array_like, shape (n_samples,)
        Class of each sample (e.g. ``"nematic"`` / ``"smectic"``, or L/D).
    seed : int, optional
        Seed of the fold shuffling.
    folds : int, optional
        Number of CV folds (reduced to the smallest class size if larger).

    Returns
    -------
    dict
        ``silhouette`` (float in [-1, 1]), ``accuracy`` (mean CV accuracy,
        float in [0, 1]), ``folds`` (int used), ``n_samples``.

    Raises
    ------
    ValueError
        If there are fewer than two classes, a class has fewer than two
        samples, or shapes disagree.
    """
    coordinates = check_matrix(coordinates, "coordinates")
    labels = np.asarray(labels)
    if labels.shape != (len(coordinates),):
        raise ValueError(f"labels must have shape ({len(coordinates)},), got {labels.shape}")
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"need at least two classes to separate, got {classes.tolist()}")
    if counts.min() < 2:
        raise ValueError(f"every class needs at least 2 samples, got counts {dict(zip(classes.tolist(), counts.tolist()))}")
    folds = int(min(folds, counts.min()))
    model = make_pipeline(StandardScaler(), LogisticRegression())
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    accuracy = cross_val_score(model, coordinates, labels, cv=splitter, scoring="accuracy")
    return {
        "silhouette": float(silhouette_score(coordinates, labels)),
        "accuracy": float(accuracy.mean()),
        "folds": folds,
        "n_samples": len(labels),
    }


def order_correlation(coordinates, order, groups=None):
    """Spearman rank correlation of an order parameter with each map axis.

    Quantifies "S varies smoothly across the map": within each group (e.g.
    each phase), the rank correlation between S and each component; the
    component with the largest ``|rho|`` is the map's S axis.

    Parameters
    ----------
    coordinates : array_like, shape (n_samples, n_dims)
        Map coordinates.
    order : array_like, shape (n_samples,)
        Order parameter of each sample (e.g. the nematic S, dimensionless).
    groups : array_like, shape (n_samples,), optional
        Group of each sample; correlations are computed per group and for
        ``"all"`` samples together.

    Returns
    -------
    dict
        group -> ``{"rho": [rho per component], "best_component": int
        (0-based), "best_abs_rho": float, "n": int}``; NaN correlations (a
        constant column in a group) count as 0.

    Raises
    ------
    ValueError
        If shapes disagree or a group has fewer than 3 samples.
    """
    coordinates = check_matrix(coordinates, "coordinates")
    order = np.asarray(order, dtype=float)
    if order.shape != (len(coordinates),):
        raise ValueError(f"order must have shape ({len(coordinates)},), got {order.shape}")
    selections = {"all": np.ones(len(order), dtype=bool)}
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != order.shape:
            raise ValueError(f"groups must have shape {order.shape}, got {groups.shape}")
        selections.update({str(g): groups == g for g in np.unique(groups)})
    result = {}
    for name, rows in selections.items():
        if rows.sum() < 3:
            raise ValueError(f"group {name!r} has {rows.sum()} samples; a rank correlation needs 3")
        rho = []
        for column in coordinates[rows].T:
            with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
                warnings.simplefilter("ignore")  # constant input: rho is NaN, counted as 0
                value = spearmanr(column, order[rows]).statistic
            rho.append(0.0 if not np.isfinite(value) else float(value))
        best = int(np.argmax(np.abs(rho)))
        result[name] = {"rho": rho, "best_component": best, "best_abs_rho": abs(rho[best]),
                        "n": int(rows.sum())}
    return result
