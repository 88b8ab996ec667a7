"""Plan of the toy study: one data set of random ellipsoids, one report."""

from ...plan import ConfigError, Plan

STUDY = "toy"


def validate(config):
    """Reject a data set without frames (the schema cannot say it)."""
    if config["n_frames"] < 1:
        raise ConfigError(f"studies.{STUDY}.n_frames", "at least one frame")


def plan(config, basedir="."):
    """One ``toy_frames`` job and the report of its particle counts."""
    validate(config)
    p = Plan(STUDY)
    frames = p.add("toy_frames", f"n_frames={config['n_frames']} seed={config['seed']}",
                   n_frames=config["n_frames"], seed=config["seed"])
    p.report("toy_report", ["counts.csv"], frames=[frames])
    return p
