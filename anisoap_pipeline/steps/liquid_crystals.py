"""Workflow steps of the liquid-crystal study (paper Sec. III A, Figs. 1, 2, S2, S3).

Each step reopens a signac job by id, reads its parameters from the state
point, writes its artifacts atomically into the job folder and records its
metrics last (:func:`anisoap_pipeline.tracking.record`, which writes
``metrics.json``, the file the Snakemake rule waits for):

``configurations_shard JOB``
    state point ``n_nematic, n_smectic, aspect_ratio, n_particles,
    packing_fraction, s_max, seed[, layer_gap, layer_jitter]`` and ``shard``
    (``[start, stop)``, its frames) -> ``frames.xyz``
    (:func:`anisoap_pipeline.datasets.liquid_crystals.generate_dataset`).
``configurations JOB --shards JOB...``
    the same parameters -> ``frames.xyz``, the shards' files concatenated
    (the same bytes for every shard size); the dataset's metrics.
``order_parameters JOB``
    state point ``dataset, cutoff, max_angular, weighted`` -> ``order.npz``: X_SOP
    (Steinhardt q_0 … q_max_angular), X_OOP (nematic S), the smectic layer order
    parameter and the frames' labels (:mod:`anisoap_pipeline.order_parameters`).
``featurize --job JOB``
    (generic, :mod:`anisoap_pipeline.cli`) the AniSOAP radial and power spectra.
``compare_representations JOB``
    state point ``order, radial_spectrum, power_spectrum`` (lists of job ids,
    one entry per data set, concatenated in that order), ``seed``,
    ``train_fraction`` -> ``analysis.npz``: PCA maps, their scores and the
    GFRE matrix (:func:`anisoap_pipeline.analysis.liquid_crystals.compare_representations`).
``liquid_crystals_report ANALYSIS... --output-dir DIR``
    the L/D = 3 analyses (one per cutoff, the first that of the maps) and
    optionally the mixed one: figures (Figs. 1, 2, S2, S3, and with several
    cutoffs ``gfre_cutoffs.png``), ``gfre.csv`` (every cutoff, with the
    packing fraction), ``summary_rows.json`` and
    ``pca.chemiscope.json.gz`` (the main data set's PCA map, particles drawn as
    ellipsoids, :func:`anisoap_pipeline.chemiscope_io.write_ellipsoid_map`).
"""

import time
from pathlib import Path

from . import add_gather_step, add_job_step, gather_files, parameters

__all__ = ["add_parsers"]


def _generate(args):
    """Nematic + smectic frames of the state point's shard -> frames.xyz."""
    from ..datasets.liquid_crystals import generate_dataset
    from ..frames import write_frames
    from ..tracking import job_step, record

    with job_step("configurations_shard", args.job) as job:
        params = parameters(job.sp())
        n_nematic, n_smectic, items = params.pop("n_nematic"), params.pop("n_smectic"), params.pop("shard")
        start = time.perf_counter()
        frames = generate_dataset(n_nematic, n_smectic, items=items, **params)
        write_frames(job.fn("frames.xyz"), frames)
        record(job, wall_time=time.perf_counter() - start, metrics={"n_frames": len(frames)})


def _gather(args):
    """The configurations_shard jobs' frames, concatenated -> frames.xyz; the dataset's metrics."""
    import numpy as np

    from ..frames import read_frames
    from ..tracking import job_step, record

    with job_step("configurations", args.job) as job:
        params = parameters(job.sp())
        n_nematic, n_smectic = params["n_nematic"], params["n_smectic"]
        start = time.perf_counter()
        gather_files(job, args.shards, "configurations_shard", "frames")
        frames = read_frames(job.fn("frames.xyz"))
        if len(frames) != n_nematic + n_smectic:
            raise ValueError(f"the shards hold {len(frames)} frames, not n_nematic + n_smectic = "
                             f"{n_nematic + n_smectic}")
        lengths = np.array([atoms.cell.lengths() for atoms in frames])
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_frames": len(frames), "n_nematic": n_nematic, "n_smectic": n_smectic, "n_shards": len(args.shards),
            "n_particles": len(frames[0]) if frames else 0,
            "box_length_min": float(lengths.min()), "box_length_max": float(lengths.max()),
        })


def _order(args):
    """Steinhardt q_l, nematic S and layer order of a dataset job's frames -> order.npz."""
    import numpy as np

    from ..frames import read_frames
    from ..io import atomic_path
    from ..order_parameters import layer_order, nematic_order, steinhardt
    from ..tracking import job_step, open_job, record

    with job_step("order_parameters", args.job) as job:
        sp = job.sp()
        dataset = open_job(sp["dataset"])
        start = time.perf_counter()
        frames = read_frames(dataset.fn("frames.xyz"))
        l_values = list(range(int(sp["max_angular"]) + 1))
        sop = steinhardt(frames, sp["cutoff"], l_values=l_values, weighted=sp["weighted"])
        oop = nematic_order(frames)
        target = np.array([float(atoms.info["target_S"]) for atoms in frames])
        phase = np.array([str(atoms.info["phase"]) for atoms in frames])
        aspect_ratio = np.array([float(atoms.info["aspect_ratio"]) for atoms in frames])
        # the layer spacing of the generator, d = L + layer_gap, for nematics too (low values)
        gap = dataset.sp().get("layer_gap", 0.2)
        spacing = [float(atoms.info.get("layer_spacing", atoms.info["aspect_ratio"] + gap)) for atoms in frames]
        layers = np.array([layer_order(atoms, d)[0] for atoms, d in zip(frames, spacing)])
        with atomic_path(job.fn("order.npz")) as tmp:
            np.savez(tmp, sop=sop, oop=oop, l_values=np.array(l_values), target_S=target, phase=phase,
                     aspect_ratio=aspect_ratio, layer_order=layers)
        error = np.abs(oop - target)
        # S_error_max_ordered: target S >= 0.15; below it finite N biases S upwards (datasets.liquid_crystals)
        ordered = target >= 0.15
        metrics = {
            "n_frames": len(frames), "cutoff": sp["cutoff"], "l_values": l_values,
            "S_error_mean": float(error.mean()), "S_error_max": float(error.max()),
            "S_error_max_ordered": float(error[ordered].max()) if ordered.any() else 0.0,
        }
        for name in ("nematic", "smectic"):
            if (phase == name).any():
                metrics[f"layer_order_mean_{name}"] = float(layers[phase == name].mean())
        record(job, wall_time=time.perf_counter() - start, metrics=metrics)


def _load_parts(sp):
    """Concatenated representations and labels of the data sets named by an analysis state point."""
    import numpy as np

    from ..tracking import ARTIFACTS, open_job

    keys = ("order", "radial_spectrum", "power_spectrum")
    counts = {key: len(sp[key]) for key in keys}
    if len(set(counts.values())) != 1 or not counts["order"]:
        raise ValueError(f"order, radial_spectrum and power_spectrum must list one job per data set, got {counts}")
    parts = {key: [] for key in ("nu1", "nu2", "sop", "oop", "phase", "target_S", "aspect_ratio", "dataset")}
    for order_id, nu1_id, nu2_id in zip(*(sp[key] for key in keys)):
        order_job, nu1_job, nu2_job = open_job(order_id), open_job(nu1_id), open_job(nu2_id)
        datasets = {order_job.sp()["dataset"], nu1_job.sp()["dataset"], nu2_job.sp()["dataset"]}
        if len(datasets) != 1:
            raise ValueError(f"jobs {order_id}, {nu1_id}, {nu2_id} describe different data sets {sorted(datasets)}")
        kinds = (nu1_job.sp().get("kind"), nu2_job.sp().get("kind"))
        if kinds != ("radial_spectrum", "power_spectrum"):
            raise ValueError(f"expected a radial and a power spectrum job, got kinds {kinds}")
        data = np.load(order_job.fn("order.npz"))
        for key, job in (("nu1", nu1_job), ("nu2", nu2_job)):
            parts[key].append(np.load(job.fn(ARTIFACTS["featurize"]["features"])))
        for key in ("sop", "oop", "phase", "target_S", "aspect_ratio"):
            parts[key].append(data[key])
        parts["dataset"].append(np.full(len(data["oop"]), datasets.pop()))
    return {key: np.concatenate(value) for key, value in parts.items()}


def _analysis(args):
    """PCA maps and GFRE matrix of one or more data sets -> analysis.npz."""
    import numpy as np

    from ..analysis.liquid_crystals import compare_representations
    from ..io import atomic_path
    from ..tracking import job_step, record

    with job_step("compare_representations", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        data = _load_parts(sp)
        result = compare_representations(
            {key: data[key] for key in ("nu1", "nu2", "sop", "oop")}, data["phase"], data["oop"],
            data["aspect_ratio"], seed=sp["seed"], train_fraction=sp["train_fraction"],
            n_splits=sp.get("n_splits", 1),
        )
        arrays = {key: value for key, value in result.items() if isinstance(value, np.ndarray)}
        with atomic_path(job.fn("analysis.npz")) as tmp:
            np.savez(tmp, names=np.array(result["names"]), S=data["oop"], phase=data["phase"],
                     target_S=data["target_S"], aspect_ratio=data["aspect_ratio"],
                     dataset=data["dataset"], **arrays)
        metrics = {key: value for key, value in result.items() if key not in arrays}
        metrics.update({
            "gfre": result["gfre"].tolist(), "n_frames": len(data["oop"]),
            "gfre_mean": result["gfre_mean"].tolist(), "gfre_sd": result["gfre_sd"].tolist(),
            "n_train": len(result["train_idx"]), "n_test": len(result["test_idx"]),
            "explained_nu2": result["explained_nu2"].tolist(), "explained_sop": result["explained_sop"].tolist(),
            "aspect_ratios": sorted(set(data["aspect_ratio"].tolist())),
            "n_features": {key: int(data[key].shape[1]) for key in ("nu1", "nu2", "sop")},
        })
        record(job, wall_time=time.perf_counter() - start, metrics=metrics)


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
    from ..tracking import open_job

    orders = [open_job(order).sp() for order in job.sp()["order"]]
    cutoffs = {sp["cutoff"] for sp in orders}
    if len(cutoffs) != 1:
        raise ValueError(f"analysis job {job.id} mixes cutoffs {sorted(cutoffs)}")
    packing = sorted({open_job(sp["dataset"]).sp()["packing_fraction"] for sp in orders})
    return float(cutoffs.pop()), packing


def _report(args):
    """Figures (Figs. 1, 2, S2, S3, GFRE against cutoff), gfre.csv and summary rows of the study.

    The analyses of one data set (L/D = 3) are the main ones, one per cutoff,
    the first given being the one of the PCA maps; an analysis of several data
    sets is the mixed one (at most one).
    """
    import csv

    import numpy as np

    from .. import plots, summary
    from ..analysis.liquid_crystals import REPRESENTATIONS
    from ..io import atomic_path
    from ..tracking import open_job, read_metrics

    out = Path(args.output_dir)
    jobs = [open_job(job_id) for job_id in args.analyses]
    main = [job for job in jobs if len(job.sp()["order"]) == 1]
    mixed = [job for job in jobs if len(job.sp()["order"]) > 1]
    if not main or len(mixed) > 1:
        raise ValueError(f"expected one L/D = 3 analysis per cutoff and at most one mixed analysis, got "
                         f"{len(main)} and {len(mixed)} among jobs {args.analyses}")
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
            plots.lc_pca_plot(
                data["pca_nu2"], data["pca_sop"], data["phase"], data["S"], out / f"pca{suffix}.png",
                explained={"anisoap": data["explained_nu2"], "steinhardt": data["explained_sop"]},
                aspect_ratio=data["aspect_ratio"] if len(shapes) > 1 else None,
                title=f"Liquid crystals, L/D = {shape_text}: PCA of {n_frames} frames",
            )
            plots.gfre_heatmap(
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

        plots.gfre_cutoff_plot(
            [f"{REPRESENTATIONS[a]} → {REPRESENTATIONS[b]}" for a, b in _CUTOFF_PAIRS],
            [result["cutoff"] for result in results["main"]],
            [at(result, "gfre_mean") for result in results["main"]],
            [at(result, "gfre_sd") for result in results["main"]], out / "gfre_cutoffs.png",
            title=f"GFRE against cutoff, liquid crystals, L/D = 3, packing "
                  f"{'/'.join(f'{v:g}' for v in first['packing_fraction'])}",
            subtitle=f"{first['n_frames']} frames, mean ± sd over {first['n_splits']} splits "
                     f"from seed {first['seed']}",
        )
    with atomic_path(out / "gfre.csv") as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    summary.write_rows(out / "summary_rows.json",
                       summary.liquid_crystal_rows(results["main"][0], results["mixed"],
                                                   other_cutoffs=results["main"][1:]))
    _write_pca_chemiscope(main[0], out / "pca.chemiscope.json.gz")


def _write_pca_chemiscope(job, path):
    """chemiscope file of an analysis job: its configurations drawn as ellipsoids, on the AniSOAP PCA map."""
    import numpy as np

    from ..chemiscope_io import write_ellipsoid_map
    from ..frames import read_frames
    from ..tracking import ARTIFACTS, open_job

    data = np.load(job.fn("analysis.npz"))
    # the analysis rows are the data sets' frames, concatenated in the order of the ``dataset`` column
    frames = [atoms for dataset in dict.fromkeys(data["dataset"].tolist())
              for atoms in read_frames(open_job(dataset).fn(ARTIFACTS["configurations"]["frames"]))]
    write_ellipsoid_map(
        path, frames, data["pca_nu2"], {"S": data["S"], "phase": data["phase"], "target S": data["target_S"]},
        map_name="PCA (AniSOAP ν=2)", name="Liquid crystals: PCA of the AniSOAP power spectrum",
        description="Nematic and smectic configurations (one point each) on the first two principal components "
                    "of their AniSOAP power spectrum, coloured by the nematic order parameter S. AniSOAP paper "
                    "Sec. III A, Fig. 1.")


def add_parsers(subparsers):
    """Add the liquid-crystal steps to the ``anisoap-pipeline`` subcommands."""
    for name, handler, text in [
        ("configurations_shard", _generate, "liquid-crystal frames (nematic + smectic) of one shard -> frames.xyz"),
        ("order_parameters", _order, "Steinhardt q_l (X_SOP), nematic S (X_OOP), layer order -> order.npz"),
        ("compare_representations", _analysis, "PCA maps and GFRE matrix of liquid-crystal representations -> analysis.npz"),
    ]:
        add_job_step(subparsers, name, handler, text)
    add_gather_step(subparsers, "configurations", _gather, "liquid-crystal frames: the shards gathered -> frames.xyz")
    p = subparsers.add_parser("liquid_crystals_report", help="liquid-crystal figures, GFRE table and summary rows")
    p.add_argument("analyses", nargs="+", help="job ids of the L/D = 3 analyses, one per cutoff (the first: "
                                               "Figs. 1, 2), and, optionally, of the mixed L/D = 2 + 3 one "
                                               "(Figs. S2, S3)")
    p.add_argument("--output-dir", required=True)
    p.set_defaults(handler=_report)
