"""Workflow steps of the benzene crystal study (paper Sec. III C, Figs. 4-7, S5, S6).

Each step reopens a signac job by id, reads its parameters from the state
point, writes its artifacts atomically into the job folder and records its
metrics last (:func:`anisoap_pipeline.tracking.record`, which writes
``metrics.json``, the file the Snakemake rule waits for). Energies are in
meV/atom (the baselined per-atom energy), lengths in Å.

``crystals_shard JOB``
    state point ``source="pyxtal"`` plus the arguments of
    :func:`anisoap_pipeline.datasets.benzene.generate_crystals`
    (``n_crystals, seed, max_molecules, space_groups, ...``) and ``shard``
    (``[start, stop)``: originals ``start .. stop - 1``); with ``augment =
    {n_rotated, n_translated}`` each original is followed by its copies from
    :func:`anisoap_pipeline.datasets.benzene.augment_crystals`, tagged
    ``info["group"]`` (the original's number) -> ``crystals.xyz`` (atomistic,
    extended XYZ); the PyXtal ``counts`` in the metrics.
``crystals JOB [--shards JOB...]``
    ``source="pyxtal"``: the dataset's parameters -> ``crystals.xyz``, the
    shards' files concatenated (the same bytes for every shard size), their
    counts summed; or ``source="file"`` with ``filename, start, stop, stride``
    (frames of a file, e.g. the real PBE-TS crystals, each tagged
    ``info["frame_index"]``, read by this job alone) -> ``crystals.xyz``.
``label_shard JOB [--n-jobs N]``
    state point ``crystals`` (a ``crystals_shard`` job id, or the ``crystals``
    job of a file), ``calculator`` (``{"name": "tblite" | "espresso" |
    "file", ...settings}``), optional ``supercell_spacing`` (Å) ->
    ``labels.npz``: ``energy`` (eV), ``baselined_energy`` (meV/atom),
    ``molecule_energy`` (eV), ``n_atoms``, ``repeats``, ``labelled`` (False
    and NaN energies for a crystal whose calculation failed; listed in the
    metrics' ``failed``) (:func:`anisoap_pipeline.calculators.label_energies`;
    resumable through ``labels.checkpoint.jsonl``, deleted once
    ``labels.npz`` is written).
``label JOB --shards JOB...``
    state point ``crystals`` (the gathered ``crystals`` job), ``calculator``,
    ``supercell_spacing`` -> ``labels.npz``, the shards' labels concatenated
    in order (:func:`anisoap_pipeline.calculators.gather_labels`); the
    metrics count and list the failed crystals by their index in the dataset.
``coarse_grain JOB``
    state point ``crystals``, ``diameters`` -> ``frames.xyz``, one ellipsoid
    per molecule (:func:`anisoap_pipeline.coarse_grain.coarse_grain_frames`).
    The diameters are only the file's default: ``featurize --job`` passes
    each featurisation's own ``diameters``.
``soap JOB``
    state point ``crystals``, ``cutoff, density_width, max_angular,
    max_radial, cutoff_width, species`` -> ``features.npy``, the
    structure-averaged atomistic SOAP power spectrum
    (:func:`anisoap_pipeline.soap.soap_power_spectrum`).
``featurize --job JOB``
    (generic, :mod:`anisoap_pipeline.cli`) AniSOAP of the ellipsoids, one job
    per grid point (``diameters = [diameter_12, diameter_12, diameter_3]``,
    ``radial_gaussian_width = σ_GTO``); a sphere is SOAP on the molecule centres.
``gfre JOB``
    state point ``features`` (AniSOAP job), ``soap`` (SOAP job), ``seed``,
    ``train_fraction``, ``n_splits`` -> GFRE(X_AniSOAP → X_SOAP) in the
    metrics: ``gfre`` on the paper's split, ``splits`` mean ± sd over the
    seeded splits, by which the regression chooses its shapes (Figs. 5, S6).
``regression JOB``
    state point ``labels``, ``soap``, ``anisoap_from`` and ``centres_from``
    (GFRE job ids: the AniSOAP and molecule-centre SOAP features are those of
    the lowest GFRE in each list), ``test_fraction, seed, cv_folds, alphas,
    train_sizes, folds, n_splits, grouped`` -> ``predictions.npz`` and
    ``learning_curves.json``: ridge on all-atom SOAP (PCA-reduced to the rank
    of AniSOAP), molecule-centre SOAP and AniSOAP on the 90/10 split of the
    paper (split 0: arrays, top-level metrics, curves) and mean ± sd over
    ``n_splits`` seeded splits (``metrics["splits"]``), and over as many
    grouped splits (``metrics["grouped_splits"]``: all copies of a crystal on
    one side, if the crystals carry ``info["group"]``) (Figs. 6, S5). Crystals
    whose labelling failed are left out (``rows``: the ones used).
``baseline JOB``
    state point ``regression`` (regression job), ``residual`` -> ``baseline.npz``:
    ridge on AniSOAP plus ridge on SOAP of its residual (Fig. 7), on the
    paper's split and, as mean ± sd with the count of splits where it helps,
    on the regression's random and grouped splits.
``pcovr JOB``
    state point ``baseline``, ``mixing``, ``n_components``, ``mixing_scan``
    -> ``pcovr.npz`` and ``chemiscope.json.gz``: PCovR of SOAP against the
    AniSOAP residual (paper's chemiscope map).
``benzene_report --gfre JOB... --regression JOB --baseline JOB --pcovr JOB --output-dir DIR``
    figures, ``gfre.csv``, ``metrics.csv``, the pcovr job's chemiscope file,
    ``pcovr.chemiscope.json.gz`` (the same map with each molecule's ellipsoid,
    of the selected AniSOAP diameters, drawn among its atoms,
    :func:`anisoap_pipeline.chemiscope_io.write_coarse_grained_map`) and
    ``summary_rows.json``.
"""

import json
import time
from pathlib import Path

from . import add_gather_step, add_job_step, gather_files, parameters

__all__ = ["add_parsers"]

#: Frames per featomic call in the soap step (bounds the per-centre memory).
_SOAP_CHUNK = 256

#: Representations of the regression, in the order of Fig. 6.
REPRESENTATIONS = ("soap", "centres", "anisoap")
NAMES = {
    "soap": "SOAP (all atoms, PCA)",
    "centres": "SOAP (molecule centres)",
    "anisoap": "AniSOAP",
    "soap_full": "SOAP (all atoms, full)",
}


def _read_crystals(job):
    """Atomistic crystals of a ``crystals`` job (list of ase.Atoms)."""
    from ase.io import read

    return read(job.fn("crystals.xyz"), index=":", format="extxyz")


# --------------------------------------------------------------------------- data


def _crystals_shard(args):
    """PyXtal crystals of one shard (originals ``shard``, each with its augmented copies) -> crystals.xyz."""
    from collections import Counter

    from ase.io import write

    from ..datasets.benzene import augment_crystals, generate_crystals
    from ..io import atomic_path
    from ..tracking import job_step, record

    with job_step("crystals_shard", args.job) as job:
        params = parameters(job.sp())
        items = params.pop("shard")
        if params.pop("source") != "pyxtal":
            raise ValueError("only source 'pyxtal' is made by shards")
        if params.get("space_groups") is None:
            params.pop("space_groups", None)
        if isinstance(params.get("volume_factor"), list):
            params["volume_factor"] = tuple(params["volume_factor"])
        augment = params.pop("augment", None)
        if augment:  # originals only, then every original's rotated and translated copies
            params["augment_fraction"] = 0.0
        start = time.perf_counter()
        crystals, counts = generate_crystals(**params, items=items)
        if augment:
            crystals, copies = augment_crystals(crystals, params["seed"], **augment,
                                                max_rotation=params["max_rotation"],
                                                max_translation=params["max_translation"],
                                                groups=[atoms.info["index"] for atoms in crystals])
            counts = {**counts, **{f"copies_{key}": value for key, value in copies.items()}}
        with atomic_path(job.fn("crystals.xyz")) as tmp:
            write(tmp, crystals, format="extxyz")
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_crystals": len(crystals), "counts": counts,
            "augmentation": dict(Counter(atoms.info["augmentation"] for atoms in crystals))})


def _crystals(args):
    """The crystals_shard jobs' crystals gathered, or frames of a file -> crystals.xyz."""
    from collections import Counter

    import numpy as np
    from ase.io import read, write

    from ..io import atomic_path
    from ..tracking import job_step, record

    with job_step("crystals", args.job) as job:
        params = parameters(job.sp())
        source = params["source"]
        start = time.perf_counter()
        metrics = {"source": source}
        if source == "pyxtal":
            shards = gather_files(job, args.shards, "crystals_shard", "crystals")
            crystals = _read_crystals(job)
            if not crystals:
                raise ValueError(f"PyXtal produced no crystal in {sum(m['counts'].get('attempts', 0) for m in shards)} "
                                 "attempts")
            counts = Counter()
            for shard in shards:
                counts.update(shard["counts"])
            metrics.update(counts=dict(counts), n_shards=len(shards),
                           space_groups=len({atoms.info["space_group"] for atoms in crystals}),
                           augmentation=dict(Counter(atoms.info["augmentation"] for atoms in crystals)))
        elif source == "file":
            if args.shards:
                raise ValueError("crystals of a file are read by one job, not gathered from shards")
            selection = slice(params.get("start", 0), params.get("stop"), params.get("stride", 1))
            indices = range(*selection.indices(10**12))
            crystals = read(params["filename"], index=selection)
            if not crystals:
                raise ValueError(f"{params['filename']}: no frame in the selection {selection}")
            for index, atoms in zip(indices, crystals):
                atoms.info["frame_index"] = index
            with atomic_path(job.fn("crystals.xyz")) as tmp:
                write(tmp, crystals, format="extxyz")
        else:
            raise ValueError(f"source must be 'pyxtal' or 'file', got {source!r}")
        n_atoms = np.array([len(atoms) for atoms in crystals])
        metrics.update(n_crystals=len(crystals), n_atoms=dict(Counter(n_atoms.tolist())),
                       n_atoms_mean=float(n_atoms.mean()))
        record(job, wall_time=time.perf_counter() - start, metrics=metrics)


def _label_shard(args):
    """Energies of the crystals of one crystals_shard (or crystals) job -> labels.npz (resumable)."""
    import numpy as np

    from ..calculators import label_energies, save_labels
    from ..tracking import job_step, open_job, record

    with job_step("label_shard", args.job) as job:
        sp = job.sp()
        dataset = open_job(sp["crystals"])
        spec = dict(sp["calculator"])
        n_jobs = int(args.n_jobs)
        if spec["name"] == "file":
            if "filename" not in spec:
                if dataset.sp().get("source") != "file":
                    raise ValueError("calculator 'file' needs 'filename' unless the crystals come from a file")
                spec["filename"] = dataset.sp()["filename"]
            n_jobs = 1  # one reader of the file is enough
        if spec["name"] == "espresso":
            spec.setdefault("directory", job.fn("espresso"))
        start = time.perf_counter()
        crystals = _read_crystals(dataset)
        checkpoint = job.fn("labels.checkpoint.jsonl")
        labels = label_energies(crystals, spec, n_jobs=n_jobs, checkpoint=checkpoint,
                                supercell_spacing=sp.get("supercell_spacing"))
        save_labels(job.fn("labels.npz"), labels, [len(atoms) for atoms in crystals], checkpoint)
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_crystals": len(crystals), "n_labelled": int(np.isfinite(labels["energy"]).sum()), "n_jobs": n_jobs,
            "n_failed": labels["n_failed"], "failed": labels["failed"]})


def _label(args):
    """The label_shard jobs' labels concatenated in order -> labels.npz; failures listed by crystal."""
    import numpy as np

    from ..calculators import gather_labels
    from ..tracking import job_step, open_job, read_metrics, record

    with job_step("label", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        crystals = _read_crystals(open_job(sp["crystals"]))
        shards = [open_job(shard) for shard in args.shards]
        for shard in shards:
            if shard.sp()["step"] != "label_shard" or shard.sp()["calculator"] != sp["calculator"]:
                raise ValueError(f"job {shard.id} is not a label_shard job of this calculator: {shard.sp()}")
        labels = gather_labels(job.fn("labels.npz"), [shard.fn("labels.npz") for shard in shards],
                               [read_metrics(shard)["failed"] for shard in shards])
        if len(labels["energy"]) != len(crystals) or np.any(labels["n_atoms"] != [len(a) for a in crystals]):
            raise ValueError(f"the label shards hold {len(labels['energy'])} crystals, not the "
                             f"{len(crystals)} crystals of job {sp['crystals']} in order")
        y = labels["baselined_energy"][labels["labelled"]]
        if len(y) == 0:
            raise ValueError(f"no crystal could be labelled: {labels['failed'][:3]}")
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_crystals": len(crystals), "n_labelled": len(y), "molecule_energy_eV": labels["molecule_energy"],
            "baselined_energy_mean": float(y.mean()), "baselined_energy_std": float(y.std()),
            "baselined_energy_min": float(y.min()), "baselined_energy_max": float(y.max()),
            "n_shards": len(shards), "n_jobs": max(read_metrics(shard)["n_jobs"] for shard in shards),
            "n_failed": len(labels["failed"]), "failed": labels["failed"],
            "supercell_atoms_mean": float(np.mean(labels["n_atoms"] * np.prod(labels["repeats"], axis=1))),
        })


def _coarse_grain(args):
    """One ellipsoid per molecule -> frames.xyz."""
    import numpy as np

    from ..coarse_grain import coarse_grain_frames
    from ..frames import write_frames
    from ..tracking import job_step, open_job, record

    with job_step("coarse_grain", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        crystals = _read_crystals(open_job(sp["crystals"]))
        frames = coarse_grain_frames(crystals, sp["diameters"], atoms_per_molecule=12)
        for atoms in frames:  # per-crystal arrays of the atomistic file do not fit the ellipsoids
            for key in ("stress", "forces"):
                atoms.info.pop(key, None)
        write_frames(job.fn("frames.xyz"), frames)
        molecules = np.array([len(atoms) for atoms in frames])
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_frames": len(frames), "molecules_min": int(molecules.min()),
            "molecules_max": int(molecules.max()), "molecules_mean": float(molecules.mean()),
        })


def _soap(args):
    """Structure-averaged all-atom SOAP power spectrum -> features.npy."""
    import numpy as np

    from ..io import save_array
    from ..soap import soap_power_spectrum
    from ..tracking import job_step, open_job, record

    with job_step("soap", args.job) as job:
        params = parameters(job.sp())
        crystals = _read_crystals(open_job(params.pop("crystals")))
        start = time.perf_counter()
        X = np.concatenate([
            soap_power_spectrum(crystals[i : i + _SOAP_CHUNK], **params)
            for i in range(0, len(crystals), _SOAP_CHUNK)
        ])
        save_array(job.fn("features.npy"), X)
        record(job, wall_time=time.perf_counter() - start, metrics={
            "n_frames": int(X.shape[0]), "n_features": int(X.shape[1]),
        })


# --------------------------------------------------------------------------- analysis


def _features(job_id):
    """(features job, X) of a featurisation job id."""
    import numpy as np

    from ..tracking import ARTIFACTS, open_job

    job = open_job(job_id)
    return job, np.load(job.fn(ARTIFACTS[job.sp()["step"]]["features"]))


def _gfre(args):
    """GFRE(X_AniSOAP → X_SOAP) of one grid point."""
    from ..analysis.benzene import gfre_over_splits, gfre_point
    from ..tracking import job_step, record

    with job_step("gfre", args.job) as job:
        sp = job.sp()
        features, X = _features(sp["features"])
        _, Y = _features(sp["soap"])
        start = time.perf_counter()
        metrics = gfre_point(X, Y, sp["seed"], sp["train_fraction"])
        splits = gfre_over_splits(X, Y, sp["seed"], sp.get("n_splits", 1), sp["train_fraction"])
        diameters = features.sp()["diameters"]
        record(job, wall_time=time.perf_counter() - start, metrics={
            "gfre": metrics.pop("gfre"), "splits": splits,
            "diameter_12": float(diameters[0]), "diameter_3": float(diameters[2]),
            "radial_gaussian_width": float(features.sp()["radial_gaussian_width"]), **metrics,
        })


def _mean_gfre(metrics):
    """The GFRE a grid point is ranked by: its mean over the seeded splits (the paper split's if none)."""
    return metrics["splits"]["gfre"]["mean"] if "splits" in metrics else metrics["gfre"]


def _select(gfre_ids, what):
    """(GFRE job, its metrics) of the lowest mean GFRE among ``gfre_ids``."""
    from ..tracking import open_job, read_metrics

    if not gfre_ids:
        raise ValueError(f"no GFRE job to choose the {what} features from")
    jobs = [open_job(job_id) for job_id in gfre_ids]
    metrics = [read_metrics(job) for job in jobs]
    best = min(range(len(jobs)), key=lambda i: _mean_gfre(metrics[i]))
    return jobs[best], metrics[best]


def _labels(job_id):
    """Baselined energies (meV/atom) of a labels job."""
    import numpy as np

    from ..tracking import open_job

    return np.load(open_job(job_id).fn("labels.npz"))["baselined_energy"]


def _groups(labels_id):
    """Group of each crystal of a labels job (``info["group"]``: its original), or None if untagged."""
    import numpy as np

    from ..tracking import open_job

    crystals = _read_crystals(open_job(open_job(labels_id).sp()["crystals"]))
    if not all("group" in atoms.info for atoms in crystals):
        return None
    return np.array([int(atoms.info["group"]) for atoms in crystals])


def _is_test(splits, n):
    """Boolean (n_splits, n): the test rows of each split."""
    import numpy as np

    mask = np.zeros((len(splits), n), dtype=bool)
    for k, (_, test) in enumerate(splits):
        mask[k, test] = True
    return mask


def _regress(args):
    """Ridge on all-atom SOAP (PCA), molecule-centre SOAP and AniSOAP over seeded splits; learning curves."""
    import numpy as np

    from ..analysis import regression
    from ..analysis.benzene import regressions_over_splits
    from ..analysis.splits import seeded_splits
    from ..io import atomic_path, save_json
    from ..tracking import job_step, record

    with job_step("regression", args.job) as job:
        sp = job.sp()
        start = time.perf_counter()
        labels = _labels(sp["labels"])
        rows = np.flatnonzero(np.isfinite(labels))  # crystals whose labelling failed are left out
        y = labels[rows]
        chosen, selected = {}, {}
        for key, what, ids in (("anisoap", "AniSOAP", sp["anisoap_from"]),
                               ("centres", "molecule-centre SOAP", sp["centres_from"])):
            gfre_job, metrics = _select(ids, what)
            chosen[key] = {"gfre_job": gfre_job.id, "features_job": gfre_job.sp()["features"], **metrics}
            selected[key] = _features(gfre_job.sp()["features"])[1][rows]
        X_soap = _features(sp["soap"])[1][rows]
        protocol = {"alphas": regression.alpha_grid(**sp["alphas"]), "cv_folds": sp["cv_folds"], "seed": sp["seed"]}
        n_splits = sp.get("n_splits", 1)
        splits = seeded_splits(len(y), n_splits, sp["seed"], sp["test_fraction"])
        (arrays, metrics, curves), statistics = regressions_over_splits(
            X_soap, selected["centres"], selected["anisoap"], y, splits, train_sizes=sp["train_sizes"],
            folds=sp["folds"], **protocol)
        metrics = {"selected": chosen, **metrics, "n_failed": int(len(labels) - len(rows)), "splits": statistics}
        grouped = np.zeros((0, len(y)), dtype=bool)
        groups = _groups(sp["labels"]) if sp.get("grouped") else None
        if groups is not None:  # every copy of a crystal on the side of its original
            group_splits = seeded_splits(len(y), n_splits, sp["seed"], sp["test_fraction"], groups=groups[rows])
            _, metrics["grouped_splits"] = regressions_over_splits(
                X_soap, selected["centres"], selected["anisoap"], y, group_splits, **protocol)
            grouped = _is_test(group_splits, len(y))
        with atomic_path(job.fn("predictions.npz")) as tmp:
            np.savez(tmp, rows=rows, splits_is_test=_is_test(splits, len(y)), grouped_is_test=grouped, **arrays)
        save_json(job.fn("learning_curves.json"), curves)
        record(job, wall_time=time.perf_counter() - start, metrics=metrics)


def _baseline(args):
    """Ridge on AniSOAP, then ridge on SOAP of its residual -> baseline.npz; over the regression's splits."""
    import numpy as np

    from ..analysis import regression
    from ..analysis.baselining import baseline_and_correct
    from ..analysis.splits import count_better, over_splits
    from ..io import atomic_path
    from ..tracking import job_step, open_job, read_metrics, record

    with job_step("baseline", args.job) as job:
        sp = job.sp()
        ridge = open_job(sp["regression"])
        rsp = ridge.sp()
        selected = read_metrics(ridge)["selected"]
        start = time.perf_counter()
        split = np.load(ridge.fn("predictions.npz"))
        y, train, test, rows = split["y"], split["train"], split["test"], split["rows"]
        X_anisoap = _features(selected["anisoap"]["features_job"])[1][rows]
        X_soap = _features(rsp["soap"])[1][rows]
        protocol = {"alphas": regression.alpha_grid(**rsp["alphas"]), "cv_folds": rsp["cv_folds"],
                    "seed": rsp["seed"], "residual": sp["residual"]}
        result = baseline_and_correct(X_anisoap, X_soap, y, train, test, **protocol)

        def evaluate(train, test):
            fit = baseline_and_correct(X_anisoap, X_soap, y, train, test, **protocol)
            return {"before": fit["before"], "after": fit["after"],
                    "rmse_reduction": 1.0 - fit["after"]["rmse"] / fit["before"]["rmse"]}

        statistics = {}
        for name in ("splits", "grouped"):
            masks = split[f"{name}_is_test"]
            if len(masks):
                _, stats = over_splits(evaluate, [(np.flatnonzero(~m), np.flatnonzero(m)) for m in masks])
                stats["better"] = count_better(stats["after"]["rmse"]["values"], stats["before"]["rmse"]["values"])
                statistics[name if name == "splits" else "grouped_splits"] = stats
        arrays = {key: value for key, value in result.items() if isinstance(value, np.ndarray)}
        with atomic_path(job.fn("baseline.npz")) as tmp:
            np.savez(tmp, train=train, test=test, y=y, rows=rows, **arrays)
        before, after = result["before"], result["after"]
        record(job, wall_time=time.perf_counter() - start, metrics={
            "before": before, "after": after, "residual": result["residual"],
            "alpha_baseline": result["alpha_baseline"], "alpha_correction": result["alpha_correction"],
            "rmse_reduction": 1.0 - after["rmse"] / before["rmse"],
            "features_baseline": selected["anisoap"]["features_job"], "features_correction": rsp["soap"],
            **statistics,
        })


def _pcovr(args):
    """PCovR of SOAP against the AniSOAP residual -> pcovr.npz, chemiscope.json.gz."""
    import numpy as np

    from ..analysis.pcovr import pcovr_losses, pcovr_map, write_chemiscope
    from ..io import atomic_path
    from ..tracking import job_step, open_job, record

    with job_step("pcovr", args.job) as job:
        sp = job.sp()
        baseline = open_job(sp["baseline"])
        ridge = open_job(baseline.sp()["regression"])
        labels = open_job(ridge.sp()["labels"])
        crystals_job = open_job(labels.sp()["crystals"])
        start = time.perf_counter()
        data = np.load(baseline.fn("baseline.npz"))
        train, test, y = data["train"], data["test"], data["y"]
        # every crystal's residual unseen by the model that made it: out-of-fold on
        # the training rows (or in-sample, as the baseline job chose), test rows as is
        residual = np.empty(len(y))
        residual[train] = data["residual_train"]
        residual[test] = data["residual_test"]
        baseline_pred = np.empty(len(y))
        baseline_pred[train] = data["y_train_baseline"]
        baseline_pred[test] = data["y_test_baseline"]
        _, X_soap = _features(ridge.sp()["soap"])
        fitted = pcovr_map(X_soap, residual, mixing=sp["mixing"], n_components=sp["n_components"], fit_idx=train)
        scan = pcovr_losses(X_soap, residual, sp["mixing_scan"], sp["n_components"], fit_idx=train)
        is_test = np.zeros(len(y), bool)
        is_test[test] = True
        with atomic_path(job.fn("pcovr.npz")) as tmp:
            np.savez(tmp, projection=fitted["projection"], residual=residual, residual_pred=fitted["y_pred"],
                     y=y, baseline_pred=baseline_pred, test=is_test)
        crystals = [_read_crystals(crystals_job)[i] for i in data["rows"]]  # the labelled ones
        properties = {
            "AniSOAP residual": {"values": residual, "units": "meV/atom",
                                 "description": "reference - AniSOAP ridge prediction (out-of-fold for training rows)"},
            "energy": {"values": y, "units": "meV/atom", "description": "baselined per-atom energy"},
            "AniSOAP prediction": {"values": baseline_pred, "units": "meV/atom"},
            "set": np.where(is_test, "test", "train"),
            "atoms": np.array([len(atoms) for atoms in crystals], dtype=float),
        }
        if all("space_group" in atoms.info for atoms in crystals):
            properties["space group"] = np.array([float(atoms.info["space_group"]) for atoms in crystals])
        write_chemiscope(
            job.fn("chemiscope.json.gz"), crystals, fitted["projection"], properties,
            name="Benzene crystals: PCovR of SOAP against the AniSOAP residual",
            description=(f"PCovR (mixing {sp['mixing']:g}, {sp['n_components']} components) of the "
                         "structure-averaged all-atom SOAP power spectrum against the residual of the "
                         "ridge model on AniSOAP, fitted on the training crystals. AniSOAP paper Sec. III C."),
            color="AniSOAP residual",
            references=["A. Lin et al., J. Chem. Phys. 161, 074112 (2024)"],
        )
        record(job, wall_time=time.perf_counter() - start, metrics={
            "mixing": fitted["mixing"], "alpha": fitted["alpha"],
            "loss_projection": fitted["loss_projection"], "loss_regression": fitted["loss_regression"],
            "residual_r2_train": _r2(residual[train], fitted["y_pred"][train]),
            "residual_r2_test": _r2(residual[test], fitted["y_pred"][test]),
            "scan": scan,
        })


def _r2(y, p):
    from ..analysis.regression import regression_metrics

    return regression_metrics(y, p)["r2"]


# --------------------------------------------------------------------------- report


def _report(args):
    """Figures, tables, the chemiscope map and summary rows of the benzene study."""
    import csv
    import shutil

    import numpy as np

    from .. import plots, summary
    from ..io import atomic_path, save_json
    from ..tracking import open_job, read_metrics

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    unit = "meV/atom"

    # GFRE scan (Figs. 5, S6)
    grid = []
    for job_id in args.gfre:
        m = read_metrics(job_id)
        grid.append({"job": job_id, **{k: m[k] for k in ("diameter_12", "diameter_3", "radial_gaussian_width", "gfre")},
                     "n_features_anisoap": m["n_features_anisoap"], "n_features_soap": m["n_features_soap"],
                     "rank_anisoap": m["rank_anisoap"], **({"splits": m["splits"]["gfre"]} if "splits" in m else {})})
    grid.sort(key=lambda p: (p["radial_gaussian_width"], p["diameter_12"], p["diameter_3"]))
    columns = {k: np.array([p[k] for p in grid]) for k in ("diameter_12", "diameter_3", "radial_gaussian_width", "gfre")}
    plots.gfre_contour_plot(columns["diameter_12"], columns["diameter_3"], columns["radial_gaussian_width"], columns["gfre"],
                            out / "gfre.png", title="Benzene: GFRE(X_AniSOAP → X_SOAP) over the ellipsoid shape")
    with atomic_path(out / "gfre.csv") as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["diameter_12", "diameter_3", "radial_gaussian_width", "gfre",
                                                    "gfre_mean", "gfre_sd", "n_splits", "job"])
        writer.writeheader()
        for p in grid:  # gfre: the paper's split; mean and sd over the seeded splits
            spread = p.get("splits", {"mean": p["gfre"], "sd": 0.0, "n": 1})
            writer.writerow({**{k: p[k] for k in ("diameter_12", "diameter_3", "radial_gaussian_width", "gfre", "job")},
                             "gfre_mean": spread["mean"], "gfre_sd": spread["sd"], "n_splits": spread["n"]})

    # regression (Figs. 6, S5)
    ridge = open_job(args.regression)
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
    plots.parity_error_plot(panels, out / "parity.png", title="Benzene crystals: ridge regression, test set")
    curves = json.loads(Path(ridge.fn("learning_curves.json")).read_text())
    plots.learning_curve_plot(
        [{"train_sizes": c["train_sizes"], "mean": c["test_rmse_mean"], "min": c["test_rmse_min"],
          "max": c["test_rmse_max"], "folds": c["folds"], "name": NAMES[name], "unit": unit}
         for name, c in ((name, curves[name]) for name in REPRESENTATIONS if name in curves)],
        out / "learning_curve.png", title="Benzene crystals: learning curves (ridge, 5-fold CV)")

    # baselining (Fig. 7)
    baseline = open_job(args.baseline)
    base = np.load(baseline.fn("baseline.npz"))
    base_metrics = read_metrics(baseline)
    plots.baselining_plot(base["y"][base["test"]], base["y_test_baseline"], base["y_test_pred"],
                          out / "baselining.png", name="energy", unit=unit,
                          metrics_before=base_metrics["before"], metrics_after=base_metrics["after"],
                          title="AniSOAP baseline + SOAP correction, test set")

    # PCovR map
    pcovr = open_job(args.pcovr)
    pcovr_data = np.load(pcovr.fn("pcovr.npz"))
    pcovr_metrics = read_metrics(pcovr)
    plots.pcovr_map_plot(pcovr_data["projection"], pcovr_data["residual"], out / "pcovr_map.png",
                         color_label=f"AniSOAP residual ({unit})", mixing=pcovr_metrics["mixing"],
                         test=pcovr_data["test"], title="PCovR of SOAP vs AniSOAP residual")
    with atomic_path(out / "pcovr_chemiscope.json.gz") as tmp:
        shutil.copyfile(pcovr.fn("chemiscope.json.gz"), tmp)
    _write_pcovr_chemiscope(ridge_metrics["selected"]["anisoap"], ridge, pcovr_data, pcovr_metrics,
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
    with atomic_path(out / "metrics.csv") as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    n_crystals = len(data["y"])
    save_json(out / "results.json", {"gfre": grid, "ridge": {"job": ridge.id, **ridge_metrics},
                                     "baseline": {"job": baseline.id, **base_metrics},
                                     "pcovr": {"job": pcovr.id, **pcovr_metrics}, "n_crystals": n_crystals})
    calculator = open_job(ridge.sp()["labels"]).sp()["calculator"]
    summary.write_rows(out / "summary_rows.json", summary.benzene_rows(
        grid, {"job": ridge.id, **ridge_metrics}, {k: {"job": ridge.id, **c} for k, c in curves.items()},
        {"job": baseline.id, **base_metrics}, {"job": pcovr.id, **pcovr_metrics}, n_crystals, calculator))


def _write_pcovr_chemiscope(selected, ridge, pcovr_data, pcovr_metrics, path):
    """chemiscope PCovR map of the crystals, each molecule's ellipsoid (the selected AniSOAP shape) among its atoms."""
    import numpy as np

    from ..chemiscope_io import write_coarse_grained_map
    from ..frames import read_frames
    from ..tracking import ARTIFACTS, open_job

    features = open_job(selected["features_job"])
    ellipsoids = read_frames(open_job(features.sp()["dataset"]).fn(ARTIFACTS["coarse_grain"]["frames"]),
                             diameters=features.sp()["diameters"])
    crystals = _read_crystals(open_job(open_job(ridge.sp()["labels"]).sp()["crystals"]))
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


def add_parsers(subparsers):
    """Add the benzene steps to the ``anisoap-pipeline`` subcommands."""
    add_gather_step(subparsers, "crystals", _crystals,
                    "benzene crystals: the crystals_shard jobs gathered, or frames of a file -> crystals.xyz")
    add_gather_step(subparsers, "label", _label, "energy labels: the label_shard jobs gathered -> labels.npz")
    for name, handler, text in [
        ("crystals_shard", _crystals_shard, "PyXtal benzene crystals of one shard -> crystals.xyz"),
        ("coarse_grain", _coarse_grain, "one ellipsoid per benzene molecule -> frames.xyz"),
        ("soap", _soap, "structure-averaged all-atom SOAP power spectrum -> features.npy"),
        ("gfre", _gfre, "GFRE(X_AniSOAP -> X_SOAP) of one AniSOAP grid point"),
        ("regression", _regress, "ridge on SOAP (PCA), molecule-centre SOAP and AniSOAP -> predictions.npz"),
        ("baseline", _baseline, "AniSOAP ridge + SOAP correction of its residual -> baseline.npz"),
        ("pcovr", _pcovr, "PCovR of SOAP against the AniSOAP residual -> pcovr.npz, chemiscope.json.gz"),
    ]:
        add_job_step(subparsers, name, handler, text)
    p = add_job_step(subparsers, "label_shard", _label_shard,
                     "energies of one shard's crystals -> labels.npz (resumable)")
    p.add_argument("--n-jobs", type=int, default=1, help="worker processes (not part of the state point)")
    p = subparsers.add_parser("benzene_report", help="benzene figures, tables, chemiscope map and summary rows")
    p.add_argument("--gfre", nargs="+", required=True, help="job ids of the GFRE grid points")
    p.add_argument("--regression", required=True, help="job id of the regression")
    p.add_argument("--baseline", required=True, help="job id of the baselining")
    p.add_argument("--pcovr", required=True, help="job id of the PCovR map")
    p.add_argument("--output-dir", required=True)
    p.set_defaults(handler=_report)
