"""Plan of the benzene crystal study (paper Sec. III C, Figs. 4-7, S5, S6).

::

    crystals_shard ─ label_shard      (per dataset.shard_size originals)
          └──────────┴─ crystals, label (gathers)
    crystals ─┬─ label ───────────────────────────────────────┐
              ├─ soap ──────────────┬─────────────────────────┤
              └─ coarse_grain ─ featurize ─ gfre (per shape) ─┴─ regression ─ baseline ─ pcovr
    report: results/benzene/{gfre,parity,learning_curve,baselining,pcovr_map}.png,
            gfre.csv, metrics.csv, pcovr_chemiscope.json.gz, pcovr.chemiscope.json.gz,
            summary_rows.json

PyXtal crystals are made by ``crystals_shard`` jobs of ``dataset.shard_size``
originals each (with their augmented copies) and labelled by one
``label_shard`` job per crystal shard; ``crystals`` and ``label`` gather them
in order. Crystals read from a file are one ``crystals`` job (reading is
cheap), labelled by one ``label_shard``.

The shapes are the ``c_diameter`` values given to the featuriser (full
diameters, as in the authors' example 4 4 0.5; the Gaussian widths are half of
them): ``diameters = [diameter_12, diameter_12, diameter_3]``, with
``radial_gaussian_width`` (σ_GTO) of the radial basis.
"""

import os

from ...shards import shard_label
from ...plan import ConfigError, Plan, file_sha256, grid, user_file

__all__ = ["CALCULATOR_SETTINGS", "FILE_DIAMETERS", "plan", "validate"]

STUDY = "benzene"
#: Files of the report.
OUTPUTS = ("gfre.png", "parity.png", "learning_curve.png", "baselining.png", "pcovr_map.png", "gfre.csv",
           "metrics.csv", "pcovr_chemiscope.json.gz", "pcovr.chemiscope.json.gz")
#: Diameters written into the coarse-grained file; every featurisation
#: overrides them with its own state point's diameters.
FILE_DIAMETERS = [4.0, 4.0, 0.5]
#: Config keys of each calculator (anisoap_pipeline.studies.benzene.calculators.make_calculator).
CALCULATOR_SETTINGS = {
    "tblite": ("name", "method"),
    "espresso": ("name", "pseudo_dir", "command", "kpts", "input_data", "pseudopotentials"),
    "file": ("name", "filename", "reference_energy", "tolerance"),
}
#: Dataset keys of each source.
_SOURCE_SETTINGS = ("source", "filename", "start", "stop", "stride")


def validate(config):
    """Reject settings that pass the schema but cannot give a meaningful run.

    Raises
    ------
    ConfigError
        Naming the key: a ``volume_factor`` range given high to low; source
        ``file`` without ``filename``; a ``stop`` not after ``start``;
        ``gfre_minimum`` selection on a grid without a spherical point
        (needed for SOAP on the molecule centres); calculator ``file``
        without a file to read.
    """
    data, key = config["dataset"], f"studies.{STUDY}"
    factor = data["volume_factor"]
    if isinstance(factor, list) and factor[0] > factor[1]:
        raise ConfigError(f"{key}.dataset.volume_factor", f"the range {factor} is reversed: write [low, high]")
    if data["source"] == "file":
        if not data.get("filename"):
            raise ConfigError(f"{key}.dataset.filename", "source 'file' needs a filename")
        if data["stop"] is not None and data["stop"] <= data["start"]:
            raise ConfigError(f"{key}.dataset.stop", f"{data['stop']} selects no frame after start {data['start']}")
    elif config["calculator"]["name"] == "file" and not config["calculator"].get("filename"):
        raise ConfigError(f"{key}.calculator.filename",
                          "calculator 'file' needs a filename unless the crystals come from a file")
    if config["ridge"]["select"] == "gfre_minimum" and not set(config["grid"]["diameter_12"]) & set(
            config["grid"]["diameter_3"]):
        raise ConfigError(f"{key}.ridge.select", "'gfre_minimum' needs a spherical grid point (a value in "
                                                 "both grid.diameter_12 and grid.diameter_3) for SOAP on "
                                                 "the molecule centres; or use select: fixed")


def plan(config, basedir="."):
    """State points, targets and summary rows of the study.

    Parameters
    ----------
    config : dict
        ``studies.benzene`` of the validated config (defaults filled).
    basedir : str, optional
        Folder that relative file names in the config are relative to (the
        Snakefile's folder).

    Returns
    -------
    Plan
    """
    validate(config)
    p = Plan(STUDY)
    data = dict(config["dataset"])
    files = []
    if data["source"] == "file":
        data = {key: data[key] for key in _SOURCE_SETTINGS if key in data}
        data["filename"] = user_file(data["filename"], basedir)
        files.append(data["filename"])
        details = f"file={os.path.basename(data['filename'])}[{data['start']}:{data['stop']}:{data['stride']}]"
    else:
        data = {key: value for key, value in data.items() if key not in _SOURCE_SETTINGS[1:] + ("shard_size",)}
        details = f"pyxtal n_crystals={data['n_crystals']} seed={data['seed']}"
    # only the settings of the chosen calculator (config files merge over config.yaml)
    calculator = {key: value for key, value in config["calculator"].items()
                  if key in CALCULATOR_SETTINGS[config["calculator"]["name"]]}
    label_files = []
    if calculator["name"] == "file":  # energies of the crystals' own file unless another is named
        calculator["filename"] = user_file(calculator.get("filename") or config["dataset"]["filename"], basedir)
        label_files.append(calculator["filename"])
    if files:
        crystals = p.add("crystals", details, files=files, **data,
                         sha256=file_sha256(os.path.join(basedir, files[0])))
        pieces = {crystals: "all crystals"}  # job -> what a label shard labels, in words
    else:
        crystals = p.add_sharded("crystals", details, data["n_crystals"], config["dataset"]["shard_size"], **data)
        pieces = {shard: shard_label(p.jobs[shard].state_point["shard"]) for shard in p.jobs[crystals].parents["shards"]}
    spacing = config["calculator"].get("supercell_spacing") if calculator["name"] == "tblite" else None
    label_details = " ".join(str(value) for key, value in calculator.items()
                             if key in ("name", "method")) + (f" supercell≥{spacing:g}Å" if spacing else "")
    label_parameters = {"calculator": calculator,
                        **({"sha256": file_sha256(os.path.join(basedir, label_files[0]))} if label_files else {}),
                        **({"supercell_spacing": spacing} if spacing else {})}
    label_shards = [p.add("label_shard", f"{label_details} {words}", files=label_files, threads=config["label_jobs"],
                          crystals=piece, **label_parameters) for piece, words in pieces.items()]
    labels = p.add("label", label_details, through={"shards": label_shards}, crystals=crystals, **label_parameters)
    ellipsoids = p.add("coarse_grain", "one ellipsoid per molecule", crystals=crystals, diameters=FILE_DIAMETERS)
    soap = p.add("soap", f"max_angular={config['soap']['max_angular']} cutoff={config['soap']['cutoff']:g}",
                 crystals=crystals, species=[1, 6], **config["soap"])

    # one featurisation and one GFRE job per (diameter_12, diameter_3, radial_gaussian_width)
    shapes = [(point["diameter_12"], point["diameter_3"], point["radial_gaussian_width"])
              for point in grid(**config["grid"])]
    fixed = config["ridge"]["fixed"]
    extra = [
        (fixed["diameter_12"], fixed["diameter_3"], fixed["radial_gaussian_width"]),
        (fixed["diameter_centres"], fixed["diameter_centres"], fixed["radial_gaussian_width"]),
    ] if config["ridge"]["select"] == "fixed" else []
    points = {}  # shape -> (featurize job id, gfre job id)
    for d12, d3, width in dict.fromkeys(shapes + extra):
        shape = f"diameters=({d12:g},{d12:g},{d3:g}) σ_GTO={width:g}"
        features = p.add("featurize", shape, threads=config["mpi_tasks"], dataset=ellipsoids,
                         diameters=[d12, d12, d3], radial_gaussian_width=width, **config["features"])
        points[d12, d3, width] = (features, p.add("gfre", shape, features=features, soap=soap, **config["gfre"]))
    if extra:
        anisoap_from, centres_from = [points[extra[0]][1]], [points[extra[1]][1]]
    else:  # "taking the optimized hyperparameters": the lowest GFRE of the grid, and of its spherical points
        anisoap_from = [points[shape][1] for shape in dict.fromkeys(shapes)]
        centres_from = [points[shape][1] for shape in dict.fromkeys(shapes) if shape[0] == shape[1]]
    candidates = list(dict.fromkeys(anisoap_from + centres_from))
    features_of = {gfre: features for features, gfre in points.values()}
    protocol = {key: value for key, value in config["ridge"].items() if key not in ("select", "fixed")}
    regression = p.add("regression", config["ridge"]["select"],
                       through={"features": [features_of[gfre] for gfre in candidates]},
                       labels=labels, soap=soap, anisoap_from=anisoap_from, centres_from=centres_from, **protocol)
    baseline = p.add("baseline", f"residual={config['baseline']['residual']}", regression=regression,
                     **config["baseline"])
    pcovr = p.add("pcovr", f"mixing={config['pcovr']['mixing']:g}", through={"crystals": [crystals], "soap": [soap]},
                  baseline=baseline, **config["pcovr"])
    p.report("benzene_report", OUTPUTS, gfre=[points[shape][1] for shape in dict.fromkeys(shapes)],
             regression=[regression], baseline=[baseline], pcovr=[pcovr], labels=[labels], crystals=[crystals],
             ellipsoids=[ellipsoids])
    return p

