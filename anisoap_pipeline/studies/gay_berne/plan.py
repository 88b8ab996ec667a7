"""Plan of the Gay-Berne dimer study (paper Sec. III B, Fig. 3, Fig. S4).

::

    dimers_shard (per dataset.shard_size dimers) ─ dimers (gather)
    dimers ─ featurize ─┬─ ridge           (one per target; one more on the U < 0 dimers)
                        ├─ learning_curve  (one per learning_curve.targets)
                        └─ force_fit       (with force_fit: the featurisation carries its exact
                                            position and orientation gradients; energy-only and
                                            energy + force + torque fits)
    report: results/gay_berne/{parity,learning_curve}.png, metrics.csv, summary_rows.json,
            parity.chemiscope.json.gz (+ force_parity.png, force_learning_curve.png with force_fit)
"""

from ...plan import ConfigError, Plan

__all__ = ["FIT_GRADIENTS", "plan", "validate"]

STUDY = "gay_berne"
#: Files of the report.
OUTPUTS = ("parity.png", "learning_curve.png", "metrics.csv", "parity.chemiscope.json.gz")
#: Gradients the featurisation adds with ``force_fit`` enabled (forces, torques).
FIT_GRADIENTS = ("positions", "orientations")
#: Further files of the report with ``force_fit`` enabled.
FORCE_OUTPUTS = ("force_parity.png", "force_learning_curve.png")


def validate(config):
    """Reject settings that pass the schema but give a meaningless data set.

    Raises
    ------
    ConfigError
        Naming the key: ``h_min`` not below ``h_max``; ``h_min`` at or below
        the Gay-Berne singularity ``h12 = -gamma sigma`` (or with a repulsion
        above 1,000 epsilon there); ``h_max`` so large that dimers lie beyond
        the cutoff (zero energy), or, with ``h_max`` null (up to the cutoff),
        an ``h_min`` that leaves no room below it; ``force_fit`` enabled on
        dimers without forces.
    """
    data = config["dataset"]
    key = f"studies.{STUDY}.dataset"
    h_min, h_max, cutoff = data["h_min"], data["h_max"], data["cutoff"]
    sigma, gamma, epsilon = data.get("sigma", 1.0), data.get("gamma", 1.0), data.get("epsilon", 1.0)
    if h_max is not None and h_min >= h_max:
        raise ConfigError(f"{key}.h_min", f"{h_min} must be below h_max ({h_max})")
    if h_min <= -gamma * sigma:
        raise ConfigError(f"{key}.h_min", f"{h_min} is at or below the Gay-Berne singularity "
                                           f"h12 = -gamma sigma = {-gamma * sigma:g}")
    x = sigma / (h_min + gamma * sigma)
    repulsion = 4 * epsilon * (x**12 - x**6)
    if repulsion > 1000 * epsilon:
        raise ConfigError(f"{key}.h_min", f"{h_min} gives a repulsion U_r = {repulsion:.3g} epsilon "
                                           "(more than 1,000 epsilon): raise h_min")
    if config.get("force_fit", {}).get("enabled") and not data.get("forces", True):
        raise ConfigError(f"{key}.forces", "force_fit needs dimers with forces: set it true or disable force_fit")
    reach = 2 * max(data["semiaxes"])  # the largest contact distance sigma12 of two such ellipsoids
    if h_max is None and h_min + reach >= cutoff:
        raise ConfigError(f"{key}.h_min", f"{h_min} leaves no separation below the cutoff {cutoff:g} for "
                                           f"dimers in contact at 2 max(semiaxes) = {reach:g}: lower h_min "
                                           "or raise cutoff")
    if h_max is not None and h_max + reach > cutoff:
        raise ConfigError(f"{key}.h_max", f"{h_max} puts dimers up to h_max + 2 max(semiaxes) = "
                                           f"{h_max + reach:g} apart, beyond the cutoff {cutoff:g} (zero "
                                           f"energy): lower h_max to at most {cutoff - reach:g} or raise cutoff")


def plan(config, basedir="."):
    """State points, targets and summary rows of the study.

    Parameters
    ----------
    config : dict
        ``studies.gay_berne`` of the validated config (defaults filled).
    basedir : str, optional
        Folder relative file names are relative to (this study reads no user file).

    Returns
    -------
    Plan
    """
    validate(config)
    p = Plan(STUDY)
    data, features = dict(config["dataset"]), config["features"]
    shard_size = data.pop("shard_size")
    dataset = p.add_sharded("dimers", f"n_dimers={data['n_dimers']} seed={data['seed']}", data["n_dimers"],
                            shard_size, **data)
    fit = config["force_fit"]
    # with force_fit, the one featurisation carries its exact gradients too (features.gradients.mts):
    # the features are bit-identical with or without them, so the ridge models read the same numbers
    gradients = {"gradients": list(FIT_GRADIENTS)} if fit["enabled"] else {}
    spectrum = p.add(
        "featurize", f"{features['kind']} max_angular={features['max_angular']} "
        f"max_radial={features['max_radial']} σ_GTO={features['radial_gaussian_width']:g}"
        + (" +gradients" if gradients else ""),
        threads=config["mpi_tasks"], dataset=dataset, **features, **gradients)
    protocol = {key: value for key, value in config["ridge"].items() if key not in ("targets", "attractive_branch")}
    models = [p.add("ridge", f"target={target}", features=spectrum, target=target, **protocol)
              for target in config["ridge"]["targets"]]
    if config["ridge"]["attractive_branch"] and "energy" in config["ridge"]["targets"]:
        # the attractive branch alone: the paper's parity claim without the repulsive wall
        models.append(p.add("ridge", "target=energy U<0", features=spectrum, target="energy", target_below=0.0,
                            **protocol))
    curve = {**protocol, **{key: value for key, value in config["learning_curve"].items()
                            if value is not None and key != "targets"}}
    curves = [p.add("learning_curve", f"target={target}", features=spectrum, target=target, **curve)
              for target in config["learning_curve"]["targets"] or config["ridge"]["targets"]]
    force_fits = []
    if fit["enabled"]:
        parameters = {key: value for key, value in fit.items() if key != "enabled"}
        force_fits.append(p.add(
            "force_fit", f"alpha={fit['alpha']:g} w_F={fit['force_weight']:g} w_τ={fit['torque_weight']:g}",
            through={"dataset": [dataset]}, features=spectrum, test_fraction=protocol["test_fraction"],
            seed=protocol["seed"], **parameters))
    p.report("gay_berne_report", OUTPUTS + (FORCE_OUTPUTS if force_fits else ()), models=models, curves=curves,
             force_fits=force_fits, dimers=[dataset])
    return p
