"""Plan of the cost–accuracy sweeps (beyond the paper).

Each named sweep under ``studies.sweep.sweeps`` featurises one dataset at
every point of a grid of AniSOAP hyperparameters (every setting of ``features``
given as a list is an axis) and fits one ridge model per target at each::

    dataset ─ sweep_point (one per grid point) ─ sweep_front
    report: results/sweep/<name>/{pareto.png,pareto.csv,best_per_budget.csv,
            learning_curves.png,summary_rows.json}

The dataset is a parent job built by the built-in studies' own steps
(``dimers`` and ``configurations``, gathered from their shards; ``crystals`` + ``coarse_grain`` of an
all-atom benzene crystal file such as the real PBE-TS set) or the user's own
file of ellipsoid frames (``source: file``), read by every grid point as a
plan input whose content hash is in the state point. A grid point
(``sweep_point``) records its features, predictions, test RMSE and R² per
target, feature count and the measured cost; ``sweep_front`` finds the
Pareto fronts, the best point per cost budget and the learning curves of the
points on the cost front.
"""

import math
import os
import warnings

from ..gay_berne import plan as gay_berne
from ..benzene.plan import FILE_DIAMETERS
from ...plan import ConfigError, Plan, file_sha256, grid, user_file

__all__ = ["GRID_AXES", "plan", "validate"]

STUDY = "sweep"
#: Featuriser settings of ``features`` that may be axes (lists), in the order of a label.
GRID_AXES = ("correlation_order", "max_angular", "max_radial", "radial_gaussian_width", "cutoff", "diameters")
#: Files of ``results/sweep/<name>/`` written by the report.
OUTPUTS = ("pareto.png", "pareto.csv", "best_per_budget.csv", "learning_curves.png")
#: Sources whose frames come from a file.
FILE_SOURCES = ("file", "benzene_crystals")
_GREEK = {"correlation_order": "ν", "max_angular": "l_max", "max_radial": "n_max", "radial_gaussian_width": "σ",
          "cutoff": "r_c", "diameters": "d"}


def _selected(config):
    only = config["only"]
    if only is None:
        return list(config["sweeps"])
    unknown = [name for name in only if name not in config["sweeps"]]
    if unknown:
        raise ConfigError(f"studies.{STUDY}.only", f"{unknown} are not sweeps (sweeps: {sorted(config['sweeps'])})")
    return list(only)


def _filename(data, basedir):
    return os.path.normpath(os.path.join(basedir, data["filename"]))


def validate(config, basedir="."):
    """Reject settings that pass the schema but cannot give a meaningful sweep.

    Raises
    ------
    ConfigError
        Naming the key: ``only`` naming no sweep; no sweep to run; a file
        source without ``filename``, or whose file is absent and not
        ``optional``; a ``stop`` not after ``start``; a Gay-Berne dataset the
        Gay-Berne study would reject; a grid of more than ``max_points``
        points; a grid point the featuriser refuses (naming the grid key, its value, the point and the
        featuriser's reason); ``train_sizes`` all below ``cv_folds``.
    """
    names = _selected(config)
    if not names:
        raise ConfigError(f"studies.{STUDY}.sweeps", "no sweep: add one, or set studies.sweep.enabled: false")
    for name in names:
        sweep, key = config["sweeps"][name], f"studies.{STUDY}.sweeps.{name}"
        data = sweep["dataset"]
        if data["source"] in FILE_SOURCES:
            if not data.get("filename"):
                raise ConfigError(f"{key}.dataset.filename", f"source {data['source']!r} needs a filename")
            path = _filename(data, basedir)
            if not os.path.isfile(path) and not data["optional"]:
                raise ConfigError(f"{key}.dataset.filename", f"{path} does not exist (set optional: true to "
                                                             "skip the sweep when it is absent)")
            if data["stop"] is not None and data["stop"] <= data["start"]:
                raise ConfigError(f"{key}.dataset.stop", f"{data['stop']} selects no frame after start "
                                                         f"{data['start']}")
        elif data["source"] == "gay_berne":
            try:
                gay_berne.validate({"dataset": data["gay_berne"]})
            except ConfigError as error:
                suffix = error.key.rsplit(".", 1)[-1]
                raise ConfigError(f"{key}.dataset.gay_berne.{suffix}",
                                  str(error).split(": ", 1)[1]) from None
        axes = [value for axis, value in sweep["features"].items() if axis in GRID_AXES and isinstance(value, list)]
        size = math.prod(len(value) for value in axes)
        if size > config["max_points"]:
            raise ConfigError(f"{key}.features", f"the grid has {size:,} points, more than studies.{STUDY}.max_points "
                                                 f"({config['max_points']:,}): shorten its lists, or raise max_points "
                                                 "to run it on purpose")
        _check_featuriser(key, sweep["features"])
        if max(sweep["learning_curve"]["train_sizes"]) < sweep["ridge"]["cv_folds"]:
            raise ConfigError(f"{key}.learning_curve.train_sizes",
                              f"every size is below cv_folds ({sweep['ridge']['cv_folds']})")


#: Grid axes that are arguments of the featuriser, in the order a refused point blames them.
_FEATURISER_AXES = ("max_radial", "max_angular", "radial_gaussian_width", "cutoff")


def _check_featuriser(key, features):
    """Build every grid point's featuriser hyperparameters as the job will, and refuse the first it rejects.

    :func:`~anisoap_pipeline.anisoap.hyperparameters.check_hyperparameters` is
    the constructor's own validation (the radial basis orthonormalised, no
    numba), run once per distinct setting. The grid key blamed is the first
    axis whose other grid values make the point valid; with none, the
    hyperparameter the featuriser's message starts with (every setting of the
    point is named in any case).

    Raises
    ------
    ConfigError
        ``<key>.features.<axis>`` (or ``<key>.features``), naming the value, the point and the reason.
    """
    from ...anisoap.hyperparameters import check_hyperparameters

    axes = {axis: features[axis] if isinstance(features[axis], list) else [features[axis]]
            for axis in ("correlation_order", *_FEATURISER_AXES)}
    reasons = {}

    def refused(point):
        setting = tuple(point[axis] for axis in _FEATURISER_AXES)
        if setting not in reasons:
            try:
                check_hyperparameters(**point, subtract_center_contribution=features["subtract_center_contribution"])
                reasons[setting] = None
            except ValueError as error:
                reasons[setting] = str(error)
        return reasons[setting]

    for point in grid(**axes):
        nu = point.pop("correlation_order")
        if nu == 1:  # as planned: the radial spectrum is built with l = 0 alone
            point["max_angular"] = 0
        reason = refused(point)
        if reason is None:
            continue
        where = " ".join(f"{axis}={point[axis]:g}" for axis in _FEATURISER_AXES)
        for axis in _FEATURISER_AXES:
            if axis == "max_angular" and nu == 1:
                continue
            if any(refused({**point, axis: value}) is None for value in axes[axis] if value != point[axis]):
                raise ConfigError(f"{key}.features.{axis}",
                                  f"{point[axis]:g} is refused by the featuriser at the grid point ν={nu} {where}: "
                                  f"{reason}")
        named = [axis for axis in _FEATURISER_AXES if reason.startswith(f"{axis} ")]
        raise ConfigError(f"{key}.features" + "".join(f".{axis}" for axis in named[:1]),
                          f"the grid point ν={nu} {where} is refused by the featuriser: {reason}")


def _dataset(p, name, data, basedir):
    """Add the sweep's dataset job(s); return (state-point keys of the frames, files read)."""
    source = data["source"]
    if source == "gay_berne":
        params = dict(data["gay_berne"])
        shard_size = params.pop("shard_size")
        return {"dataset": p.add_sharded("dimers", f"n_dimers={params['n_dimers']} seed={params['seed']}",
                                         params["n_dimers"], shard_size, **params)}, ()
    if source == "liquid_crystals":
        params = dict(data["liquid_crystals"])
        shard_size = params.pop("shard_size")
        return {"dataset": p.add_sharded("configurations", f"L/D={params['aspect_ratio']:g} seed={params['seed']}",
                                         params["n_nematic"] + params["n_smectic"], shard_size, **params)}, ()
    path, name = _filename(data, basedir), user_file(data["filename"], basedir)
    selection = {"start": data["start"], "stop": data["stop"], "stride": data["stride"]}
    details = f"file={os.path.basename(path)}[{data['start']}:{data['stop']}:{data['stride']}]"
    if source == "benzene_crystals":  # all-atom crystals -> one ellipsoid per molecule
        crystals = p.add("crystals", details, files=[name], source="file", filename=name, **selection,
                         sha256=file_sha256(path))
        return {"dataset": p.add("coarse_grain", "one ellipsoid per molecule", crystals=crystals,
                                 diameters=FILE_DIAMETERS)}, ()
    return {"frames": name, **selection, "sha256": file_sha256(path)}, (name,)


def _details(name, point):
    parts = [name]
    for axis in GRID_AXES:
        value = point.get(axis)
        if value is None or (axis == "max_angular" and point["correlation_order"] == 1):
            continue
        text = ",".join(f"{v:g}" for v in value) if isinstance(value, list) else f"{value:g}"
        parts.append(f"{_GREEK[axis]}={text}")
    return " ".join(parts)


def plan(config, basedir="."):
    """State points, targets and summary rows of the sweeps.

    Parameters
    ----------
    config : dict
        ``studies.sweep`` of the validated config (defaults filled).
    basedir : str, optional
        Folder that relative file names are relative to (the Snakefile's).

    Returns
    -------
    Plan
        One report per sweep, named after it; its group ``front``: the sweep's ``sweep_front`` job.

    Warns
    -----
    UserWarning
        For each ``optional`` sweep skipped because its file is absent.
    """
    from ...anisoap.names import KIND_OF_CORRELATION_ORDER

    validate(config, basedir)
    p = Plan(STUDY)
    for name in _selected(config):
        sweep = config["sweeps"][name]
        data = sweep["dataset"]
        if data["source"] in FILE_SOURCES and not os.path.isfile(_filename(data, basedir)):
            warnings.warn(f"sweep {name!r} skipped: {_filename(data, basedir)} is absent "
                          f"(studies.{STUDY}.sweeps.{name}.dataset.optional)", stacklevel=2)
            continue
        frames, files = _dataset(p, name, data, basedir)
        settings = dict(sweep["features"])
        subtract = settings.pop("subtract_center_contribution")
        protocol = {"targets": sweep["targets"], "per_particle": data["per_particle"], **sweep["ridge"]}
        points = []
        for point in grid(**{axis: settings[axis] for axis in GRID_AXES}):
            correlation_order = point.pop("correlation_order")
            if correlation_order == 1:  # the radial spectrum is l = 0 alone: a larger max_angular only costs
                point["max_angular"] = 0
            if point["diameters"] is None:
                del point["diameters"]
            points.append(p.add("sweep_point", _details(name, {"correlation_order": correlation_order, **point}), files=files,
                                **frames, kind=KIND_OF_CORRELATION_ORDER[correlation_order], **point,
                                subtract_center_contribution=subtract, **protocol))
        points = list(dict.fromkeys(points))  # ν = 1 points differing only in max_angular are one job
        budgets = sweep["budgets"]
        front = p.add("sweep_front", f"{name} {len(points)} points", points=points, budgets=budgets,
                      **sweep["learning_curve"])
        p.report("sweep_report", OUTPUTS, name=name, front=[front])
    return p
