# Shared helpers of every study: config -> state points -> signac job ids.
#
# A state point is a plain dict {"study": ..., "step": ..., <parameters>}; its
# signac job id (a hash, known before anything runs) is the Snakemake wildcard
# {job}, and workspace/{job}/ is the job folder. Studies register their state
# points here at parse time; the jobs are initialised on disk when the run
# starts (onstart in the Snakefile), so a dry run writes nothing.

import itertools
import os

from anisoap_pipeline import tracking

#: job id -> state point, for every step of every enabled study.
STATE_POINTS = {}

#: Final outputs (figures, tables) of the enabled studies: inputs of rule all.
FINAL_TARGETS = []

#: results/<study>/summary_rows.json of the enabled studies: inputs of the summary.
SUMMARY_ROWS = []

#: Conda environment of every rule (used with --software-deployment-method
#: conda only; otherwise rules run where `anisoap-pipeline` is on PATH).
PIPELINE_ENV = "../envs/anisoap-pipeline.yaml"

#: A regular expression no job id matches (for steps without state points).
NO_JOB = "(?!x)x"


def study_enabled(study):
    """Whether config["studies"][study] exists and is enabled."""
    return bool(config["studies"].get(study, {}).get("enabled", False))


def study_config(study):
    """The (validated, defaults filled) config block of a study."""
    return config["studies"][study]


def register(study, step, **parameters):
    """Register the state point {"study", "step", **parameters}; return its job id."""
    state_point = {"study": study, "step": step, **parameters}
    job = tracking.state_point_id(state_point)
    STATE_POINTS[job] = state_point
    return job


def state_point(job):
    """The state point of a registered job id."""
    return STATE_POINTS[job]


def jobs_of(study, step):
    """Job ids of one step of one study, in registration order."""
    return [job for job, sp in STATE_POINTS.items() if sp["study"] == study and sp["step"] == step]


def job_pattern(study, step):
    """wildcard_constraints regex matching exactly the job ids of a step.

    Several rules share output patterns such as workspace/{job}/metrics.json;
    constraining {job} to the ids of the rule's own step keeps the DAG
    unambiguous.
    """
    return "|".join(jobs_of(study, step)) or NO_JOB


def job_file(job, name):
    """Path of an artifact in a job folder: workspace/<job>/<name>."""
    return f"workspace/{job}/{name}"


def parent_file(key, name):
    """Input function: artifact ``name`` of the job named by state-point key ``key``.

    E.g. parent_file("dataset", "frames.xyz") gives a featurisation job its
    dataset's frames.
    """

    def inputs(wildcards):
        return job_file(STATE_POINTS[wildcards.job][key], name)

    return inputs


def grid(**values):
    """Cartesian product of config lists as a list of dicts.

    grid(max_angular=[4, 6], cutoff=7.0) -> [{"max_angular": 4, "cutoff": 7.0},
    {"max_angular": 6, "cutoff": 7.0}]; scalars count as one-element lists.
    """
    keys = list(values)
    lists = [v if isinstance(v, list) else [v] for v in values.values()]
    return [dict(zip(keys, combination)) for combination in itertools.product(*lists)]


def log_file(study, step):
    """Log path of a job step: logs/<study>/<step>/{job}.log."""
    return f"logs/{study}/{step}/{{job}}.log"
