"""The benzene study's report: GFRE contours (paper Figs. 5, S6), parity (Fig. 6),
learning curves (Fig. S5), baselining (Fig. 7), the PCovR map, ``gfre.csv``,
``metrics.csv``, the pcovr job's chemiscope file, ``pcovr.chemiscope.json.gz`` (the
same map with each molecule's ellipsoid, of the selected AniSOAP diameters, drawn
among its atoms, :func:`anisoap_pipeline.chemiscope_io.write_coarse_grained_map`)
and ``summary_rows.json``.

Its groups (:func:`anisoap_pipeline.studies.benzene.plan.plan`): ``gfre`` (the
scan's grid points), ``regression``, ``baseline``, ``pcovr``, ``labels``,
``crystals`` and ``ellipsoids`` (the coarse-grained crystals), one job each.
Energies in meV/atom.
"""

import json
import math
from pathlib import Path

from ...steps import Report
from .steps import NAMES, REPRESENTATIONS, read_crystals

__all__ = ["REPORTS", "benzene_report"]


def benzene_report(out, groups, args):
    """Figures, tables, the chemiscope map and summary rows of the benzene study."""
    import shutil

    import numpy as np

    from . import figures
    from .summary import benzene_rows
    from ...plots import learning_curve_plot
    from ...summary import write_rows
    from ...io import atomic_path, save_csv, save_json
    from ...tracking import open_job, read_metrics

    unit = "meV/atom"

    # GFRE scan (Figs. 5, S6)
    grid = []
    for job_id in groups["gfre"]:
        m = read_metrics(job_id)
        grid.append({"job": job_id, **{k: m[k] for k in ("diameter_12", "diameter_3", "radial_gaussian_width", "gfre")},
                     "n_features_anisoap": m["n_features_anisoap"], "n_features_soap": m["n_features_soap"],
                     "rank_anisoap": m["rank_anisoap"], **({"splits": m["splits"]["gfre"]} if "splits" in m else {})})
    grid.sort(key=lambda p: (p["radial_gaussian_width"], p["diameter_12"], p["diameter_3"]))
    columns = {k: np.array([p[k] for p in grid]) for k in ("diameter_12", "diameter_3", "radial_gaussian_width", "gfre")}
    figures.gfre_contour_plot(columns["diameter_12"], columns["diameter_3"], columns["radial_gaussian_width"], columns["gfre"],
                            out / "gfre.png", title="Benzene: GFRE(X_AniSOAP → X_SOAP) over the ellipsoid shape")
    table = []
    for p in grid:  # gfre: the paper's split; mean and sd over the seeded splits
        spread = p.get("splits", {"mean": p["gfre"], "sd": math.nan, "n": 1})
        table.append({**{k: p[k] for k in ("diameter_12", "diameter_3", "radial_gaussian_width", "gfre", "job")},
                      "gfre_mean": spread["mean"], "gfre_sd": spread["sd"], "n_splits": spread["n"]})
    save_csv(out / "gfre.csv", table, ["diameter_12", "diameter_3", "radial_gaussian_width", "gfre", "gfre_mean",
                                       "gfre_sd", "n_splits", "job"])

    # regression (Figs. 6, S5)
    ridge = open_job(groups["regression"][0])
    ridge_metrics = read_metrics(ridge)
    data = np.load(ridge.fn("predictions.npz"))
    y_test = data["y"][data["test"]]
    panels = []
    for name in REPRESENTATIONS:
        title = NAMES[name]
        selected = ridge_metrics["selected"].get(name)
        if selected:
            title += (f"\ndiameters ({selected['diameter_12']:g}, {selected['diameter_12']:g}, "
                      f"{selected['diameter_3']:g}) Å, σ_GTO={selected['radial_gaussian_width']:g} Å")
        else:
            title += f"\n{ridge_metrics[name]['n_features']} principal components"
        panels.append({"y_true": y_test, "y_pred": data[f"{name}_y_test_pred"], "name": "energy", "unit": unit,
                       "metrics": ridge_metrics[name]["test"], "title": title})
    figures.parity_error_plot(panels, out / "parity.png", title="Benzene crystals: ridge regression, test set")
    curves = json.loads(Path(ridge.fn("learning_curves.json")).read_text())
    learning_curve_plot(
        [{"train_sizes": c["train_sizes"], "mean": c["test_rmse_mean"], "min": c["test_rmse_min"],
          "max": c["test_rmse_max"], "folds": c["folds"], "name": NAMES[name], "unit": unit}
         for name, c in ((name, curves[name]) for name in REPRESENTATIONS if name in curves)],
        out / "learning_curve.png", title="Benzene crystals: learning curves (ridge, 5-fold CV)")

    # baselining (Fig. 7)
    baseline = open_job(groups["baseline"][0])
    base = np.load(baseline.fn("baseline.npz"))
    base_metrics = read_metrics(baseline)
    figures.baselining_plot(base["y"][base["test"]], base["y_test_baseline"], base["y_test_pred"],
                          out / "baselining.png", name="energy", unit=unit,
                          metrics_before=base_metrics["before"], metrics_after=base_metrics["after"],
                          title="AniSOAP baseline + SOAP correction, test set")

    # PCovR map
    pcovr = open_job(groups["pcovr"][0])
    pcovr_data = np.load(pcovr.fn("pcovr.npz"))
    pcovr_metrics = read_metrics(pcovr)
    figures.pcovr_map_plot(pcovr_data["projection"], pcovr_data["residual"], out / "pcovr_map.png",
                         color_label=f"AniSOAP residual ({unit})", mixing=pcovr_metrics["mixing"],
                         test=pcovr_data["test"], title="PCovR of SOAP vs AniSOAP residual")
    with atomic_path(out / "pcovr_chemiscope.json.gz") as tmp:
        shutil.copyfile(pcovr.fn("chemiscope.json.gz"), tmp)
    _write_pcovr_chemiscope(ridge_metrics["selected"]["anisoap"], groups, pcovr_data, pcovr_metrics,
                            out / "pcovr.chemiscope.json.gz")

    # metrics table
    rows = []
    for name in (*REPRESENTATIONS, "soap_full"):
        m = ridge_metrics[name]
        rows.append({"model": NAMES[name], "job": ridge.id, "n_features": m["n_features"], "rank": m["rank"],
                     "rmse": m["test"]["rmse"], "mae": m["test"]["mae"], "r2": m["test"]["r2"],
                     "alpha": m["alpha"], "n_test": m["test"]["n"]})
    for label, key in (("AniSOAP baseline", "before"), ("AniSOAP + SOAP correction", "after")):
        m = base_metrics[key]
        rows.append({"model": label, "job": baseline.id, "n_features": "", "rank": "", "rmse": m["rmse"],
                     "mae": m["mae"], "r2": m["r2"], "alpha": "", "n_test": m["n"]})
    save_csv(out / "metrics.csv", rows)

    n_crystals = len(data["y"])
    save_json(out / "results.json", {"gfre": grid, "ridge": {"job": ridge.id, **ridge_metrics},
                                     "baseline": {"job": baseline.id, **base_metrics},
                                     "pcovr": {"job": pcovr.id, **pcovr_metrics}, "n_crystals": n_crystals})
    calculator = open_job(groups["labels"][0]).sp()["calculator"]
    write_rows(out / "summary_rows.json", benzene_rows(
        grid, {"job": ridge.id, **ridge_metrics}, {k: {"job": ridge.id, **c} for k, c in curves.items()},
        {"job": baseline.id, **base_metrics}, {"job": pcovr.id, **pcovr_metrics}, n_crystals, calculator))


def _write_pcovr_chemiscope(selected, groups, pcovr_data, pcovr_metrics, path):
    """chemiscope PCovR map of the crystals, each molecule's ellipsoid (the selected AniSOAP shape) among its atoms."""
    import numpy as np

    from ...chemiscope_io import write_coarse_grained_map
    from ...frames import read_frames
    from ...tracking import artifact, open_job

    features = open_job(selected["features_job"])
    ellipsoids = read_frames(artifact(groups["ellipsoids"][0], "frames"),
                             diameters=features.sp()["diameters"])
    crystals = read_crystals(open_job(groups["crystals"][0]))
    write_coarse_grained_map(
        path, crystals, ellipsoids, pcovr_data["projection"][:, :2],
        {"AniSOAP residual (meV/atom)": pcovr_data["residual"], "energy (meV/atom)": pcovr_data["y"],
         "AniSOAP prediction (meV/atom)": pcovr_data["baseline_pred"],
         "set": np.where(pcovr_data["test"], "test", "train")},
        name="Benzene crystals: PCovR of SOAP against the AniSOAP residual, with the ellipsoids",
        description=(f"PCovR (mixing {pcovr_metrics['mixing']:g}) of the all-atom SOAP power spectrum against "
                     "the residual of the ridge model on AniSOAP; each molecule's coarse-grained ellipsoid is "
                     f"drawn with the selected AniSOAP diameters {features.sp()['diameters']} Å. "
                     "AniSOAP paper Sec. III C."))


REPORTS = [Report("benzene_report", benzene_report, "benzene figures, tables, chemiscope maps and summary rows",
                  category="Benzene crystals", mem_mb=8000)]
