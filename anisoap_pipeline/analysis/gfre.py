"""Global feature reconstruction error (GFRE) between two representations.

GFRE(X → Y) measures how much of Y a linear map from X cannot reproduce
(Goscinski, Fraux, Imbalzano & Ceriotti, Mach. Learn.: Sci. Technol. 2, 025028
(2021)); the AniSOAP paper uses it in Figs. 2, 5, S3 and S6. Both matrices are
centred and scaled as a whole (skmatter ``StandardFlexibleScaler(column_wise=False)``),
so the error is a fraction of Y's total variance: 0 = fully reconstructed,
1 = nothing reconstructed.
"""

import numpy as np
from skmatter.metrics import global_reconstruction_error
from skmatter.preprocessing import StandardFlexibleScaler
from sklearn.model_selection import train_test_split

__all__ = ["gfre", "gfre_matrix", "split_indices"]


def split_indices(n_samples, seed, train_fraction=0.5):
    """Seeded random train/test split of sample indices.

    Returns
    -------
    train_idx, test_idx : ndarray of int
    """
    return train_test_split(np.arange(n_samples), train_size=train_fraction, random_state=seed)


def gfre(X, Y, train_idx, test_idx):
    """GFRE(X → Y) on a given split.

    Parameters
    ----------
    X : ndarray (n_samples, n_features_x)
        Source representation.
    Y : ndarray (n_samples, n_features_y)
        Target representation.
    train_idx, test_idx : ndarray of int
        Samples fitting the map (skmatter's default ``Ridge2FoldCV``) and
        measuring the error; each side's scaler is fitted on the training
        samples only.

    Returns
    -------
    float
        Reconstruction error of Y from X on the test samples, after both were
        centred and scaled as a whole on the training samples.

    Raises
    ------
    ValueError
        If X and Y have different numbers of samples or contain non-finite
        values, or if either is constant over the training samples (a matrix
        of zero variance cannot be scaled, and a GFRE on samples a
        representation does not tell apart means nothing: too few samples).
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if Y.ndim == 1:
        Y = Y[:, None]
    if len(X) != len(Y):
        raise ValueError(f"X has {len(X)} samples but Y has {len(Y)}")
    for name, matrix in (("X", X), ("Y", Y)):
        if not np.all(np.isfinite(matrix)):
            raise ValueError(f"{name} contains non-finite values")
        train = matrix[np.asarray(train_idx)]
        if not np.any(train != train[:1]):
            role = "source" if name == "X" else "target"
            raise ValueError(
                f"GFRE: {name} (the {role}, {matrix.shape[1]} features) is the same on all {len(train)} "
                "training samples, so it has zero variance and cannot be scaled; the data set is too "
                "small for this representation (e.g. copies it does not tell apart): use more samples"
            )
    # indices by keyword: skmatter takes test before train (TRAPS)
    return float(
        global_reconstruction_error(
            X, Y, train_idx=train_idx, test_idx=test_idx, scaler=StandardFlexibleScaler(column_wise=False)
        )
    )


def gfre_matrix(representations, seed, train_fraction=0.5):
    """GFRE between every ordered pair of representations, on one seeded split.

    Parameters
    ----------
    representations : dict[str, ndarray]
        Name → (n_samples, n_features) matrix; all with the same samples.
    seed : int
        Seed of the train/test split (record it with the result).
    train_fraction : float

    Returns
    -------
    names : list of str
    matrix : ndarray (n, n)
        ``matrix[i, j]`` = GFRE(names[i] → names[j]); the diagonal is ~0.
    """
    names = list(representations)
    n_samples = len(next(iter(representations.values())))
    train_idx, test_idx = split_indices(n_samples, seed, train_fraction)
    matrix = np.array(
        [[gfre(representations[a], representations[b], train_idx, test_idx) for b in names] for a in names]
    )
    return names, matrix
