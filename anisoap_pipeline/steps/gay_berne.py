"""Workflow steps of the Gay-Berne dimer study (paper Sec. III B, Fig. 3, Fig. S4).

``dimers_shard JOB``
    state point: the arguments of
    :func:`anisoap_pipeline.datasets.gay_berne.sample_dimers` and ``shard``
    (``[start, stop)``, its ``items``) -> ``frames.xyz`` with ``energy``,
    ``h12_gb`` and ``h12_pw`` in each frame's info, and with ``forces`` also
    ``force`` (ε/σ) and ``torque`` (ε), lab frame, per particle, flattened to
    (n_particles * 3,) in the info (the file's per-particle columns are the
    canonical ones).
``dimers JOB --shards JOB...``
    the arguments of ``sample_dimers`` -> ``frames.xyz``, the shards' files
    concatenated (the same bytes for every shard size); the dataset's metrics.
``force_fit JOB``
    state point ``features`` (the study's ``featurize`` job, run with gradients
    ``positions`` and ``orientations``: ``features.npy`` and
    ``features.gradients.mts``; its ``dataset`` a ``dimers`` job with forces),
    the split of the ridge models (``test_fraction``, ``seed``), ``alpha``,
    ``force_weight``, ``torque_weight``, ``train_sizes`` -> ``force_fit.npz``
    (test-set energies, forces, torques and both fits' predictions) and
    ``force_fit.json`` (learning curves); :mod:`anisoap_pipeline.analysis.force_fit`.
``gay_berne_report --models JOB... --curves JOB... [--force-fits JOB...] --output-dir DIR``
    parity plots (Fig. 3), learning curves (Fig. S4), ``metrics.csv``,
    ``summary_rows.json`` and ``parity.chemiscope.json.gz`` (the test dimers drawn
    as ellipsoids, placed by target against prediction,
    :func:`anisoap_pipeline.chemiscope_io.write_parity_map`); with force fits also
    ``force_parity.png`` and ``force_learning_curve.png``.

Featurisation (``featurize --job``), ridge models and learning curves are the
generic steps of :mod:`anisoap_pipeline.cli` and :mod:`.regression`.
"""

import time
from pathlib import Path

from . import add_gather_step, add_job_step, gather_files, parameters

__all__ = ["add_parsers"]


def _dimers_shard(args):
    """Gay-Berne dimers of the state point's shard (sample_dimers) -> frames.xyz."""
    from ..datasets.gay_berne import sample_dimers
    from ..frames import write_frames
    from ..tracking import job_step, record

    with job_step("dimers_shard", args.job) as job:
        params = parameters(job.sp())
        items = params.pop("shard")
        start = time.perf_counter()
        frames = sample_dimers(**params, items=items)
        for atoms in frames:  # the frames file keeps only the canonical per-particle arrays
            for key in ("force", "torque"):
                if key in atoms.arrays:
                    atoms.info[key] = atoms.arrays[key].ravel()
        write_frames(job.fn("frames.xyz"), frames)
        record(job, wall_time=time.perf_counter() - start, metrics={"n_dimers": len(frames)})


def _dimers(args):
    """The dimers_shard jobs' frames, concatenated -> frames.xyz; the dataset's metrics."""
    import numpy as np

    from ..frames import read_frames
    from ..tracking import job_step, record

    with job_step("dimers", args.job) as job:
        start = time.perf_counter()
        gather_files(job, args.shards, "dimers_shard", "frames")
        frames = read_frames(job.fn("frames.xyz"))
        if len(frames) != job.sp()["n_dimers"]:
            raise ValueError(f"the shards hold {len(frames)} dimers, not n_dimers = {job.sp()['n_dimers']}")
        energy = np.array([atoms.info["energy"] for atoms in frames])
        h12_pw = np.array([atoms.info["h12_pw"] for atoms in frames])
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_dimers": len(frames), "n_shards": len(args.shards),
            "energy_min": float(energy.min()), "energy_max": float(energy.max()),
            "energy_mean": float(energy.mean()),
            "fraction_repulsive": float(np.mean(energy > 0)),
            "fraction_negligible": float(np.mean(np.abs(energy) < 0.01)),
            "h12_pw_min": float(h12_pw.min()), "h12_pw_max": float(h12_pw.max()),
        })


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

    from ..frames import read_frames
    from ..tracking import ARTIFACTS, open_job

    features = open_job(sp["features"])
    missing = [name for name in ("positions", "orientations") if name not in features.sp().get("gradients", ())]
    if missing:
        raise ValueError(f"features job {features.id} has no {'/'.join(missing)} gradients: force_fit needs "
                         "a featurisation with gradients [positions, orientations]")
    values = features.fn(ARTIFACTS["featurize"]["features"])
    gradients_path = values[:-len(".npy")] + ".gradients.mts"  # where featurize writes frame-mean gradients
    block = metatensor.load(gradients_path).block(0)
    path = open_job(features.sp()["dataset"]).fn(ARTIFACTS["dimers"]["frames"])
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


def _force_fit(args):
    """Frame-mean power spectrum + exact gradients (the featurize job's) -> linear potentials
    fitted to energies only and to energies + forces + torques; learning curves."""
    import numpy as np

    from ..analysis import force_fit, regression
    from ..io import atomic_path, save_json
    from ..tracking import job_step, record

    with job_step("force_fit", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        data = _fit_data(sp)
        n_frames = len(data["energies"])
        train, test = regression.split(n_frames, sp["test_fraction"], sp["seed"])
        weights = {"energy": (0.0, 0.0), "energy_forces_torques": (sp["force_weight"], sp["torque_weight"])}
        rows = np.flatnonzero(np.isin(data["system"], test))
        arrays, metrics = {"test": test, "energy": data["energies"][test], "force": data["forces"][rows],
                           "torque": data["torques"][rows]}, {}
        for name, (w_f, w_t) in weights.items():
            model = force_fit.fit_with(data, train, sp["alpha"], w_f, w_t)
            arrays[f"{name}:energy"] = model.energy(data["features"][test])
            arrays[f"{name}:force"] = model.negative_gradient(data["positions_gradient"][rows])
            arrays[f"{name}:torque"] = model.negative_gradient(data["orientations_gradient"][rows])
            metrics[name] = {q: regression.regression_metrics(arrays[q], arrays[f"{name}:{q}"])
                             for q in ("energy", "force", "torque")}
        sizes = [n for n in sp["train_sizes"] if n <= len(train)]
        curve = force_fit.force_learning_curve(data, train, test, sizes, alpha=sp["alpha"],
                                               force_weight=sp["force_weight"], torque_weight=sp["torque_weight"],
                                               seed=sp["seed"])
        with atomic_path(job.fn("force_fit.npz")) as tmp:
            np.savez(tmp, **arrays)
        save_json(job.fn("force_fit.json"), {"metrics": metrics, "curve": curve, "n_train": len(train)})
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_train": len(train), "n_test": len(test), "n_features": int(data["features"].shape[1]), **metrics})


def _report(args):
    """Gay-Berne figures (parity, learning curves), metrics table and summary rows."""
    import csv
    import json

    import numpy as np

    from .. import plots, summary
    from ..analysis.regression import regression_metrics
    from ..analysis.splits import summarise
    from ..io import atomic_path
    from ..tracking import open_job, read_metrics

    out = Path(args.output_dir)
    units = {"energy": "ε", "energy_attractive": "ε", "h12_gb": "σ", "h12_pw": "σ"}
    names = {"energy": "U", "energy_attractive": "U, model of the U < 0 dimers", "h12_gb": "h12 (Gay-Berne σ12)",
             "h12_pw": "h12 (Perram–Wertheim)"}
    order = {"h12_pw": 0, "h12_gb": 1, "energy": 2}
    models, curves, panels, table, n_dimers, parity = {}, {}, [], [], 0, {}
    for job in sorted(map(open_job, args.models), key=lambda j: order.get(j.sp()["target"], 9)):
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
    for job in sorted(map(open_job, args.curves), key=lambda j: order.get(j.sp()["target"], 9)):
        curve = json.loads(Path(job.fn("learning_curve.json")).read_text())
        curves[job.sp()["target"]] = {"job": job.id, **curve}
    plots.parity_plot(panels, out / "parity.png", title="Gay-Berne dimers: ridge on AniSOAP, test set")
    plots.learning_curve_plot(
        [{"train_sizes": c["train_sizes"], "mean": c["test_rmse_mean"], "min": c["test_rmse_min"],
          "max": c["test_rmse_max"], "folds": c["folds"], "name": names.get(t, t),
          "unit": units.get(t, "")} for t, c in curves.items()],
        out / "learning_curve.png", title="Gay-Berne dimers: learning curves",
    )
    with atomic_path(out / "metrics.csv") as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    rows = summary.gay_berne_rows(models, curves, n_dimers)
    for job in map(open_job, args.force_fits or ()):
        fit = json.loads(Path(job.fn("force_fit.json")).read_text())
        plots.force_fit_plots(dict(np.load(job.fn("force_fit.npz"))), fit["curve"], out)
        rows += summary.gay_berne_force_rows(fit, job.id)
    summary.write_rows(out / "summary_rows.json", rows)
    _write_parity_chemiscope(parity, units, out / "parity.chemiscope.json.gz")


def _write_parity_chemiscope(parity, units, path):
    """chemiscope parity map of the test dimers: every ridge target against its prediction, dimers as ellipsoids.

    ``parity``: target -> (ridge job, its predictions.npz); the energy (else the
    first target) places the points, the other targets are properties.
    """
    import numpy as np

    from ..chemiscope_io import write_parity_map
    from ..frames import read_frames
    from ..tracking import ARTIFACTS, open_job

    shown = "energy" if "energy" in parity else next(iter(parity))
    job, data = parity[shown]
    dimers = open_job(open_job(job.sp()["features"]).sp()["dataset"])
    properties = {}
    for target, (other, values) in parity.items():
        if other.sp()["features"] != job.sp()["features"] or not np.array_equal(values["test"], data["test"]):
            raise ValueError(f"ridge jobs {job.id} and {other.id} ({target}) differ in features or test rows: "
                             "their predictions cannot share one parity map")
        if target != shown:
            properties[f"{target} (target)"] = values["y_test"]
            properties[f"{target} (predicted)"] = values["y_test_pred"]
    frames = read_frames(dimers.fn(ARTIFACTS["dimers"]["frames"]))
    write_parity_map(
        path, [frames[i] for i in data["test"]], data["y_test"], data["y_test_pred"],
        quantity=shown, units=units.get(shown), properties=properties,
        name="Gay-Berne dimers: ridge on AniSOAP, test set",
        description=f"The {len(data['test'])} test dimers of the ridge models (features job "
                    f"{job.sp()['features']}), placed by reference against predicted value; "
                    f"targets {', '.join(parity)}. AniSOAP paper Sec. III B, Fig. 3.")


def add_parsers(subparsers):
    """Register ``dimers_shard``, ``dimers``, ``force_fit`` and ``gay_berne_report``."""
    add_job_step(subparsers, "dimers_shard", _dimers_shard, "Gay-Berne dimers of one shard -> frames.xyz")
    add_gather_step(subparsers, "dimers", _dimers, "Gay-Berne dimers: the shards gathered -> frames.xyz")
    add_job_step(subparsers, "force_fit", _force_fit,
                 "linear AniSOAP potentials fitted to energies, and to energies + forces + torques")
    p = subparsers.add_parser("gay_berne_report", help="Gay-Berne figures, metrics table and summary rows")
    p.add_argument("--models", nargs="+", required=True, help="job ids of the ridge models")
    p.add_argument("--curves", nargs="+", required=True, help="job ids of the learning curves")
    p.add_argument("--force-fits", nargs="*", default=(), help="job ids of the force_fit jobs")
    p.add_argument("--output-dir", required=True)
    p.set_defaults(handler=_report)
