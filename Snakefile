# anisoap-pipeline: the AniSOAP paper's studies as one Snakemake + signac workflow.
#
#   snakemake --cores all                                  # default study, minutes
#   snakemake --cores all --configfile config/paper.yaml   # the paper's sizes
#   snakemake --profile workflow/profiles/slurm --configfile config/paper.yaml
#   snakemake --report results/report.html                 # figures + captions
#
# Wildcards are signac job ids (workspace/{job}/...): workflow/rules/common.smk
# turns the config into state points, each study's rules file registers its
# own; see workflow/README.md for how a study plugs in.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/gay_berne.smk"
include: "workflow/rules/liquid_crystals.smk"
include: "workflow/rules/benzene.smk"
include: "workflow/rules/report.smk"


onstart:
    # create the signac project and every registered job before any step runs
    tracking.init_jobs(STATE_POINTS.values())


rule all:
    """Every figure and table of the enabled studies, and results/summary.md."""
    default_target: True
    input:
        FINAL_TARGETS,
        "results/summary.md",
