"""Learning curves of a potential: test errors of E, F and τ against the number of training frames."""

import numpy as np

from ...analysis.regression import regression_metrics

__all__ = ["errors", "learning_curve"]


def errors(potential, frames):
    """Reference and predicted energies, forces and torques of ``frames``, and their metrics.

    Parameters
    ----------
    potential : anisoap_pipeline.potentials.AniSOAPPotential
        Fitted.
    frames : sequence of ase.Atoms
        With ``info["energy"]``, ``arrays["forces"]``, ``arrays["torques"]``.

    Returns
    -------
    arrays : dict
        ``energy`` (n_frames,), ``forces``, ``torques`` (n_particles, 3) and the
        same with ``:predicted``.
    metrics : dict
        :func:`~anisoap_pipeline.analysis.regression.regression_metrics` of the
        energy per particle (``energy_per_particle``), and of every force and
        torque component (``forces``, ``torques``).
    """
    n_atoms = np.array([len(atoms) for atoms in frames])
    arrays = {"energy": np.array([atoms.info["energy"] for atoms in frames]),
              "forces": np.concatenate([atoms.arrays["forces"] for atoms in frames]),
              "torques": np.concatenate([atoms.arrays["torques"] for atoms in frames])}
    predicted = dict(zip(("energy", "forces", "torques"), potential.predict(frames)))
    arrays.update({f"{name}:predicted": value for name, value in predicted.items()})
    metrics = {"energy_per_particle": regression_metrics(arrays["energy"] / n_atoms, predicted["energy"] / n_atoms),
               **{name: regression_metrics(arrays[name].ravel(), predicted[name].ravel())
                  for name in ("forces", "torques")}}
    return arrays, metrics


def learning_curve(make_potential, train, test, sizes, seed=0):
    """Test metrics of potentials fitted to nested subsets of the training frames.

    Each point refits the whole protocol (scalers, sparse points, the
    cross-validated ridge penalty and row weights) on its own frames, the first
    ``n`` of one seeded permutation of ``train``, so the subsets are nested.

    Parameters
    ----------
    make_potential : callable
        ``make_potential() -> AniSOAPPotential`` (unfitted, the hyperparameters of the study's fit).
    train, test : sequence of ase.Atoms
        Labelled frames.
    sizes : sequence of int
        Training frames per point; sizes above ``len(train)`` are left out.
    seed : int
        Seed of the permutation.

    Returns
    -------
    dict
        ``train_sizes`` (list of int) and, per quantity (``energy_per_particle``,
        ``forces``, ``torques``), ``<quantity>_rmse`` and ``<quantity>_r2`` lists.
    """
    order = np.random.default_rng(seed).permutation(len(train))
    curve = {"train_sizes": []}
    for n in sizes:
        if n > len(train):
            continue
        potential = make_potential().fit([train[i] for i in order[:n]])
        _, metrics = errors(potential, test)
        curve["train_sizes"].append(int(n))
        for quantity, values in metrics.items():
            curve.setdefault(f"{quantity}_rmse", []).append(values["rmse"])
            curve.setdefault(f"{quantity}_r2", []).append(values["r2"])
    return curve
