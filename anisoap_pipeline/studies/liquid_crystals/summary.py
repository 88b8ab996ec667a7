"""Summary rows of the liquid-crystal study (paper Sec. III A, Figs. 1, 2, S2, S3)."""

import math

from ...summary.table import fmt, fmt_spread, has_spread, row

__all__ = ["liquid_crystal_rows"]

#: Absolute GFRE distance from the paper's value (or range) that counts as "yes".
LC_GFRE_TOLERANCE = 0.05
#: The paper's GFRE values (Fig. 2 and its text): input -> target.
LC_PAPER_GFRE = {
    ("anisoap", "sop"): (0.06, 0.08), ("sop", "anisoap"): (0.12, 0.14),
    ("nu2", "oop"): (0.06, 0.06), ("nu1", "oop"): (0.24, 0.24), ("sop", "oop"): (0.39, 0.39),
}
#: A PCA map "separates" classes when a linear classifier on PC1–2 reaches this CV accuracy.
LC_SEPARATION_ACCURACY = 0.95
#: S "varies smoothly" across a map when, within each phase, |Spearman ρ| of S
#: with one of PC1–2 reaches this.
LC_SMOOTH_RHO = 0.8
#: Below this many frames a run is too small to test the paper's numbers (verdict n/a).
LC_MIN_FRAMES = 50


def _near(value, interval, tolerance=LC_GFRE_TOLERANCE):
    low, high = interval
    return low - tolerance <= value <= high + tolerance


def _setting(result):
    """``packing 0.3, cutoff 5 D`` of an analysis result (when the report gave them)."""
    parts = []
    if "packing_fraction" in result:
        parts.append("packing " + "/".join(fmt(float(v), 3) for v in result["packing_fraction"]))
    if "cutoff" in result:
        parts.append(f"cutoff {fmt(float(result['cutoff']), 3)} D")
    return ", ".join(parts)


def liquid_crystal_rows(main, mixed=None, other_cutoffs=()):
    """Summary rows of the liquid-crystal study.

    Parameters
    ----------
    main : dict
        Metrics of the L/D = 3 analysis job (``anisoap-pipeline compare_representations``)
        plus its ``job`` id: ``names`` (representation keys ``nu1``, ``nu2``,
        ``sop``, ``oop``), ``gfre`` (matrix, rows = input, columns = target),
        ``n_frames``, ``seed``, ``phase_separation_<r>`` and
        ``order_correlation_<r>`` for r in (``nu2``, ``sop``).
        With ``cutoff`` (D) and ``packing_fraction`` (list), the rows state them.
    mixed : dict, optional
        The same for the mixed L/D = 2 + 3 analysis (Figs. S2, S3), with
        ``shape_separation_nu2``.
    other_cutoffs : sequence of dict, optional
        The same as ``main`` for the L/D = 3 analyses at further cutoffs: each
        adds a GFRE AniSOAP ↔ X_SOP row (headline keys suffixed ``@<cutoff>``).

    Returns
    -------
    list of dict
        Rows for :func:`write_rows`: GFRE between AniSOAP and X_SOP both ways
        (at every cutoff),
        GFRE of the nematic order parameter from ν = 2, ν = 1 and X_SOP, the
        PCA maps (Fig. 1 and its Steinhardt inset) and, with ``mixed``, shape
        separation (Fig. S2) and the loss of X_SOP / X_OOP -> AniSOAP
        reconstruction on the mixed set (Fig. S3).
    """
    study = "liquid_crystals"

    def entry(source, target, result, key):
        return result[key][result["names"].index(source)][result["names"].index(target)]

    def g(source, target, result=main):
        """GFRE(source → target): the mean over the seeded splits (the paper split's without them)."""
        return entry(source, target, result, "gfre_mean" if "gfre_mean" in result else "gfre")

    def gt(source, target, result=main):
        """GFRE as text, mean ± sd over the splits."""
        statistic = stat(source, target, result)
        if not has_spread(statistic):
            return fmt_spread(statistic, 2)
        return f"{fmt(statistic['mean'], 2)} ± {fmt(statistic['sd'], 1)}"

    def stat(source, target, result=main):
        return {"mean": g(source, target, result), "n": result.get("n_splits", 1),
                "sd": entry(source, target, result, "gfre_sd") if "gfre_sd" in result else math.nan}

    def place(result):
        setting = _setting(result)
        return (f"L/D = 3, {setting + ', ' if setting else ''}{result['n_frames']:,} frames, GFRE mean ± sd "
                f"over {result.get('n_splits', 1)} splits from seed {result['seed']}")

    def sop_row(result, suffix=""):
        """GFRE AniSOAP ↔ X_SOP both ways on one analysis (one cutoff)."""
        forward = [g("nu1", "sop", result), g("nu2", "sop", result)]
        backward = [g("sop", "nu1", result), g("sop", "nu2", result)]
        ordered = max(forward) < min(backward)
        close = all(_near(v, LC_PAPER_GFRE[("anisoap", "sop")]) for v in forward) and all(
            _near(v, LC_PAPER_GFRE[("sop", "anisoap")]) for v in backward)
        small = result["n_frames"] < LC_MIN_FRAMES
        return row(
            study, f"GFRE AniSOAP → X_SOP vs X_SOP → AniSOAP ({place(result)})",
            "AniSOAP → SOP 0.06–0.08 vs SOP → AniSOAP 0.12–0.14 (Fig. 2)",
            f"ν=1 → SOP {gt('nu1', 'sop', result)}, ν=2 → SOP {gt('nu2', 'sop', result)}; "
            f"SOP → ν=1 {gt('sop', 'nu1', result)}, SOP → ν=2 {gt('sop', 'nu2', result)}",
            result["job"], "n/a" if small else ("yes" if close and ordered else ("qualitative" if ordered else "no")),
            f"GFRE values: yes if every value is within ±{LC_GFRE_TOLERANCE} of the paper's value "
            "(or range) and the paper's ordering holds; qualitative if only the ordering holds; "
            f"n/a below {LC_MIN_FRAMES} frames. Ordering for AniSOAP ↔ SOP: both AniSOAP → SOP "
            "errors below both SOP → AniSOAP errors (on the means over the splits). The paper gives "
            "no cutoff: the rows at several cutoffs show how much the verdict depends on it.",
            headline={f"liquid_crystals.gfre.{a}_{b}{suffix}": stat(a, b, result)
                      for a, b in (("nu1", "sop"), ("nu2", "sop"), ("sop", "nu1"), ("sop", "nu2"))},
        )

    n, job = main["n_frames"], main["job"]
    small = n < LC_MIN_FRAMES
    where = place(main)
    rows = [sop_row(main)] + [sop_row(other, f"@{float(other['cutoff']):g}") for other in other_cutoffs]
    oop = {source: g(source, "oop") for source in ("nu2", "nu1", "sop")}
    checks = {
        "nu2": ("GFRE(ν=2 → X_OOP)", oop["nu2"] < min(oop["nu1"], oop["sop"]),
                "ordering for → OOP: ν=2 gives the lowest of ν=2, ν=1, SOP."),
        "nu1": ("GFRE(ν=1 → X_OOP)", oop["nu1"] < oop["sop"],
                "ordering for → OOP: ν=1 below SOP."),
        "sop": ("GFRE(X_SOP → X_OOP)", oop["sop"] > max(oop["nu1"], oop["nu2"]),
                "ordering for → OOP: SOP the highest of ν=2, ν=1, SOP."),
    }
    for source, (quantity, holds, ordering) in checks.items():
        value = oop[source]
        close = _near(value, LC_PAPER_GFRE[(source, "oop")])
        rows.append(row(
            study, f"{quantity} ({where})", f"≈ {LC_PAPER_GFRE[(source, 'oop')][0]:.2f} (Fig. 2)",
            f"{gt(source, 'oop')} (ν=2 {gt('nu2', 'oop')}, ν=1 {gt('nu1', 'oop')}, SOP {gt('sop', 'oop')})",
            job, "n/a" if small else ("yes" if close and holds else ("qualitative" if holds else "no")),
            f"GFRE → X_OOP: yes if within ±{LC_GFRE_TOLERANCE} of the paper's value and the paper's "
            f"ordering (ν=2 < ν=1 < SOP) holds for this entry; qualitative if only the ordering holds; "
            f"n/a below {LC_MIN_FRAMES} frames; on the means over the splits. This row's {ordering}",
            headline={f"liquid_crystals.gfre.{source}_oop": stat(source, "oop")},
        ))

    def map_text(key, result=main):
        sep, corr = result[f"phase_separation_{key}"], result[f"order_correlation_{key}"]
        return (sep["accuracy"], sep["silhouette"], corr["nematic"]["best_abs_rho"],
                corr["smectic"]["best_abs_rho"])

    accuracy, silhouette, rho_n, rho_s = map_text("nu2")
    separates, smooth = accuracy >= LC_SEPARATION_ACCURACY, min(rho_n, rho_s) >= LC_SMOOTH_RHO
    rows.append(row(
        study, f"PCA map of AniSOAP ν=2, PC1–2 ({where})",
        "smectic and nematic separate; S varies smoothly (colour saturation) (Fig. 1)",
        f"phase: CV accuracy {fmt(accuracy, 3)}, silhouette {fmt(silhouette, 2)}; "
        f"|Spearman ρ(S, PC)|: nematic {fmt(rho_n, 2)}, smectic {fmt(rho_s, 2)}",
        job, "n/a" if small else ("yes" if separates and smooth else ("qualitative" if separates or smooth else "no")),
        f"PCA maps: phases separate if a logistic regression on PC1–2 reaches ≥ {LC_SEPARATION_ACCURACY} "
        f"5-fold CV accuracy; S varies smoothly if within each phase |Spearman ρ| of S with PC1 or PC2 "
        f"is ≥ {LC_SMOOTH_RHO}; yes if both, qualitative if one; n/a below {LC_MIN_FRAMES} frames.",
    ))
    accuracy, silhouette, rho_n, rho_s = map_text("sop")
    holds_smectic, blind_nematic = accuracy >= LC_SEPARATION_ACCURACY, rho_n < 0.5
    rows.append(row(
        study, f"PCA map of X_SOP, PC1–2 ({where})",
        "delineates the smectic phases but does not separate the nematic ones by S (Fig. 1 inset)",
        f"phase: CV accuracy {fmt(accuracy, 3)}, silhouette {fmt(silhouette, 2)}; "
        f"|Spearman ρ(S, PC)|: nematic {fmt(rho_n, 2)}, smectic {fmt(rho_s, 2)}",
        job, "n/a" if small else ("yes" if holds_smectic and blind_nematic else "no"),
        f"Steinhardt map: yes if phases separate (CV accuracy ≥ {LC_SEPARATION_ACCURACY}) and S is "
        "not ordered across the nematic frames (|Spearman ρ| < 0.5 with PC1 and PC2); else no.",
    ))
    if mixed is None:
        return rows

    m, mjob = mixed["n_frames"], mixed["job"]
    small = m < LC_MIN_FRAMES
    mwhere = f"L/D = 2 + 3, {m:,} frames"
    shape = mixed["shape_separation_nu2"]
    rows.append(row(
        study, f"PCA map of AniSOAP ν=2 separates particle shapes ({mwhere})",
        "AniSOAP smoothly delineates L/D = 2 and 3 (Fig. S2)",
        f"L/D: CV accuracy {fmt(shape['accuracy'], 3)}, silhouette {fmt(shape['silhouette'], 2)}; "
        f"X_SOP map: accuracy {fmt(mixed['shape_separation_sop']['accuracy'], 3)}",
        mjob, "n/a" if small else ("yes" if shape["accuracy"] >= LC_SEPARATION_ACCURACY else "no"),
        f"shape separation: yes if a logistic regression on AniSOAP PC1–2 classifies L/D with "
        f"≥ {LC_SEPARATION_ACCURACY} 5-fold CV accuracy.",
    ))
    pairs = [(source, target) for source in ("sop", "oop") for target in ("nu1", "nu2")]
    worse = [g(s, t, mixed) > g(s, t) for s, t in pairs]
    names = {"sop": "SOP", "oop": "OOP", "nu1": "ν=1", "nu2": "ν=2"}
    rows.append(row(
        study, f"GFRE of AniSOAP from X_SOP and X_OOP, L/D = 3 → mixed ({mwhere})",
        "reconstruction of AniSOAP by either order parameter gets worse with two particle types (Fig. S3)",
        "; ".join(f"{names[s]} → {names[t]} {gt(s, t)} → {gt(s, t, mixed)}" for s, t in pairs),
        [job, mjob],
        "n/a" if small else ("yes" if all(worse) else ("qualitative" if any(worse) else "no")),
        "mixed-set GFRE: yes if all four GFRE(SOP/OOP → ν=1/ν=2) rise from the L/D = 3 set to the "
        "mixed set, qualitative if some do.",
    ))
    return rows
