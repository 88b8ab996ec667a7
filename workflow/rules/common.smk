# Plan -> rules glue, shared by every rules file.
#
# The studies' plans (anisoap_pipeline/studies/<study>.py) decide every state
# point and its parent links in Python; here they become rules. A job rule's
# wildcard {job} is a signac job id, constrained to the ids of the rule's own
# step (several rules write workspace/{job}/metrics.json); its inputs are its
# parents' artifacts (job_inputs), its outputs its step's artifacts
# (job_outputs), both from anisoap_pipeline.tracking.ARTIFACTS. Nothing is
# written at parse time; the jobs are initialised on disk when the run starts
# (onstart in the Snakefile), so a dry run writes nothing.

import os

from anisoap_pipeline import studies, tracking

#: Every job of every study the config runs (validated semantically first).
PLAN = studies.plan(config, basedir=workflow.basedir)

#: Conda environment of every rule (used with --software-deployment-method
#: conda only; otherwise rules run where `anisoap-pipeline` is on PATH).
PIPELINE_ENV = "../envs/anisoap-pipeline.yaml"

#: A regular expression no job id matches (for steps without jobs in this plan).
NO_JOB = "(?!x)x"


def job_pattern(step):
    """wildcard_constraints regex matching exactly the job ids of a step."""
    return "|".join(PLAN.ids(step)) or NO_JOB


def job_inputs(wildcards):
    """Input function of every job rule: {parent key: parent artifacts, files: user files}."""
    return PLAN.inputs(wildcards.job, tracking.artifacts)


def job_outputs(step):
    """Named outputs of a job rule: the step's artifacts, then metrics.json (written last)."""
    return {
        **{name: f"workspace/{{job}}/{file}" for name, file in tracking.ARTIFACTS[step].items()},
        "metrics": f"workspace/{{job}}/{tracking.METRICS_FILE}",
    }


def job_label(wildcards):
    """What a job is, in words (the rule's message): e.g. benzene featurize diameters=(4,4,0.5) σ_GTO=1.5."""
    return f"{PLAN.jobs[wildcards.job].label} [{wildcards.job}]"


def job_threads(wildcards):
    """Threads (MPI ranks for featurize) of a job, from its study's config."""
    return PLAN.jobs[wildcards.job].threads


def job_shards(wildcards):
    """Job ids of the shards a gather job concatenates, in item order (none for an unsharded dataset)."""
    return list(PLAN.jobs[wildcards.job].parents.get("shards", ()))


def job_log(step):
    """Log of a job step: logs/<step>/{job}.log."""
    return f"logs/{step}/{{job}}.log"
