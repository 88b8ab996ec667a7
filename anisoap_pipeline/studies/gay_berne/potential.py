"""Linear potentials fitted to energies and, optionally, their gradients (forces, torques).

The standard linear fit of a potential to gradients (e.g. Bartók et al., Phys.
Rev. B 87, 184115 (2013), Sec. II; the "energy + force" rows of linear ACE and
SNAP): with features X of a frame (here the frame-mean AniSOAP power spectrum)
and weights w,

    U ≈ X w + b,    F_k ≈ -(∂X/∂r_k) w,    τ_k ≈ -(∂X/∂θ_k) w,

every energy, every force and every torque component is one row of one linear
least-squares problem; rows of each kind are weighted, the intercept b (energy
rows only) is not regularised. A fit to energies only is the same problem
without gradient rows, so both fits share the scaling, the intercept and the
ridge penalty. The least-squares problem itself is the one every learned
potential solves (:func:`anisoap_pipeline.potentials.model.weighted_ridge`);
:class:`anisoap_pipeline.potentials.model.AniSOAPPotential` is the general
per-centre model (kernels, cross-validated weights, files).
"""

import numpy as np

from ...analysis.regression import regression_metrics
from ...potentials.model import weighted_ridge

__all__ = ["LinearPotential", "fit_linear_potential", "force_learning_curve"]


class LinearPotential:
    """U = X w + b and its gradients, in the units of the fitted data.

    Attributes
    ----------
    weights : ndarray (n_features,)
    intercept : float
    """

    def __init__(self, weights, intercept):
        self.weights = weights
        self.intercept = float(intercept)

    def energy(self, features):
        """U of each frame, shape (n_frames,), from features (n_frames, n_features)."""
        return np.asarray(features) @ self.weights + self.intercept

    def negative_gradient(self, gradient):
        """-(∂X/∂q) w: forces from position gradients, torques from orientation
        gradients; ``gradient`` (n_particles, 3, n_features) -> (n_particles, 3)."""
        return -np.asarray(gradient) @ self.weights


def fit_linear_potential(features, energies, gradients=(), *, alpha=1e-8, energy_weight=1.0):
    """Fit U ≈ X w + b to energies and (optionally) forces and torques.

    Minimises  energy_weight Σ_frames (X w + b - U)²
             + Σ_kinds weight Σ_rows (-(∂X/∂q) w - y)²  +  alpha |s ⊙ w|²,
    s the per-column standard deviation of the features over the fitted frames
    (the penalty of ridge regression on standardised features; columns that do
    not vary are left unpenalised scale 1).

    Parameters
    ----------
    features : array (n_frames, n_features)
        X of each frame (use the same convention, sum or mean over centres,
        for the features and their gradients).
    energies : array (n_frames,)
    gradients : sequence of (gradient, target, weight)
        ``gradient`` (n_rows, 3, n_features): ∂X/∂q of the particles whose
        ``target`` (n_rows, 3) = -∂U/∂q is known (forces for positions,
        torques for orientations); ``weight`` >= 0 of those rows (units of
        energy² / target²: e.g. the squared ratio of an energy to a force scale).
    alpha : float
        Ridge penalty (>= 0).
    energy_weight : float
        Weight (> 0) of the energy rows.

    Returns
    -------
    LinearPotential

    Raises
    ------
    ValueError
        Mismatched shapes, negative weights or alpha, or no energy row.
    """
    X = np.asarray(features, dtype=float)
    U = np.asarray(energies, dtype=float)
    if X.ndim != 2 or U.shape != (len(X),) or len(X) == 0:
        raise ValueError(f"features (n_frames, n_features) and energies (n_frames,) expected, got "
                         f"{X.shape} and {U.shape}")
    if alpha < 0 or energy_weight <= 0:
        raise ValueError(f"alpha must be >= 0 and energy_weight > 0, got {alpha} and {energy_weight}")
    n_features = X.shape[1]
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    blocks = [(np.hstack([X / scale, np.ones((len(X), 1))]), U, energy_weight)]
    for gradient, target, weight in gradients:
        gradient = np.asarray(gradient, dtype=float)
        target = np.asarray(target, dtype=float)
        if gradient.shape != (len(target), 3, n_features) or target.shape != (len(target), 3):
            raise ValueError(f"gradient (n_rows, 3, {n_features}) and target (n_rows, 3) expected, got "
                             f"{gradient.shape} and {target.shape}")
        block = -gradient.reshape(-1, n_features) / scale
        blocks.append((np.hstack([block, np.zeros((len(block), 1))]), target.ravel(), weight))
    penalty = np.hstack([np.eye(n_features), np.zeros((n_features, 1))])
    solution = weighted_ridge(blocks, alpha=alpha, penalty=penalty)
    return LinearPotential(solution[:-1] / scale, solution[-1])


def _rows(frame_of_row, frames):
    return np.flatnonzero(np.isin(frame_of_row, frames))


def force_learning_curve(data, train, test, train_sizes, *, alpha, force_weight, torque_weight, seed=0):
    """Energy, force and torque test errors of the energy-only and the
    energy + force + torque fits against the number of training frames.

    Parameters
    ----------
    data : dict
        ``features`` (n_frames, n_features), ``energies`` (n_frames,),
        ``positions_gradient`` / ``orientations_gradient`` (n_particles, 3,
        n_features), ``forces`` / ``torques`` (n_particles, 3), ``system``
        (n_particles,) the frame of each particle.
    train, test : array of int
        Frame indices (e.g. :func:`.regression.split`).
    train_sizes : sequence of int
        Numbers of training frames; each subset is the first n of one seeded
        permutation of ``train`` (nested subsets).
    alpha, force_weight, torque_weight : float
        As :func:`fit_linear_potential` (the energy rows have weight 1).
    seed : int

    Returns
    -------
    dict
        ``train_sizes`` and, per fit (``"energy"``, ``"energy_forces_torques"``),
        lists ``energy_rmse``, ``force_rmse``, ``torque_rmse`` (test set).
    """
    order = np.random.default_rng(seed).permutation(np.asarray(train))
    result = {"train_sizes": [int(n) for n in train_sizes]}
    test_rows = _rows(data["system"], test)
    for name, weights in (("energy", (0.0, 0.0)), ("energy_forces_torques", (force_weight, torque_weight))):
        errors = {"energy_rmse": [], "force_rmse": [], "torque_rmse": []}
        for n in train_sizes:
            frames = np.sort(order[:n])
            model = fit_with(data, frames, alpha, *weights)
            errors["energy_rmse"].append(regression_metrics(data["energies"][test], model.energy(data["features"][test]))["rmse"])
            for kind, key, gradient in (("force", "forces", "positions_gradient"), ("torque", "torques", "orientations_gradient")):
                predicted = model.negative_gradient(data[gradient][test_rows])
                errors[f"{kind}_rmse"].append(regression_metrics(data[key][test_rows], predicted)["rmse"])
        result[name] = errors
    return result


def fit_with(data, frames, alpha, force_weight, torque_weight):
    """:func:`fit_linear_potential` on the frames ``frames`` of ``data`` (as
    :func:`force_learning_curve`)."""
    rows = _rows(data["system"], frames)
    return fit_linear_potential(
        data["features"][frames], data["energies"][frames],
        [(data["positions_gradient"][rows], data["forces"][rows], force_weight),
         (data["orientations_gradient"][rows], data["torques"][rows], torque_weight)],
        alpha=alpha,
    )
