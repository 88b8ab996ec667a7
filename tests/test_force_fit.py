"""Linear fits of a potential to energies, forces and torques: closed-form cases."""

import numpy as np
import pytest

from anisoap_pipeline.studies.gay_berne.potential import fit_linear_potential, fit_with, force_learning_curve


def synthetic(n_frames=40, n_features=6, seed=1):
    """Data from a known linear potential: U = X w + b, F = -dX/dr w, τ = -dX/dθ w."""
    rng = np.random.default_rng(seed)
    w, b = rng.normal(size=n_features), 0.7
    X = rng.normal(size=(n_frames, n_features))
    system = np.repeat(np.arange(n_frames), 2)
    dr = rng.normal(size=(2 * n_frames, 3, n_features))
    dtheta = rng.normal(size=(2 * n_frames, 3, n_features))
    data = dict(features=X, energies=X @ w + b, positions_gradient=dr, orientations_gradient=dtheta,
                forces=-dr @ w, torques=-dtheta @ w, system=system)
    return data, w, b


def test_energies_and_gradients_recover_the_model():
    data, w, b = synthetic()
    model = fit_with(data, np.arange(40), 1e-12, 1.0, 1.0)
    assert np.allclose(model.weights, w, atol=1e-9) and np.isclose(model.intercept, b, atol=1e-9)
    assert np.allclose(model.negative_gradient(data["positions_gradient"]), data["forces"], atol=1e-9)


def test_gradients_alone_determine_the_weights_from_one_frame():
    """Fewer frames than features: energies alone are underdetermined, gradient rows are not."""
    data, w, _ = synthetic()
    frames = np.array([3])
    energy_only = fit_with(data, frames, 1e-12, 0.0, 0.0)
    with_forces = fit_with(data, frames, 1e-12, 1.0, 1.0)
    assert not np.allclose(energy_only.weights, w, atol=1e-3)
    assert np.allclose(with_forces.weights, w, atol=1e-8)
    curve = force_learning_curve(data, np.arange(20), np.arange(20, 40), [1, 20], alpha=1e-12,
                                 force_weight=1.0, torque_weight=1.0)
    assert curve["energy_forces_torques"]["energy_rmse"][0] < 1e-8 < curve["energy"]["energy_rmse"][0]
    assert curve["energy"]["energy_rmse"][1] < 1e-8


def test_errors():
    with pytest.raises(ValueError, match="n_frames"):
        fit_linear_potential(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="gradient"):
        fit_linear_potential(np.ones((3, 2)), np.ones(3), [(np.ones((2, 3, 3)), np.ones((2, 3)), 1.0)])


def test_force_fit_step_needs_a_featurisation_with_gradients(tmp_path, monkeypatch):
    """The step reads the gradients of its ``features`` job; a job without them fails naming it."""
    from anisoap_pipeline import tracking
    from anisoap_pipeline.cli import main

    monkeypatch.chdir(tmp_path)
    features = {"study": "gay_berne", "step": "featurize", "dataset": "0" * 32, "kind": "power_spectrum",
                "max_angular": 2, "max_radial": 2, "radial_gaussian_width": 3.0, "cutoff": 7.0,
                "gradients": ["positions"]}
    fit = {"study": "gay_berne", "step": "force_fit", "features": tracking.state_point_id(features),
           "test_fraction": 0.1, "seed": 0, "alpha": 1e-6, "force_weight": 0.01, "torque_weight": 0.01,
           "train_sizes": [5]}
    tracking.init_jobs([features, fit])
    with pytest.raises(SystemExit, match="has no orientations gradients"):
        main(["force_fit", tracking.state_point_id(fit)])
