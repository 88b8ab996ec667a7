"""Figures of the Gay-Berne dimer study: force and torque fits (beyond the paper).

Drawn like :mod:`anisoap_pipeline.plots`: plain arrays in, one figure written atomically.
"""

from __future__ import annotations

import numpy as np

from ...plots import learning_curves_by_quantity, parity_grid

__all__ = [
    "force_fit_plots",
]


#: The two fits of :func:`force_fit_plots`: key -> legend.
_FITS = {"energy": "fit to energies", "energy_forces_torques": "fit to energies + forces + torques"}
#: Quantities of :func:`force_fit_plots`: key -> (name, unit).
_FORCE_QUANTITIES = {"energy": ("U", "ε"), "force": ("F", "ε/σ"), "torque": ("τ", "ε")}


def force_fit_plots(predictions, curve, directory):
    """Parity plots of U, F, τ and their learning curves for both fits of the
    Gay-Berne force study: ``force_parity.png`` and ``force_learning_curve.png``.

    Parameters
    ----------
    predictions : dict
        ``energy``, ``force``, ``torque`` (test references) and
        ``<fit>:<quantity>`` (predictions) for the fits of ``_FITS``.
    curve : dict
        :func:`~anisoap_pipeline.studies.gay_berne.potential.force_learning_curve`.
    directory : pathlib.Path
    """
    rows = []
    for fit, legend in _FITS.items():
        panels = {}
        for quantity, (_, unit) in _FORCE_QUANTITIES.items():
            y, p = np.ravel(predictions[quantity]), np.ravel(predictions[f"{fit}:{quantity}"])
            panels[quantity] = (y, p, f"RMSE {float(np.sqrt(np.mean((p - y) ** 2))):.3g} {unit}")
        rows.append((legend, panels))
    parity_grid(rows, _FORCE_QUANTITIES, directory / "force_parity.png",
                "Gay-Berne dimers: linear AniSOAP potentials, test set")
    learning_curves_by_quantity(
        [(legend, curve["train_sizes"], {q: curve[fit][f"{q}_rmse"] for q in _FORCE_QUANTITIES})
         for fit, legend in _FITS.items()],
        _FORCE_QUANTITIES, directory / "force_learning_curve.png",
        "Gay-Berne dimers: learning curves of the linear AniSOAP potentials", xlabel="number of training dimers")


# --------------------------------------------------------------------------
# Liquid crystals (paper Sec. III A): PCA maps (Figs. 1, S2), GFRE matrices (Figs. 2, S3)
