"""The learned-potentials study's report: parity plots of E/N, F and τ for every potential,
learning curves, ``metrics.csv``; with MD, ``md.png`` and ``md.csv`` (learned against exact Gay-Berne
MD); ``summary_rows.json``.

Its groups (:func:`anisoap_pipeline.studies.potentials.plan.plan`): ``fits_<model>`` (the
potential_fit jobs of each model, one per split), ``data`` and ``held_out`` (gay_berne_md jobs),
``md`` (md jobs).
"""

import json
from pathlib import Path

from ...steps import Report

__all__ = ["REPORTS", "potentials_report"]

PREFIX = "fits_"


def potentials_report(out, groups, args):
    """Figures, metrics table and summary rows of the learned potentials (and their MD)."""
    import numpy as np

    from . import figures, summary
    from ...analysis.splits import summarise
    from ...summary import write_rows
    from ...tracking import open_job

    models, table = {}, []
    for group, ids in groups.items():
        if not group.startswith(PREFIX):
            continue
        name = group[len(PREFIX):]
        jobs = [open_job(job_id) for job_id in ids]
        fits = [json.loads(Path(job.fn("fit.json")).read_text()) for job in jobs]
        metrics = summarise([fit["metrics"] for fit in fits])
        models[name] = {"jobs": list(ids), "n_train": fits[0]["n_train"], "test": metrics["test"],
                        "held_out": metrics.get("held_out"), "curve": fits[0]["learning_curve"],
                        "predictions": dict(np.load(jobs[0].fn("predictions.npz")))}
        for job, fit in zip(jobs, fits):
            for subset, values in fit["metrics"].items():
                for quantity, m in values.items():
                    table.append({"model": name, "job": job.id, "seed": job.sp()["seed"], "subset": subset,
                                  "quantity": quantity, "n": m["n"], "rmse": m["rmse"], "mae": m["mae"], "r2": m["r2"]})
    figures.parity_plots(models, out / "parity.png")
    figures.learning_curves(models, out / "learning_curve.png")
    _write_csv(out / "metrics.csv", table)
    rows = summary.fit_rows(models)
    if groups.get("md"):
        from .analysis import md_comparisons

        comparisons, md_table = md_comparisons([open_job(job_id) for job_id in groups["md"]], out / "md.png")
        _write_csv(out / "md.csv", md_table)
        rows += summary.md_rows(comparisons)
    write_rows(out / "summary_rows.json", rows)


def _write_csv(path, table):
    import csv

    from ...io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


REPORTS = [Report("potentials_report", potentials_report, "learned potentials: parity, learning curves, MD, summary rows",
                  category="Learned potentials")]
