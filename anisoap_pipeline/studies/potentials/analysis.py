"""Analysis of the molecular dynamics of the learned-potentials study: learned against exact Gay-Berne.

Plain arrays and frames in, plain numbers and JSON-serialisable dicts out; nothing here runs
LAMMPS. The observables, in reduced Gay-Berne units (lengths in σ_0, energies in ε_0, time in
τ = σ_0 sqrt(m / ε_0)):

:func:`energy_drift`
    Drift of the conserved energy per particle per 1,000 steps (least-squares slope and its
    standard error) and the largest excursion ``|E(t) - E(0)| / N``: the NVE test of a
    potential's forces and torques being the gradients of its energy.
:func:`block_average`
    Mean and standard error of a correlated series from block averages (Flyvbjerg & Petersen,
    J. Chem. Phys. 91, 461 (1989)).
:func:`nematic_order_series`
    Nematic order parameter S of each frame (long axis = body axis c).
:func:`pair_distribution`, :func:`first_peak`, :func:`first_peak_statistics`
    Centre–centre radial distribution function g(r) (freud), its first peak, and that peak's
    block error bars.
:func:`compare_runs`
    The study's verdicts on a learned run against the exact Gay-Berne run of the same state
    point, ensemble and timestep, each with how it was judged.
:func:`run_series`
    The arrays :func:`~anisoap_pipeline.studies.potentials.figures.md_figure` draws.

A *run* is what :func:`anisoap_pipeline.potentials.lammps.run_md` gives: its ``Trajectory``
(attributes ``frames``, ``steps``, ``time``, ``conserved_energy``, ...), or the ``MDFailure``
it raised (attributes ``step``, ``reason``, ``trajectory``), or a mapping with the same keys
(a failure as ``{"failure": {"step": ..., "reason": ...}}``). Nothing here imports LAMMPS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import freud
import numpy as np
from ase.cell import Cell
from scipy.stats import linregress

from ...frames import validate_frames
from ..liquid_crystals.order_parameters import nematic_order

__all__ = [
    "DRIFT_BLOCKS",
    "DRIFT_FACTOR",
    "NEMATIC_TOLERANCE",
    "PEAK_TOLERANCE",
    "block_average",
    "compare_runs",
    "energy_drift",
    "first_peak",
    "first_peak_statistics",
    "nematic_order_series",
    "pair_distribution",
    "run_series",
]

#: Blocks of energy records for the statistical inefficiency of the drift's residuals.
DRIFT_BLOCKS = 10
#: NVE: the learned run's drift may be at most this multiple of the exact run's.
DRIFT_FACTOR = 2.0
#: NVT: largest accepted |S_learned - S_exact|.
NEMATIC_TOLERANCE = 0.05
#: NVT: largest accepted relative difference of the g(r) first-peak position and height.
PEAK_TOLERANCE = 0.05


# ---------------------------------------------------------------------------
# energy conservation


def energy_drift(time_or_steps, conserved_energy, n_particles, per_steps=1000, timestep=None):
    """Drift of the conserved energy per particle, and its largest excursion.

    The drift is the slope of the ordinary least-squares line through ``E(t) / N`` against
    the step number (:func:`scipy.stats.linregress`), scaled to ``per_steps`` steps: a
    systematic gain or loss of energy by the integrator or by forces and torques that are not
    the gradients of the energy shows as a slope, while the bounded fluctuations of a good
    symplectic integrator average out in it. A slope rather than ``E(end) - E(0)`` because
    it uses every record and does not depend on the phase of the fluctuation at the ends.
    The excursion ``max_t |E(t) - E(0)| / N`` catches what a line hides (a jump then a
    return, large oscillations).

    The energy fluctuates about the line with correlations over many steps, which the
    least-squares standard error of the slope ignores (for the 256-particle Gay-Berne runs it
    is too small by factors of 3–10). Its variance is multiplied here by the statistical
    inefficiency s of the residuals, estimated by blocking them: ``s = b σ_b^2 / σ^2`` with
    σ_b^2 the variance of the means of :data:`DRIFT_BLOCKS` blocks of b records and σ^2 that
    of the residuals (Flyvbjerg & Petersen, J. Chem. Phys. 91, 461 (1989); Allen & Tildesley,
    Sec. 8.4), at least 1. This is the standard correction for a slowly varying regressor and
    still approximate: blocks of a short run may be shorter than the correlation time.

    Parameters
    ----------
    time_or_steps : array_like, shape (T,)
        MD step numbers of the records or, with ``timestep``, their times (reduced time).
        Strictly increasing.
    conserved_energy : array_like, shape (T,)
        Total conserved energy of the system (not per particle) at those records, ε_0:
        the total energy under NVE, total + thermostat energy under NVT.
    n_particles : int
        N, to express energies per particle.
    per_steps : float, optional
        Steps the drift is expressed per (default 1,000).
    timestep : float, optional
        If given, ``time_or_steps`` are times, turned into steps by dividing by it.

    Returns
    -------
    dict
        ``drift`` (ε_0 per particle per ``per_steps`` steps, signed); ``drift_error`` (its
        standard error, the least-squares one times ``sqrt(s)``); ``statistical_inefficiency``
        (s, or None with fewer than ``2 DRIFT_BLOCKS`` records, when the least-squares error
        is given as it is); ``max_excursion`` (ε_0 per particle); ``per_steps``;
        ``n_records``; ``n_steps`` (span of the records in steps).

    Raises
    ------
    ValueError
        If fewer than 3 records, shapes differ, values are not finite, the abscissa is not
        strictly increasing, or ``n_particles``, ``per_steps`` or ``timestep`` is not positive.

    References
    ----------
    Allen & Tildesley, *Computer Simulation of Liquids*, 2nd ed. (2017), Sec. 3.2.
    """
    x = np.asarray(time_or_steps, dtype=float)
    energy = np.asarray(conserved_energy, dtype=float)
    if x.ndim != 1 or energy.shape != x.shape:
        raise ValueError(
            f"time_or_steps and conserved_energy must be 1-d of the same length, got shapes {x.shape} "
            f"and {energy.shape}"
        )
    if len(x) < 3:
        raise ValueError(f"energy_drift needs at least 3 energy records for a slope and its error, got {len(x)}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(energy))):
        raise ValueError("time_or_steps and conserved_energy must be finite (a failed run has no drift)")
    if not np.all(np.diff(x) > 0):
        raise ValueError("time_or_steps must be strictly increasing")
    _check_positive("n_particles", n_particles)
    _check_positive("per_steps", per_steps)
    if timestep is not None:
        _check_positive("timestep", timestep)
        x = x / timestep
    per_particle = energy / n_particles
    fit = linregress(x, per_particle)
    residuals = per_particle - (fit.intercept + fit.slope * x)
    inefficiency = None
    if len(x) >= 2 * DRIFT_BLOCKS:
        inefficiency = 1.0
        spread = residuals.var()
        if spread > 0.0:
            blocks = block_average(residuals, DRIFT_BLOCKS)
            inefficiency = max(1.0, blocks["block_size"] * float(np.var(blocks["block_means"], ddof=1)) / spread)
    return {
        "drift": float(fit.slope * per_steps),
        "drift_error": float(fit.stderr * per_steps * math.sqrt(inefficiency or 1.0)),
        "statistical_inefficiency": inefficiency,
        "max_excursion": float(np.max(np.abs(per_particle - per_particle[0]))),
        "per_steps": float(per_steps),
        "n_records": len(x),
        "n_steps": float(x[-1] - x[0]),
    }


# ---------------------------------------------------------------------------
# block averages


def block_average(series, n_blocks):
    """Mean and standard error of a time series from ``n_blocks`` block averages.

    The series is cut into ``n_blocks`` contiguous blocks of equal length ``b = len // n_blocks``
    (the first ``len % n_blocks`` samples, the ones nearest the start of the run, are dropped);
    the standard error of the mean is that of the block means,

        σ_mean = sqrt( Σ_k (m_k - m)^2 / (n_blocks (n_blocks - 1)) ),

    which is one level of the blocking transformation of Flyvbjerg & Petersen (J. Chem. Phys.
    91, 461 (1989), Eqs. 23–28 with blocks of ``b`` samples), not their search for the plateau
    over successive halvings: it is right when the blocks are longer than the correlation time,
    too small otherwise. Fixed ``n_blocks`` keeps the estimate defined for the short series of
    MD frames (tens of frames).

    Parameters
    ----------
    series : array_like, shape (T,)
        Samples in time order (e.g. S per frame, a g(r) peak per frame block).
    n_blocks : int
        Number of blocks, at least 2.

    Returns
    -------
    dict
        ``mean`` (of the samples kept = mean of the block means), ``error`` (standard error of
        the mean, same unit as the series), ``n_blocks``, ``block_size``, ``block_means``
        (list).

    Raises
    ------
    ValueError
        If ``n_blocks`` is not an integer of at least 2, the series is not 1-d, has fewer
        samples than blocks, or is not finite.
    """
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)) or n_blocks < 2:
        raise ValueError(f"n_blocks must be an integer of at least 2 (an error needs two blocks), got {n_blocks!r}")
    values = np.asarray(series, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"series must be 1-d, got shape {values.shape}")
    if len(values) < n_blocks:
        raise ValueError(
            f"series too short for block averages: {len(values)} samples for n_blocks={n_blocks} "
            "(at least one sample per block); record more frames or use fewer blocks"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("series must be finite")
    size = len(values) // n_blocks
    means = values[len(values) - size * n_blocks:].reshape(n_blocks, size).mean(axis=1)
    return {
        "mean": float(means.mean()),
        "error": float(means.std(ddof=1) / math.sqrt(n_blocks)),
        "n_blocks": int(n_blocks),
        "block_size": int(size),
        "block_means": [float(m) for m in means],
    }


# ---------------------------------------------------------------------------
# structure


def nematic_order_series(frames):
    """Nematic order parameter S of each frame, the long axis being body axis c.

    :func:`anisoap_pipeline.studies.liquid_crystals.order_parameters.nematic_order` with
    ``axis=2``: the largest eigenvalue of ``Q = <(3 u u^T - I) / 2>`` over the particles' c
    axes u (freud, one thread); the Gay-Berne ellipsoids here are ``shape 1 1 3``.

    Parameters
    ----------
    frames : sequence of ase.Atoms
        Ellipsoid frames.

    Returns
    -------
    numpy.ndarray, shape (n_frames,)
        S (dimensionless): 1 for perfect alignment, ~N^-1/2 for isotropic orientations.

    Raises
    ------
    ValueError
        From :func:`anisoap_pipeline.frames.validate_frames`.
    """
    return nematic_order(frames, axis=2)


def pair_distribution(frames, r_max, bins):
    """Centre–centre radial distribution function g(r), averaged over frames.

    :class:`freud.density.RDF` (``normalization_mode="exact"``,
    ``g(r) = V (N - 1) / N <δ(r)>``, so an ideal gas of N points tends to 1 - 1/N) accumulated
    over the frames, on one freud thread so that the histogram is the same bit for bit on any
    machine. The periodic box is the frame's cell (any triclinic cell, positions passed as
    fractional coordinates of it).

    Parameters
    ----------
    frames : sequence of ase.Atoms
        Periodic frames (``pbc`` all true) with the same number of particles.
    r_max : float
        Largest distance, below half the smallest cell width (minimum image), in σ_0.
    bins : int
        Number of histogram bins on [0, r_max].

    Returns
    -------
    r : numpy.ndarray, shape (bins,)
        Bin centres, σ_0.
    g : numpy.ndarray, shape (bins,)
        g(r), dimensionless (float64 of freud's float32 histogram).

    Raises
    ------
    ValueError
        If there are no frames, a frame is not periodic, ``r_max`` is not positive or not
        below half a cell width, ``bins`` is not a positive integer, or from
        :func:`anisoap_pipeline.frames.validate_frames`.
    """
    frames = validate_frames(frames)
    if not frames:
        raise ValueError("pair_distribution needs at least one frame")
    _check_positive("r_max", r_max)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    rdf = freud.density.RDF(bins=int(bins), r_max=float(r_max))
    with freud.parallel.NumThreads(1):
        for index, atoms in enumerate(frames):
            box, points = _freud_box(atoms, r_max, index)
            rdf.compute((box, points), reset=index == 0)
    return np.asarray(rdf.bin_centers, dtype=float), np.asarray(rdf.rdf, dtype=float)


def first_peak(r, g, window=5):
    """Position and height of the first peak of g(r), refined by a least-squares parabola.

    The peak is located on g smoothed by a triangular kernel of ``window`` bins, so that one
    noisy bin neither starts nor ends it: it is the largest smoothed bin of the first contiguous
    stretch where the smoothed ``g > 1`` (the first coordination shell: g rises from 0 at
    contact, crosses 1, peaks, falls below 1). Position and height are then the vertex of the
    parabola fitted by least squares (:func:`numpy.polynomial.polynomial.polyfit`) to the
    unsmoothed g over the ``window`` bins centred there (fewer at the ends of the range), the
    vertex kept within them; averaging over the window lowers the upward bias of taking the
    maximum of a noisy histogram. ``window=3`` is the classic three-point parabola through
    the largest bin and its neighbours. A parabola that does not open downwards (a flat top)
    gives the bin itself.

    Parameters
    ----------
    r : array_like, shape (bins,)
        Equally spaced bin centres, σ_0.
    g : array_like, shape (bins,)
        g(r).
    window : int, optional
        Odd number of bins, at least 3 (default 5), for the smoothing and the fit; a fraction
        of the peak's width.

    Returns
    -------
    position : float
        σ_0.
    height : float
        Dimensionless.

    Raises
    ------
    ValueError
        If shapes differ, fewer than 3 bins, values not finite, ``window`` is not an odd
        integer of at least 3, or the smoothed g never exceeds 1.
    """
    r = np.asarray(r, dtype=float)
    g = np.asarray(g, dtype=float)
    if r.ndim != 1 or g.shape != r.shape or len(r) < 3:
        raise ValueError(f"r and g must be 1-d of the same length >= 3, got shapes {r.shape} and {g.shape}")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(g))):
        raise ValueError("r and g must be finite")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 3 or window % 2 == 0:
        raise ValueError(f"window must be an odd integer of at least 3 bins, got {window!r}")
    half = int(window) // 2
    kernel = half + 1.0 - np.abs(np.arange(-half, half + 1))
    smooth = np.convolve(g, kernel / kernel.sum(), mode="same")
    above = np.flatnonzero(smooth > 1.0)
    if above.size == 0:
        raise ValueError(f"g(r) has no peak: smoothed over {window} bins it never exceeds 1 (largest value "
                         f"{smooth.max():.4g})")
    start = above[0]
    below = np.flatnonzero(smooth[start:] <= 1.0)
    stop = start + below[0] if below.size else len(g)
    i = start + int(np.argmax(smooth[start:stop]))
    low, high = max(i - half, 0), min(i + half + 1, len(g))
    if high - low < 3:
        return float(r[i]), float(g[i])
    x = r[low:high] - r[i]
    c0, c1, c2 = np.polynomial.polynomial.polyfit(x, g[low:high], 2)
    if not c2 < 0.0:
        return float(r[i]), float(g[i])
    vertex = float(np.clip(-c1 / (2.0 * c2), x[0], x[-1]))
    return float(r[i] + vertex), float(c0 + c1 * vertex + c2 * vertex * vertex)


def first_peak_statistics(frames, r_max, bins, n_blocks, window=5):
    """First peak of g(r) over all frames, with error bars from blocks of frames.

    The position and height are those of g(r) over all frames (:func:`pair_distribution`,
    :func:`first_peak`); their standard errors are those of the peaks of the g(r) of
    ``n_blocks`` contiguous blocks of frames (:func:`block_average`). The all-frame g(r)
    gives the value because the maximum of a noisier histogram is biased high.

    Parameters
    ----------
    frames : sequence of ase.Atoms
        At least ``n_blocks`` periodic frames.
    r_max : float
        σ_0.
    bins : int
    n_blocks : int
    window : int, optional
        Bins of the peak's smoothing and fit (:func:`first_peak`, default 5).

    Returns
    -------
    dict
        ``position``, ``position_error`` (σ_0), ``height``, ``height_error``, ``n_blocks``,
        ``frames_per_block``, ``r`` and ``g`` (lists, the all-frame g(r)).

    Raises
    ------
    ValueError
        From :func:`pair_distribution`, :func:`first_peak` or :func:`block_average` (too few
        frames for the blocks).
    """
    frames = validate_frames(frames)
    r, g = pair_distribution(frames, r_max, bins)
    position, height = first_peak(r, g, window)
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)) or n_blocks < 2:
        raise ValueError(f"n_blocks must be an integer of at least 2, got {n_blocks!r}")
    if len(frames) < n_blocks:
        raise ValueError(f"too few frames for g(r) block errors: {len(frames)} frames for n_blocks={n_blocks}")
    size = len(frames) // n_blocks
    offset = len(frames) - size * n_blocks
    peaks = np.array(
        [first_peak(*pair_distribution(frames[offset + k * size: offset + (k + 1) * size], r_max, bins), window)
         for k in range(n_blocks)]
    )
    return {
        "position": position,
        "position_error": block_average(peaks[:, 0], n_blocks)["error"],
        "height": height,
        "height_error": block_average(peaks[:, 1], n_blocks)["error"],
        "n_blocks": int(n_blocks),
        "frames_per_block": int(size),
        "r": r.tolist(),
        "g": g.tolist(),
    }


# ---------------------------------------------------------------------------
# verdicts


def compare_runs(
    learned,
    exact,
    *,
    ensemble,
    r_max=3.0,
    bins=60,
    peak_window=5,
    n_blocks=5,
    equilibration=0.0,
    drift_factor=DRIFT_FACTOR,
    nematic_tolerance=NEMATIC_TOLERANCE,
    peak_tolerance=PEAK_TOLERANCE,
):
    """The study's verdicts on a learned-potential run against the exact Gay-Berne run.

    Both runs start from the same frame at the same state point, ensemble and timestep.

    ``"nve"`` — energy conservation (:func:`energy_drift` of the conserved energy against the
    step): ``"yes"`` if ``|drift_learned| <= drift_factor * reference``, the reference being
    ``max(|drift_exact|, 2 drift_error_exact)``: the exact drift, or its resolution when it is
    not distinguishable from zero (a symplectic integrator with exact forces often shows no
    significant drift, and a zero would make any ratio fail). ``ratio`` is
    ``|drift_learned| / reference``.

    ``"nvt"`` — structure over the frames after the first ``equilibration`` fraction:

    * nematic order: ``"yes"`` if ``|<S>_learned - <S>_exact| <= nematic_tolerance``; the means
      and their block errors (:func:`block_average`, ``n_blocks``) are reported, the errors do
      not enter the verdict;
    * g(r) first peak (:func:`first_peak_statistics`): ``"yes"`` for the position and for the
      height if ``|learned - exact| <= peak_tolerance * |exact|``, with block errors reported
      (and propagated to the relative difference).

    Block errors of ~10 frames over a few hundred steps are lower bounds: the frames are
    correlated. Two exact runs from the same start with different velocity seeds differ by
    up to 0.07 in S, 8 % in the peak position and 11 % in its height (measured with four
    velocity seeds, 256 particles at density 0.3, T = 1 and 2, runs of 200 and 2,000 steps:
    11 of 24 such pairs got "no"), so a "no" near a tolerance is not by itself evidence
    against the potential.

    A run that failed (an ``MDFailure`` or ``{"failure": {"step", "reason"}}``) gives the
    verdict ``"failed"`` with its step and reason and no numbers.

    Parameters
    ----------
    learned, exact : Trajectory, MDFailure or mapping
        The runs (module docstring). A mapping needs ``frames`` (NVT) or ``steps`` (or ``time``
        with ``timestep``) and ``conserved_energy`` (NVE, totals in ε_0); ``n_particles``
        defaults to the number of particles of the first frame; ``timestep`` is optional.
    ensemble : {"nve", "nvt"}
    r_max : float, optional
        g(r) range, σ_0 (default 3: the first shell of 1 x 1 x 3 ellipsoids, side by side near
        1 σ_0, and T-shaped contacts near 2 σ_0; it must stay below half the box).
    bins : int, optional
        g(r) bins (default 60, width 0.05 σ_0: with 256 particles and ~10 frames at density 0.3
        a bin near contact holds a few hundred pairs, ~5 % noise).
    peak_window : int, optional
        Bins of the first peak's smoothing and least-squares parabola (:func:`first_peak`,
        default 5, ±0.1 σ_0 at the default bins).
    n_blocks : int, optional
        Blocks for the error bars (default 5).
    equilibration : float, optional
        Fraction of the frames dropped at the start for the NVT observables (default 0:
        both runs start from an equilibrated exact Gay-Berne frame).
    drift_factor, nematic_tolerance, peak_tolerance : float, optional
        The study's thresholds (defaults :data:`DRIFT_FACTOR`, :data:`NEMATIC_TOLERANCE`,
        :data:`PEAK_TOLERANCE`).

    Returns
    -------
    dict
        JSON-serialisable: ``ensemble``; ``verdict`` (``"yes"`` if every check passed,
        ``"no"`` otherwise, ``"failed"`` if a run failed); ``runs`` (per run ``status`` and,
        for a failure, ``step`` and ``reason``); ``checks`` (per check: the numbers, the
        ``tolerance``, ``passed`` ``"yes"``/``"no"`` and ``judged``, a sentence saying how).

    Raises
    ------
    ValueError
        For an unknown ensemble, bad thresholds, a run missing what its ensemble needs, runs
        with different timesteps or particle numbers, or from the analyses (too few frames
        or energy records for the blocks or the fit).
    """
    if ensemble not in ("nve", "nvt"):
        raise ValueError(f"ensemble must be 'nve' or 'nvt', got {ensemble!r}")
    for name, value in (("drift_factor", drift_factor), ("nematic_tolerance", nematic_tolerance),
                        ("peak_tolerance", peak_tolerance)):
        _check_positive(name, value)
    if isinstance(equilibration, bool) or not isinstance(equilibration, (int, float, np.integer, np.floating)) or not (
        0.0 <= equilibration < 1.0
    ):
        raise ValueError(f"equilibration must be a fraction in [0, 1), got {equilibration!r}")
    runs = {"learned": _as_run(learned, "learned"), "exact": _as_run(exact, "exact")}
    result = {"ensemble": ensemble, "runs": {}, "checks": {}}
    for name, run in runs.items():
        if run["failure"] is not None:
            result["runs"][name] = {"status": "failed", **run["failure"]}
        else:
            result["runs"][name] = {"status": "completed"}
    if any(run["failure"] is not None for run in runs.values()):
        result["verdict"] = "failed"
        return result
    timesteps = [run["timestep"] for run in runs.values()]
    if None not in timesteps and not math.isclose(timesteps[0], timesteps[1], rel_tol=1e-9):
        raise ValueError(f"the runs must share the timestep: learned {timesteps[0]}, exact {timesteps[1]}")
    if ensemble == "nve":
        checks = {"energy_drift": _drift_check(runs, drift_factor)}
    else:
        checks = _structure_checks(runs, r_max, bins, peak_window, n_blocks, equilibration, nematic_tolerance,
                                   peak_tolerance)
    result["checks"] = checks
    result["verdict"] = "yes" if all(check["passed"] == "yes" for check in checks.values()) else "no"
    return result


def run_series(run, *, r_max=3.0, bins=60, equilibration=0.0):
    """What :func:`~anisoap_pipeline.studies.potentials.figures.md_figure` draws of one run.

    Parameters
    ----------
    run : Trajectory, MDFailure or mapping
        A run (module docstring); of a failed run, what it recorded before failing.
    r_max, bins, equilibration
        As in :func:`compare_runs` (g(r) over the frames after ``equilibration``).

    Returns
    -------
    dict
        JSON-serialisable lists: ``frame_time`` and ``nematic_order`` (S per frame),
        ``r`` and ``g`` (empty without periodic frames), ``time`` and
        ``conserved_energy_per_particle`` (ε_0); ``failure`` (``None`` or ``{"step",
        "reason", "time"}``).
    """
    run = _as_run(run, "run")
    frames = run["frames"]
    series = {"frame_time": [], "nematic_order": [], "r": [], "g": [], "time": [],
              "conserved_energy_per_particle": [], "failure": None}
    if frames:
        series["frame_time"] = [_frame_time(atoms, run["timestep"], k) for k, atoms in enumerate(frames)]
        series["nematic_order"] = nematic_order_series(frames).tolist()
        kept = frames[math.floor(equilibration * len(frames)):]
        if all(atoms.pbc.all() for atoms in kept):
            r, g = pair_distribution(kept, r_max, bins)
            series["r"], series["g"] = r.tolist(), g.tolist()
    if run["conserved_energy"] is not None and run["n_particles"]:
        series["time"] = [float(t) for t in run["time"]]
        series["conserved_energy_per_particle"] = [float(e) / run["n_particles"] for e in run["conserved_energy"]]
    if run["failure"] is not None:
        failure = dict(run["failure"])
        failure["time"] = None if run["timestep"] is None else failure["step"] * run["timestep"]
        series["failure"] = failure
    return series


# ---------------------------------------------------------------------------
# helpers


def _drift_check(runs, factor):
    drifts = {}
    for name, run in runs.items():
        if run["conserved_energy"] is None or run["steps"] is None:
            raise ValueError(f"the {name} run has no conserved_energy and steps for the NVE drift")
        drifts[name] = energy_drift(run["steps"], run["conserved_energy"], run["n_particles"])
    learned, exact = drifts["learned"], drifts["exact"]
    reference = max(abs(exact["drift"]), 2.0 * exact["drift_error"])
    ratio = abs(learned["drift"]) / reference if reference > 0.0 else (0.0 if learned["drift"] == 0.0 else None)
    passed = ratio is not None and ratio <= factor
    return {
        "learned": learned,
        "exact": exact,
        "reference": reference,
        "ratio": ratio,
        "tolerance": float(factor),
        "passed": "yes" if passed else "no",
        "judged": (
            f"|drift_learned| <= {factor:g} x max(|drift_exact|, 2 x its standard error); drift = "
            "least-squares slope of the conserved energy per particle, eps per particle per 1000 steps, "
            "error corrected for correlated fluctuations"
        ),
    }


def _structure_checks(runs, r_max, bins, window, n_blocks, equilibration, nematic_tolerance, peak_tolerance):
    kept, order, peaks = {}, {}, {}
    for name, run in runs.items():
        frames = run["frames"]
        if not frames:
            raise ValueError(f"the {name} run has no frames for the NVT structure")
        kept[name] = frames[math.floor(equilibration * len(frames)):]
    sizes = {len(frames[0]) for frames in kept.values()}
    if len(sizes) != 1:
        raise ValueError(f"the runs have different particle numbers: {sorted(sizes)}")
    for name, frames in kept.items():
        order[name] = block_average(nematic_order_series(frames), n_blocks)
        order[name].pop("block_means")
        peaks[name] = first_peak_statistics(frames, r_max, bins, n_blocks, window)
        del peaks[name]["r"], peaks[name]["g"]
    difference = order["learned"]["mean"] - order["exact"]["mean"]
    checks = {
        "nematic_order": {
            "learned": order["learned"],
            "exact": order["exact"],
            "difference": difference,
            "difference_error": math.hypot(order["learned"]["error"], order["exact"]["error"]),
            "tolerance": float(nematic_tolerance),
            "passed": "yes" if abs(difference) <= nematic_tolerance else "no",
            "judged": (
                f"|<S>_learned - <S>_exact| <= {nematic_tolerance:g}; S per frame (long axis c), "
                f"mean over {len(kept['learned'])} and {len(kept['exact'])} frames, errors from "
                f"{n_blocks} blocks (reported, not in the verdict)"
            ),
        }
    }
    for quantity in ("position", "height"):
        learned, exact = peaks["learned"][quantity], peaks["exact"][quantity]
        relative = (learned - exact) / abs(exact)
        checks[f"rdf_peak_{quantity}"] = {
            "learned": {"value": learned, "error": peaks["learned"][f"{quantity}_error"]},
            "exact": {"value": exact, "error": peaks["exact"][f"{quantity}_error"]},
            "relative_difference": relative,
            "relative_difference_error": math.hypot(
                peaks["learned"][f"{quantity}_error"] / abs(exact),
                learned * peaks["exact"][f"{quantity}_error"] / exact**2,
            ),
            "tolerance": float(peak_tolerance),
            "passed": "yes" if abs(relative) <= peak_tolerance else "no",
            "judged": (
                f"|{quantity}_learned - {quantity}_exact| <= {peak_tolerance:g} x |{quantity}_exact|; first "
                f"peak of the centre-centre g(r) over all kept frames (r_max {r_max:g}, {bins} bins, least-squares "
                f"parabola over {window} bins), errors from the peaks of {n_blocks} blocks of frames (reported, "
                "not in the verdict)"
            ),
        }
    return checks


def _as_run(run, name):
    """A run as a dict: frames, steps, time, conserved_energy, n_particles, timestep, failure."""
    failure = None
    if isinstance(run, BaseException):
        if not (hasattr(run, "step") and hasattr(run, "reason")):
            raise ValueError(f"the {name} run is an exception without step and reason: {run!r}")
        failure = {"step": int(run.step), "reason": str(run.reason)}
        run = getattr(run, "trajectory", None)
        if run is None:
            run = {}
    if isinstance(run, Mapping):
        get = run.get
    else:
        def get(key, default=None):
            return getattr(run, key, default)
    if failure is None and get("failure") is not None:
        raw = get("failure")
        failure = {"step": int(raw["step"]), "reason": str(raw["reason"])}
    frames = list(get("frames") or [])
    steps = get("steps")
    time = get("time")
    timestep = get("timestep")
    energy = get("conserved_energy")
    steps = None if steps is None else np.asarray(steps, dtype=float)
    time = None if time is None else np.asarray(time, dtype=float)
    if timestep is None and steps is not None and time is not None and len(steps) > 1:
        timestep = float((time[-1] - time[0]) / (steps[-1] - steps[0]))
    if steps is None and time is not None and timestep is not None:
        steps = time / timestep
    if time is None and steps is not None and timestep is not None:
        time = steps * timestep
    n_particles = get("n_particles")
    if n_particles is None and frames:
        n_particles = len(frames[0])
    return {
        "frames": frames,
        "steps": steps,
        "time": time if time is not None else steps,
        "conserved_energy": None if energy is None else np.asarray(energy, dtype=float),
        "n_particles": n_particles,
        "timestep": None if timestep is None else float(timestep),
        "failure": failure,
    }


def _frame_time(atoms, timestep, index):
    if "time" in atoms.info:
        return float(atoms.info["time"])
    if "step" in atoms.info and timestep is not None:
        return float(atoms.info["step"]) * timestep
    return float(index)


def _freud_box(atoms, r_max, index):
    """freud box and points of a periodic frame; r_max checked against half the smallest width.

    ``freud.box.Box`` is upper-triangular (a along x), ASE cells any orientation: the box is
    built from the cell's lengths and angles and the points from fractional coordinates, a
    rotated copy of the frame with the same distances.
    """
    if not atoms.pbc.all():
        raise ValueError(f"frame {index}: g(r) needs a periodic frame (pbc all true), got pbc={atoms.pbc.tolist()}")
    cell = Cell(atoms.cell.array)
    widths = abs(cell.volume) / np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
    if not r_max < 0.5 * widths.min():
        raise ValueError(
            f"frame {index}: r_max={r_max} must be below half the smallest cell width ({0.5 * widths.min():.6g})"
        )
    box = freud.box.Box.from_box_lengths_and_angles(*cell.lengths(), *np.radians(cell.angles()))
    fractional = cell.scaled_positions(atoms.positions) % 1.0
    return box, box.wrap(box.make_absolute(fractional))


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not (
        math.isfinite(value) and value > 0
    ):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
