"""Figures of the Gay-Berne dimer study: force and torque fits (beyond the paper).

Drawn like :mod:`anisoap_pipeline.plots`: plain arrays in, one figure written atomically.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...plots import axis_label, save_figure

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
    figure = Figure(figsize=(12, 4 * len(_FITS)), layout="constrained")
    axes = figure.subplots(len(_FITS), 3, squeeze=False)
    for row_axes, (fit, legend) in zip(axes, _FITS.items()):
        for ax, (quantity, (name, unit)) in zip(row_axes, _FORCE_QUANTITIES.items()):
            y = np.ravel(predictions[quantity])
            p = np.ravel(predictions[f"{fit}:{quantity}"])
            rmse = float(np.sqrt(np.mean((p - y) ** 2)))
            ax.scatter(y, p, s=4, alpha=0.5)
            low, high = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
            ax.plot([low, high], [low, high], "k--", lw=0.8)
            ax.set_xlabel(axis_label(f"reference {name}", unit))
            ax.set_ylabel(axis_label(f"predicted {name}", unit))
            ax.set_title(f"{legend}\nRMSE {rmse:.3g} {unit}", fontsize=9)
    figure.suptitle("Gay-Berne dimers: linear AniSOAP potentials, test set")
    save_figure(figure, directory / "force_parity.png")
    figure = Figure(figsize=(12, 3.8), layout="constrained")
    for ax, (quantity, (name, unit)) in zip(figure.subplots(1, 3), _FORCE_QUANTITIES.items()):
        for k, (fit, legend) in enumerate(_FITS.items()):
            ax.plot(curve["train_sizes"], curve[fit][f"{quantity}_rmse"], "o-", color=f"C{k}", label=legend)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of training dimers")
        ax.set_ylabel(axis_label(f"test RMSE of {name}", unit))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle("Gay-Berne dimers: learning curves of the linear AniSOAP potentials")
    save_figure(figure, directory / "force_learning_curve.png")


# --------------------------------------------------------------------------
# Liquid crystals (paper Sec. III A): PCA maps (Figs. 1, S2), GFRE matrices (Figs. 2, S3)
