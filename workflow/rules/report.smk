# Aggregation across studies: results/summary.md, one row per headline result
# of the paper (each enabled study contributes results/<study>/summary_rows.json).


rule summary:
    """Merge the studies' summary rows into results/summary.md."""
    input:
        SUMMARY_ROWS,
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
        "anisoap-pipeline summary {input} --output {output} --config {params.configs} 2> {log}"
