"""The learned-potentials study's report: parity plots of E/N, F and τ for every potential,
learning curves, ``metrics.csv``; with MD, ``md.png`` and ``md.csv`` (learned against exact Gay-Berne
MD); ``summary_rows.json``.

Its groups (:func:`anisoap_pipeline.studies.potentials.plan.plan`): ``fits_<model>`` (the
potential_fit jobs of each model, one per split), ``held_out`` (the gay_berne_md jobs of the held-out
state points), ``md`` (md jobs).
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
    from ...io import save_csv
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
    save_csv(out / "metrics.csv", table)
    rows = summary.fit_rows(models)
    if groups.get("md"):
        names = {job_id: name for name, model in models.items() for job_id in model["jobs"]}
        comparisons = _md([open_job(job_id) for job_id in groups["md"]], set(groups["held_out"]), names, out / "md.png")
        save_csv(out / "md.csv", [summary.md_numbers(c) for c in comparisons])
        rows += summary.md_rows(comparisons)
    write_rows(out / "summary_rows.json", rows)


def _run(job):
    """An md job's run as :func:`.analysis.compare_runs` reads it."""
    import numpy as np

    from ...frames import read_frames
    from ...tracking import read_metrics

    thermo = dict(np.load(job.fn("thermo.npz")))
    return {"frames": read_frames(job.fn("trajectory.xyz")), **thermo, "timestep": job.sp()["timestep"],
            "failure": read_metrics(job)["failure"]}


def _md(jobs, held_out, names, path):
    """Compare every learned md job with the exact one of the same start and ensemble; draw them.

    ``held_out``: the gay_berne_md jobs of held-out state points; ``names``: potential_fit job -> model name.
    """
    from . import figures
    from .analysis import compare_runs, run_series

    exact = {(job.sp()["start"], job.sp()["ensemble"]): job for job in jobs if job.sp()["potential"] is None}
    comparisons, series = [], []
    for job in jobs:
        sp = job.sp()
        if sp["potential"] is None:
            continue
        reference = exact[sp["start"], sp["ensemble"]]
        learned_run, exact_run = _run(job), _run(reference)
        where = "held-out" if sp["start"] in held_out else "training"
        label = f"ρ={sp['density']:g} T={sp['temperature']:g} ({where} state point)"
        comparison = compare_runs(learned_run, exact_run, ensemble=sp["ensemble"])
        comparisons.append({**comparison, "label": label, "jobs": [job.id, reference.id], "n_steps": sp["n_steps"],
                            "timestep": sp["timestep"], "potential": names[sp["potential"]]})
        series.append({"label": label, "ensemble": sp["ensemble"], "learned": run_series(learned_run),
                       "exact": run_series(exact_run)})
    figures.md_figure(series, path)
    return comparisons


REPORTS = [Report("potentials_report", potentials_report, "learned potentials: parity, learning curves, MD, summary rows",
                  category="Learned potentials")]
