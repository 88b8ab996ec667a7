"""A sweep's report: ``pareto.png``, ``pareto.csv``, ``best_per_budget.csv``,
``learning_curves.png`` and ``summary_rows.json`` in ``results/sweep/<name>/``.

Its group (:func:`anisoap_pipeline.studies.sweep.plan.plan`): ``front``, the
sweep's ``sweep_front`` job; the sweep's name is its folder's.
"""

from pathlib import Path

from ...steps import Report

__all__ = ["REPORTS", "sweep_report"]


def sweep_report(out, groups, args):
    """Pareto figure and table, best point per budget, learning curves, summary rows."""
    import json

    from . import figures
    from .summary import sweep_rows
    from ...summary import write_rows
    from ...io import save_csv
    from ...tracking import open_job, read_metrics

    front_job = open_job(groups["front"][0])
    name = out.name
    front = json.loads(Path(front_job.fn("front.json")).read_text())
    points, budgets = front["points"], front["budgets"]
    measured = [read_metrics(point["job"])["measured"] for point in points]  # reported, never decisive
    columns = ["target", "job", "correlation_order", "kind", "max_angular", "max_radial", "radial_gaussian_width",
               "cutoff", "diameters", "n_features", "kflop_per_centre", "kflop_per_frame", "measured_us_per_centre",
               "measured_us_per_frame", "test_rmse", "test_r2", "on_cost_front", "on_feature_front"]
    table, best, panels, curve_panels = [], [], [], []
    for target, entry in front["targets"].items():
        for i, point in enumerate(points):
            table.append({**{key: point[key] for key in columns if key in point}, "target": target,
                          "measured_us_per_centre": measured[i]["us_per_centre"],
                          "measured_us_per_frame": measured[i]["us_per_frame"],
                          "test_rmse": entry["rmse"][i], "test_r2": entry["r2"][i],
                          "on_cost_front": entry["on_cost_front"][i],
                          "on_feature_front": entry["on_feature_front"][i]})
        for budget, i in zip(budgets, entry["best_per_budget"]):
            best.append({"target": target, "budget_kflop_per_centre": budget,
                         **({"job": points[i]["job"], "correlation_order": points[i]["correlation_order"],
                             "label": figures.sweep_point_label(points[i]), "n_features": points[i]["n_features"],
                             "kflop_per_centre": points[i]["kflop_per_centre"], "test_rmse": entry["rmse"][i],
                             "test_r2": entry["r2"][i]} if i is not None else {})})
        panels.append({"name": target, "cost": [p["kflop_per_centre"] for p in points],
                       "measured": [m["us_per_centre"] for m in measured],
                       "n_features": [p["n_features"] for p in points], "error": entry["rmse"],
                       "correlation_order": [p["correlation_order"] for p in points], "on_cost_front": entry["on_cost_front"],
                       "on_feature_front": entry["on_feature_front"]})
        by_job = {p["job"]: p for p in points}
        curve_panels.append({"name": target, "curves": [
            {"label": figures.sweep_point_label(by_job[job]), "train_sizes": c["train_sizes"],
             "mean": c["test_rmse_mean"], "min": c["test_rmse_min"], "max": c["test_rmse_max"]}
            for job, c in sorted(entry["curves"].items(), key=lambda item: by_job[item[0]]["kflop_per_centre"])]})
    for file, rows, fields in (("pareto.csv", table, columns), ("best_per_budget.csv", best, [
            "target", "budget_kflop_per_centre", "job", "correlation_order", "label", "n_features", "kflop_per_centre",
            "test_rmse", "test_r2"])):
        save_csv(out / file, rows, fields)
    figures.pareto_plot(panels, out / "pareto.png", title=f"sweep {name}: test error against cost")
    figures.front_learning_curves_plot(curve_panels, out / "learning_curves.png",
                                     title=f"sweep {name}: learning curves of the cost front")
    write_rows(out / "summary_rows.json", sweep_rows(name, front, front_job.id))


REPORTS = [Report("sweep_report", sweep_report, "Pareto figure and table, learning curves, summary rows of a sweep",
                  category="Sweeps (beyond the paper)")]
