"""The studies as plans: ``studies.<study>.plan(study_config) -> Plan``.

Each module turns its block of the validated config (``studies.<study>``)
into the state points of its jobs with their parent links, its final targets
and its summary-row file (:class:`~anisoap_pipeline.studies.plan.Plan`); it
also checks the settings the JSON schema cannot (``validate``), so a bad
config fails before any job starts, naming the key. The workflow builds one
plan of every study the config runs (:func:`plan`).
"""

from . import benzene, gay_berne, liquid_crystals, sweep
from .plan import ConfigError, Job, Plan, file_sha256, grid

__all__ = ["STUDIES", "ConfigError", "Job", "Plan", "file_sha256", "grid", "plan", "selected"]

#: Study name -> module with ``plan(study_config)``, in the order they run.
STUDIES = {"gay_berne": gay_berne, "liquid_crystals": liquid_crystals, "benzene": benzene, "sweep": sweep}


def selected(config):
    """Names of the studies a config runs: ``only`` if set, else every enabled study.

    Raises
    ------
    ConfigError
        If ``only`` names a study that is not enabled.
    """
    only = config.get("only")
    if only is None:
        return [name for name in STUDIES if config["studies"][name]["enabled"]]
    disabled = [name for name in only if not config["studies"][name]["enabled"]]
    if disabled:
        raise ConfigError("only", f"{disabled} not enabled in studies")
    return [name for name in STUDIES if name in only]


def plan(config, basedir="."):
    """One plan of every study the config runs (:func:`selected`).

    Parameters
    ----------
    config : dict
        The whole validated config (defaults filled).
    basedir : str, optional
        Folder relative file names are relative to (the Snakefile's).

    Returns
    -------
    Plan
    """
    whole = Plan()
    for name in selected(config):
        whole.merge(STUDIES[name].plan(config["studies"][name], basedir))
    return whole
