# anisoap-pipeline: the AniSOAP paper's studies as one Snakemake + signac workflow.
#
#   snakemake --cores all                                  # default study, minutes
#   snakemake --cores all --config only='[benzene]'        # one study alone
#   snakemake --cores all --configfile config/paper.yaml   # the paper's sizes
#   snakemake --profile workflow/profiles/slurm --configfile config/paper.yaml
#   snakemake --report results/report.html                 # figures + captions
#
# Wildcards are signac job ids (workspace/{job}/...). The studies' plans
# (anisoap_pipeline/studies/) decide the state points; the rules files hold
# rules only; see workflow/README.md for how a study plugs in.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/shared.smk"
include: "workflow/rules/gay_berne.smk"
include: "workflow/rules/liquid_crystals.smk"
include: "workflow/rules/benzene.smk"
include: "workflow/rules/sweep.smk"
include: "workflow/rules/report.smk"


onstart:
    # create the signac project and every planned job, and the readable tree
    # results/jobs/<study>/<step>/<parameters> -> workspace/<job id>
    tracking.init_jobs([job.state_point for job in PLAN.jobs.values()],
                       labels=[job.label for job in PLAN.jobs.values()])
    tracking.link_view({job.view_path: job.id for job in PLAN.jobs.values()})


rule all:
    """Every figure and table of the studies the config runs, and results/summary.md."""
    default_target: True
    input:
        PLAN.targets,
        "results/summary.md",
