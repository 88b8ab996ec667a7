"""Statistics over seeded splits (anisoap_pipeline.analysis.splits)."""

import numpy as np
import pytest

from anisoap_pipeline.analysis import regression
from anisoap_pipeline.analysis.splits import (
    count_better,
    grouped_split,
    over_splits,
    seeded_splits,
    split_seeds,
    summarise,
)


def _data(n=60, p=5, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    return X, X @ rng.normal(size=p) + 0.1 * rng.normal(size=n)


def test_split_zero_is_the_paper_split():
    """Split k uses seed + k, so split 0 is regression.split with the study's seed."""
    assert split_seeds(7, 3) == [7, 8, 9]
    splits = seeded_splits(50, 4, seed=7, test_fraction=0.2)
    for k, (train, test) in enumerate(splits):
        ref_train, ref_test = regression.split(50, 0.2, 7 + k)
        np.testing.assert_array_equal(train, ref_train)
        np.testing.assert_array_equal(test, ref_test)
    assert not np.array_equal(splits[0][1], splits[1][1])


def test_one_split_equals_the_single_fit():
    """over_splits with n_splits = 1 gives exactly fit_ridge on the paper split, sd 0."""
    X, y = _data()
    alphas = regression.alpha_grid(-4, 2, 7)

    def evaluate(train, test):
        return regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=3, seed=0)[1]["metrics_test"]

    per_split, stats = over_splits(evaluate, seeded_splits(len(y), 1, seed=0, test_fraction=0.2))
    train, test = regression.split(len(y), 0.2, 0)
    single = regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=3, seed=0)[1]["metrics_test"]
    assert per_split == [single]
    assert stats["r2"]["mean"] == single["r2"] and stats["r2"]["sd"] == 0.0 and stats["r2"]["n"] == 1


def test_summarise_against_numpy():
    """Mean and ddof=1 sd of numbers and, element-wise, of lists; non-numbers dropped."""
    results = [{"a": {"r2": 0.5, "rmse": [3.0, 2.0]}, "name": "x"},
               {"a": {"r2": 0.7, "rmse": [4.0, 1.0]}, "name": "y"},
               {"a": {"r2": 0.9, "rmse": [5.0, 3.0]}, "name": "z"}]
    stats = summarise(results)
    assert "name" not in stats
    assert stats["a"]["r2"]["mean"] == pytest.approx(0.7)
    assert stats["a"]["r2"]["sd"] == pytest.approx(np.std([0.5, 0.7, 0.9], ddof=1))
    assert stats["a"]["rmse"]["mean"] == pytest.approx([4.0, 2.0])
    assert stats["a"]["rmse"]["sd"] == pytest.approx([1.0, 1.0])
    with pytest.raises(ValueError, match="keys"):
        summarise([{"a": 1}, {"b": 1}])
    with pytest.raises(ValueError):
        summarise([])


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_groups_never_straddle(seed):
    """Every group lies wholly in train or in test; all rows used once; ~test_fraction of the groups."""
    groups = np.repeat(np.arange(40), 5)  # 40 crystals x (original + 4 copies)
    for train, test in seeded_splits(len(groups), 3, seed, test_fraction=0.1, groups=groups):
        assert not set(groups[train]) & set(groups[test])
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(len(groups)))
        assert len(set(groups[test])) == 4
    with pytest.raises(ValueError, match="group labels"):
        seeded_splits(10, 2, 0, groups=[0, 1])
    with pytest.raises(ValueError, match="2 groups"):
        grouped_split(np.zeros(10))


def test_count_better_and_bad_n_splits():
    assert count_better([1, 2, 3], [2, 2, 4]) == 2
    with pytest.raises(ValueError, match="n_splits"):
        split_seeds(0, 0)


def test_summarise_leaves_out_non_finite():
    """An empty subset's NaN RMSE in one split does not poison the others' mean; n counts finite values."""
    stats = summarise([{"rmse": 1.0}, {"rmse": float("nan")}, {"rmse": 3.0}])["rmse"]
    assert stats["mean"] == 2.0 and stats["n"] == 2 and np.isnan(stats["values"][1])
    assert np.isnan(summarise([{"rmse": float("nan")}])["rmse"]["mean"])


def test_benzene_statistics_start_at_the_paper_split():
    """gfre_over_splits and regressions_over_splits: split 0 equals the single-split functions."""
    from anisoap_pipeline.studies.benzene.analysis import compare_regressions, gfre_over_splits, gfre_point

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 4)), rng.normal(size=(40, 6))
    stats = gfre_over_splits(X, Y, seed=3, n_splits=3)["gfre"]
    assert stats["values"][0] == gfre_point(X, Y, 3)["gfre"] and stats["n"] == 3
    assert stats["values"][1] == gfre_point(X, Y, 4)["gfre"]

    from anisoap_pipeline.studies.benzene.analysis import regressions_over_splits

    y = X @ rng.normal(size=4) + 0.1 * rng.normal(size=40)
    protocol = {"alphas": regression.alpha_grid(-4, 2, 4), "cv_folds": 3, "seed": 0}
    splits = seeded_splits(40, 2, 0, 0.2)
    (_, metrics, curves), stats = regressions_over_splits(Y, X[:, :2], X, y, splits, train_sizes=[10, 20],
                                                          folds=3, **protocol)
    _, single, single_curves = compare_regressions(Y, X[:, :2], X, y, *splits[0], train_sizes=[10, 20], folds=3,
                                                   **protocol)
    assert metrics["anisoap"]["test"] == single["anisoap"]["test"]
    assert stats["anisoap"]["test"]["r2"]["values"][0] == single["anisoap"]["test"]["r2"]
    assert stats["anisoap"]["test_rmse_mean"]["values"][0] == single_curves["anisoap"]["test_rmse_mean"]
    assert curves == single_curves
