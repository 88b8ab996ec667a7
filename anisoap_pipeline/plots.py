"""Figures every study draws (parity plots, learning curves), drawn with matplotlib's Agg canvas and saved atomically.

Each function takes plain arrays (no job objects), draws one figure and writes
it to ``path`` (format from the suffix: ``.png``, ``.pdf``, ``.svg``). Figures
are built on :class:`matplotlib.figure.Figure` directly, so no display and no
global pyplot state is involved.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .io import atomic_path

__all__ = ["axis_label", "learning_curve_plot", "learning_curves_by_quantity", "parity_grid", "parity_plot",
           "save_figure"]


def save_figure(figure, path, dpi=150):
    """Write a figure atomically (temporary file, then rename)."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight")


def axis_label(name, unit):
    return f"{name} ({unit})" if unit else name


def parity_plot(panels, path, title=None):
    """Predicted against reference values, one panel per target (paper Fig. 3).

    Parameters
    ----------
    panels : sequence of dict
        One per panel, with keys ``y_true`` and ``y_pred`` (arrays), and
        optionally ``name`` (axis quantity, e.g. ``"h12 (PW)"``), ``unit``,
        ``metrics`` (dict with ``rmse`` and ``r2``, printed in the panel) and
        ``color_by`` (array, e.g. the sign of the energy) with ``color_label``.
    path : str or os.PathLike
        Output file.
    title : str, optional
        Figure title.
    """
    n = len(panels)
    figure = Figure(figsize=(4.2 * n, 4.2), layout="constrained")
    axes = figure.subplots(1, n, squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        y_true = np.asarray(panel["y_true"], dtype=float)
        y_pred = np.asarray(panel["y_pred"], dtype=float)
        name, unit = panel.get("name", "y"), panel.get("unit", "")
        low = float(min(y_true.min(), y_pred.min()))
        high = float(max(y_true.max(), y_pred.max()))
        pad = 0.04 * (high - low or 1.0)
        ax.plot([low - pad, high + pad], [low - pad, high + pad], color="0.3", lw=1, zorder=1)
        color = panel.get("color_by")
        points = ax.scatter(
            y_true, y_pred, s=8, alpha=0.7, c=color if color is not None else "C0",
            cmap="coolwarm" if color is not None else None, zorder=2, edgecolors="none",
        )
        if color is not None:
            figure.colorbar(points, ax=ax, label=panel.get("color_label", ""))
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(low - pad, high + pad)
        ax.set_aspect("equal")
        ax.set_xlabel(axis_label(f"reference {name}", unit))
        ax.set_ylabel(axis_label(f"predicted {name}", unit))
        metrics = panel.get("metrics")
        if metrics:
            text = f"RMSE = {metrics['rmse']:.3g}{' ' + unit if unit else ''}\n$R^2$ = {metrics['r2']:.4f}"
            if "n" in metrics:
                text += f"\n{metrics['n']} test points"
            ax.text(0.04, 0.96, text, transform=ax.transAxes, va="top", ha="left", fontsize=9,
                    bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
        ax.set_title(panel.get("title", name))
    if title:
        figure.suptitle(title)
    save_figure(figure, path)


def learning_curve_plot(curves, path, title=None):
    """Test RMSE against training size: fold mean and min–max band (paper Fig. S4).

    Parameters
    ----------
    curves : sequence of dict
        One panel each, with keys ``train_sizes``, ``mean``, ``min``, ``max``
        (arrays over sizes) and optionally ``name``, ``unit``, ``folds``.
    path : str or os.PathLike
        Output file.
    title : str, optional
        Figure title.
    """
    n = len(curves)
    figure = Figure(figsize=(4.2 * n, 3.6), layout="constrained")
    axes = figure.subplots(1, n, squeeze=False)[0]
    for ax, curve in zip(axes, curves):
        sizes = np.asarray(curve["train_sizes"], dtype=float)
        label = "mean over folds" if "folds" not in curve else f"mean over {curve['folds']} folds"
        ax.fill_between(sizes, curve["min"], curve["max"], alpha=0.3, color="C0", lw=0,
                        label="min–max over folds")
        ax.plot(sizes, curve["mean"], "o-", color="C0", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of training points")
        ax.set_ylabel(axis_label("test RMSE", curve.get("unit", "")))
        ax.set_title(curve.get("name", ""))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    save_figure(figure, path)


def parity_grid(rows, quantities, path, title):
    """Predicted against reference values, one row per model and one column per quantity
    (e.g. the energy, force and torque of a potential).

    Parameters
    ----------
    rows : sequence of (str, dict)
        Per row its label and, per quantity key, ``(reference, predicted, note)``: two arrays
        and the text after the quantity's name in the panel's title (e.g. its RMSE).
    quantities : dict
        Quantity key -> (name, unit), the columns in order.
    path : str or os.PathLike
    title : str
    """
    figure = Figure(figsize=(12, 3.9 * len(rows)), layout="constrained")
    axes = figure.subplots(len(rows), len(quantities), squeeze=False)
    for row_axes, (label, panels) in zip(axes, rows):
        for ax, (quantity, (name, unit)) in zip(row_axes, quantities.items()):
            reference, predicted, note = panels[quantity]
            reference, predicted = np.ravel(reference), np.ravel(predicted)
            low = float(min(reference.min(), predicted.min()))
            high = float(max(reference.max(), predicted.max()))
            ax.plot([low, high], [low, high], color="0.3", lw=1)
            ax.scatter(reference, predicted, s=4, alpha=0.5, edgecolors="none")
            ax.set_xlabel(axis_label(f"reference {name}", unit))
            ax.set_ylabel(axis_label(f"predicted {name}", unit))
            ax.set_title(f"{label}: {name}, {note}", fontsize=9)
    figure.suptitle(title)
    save_figure(figure, path)


def learning_curves_by_quantity(curves, quantities, path, title, xlabel="number of training points"):
    """Test RMSE against training size, one panel per quantity, one line per model.

    Parameters
    ----------
    curves : sequence of (str, sequence, dict)
        Per model its label, its training sizes and, per quantity key, the test RMSE at each size.
    quantities : dict
        Quantity key -> (name, unit), the panels in order.
    path : str or os.PathLike
    title : str
    xlabel : str, optional
    """
    figure = Figure(figsize=(12, 3.8), layout="constrained")
    axes = figure.subplots(1, len(quantities), squeeze=False)[0]
    for ax, (quantity, (name, unit)) in zip(axes, quantities.items()):
        for label, sizes, rmse in curves:
            ax.plot(sizes, rmse[quantity], "o-", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(axis_label(f"test RMSE of {name}", unit))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle(title)
    save_figure(figure, path)
