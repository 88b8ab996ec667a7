"""Figures of the benzene study: GFRE contours (paper Figs. 5, S6), parity (Fig. 6), baselining (Fig. 7), PCovR map.

Drawn like :mod:`anisoap_pipeline.plots`: plain arrays in, one figure written atomically.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...plots import axis_label, save_figure

__all__ = [
    "gfre_contour_plot",
    "parity_error_plot",
    "baselining_plot",
    "pcovr_map_plot",
]


def gfre_contour_plot(diameter_12, diameter_3, radial_gaussian_width, gfre, path, title=None):
    """GFRE(X_AniSOAP → X_SOAP) over the ellipsoid shape, one panel per σ_GTO (Figs. 5, S6).

    Filled contours (where the grid spans an area) and scatter points coloured
    by the GFRE on one colour scale for every panel; the diagonal diameter_12 = diameter_3
    (spherical: SOAP on the molecule centres) dashed; each panel's minimum
    circled and the overall minimum starred.

    Parameters
    ----------
    diameter_12, diameter_3 : array_like, shape (n_points,)
        The shape of each grid point as the ``c_diameter`` values given to the
        featuriser (Å): ``c_diameter[1]`` = ``c_diameter[2]`` (ring plane) and
        ``c_diameter[3]`` (ring normal).
    radial_gaussian_width : array_like, shape (n_points,)
        ``radial_gaussian_width`` of the GTO basis (Å).
    gfre : array_like, shape (n_points,)
        GFRE of each grid point (0 = SOAP fully reconstructed).
    path : str or os.PathLike
    title : str, optional
    """
    from matplotlib.colors import Normalize

    diameter_12, diameter_3, radial_gaussian_width, gfre = (
        np.asarray(a, dtype=float) for a in (diameter_12, diameter_3, radial_gaussian_width, gfre))
    widths = np.unique(radial_gaussian_width)
    n = len(widths)
    columns = min(n, 3)
    rows = int(np.ceil(n / columns))
    figure = Figure(figsize=(3.9 * columns + 0.8, 3.6 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    norm = Normalize(vmin=float(gfre.min()), vmax=float(gfre.max()) if gfre.max() > gfre.min() else gfre.min() + 1e-9)
    best = int(np.argmin(gfre))
    x_pad = 0.08 * (float(np.ptp(diameter_12)) or 1.0)
    y_pad = 0.08 * (float(np.ptp(diameter_3)) or 1.0)
    x_limits = (float(diameter_12.min()) - x_pad, float(diameter_12.max()) + x_pad)
    y_limits = (float(diameter_3.min()) - y_pad, float(diameter_3.max()) + y_pad)
    low, high = min(x_limits[0], y_limits[0]), max(x_limits[1], y_limits[1])
    points = None
    for ax, width in zip(axes, widths):
        rows_ = radial_gaussian_width == width
        x, y, z = diameter_12[rows_], diameter_3[rows_], gfre[rows_]
        if len(np.unique(x)) > 1 and len(np.unique(y)) > 1 and len(x) >= 3:
            try:
                ax.tricontourf(x, y, z, levels=12, cmap="viridis", norm=norm, alpha=0.85)
            except (ValueError, RuntimeError):  # degenerate triangulation: points only
                pass
        points = ax.scatter(x, y, c=z, cmap="viridis", norm=norm, s=40, edgecolors="k", linewidths=0.5, zorder=3)
        ax.plot([low, high], [low, high], ls="--", color="0.4", lw=1, zorder=2, label="spherical")
        k = int(np.argmin(z))
        ax.scatter([x[k]], [y[k]], s=160, facecolors="none", edgecolors="red", linewidths=1.5, zorder=4,
                   label=f"minimum {z[k]:.3f}")
        if radial_gaussian_width[best] == width:
            ax.scatter([diameter_12[best]], [diameter_3[best]], marker="*", s=220, color="red", edgecolors="k",
                       zorder=5, label="overall minimum")
        ax.set_xlim(*x_limits)
        ax.set_ylim(*y_limits)
        ax.set_xlabel("diameter in the ring plane, c_diameter[1] = c_diameter[2] (Å)")
        ax.set_ylabel("diameter along the ring normal, c_diameter[3] (Å)")
        ax.set_title(f"σ_GTO = {width:g} Å")
        ax.text(0.97, 0.03, "oblate", transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="0.3")
        ax.text(0.03, 0.97, "prolate", transform=ax.transAxes, ha="left", va="top", fontsize=8, color="0.3")
        ax.legend(fontsize=7, loc="upper right")
    for ax in axes[n:]:
        ax.set_visible(False)
    if points is not None:
        figure.colorbar(points, ax=axes[:n].tolist(), label="GFRE(X_AniSOAP → X_SOAP)")
    if title:
        figure.suptitle(title)
    save_figure(figure, path)


def parity_error_plot(panels, path, title=None, bins=30):
    """Parity plots coloured by the error, above the error distributions (Fig. 6).

    Parameters
    ----------
    panels : sequence of dict
        One column each, with ``y_true``, ``y_pred`` (test rows) and
        optionally ``name``, ``unit``, ``title`` and ``metrics`` (``rmse``,
        ``r2``, ``n``; printed in the panel).
    path : str or os.PathLike
    title : str, optional
    bins : int, optional
        Histogram bins, shared by every column.
    """
    from matplotlib.colors import Normalize

    n = len(panels)
    figure = Figure(figsize=(4.0 * n + 0.8, 6.0), layout="constrained")
    axes = figure.subplots(2, n, squeeze=False, height_ratios=[3, 1.3])
    errors = [np.asarray(p["y_pred"], float) - np.asarray(p["y_true"], float) for p in panels]
    every = np.concatenate(errors) if errors else np.zeros(1)
    norm = Normalize(vmin=0.0, vmax=float(np.abs(every).max()) or 1.0)
    edges = np.histogram_bin_edges(every, bins=bins)
    values = np.concatenate([np.r_[p["y_true"], p["y_pred"]] for p in panels]).astype(float)
    low, high = float(values.min()), float(values.max())
    pad = 0.04 * (high - low or 1.0)
    points = None
    for column, (panel, error) in enumerate(zip(panels, errors)):
        ax, hist = axes[0, column], axes[1, column]
        unit = panel.get("unit", "")
        name = panel.get("name", "y")
        ax.plot([low - pad, high + pad], [low - pad, high + pad], color="0.3", lw=1, zorder=1)
        points = ax.scatter(panel["y_true"], panel["y_pred"], c=np.abs(error), cmap="viridis", norm=norm,
                            s=10, edgecolors="none", zorder=2)
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(low - pad, high + pad)
        ax.set_aspect("equal")
        ax.set_xlabel(axis_label(f"reference {name}", unit))
        ax.set_ylabel(axis_label(f"predicted {name}", unit))
        ax.set_title(panel.get("title", ""))
        metrics = panel.get("metrics")
        if metrics:
            text = f"RMSE = {metrics['rmse']:.3g}{' ' + unit if unit else ''}\n$R^2$ = {metrics['r2']:.3f}"
            if "n" in metrics:
                text += f"\n{metrics['n']} test points"
            ax.text(0.04, 0.96, text, transform=ax.transAxes, va="top", ha="left", fontsize=9,
                    bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
        hist.hist(error, bins=edges, color="C0", alpha=0.8)
        hist.axvline(0.0, color="0.3", lw=1)
        hist.set_xlabel(axis_label("error (predicted − reference)", unit))
        hist.set_ylabel("count")
    if points is not None:
        figure.colorbar(points, ax=axes[0].tolist(), label=axis_label("|error|", panels[0].get("unit", "")))
    if title:
        figure.suptitle(title)
    save_figure(figure, path)


def baselining_plot(y_true, y_before, y_after, path, name="y", unit="", metrics_before=None,
                    metrics_after=None, title=None, bins=30):
    """Parity before and after an atomistic correction, errors in the inset (Fig. 7).

    Parameters
    ----------
    y_true : array_like, shape (n,)
        Reference values of the test rows.
    y_before : array_like, shape (n,)
        Predictions of the baseline model alone (e.g. ridge on AniSOAP).
    y_after : array_like, shape (n,)
        Baseline plus correction (e.g. ridge on SOAP of the residual).
    path : str or os.PathLike
    name, unit : str, optional
        Quantity and unit for the axes.
    metrics_before, metrics_after : dict, optional
        ``rmse`` and ``r2`` of each, printed in the legend.
    title : str, optional
    bins : int, optional
        Histogram bins of the inset.
    """
    y_true, y_before, y_after = (np.asarray(a, dtype=float) for a in (y_true, y_before, y_after))
    figure = Figure(figsize=(5.4, 5.2), layout="constrained")
    ax = figure.subplots()
    values = np.r_[y_true, y_before, y_after]
    low, high = float(values.min()), float(values.max())
    pad = 0.04 * (high - low or 1.0)
    ax.plot([low - pad, high + pad], [low - pad, high + pad], color="0.3", lw=1, zorder=1)

    def legend(label, metrics):
        if not metrics:
            return label
        return f"{label}: RMSE {metrics['rmse']:.3g}{' ' + unit if unit else ''}, $R^2$ {metrics['r2']:.3f}"

    ax.scatter(y_true, y_before, s=10, color="0.6", edgecolors="none", label=legend("baseline", metrics_before))
    ax.scatter(y_true, y_after, s=10, color="C3", edgecolors="none",
               label=legend("baseline + correction", metrics_after))
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(low - pad, high + pad)
    ax.set_aspect("equal")
    ax.set_xlabel(axis_label(f"reference {name}", unit))
    ax.set_ylabel(axis_label(f"predicted {name}", unit))
    ax.legend(fontsize=8, loc="upper left")
    inset = ax.inset_axes([0.58, 0.08, 0.38, 0.3])
    errors = np.r_[y_before - y_true, y_after - y_true]
    edges = np.histogram_bin_edges(errors, bins=bins)
    inset.hist(y_before - y_true, bins=edges, color="0.6", alpha=0.8)
    inset.hist(y_after - y_true, bins=edges, color="C3", alpha=0.6)
    inset.set_xlabel(axis_label("error", unit), fontsize=7)
    inset.tick_params(labelsize=6)
    inset.set_yticks([])
    if title:
        ax.set_title(title)
    save_figure(figure, path)


def pcovr_map_plot(projection, color, path, color_label="", mixing=None, test=None, title=None):
    """Two-dimensional PCovR map coloured by a property (paper Sec. III C, SI map).

    Parameters
    ----------
    projection : array_like, shape (n, k >= 2)
        Map coordinates; the first two are drawn.
    color : array_like, shape (n,)
        Property colouring the points (e.g. the AniSOAP residual, meV/atom),
        on a diverging scale centred at 0.
    path : str or os.PathLike
    color_label : str, optional
    mixing : float, optional
        PCovR mixing, printed on the figure.
    test : array_like of bool, shape (n,), optional
        Rows drawn as triangles (e.g. test crystals); the others are circles.
    title : str, optional
    """
    from matplotlib.colors import TwoSlopeNorm

    projection = np.asarray(projection, dtype=float)
    color = np.asarray(color, dtype=float)
    bound = float(np.abs(color).max()) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound)
    test = np.zeros(len(color), bool) if test is None else np.asarray(test, dtype=bool)
    figure = Figure(figsize=(5.6, 4.6), layout="constrained")
    ax = figure.subplots()
    points = None
    for rows, marker, label in ((~test, "o", "train"), (test, "^", "test")):
        if rows.any():
            points = ax.scatter(projection[rows, 0], projection[rows, 1], c=color[rows], cmap="coolwarm",
                                norm=norm, s=14, marker=marker, edgecolors="0.3", linewidths=0.2, label=label)
    if points is not None:
        figure.colorbar(points, ax=ax, label=color_label)
    ax.set_xlabel("PCovR component 1")
    ax.set_ylabel("PCovR component 2")
    if test.any():
        ax.legend(fontsize=8)
    text = title or "PCovR map"
    if mixing is not None:
        text += f" (mixing α = {mixing:g})"
    ax.set_title(text)
    save_figure(figure, path)


# --------------------------------------------------------------------------
# Cost–accuracy sweeps (beyond the paper): Pareto fronts, learning curves of the front
