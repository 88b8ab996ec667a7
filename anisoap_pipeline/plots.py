"""Figures of the studies, drawn with matplotlib's Agg canvas and saved atomically.

Each function takes plain arrays (no job objects), draws one figure and writes
it to ``path`` (format from the suffix: ``.png``, ``.pdf``, ``.svg``). Figures
are built on :class:`matplotlib.figure.Figure` directly, so no display and no
global pyplot state is involved.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from .io import atomic_path

__all__ = [
    "baselining_plot",
    "front_learning_curves_plot",
    "force_fit_plots",
    "gfre_contour_plot",
    "gfre_heatmap",
    "lc_pca_plot",
    "learning_curve_plot",
    "parity_error_plot",
    "parity_plot",
    "pareto_plot",
    "pcovr_map_plot",
    "save_figure",
    "sweep_point_label",
]


def save_figure(figure, path, dpi=150):
    """Write a figure atomically (temporary file, then rename)."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight")


def _label(name, unit):
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
        ax.set_xlabel(_label(f"reference {name}", unit))
        ax.set_ylabel(_label(f"predicted {name}", unit))
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
        ax.set_ylabel(_label("test RMSE", curve.get("unit", "")))
        ax.set_title(curve.get("name", ""))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    save_figure(figure, path)


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
        :func:`~anisoap_pipeline.analysis.force_fit.force_learning_curve`.
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
            ax.set_xlabel(_label(f"reference {name}", unit))
            ax.set_ylabel(_label(f"predicted {name}", unit))
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
        ax.set_ylabel(_label(f"test RMSE of {name}", unit))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle("Gay-Berne dimers: learning curves of the linear AniSOAP potentials")
    save_figure(figure, directory / "force_learning_curve.png")


# --------------------------------------------------------------------------
# Liquid crystals (paper Sec. III A): PCA maps (Figs. 1, S2), GFRE matrices (Figs. 2, S3)

#: Colour maps of the two phases: saturation grows with the nematic order S.
LC_PHASE_CMAPS = {"nematic": "Blues", "smectic": "Reds"}
_LC_MARKERS = ("o", "^", "s", "D", "v", "P")


def _phase_colormap(phase):
    """The phase's colour map, from near white (S = 0) to fully saturated (S = 1)."""
    from matplotlib import colormaps
    from matplotlib.colors import LinearSegmentedColormap

    base = colormaps[LC_PHASE_CMAPS[phase]]
    return LinearSegmentedColormap.from_list(f"lc_{phase}", base(np.linspace(0.06, 1.0, 256)))


def _lc_scatter(ax, coordinates, phase, order, rows=None, marker="o", size=14, label_phases=True):
    """Scatter map points coloured by phase (blue nematic, red smectic), shaded by S."""
    rows = np.ones(len(phase), dtype=bool) if rows is None else rows
    for name in LC_PHASE_CMAPS:
        selected = rows & (phase == name)
        if not selected.any():
            continue
        ax.scatter(
            coordinates[selected, 0], coordinates[selected, 1], c=np.clip(order[selected], 0.0, 1.0),
            cmap=_phase_colormap(name), vmin=0.0, vmax=1.0, s=size, marker=marker,
            edgecolors="0.55", linewidths=0.3, zorder=3,
            label=name if label_phases else None,
        )


def _pc_labels(ax, explained, name):
    for k, axis_label in enumerate((ax.set_xlabel, ax.set_ylabel)):
        text = f"{name} PC{k + 1}"
        if explained is not None:
            percent = 100 * explained[k]
            text += f" ({percent:.0f} %)" if percent >= 10 else f" ({percent:.2g} %)"
        axis_label(text)


def lc_pca_plot(anisoap, steinhardt, phase, order, path, *, explained=None, aspect_ratio=None,
                title=None):
    """PCA maps of liquid-crystal frames: AniSOAP beside Steinhardt (paper Figs. 1, S2).

    Each point is a frame: nematic blue, smectic red, colour saturation by
    the nematic order parameter S (near white at S = 0, full colour at
    S = 1). The AniSOAP map is the main panel; the map of the Steinhardt
    order parameters X_SOP is a side panel (the paper's inset). With several
    aspect ratios (Fig. S2) the shapes are marked by symbol in every panel,
    and the AniSOAP map is followed by one zoomed panel per L/D (the same
    map, limited to that shape's frames), since the shape difference takes
    most of the variance.

    Parameters
    ----------
    anisoap, steinhardt : array_like, shape (n_frames, 2)
        First two principal components of the AniSOAP power spectrum and of
        X_SOP (:func:`anisoap_pipeline.analysis.pca.pca_map`).
    phase : array_like of str, shape (n_frames,)
        ``"nematic"`` or ``"smectic"``.
    order : array_like, shape (n_frames,)
        Nematic order parameter S of each frame.
    path : str or os.PathLike
        Output file.
    explained : dict, optional
        ``{"anisoap": (2,), "steinhardt": (2,)}`` explained-variance ratios,
        printed on the axes.
    aspect_ratio : array_like, shape (n_frames,), optional
        L/D of each frame; several values give the Fig. S2 layout.
    title : str, optional
        Figure title.

    Raises
    ------
    ValueError
        If the arrays disagree in length or a phase is unknown.
    """
    anisoap = np.asarray(anisoap, dtype=float)
    steinhardt = np.asarray(steinhardt, dtype=float)
    phase = np.asarray(phase).astype(str)
    order = np.asarray(order, dtype=float)
    n = len(phase)
    if anisoap.shape != (n, 2) or steinhardt.shape != (n, 2) or order.shape != (n,):
        raise ValueError(
            f"expected (n, 2) maps and (n,) S for n = {n} frames, got {anisoap.shape}, "
            f"{steinhardt.shape}, {order.shape}"
        )
    unknown = set(np.unique(phase)) - set(LC_PHASE_CMAPS)
    if unknown:
        raise ValueError(f"unknown phases {sorted(unknown)}; expected {list(LC_PHASE_CMAPS)}")
    explained = explained or {}
    shapes = np.zeros(n) if aspect_ratio is None else np.round(np.asarray(aspect_ratio, dtype=float), 6)
    values = sorted(np.unique(shapes), reverse=True)  # L/D = 3 first, as in Fig. S2
    markers = {value: _LC_MARKERS[k % len(_LC_MARKERS)] for k, value in enumerate(values)}
    several = len(values) > 1
    n_main = 1 + (len(values) if several else 0)  # the map, then one zoom per shape
    figure = Figure(figsize=(4.4 * n_main + 3.8, 4.4), layout="constrained")
    axes = figure.subplots(1, n_main + 1, gridspec_kw={"width_ratios": [1.25] * n_main + [1.0]})
    for value in values:
        _lc_scatter(axes[0], anisoap, phase, order, shapes == value, marker=markers[value],
                    label_phases=value == values[0])
    axes[0].set_title("AniSOAP power spectrum (ν = 2)" + (", all frames" if several else ""))
    _pc_labels(axes[0], explained.get("anisoap"), "AniSOAP")
    if several:
        for value in values:
            axes[0].scatter([], [], marker=markers[value], color="0.5", label=f"L/D = {value:g}")
        for ax, value in zip(axes[1:n_main], values):
            # the same map, zoomed on one shape's frames: the shape axis dominates the variance
            _lc_scatter(ax, anisoap, phase, order, shapes == value, marker=markers[value])
            ax.set_title(f"zoom: L/D = {value:g}")
            _pc_labels(ax, explained.get("anisoap"), "AniSOAP")
    axes[0].legend(fontsize=8, loc="best")
    side = axes[-1]
    for value in values:
        _lc_scatter(side, steinhardt, phase, order, shapes == value, marker=markers[value], size=10,
                    label_phases=False)
    side.set_title("Steinhardt $q_l$ ($X_\\mathrm{SOP}$)")
    _pc_labels(side, explained.get("steinhardt"), "SOP")
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    for name in LC_PHASE_CMAPS:
        figure.colorbar(ScalarMappable(Normalize(0.0, 1.0), _phase_colormap(name)), ax=axes,
                        label=f"S ({name})", fraction=0.025, pad=0.01)
    if title:
        figure.suptitle(title)
    save_figure(figure, path)


def gfre_heatmap(matrix, labels, path, *, title=None, subtitle=None):
    """GFRE matrix as an annotated heat map (paper Figs. 2, S3).

    Row i, column j is GFRE(X_i → X_j): the error of reconstructing the
    target X_j (column) linearly from the input X_i (row); 0 = perfect,
    1 = nothing reconstructed. Every cell shows its value.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        GFRE values (dimensionless).
    labels : sequence of str, length n
        Representation names (matplotlib mathtext allowed).
    path : str or os.PathLike
        Output file.
    title, subtitle : str, optional
        Figure title; a smaller second line (e.g. sizes, split seed).

    Raises
    ------
    ValueError
        If ``matrix`` is not square or ``labels`` has the wrong length.
    """
    matrix = np.asarray(matrix, dtype=float)
    labels = list(labels)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or len(labels) != len(matrix):
        raise ValueError(f"need a square matrix with one label per row, got {matrix.shape} and {len(labels)} labels")
    n = len(matrix)
    figure = Figure(figsize=(1.3 * n + 2.4, 1.15 * n + 1.6), layout="constrained")
    ax = figure.subplots()
    vmax = max(1.0, float(np.nanmax(matrix)))
    image = ax.imshow(matrix, cmap="viridis_r", vmin=0.0, vmax=vmax)
    for i in range(n):
        for j in range(n):
            value = matrix[i, j]
            shade = image.cmap(image.norm(value))
            luminance = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2]
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=10,
                    color="black" if luminance > 0.5 else "white")
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("target $X_\\mathrm{target}$")
    ax.set_ylabel("input $X_\\mathrm{input}$")
    figure.colorbar(image, ax=ax, label="GFRE(input → target)")
    if title:
        figure.suptitle(title if not subtitle else f"{title}\n{subtitle}", fontsize=11)
    save_figure(figure, path)


def gfre_cutoff_plot(pairs, cutoffs, mean, sd, path, *, title=None, subtitle=None):
    """GFRE of chosen input → target pairs at several cutoffs, as grouped bars with ± sd.

    Parameters
    ----------
    pairs : sequence of str
        Name of each pair (x axis; matplotlib mathtext allowed).
    cutoffs : sequence of float
        The cutoffs (one bar per pair and cutoff), in units of the particle diameter D.
    mean, sd : array_like, shape (n_cutoffs, n_pairs)
        GFRE mean and standard deviation over the seeded splits.
    path : str or os.PathLike
        Output file.
    title, subtitle : str, optional

    Raises
    ------
    ValueError
        If ``mean`` or ``sd`` is not (n_cutoffs, n_pairs).
    """
    mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    shape = (len(cutoffs), len(pairs))
    if mean.shape != shape or sd.shape != shape:
        raise ValueError(f"mean and sd must be (n_cutoffs, n_pairs) = {shape}, got {mean.shape} and {sd.shape}")
    figure = Figure(figsize=(1.1 * len(pairs) + 2.5, 3.8), layout="constrained")
    ax = figure.subplots()
    width = 0.8 / len(cutoffs)
    x = np.arange(len(pairs))
    for k, cutoff in enumerate(cutoffs):
        ax.bar(x + (k - (len(cutoffs) - 1) / 2) * width, mean[k], width, yerr=sd[k], capsize=3,
               color=f"C{k}", label=f"cutoff {cutoff:g} D")
    ax.set_xticks(x, pairs, rotation=20, ha="right")
    ax.set_ylabel("GFRE(input → target), mean ± sd")
    ax.set_ylim(bottom=0.0)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        figure.suptitle(title if not subtitle else f"{title}\n{subtitle}", fontsize=11)
    save_figure(figure, path)


# --------------------------------------------------------------------------
# Benzene crystals (paper Sec. III C, Figs. 5-7, S5, S6)


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
        ax.set_xlabel(_label(f"reference {name}", unit))
        ax.set_ylabel(_label(f"predicted {name}", unit))
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
        hist.set_xlabel(_label("error (predicted − reference)", unit))
        hist.set_ylabel("count")
    if points is not None:
        figure.colorbar(points, ax=axes[0].tolist(), label=_label("|error|", panels[0].get("unit", "")))
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
    ax.set_xlabel(_label(f"reference {name}", unit))
    ax.set_ylabel(_label(f"predicted {name}", unit))
    ax.legend(fontsize=8, loc="upper left")
    inset = ax.inset_axes([0.58, 0.08, 0.38, 0.3])
    errors = np.r_[y_before - y_true, y_after - y_true]
    edges = np.histogram_bin_edges(errors, bins=bins)
    inset.hist(y_before - y_true, bins=edges, color="0.6", alpha=0.8)
    inset.hist(y_after - y_true, bins=edges, color="C3", alpha=0.6)
    inset.set_xlabel(_label("error", unit), fontsize=7)
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

#: Marker of each correlation order ν (1 radial spectrum, 2 power spectrum, 3 bispectrum).
SWEEP_MARKERS = {1: "o", 2: "s", 3: "^"}


def sweep_point_label(point):
    """A grid point in words: ``ν=2 l_max=4 n_max=2 σ=3 r_c=7`` (keys as in a sweep's front.json)."""
    parts = [f"ν={point['body_order']}"]
    if point["body_order"] > 1:
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
        ``n_features``, ``error`` (test RMSE), ``body_order`` (ν of each
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
        orders = np.asarray(panel["body_order"])
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
            ax.set_ylabel(_label(f"test RMSE, {panel.get('name', 'y')}", panel.get("unit", "")))
            ax.legend(fontsize=8)
    if measured is not None:
        ax = axes[0, 2]
        orders, cost = np.asarray(panels[0]["body_order"]), np.asarray(panels[0]["cost"], dtype=float)
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
        ax.set_ylabel(_label(f"test RMSE, {panel.get('name', 'y')}", panel.get("unit", "")))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        figure.suptitle(title)
    save_figure(figure, path)
