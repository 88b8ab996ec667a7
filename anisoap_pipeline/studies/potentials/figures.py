"""Figures of the learned-potentials study: MD with the learned potential beside exact Gay-Berne MD.

Drawn like :mod:`anisoap_pipeline.plots`: plain arrays in (the series of
:func:`~anisoap_pipeline.studies.potentials.analysis.run_series`), one figure written atomically.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...plots import axis_label, learning_curves_by_quantity, parity_grid, save_figure
from .summary import QUANTITIES

__all__ = ["learning_curves", "md_figure", "parity_plots"]

#: The two runs of a pair: key -> (legend, colour, line style).
_RUNS = {"exact": ("exact Gay-Berne", "C0", "-"), "learned": ("learned AniSOAP", "C3", "--")}


def md_figure(runs, path, title=None):
    """S(t), g(r) and the conserved energy of learned and exact MD, one row per run pair.

    Columns: the nematic order parameter S against time; the centre–centre g(r); the change of
    the conserved energy per particle, ``(E(t) - E(0)) / N``, against time (its drift is the
    NVE verdict; under NVT it includes the thermostat's energy). A failed run is drawn up to
    its failure, marked by a dotted line at the failure time, its step and reason under the row's
    first title.
    A panel without data for either run says so.

    Parameters
    ----------
    runs : sequence of dict
        One per row: ``label`` (the state point in words), ``ensemble`` (``"nve"``/``"nvt"``),
        ``learned`` and ``exact`` (dicts of
        :func:`~anisoap_pipeline.studies.potentials.analysis.run_series`).
    path : str or os.PathLike
        Output file (format from the suffix).
    title : str, optional
        Figure title (default: "Learned AniSOAP potential against exact Gay-Berne MD").

    Raises
    ------
    ValueError
        If ``runs`` is empty or a row lacks ``learned`` or ``exact``.
    """
    if not runs:
        raise ValueError("md_figure needs at least one run pair")
    for k, row in enumerate(runs):
        missing = [key for key in ("learned", "exact") if key not in row]
        if missing:
            raise ValueError(f"run pair {k} has no {' and '.join(missing)}")
    figure = Figure(figsize=(13.5, 3.4 * len(runs)), layout="constrained")
    axes = figure.subplots(len(runs), 3, squeeze=False)
    for (order_ax, rdf_ax, energy_ax), row in zip(axes, runs):
        heading = ", ".join(part for part in (row.get("label", ""), row.get("ensemble", "").upper()) if part)
        notes = []
        for key, (legend, color, style) in _RUNS.items():
            series = row[key]
            failure = series.get("failure")
            if failure:
                legend = f"{legend} (failed)"
                notes.append(f"{key} run failed at step {failure['step']}: {_short(failure['reason'])}")
            _line(order_ax, series.get("frame_time"), series.get("nematic_order"), legend, color, style, failure)
            _line(rdf_ax, series.get("r"), series.get("g"), legend, color, style, None)
            energy = np.asarray(series.get("conserved_energy_per_particle") or [], dtype=float)
            _line(energy_ax, series.get("time"), energy - energy[0] if energy.size else energy, legend, color,
                  style, failure)
        order_ax.set_xlabel(axis_label("time t", "τ"))
        order_ax.set_ylabel("nematic order parameter S")
        order_ax.set_title("\n".join([f"{heading}: orientational order", *notes]), fontsize=9)
        rdf_ax.set_xlabel(axis_label("centre–centre distance r", "σ₀"))
        rdf_ax.set_ylabel("g(r)")
        rdf_ax.set_title(f"{heading}: radial distribution", fontsize=9)
        rdf_ax.axhline(1.0, color="0.6", lw=0.6)
        energy_ax.set_xlabel(axis_label("time t", "τ"))
        energy_ax.set_ylabel(axis_label("(E(t) − E(0)) / N", "ε₀"))
        energy_ax.set_title(f"{heading}: energy conservation", fontsize=9)
        for ax in (order_ax, rdf_ax, energy_ax):
            if ax.lines:
                ax.legend(fontsize=7)
                ax.grid(True, alpha=0.3)
            else:
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="0.5")
    figure.suptitle(title or "Learned AniSOAP potential against exact Gay-Berne MD")
    save_figure(figure, path)


def _line(ax, x, y, legend, color, style, failure):
    x = np.asarray(x if x is not None else [], dtype=float)
    y = np.asarray(y if y is not None else [], dtype=float)
    if not x.size or x.shape != y.shape:
        return
    ax.plot(x, y, style, color=color, lw=1.2, label=legend)
    if failure and failure.get("time") is not None:
        ax.axvline(failure["time"], color=color, ls=":", lw=1.2)


def _short(reason, length=60):
    return reason if len(reason) <= length else reason[: length - 1] + "…"



def parity_plots(models, path):
    """Test-set parity of E/N, F and τ, one row per potential (split 0).

    Parameters
    ----------
    models : dict
        name -> dict with ``predictions`` (the ``predictions.npz`` arrays of split 0:
        ``test:energy``, ``test:forces``, ``test:torques`` and ``:predicted``) and
        ``test`` (metrics summary over splits).
    path : pathlib.Path
    """
    rows = []
    for name, model in models.items():
        p = model["predictions"]
        n_atoms = len(p["test:forces"]) // len(p["test:energy"])
        pairs = {"energy_per_particle": (p["test:energy"] / n_atoms, p["test:energy:predicted"] / n_atoms),
                 "forces": (p["test:forces"], p["test:forces:predicted"]),
                 "torques": (p["test:torques"], p["test:torques:predicted"])}
        rows.append((name, {q: (*pair, f"R² = {model['test'][q]['r2']['values'][0]:.4f}")
                            for q, pair in pairs.items()}))
    parity_grid(rows, QUANTITIES, path, "Learned potentials: test frames (split 0)")


def learning_curves(models, path):
    """Test RMSE of E/N, F and τ against the number of training frames, every potential (split 0)."""
    learning_curves_by_quantity(
        [(name, m["curve"]["train_sizes"], {q: m["curve"][f"{q}_rmse"] for q in QUANTITIES})
         for name, m in models.items() if m["curve"]["train_sizes"]],
        QUANTITIES, path, "Learned potentials: learning curves (split 0)", xlabel="training frames")
