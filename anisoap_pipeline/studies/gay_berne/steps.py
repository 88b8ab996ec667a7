"""Workflow steps of the Gay-Berne dimer study (paper Sec. III B, Fig. 3, Fig. S4).

``dimers_shard JOB``
    state point: the arguments of
    :func:`anisoap_pipeline.studies.gay_berne.data.sample_dimers` and ``shard``
    (``[start, stop)``, its ``items``) -> ``frames.xyz`` with ``energy``,
    ``h12_gb`` and ``h12_pw`` in each frame's info, and with ``forces`` also
    ``force`` (ε/σ) and ``torque`` (ε), lab frame, per particle, flattened to
    (n_particles * 3,) in the info (the file's per-particle columns are the
    canonical ones).
``dimers JOB``
    the arguments of ``sample_dimers`` -> ``frames.xyz``, the shards' files
    concatenated (the same bytes for every shard size); the dataset's metrics.
``force_fit JOB``
    state point ``features`` (the study's ``featurize`` job, run with gradients
    ``positions`` and ``orientations``: ``features.npy`` and
    ``features.gradients.mts``; its ``dataset`` a ``dimers`` job with forces),
    the split of the ridge models (``test_fraction``, ``seed``), ``alpha``,
    ``force_weight``, ``torque_weight``, ``train_sizes`` -> ``force_fit.npz``
    (test-set energies, forces, torques and both fits' predictions) and
    ``force_fit.json`` (learning curves); :mod:`anisoap_pipeline.studies.gay_berne.potential`.
Featurisation, ridge models and learning curves are the shared steps of
:mod:`anisoap_pipeline.steps`; the figures and summary rows are the report's
(:mod:`.report`).
"""

from ...steps import Step, gather_files, parameters, parents

__all__ = ["STEPS", "dimers", "dimers_shard", "force_fit"]


def dimers_shard(job, args):
    """Gay-Berne dimers of the state point's shard (sample_dimers) -> frames.xyz."""
    from .data import sample_dimers
    from ...frames import write_frames

    params = parameters(job.sp())
    items = params.pop("shard")
    frames = sample_dimers(**params, items=items)
    for atoms in frames:  # the frames file keeps only the canonical per-particle arrays
        for key in ("force", "torque"):
            if key in atoms.arrays:
                atoms.info[key] = atoms.arrays[key].ravel()
    write_frames(job.fn("frames.xyz"), frames)
    return {"n_dimers": len(frames)}


def dimers(job, args):
    """The dimers_shard jobs' frames, concatenated -> frames.xyz; the dataset's metrics."""
    import numpy as np

    from ...frames import read_frames

    gather_files(job, parents(job, "shards"), "dimers_shard", "frames")
    frames = read_frames(job.fn("frames.xyz"))
    if len(frames) != job.sp()["n_dimers"]:
        raise ValueError(f"the shards hold {len(frames)} dimers, not n_dimers = {job.sp()['n_dimers']}")
    energy = np.array([atoms.info["energy"] for atoms in frames])
    h12_pw = np.array([atoms.info["h12_pw"] for atoms in frames])
    return {
        "n_dimers": len(frames), "n_shards": len(parents(job, "shards")),
        "energy_min": float(energy.min()), "energy_max": float(energy.max()),
        "energy_mean": float(energy.mean()),
        "fraction_repulsive": float(np.mean(energy > 0)),
        "fraction_negligible": float(np.mean(np.abs(energy) < 0.01)),
        "h12_pw_min": float(h12_pw.min()), "h12_pw_max": float(h12_pw.max()),
    }


def _fit_data(sp):
    """Frame-mean features, their exact gradients and the dimers' labels of a force_fit state point.

    The ``features`` job is the study's featurisation run with
    ``gradients: [positions, orientations]``: ``features.npy`` and, beside it,
    ``features.gradients.mts`` (``featurize``'s frame-mean gradient blocks,
    samples ``sample, system, atom`` in frame order); its ``dataset`` the dimers.

    Raises
    ------
    ValueError
        Naming the file: a features job without both gradients, gradient
        samples that are not the dimers' particles in order, or dimers without
        ``force``/``torque``.
    """
    import metatensor
    import numpy as np

    from ...frames import read_frames
    from ...tracking import artifact, open_job

    features = open_job(sp["features"])
    missing = [name for name in ("positions", "orientations") if name not in features.sp().get("gradients", ())]
    if missing:
        raise ValueError(f"features job {features.id} has no {'/'.join(missing)} gradients: force_fit needs "
                         "a featurisation with gradients [positions, orientations]")
    values = artifact(features, "features")
    gradients_path = values[:-len(".npy")] + ".gradients.mts"  # where featurize writes frame-mean gradients
    block = metatensor.load(gradients_path).block(0)
    path = artifact(features.sp()["dataset"], "frames")
    frames = read_frames(path)
    missing = [i for i, atoms in enumerate(frames) if "force" not in atoms.info or "torque" not in atoms.info]
    if missing:
        raise ValueError(f"{path}: frame {missing[0]} has no 'force'/'torque' info (dimers with forces=True)")
    system = np.repeat(np.arange(len(frames)), [len(atoms) for atoms in frames])
    atom = np.concatenate([np.arange(len(atoms)) for atoms in frames])
    data = {"features": np.load(values), "energies": np.array([atoms.info["energy"] for atoms in frames]),
            "forces": np.concatenate([np.reshape(atoms.info["force"], (-1, 3)) for atoms in frames]),
            "torques": np.concatenate([np.reshape(atoms.info["torque"], (-1, 3)) for atoms in frames]),
            "system": system}
    for name in ("positions", "orientations"):
        gradient = block.gradient(name)
        samples = gradient.samples
        if not (np.array_equal(samples.column("system"), system) and np.array_equal(samples.column("atom"), atom)):
            raise ValueError(f"{gradients_path}: the {name} gradient samples are not the particles of the "
                             f"{len(frames)} dimers of {path} in order")
        data[f"{name}_gradient"] = gradient.values
    if data["features"].shape != tuple(block.values.shape):
        raise ValueError(f"{values} {data['features'].shape} and {gradients_path} {tuple(block.values.shape)} differ")
    return data


def force_fit(job, args):
    """Frame-mean power spectrum + exact gradients (the featurize job's) -> linear potentials
    fitted to energies only and to energies + forces + torques; learning curves."""
    import numpy as np

    from ...analysis import regression
    from . import potential
    from ...io import atomic_path, save_json

    sp = job.sp()
    data = _fit_data(sp)
    n_frames = len(data["energies"])
    train, test = regression.split(n_frames, sp["test_fraction"], sp["seed"])
    weights = {"energy": (0.0, 0.0), "energy_forces_torques": (sp["force_weight"], sp["torque_weight"])}
    rows = np.flatnonzero(np.isin(data["system"], test))
    arrays, metrics = {"test": test, "energy": data["energies"][test], "force": data["forces"][rows],
                       "torque": data["torques"][rows]}, {}
    for name, (w_f, w_t) in weights.items():
        model = potential.fit_with(data, train, sp["alpha"], w_f, w_t)
        arrays[f"{name}:energy"] = model.energy(data["features"][test])
        arrays[f"{name}:force"] = model.negative_gradient(data["positions_gradient"][rows])
        arrays[f"{name}:torque"] = model.negative_gradient(data["orientations_gradient"][rows])
        metrics[name] = {q: regression.regression_metrics(arrays[q], arrays[f"{name}:{q}"])
                         for q in ("energy", "force", "torque")}
    sizes = [n for n in sp["train_sizes"] if n <= len(train)]
    curve = potential.force_learning_curve(data, train, test, sizes, alpha=sp["alpha"],
                                           force_weight=sp["force_weight"], torque_weight=sp["torque_weight"],
                                           seed=sp["seed"])
    with atomic_path(job.fn("force_fit.npz")) as tmp:
        np.savez(tmp, **arrays)
    save_json(job.fn("force_fit.json"), {"metrics": metrics, "curve": curve, "n_train": len(train)})
    return {
        "n_train": len(train), "n_test": len(test), "n_features": int(data["features"].shape[1]), **metrics}


STEPS = [
    Step("dimers_shard", dimers_shard, "Gay-Berne dimers of one shard -> frames.xyz",
         artifacts={"frames": "frames.xyz"}, numerics=2),
    Step("dimers", dimers, "Gay-Berne dimers: the shards gathered -> frames.xyz",
         artifacts={"frames": "frames.xyz"}, numerics=2),
    Step("force_fit", force_fit,
         "linear AniSOAP potentials fitted to energies, and to energies + forces + torques -> force_fit.npz",
         artifacts={"predictions": "force_fit.npz", "fit": "force_fit.json"}, runtime=60, mem_mb=8000),
]
