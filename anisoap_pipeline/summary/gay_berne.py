"""Summary rows of the Gay-Berne dimer study (paper Sec. III B, Fig. 3, Fig. S4)."""

from .table import fmt, row

__all__ = ["BEYOND_THE_PAPER", "gay_berne_force_rows", "gay_berne_rows"]

#: R² above which a parity plot counts as "on the diagonal".
H12_R2_YES = 0.99
#: Energy R² for "good parity"; below it but above the next one, qualitative.
ENERGY_R2_YES = 0.9
ENERGY_R2_QUALITATIVE = 0.5
#: A learning curve has converged at N when its mean RMSE there is within
#: this factor of the mean RMSE at the largest size.
CONVERGED_WITHIN = 1.10
#: The paper's "converges with as few as 1,000 training points".
PAPER_CONVERGENCE_SIZE = 1000


def _converged_size(curve):
    """Smallest training size whose mean RMSE is within CONVERGED_WITHIN of the last."""
    sizes, mean = curve["train_sizes"], curve["test_rmse_mean"]
    final = mean[-1]
    for size, value in zip(sizes, mean):
        if value <= CONVERGED_WITHIN * final:
            return size
    return sizes[-1]


def gay_berne_rows(models, curves, n_dimers):
    """Summary rows of the Gay-Berne study.

    Parameters
    ----------
    models : dict
        target -> dict with ``job`` (id), ``metrics`` (test
        :func:`~anisoap_pipeline.analysis.regression.regression_metrics`) and,
        for ``energy``, ``attractive`` and ``repulsive`` (the same metrics on
        test points with U < 0 and U > 0).
    curves : dict
        target -> dict with ``job`` and the learning-curve result
        (``train_sizes``, ``test_rmse_mean``).
    n_dimers : int
        Size of the data set.

    Returns
    -------
    list of dict
    """
    rows = []
    names = {"h12_pw": "h12, exact (Perram–Wertheim)", "h12_gb": "h12, Gay-Berne σ12 approximation"}
    for target, name in names.items():
        if target not in models:
            continue
        m = models[target]["metrics"]
        rows.append(row(
            "gay_berne",
            f"parity of predicted {name} (test set, {n_dimers:,} dimers)",
            "“perfect agreement” between computed and predicted h12 (Fig. 3)",
            f"R² = {fmt(m['r2'], 4)}, RMSE = {fmt(m['rmse'])} σ",
            models[target]["job"],
            "yes" if m["r2"] >= H12_R2_YES else ("qualitative" if m["r2"] >= 0.9 else "no"),
            f"h12 parity: yes if test R² ≥ {H12_R2_YES}, qualitative if ≥ 0.9.",
        ))
    if "energy" in models:
        m = models["energy"]["metrics"]
        attractive, repulsive = models["energy"]["attractive"], models["energy"]["repulsive"]
        ours = f"R² = {fmt(m['r2'])}, RMSE = {fmt(m['rmse'])} ε; RMSE U<0: {fmt(attractive['rmse'])} ε"
        degrades = repulsive["n"] > 0 and repulsive["rmse"] > attractive["rmse"]
        if repulsive["n"]:
            ours += f" ({attractive['n']} pts), U>0: {fmt(repulsive['rmse'])} ε ({repulsive['n']} pts)"
        if m["r2"] >= ENERGY_R2_YES and (degrades or not repulsive["n"]):
            verdict = "yes"
        elif m["r2"] >= ENERGY_R2_QUALITATIVE and (degrades or not repulsive["n"]):
            verdict = "qualitative"
        else:
            verdict = "no"
        rows.append(row(
            "gay_berne",
            f"parity of predicted energy U (test set, {n_dimers:,} dimers)",
            "good parity, degrading only for heavily overlapped repulsive configurations (Fig. 3)",
            ours,
            models["energy"]["job"],
            verdict,
            f"energy parity: yes if test R² ≥ {ENERGY_R2_YES} and the repulsive (U > 0) test "
            f"points have the larger RMSE; qualitative if R² ≥ {ENERGY_R2_QUALITATIVE} with "
            "that trend; else no.",
        ))
    if curves:
        parts, converged, largest = [], [], 0
        for target, curve in curves.items():
            size = _converged_size(curve)
            converged.append(size)
            largest = max(largest, curve["train_sizes"][-1])
            parts.append(
                f"{target}: N_conv = {fmt(int(size))} (RMSE {fmt(curve['test_rmse_mean'][0])} → "
                f"{fmt(curve['test_rmse_mean'][-1])})"
            )
        if largest < PAPER_CONVERGENCE_SIZE:
            verdict = "n/a"
        else:
            verdict = "yes" if max(converged) <= 1.5 * PAPER_CONVERGENCE_SIZE else "no"
        rows.append(row(
            "gay_berne",
            f"learning curve (largest N_train = {fmt(int(largest))})",
            "converges with as few as 1,000 training points (Fig. S4)",
            "; ".join(parts),
            [curve["job"] for curve in curves.values()],
            verdict,
            f"learning curve: N_conv is the smallest training size whose mean test RMSE is "
            f"within {CONVERGED_WITHIN:.2f}× that at the largest size; yes if N_conv ≤ "
            f"{int(1.5 * PAPER_CONVERGENCE_SIZE):,} for every target, n/a if the largest size "
            f"is below {PAPER_CONVERGENCE_SIZE:,}.",
        ))
    return rows


#: Heading of the rows beyond the paper's claims (the ``section`` of the sweep
#: study's table rows, where that has landed).
BEYOND_THE_PAPER = "beyond the paper"


def gay_berne_force_rows(fit, job):
    """Rows of the force/torque fit (issue 12.5), beyond the paper's claims.

    Parameters
    ----------
    fit : dict
        ``force_fit.json``: ``metrics`` (per fit, test metrics of energy, force
        and torque), ``curve`` (:func:`~anisoap_pipeline.analysis.force_fit.force_learning_curve`).
    job : str
        The force_fit job id.

    Returns
    -------
    list of dict
        :func:`row` dicts with verdict ``n/a`` (the paper has no such claim)
        and ``section`` :data:`BEYOND_THE_PAPER`.
    """
    metrics, curve = fit["metrics"], fit["curve"]
    energy, both = metrics["energy"], metrics["energy_forces_torques"]
    rows = [
        row("gay_berne", f"linear AniSOAP potential, {fit['n_train']:,} training dimers: test energy RMSE (R²)",
            "not in the paper", f"energies only {fmt(energy['energy']['rmse'])} ε ({fmt(energy['energy']['r2'])}); "
            f"energies + forces + torques {fmt(both['energy']['rmse'])} ε ({fmt(both['energy']['r2'])})", job, "n/a"),
        row("gay_berne", "same fits: test force / torque RMSE", "not in the paper",
            f"energies only {fmt(energy['force']['rmse'])} ε/σ / {fmt(energy['torque']['rmse'])} ε; "
            f"with gradients {fmt(both['force']['rmse'])} ε/σ / {fmt(both['torque']['rmse'])} ε", job, "n/a"),
    ]
    n = curve["train_sizes"][0]
    rows.append(row(
        "gay_berne", f"energy RMSE from {n} training dimers (learning curve)", "not in the paper",
        f"energies only {fmt(curve['energy']['energy_rmse'][0])} ε; energies + forces + torques "
        f"{fmt(curve['energy_forces_torques']['energy_rmse'][0])} ε", job, "n/a"))
    return [{**item, "section": BEYOND_THE_PAPER} for item in rows]
