"""PCovR maps: where atom-atom interactions drive what a coarse-grained model misses.

The AniSOAP paper (Sec. III C, supplementary chemiscope map) projects the
atomistic SOAP features of the benzene crystals with principal covariates
regression (PCovR; de Jong & Kiers 1992, Helfrecht et al., Mach. Learn.: Sci.
Technol. 1, 045021 (2020)) against the residual of the AniSOAP ridge model:
the latent space mixes the directions of largest SOAP variance (mixing
alpha = 1, PCA) with those that predict the residual linearly (alpha = 0,
regression), so crystals whose energy AniSOAP misses cluster by the
atomistic motifs that explain the miss.

:func:`pcovr_map` fits skmatter's ``PCovR`` on scaled data and projects
every sample; :func:`pcovr_losses` gives the projection and regression
losses over a range of mixings (the trade-off behind a choice of mixing);
:func:`write_chemiscope` writes the map, the structures and their properties
as a chemiscope input file (``chemiscope.write_input``).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import LinAlgWarning
from sklearn.linear_model import RidgeCV
from sklearn.preprocessing import StandardScaler

from .checks import check_matrix

__all__ = ["pcovr_losses", "pcovr_map", "write_chemiscope"]


def _prepare(X, y, fit_idx):
    if not np.ndim(y) or np.ndim(X) != 2 or np.shape(X)[0] != len(y):
        raise ValueError(f"need X of shape (n, p) and y of shape (n,) or (n, t) with the same n, got "
                         f"{np.shape(X)} and {np.shape(y)}")
    X = check_matrix(X, "X")
    y = check_matrix(np.reshape(y, (len(y), -1)), "y")
    fit_idx = np.arange(len(X)) if fit_idx is None else np.asarray(fit_idx, dtype=int)
    if fit_idx.ndim != 1 or fit_idx.size < 3 or fit_idx.min() < 0 or fit_idx.max() >= len(X):
        raise ValueError(f"fit_idx must hold at least 3 row indices in [0, {len(X)})")
    return X, y, fit_idx


def _scalers(X, y, fit_idx):
    """Whole-matrix scaling of X (centred, unit total variance) and column scaling of y."""
    from skmatter.preprocessing import StandardFlexibleScaler

    x_scaler = StandardFlexibleScaler(column_wise=False).fit(X[fit_idx])
    y_scaler = StandardScaler().fit(y[fit_idx])
    return x_scaler, y_scaler


def _fit(Xs, ys, mixing, n_components, alphas):
    from skmatter.decomposition import PCovR

    if not 0.0 <= mixing <= 1.0:
        raise ValueError(f"mixing must lie in [0, 1], got {mixing!r}")
    regressor = RidgeCV(alphas=alphas, fit_intercept=False)
    model = PCovR(mixing=mixing, n_components=n_components, regressor=regressor, svd_solver="full")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)
        warnings.simplefilter("ignore", UserWarning)  # skmatter notes on the chosen space
        model.fit(Xs, ys)
    return model


def _losses(model, Xs, ys):
    """(projection loss, regression loss): relative squared errors of X and y from the latent space."""
    T = model.transform(Xs)
    X_hat = T @ model.ptx_
    y_hat = (T @ model.pty_).reshape(ys.shape)
    return (
        float(np.sum((Xs - X_hat) ** 2) / np.sum(Xs**2)),
        float(np.sum((ys - y_hat) ** 2) / np.sum(ys**2)),
    )


def pcovr_map(X, y, mixing=0.5, n_components=2, fit_idx=None, alphas=None):
    """PCovR projection of features X against a property y (paper Sec. III C).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Features (paper: atomistic SOAP power spectrum, structure-averaged).
    y : array_like, shape (n_samples,) or (n_samples, n_targets)
        Property (paper: residual of the AniSOAP ridge model, meV/atom).
    mixing : float, optional
        PCovR's alpha in [0, 1]: 1 is PCA of X, 0 pure regression on y.
        Default 0.5, equal weights on the two (scaled) losses.
    n_components : int, optional
        Dimension of the map.
    fit_idx : array_like of int, optional
        Rows that fit the scalers and the projection (e.g. the training
        rows); all rows by default. Every row is projected.
    alphas : array_like, optional
        Ridge regularisations of the regression inside PCovR, chosen by
        efficient leave-one-out CV (``RidgeCV``); default ``10**[-8 .. 2]``.

    Returns
    -------
    dict
        ``projection`` (n_samples, n_components), ``y_pred`` (n_samples,) or
        (n_samples, n_targets): y predicted from the latent space, in y's
        units; ``loss_projection`` and ``loss_regression`` on the ``fit_idx``
        rows (relative squared errors of scaled X and y reconstructed from the
        latent space); ``alpha`` (the chosen ridge regularisation);
        ``mixing``; ``model`` (the fitted ``skmatter.decomposition.PCovR``).

    Raises
    ------
    ValueError
        For mismatched shapes, non-finite values, too few rows, or a mixing
        outside [0, 1].
    """
    X, y2, fit_idx = _prepare(X, y, fit_idx)
    if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)) or not (
        1 <= n_components <= min(len(fit_idx), X.shape[1])
    ):
        raise ValueError(
            f"n_components must be an integer in [1, {min(len(fit_idx), X.shape[1])}], got {n_components!r}"
        )
    alphas = np.logspace(-8, 2, 11) if alphas is None else np.asarray(alphas, dtype=float)
    x_scaler, y_scaler = _scalers(X, y2, fit_idx)
    Xs, ys = x_scaler.transform(X), y_scaler.transform(y2)
    model = _fit(Xs[fit_idx], ys[fit_idx], float(mixing), int(n_components), alphas)
    projection = model.transform(Xs)
    y_pred = y_scaler.inverse_transform((projection @ model.pty_).reshape(len(X), -1))
    loss_projection, loss_regression = _losses(model, Xs[fit_idx], ys[fit_idx])
    return {
        "projection": projection,
        "y_pred": y_pred.ravel() if np.ndim(y) == 1 else y_pred,
        "loss_projection": loss_projection,
        "loss_regression": loss_regression,
        "alpha": float(model.regressor_.alpha_),
        "mixing": float(mixing),
        "model": model,
    }


def pcovr_losses(X, y, mixings, n_components=2, fit_idx=None, alphas=None):
    """Projection and regression losses of PCovR over a range of mixings.

    Parameters
    ----------
    X, y, n_components, fit_idx, alphas
        As for :func:`pcovr_map`.
    mixings : sequence of float
        Values of alpha in [0, 1].

    Returns
    -------
    dict
        ``mixing``, ``loss_projection``, ``loss_regression``: lists, one
        value per mixing, on the ``fit_idx`` rows. The projection loss falls
        and the regression loss rises with the mixing.
    """
    result = {"mixing": [], "loss_projection": [], "loss_regression": []}
    for mixing in mixings:
        fitted = pcovr_map(X, y, mixing, n_components, fit_idx, alphas)
        result["mixing"].append(float(mixing))
        result["loss_projection"].append(fitted["loss_projection"])
        result["loss_regression"].append(fitted["loss_regression"])
    return result


def write_chemiscope(path, structures, projection, properties=None, name="PCovR map", description="",
                     color=None, authors=(), references=()):
    """Write a chemiscope input file: structures, their properties and a 2-d map.

    Parameters
    ----------
    path : str or os.PathLike
        Output file (``.json`` or ``.json.gz``), written atomically.
    structures : sequence of ase.Atoms
        One structure per map point (periodic crystals keep their cell).
    projection : array_like, shape (n_structures, k)
        Map coordinates; stored as the property ``"PCovR"`` (shown as
        ``PCovR[1]``, ``PCovR[2]``, ...), the map's axes.
    properties : dict, optional
        ``name -> values`` (n_structures,) or ``name -> {"values": ...,
        "units": ..., "description": ...}``; numbers or strings, one per
        structure.
    name, description : str, optional
        Dataset metadata shown by chemiscope.
    color : str, optional
        Property colouring the map (default: the first of ``properties``).
    authors, references : sequence of str, optional

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        If a property or the projection does not have one row per structure,
        or ``path`` ends in neither ``.json`` nor ``.json.gz``.
    """
    import chemiscope
    from ase import Atoms

    from ..chemiscope_io import write_input

    structures = [Atoms(atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
                  for atoms in structures]
    projection = np.asarray(projection, dtype=float)
    n = len(structures)
    if projection.ndim != 2 or projection.shape[0] != n or projection.shape[1] < 2:
        raise ValueError(f"projection must have shape ({n}, k >= 2), got {projection.shape}")
    entries = {"PCovR": {"target": "structure", "values": projection,
                         "description": "principal covariates regression map"}}
    for key, value in (properties or {}).items():
        entry = dict(value) if isinstance(value, dict) else {"values": value}
        values = np.asarray(entry["values"])
        if values.shape[:1] != (n,):
            raise ValueError(f"property {key!r} has {values.shape[:1]} values, expected {n}")
        entry["values"] = values.tolist() if values.dtype.kind in "US" else values.astype(float)
        entries[key] = {"target": "structure", **entry}
    color = color or next((key for key in entries if key != "PCovR"), None)
    settings = chemiscope.quick_settings(x="PCovR[1]", y="PCovR[2]", map_color=color, periodic=True)
    metadata = {"name": name, "description": description, "authors": list(authors),
                "references": list(references)}
    return write_input(path, structures=structures, properties=entries, metadata=metadata, settings=settings)
