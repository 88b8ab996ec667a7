"""The studies: one folder each, ``anisoap_pipeline/studies/<study>/``.

A study's folder holds everything it owns: ``plan.py`` (``validate(config)``
and ``plan(config, basedir) -> Plan``: its state points, parent links and
report), ``steps.py`` (its step records and handlers), ``report.py`` (its
report record and handler), and its data generation, analysis, ``figures.py``
and ``summary.py`` (rows beside the paper's). The config block
``studies.<study>`` (and its schema) names it; nothing else registers it: the
workflow plans every study of the config (:func:`plan`), the command line
finds every step record (:func:`anisoap_pipeline.steps.registry`).
"""

import importlib

__all__ = ["plan", "results_folder", "selected", "study_plan"]


def selected(config):
    """Names of the studies a config runs, in config order: ``only`` if set, else every enabled study.

    Raises
    ------
    ConfigError
        If ``only`` names a study that is not in the config or not enabled.
    """
    from ..plan import ConfigError

    studies = config["studies"]
    only = config.get("only")
    if only is None:
        return [name for name, block in studies.items() if block["enabled"]]
    unknown = [name for name in only if name not in studies]
    if unknown:
        raise ConfigError("only", f"{unknown} are not studies (studies: {sorted(studies)})")
    disabled = [name for name in only if not studies[name]["enabled"]]
    if disabled:
        raise ConfigError("only", f"{disabled} not enabled in studies")
    return [name for name in studies if name in only]


def study_plan(name):
    """The ``plan`` module of study ``name`` (``anisoap_pipeline.studies.<name>.plan``)."""
    return importlib.import_module(f"{__name__}.{name}.plan")


def plan(config, basedir="."):
    """One plan of every study the config runs (:func:`selected`), in config order.

    Parameters
    ----------
    config : dict
        The whole validated config (defaults filled, :func:`anisoap_pipeline.config.load_config`).
    basedir : str, optional
        Folder relative file names are relative to (the Snakefile's).

    Returns
    -------
    Plan
        Its reports write into the config's ``results`` folder; :attr:`Plan.results` is that folder.

    Raises
    ------
    ConfigError
        From :func:`selected`, :func:`results_folder` and the studies' plans.
    """
    import dataclasses

    from ..plan import Plan

    root = results_folder(config)
    whole = Plan()
    for name in selected(config):
        whole.merge(study_plan(name).plan(config["studies"][name], basedir))
    whole.reports = [dataclasses.replace(report, root=root) for report in whole.reports]
    whole.results = root
    return whole


def results_folder(config):
    """The config's results folder: ``results``, or ``results/<name>`` beside the default's folders.

    Raises
    ------
    ConfigError
        If ``<name>`` is a study's folder or ``jobs``, which a run of the default config writes.
    """
    from ..plan import ConfigError

    root = config.get("results", "results")
    name = root.partition("/")[2]
    if name in (*config["studies"], "jobs"):
        raise ConfigError("results", f"{root} is the folder of the default config's {name!r} "
                                     f"results: name the folder after the config instead, e.g. results/my_{name}")
    return root
