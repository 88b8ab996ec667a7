"""Workflow steps of the benzene crystal study (paper Sec. III C, Figs. 4-7, S5, S6).

Each step reopens a signac job by id, reads its parameters from the state
point, writes its artifacts atomically into the job folder and records its
metrics last (:func:`anisoap_pipeline.tracking.record`, which writes
``metrics.json``, the file the Snakemake rule waits for). Energies are in
meV/atom (the baselined per-atom energy), lengths in Å.

``crystals_shard JOB``
    state point ``source="pyxtal"`` plus the arguments of
    :func:`anisoap_pipeline.studies.benzene.data.generate_crystals`
    (``n_crystals, seed, max_molecules, space_groups, ...``) and ``shard``
    (``[start, stop)``: originals ``start .. stop - 1``); with ``augment =
    {n_rotated, n_translated}`` each original is followed by its copies from
    :func:`anisoap_pipeline.studies.benzene.data.augment_crystals`, tagged
    ``info["group"]`` (the original's number) -> ``crystals.xyz`` (atomistic,
    extended XYZ); the PyXtal ``counts`` in the metrics.
``crystals JOB``
    ``source="pyxtal"``: the dataset's parameters -> ``crystals.xyz``, the
    shards' files concatenated (the same bytes for every shard size), their
    counts summed; or ``source="file"`` with ``filename, start, stop, stride``
    (frames of a file, e.g. the real PBE-TS crystals, each tagged
    ``info["frame_index"]``, read by this job alone) -> ``crystals.xyz``.
``label_shard JOB [--threads N]``
    state point ``crystals`` (a ``crystals_shard`` job id, or the ``crystals``
    job of a file), ``calculator`` (``{"name": "tblite" | "espresso" |
    "file", ...settings}``), optional ``supercell_spacing`` (Å) ->
    ``labels.npz``: ``energy`` (eV), ``baselined_energy`` (meV/atom),
    ``molecule_energy`` (eV), ``n_atoms``, ``repeats``, ``labelled`` (False
    and NaN energies for a crystal whose calculation failed; listed in the
    metrics' ``failed``) (:func:`anisoap_pipeline.studies.benzene.calculators.label_energies`;
    resumable through ``labels.checkpoint.jsonl``, deleted once
    ``labels.npz`` is written).
``label JOB``
    state point ``crystals`` (the gathered ``crystals`` job), ``calculator``,
    ``supercell_spacing`` -> ``labels.npz``, the shards' labels concatenated
    in order (:func:`anisoap_pipeline.studies.benzene.calculators.gather_labels`); the
    metrics count and list the failed crystals by their index in the dataset.
``coarse_grain JOB``
    state point ``crystals``, ``diameters`` -> ``frames.xyz``, one ellipsoid
    per molecule (:func:`anisoap_pipeline.studies.benzene.coarse_grain.coarse_grain_frames`).
    The diameters are only the file's default: a ``featurize`` job passes
    each featurisation's own ``diameters``.
``soap JOB``
    state point ``crystals``, ``cutoff, density_width, max_angular,
    max_radial, cutoff_width, species`` -> ``features.npy``, the
    structure-averaged atomistic SOAP power spectrum
    (:func:`anisoap_pipeline.studies.benzene.soap.soap_power_spectrum`).
``featurize JOB``
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

The figures, tables, chemiscope maps and summary rows are the report's (:mod:`.report`).
"""


from ...steps import Step, gather_files, parameters, parents

__all__ = ["NAMES", "REPRESENTATIONS", "STEPS", "read_crystals"]

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


def read_crystals(job):
    """Atomistic crystals of a ``crystals`` job (list of ase.Atoms)."""
    from ase.io import read

    return read(job.fn("crystals.xyz"), index=":", format="extxyz")


# --------------------------------------------------------------------------- data


def crystals_shard(job, args):
    """PyXtal crystals of one shard (originals ``shard``, each with its augmented copies) -> crystals.xyz."""
    from collections import Counter

    from ase.io import write

    from .data import augment_crystals, generate_crystals
    from ...io import atomic_path

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
    crystals, counts = generate_crystals(**params, items=items)
    if augment:
        crystals, copies = augment_crystals(crystals, params["seed"], **augment,
                                            max_rotation=params["max_rotation"],
                                            max_translation=params["max_translation"],
                                            groups=[atoms.info["index"] for atoms in crystals])
        counts = {**counts, **{f"copies_{key}": value for key, value in copies.items()}}
    with atomic_path(job.fn("crystals.xyz")) as tmp:
        write(tmp, crystals, format="extxyz")
    return {
        "n_crystals": len(crystals), "counts": counts,
        "augmentation": dict(Counter(atoms.info["augmentation"] for atoms in crystals))}


def crystals(job, args):
    """The crystals_shard jobs' crystals gathered, or frames of a file -> crystals.xyz."""
    from collections import Counter

    import numpy as np
    from ase.io import read, write

    from ...io import atomic_path

    params = parameters(job.sp())
    source = params["source"]
    metrics = {"source": source}
    if source == "pyxtal":
        shards = gather_files(job, parents(job, "shards"), "crystals_shard", "crystals")
        crystals = read_crystals(job)
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
    return metrics


def label_shard(job, args):
    """Energies of the crystals of one crystals_shard (or crystals) job -> labels.npz (resumable)."""
    import numpy as np

    from .calculators import label_energies, save_labels
    from ...tracking import open_job

    sp = job.sp()
    dataset = open_job(sp["crystals"])
    spec = dict(sp["calculator"])
    n_jobs = int(args.threads)
    if spec["name"] == "file":
        if "filename" not in spec:
            if dataset.sp().get("source") != "file":
                raise ValueError("calculator 'file' needs 'filename' unless the crystals come from a file")
            spec["filename"] = dataset.sp()["filename"]
        n_jobs = 1  # one reader of the file is enough
    if spec["name"] == "espresso":
        spec.setdefault("directory", job.fn("espresso"))
    crystals = read_crystals(dataset)
    checkpoint = job.fn("labels.checkpoint.jsonl")
    labels = label_energies(crystals, spec, n_jobs=n_jobs, checkpoint=checkpoint,
                            supercell_spacing=sp.get("supercell_spacing"))
    save_labels(job.fn("labels.npz"), labels, [len(atoms) for atoms in crystals], checkpoint)
    return {
        "n_crystals": len(crystals), "n_labelled": int(np.isfinite(labels["energy"]).sum()), "n_jobs": n_jobs,
        "n_failed": labels["n_failed"], "failed": labels["failed"]}


def label(job, args):
    """The label_shard jobs' labels concatenated in order -> labels.npz; failures listed by crystal."""
    import numpy as np

    from .calculators import gather_labels
    from ...tracking import open_job, read_metrics

    sp = job.sp()
    crystals = read_crystals(open_job(sp["crystals"]))
    shards = [open_job(shard) for shard in parents(job, "shards")]
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
    return {
        "n_crystals": len(crystals), "n_labelled": len(y), "molecule_energy_eV": labels["molecule_energy"],
        "baselined_energy_mean": float(y.mean()), "baselined_energy_std": float(y.std()),
        "baselined_energy_min": float(y.min()), "baselined_energy_max": float(y.max()),
        "n_shards": len(shards), "n_jobs": max(read_metrics(shard)["n_jobs"] for shard in shards),
        "n_failed": len(labels["failed"]), "failed": labels["failed"],
        "supercell_atoms_mean": float(np.mean(labels["n_atoms"] * np.prod(labels["repeats"], axis=1))),
    }


def coarse_grain(job, args):
    """One ellipsoid per molecule -> frames.xyz."""
    import numpy as np

    from .coarse_grain import coarse_grain_frames
    from ...frames import write_frames
    from ...tracking import open_job

    sp = job.sp()
    crystals = read_crystals(open_job(sp["crystals"]))
    frames = coarse_grain_frames(crystals, sp["diameters"], atoms_per_molecule=12)
    for atoms in frames:  # per-crystal arrays of the atomistic file do not fit the ellipsoids
        for key in ("stress", "forces"):
            atoms.info.pop(key, None)
    write_frames(job.fn("frames.xyz"), frames)
    molecules = np.array([len(atoms) for atoms in frames])
    return {
        "n_frames": len(frames), "molecules_min": int(molecules.min()),
        "molecules_max": int(molecules.max()), "molecules_mean": float(molecules.mean()),
    }


def soap(job, args):
    """Structure-averaged all-atom SOAP power spectrum -> features.npy."""
    import numpy as np

    from ...io import save_array
    from .soap import soap_power_spectrum
    from ...tracking import open_job

    params = parameters(job.sp())
    crystals = read_crystals(open_job(params.pop("crystals")))
    X = np.concatenate([
        soap_power_spectrum(crystals[i : i + _SOAP_CHUNK], **params)
        for i in range(0, len(crystals), _SOAP_CHUNK)
    ])
    save_array(job.fn("features.npy"), X)
    return {
        "n_frames": int(X.shape[0]), "n_features": int(X.shape[1]),
    }


# --------------------------------------------------------------------------- analysis


def _features(job_id):
    """(features job, X) of a featurisation job id."""
    import numpy as np

    from ...tracking import artifact, open_job

    job = open_job(job_id)
    return job, np.load(artifact(job, "features"))


def gfre(job, args):
    """GFRE(X_AniSOAP → X_SOAP) of one grid point."""
    from .analysis import gfre_over_splits, gfre_point

    sp = job.sp()
    features, X = _features(sp["features"])
    _, Y = _features(sp["soap"])
    metrics = gfre_point(X, Y, sp["seed"], sp["train_fraction"])
    splits = gfre_over_splits(X, Y, sp["seed"], sp["n_splits"], sp["train_fraction"])
    diameters = features.sp()["diameters"]
    return {
        "gfre": metrics.pop("gfre"), "splits": splits,
        "diameter_12": float(diameters[0]), "diameter_3": float(diameters[2]),
        "radial_gaussian_width": float(features.sp()["radial_gaussian_width"]), **metrics,
    }


def _mean_gfre(metrics):
    """The GFRE a grid point is ranked by: its mean over the seeded splits (the paper split's if none)."""
    return metrics["splits"]["gfre"]["mean"] if "splits" in metrics else metrics["gfre"]


def _select(gfre_ids, what):
    """(GFRE job, its metrics) of the lowest mean GFRE among ``gfre_ids``."""
    from ...tracking import open_job, read_metrics

    if not gfre_ids:
        raise ValueError(f"no GFRE job to choose the {what} features from")
    jobs = [open_job(job_id) for job_id in gfre_ids]
    metrics = [read_metrics(job) for job in jobs]
    best = min(range(len(jobs)), key=lambda i: _mean_gfre(metrics[i]))
    return jobs[best], metrics[best]


def _labels(job_id):
    """Baselined energies (meV/atom) of a labels job."""
    import numpy as np

    from ...tracking import open_job

    return np.load(open_job(job_id).fn("labels.npz"))["baselined_energy"]


def _groups(labels_id):
    """Group of each crystal of a labels job (``info["group"]``: its original), or None if untagged."""
    import numpy as np

    from ...tracking import open_job

    crystals = read_crystals(open_job(open_job(labels_id).sp()["crystals"]))
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


def regression(job, args):
    """Ridge on all-atom SOAP (PCA), molecule-centre SOAP and AniSOAP over seeded splits; learning curves."""
    import numpy as np

    from ...analysis import regression
    from .analysis import regressions_over_splits
    from ...analysis.splits import seeded_splits
    from ...io import atomic_path, save_json

    sp = job.sp()
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
    n_splits = sp["n_splits"]
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
    return metrics


def baseline(job, args):
    """Ridge on AniSOAP, then ridge on SOAP of its residual -> baseline.npz; over the regression's splits."""
    import numpy as np

    from ...analysis import regression
    from .baselining import baseline_and_correct
    from ...analysis.splits import count_better, over_splits
    from ...io import atomic_path
    from ...tracking import open_job, read_metrics

    sp = job.sp()
    ridge = open_job(sp["regression"])
    rsp = ridge.sp()
    selected = read_metrics(ridge)["selected"]
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
    return {
        "before": before, "after": after, "residual": result["residual"],
        "alpha_baseline": result["alpha_baseline"], "alpha_correction": result["alpha_correction"],
        "rmse_reduction": 1.0 - after["rmse"] / before["rmse"],
        "features_baseline": selected["anisoap"]["features_job"], "features_correction": rsp["soap"],
        **statistics,
    }


def pcovr(job, args):
    """PCovR of SOAP against the AniSOAP residual -> pcovr.npz, chemiscope.json.gz."""
    import numpy as np

    from ...analysis.pcovr import pcovr_losses, pcovr_map, write_chemiscope
    from ...io import atomic_path
    from ...tracking import open_job

    sp = job.sp()
    baseline = open_job(sp["baseline"])
    crystals_job = open_job(parents(job, "crystals")[0])
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
    _, X_soap = _features(parents(job, "soap")[0])
    fitted = pcovr_map(X_soap, residual, mixing=sp["mixing"], n_components=sp["n_components"], fit_idx=train)
    scan = pcovr_losses(X_soap, residual, sp["mixing_scan"], sp["n_components"], fit_idx=train)
    is_test = np.zeros(len(y), bool)
    is_test[test] = True
    with atomic_path(job.fn("pcovr.npz")) as tmp:
        np.savez(tmp, projection=fitted["projection"], residual=residual, residual_pred=fitted["y_pred"],
                 y=y, baseline_pred=baseline_pred, test=is_test)
    crystals = [read_crystals(crystals_job)[i] for i in data["rows"]]  # the labelled ones
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
    return {
        "mixing": fitted["mixing"], "alpha": fitted["alpha"],
        "loss_projection": fitted["loss_projection"], "loss_regression": fitted["loss_regression"],
        "residual_r2_train": _r2(residual[train], fitted["y_pred"][train]),
        "residual_r2_test": _r2(residual[test], fitted["y_pred"][test]),
        "scan": scan,
    }


def _r2(y, p):
    from ...analysis.regression import regression_metrics

    return regression_metrics(y, p)["r2"]


STEPS = [
    Step("crystals_shard", crystals_shard, "PyXtal benzene crystals of one shard -> crystals.xyz",
         artifacts={"crystals": "crystals.xyz"}, numerics=2, priority=20),  # the longest chain starts first
    Step("crystals", crystals,
         "benzene crystals: the crystals_shard jobs gathered, or frames of a file -> crystals.xyz",
         artifacts={"crystals": "crystals.xyz"}, numerics=2),
    Step("label_shard", label_shard, "energies of one shard's crystals -> labels.npz (resumable)",
         artifacts={"labels": "labels.npz"}, threads=True, priority=10, runtime=30, mem_mb=48000),
    Step("label", label, "energy labels: the label_shard jobs gathered -> labels.npz",
         artifacts={"labels": "labels.npz"}),
    Step("coarse_grain", coarse_grain, "one ellipsoid per benzene molecule -> frames.xyz",
         artifacts={"frames": "frames.xyz"}),
    Step("soap", soap, "structure-averaged all-atom SOAP power spectrum -> features.npy",
         artifacts={"features": "features.npy"}, runtime=25, mem_mb=3000),
    Step("gfre", gfre, "GFRE(X_AniSOAP -> X_SOAP) of one AniSOAP grid point", mem_mb=3000),
    Step("regression", regression,
         "ridge on SOAP (PCA), molecule-centre SOAP and AniSOAP -> predictions.npz",
         artifacts={"predictions": "predictions.npz", "curves": "learning_curves.json"}, numerics=2, mem_mb=3000),
    Step("baseline", baseline, "AniSOAP ridge + SOAP correction of its residual -> baseline.npz",
         artifacts={"baseline": "baseline.npz"}, numerics=2, runtime=60, mem_mb=16000),
    Step("pcovr", pcovr, "PCovR of SOAP against the AniSOAP residual -> pcovr.npz, chemiscope.json.gz",
         artifacts={"pcovr": "pcovr.npz", "chemiscope": "chemiscope.json.gz"}, runtime=60, mem_mb=16000),
]
