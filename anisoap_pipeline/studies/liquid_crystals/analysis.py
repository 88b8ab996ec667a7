"""AniSOAP against classical order parameters on liquid-crystal frames.

The analysis of the AniSOAP paper's Sec. III A (Lin et al., J. Chem. Phys.
161, 074112 (2024)): for one set of frames, four structure-averaged
representations, one row per frame,

``nu1``  X_AniSOAP^(ν=1), the radial spectrum (2-body);
``nu2``  X_AniSOAP^(ν=2), the power spectrum (3-body, paper Eq. 17);
``sop``  X_SOP, distance-weighted Steinhardt q_0 … q_6 (Eqs. 18–19);
``oop``  X_OOP, the nematic order parameter S (one column);

are compared by

* PCA maps (Fig. 1 for L/D = 3; Fig. S2 for L/D = 2 and 3 together) of the
  power spectrum and of X_SOP, scored by how well they separate the phases
  (and shapes) and how monotonically S runs along them
  (:mod:`anisoap_pipeline.analysis.pca`);
* the GFRE matrix (Fig. 2; Fig. S3 for the mixed set): GFRE(X_i → X_j) for
  every ordered pair, each matrix scaled as a whole, one seeded 50/50 split
  (:func:`anisoap_pipeline.analysis.gfre.gfre_matrix`).
"""

import numpy as np

from ...analysis.gfre import gfre_matrix, split_indices
from ...analysis.splits import split_seeds, summarise
from ...analysis.pca import order_correlation, pca_map, separation_scores

__all__ = ["REPRESENTATIONS", "compare_representations"]

#: Representation keys, in the order of the paper's Fig. 2 axes, with labels.
REPRESENTATIONS = {
    "nu1": r"$X^{(\nu=1)}_\mathrm{AniSOAP}$",
    "nu2": r"$X^{(\nu=2)}_\mathrm{AniSOAP}$",
    "sop": r"$X_\mathrm{SOP}$",
    "oop": r"$X_\mathrm{OOP}$",
}

#: Representations drawn as PCA maps: AniSOAP (ν = 2, the paper's X_AniSOAP) and X_SOP.
MAPPED = ("nu2", "sop")


def compare_representations(representations, phase, order, aspect_ratio=None, *, seed=0,
                            train_fraction=0.5, n_splits=1):
    """PCA maps, their scores and the GFRE matrix of one set of frames.

    Parameters
    ----------
    representations : dict[str, array_like]
        Keys from :data:`REPRESENTATIONS` (at least ``"nu2"``, ``"sop"`` and
        ``"oop"``; ``"nu1"`` optional), each of shape (n_frames, n_features)
        (``"oop"`` may be (n_frames,)), rows in the same frame order.
    phase : array_like of str, shape (n_frames,)
        ``"nematic"`` or ``"smectic"`` per frame.
    order : array_like of float, shape (n_frames,)
        Nematic order parameter S of each frame (measured), for the map scores.
    aspect_ratio : array_like of float, shape (n_frames,), optional
        L/D per frame; with more than one value the shape separation of the
        maps is scored too (Fig. S2).
    seed : int, optional
        Seed of the GFRE train/test split and of the classifier folds.
    train_fraction : float, optional
        Fraction of frames fitting the GFRE maps (paper/skmatter: 0.5).
    n_splits : int, optional
        Seeded GFRE splits (seed + k; :mod:`.splits`) of ``gfre_mean`` and ``gfre_sd``.

    Returns
    -------
    dict
        ``names`` (list of keys, Fig. 2 order), ``gfre`` ((n, n) array,
        ``gfre[i, j]`` = GFRE(names[i] → names[j])), ``train_idx`` and
        ``test_idx`` (the split), ``seed``, ``train_fraction``, ``gfre_mean``
        and ``gfre_sd`` ((n, n), over ``n_splits`` seeded splits); per mapped
        representation r in (``"nu2"``, ``"sop"``): ``pca_<r>`` ((n_frames, 2)
        scores), ``explained_<r>`` ((2,) variance ratios),
        ``phase_separation_<r>`` (:func:`~anisoap_pipeline.analysis.pca.separation_scores`
        by phase), ``order_correlation_<r>``
        (:func:`~anisoap_pipeline.analysis.pca.order_correlation` of S by
        phase) and, with several aspect ratios, ``shape_separation_<r>``.

    Raises
    ------
    ValueError
        Unknown or missing representation keys, row counts that disagree,
        non-finite values, a single phase.
    """
    unknown = set(representations) - set(REPRESENTATIONS)
    if unknown:
        raise ValueError(f"unknown representations {sorted(unknown)}; expected keys of {list(REPRESENTATIONS)}")
    missing = {"nu2", "sop", "oop"} - set(representations)
    if missing:
        raise ValueError(f"missing representations {sorted(missing)} (need nu2, sop and oop)")
    matrices = {}
    for key in REPRESENTATIONS:
        if key in representations:
            X = np.asarray(representations[key], dtype=np.float64)
            matrices[key] = X[:, None] if X.ndim == 1 else X
    phase = np.asarray(phase).astype(str)
    order = np.asarray(order, dtype=float)
    n_frames = len(phase)
    counts = {key: len(X) for key, X in matrices.items()}
    if any(count != n_frames for count in counts.values()) or len(order) != n_frames:
        raise ValueError(
            f"row counts disagree: {counts}, {n_frames} phases, {len(order)} order parameters"
        )
    names, matrix = gfre_matrix(matrices, seed=seed, train_fraction=train_fraction)
    # the same matrix on every seeded split (split 0 is the one above): mean ± sd
    gfre_splits = summarise([{"gfre": matrix.ravel().tolist()}] + [
        {"gfre": gfre_matrix(matrices, seed=s, train_fraction=train_fraction)[1].ravel().tolist()}
        for s in split_seeds(seed, n_splits)[1:]])["gfre"]
    train_idx, test_idx = split_indices(n_frames, seed, train_fraction)
    result = {
        "names": names, "gfre": matrix, "train_idx": train_idx, "test_idx": test_idx,
        "seed": int(seed), "train_fraction": float(train_fraction),
        "gfre_mean": np.reshape(gfre_splits["mean"], matrix.shape),
        "gfre_sd": np.reshape(gfre_splits["sd"], matrix.shape), "n_splits": int(n_splits),
    }
    shapes = None if aspect_ratio is None else np.round(np.asarray(aspect_ratio, dtype=float), 6)
    for key in MAPPED:
        coordinates, explained = pca_map(matrices[key], n_components=2)
        result[f"pca_{key}"] = coordinates
        result[f"explained_{key}"] = explained
        result[f"phase_separation_{key}"] = separation_scores(coordinates, phase, seed=seed)
        result[f"order_correlation_{key}"] = order_correlation(coordinates, order, groups=phase)
        if shapes is not None and len(np.unique(shapes)) > 1:
            result[f"shape_separation_{key}"] = separation_scores(coordinates, shapes.astype(str), seed=seed)
    return result
