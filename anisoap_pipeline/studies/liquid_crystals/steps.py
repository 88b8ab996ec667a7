"""Workflow steps of the liquid-crystal study (paper Sec. III A, Figs. 1, 2, S2, S3).

Each step reopens a signac job by id, reads its parameters from the state
point, writes its artifacts atomically into the job folder and records its
metrics last (:func:`anisoap_pipeline.tracking.record`, which writes
``metrics.json``, the file the Snakemake rule waits for):

``configurations_shard JOB``
    state point ``n_nematic, n_smectic, aspect_ratio, n_particles,
    packing_fraction, s_max, seed[, layer_gap, layer_jitter]`` and ``shard``
    (``[start, stop)``, its frames) -> ``frames.xyz``
    (:func:`anisoap_pipeline.studies.liquid_crystals.data.generate_dataset`).
``configurations JOB``
    the same parameters -> ``frames.xyz``, the shards' files concatenated
    (the same bytes for every shard size); the dataset's metrics.
``order_parameters JOB``
    state point ``dataset, cutoff, max_angular, weighted`` -> ``order.npz``: X_SOP
    (Steinhardt q_0 … q_max_angular), X_OOP (nematic S), the smectic layer order
    parameter and the frames' labels (:mod:`anisoap_pipeline.studies.liquid_crystals.order_parameters`).
``featurize JOB``
    (shared, :mod:`anisoap_pipeline.steps.featurize`) the AniSOAP radial and power spectra.
``compare_representations JOB``
    state point ``order, radial_spectrum, power_spectrum`` (lists of job ids,
    one entry per data set, concatenated in that order), ``seed``,
    ``train_fraction`` -> ``analysis.npz``: PCA maps, their scores and the
    GFRE matrix (:func:`anisoap_pipeline.studies.liquid_crystals.analysis.compare_representations`).

The figures, tables and summary rows are the report's (:mod:`.report`).
"""

from ...steps import Step, gather_files, parameters, parents

__all__ = ["STEPS", "compare_representations", "configurations", "configurations_shard", "order_parameters"]


def configurations_shard(job, args):
    """Nematic + smectic frames of the state point's shard -> frames.xyz."""
    from .data import generate_dataset
    from ...frames import write_frames

    params = parameters(job.sp())
    n_nematic, n_smectic, items = params.pop("n_nematic"), params.pop("n_smectic"), params.pop("shard")
    frames = generate_dataset(n_nematic, n_smectic, items=items, **params)
    write_frames(job.fn("frames.xyz"), frames)
    return {"n_frames": len(frames)}


def configurations(job, args):
    """The configurations_shard jobs' frames, concatenated -> frames.xyz; the dataset's metrics."""
    import numpy as np

    from ...frames import read_frames

    params = parameters(job.sp())
    n_nematic, n_smectic = params["n_nematic"], params["n_smectic"]
    gather_files(job, parents(job, "shards"), "configurations_shard", "frames")
    frames = read_frames(job.fn("frames.xyz"))
    if len(frames) != n_nematic + n_smectic:
        raise ValueError(f"the shards hold {len(frames)} frames, not n_nematic + n_smectic = "
                         f"{n_nematic + n_smectic}")
    lengths = np.array([atoms.cell.lengths() for atoms in frames])
    return {
        "n_frames": len(frames), "n_nematic": n_nematic, "n_smectic": n_smectic, "n_shards": len(parents(job, "shards")),
        "n_particles": len(frames[0]) if frames else 0,
        "box_length_min": float(lengths.min()), "box_length_max": float(lengths.max()),
    }


def order_parameters(job, args):
    """Steinhardt q_l, nematic S and layer order of a dataset job's frames -> order.npz."""
    import numpy as np

    from ...frames import read_frames
    from ...io import atomic_path
    from .order_parameters import layer_order, nematic_order, steinhardt
    from ...tracking import open_job

    sp = job.sp()
    dataset = open_job(sp["dataset"])
    frames = read_frames(dataset.fn("frames.xyz"))
    l_values = list(range(int(sp["max_angular"]) + 1))
    sop = steinhardt(frames, sp["cutoff"], l_values=l_values, weighted=sp["weighted"])
    oop = nematic_order(frames)
    target = np.array([float(atoms.info["target_S"]) for atoms in frames])
    phase = np.array([str(atoms.info["phase"]) for atoms in frames])
    aspect_ratio = np.array([float(atoms.info["aspect_ratio"]) for atoms in frames])
    # the layer spacing of the generator, d = L + layer_gap, for nematics too (low values)
    gap = dataset.sp()["layer_gap"]
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
    return metrics


def _load_parts(sp):
    """Concatenated representations and labels of the data sets named by an analysis state point."""
    import numpy as np

    from ...tracking import artifact, open_job

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
            parts[key].append(np.load(artifact(job, "features")))
        for key in ("sop", "oop", "phase", "target_S", "aspect_ratio"):
            parts[key].append(data[key])
        parts["dataset"].append(np.full(len(data["oop"]), datasets.pop()))
    return {key: np.concatenate(value) for key, value in parts.items()}


def compare_representations(job, args):
    """PCA maps and GFRE matrix of one or more data sets -> analysis.npz."""
    import numpy as np

    from .analysis import compare_representations
    from ...io import atomic_path

    sp = job.sp()
    data = _load_parts(sp)
    result = compare_representations(
        {key: data[key] for key in ("nu1", "nu2", "sop", "oop")}, data["phase"], data["oop"],
        data["aspect_ratio"], seed=sp["seed"], train_fraction=sp["train_fraction"],
        n_splits=sp["n_splits"],
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
    return metrics


STEPS = [
    Step("configurations_shard", configurations_shard,
         "liquid-crystal frames (nematic + smectic) of one shard -> frames.xyz",
         artifacts={"frames": "frames.xyz"}, priority=5),
    Step("configurations", configurations, "liquid-crystal frames: the shards gathered -> frames.xyz",
         artifacts={"frames": "frames.xyz"}),
    Step("order_parameters", order_parameters,
         "Steinhardt q_l (X_SOP), nematic S (X_OOP), layer order -> order.npz",
         artifacts={"order": "order.npz"}, mem_mb=4000),
    Step("compare_representations", compare_representations,
         "PCA maps and GFRE matrix of liquid-crystal representations -> analysis.npz",
         artifacts={"analysis": "analysis.npz"}, mem_mb=4000),
]
