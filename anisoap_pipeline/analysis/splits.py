"""Statistics over seeded train/test splits: every headline metric as mean ± standard deviation.

The AniSOAP paper reports each model on one random train/test split. With a
few dozen test samples one split is one draw: a verdict such as "baselining
helps" can flip with the seed. The studies therefore repeat the whole
protocol (scalers, cross-validated regularisation, fit, test) on
``n_splits`` seeded splits and report the mean and sample standard deviation
of every metric, next to split 0, which *is* the paper's single split
(same seed, same rows).

Split ``k`` of a study with seed ``s`` uses seed ``s + k``
(:func:`split_seeds`): split 0 is the paper-protocol split, and the splits
depend on nothing but the seed, the number of samples and the groups.

A *grouped* split keeps every sample of a group on one side (scikit-learn's
``GroupShuffleSplit``): for augmented benzene crystals the group is the
original crystal, so no rotated or translated copy of a test crystal is
trained on.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from .regression import split

__all__ = ["count_better", "grouped_split", "over_splits", "seeded_splits", "split_seeds", "summarise"]


def split_seeds(seed, n_splits):
    """Seeds of the splits: ``seed + k`` for ``k = 0 ... n_splits - 1`` (split 0 = the paper's split).

    Raises
    ------
    ValueError
        If ``n_splits`` is not a positive integer.
    """
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ValueError(f"n_splits must be a positive integer, got {n_splits!r}")
    return [int(seed) + k for k in range(int(n_splits))]


def grouped_split(groups, test_fraction=0.1, seed=0):
    """Seeded train/test split that keeps every group on one side.

    Parameters
    ----------
    groups : array_like of int, shape (n_samples,)
        Group label of each sample (e.g. the original crystal of an augmented copy).
    test_fraction : float, optional
        Fraction of the *groups* in the test set.
    seed : int, optional

    Returns
    -------
    train, test : numpy.ndarray of int
        Sorted row indices; no group has rows on both sides.

    Raises
    ------
    ValueError
        If ``test_fraction`` is outside (0, 1) or there are fewer than 2 groups.
    """
    groups = np.asarray(groups).ravel()
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    if len(np.unique(groups)) < 2:
        raise ValueError(f"a grouped split needs at least 2 groups, got {len(np.unique(groups))}")
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
    train, test = next(splitter.split(np.zeros(len(groups)), groups=groups))
    return np.sort(train), np.sort(test)


def seeded_splits(n_samples, n_splits, seed, test_fraction=0.1, groups=None):
    """The ``n_splits`` train/test splits of a study.

    Split ``k`` is :func:`anisoap_pipeline.analysis.regression.split` (random
    rows) or :func:`grouped_split` (whole groups) with seed ``seed + k``, so
    split 0 is the single split of the paper protocol.

    Parameters
    ----------
    n_samples : int
    n_splits : int
    seed : int
    test_fraction : float, optional
    groups : array_like of int, shape (n_samples,), optional
        Group of each sample; None = random rows.

    Returns
    -------
    list of (train, test)
        Sorted row-index arrays.
    """
    seeds = split_seeds(seed, n_splits)
    if groups is None:
        return [split(n_samples, test_fraction, s) for s in seeds]
    groups = np.asarray(groups).ravel()
    if len(groups) != n_samples:
        raise ValueError(f"{len(groups)} group labels for {n_samples} samples")
    return [grouped_split(groups, test_fraction, s) for s in seeds]


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def summarise(results):
    """Mean, sample standard deviation and values of every number in a list of like results.

    Parameters
    ----------
    results : list of dict
        One result per split, all with the same structure: nested dicts whose
        leaves are numbers or equally long lists of numbers (e.g. the mean
        RMSE per training size of a learning curve). Other leaves
        (strings, arrays) are left out.

    Returns
    -------
    dict
        The same nesting; each number becomes ``{"mean", "sd", "values", "n"}``
        (``sd`` with ``ddof = 1``), each list of numbers
        ``{"mean": [...], "sd": [...], "values": [[...] per split], "n"}``.
        Non-finite values (e.g. the RMSE of an empty subset of a test set)
        stay in ``values`` but are left out of ``mean`` and ``sd``; ``n``
        counts the finite ones (``mean`` is NaN if none is). ``sd`` is NaN
        when ``n < 2``: one split has no spread, which is not a spread of 0,
        and whatever prints a statistic must say so rather than "± 0".

    Raises
    ------
    ValueError
        For an empty list, or results whose keys differ.
    """
    if not results:
        raise ValueError("no result to summarise")
    first = results[0]
    if isinstance(first, dict):
        keys = list(first)
        for result in results[1:]:
            if not isinstance(result, dict) or list(result) != keys:
                raise ValueError(f"results differ in their keys: {keys} vs {list(result)}")
        out = {}
        for key in keys:
            value = summarise([result[key] for result in results])
            if value is not None:
                out[key] = value
        return out
    if _is_number(first):
        values = np.array([float(v) for v in results])
        finite = values[np.isfinite(values)]
        return {"mean": float(finite.mean()) if len(finite) else float("nan"),
                "sd": float(finite.std(ddof=1)) if len(finite) > 1 else float("nan"),
                "values": values.tolist(), "n": len(finite)}
    if isinstance(first, (list, tuple)) and first and all(_is_number(v) for v in first):
        values = np.array([[float(v) for v in result] for result in results])
        return {"mean": values.mean(axis=0).tolist(),
                "sd": (values.std(axis=0, ddof=1) if len(values) > 1 else np.full(values.shape[1], np.nan)).tolist(),
                "values": values.tolist(), "n": len(values)}
    return None


def over_splits(evaluate, splits):
    """Evaluate a protocol on every split; the per-split results and their :func:`summarise`.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(train, test) -> dict`` of metrics (numbers, lists of numbers).
    splits : list of (train, test)
        From :func:`seeded_splits`.

    Returns
    -------
    per_split : list of dict
    statistics : dict
        :func:`summarise` of ``per_split``.
    """
    per_split = [evaluate(np.asarray(train), np.asarray(test)) for train, test in splits]
    return per_split, summarise(per_split)


def count_better(lower, higher):
    """How many paired values have ``lower[k] < higher[k]`` (e.g. splits where a model's RMSE is lower).

    Returns
    -------
    int
    """
    lower, higher = np.asarray(lower, dtype=float), np.asarray(higher, dtype=float)
    if lower.shape != higher.shape:
        raise ValueError(f"paired values of different shapes {lower.shape} and {higher.shape}")
    return int(np.sum(lower < higher))

