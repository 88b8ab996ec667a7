"""Figures of the cost–accuracy sweeps: Pareto fronts and the learning curves of the cost front.

Drawn like :mod:`anisoap_pipeline.plots`: plain arrays in, one figure written atomically.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from ...plots import axis_label, save_figure

__all__ = [
    "sweep_point_label",
    "pareto_plot",
    "front_learning_curves_plot",
]


#: Marker of each correlation order ν (1 radial spectrum, 2 power spectrum, 3 bispectrum).
SWEEP_MARKERS = {1: "o", 2: "s", 3: "^"}


def sweep_point_label(point):
    """A grid point in words: ``ν=2 l_max=4 n_max=2 σ=3 r_c=7`` (keys as in a sweep's front.json)."""
    parts = [f"ν={point['correlation_order']}"]
    if point["correlation_order"] > 1:
        parts.append(f"l_max={point['max_angular']}")
    parts += [f"n_max={point['max_radial']}", f"σ={point['radial_gaussian_width']:g}", f"r_c={point['cutoff']:g}"]
    if point.get("diameters") is not None:
        parts.append("d=(" + ",".join(f"{d:g}" for d in point["diameters"]) + ")")
    return " ".join(parts)


def _front_line(ax, x, y, on_front):
    """The Pareto front as a staircase through its points (sorted by x)."""
    x, y, on_front = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(on_front, dtype=bool)
    order = np.argsort(x[on_front], kind="stable")
    ax.step(x[on_front][order], y[on_front][order], where="post", color="0.2", lw=1.2, zorder=1,
            label="Pareto front")


def _log_axes(ax):
    for axis, scale in ((ax.xaxis, ax.set_xscale), (ax.yaxis, ax.set_yscale)):
        scale("log")  # ticks at 1, 2, 5 x 10^k, written plainly
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FormatStrFormatter("%g"))
        axis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="both", alpha=0.3)


def pareto_plot(panels, path, title=None):
    """Test error against featurisation cost and against feature count, one row per target.

    Parameters
    ----------
    panels : sequence of dict
        One per target, with ``cost`` (deterministic cost, kflop per centre),
        ``n_features``, ``error`` (test RMSE), ``correlation_order`` (ν of each
        point), ``on_cost_front`` and ``on_feature_front`` (bool arrays), and
        optionally ``name``, ``unit`` and ``measured`` (CPU µs per centre:
        drawn against ``cost`` in a third panel of the first row, a check of
        the cost axis that decides nothing).
    path : str or os.PathLike
    title : str, optional
    """
    measured = panels[0].get("measured") if panels else None
    figure = Figure(figsize=(9.0 if measured is None else 13.0, 3.6 * len(panels)), layout="constrained")
    axes = figure.subplots(len(panels), 2 if measured is None else 3, squeeze=False)
    for row, panel in zip(axes, panels):
        orders = np.asarray(panel["correlation_order"])
        for ax, key, front, xlabel in ((row[0], "cost", "on_cost_front", "featurisation cost (kflop per centre, counted)"),
                                       (row[1], "n_features", "on_feature_front", "number of features")):
            x, y = np.asarray(panel[key], dtype=float), np.asarray(panel["error"], dtype=float)
            _front_line(ax, x, y, panel[front])
            for nu in sorted(set(orders.tolist())):
                chosen = orders == nu
                on = chosen & np.asarray(panel[front], dtype=bool)
                ax.scatter(x[chosen], y[chosen], marker=SWEEP_MARKERS.get(int(nu), "x"), s=36, zorder=2,
                           color=f"C{int(nu) - 1}", alpha=0.75, label=f"ν = {nu}")
                ax.scatter(x[on], y[on], marker=SWEEP_MARKERS.get(int(nu), "x"), s=80, zorder=3,
                           facecolors="none", edgecolors="k", linewidths=1.0)
            _log_axes(ax)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(axis_label(f"test RMSE, {panel.get('name', 'y')}", panel.get("unit", "")))
            ax.legend(fontsize=8)
    if measured is not None:
        ax = axes[0, 2]
        orders, cost = np.asarray(panels[0]["correlation_order"]), np.asarray(panels[0]["cost"], dtype=float)
        for nu in sorted(set(orders.tolist())):
            chosen = orders == nu
            ax.scatter(cost[chosen], np.asarray(measured, dtype=float)[chosen], s=36, alpha=0.75,
                       marker=SWEEP_MARKERS.get(int(nu), "x"), color=f"C{int(nu) - 1}", label=f"ν = {nu}")
        _log_axes(ax)
        ax.set_xlabel("featurisation cost (kflop per centre, counted)")
        ax.set_ylabel("measured CPU µs per centre (this run)")
        ax.set_title("check of the cost axis (decides nothing)", fontsize=9)
        ax.legend(fontsize=8)
        for ax in axes[1:, 2]:
            ax.set_visible(False)
    if title:
        figure.suptitle(title)
    save_figure(figure, path)


def front_learning_curves_plot(panels, path, title=None):
    """Learning curves of several grid points per target (mean and min–max band over folds).

    Parameters
    ----------
    panels : sequence of dict
        One per target, with ``name`` and ``curves``: dicts with ``label``,
        ``train_sizes``, ``mean``, ``min``, ``max``.
    path : str or os.PathLike
    title : str, optional
    """
    figure = Figure(figsize=(5.0 * len(panels), 4.0), layout="constrained")
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        for k, curve in enumerate(panel["curves"]):
            sizes = np.asarray(curve["train_sizes"], dtype=float)
            ax.fill_between(sizes, curve["min"], curve["max"], alpha=0.15, color=f"C{k}", lw=0)
            ax.plot(sizes, curve["mean"], "o-", color=f"C{k}", ms=4, label=curve["label"])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of training points")
        ax.set_ylabel(axis_label(f"test RMSE, {panel.get('name', 'y')}", panel.get("unit", "")))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        figure.suptitle(title)
    save_figure(figure, path)
