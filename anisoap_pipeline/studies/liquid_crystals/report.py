"""The liquid-crystal study's report: figures (paper Figs. 1, 2, and with the L/D = 2
augmentation S2, S3; with several cutoffs ``gfre_cutoffs.png``), ``gfre.csv`` (every
cutoff, with the packing fraction), ``summary_rows.json`` and ``pca.chemiscope.json.gz``
(the main data set's PCA map, particles drawn as ellipsoids,
:func:`anisoap_pipeline.chemiscope_io.write_ellipsoid_map`).

Its groups (:func:`anisoap_pipeline.studies.liquid_crystals.plan.plan`): ``main``,
the L/D = 3 analyses in cutoff order, and ``mixed``, the analysis of all data sets.
"""

from ...steps import Report

__all__ = ["REPORTS", "liquid_crystals_report"]

#: Pairs of the GFRE-against-cutoff figure: (input, target).
_CUTOFF_PAIRS = (("nu1", "sop"), ("nu2", "sop"), ("sop", "nu1"), ("sop", "nu2"),
                 ("nu2", "oop"), ("nu1", "oop"), ("sop", "oop"))


def _setting(job):
    """Cutoff (D) and packing fraction of an analysis job, from its order-parameter and dataset jobs.

    Raises
    ------
    ValueError
        If the data sets of the job were analysed at different cutoffs.
    """
    from ...tracking import open_job

    orders = [open_job(order).sp() for order in job.sp()["order"]]
    cutoffs = {sp["cutoff"] for sp in orders}
    if len(cutoffs) != 1:
        raise ValueError(f"analysis job {job.id} mixes cutoffs {sorted(cutoffs)}")
    packing = sorted({open_job(sp["dataset"]).sp()["packing_fraction"] for sp in orders})
    return float(cutoffs.pop()), packing


def liquid_crystals_report(out, groups, args):
    """Figures (Figs. 1, 2, S2, S3, GFRE against cutoff), gfre.csv and summary rows of the study.

    ``groups["main"]``: the analyses of the L/D = 3 set, one per cutoff, the
    first that of the PCA maps; ``groups["mixed"]``: the analysis of all data
    sets at the first cutoff (none without the augmentation).
    """

    import numpy as np

    from . import figures
    from .summary import liquid_crystal_rows
    from ...summary import write_rows
    from .analysis import REPRESENTATIONS
    from ...io import save_csv
    from ...tracking import open_job, read_metrics

    main = [open_job(job_id) for job_id in groups["main"]]
    mixed = [open_job(job_id) for job_id in groups["mixed"]]
    results, table = {"main": [], "mixed": None}, []
    for job in main + mixed:
        data = np.load(job.fn("analysis.npz"))
        metrics = read_metrics(job)
        cutoff, packing = _setting(job)
        result = {"job": job.id, "cutoff": cutoff, "packing_fraction": packing, **metrics}
        names = [str(name) for name in data["names"]]
        shapes = sorted(set(data["aspect_ratio"].tolist()), reverse=True)
        shape_text = " + ".join(f"{value:g}" for value in shapes)
        n_frames, n_train = metrics["n_frames"], metrics["n_train"]
        packing_text = "/".join(f"{value:g}" for value in packing)
        if job in mixed:
            results["mixed"] = result
        else:
            results["main"].append(result)
        if job is main[0] or job in mixed:  # the maps and matrices at the first cutoff
            suffix = "" if job is main[0] else "_mixed"
            figures.lc_pca_plot(
                data["pca_nu2"], data["pca_sop"], data["phase"], data["S"], out / f"pca{suffix}.png",
                explained={"anisoap": data["explained_nu2"], "steinhardt": data["explained_sop"]},
                aspect_ratio=data["aspect_ratio"] if len(shapes) > 1 else None,
                title=f"Liquid crystals, L/D = {shape_text}: PCA of {n_frames} frames",
            )
            figures.gfre_heatmap(
                data["gfre"], [REPRESENTATIONS[name] for name in names], out / f"gfre{suffix}.png",
                title=f"GFRE, liquid crystals, L/D = {shape_text}, packing {packing_text}, cutoff {cutoff:g} D",
                subtitle=f"{n_frames} frames, {n_train} train / {n_frames - n_train} test, split seed {metrics['seed']}",
            )
        mean, sd = metrics["gfre_mean"], metrics["gfre_sd"]
        for i, source in enumerate(names):
            for j, target in enumerate(names):
                table.append({"set": f"L/D = {shape_text}", "packing_fraction": packing_text, "cutoff": cutoff,
                              "input": source, "target": target, "gfre": float(data["gfre"][i, j]),
                              "gfre_mean": float(mean[i][j]), "gfre_sd": float(sd[i][j]),
                              "n_splits": metrics["n_splits"], "n_frames": n_frames,
                              "split_seed": metrics["seed"], "job": job.id})
    if len(main) > 1:
        first = results["main"][0]

        def at(result, key):  # the pairs' entries of the GFRE mean or sd matrix
            names = result["names"]
            return [result[key][names.index(a)][names.index(b)] for a, b in _CUTOFF_PAIRS]

        figures.gfre_cutoff_plot(
            [f"{REPRESENTATIONS[a]} → {REPRESENTATIONS[b]}" for a, b in _CUTOFF_PAIRS],
            [result["cutoff"] for result in results["main"]],
            [at(result, "gfre_mean") for result in results["main"]],
            [at(result, "gfre_sd") for result in results["main"]], out / "gfre_cutoffs.png",
            title=f"GFRE against cutoff, liquid crystals, L/D = 3, packing "
                  f"{'/'.join(f'{v:g}' for v in first['packing_fraction'])}",
            subtitle=f"{first['n_frames']} frames, mean ± sd over {first['n_splits']} splits "
                     f"from seed {first['seed']}",
        )
    save_csv(out / "gfre.csv", table)
    write_rows(out / "summary_rows.json",
               liquid_crystal_rows(results["main"][0], results["mixed"], other_cutoffs=results["main"][1:]))
    _write_pca_chemiscope(main[0], out / "pca.chemiscope.json.gz")


def _write_pca_chemiscope(job, path):
    """chemiscope file of an analysis job: its configurations drawn as ellipsoids, on the AniSOAP PCA map."""
    import numpy as np

    from ...chemiscope_io import write_ellipsoid_map
    from ...frames import read_frames
    from ...tracking import artifact, open_job

    data = np.load(job.fn("analysis.npz"))
    # the analysis rows are the data sets' frames, concatenated in the order of the ``dataset`` column
    frames = [atoms for dataset in dict.fromkeys(data["dataset"].tolist())
              for atoms in read_frames(artifact(open_job(dataset), "frames"))]
    write_ellipsoid_map(
        path, frames, data["pca_nu2"], {"S": data["S"], "phase": data["phase"], "target S": data["target_S"]},
        map_name="PCA (AniSOAP ν=2)", name="Liquid crystals: PCA of the AniSOAP power spectrum",
        description="Nematic and smectic configurations (one point each) on the first two principal components "
                    "of their AniSOAP power spectrum, coloured by the nematic order parameter S. AniSOAP paper "
                    "Sec. III A, Fig. 1.")


REPORTS = [Report("liquid_crystals_report", liquid_crystals_report,
                  "liquid-crystal figures, GFRE table and summary rows", category="Liquid crystals")]
