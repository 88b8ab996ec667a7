"""The Gay-Berne dimer study's report: parity plots (paper Fig. 3), learning curves
(Fig. S4), ``metrics.csv``, ``summary_rows.json`` and ``parity.chemiscope.json.gz``
(the test dimers drawn as ellipsoids, placed by target against prediction,
:func:`anisoap_pipeline.chemiscope_io.write_parity_map`); with force fits also
``force_parity.png`` and ``force_learning_curve.png``.

Its groups (:func:`anisoap_pipeline.studies.gay_berne.plan.plan`): ``models``
(ridge jobs), ``curves`` (learning curves), ``force_fits``, ``dimers``.
"""

from pathlib import Path

from ...steps import Report

__all__ = ["REPORTS", "gay_berne_report"]


def gay_berne_report(out, groups, args):
    """Gay-Berne figures (parity, learning curves), metrics table and summary rows."""
    import json

    import numpy as np

    from . import figures, summary
    from ...plots import learning_curve_plot, parity_plot
    from ...summary import write_rows
    from ...analysis.regression import regression_metrics
    from ...analysis.splits import summarise
    from ...io import save_csv
    from ...tracking import open_job, read_metrics

    units = {"energy": "ε", "energy_attractive": "ε", "h12_gb": "σ", "h12_pw": "σ"}
    names = {"energy": "U", "energy_attractive": "U, model of the U < 0 dimers", "h12_gb": "h12 (Gay-Berne σ12)",
             "h12_pw": "h12 (Perram–Wertheim)"}
    order = {"h12_pw": 0, "h12_gb": 1, "energy": 2}
    models, curves, panels, table, n_dimers, parity = {}, {}, [], [], 0, {}
    for job in sorted(map(open_job, groups["models"]), key=lambda j: order.get(j.sp()["target"], 9)):
        target = job.sp()["target"]
        branch = job.sp().get("target_below") is not None
        data = np.load(job.fn("predictions.npz"))
        if not branch:  # the chemiscope map shows the models of all dimers
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
    for job in sorted(map(open_job, groups["curves"]), key=lambda j: order.get(j.sp()["target"], 9)):
        curve = json.loads(Path(job.fn("learning_curve.json")).read_text())
        curves[job.sp()["target"]] = {"job": job.id, **curve}
    parity_plot(panels, out / "parity.png", title="Gay-Berne dimers: ridge on AniSOAP, test set")
    learning_curve_plot(
        [{"train_sizes": c["train_sizes"], "mean": c["test_rmse_mean"], "min": c["test_rmse_min"],
          "max": c["test_rmse_max"], "folds": c["folds"], "name": names.get(t, t),
          "unit": units.get(t, "")} for t, c in curves.items()],
        out / "learning_curve.png", title="Gay-Berne dimers: learning curves",
    )
    save_csv(out / "metrics.csv", table)
    rows = summary.gay_berne_rows(models, curves, n_dimers)
    for job in map(open_job, groups["force_fits"]):
        fit = json.loads(Path(job.fn("force_fit.json")).read_text())
        figures.force_fit_plots(dict(np.load(job.fn("force_fit.npz"))), fit["curve"], out)
        rows += summary.gay_berne_force_rows(fit, job.id)
    write_rows(out / "summary_rows.json", rows)
    _write_parity_chemiscope(parity, groups["dimers"][0], units, out / "parity.chemiscope.json.gz")


def _write_parity_chemiscope(parity, dimers, units, path):
    """chemiscope parity map of the test dimers: every ridge target against its prediction, dimers as ellipsoids.

    ``parity``: target -> (ridge job, its predictions.npz); the energy (else the
    first target) places the points, the other targets are properties.
    ``dimers``: the id of the dimers job the models were fitted on.
    """
    import numpy as np

    from ...chemiscope_io import write_parity_map
    from ...frames import read_frames
    from ...tracking import artifact

    shown = "energy" if "energy" in parity else next(iter(parity))
    job, data = parity[shown]
    properties = {}
    for target, (other, values) in parity.items():
        if other.sp()["features"] != job.sp()["features"] or not np.array_equal(values["test"], data["test"]):
            raise ValueError(f"ridge jobs {job.id} and {other.id} ({target}) differ in features or test rows: "
                             "their predictions cannot share one parity map")
        if target != shown:
            properties[f"{target} (target)"] = values["y_test"]
            properties[f"{target} (predicted)"] = values["y_test_pred"]
    frames = read_frames(artifact(dimers, "frames"))
    write_parity_map(
        path, [frames[i] for i in data["test"]], data["y_test"], data["y_test_pred"],
        quantity=shown, units=units.get(shown), properties=properties,
        name="Gay-Berne dimers: ridge on AniSOAP, test set",
        description=f"The {len(data['test'])} test dimers of the ridge models (features job "
                    f"{job.sp()['features']}), placed by reference against predicted value; "
                    f"targets {', '.join(parity)}. AniSOAP paper Sec. III B, Fig. 3.")


REPORTS = [Report("gay_berne_report", gay_berne_report, "Gay-Berne figures, metrics table and summary rows",
                  category="Gay-Berne dimers")]
