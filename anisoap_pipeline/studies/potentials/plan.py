"""Plan of the learned-potentials study.

::

    gay_berne_md  (LAMMPS pair_style gayberne, NVT; one per state point and seed, training and held out)
    gay_berne_md (training) ─ potential_fit  (one per model and split seed + k: ridge penalty and row
                            │                 weights cross-validated, test frames, held-out state points
                            │                 predicted; the learning curve on split seed only)
    potential_fit (split 0 of md.potential) ─ md  (LAMMPS driven by the potential through fix external,
    gay_berne_md (its last frame: the start) ─┘    one per state point, training and held out, and ensemble)
    gay_berne_md (its last frame)            ─ md  (the same run with LAMMPS's exact Gay-Berne)
    report: results/potentials/{parity,learning_curve,md}.png, metrics.csv, md.csv, summary_rows.json
"""

from ...plan import ConfigError, Plan

__all__ = ["plan", "validate"]

STUDY = "potentials"
OUTPUTS = ("parity.png", "learning_curve.png", "metrics.csv")
MD_OUTPUTS = ("md.png", "md.csv")


def validate(config):
    """Reject settings that pass the schema but cannot give a meaningful run.

    Raises
    ------
    ConfigError
        Naming the key: a kernel model without ``degree``/``n_sparse``; ``md.potential`` not a model;
        a held-out state point that is also a training one; training sizes above the training frames.
    """
    key = f"studies.{STUDY}"
    for name, model in config["models"].items():
        if model["model"] == "kernel":
            missing = [field for field in ("degree", "n_sparse") if field not in model]
            if missing:
                raise ConfigError(f"{key}.models.{name}", f"a kernel model needs {' and '.join(missing)}")
    md = config["md"]
    if md["enabled"] and md["potential"] not in config["models"]:
        raise ConfigError(f"{key}.md.potential", f"{md['potential']!r} is not one of models ({', '.join(config['models'])})")
    data = config["dataset"]
    training = [(s["density"], s["temperature"]) for s in data["state_points"]]
    shared = [s for s in data["held_out"] if (s["density"], s["temperature"]) in training]
    if shared:
        raise ConfigError(f"{key}.dataset.held_out", f"{shared} are also training state points")
    n_frames = len(training) * len(data["seeds"]) * data["n_frames"]
    n_train = n_frames - max(1, round(config["fit"]["test_fraction"] * n_frames))
    too_big = [n for n in config["fit"]["train_sizes"] if n > n_train]
    if too_big:
        raise ConfigError(f"{key}.fit.train_sizes", f"{too_big} exceed the {n_train} training frames")


def _words(state_point):
    return f"ρ={state_point['density']:g} T={state_point['temperature']:g}"


def plan(config, basedir="."):
    """State points and the report of the study.

    Parameters
    ----------
    config : dict
        ``studies.potentials`` of the validated config (defaults filled).
    basedir : str, optional
        Unused (the study reads no user file).

    Returns
    -------
    Plan
    """
    validate(config)
    p = Plan(STUDY)
    data = dict(config["dataset"])
    seeds = data.pop("seeds")
    state_points = data.pop("state_points")
    held_out_points = data.pop("held_out")

    def simulate(state_point, seed):
        return p.add("gay_berne_md", f"{_words(state_point)} seed={seed}", gay_berne=config["gay_berne"], **data,
                     **state_point, seed=seed)

    training = [[simulate(s, seed) for seed in seeds] for s in state_points]
    held_out = [[simulate(s, seed) for seed in seeds] for s in held_out_points]
    train_ids = [job for jobs in training for job in jobs]
    held_out_ids = [job for jobs in held_out for job in jobs]
    fit = dict(config["fit"])
    n_splits, seed, train_sizes = fit.pop("n_splits"), fit.pop("seed"), fit.pop("train_sizes")
    fits = {}
    for name, model in config["models"].items():
        model = dict(model)
        features = {**config["features"], **model.pop("features", {})}
        # the learning curve (a fit per training size) on split 0 only: the other splits give the spread
        fits[name] = [p.add("potential_fit", f"{name} split={seed + k}", frames=train_ids, held_out=held_out_ids,
                            features=features, **model, **fit, train_sizes=train_sizes if k == 0 else [],
                            seed=seed + k)
                      for k in range(n_splits)]
    md_jobs = []
    md = config["md"]
    if md["enabled"]:
        run = {key: md[key] for key in ("n_steps", "timestep", "dump_every")}
        for state_point, jobs in zip(state_points + held_out_points, training + held_out):
            state_point = {key: state_point[key] for key in ("density", "temperature")}
            for ensemble in md["ensembles"]:
                for potential, words in ((fits[md["potential"]][0], md["potential"]), (None, "exact Gay-Berne")):
                    md_jobs.append(p.add("md", f"{words} {ensemble} {_words(state_point)}", start=jobs[0],
                                         potential=potential, ensemble=ensemble, **state_point, **run))
    p.report("potentials_report", OUTPUTS + (MD_OUTPUTS if md_jobs else ()), held_out=held_out_ids,
             md=md_jobs, **{f"fits_{name}": ids for name, ids in fits.items()})
    return p
