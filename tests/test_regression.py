"""Ridge regression protocol: recovery, training-only scaling, learning curves, plots."""

import numpy as np
import pytest

from anisoap_pipeline import plots
from anisoap_pipeline.analysis import regression


def linear_data(n=300, p=8, noise=1e-3, seed=0):
    rng = np.random.default_rng(seed)
    # features on very different scales and offsets: standardisation matters
    X = rng.normal(size=(n, p)) * np.logspace(-2, 2, p) + rng.normal(size=p) * 10
    w = rng.normal(size=p) / np.logspace(-2, 2, p)
    y = X @ w + 3.0 + noise * rng.normal(size=n)
    return X, y, w


def fitted_scalers(model):
    """(feature scaler, target scaler) of the refitted best estimator."""
    best = model.best_estimator_
    return best.regressor_.named_steps["scale"], best.transformer_


def test_split_is_seeded_disjoint_and_sized():
    train, test = regression.split(200, 0.1, seed=5)
    assert len(test) == 20 and len(train) == 180
    assert not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(200))
    again = regression.split(200, 0.1, seed=5)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])
    assert not np.array_equal(test, regression.split(200, 0.1, seed=6)[1])
    with pytest.raises(ValueError, match="test_fraction"):
        regression.split(10, 1.5)


def test_metrics():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert regression.regression_metrics(y, y) == {"rmse": 0.0, "mae": 0.0, "r2": 1.0, "n": 4}
    m = regression.regression_metrics(y, y + 1.0)
    assert m["rmse"] == pytest.approx(1.0) and m["r2"] == pytest.approx(1 - 4 / 5)
    assert np.isnan(regression.regression_metrics(np.ones(3), np.ones(3))["r2"])


def test_ridge_recovers_a_linear_model():
    X, y, w = linear_data()
    model, result = regression.fit_ridge(X, y, *regression.split(len(y), 0.1, seed=0), seed=0,
                                         alphas=regression.alpha_grid(-8, 2, 11), cv_folds=5)
    assert result["metrics_test"]["r2"] > 0.99999
    assert result["metrics_test"]["rmse"] < 5e-3
    assert result["alpha"] <= 1e-3  # noise-free data wants little regularisation
    assert len(result["test"]) == 30 and len(result["y_test_pred"]) == 30
    assert result["cv_rmse"].shape == (11,)
    # the model is the linear map: predictions on new points follow w
    rng = np.random.default_rng(1)
    X_new = X[:5] + rng.normal(size=X[:5].shape)
    assert np.allclose(model.predict(X_new) - model.predict(X[:5]), (X_new - X[:5]) @ w, atol=1e-2)


def test_scaling_uses_training_rows_only():
    X, y, _ = linear_data(noise=0.1)
    model, result = regression.fit_ridge(X, y, *regression.split(len(y), 0.1, seed=2), seed=2)
    test = result["test"]
    X2, y2 = X.copy(), y.copy()
    X2[test] = 1e6 * np.random.default_rng(3).normal(size=X2[test].shape)  # wild test rows
    y2[test] = -1e6 * (1.0 + np.arange(len(test)))  # wild, but not constant: that would be refused
    model2, result2 = regression.fit_ridge(X2, y2, *regression.split(len(y), 0.1, seed=2), seed=2)
    assert np.array_equal(result2["test"], test)
    for a, b in zip(fitted_scalers(model), fitted_scalers(model2)):
        assert np.array_equal(a.mean_, b.mean_) and np.array_equal(a.scale_, b.scale_)
    assert result["alpha"] == result2["alpha"]
    assert np.allclose(result["y_train_pred"], result2["y_train_pred"])
    # and the feature scaler holds exactly the training statistics
    scaler = fitted_scalers(model)[0]
    assert np.allclose(scaler.mean_, X[result["train"]].mean(axis=0))


@pytest.mark.parametrize("redundant", [False, True])
def test_ridge_grid_cv_equals_sklearn_grid_search(redundant):
    """One SVD per fold for every alpha = GridSearchCV refitting a scaled Ridge(solver="svd") per alpha
    (whose scalers are refitted inside every fold: equal validation scores show ours are too)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _ = linear_data(n=120, p=12, noise=0.3, seed=3)
    if redundant:  # duplicated columns, as the power spectrum's (n, n') and (n', n), and a constant one
        X = np.hstack([X, X[:, :4], np.full((len(X), 1), 2.5)])
    alphas = regression.alpha_grid(-4, 3, 8)
    ours = regression.ridge_model(alphas, cv_folds=5, seed=7).fit(X, y)
    reference = GridSearchCV(
        TransformedTargetRegressor(regressor=Pipeline([("scale", StandardScaler()), ("ridge", Ridge(solver="svd"))]),
                                   transformer=StandardScaler()),
        {regression.ALPHA_PARAMETER: list(alphas)}, cv=KFold(5, shuffle=True, random_state=7),
        scoring="neg_root_mean_squared_error").fit(X, y)
    assert ours.best_params_ == reference.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"],
                               rtol=1e-10)
    np.testing.assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-10, atol=1e-10)


def test_learning_curve_shapes_and_bounds():
    X, y, _ = linear_data(n=120, noise=0.5)
    curve = regression.ridge_learning_curve(X, y, [10, 30, 60, 96, 500, 2], folds=5, seed=0,
                                            alphas=regression.alpha_grid(-4, 2, 4), cv_folds=3)
    assert curve["train_sizes"] == [10, 30, 60, 96]  # 96 = 120 - 120/5
    assert curve["dropped_sizes"] == [2, 500]
    assert np.shape(curve["test_rmse"]) == (4, 5) and np.shape(curve["train_rmse"]) == (4, 5)
    mean, low, high = (np.array(curve[k]) for k in ("test_rmse_mean", "test_rmse_min", "test_rmse_max"))
    assert np.all(low <= mean) and np.all(mean <= high)
    assert mean[-1] < mean[0]  # more data, smaller error
    again = regression.ridge_learning_curve(X, y, [10, 30, 60, 96], folds=5, seed=0,
                                            alphas=regression.alpha_grid(-4, 2, 4), cv_folds=3)
    assert again["test_rmse"] == curve["test_rmse"]  # seeded
    with pytest.raises(ValueError, match="no usable training size"):
        regression.ridge_learning_curve(X, y, [1000], folds=5)


def test_bad_input_is_refused():
    X, y, _ = linear_data(n=50)
    with pytest.raises(ValueError, match="shape"):
        regression.fit_ridge(X, y[:-1], *regression.split(len(y) - 1))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        regression.fit_ridge(X, y, *regression.split(len(y)))
    with pytest.raises(ValueError, match="empty alpha grid"):
        regression.alpha_grid(2, -2)


def test_plots_write_files(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.normal(size=40)
    metrics = regression.regression_metrics(y, y + 0.1)
    plots.parity_plot([{"y_true": y, "y_pred": y + 0.1, "name": "U", "unit": "ε", "metrics": metrics},
                       {"y_true": y, "y_pred": y, "color_by": y}], tmp_path / "parity.png", title="t")
    plots.learning_curve_plot([{"train_sizes": [10, 20], "mean": [2.0, 1.0], "min": [1.5, 0.8],
                                "max": [2.5, 1.2], "folds": 5, "name": "U"}], tmp_path / "lc.png")
    for name in ("parity.png", "lc.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lc.png", "parity.png"]  # no temporaries


# ------------------------------------------------------- degenerate data refused
def test_constant_target_is_refused_not_scored_with_nan():
    """A constant target gave test R² NaN (and RMSE 0) with no word."""
    X, _, _ = linear_data(n=50)
    train, test = regression.split(50, 0.1, seed=0)
    with pytest.raises(ValueError, match=r"^the target is constant over the 45 training frames \(every value 1\.5\): "
                                         r"there is nothing to fit and R² is undefined"):
        regression.fit_ridge(X, np.full(50, 1.5), train, test, cv_folds=3)
    # varying where the model is trained, constant where it is scored
    _, y, _ = linear_data(n=50)
    y[test] = 2.0
    with pytest.raises(ValueError, match=r"^the target is constant over the 5 test frames \(every value 2\)"):
        regression.fit_ridge(X, y, train, test, cv_folds=3)
    # round-off around a constant is a constant
    with pytest.raises(ValueError, match="the target is constant"):
        regression.fit_ridge(X, 1e3 + 1e-14 * np.arange(50), train, test, cv_folds=3)


def test_a_single_test_frame_is_refused():
    X, y, _ = linear_data(n=10)
    train, test = regression.split(10, 0.1, seed=0)
    with pytest.raises(ValueError, match=r"^1 test frame\(s\) of 10: R² needs at least 2 .* larger test_fraction"):
        regression.fit_ridge(X, y, train, test, cv_folds=3)


def test_fewer_frames_than_folds():
    X, y, _ = linear_data(n=4)
    with pytest.raises(ValueError, match=r"^4 frame\(s\) cannot be split into cv_folds = 5 folds for the cross-validation "
                                         r"of the ridge regularisation: it needs at least 5 frames"):
        regression.ridge_model(cv_folds=5).fit(X, y)
    with pytest.raises(ValueError, match=r"^4 frame\(s\) cannot be split into folds = 5 folds for the learning curve"):
        regression.ridge_learning_curve(X, y, [2, 3], folds=5, cv_folds=2)
    with pytest.raises(ValueError, match=r"^cv_folds must be an integer >= 2"):
        regression.ridge_model(cv_folds=1).fit(X, y)


def test_learning_curve_of_a_constant_target_is_refused():
    X, _, _ = linear_data(n=60)
    with pytest.raises(ValueError, match=r"^the target is constant over the 60 frames of the learning curve"):
        regression.ridge_learning_curve(X, np.zeros(60), [10, 20], folds=3, cv_folds=3)
