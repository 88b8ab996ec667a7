"""GFRE wrapper: limits that must hold whatever the data."""

import numpy as np
import pytest

from anisoap_pipeline.analysis.gfre import gfre, gfre_matrix, split_indices


def test_limits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6))
    train, test = split_indices(400, seed=1)
    linear = X @ rng.normal(size=(6, 3))
    assert gfre(X, linear, train, test) < 1e-3  # a linear image is fully reconstructed
    noise = rng.normal(size=(400, 3))
    assert gfre(X, noise, train, test) > 0.95  # independent noise is not
    # a scaled copy of the target gives the same error: scaling is as a whole
    assert gfre(X, 1e3 * noise, train, test) == pytest.approx(gfre(X, noise, train, test), rel=1e-9)


def test_asymmetry_and_matrix():
    rng = np.random.default_rng(2)
    rich = rng.normal(size=(300, 8))
    poor = rich[:, :2].copy()
    names, matrix = gfre_matrix({"rich": rich, "poor": poor}, seed=0)
    assert names == ["rich", "poor"]
    assert matrix[0, 1] < 1e-3 and matrix[1, 0] > 0.5
    assert np.all(np.diag(matrix) < 1e-3)


def test_bad_input():
    with pytest.raises(ValueError, match="samples"):
        gfre(np.ones((5, 2)), np.ones((4, 2)), [0, 1], [2, 3])
    X = np.ones((5, 2))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        gfre(X, np.ones((5, 2)), [0, 1], [2, 3])


def test_constant_on_training_samples():
    # three copies a representation does not tell apart in the training set:
    # a clear error instead of skmatter's scaler message
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    X[[0, 1, 2]] = X[0]
    Y = rng.normal(size=(6, 2))
    with pytest.raises(ValueError, match=r"X \(the source, 3 features\) is the same on all 3 training"):
        gfre(X, Y, [0, 1, 2], [3, 4, 5])
    with pytest.raises(ValueError, match=r"Y \(the target, 3 features\).*use more samples"):
        gfre(Y, X, [0, 1, 2], [3, 4, 5])
    assert 0 <= gfre(X, Y, [0, 3, 4], [1, 2, 5])   # not constant on these training samples
