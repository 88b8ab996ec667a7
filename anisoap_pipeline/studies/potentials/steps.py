"""Workflow steps of the learned-potentials study.

``gay_berne_md JOB``
    state point: ``gay_berne`` (the model,
    :class:`anisoap_pipeline.potentials.lammps.GayBerneParameters`),
    ``n_particles``, ``diameters``, ``density``, ``temperature``,
    ``orientations``, ``seed``, ``timestep``, ``equilibration_steps``,
    ``n_frames``, ``stride`` -> ``frames.xyz`` and ``labels.npz``: LAMMPS NVT
    MD with ``pair_style gayberne``
    (:func:`anisoap_pipeline.potentials.lammps.gay_berne_md`); per frame its
    total ``energy``, and per particle ``forces``, ``torques`` (lab frame),
    ``momenta`` and ``angular_momenta`` as LAMMPS computes them.
``potential_fit JOB``
    state point: ``frames`` (training ``gay_berne_md`` jobs), ``held_out``
    (more of them, test only), ``features`` (AniSOAP hyperparameters), the
    model (``model``, ``correlation_order``, ``degree``, ``n_sparse``), the
    split (``test_fraction``, ``seed``), ``cv_folds``, ``train_sizes`` ->
    ``potential.npz`` (the fitted potential, one file,
    :class:`anisoap_pipeline.potentials.AniSOAPPotential`),
    ``predictions.npz`` (test and held-out references and predictions),
    ``fit.json`` (metrics, cross-validation table, learning curve).
``md JOB``
    state point: ``start`` (a ``gay_berne_md`` job: its last frame),
    ``potential`` (a ``potential_fit`` job, or null for LAMMPS's exact
    Gay-Berne), ``ensemble``, ``density``, ``temperature``, ``n_steps``,
    ``timestep``, ``dump_every`` -> ``trajectory.xyz`` and ``thermo.npz``
    (:func:`anisoap_pipeline.potentials.lammps.run_md`).
"""

from ...steps import Step, parameters, parents

__all__ = ["STEPS", "gay_berne_md", "md", "potential_fit"]


#: Per-particle arrays of a Gay-Berne frame kept beside frames.xyz (the frame file holds the canonical ones).
LABEL_ARRAYS = ("forces", "torques", "momenta", "angular_momenta")


def gay_berne_md(job, args):
    """LAMMPS Gay-Berne NVT MD at one state point and seed -> frames.xyz, labels.npz."""
    import numpy as np

    from ...frames import write_frames
    from ...io import atomic_path
    from ...potentials.lammps import GayBerneParameters
    from ...potentials.lammps import gay_berne_md as simulate
    from ..liquid_crystals.order_parameters import nematic_order

    sp = parameters(job.sp())
    model = GayBerneParameters(**sp.pop("gay_berne"))
    frames = simulate(**sp, parameters=model)
    write_frames(job.fn("frames.xyz"), frames)
    with atomic_path(job.fn("labels.npz")) as tmp:
        np.savez(tmp, energy=[atoms.info["energy"] for atoms in frames],
                 **{name: np.stack([atoms.arrays[name] for atoms in frames]) for name in LABEL_ARRAYS})
    order = nematic_order(frames)
    energy = np.array([atoms.info["energy"] for atoms in frames]) / len(frames[0])
    return {"n_frames": len(frames), "nematic_order_mean": float(order.mean()), "nematic_order_sd": float(order.std()),
            "energy_per_particle_mean": float(energy.mean()), "energy_per_particle_sd": float(energy.std())}


def _frames(ids):
    """The frames of ``gay_berne_md`` jobs, in order, with their labels (``info["energy"]``, arrays
    ``forces``, ``torques``), momenta and angular momenta, each tagged with its job."""
    import numpy as np

    from ...frames import read_frames
    from ...tracking import artifact

    frames = []
    for job_id in ids:
        labels = np.load(artifact(job_id, "labels"))
        for k, atoms in enumerate(read_frames(artifact(job_id, "frames"))):
            atoms.info.update(energy=float(labels["energy"][k]), job=job_id)
            for name in LABEL_ARRAYS:
                atoms.arrays[name] = labels[name][k]
            frames.append(atoms)
    return frames


def potential_fit(job, args):
    """Training frames -> an AniSOAP potential fitted to energies, forces and torques (row weights and
    ridge penalty cross-validated), its test and held-out predictions and its learning curve."""
    import numpy as np

    from ...analysis.regression import split
    from ...anisoap.names import KIND_OF_CORRELATION_ORDER
    from ...io import atomic_path, save_json
    from ...potentials import AniSOAPPotential
    from .learning_curve import errors, learning_curve

    sp = job.sp()
    frames = _frames(parents(job, "frames"))
    held_out = _frames(parents(job, "held_out"))
    train, test = split(len(frames), sp["test_fraction"], sp["seed"])
    model = {key: sp[key] for key in ("model", "degree", "n_sparse") if key in sp}

    def make_potential():
        return AniSOAPPotential(**sp["features"], **model, kind=KIND_OF_CORRELATION_ORDER[sp["correlation_order"]],
                                n_folds=sp["cv_folds"], seed=sp["seed"])

    potential = make_potential().fit([frames[i] for i in train])
    potential.save(job.fn("potential.npz"))
    arrays, metrics = {"train": train, "test": test}, {}
    for name, subset in (("test", [frames[i] for i in test]), ("held_out", held_out)):
        if subset:
            values, metrics[name] = errors(potential, subset)
            arrays.update({f"{name}:{key}": value for key, value in values.items()})
    curve = learning_curve(make_potential, [frames[i] for i in train], [frames[i] for i in test],
                           sp["train_sizes"], seed=sp["seed"])
    with atomic_path(job.fn("predictions.npz")) as tmp:
        np.savez(tmp, **arrays)
    cv = {key: np.asarray(value).tolist() for key, value in potential.cv_results_.items()}
    save_json(job.fn("fit.json"), {"metrics": metrics, "cross_validation": cv, "learning_curve": curve,
                                   "n_train": len(train), "n_test": len(test)})
    return {"n_train": len(train), "n_test": len(test), "alpha": potential.alpha_,
            "force_weight": potential.force_weight_, "torque_weight": potential.torque_weight_, **metrics}


def md(job, args):
    """MD from a Gay-Berne frame driven by a fitted potential (fix external) or by LAMMPS's exact
    Gay-Berne -> trajectory.xyz, thermo.npz; a run that fails is recorded as such, up to its failure."""
    import dataclasses

    import numpy as np

    from ...frames import write_frames
    from ...io import atomic_path
    from ...potentials import AniSOAPPotential
    from ...potentials.lammps import GayBerneParameters, MDFailure, run_md
    from ...tracking import artifact, open_job

    sp = job.sp()
    start = open_job(sp["start"])
    frame = _frames([start.id])[-1]
    if sp["potential"] is None:
        potential = GayBerneParameters(**start.sp()["gay_berne"])
    else:
        potential = AniSOAPPotential.load(artifact(sp["potential"], "potential"))
    failure = None
    try:
        trajectory = run_md(frame, potential, steps=sp["n_steps"], timestep=sp["timestep"], ensemble=sp["ensemble"],
                            temperature=sp["temperature"] if sp["ensemble"] == "nvt" else None,
                            dump_every=sp["dump_every"])
    except MDFailure as error:
        trajectory, failure = error.trajectory, {"step": int(error.step), "reason": str(error.reason)}
    write_frames(job.fn("trajectory.xyz"), trajectory.frames)
    thermo = {field.name: getattr(trajectory, field.name) for field in dataclasses.fields(trajectory)
              if field.name != "frames"}
    with atomic_path(job.fn("thermo.npz")) as tmp:
        np.savez(tmp, **thermo)
    return {"n_steps_done": int(trajectory.steps[-1]) if len(trajectory.steps) else 0, "failure": failure}


STEPS = [
    Step("gay_berne_md", gay_berne_md, "LAMMPS Gay-Berne NVT MD at one state point and seed -> frames.xyz, labels.npz",
         artifacts={"frames": "frames.xyz", "labels": "labels.npz"}, runtime=60, mem_mb=2000),
    Step("potential_fit", potential_fit,
         "AniSOAP potential fitted to energies, forces and torques -> potential.npz, predictions.npz, fit.json",
         artifacts={"potential": "potential.npz", "predictions": "predictions.npz", "fit": "fit.json"},
         runtime=120, mem_mb=8000),
    Step("md", md, "MD driven by a fitted potential or exact Gay-Berne (LAMMPS) -> trajectory.xyz, thermo.npz",
         artifacts={"trajectory": "trajectory.xyz", "thermo": "thermo.npz"}, runtime=120, mem_mb=4000),
]
