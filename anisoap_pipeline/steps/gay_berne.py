"""Workflow steps of the Gay-Berne dimer study (paper Sec. III B, Fig. 3, Fig. S4).

``dimers JOB``
    state point: the arguments of
    :func:`anisoap_pipeline.datasets.gay_berne.sample_dimers` -> ``frames.xyz``
    with ``energy``, ``h12_gb`` and ``h12_pw`` in each frame's info.
``gay_berne_report --models JOB... --curves JOB... --output-dir DIR``
    parity plots (Fig. 3), learning curves (Fig. S4), ``metrics.csv``,
    ``summary_rows.json`` and ``parity.chemiscope.json.gz`` (the test dimers drawn
    as ellipsoids, placed by target against prediction,
    :func:`anisoap_pipeline.chemiscope_io.write_parity_map`).

Featurisation (``featurize --job``), ridge models and learning curves are the
generic steps of :mod:`anisoap_pipeline.cli` and :mod:`.regression`.
"""

import time
from pathlib import Path

from . import add_job_step, parameters

__all__ = ["add_parsers"]


def _dimers(args):
    """Gay-Berne dimers of the state point (sample_dimers) -> frames.xyz."""
    import numpy as np

    from ..datasets.gay_berne import sample_dimers
    from ..frames import write_frames
    from ..tracking import job_step, record

    with job_step("dimers", args.job) as job:
        params = parameters(job.sp())
        start = time.perf_counter()
        frames = sample_dimers(**params)
        write_frames(job.fn("frames.xyz"), frames)
        energy = np.array([atoms.info["energy"] for atoms in frames])
        h12_pw = np.array([atoms.info["h12_pw"] for atoms in frames])
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_dimers": len(frames),
            "energy_min": float(energy.min()), "energy_max": float(energy.max()),
            "energy_mean": float(energy.mean()),
            "fraction_repulsive": float(np.mean(energy > 0)),
            "fraction_negligible": float(np.mean(np.abs(energy) < 0.01)),
            "h12_pw_min": float(h12_pw.min()), "h12_pw_max": float(h12_pw.max()),
        })


def _report(args):
    """Gay-Berne figures (parity, learning curves), metrics table and summary rows."""
    import csv
    import json

    import numpy as np

    from .. import plots, summary
    from ..analysis.regression import regression_metrics
    from ..analysis.splits import summarise
    from ..io import atomic_path
    from ..tracking import open_job, read_metrics

    out = Path(args.output_dir)
    units = {"energy": "ε", "energy_attractive": "ε", "h12_gb": "σ", "h12_pw": "σ"}
    names = {"energy": "U", "energy_attractive": "U, model of the U < 0 dimers", "h12_gb": "h12 (Gay-Berne σ12)",
             "h12_pw": "h12 (Perram–Wertheim)"}
    order = {"h12_pw": 0, "h12_gb": 1, "energy": 2}
    models, curves, panels, table, n_dimers, parity = {}, {}, [], [], 0, {}
    for job in sorted(map(open_job, args.models), key=lambda j: order.get(j.sp()["target"], 9)):
        target = job.sp()["target"]
        branch = job.sp().get("target_below") is not None
        data = np.load(job.fn("predictions.npz"))
        parity[target] = (job, data)
        y, p = data["y_test"], data["y_test_pred"]
        entry = {"job": job.id, "metrics": regression_metrics(y, p), "splits": read_metrics(job)["splits"]}
        subsets = {"": slice(None)}
        if branch:
            target = f"{target}_attractive"  # the model of the U < 0 dimers alone
        else:
            n_dimers = len(data["train"]) + len(data["test"])
        if target == "energy":
            entry["attractive"] = regression_metrics(y[y < 0], p[y < 0])
            entry["repulsive"] = regression_metrics(y[y > 0], p[y > 0])
            # the same on every split's test rows: the wall's RMSE against the attractive branch's
            entry["splits_subsets"] = summarise([
                {"attractive": regression_metrics(ys[ys < 0], ps[ys < 0]),
                 "repulsive": regression_metrics(ys[ys > 0], ps[ys > 0])}
                for ys, ps in zip(data["splits_y_test"], data["splits_y_test_pred"])])
            subsets.update({" (U < 0)": y < 0, " (U > 0)": y > 0})
        models[target] = entry
        panels.append({"y_true": y, "y_pred": p, "name": names.get(target, target),
                       "unit": units.get(target, ""), "metrics": entry["metrics"]})
        for suffix, rows in subsets.items():
            m = regression_metrics(y[rows], p[rows])
            table.append({"target": target + suffix, "job": job.id, "n_test": m["n"],
                          "rmse": m["rmse"], "mae": m["mae"], "r2": m["r2"],
                          "alpha": read_metrics(job)["alpha"], "n_train": len(data["train"])})
    for job in sorted(map(open_job, args.curves), key=lambda j: order.get(j.sp()["target"], 9)):
        curve = json.loads(Path(job.fn("learning_curve.json")).read_text())
        curves[job.sp()["target"]] = {"job": job.id, **curve}
    plots.parity_plot(panels, out / "parity.png", title="Gay-Berne dimers: ridge on AniSOAP, test set")
    plots.learning_curve_plot(
        [{"train_sizes": c["train_sizes"], "mean": c["test_rmse_mean"], "min": c["test_rmse_min"],
          "max": c["test_rmse_max"], "folds": c["folds"], "name": names.get(t, t),
          "unit": units.get(t, "")} for t, c in curves.items()],
        out / "learning_curve.png", title="Gay-Berne dimers: learning curves",
    )
    with atomic_path(out / "metrics.csv") as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    summary.write_rows(out / "summary_rows.json", summary.gay_berne_rows(models, curves, n_dimers))
    _write_parity_chemiscope(parity, units, out / "parity.chemiscope.json.gz")


def _write_parity_chemiscope(parity, units, path):
    """chemiscope parity map of the test dimers: every ridge target against its prediction, dimers as ellipsoids.

    ``parity``: target -> (ridge job, its predictions.npz); the energy (else the
    first target) places the points, the other targets are properties.
    """
    import numpy as np

    from ..chemiscope_io import write_parity_map
    from ..frames import read_frames
    from ..tracking import ARTIFACTS, open_job

    shown = "energy" if "energy" in parity else next(iter(parity))
    job, data = parity[shown]
    dimers = open_job(open_job(job.sp()["features"]).sp()["dataset"])
    properties = {}
    for target, (other, values) in parity.items():
        if other.sp()["features"] != job.sp()["features"] or not np.array_equal(values["test"], data["test"]):
            raise ValueError(f"ridge jobs {job.id} and {other.id} ({target}) differ in features or test rows: "
                             "their predictions cannot share one parity map")
        if target != shown:
            properties[f"{target} (target)"] = values["y_test"]
            properties[f"{target} (predicted)"] = values["y_test_pred"]
    frames = read_frames(dimers.fn(ARTIFACTS["dimers"]["frames"]))
    write_parity_map(
        path, [frames[i] for i in data["test"]], data["y_test"], data["y_test_pred"],
        quantity=shown, units=units.get(shown), properties=properties,
        name="Gay-Berne dimers: ridge on AniSOAP, test set",
        description=f"The {len(data['test'])} test dimers of the ridge models (features job "
                    f"{job.sp()['features']}), placed by reference against predicted value; "
                    f"targets {', '.join(parity)}. AniSOAP paper Sec. III B, Fig. 3.")


def add_parsers(subparsers):
    """Register ``dimers`` and ``gay_berne_report``."""
    add_job_step(subparsers, "dimers", _dimers, "Gay-Berne dimers of a dataset job -> frames.xyz")
    p = subparsers.add_parser("gay_berne_report", help="Gay-Berne figures, metrics table and summary rows")
    p.add_argument("--models", nargs="+", required=True, help="job ids of the ridge models")
    p.add_argument("--curves", nargs="+", required=True, help="job ids of the learning curves")
    p.add_argument("--output-dir", required=True)
    p.set_defaults(handler=_report)
