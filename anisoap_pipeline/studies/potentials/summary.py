"""Summary rows of the learned-potentials study (beyond the paper: its stated next goal)."""

from ...summary.table import finding, fmt, fmt_spread, low

__all__ = ["QUANTITIES", "fit_rows", "md_numbers", "md_rows"]

SECTION = "learned potentials for ellipsoids (beyond the paper)"
#: Test R² of the force and of the torque components a potential must reach.
R2_TARGET = 0.95
#: The fitted quantities: key in the metrics and predictions -> (name, unit).
QUANTITIES = {"energy_per_particle": ("E/N", "ε"), "forces": ("F", "ε/σ"), "torques": ("τ", "ε")}


def _quantities(statistics):
    return "; ".join(f"{name} R² = {fmt_spread(statistics[q]['r2'], 4)}, RMSE = {fmt_spread(statistics[q]['rmse'])} {unit}"
                     for q, (name, unit) in QUANTITIES.items())


def fit_rows(models):
    """Rows of the fitted potentials.

    Parameters
    ----------
    models : dict
        name -> ``{"jobs": [potential_fit ids], "n_train": int, "test": summary, "held_out": summary or None,
        "curve": fit.json learning curve of split 0}``, the summaries over splits of
        :func:`~anisoap_pipeline.studies.potentials.learning_curve.errors`' metrics
        (:func:`anisoap_pipeline.analysis.splits.summarise`).

    Returns
    -------
    list of dict
    """
    rows = []
    for name, model in models.items():
        n = model["test"]["forces"]["r2"]["n"]
        rows.append(finding("potentials", f"{name}: test frames of the training state points ({model['n_train']} "
                            f"training frames, {n} splits)", _quantities(model["test"]), model["jobs"], section=SECTION,
                            headline={f"potentials.{name}.{q}.{m}": model["test"][q][m] for q in QUANTITIES
                                      for m in ("r2", "rmse")}))
        if model["held_out"]:
            rows.append(finding("potentials", f"{name}: held-out state points (never trained on)",
                                _quantities(model["held_out"]), model["jobs"], section=SECTION))
    best = max(models, key=lambda name: min(low(models[name]["test"][q]["r2"]) for q in ("forces", "torques")))
    test = models[best]["test"]
    misses = [f"{QUANTITIES[q][0]} R² {fmt(test[q]['r2']['mean'], 4)} (mean − sd short of {R2_TARGET} by "
              f"{fmt(R2_TARGET - low(test[q]['r2']), 2)})" for q in ("forces", "torques") if low(test[q]["r2"]) < R2_TARGET]
    curve = models[best]["curve"]
    trend = (f"; force RMSE over {curve['train_sizes'][0]}–{curve['train_sizes'][-1]} training frames: "
             f"{fmt(curve['forces_rmse'][0])} → {fmt(curve['forces_rmse'][-1])} ε/σ") if curve["train_sizes"] else ""
    answer = (f"yes: {best}" if not misses else f"no: the best, {best}, misses " + " and ".join(misses)) + trend
    rows.append(finding(
        "potentials", f"does the best potential reach force and torque R² ≥ {R2_TARGET} on test frames?", answer,
        models[best]["jobs"], section=SECTION,
        criterion=f"learned potentials: yes if test R² mean − sd ≥ {R2_TARGET} over the splits for both the force "
                  "and the torque components; the best model is the one with the highest lower of the two."))
    return rows


#: Columns of ``md.csv`` (:func:`md_numbers`); a check an ensemble has not is left empty.
MD_COLUMNS = ("state point", "ensemble", "verdict", "failed run", "failure step", "failure reason",
              "drift learned", "drift exact", "drift ratio", "S learned", "S exact", "peak position learned",
              "peak position exact", "peak height learned", "peak height exact")


def md_numbers(comparison):
    """One row of ``md.csv`` from a :func:`.analysis.compare_runs` result (with ``label``)."""
    numbers = dict.fromkeys(MD_COLUMNS, "")
    numbers.update({"state point": comparison["label"], "ensemble": comparison["ensemble"],
                    "verdict": comparison["verdict"]})
    for name, run in comparison["runs"].items():
        if run["status"] == "failed":
            numbers.update({"failed run": name, "failure step": run["step"], "failure reason": run["reason"]})
    checks = comparison["checks"]
    if "energy_drift" in checks:
        drift = checks["energy_drift"]
        numbers.update({"drift learned": drift["learned"]["drift"], "drift exact": drift["exact"]["drift"],
                        "drift ratio": drift["ratio"]})
    if "nematic_order" in checks:
        numbers.update({"S learned": checks["nematic_order"]["learned"]["mean"],
                        "S exact": checks["nematic_order"]["exact"]["mean"]})
        for quantity in ("position", "height"):
            peak = checks[f"rdf_peak_{quantity}"]
            numbers.update({f"peak {quantity} learned": peak["learned"]["value"],
                            f"peak {quantity} exact": peak["exact"]["value"]})
    return numbers


def _md_answer(comparison):
    runs = comparison["runs"]
    failed = [f"the {name} run failed at step {run['step']:,}: {run['reason']}" for name, run in runs.items()
              if run["status"] == "failed"]
    if failed:
        return "failed: " + "; ".join(failed)
    checks = comparison["checks"]
    if comparison["ensemble"] == "nve":
        drift = checks["energy_drift"]
        ratio = "n/a" if drift["ratio"] is None else fmt(drift["ratio"], 2)
        return (f"{comparison['verdict']}: drift {fmt(drift['learned']['drift'], 2)} against exact "
                f"{fmt(drift['exact']['drift'], 2)} ± {fmt(drift['exact']['drift_error'], 2)} ε per particle per "
                f"1,000 steps (ratio {ratio}); largest excursion {fmt(drift['learned']['max_excursion'], 2)} against "
                f"{fmt(drift['exact']['max_excursion'], 2)} ε per particle")
    order = checks["nematic_order"]
    peaks = [f"g(r) first peak {q} {fmt(checks[f'rdf_peak_{q}']['learned']['value'])} against "
             f"{fmt(checks[f'rdf_peak_{q}']['exact']['value'])} ({checks[f'rdf_peak_{q}']['passed']})"
             for q in ("position", "height")]
    return (f"{comparison['verdict']}: S {fmt(order['learned']['mean'])} ± {fmt(order['learned']['error'], 2)} "
            f"against exact {fmt(order['exact']['mean'])} ± {fmt(order['exact']['error'], 2)} "
            f"({order['passed']}); " + "; ".join(peaks))


def md_rows(comparisons):
    """Rows of the MD runs, one per learned run beside its exact Gay-Berne run.

    Parameters
    ----------
    comparisons : list of dict
        :func:`.analysis.compare_runs` results with ``label``, ``jobs``, ``n_steps`` and ``timestep``.
    """
    rows = []
    for c in comparisons:
        question = (f"{c['ensemble'].upper()} MD with {c['potential']}, {c['label']}, {c['n_steps']:,} steps "
                    f"of {c['timestep']:g}: as exact Gay-Berne from the same start?")
        criterion = "; ".join(f"{name}: {check['judged']}" for name, check in c["checks"].items())
        rows.append(finding("potentials", question, _md_answer(c), c["jobs"], section=SECTION,
                            criterion=f"learned MD ({c['ensemble'].upper()}): " + (criterion or "the run failed")))
    return rows
