# anisoap-pipeline: the AniSOAP paper's studies as one Snakemake + signac workflow.
#
#   snakemake --cores all                                  # default study, minutes
#   snakemake --cores all --config only='[benzene]'        # one study alone
#   snakemake --cores all --configfile config/paper.yaml   # the paper's sizes, in results/paper/
#   snakemake --workflow-profile workflow/profiles/slurm --configfile config/paper.yaml
#   snakemake --report results/report.html                 # figures + captions
#
# Wildcards are signac job ids (workspace/{job}/...). The studies' plans
# (anisoap_pipeline/studies/<study>/plan.py) decide the state points and reports;
# the rules are generated from the step records (workflow/rules/common.smk); see
# workflow/README.md for how a study plugs in.

from snakemake.utils import min_version

from anisoap_pipeline.config import validate_config

min_version("9.0")


configfile: "config/config.yaml"


validate_config(config)


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/jobs.smk"


onstart:
    # create the signac project and every planned job (with its label and parent links),
    # and the readable tree <results>/jobs/<study>/<step>/<parameters> -> workspace/<job id>
    tracking.init_jobs([job.state_point for job in PLAN.jobs.values()],
                       labels=[job.label for job in PLAN.jobs.values()],
                       parents=[job.parents for job in PLAN.jobs.values()])
    tracking.link_view({job.view_path: job.id for job in PLAN.jobs.values()}, root=f"{PLAN.results}/jobs")


rule all:
    """Every figure and table of the studies the config runs, <results>/summary.md (the config's
    results folder: results, or results/<name>), and every job's artifacts: a deleted artifact is
    made again, and so is what depends on it."""
    default_target: True
    input:
        PLAN.targets,
        f"{PLAN.results}/summary.md",
        [f"workspace/{job.id}/{file}" for job in PLAN.jobs.values() for file in tracking.artifacts(job.step)],
