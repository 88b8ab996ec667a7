"""Summary rows of the cost–accuracy sweeps: questions beyond the paper, one function each.

Every row is a :func:`~.table.finding` of the section "beyond the paper":
the question, and the answer found by one sweep (its ``sweep_front``
job). Cost is the deterministic featurisation cost, kflop per centre
(:func:`anisoap_pipeline.studies.sweep.analysis.featurisation_cost`): the same on
every machine, so these rows are too. Measured times are never printed here.
"""

import numpy as np

from .figures import sweep_point_label
from ...summary.table import finding, fmt

__all__ = ["NEAR_BEST", "sweep_rows"]

#: "Nearly as accurate": a test RMSE within this factor of the sweep's lowest.
NEAR_BEST = 1.10


def _point(front, i, rmse):
    point = front["points"][i]
    return f"{sweep_point_label(point)} (RMSE {fmt(rmse[i])} at {fmt(point['kflop_per_centre'])} kflop/centre)"


def _order_gain(name, target, front, job, low, high):
    """Does ν = high beat every ν = low point that costs no more?"""
    points, rmse = front["points"], np.array(front["targets"][target]["rmse"])
    cost = np.array([point["kflop_per_centre"] for point in points])
    nu = np.array([point["correlation_order"] for point in points])
    if not (np.any(nu == low) and np.any(nu == high)):
        return None
    gains = []  # (ratio of the best cheaper-or-equal ν = low RMSE to this ν = high RMSE, high, low)
    for i in np.flatnonzero(nu == high):
        rivals = np.flatnonzero((nu == low) & (cost <= cost[i]))
        if not rivals.size:
            continue
        j = rivals[np.argmin(rmse[rivals])]
        gains.append((rmse[j] / rmse[i], i, j))
    if not gains:
        answer = f"n/a: every ν = {low} point costs more than every ν = {high} point"
    else:
        ratio, i, j = max(gains)
        verdict = "yes" if ratio > 1 else "no"
        answer = (f"{verdict}: best ν = {high}, relative to the best ν = {low} that costs no more: "
                  f"{_point(front, i, rmse)} vs {_point(front, j, rmse)}")
    return finding(
        "sweep", f"does ν = {high} improve {name} {target} over ν = {low} at equal cost?", answer, job,
        "ν comparison at equal cost: yes if some higher-ν point has a lower test RMSE than every lower-ν "
        "point of equal or lower cost (counted kflop per centre of the featurisation, machine-independent; "
        "benchmarks/sweep_cost.py converts it to seconds).")


def _cheapest_near_best(name, target, front, job):
    points, rmse = front["points"], np.array(front["targets"][target]["rmse"])
    cost = np.array([point["kflop_per_centre"] for point in points])
    best = int(np.nanargmin(rmse))
    near = np.flatnonzero(rmse <= NEAR_BEST * rmse[best])
    cheapest = int(near[np.argmin(cost[near])])
    return finding(
        "sweep", f"{name} {target}: the cheapest hyperparameters within {int(round(100 * (NEAR_BEST - 1)))} % "
                 "of the lowest test error?",
        f"the most accurate point itself, {_point(front, best, rmse)}" if cheapest == best else
        f"{_point(front, cheapest, rmse)}, {fmt(cost[best] / cost[cheapest], 3)}× cheaper than the most accurate, "
        f"{_point(front, best, rmse)}", job)


def _low_data(name, target, front, job):
    """Which cost-front point is best with the fewest training points, and with the most?"""
    entry = front["targets"][target]
    curves = entry["curves"]
    if len(curves) < 2:
        return None
    by_job = {point["job"]: point for point in front["points"]}
    smallest = max(curve["train_sizes"][0] for curve in curves.values())
    at_small = {job_id: np.interp(smallest, curve["train_sizes"], curve["test_rmse_mean"])
                for job_id, curve in curves.items() if curve["train_sizes"][0] <= smallest}
    at_full = {job_id: curve["test_rmse_mean"][-1] for job_id, curve in curves.items()}
    small, full = min(at_small, key=at_small.get), min(at_full, key=at_full.get)
    answer = (f"N = {smallest}: {sweep_point_label(by_job[small])} (RMSE {fmt(at_small[small])}); full training "
              f"set: {sweep_point_label(by_job[full])} (RMSE {fmt(at_full[full])})")
    answer = ("the same point: " if small == full else "different points: ") + answer
    return finding("sweep", f"{name} {target}: does the best point of the cost front change in the low-data "
                            "regime?", answer, job)


def sweep_rows(name, front, job):
    """Summary rows of one sweep.

    Parameters
    ----------
    name : str
        The sweep's name.
    front : dict
        The ``front.json`` of its ``sweep_front`` job.
    job : str
        That job's id.

    Returns
    -------
    list of dict
    """
    rows = []
    for target in front["targets"]:
        rows += [_order_gain(name, target, front, job, 1, 2), _order_gain(name, target, front, job, 2, 3),
                 _cheapest_near_best(name, target, front, job), _low_data(name, target, front, job)]
    return [item for item in rows if item is not None]
