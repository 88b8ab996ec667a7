"""Input checks of the analyses: scikit-learn's ``check_array``/``check_X_y`` with the argument named.

Every analysis validates its matrices here, so a bad input fails with one kind
of message: the argument's name, its shape and what is wrong.
"""

import numpy as np
from sklearn.utils import check_array, check_X_y

__all__ = ["check_matrix", "check_rows", "check_xy"]


def _reason(error):
    text = str(error)
    return "non-finite values (NaN or infinity)" if ("NaN" in text or "infinity" in text) else text


def check_matrix(X, name="X", n_rows=None):
    """A finite float64 matrix (n_samples, n_features); a 1-d array is one column.

    Parameters
    ----------
    X : array_like
    name : str, optional
        The argument's name, for the message.
    n_rows : int, optional
        Required number of rows (the same n as the target).

    Raises
    ------
    ValueError
        Naming ``name`` and its shape: not a matrix, empty, non-finite, or not ``n_rows`` rows.
    """
    if np.ndim(X) == 1:
        X = np.asarray(X)[:, None]
    try:
        X = check_array(X, dtype=np.float64)
    except ValueError as error:
        raise ValueError(f"{name} must be a finite (n_samples, n_features) matrix, got shape "
                         f"{np.shape(X)}: {_reason(error)}") from None
    if n_rows is not None and X.shape[0] != n_rows:
        raise ValueError(f"{name} must have shape (n, p) with n = {n_rows} rows (the same n as y), got {X.shape}")
    return X


def check_xy(X, y):
    """Features (n, p) and a target (n,) as finite float arrays (``check_X_y``).

    Raises
    ------
    ValueError
        Naming both shapes and what is wrong.
    """
    try:
        return check_X_y(X, y, dtype=np.float64, y_numeric=True)
    except ValueError as error:
        raise ValueError(f"features of shape {np.shape(X)} and target of shape {np.shape(y)}: "
                         f"{_reason(error)}") from None


def check_rows(rows, n, name):
    """A non-empty 1-d array of row indices in [0, n).

    Raises
    ------
    ValueError
        Naming ``name``.
    """
    rows = np.asarray(rows, dtype=int)
    if rows.ndim != 1 or rows.size == 0 or rows.min() < 0 or rows.max() >= n:
        raise ValueError(f"{name} must be a non-empty 1-d array of row indices in [0, {n}), got {rows!r}")
    return rows
