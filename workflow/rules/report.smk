# Aggregation across studies: results/summary.md, one row per headline result
# of the paper (each study the plan runs contributes results/<study>/summary_rows.json).


rule summary:
    """Merge the studies' summary rows into results/summary.md (flagging rows of older revisions)."""
    input:
        PLAN.summary_rows,
    output:
        report(
            "results/summary.md",
            caption="../report/summary.rst",
            category="Summary",
        ),
    log:
        "logs/summary.log",
    params:
        configs=workflow.configfiles,
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline summary {input:q} --output {output:q} --config {params.configs:q} 2> {log:q}"
