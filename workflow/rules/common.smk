# The plan and the helpers of the generated rules (workflow/rules/jobs.smk).
#
# The studies' plans (anisoap_pipeline/studies/<study>/plan.py) decide every state
# point, its parent links and its reports; the step records
# (anisoap_pipeline/steps.Step, beside each handler) decide how a step runs.
# A job rule's wildcard {job} is a signac job id, constrained to the ids of the
# rule's own step; its inputs are its parents' artifacts (job_inputs), its outputs
# its step's artifacts and metrics.json. Nothing is written at parse time; the jobs
# are initialised on disk when the run starts (onstart in the Snakefile), so a dry
# run writes nothing.

import shlex

from anisoap_pipeline import studies, tracking
from anisoap_pipeline.steps import registry, reports

#: Every job and report of every study the config runs (validated semantically first).
PLAN = studies.plan(config, basedir=workflow.basedir)

#: Conda environment of every rule (used with --software-deployment-method
#: conda only; otherwise rules run where `anisoap-pipeline` is on PATH).
PIPELINE_ENV = "../envs/anisoap-pipeline.yaml"

#: A regular expression no job id matches (for steps without jobs in this plan).
NO_JOB = "(?!x)x"


def job_inputs(wildcards):
    """Input function of every job rule: {parent key: parent artifacts, files: user files}."""
    return PLAN.inputs(wildcards.job, tracking.artifacts)


def job_label(wildcards):
    """What a job is, in words (the rule's message): e.g. benzene featurize diameters=(4,4,0.5) σ_GTO=1.5."""
    return f"{PLAN.jobs[wildcards.job].label} [{wildcards.job}]"


def job_threads(wildcards):
    """Threads (MPI ranks, worker processes) of a job, from its study's config."""
    return PLAN.jobs[wildcards.job].threads


def job_command(step):
    """The command of a step's jobs, `anisoap-pipeline <step> JOB`, under MPI if the step says so.

    A params function: Snakemake evaluates a rule's shell command when the job
    runs, so what depends on the loop's step is bound here.
    """

    def command(wildcards, threads, resources):
        words = ["anisoap-pipeline", step.name, wildcards.job]
        if step.mpi:
            words = [resources.mpi, "-n", str(resources.tasks), *words, "--no-progress"]
        elif step.threads:
            words += ["--threads", str(threads)]
        return shlex.join(words)

    return command


def report_output(plan_report, path):
    """A report's file, with its caption if workflow/report/<study>/<file name>.rst exists."""
    caption = f"{workflow.basedir}/workflow/report/{plan_report.study}/{os.path.basename(path)}.rst"
    if not os.path.exists(caption):
        return path
    return report(path, caption=caption, category=reports()[plan_report.verb].category,
                  subcategory=plan_report.name or None)
