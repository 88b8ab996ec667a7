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

__all__ = ["plan", "selected", "study_plan"]


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
    """
    from ..plan import Plan

    whole = Plan()
    for name in selected(config):
        whole.merge(study_plan(name).plan(config["studies"][name], basedir))
    return whole
