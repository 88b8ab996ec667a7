"""Summary rows of the learned-potentials study (beyond the paper: its stated next goal)."""

from ...summary.table import finding, fmt, fmt_spread, low

__all__ = ["fit_rows", "md_rows"]

SECTION = "learned potentials for ellipsoids (beyond the paper)"
#: Test R² of the force and of the torque components a potential must reach.
R2_TARGET = 0.95
_NAMES = {"energy_per_particle": ("E/N", "ε"), "forces": ("F", "ε/σ"), "torques": ("τ", "ε")}


def _quantities(statistics):
    return "; ".join(f"{name} R² = {fmt_spread(statistics[q]['r2'], 4)}, RMSE = {fmt_spread(statistics[q]['rmse'])} {unit}"
                     for q, (name, unit) in _NAMES.items())


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
                            f"training frames, {n} splits)", _quantities(model["test"]), model["jobs"], section=SECTION))
        if model["held_out"]:
            rows.append(finding("potentials", f"{name}: held-out state points (never trained on)",
                                _quantities(model["held_out"]), model["jobs"], section=SECTION))
    best = max(models, key=lambda name: min(low(models[name]["test"][q]["r2"]) for q in ("forces", "torques")))
    test = models[best]["test"]
    misses = [f"{_NAMES[q][0]} R² {fmt(test[q]['r2']['mean'], 4)} (short of {R2_TARGET} by "
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


def md_rows(comparisons):
    """Rows of the MD runs: one per comparison of :func:`.analysis.compare_runs`.

    Parameters
    ----------
    comparisons : list of dict
        ``{"question", "answer", "jobs", "criterion"}`` each.
    """
    return [finding("potentials", c["question"], c["answer"], c["jobs"], criterion=c.get("criterion", ""),
                    section=SECTION) for c in comparisons]
