"""Cost–accuracy sweeps: per-frame targets, deterministic cost, Pareto fronts, budgets.

A sweep featurises one dataset at every point of a grid of AniSOAP
hyperparameters, fits the same ridge protocol at each (one seeded split for
all, :mod:`.regression`), and weighs the test error against the cost of the
featurisation. The *Pareto front* is the set of grid points that no other
point beats on both: a point is dominated when another costs no more and errs
no more, and is strictly better in one of the two.

Cost is counted, not timed (:func:`featurisation_cost`): the floating-point
operations the featuriser's kernels perform for these hyperparameters on
this dataset (:func:`anisoap_pipeline.anisoap.operation_count.operation_count`)
plus a fixed :data:`FRAME_OVERHEAD` per frame, in kflop per centre. It is
the same on every machine, so fronts, budgets and findings are reproducible
to the bit. ``benchmarks/sweep_cost.py`` checks that it ranks grid points as
their CPU time does and gives the ns per flop that turn it into seconds
(BENCHMARKS.md). The CPU time itself (:func:`timed_features`) is still
measured and reported (job documents, the sweep's table and figure), never
used to decide anything.
"""

from __future__ import annotations

import os
import time

import numpy as np

__all__ = [
    "FRAME_OVERHEAD",
    "best_per_budget",
    "default_budgets",
    "featurisation_cost",
    "frame_targets",
    "pareto_front",
    "timed_features",
]



def frame_targets(frames, names, per_particle=False, source="frames", frame_numbers=None):
    """Per-frame targets from the frames' ``info``.

    :func:`anisoap_pipeline.frames.read_frames` has already moved per-frame
    calculator results (ASE reads an ``energy`` of an extended XYZ comment
    line into a ``SinglePointCalculator``) into ``info``.

    Parameters
    ----------
    frames : sequence of ase.Atoms
    names : sequence of str
        ``info`` keys.
    per_particle : bool, optional
        Divide each target by the frame's number of particles (ellipsoids).
    source : str, optional
        What the frames are (a file name), for error messages.
    frame_numbers : sequence of int, optional
        Each frame's number in ``source`` for error messages (its index in the
        file before a start/stop/stride selection); by default its position in ``frames``.

    Returns
    -------
    dict
        name -> float64 array of shape (n_frames,).

    Raises
    ------
    ValueError
        Naming ``source``, the target, the first frame without it (and the
        keys it has), a value that is not one finite number, or an empty frame
        with ``per_particle``.
    """
    numbering = range(len(frames)) if frame_numbers is None else frame_numbers
    targets = {}
    for name in names:
        values = np.empty(len(frames))
        for position, (index, atoms) in enumerate(zip(numbering, frames)):
            if name not in atoms.info:
                raise ValueError(f"{source}: frame {index} has no target {name!r} in its info "
                                 f"(it has {sorted(atoms.info)})")
            try:
                value = float(np.asarray(atoms.info[name], dtype=float).item())
            except (TypeError, ValueError):
                raise ValueError(f"{source}: frame {index}: target {name!r} = {atoms.info[name]!r} is not "
                                 "one number") from None
            if not np.isfinite(value):
                raise ValueError(f"{source}: frame {index}: target {name!r} is {value}")
            if per_particle:
                if len(atoms) == 0:
                    raise ValueError(f"{source}: frame {index} has no particle to divide {name!r} by")
                value /= len(atoms)
            values[position] = value
        targets[name] = values
    return targets


#: Per-frame work of the featuriser that no kernel loop counts (validating and
#: packing the frame, NumPy and Python calls), in flop-equivalents: fitted once
#: by ``benchmarks/sweep_cost.py`` (BENCHMARKS.md, "Sweep cost"), CPU time =
#: a × frames + b × flop over the default sweeps' grid points, FRAME_OVERHEAD
#: = a / b rounded; fixed here, never measured at run time.
FRAME_OVERHEAD = 50_000


def featurisation_cost(calculator, frames, kind, diameters=None):
    """Deterministic cost of ``calculator.compute(frames, kind=kind, diameters=diameters)`` (frame means).

    Parameters
    ----------
    calculator : anisoap_pipeline.anisoap.EllipsoidalDensityProjection
    frames : sequence of ase.Atoms or FrameBatch
    kind : str
        ``"radial_spectrum"``, ``"power_spectrum"`` or ``"bispectrum"``.
    diameters : None or (3,) sequence, optional

    Returns
    -------
    dict
        ``kflop_per_centre`` and ``kflop_per_frame`` (the cost: counted flop +
        :data:`FRAME_OVERHEAD` per frame, per centre or frame, in 10³ flop);
        ``flop`` (the kernels' count, int), ``frame_overhead`` (flop-equivalents
        per frame), ``terms`` (flop per kernel stage), ``n_pairs``,
        ``n_centres``, ``n_frames``. Equal on every machine.
    """
    from ...anisoap.operation_count import operation_count

    count = operation_count(calculator, frames, kind, diameters=diameters)
    total = count["total"] + FRAME_OVERHEAD * count["n_frames"]
    return {
        "kflop_per_centre": total / 1e3 / max(count["n_centres"], 1),
        "kflop_per_frame": total / 1e3 / count["n_frames"],
        "flop": count["total"],
        "frame_overhead": FRAME_OVERHEAD,
        "terms": count["terms"],
        **{key: count[key] for key in ("n_pairs", "n_centres", "n_frames")},
    }


def timed_features(calculator, frames, kind, repeats=3, diameters=None, warm_up_frames=2):
    """Frame-mean features and their measured CPU time on one core (reported, never decisive).

    Limits numba to one thread (restored afterwards), featurises the first
    ``warm_up_frames`` frames once (kernel compilation or cache loading is not
    counted), then the whole set ``repeats`` times.

    Parameters
    ----------
    calculator : anisoap_pipeline.anisoap.EllipsoidalDensityProjection
    frames : sequence of ase.Atoms or FrameBatch
        Validated frames.
    kind : str
        ``"radial_spectrum"``, ``"power_spectrum"`` or ``"bispectrum"``.
    repeats : int, optional
        Timed featurisations of the whole set; the cost is their minimum.
    diameters : None or (3,) sequence, optional
        Passed to :meth:`~anisoap_pipeline.anisoap.EllipsoidalDensityProjection.compute`.
    warm_up_frames : int, optional

    Returns
    -------
    X : ndarray, shape (n_frames, n_features)
        Features of the first timed run (the same bits at any thread count).
    timing : dict
        ``cpu_s`` (minimum CPU seconds of one whole featurisation),
        ``us_per_centre``, ``us_per_frame``, ``cpu_s_repeats`` and
        ``wall_s_repeats`` (every repeat), ``n_centres``, ``n_frames``,
        ``threads`` (1), ``load_average`` (1-minute load before timing).
    """
    import numba

    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    n_frames = len(frames)
    n_centres = int(sum(len(atoms) for atoms in frames)) if isinstance(frames, (list, tuple)) else int(
        frames.n_atoms.sum())
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        calculator.compute(frames[:warm_up_frames], kind=kind, diameters=diameters)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        X, cpu, wall = None, [], []
        for _ in range(repeats):
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            result = calculator.compute(frames, kind=kind, diameters=diameters)
            cpu.append(time.process_time() - start_cpu)
            wall.append(time.perf_counter() - start_wall)
            X = result if X is None else X
    finally:
        numba.set_num_threads(threads)
    best = min(cpu)
    return X, {
        "cpu_s": best,
        "us_per_centre": 1e6 * best / max(n_centres, 1),
        "us_per_frame": 1e6 * best / n_frames,
        "cpu_s_repeats": cpu,
        "wall_s_repeats": wall,
        "n_centres": n_centres,
        "n_frames": n_frames,
        "threads": 1,
        "load_average": load,
    }


def pareto_front(cost, error):
    """Which points lie on the Pareto front of (cost, error), both to be minimised.

    A point is on the front unless another point has ``cost <= `` and
    ``error <=`` its own with at least one strict; identical points are all on
    it. Points with a non-finite cost or error are never on it.

    Parameters
    ----------
    cost, error : array_like, shape (n,)

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    cost, error = np.asarray(cost, dtype=float), np.asarray(error, dtype=float)
    if cost.shape != error.shape or cost.ndim != 1:
        raise ValueError(f"cost and error must be 1-D of one length, got {cost.shape} and {error.shape}")
    on_front = np.zeros(len(cost), dtype=bool)
    finite = np.flatnonzero(np.isfinite(cost) & np.isfinite(error))
    best, best_cost = np.inf, None
    for i in finite[np.lexsort((error[finite], cost[finite]))]:  # by cost, then error
        if error[i] < best:
            on_front[i], best, best_cost = True, error[i], cost[i]
        elif error[i] == best and cost[i] == best_cost:
            on_front[i] = True
    return on_front


def default_budgets(cost):
    """Cost budgets 1, 2, 4, ... times the cheapest point's cost, up to the dearest one (included).

    With the deterministic cost (kflop per centre) the budgets, and the best
    point in each, are the same on every machine."""
    cost = np.asarray(cost, dtype=float)
    cost = cost[np.isfinite(cost)]
    if not cost.size or cost.min() <= 0:
        raise ValueError("cost budgets need at least one finite positive cost")
    budgets, budget = [], float(cost.min())
    while budget < cost.max():
        budgets.append(budget)
        budget *= 2.0
    return budgets + [float(cost.max())]


def best_per_budget(cost, error, budgets):
    """The lowest-error point within each cost budget.

    Parameters
    ----------
    cost, error : array_like, shape (n,)
    budgets : sequence of float

    Returns
    -------
    list of int or None
        Per budget, the index of the point with the lowest error among those
        with ``cost <= budget`` (ties: the cheaper, then the first), or None
        when no point fits the budget.
    """
    cost, error = np.asarray(cost, dtype=float), np.asarray(error, dtype=float)
    chosen = []
    for budget in budgets:
        fits = np.flatnonzero((cost <= budget) & np.isfinite(error))
        chosen.append(None if not fits.size else int(fits[np.lexsort((cost[fits], error[fits]))[0]]))
    return chosen
