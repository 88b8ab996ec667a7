"""Plan of the liquid-crystal study (paper Sec. III A, Figs. 1, 2, S2, S3).

::

    configurations_shard (per dataset.shard_size frames) ─ configurations (gather)
    configurations ─┬─ order_parameters ─────────────┐   (one chain per data set and cutoff:
      (per L/D)     ├─ featurize radial_spectrum ────┼─ compare_representations
                    └─ featurize power_spectrum ─────┘    L/D = 3 alone at every cutoff, and all
                                                          sets at the first cutoff)
    report: results/liquid_crystals/{pca,gfre,pca_mixed,gfre_mixed,gfre_cutoffs}.png, gfre.csv,
            summary_rows.json, pca.chemiscope.json.gz
"""

from ...plan import ConfigError, Plan

__all__ = ["cutoffs", "plan", "validate"]

STUDY = "liquid_crystals"


def validate(config):
    """Reject settings that pass the schema but cannot run.

    Raises
    ------
    ConfigError
        If the augmentation repeats the main set's aspect ratio (the two data
        sets would be indistinguishable in the mixed figures).
    """
    augmentation = config["augmentation"]
    if augmentation["enabled"] and augmentation["aspect_ratio"] == config["dataset"]["aspect_ratio"]:
        raise ConfigError(f"studies.{STUDY}.augmentation.aspect_ratio",
                          f"{augmentation['aspect_ratio']:g} equals dataset.aspect_ratio: the mixed "
                          "figures compare two different L/D")


def cutoffs(config):
    """The study's cutoffs, first the one of the PCA maps and the mixed set (a scalar is one cutoff)."""
    value = config["cutoff"]
    return [float(c) for c in (value if isinstance(value, list) else [value])]


def plan(config, basedir="."):
    """State points, targets and summary rows of the study.

    The radial spectrum (ν = 1) is the l = 0 channel alone, so it is computed
    with ``max_angular = 0`` (the same numbers, cheaper; tests/test_lc_analysis.py
    checks it); a per-l ``max_radial`` list keeps its l = 0 entry. Steinhardt's
    neighbours use the AniSOAP cutoff (the paper: "similar cutoff radius").
    With several cutoffs (``cutoff`` a list) the L/D = 3 set is analysed at each
    (its GFRE at every cutoff); the augmented sets only at the first.

    Parameters
    ----------
    config : dict
        ``studies.liquid_crystals`` of the validated config (defaults filled).
    basedir : str, optional
        Folder relative file names are relative to (this study reads no user file).

    Returns
    -------
    Plan
        Its report's groups: ``main``, the L/D = 3 analyses, one per cutoff in
        config order; ``mixed``, the analysis of every data set at the first cutoff.
    """
    validate(config)
    p = Plan(STUDY)
    main = dict(config["dataset"])
    shard_size = main.pop("shard_size")
    sets = [main]
    augmentation = {key: value for key, value in config["augmentation"].items() if key != "enabled"}
    if config["augmentation"]["enabled"]:
        sets.append({**main, **augmentation})
    features, threads = config["features"], config["mpi_tasks"]
    max_radial = features["max_radial"]
    radial = {**features, "max_angular": 0,
              "max_radial": max_radial[:1] if isinstance(max_radial, list) else max_radial}
    datasets = [p.add_sharded("configurations", f"L/D={params['aspect_ratio']:g} seed={params['seed']}",
                              params["n_nematic"] + params["n_smectic"], shard_size, **params)
                for params in sets]
    main, mixed = [], []
    for k, cutoff in enumerate(cutoffs(config)):
        parts = []  # (order parameters, radial spectrum, power spectrum) per data set
        # every set at the first cutoff (the mixed figures), the L/D = 3 set alone at the others
        for params, dataset in list(zip(sets, datasets))[:None if k == 0 else 1]:
            shape = f"L/D={params['aspect_ratio']:g} cutoff={cutoff:g}"
            parts.append((
                p.add("order_parameters", shape, dataset=dataset, cutoff=cutoff, **config["steinhardt"]),
                p.add("featurize", f"{shape} radial_spectrum", threads=threads, dataset=dataset,
                      kind="radial_spectrum", cutoff=cutoff, **radial),
                p.add("featurize", f"{shape} power_spectrum max_angular={features['max_angular']}",
                      threads=threads, dataset=dataset, kind="power_spectrum", cutoff=cutoff, **features),
            ))
        # the L/D = 3 set alone (Figs. 1, 2) and, with the augmentation, all sets (Figs. S2, S3)
        for chosen in [parts[:1]] + ([parts] if len(parts) > 1 else []):
            shapes = "+".join(f"{params['aspect_ratio']:g}" for params in sets[:len(chosen)])
            job = p.add("compare_representations", f"L/D={shapes} cutoff={cutoff:g}",
                        order=[part[0] for part in chosen], radial_spectrum=[part[1] for part in chosen],
                        power_spectrum=[part[2] for part in chosen], **config["analysis"])
            (main if len(chosen) == 1 else mixed).append(job)
    # the mixed pair only with two data sets, gfre_cutoffs only with several cutoffs
    figures = ["pca", "gfre"] + (["pca_mixed", "gfre_mixed"] if mixed else []) + (["gfre_cutoffs"] if len(main) > 1
                                                                                  else [])
    p.report("liquid_crystals_report", [f"{name}.png" for name in figures] + ["gfre.csv", "pca.chemiscope.json.gz"],
             main=main, mixed=mixed)
    return p
