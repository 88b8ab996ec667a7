"""Figures of the liquid-crystal study: PCA maps (paper Figs. 1, S2), GFRE matrices (Figs. 2, S3), GFRE against cutoff.

Drawn like :mod:`anisoap_pipeline.plots`: plain arrays in, one figure written atomically.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...plots import save_figure

__all__ = [
    "lc_pca_plot",
    "gfre_heatmap",
    "gfre_cutoff_plot",
]


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
