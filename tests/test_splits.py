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
    """over_splits with n_splits = 1 gives exactly fit_ridge on the paper split; no sd (not 0)."""
    X, y = _data()
    alphas = regression.alpha_grid(-4, 2, 7)

    def evaluate(train, test):
        return regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=3, seed=0)[1]["metrics_test"]

    per_split, stats = over_splits(evaluate, seeded_splits(len(y), 1, seed=0, test_fraction=0.2))
    train, test = regression.split(len(y), 0.2, 0)
    single = regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=3, seed=0)[1]["metrics_test"]
    assert per_split == [single]
    assert stats["r2"]["mean"] == single["r2"] and np.isnan(stats["r2"]["sd"]) and stats["r2"]["n"] == 1


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


def test_a_single_value_has_no_spread_not_a_spread_of_zero():
    """'over 1 splits: R² = 0.995 ± 0' came from sd = 0 for one split."""
    stats = summarise([{"r2": 0.995, "curve": [3.0, 2.0]}])
    assert stats["r2"]["mean"] == 0.995 and stats["r2"]["n"] == 1 and np.isnan(stats["r2"]["sd"])
    assert stats["curve"]["mean"] == [3.0, 2.0] and stats["curve"]["n"] == 1
    assert all(np.isnan(sd) for sd in stats["curve"]["sd"])
    # one finite value among several splits: no spread either
    stats = summarise([{"rmse": 1.0}, {"rmse": float("nan")}])["rmse"]
    assert stats["n"] == 1 and np.isnan(stats["sd"])
    # two splits do have one
    assert summarise([{"r2": 0.9}, {"r2": 0.8}])["r2"]["sd"] == pytest.approx(np.std([0.9, 0.8], ddof=1))


def test_fewer_frames_than_folds_is_said_in_the_projects_words():
    """A 3-frame study failed with scikit-learn's "Cannot have number of splits n_splits=5 ..."."""
    X, y = _data(n=3)
    (train, test), = seeded_splits(3, 1, seed=0, test_fraction=0.1)
    with pytest.raises(ValueError) as error:
        regression.fit_ridge(X, y, train, test, cv_folds=5)
    message = str(error.value)
    assert message.startswith("2 frame(s) cannot be split into cv_folds = 5 folds for the cross-validation of the "
                              "ridge regularisation on the training frames (2 of 3 frames; the other 1 are the "
                              "test set): it needs at least 5 frames; use more frames or lower cv_folds"), message
    assert "Cannot have number of splits" not in message


@pytest.mark.parametrize("n, fraction", [(1, 0.1), (2, 0.9)])
def test_too_few_frames_for_a_split(n, fraction):
    with pytest.raises(ValueError, match=rf"^{n} frame\(s\) cannot be split into training and test frames with "
                                         rf"test_fraction = {fraction:g}"):
        seeded_splits(n, 2, seed=0, test_fraction=fraction)
