# Cost-accuracy sweeps, beyond the paper (issue 11): the plan is
# anisoap_pipeline/studies/sweep.py; the datasets are jobs of the built-in
# studies' steps (dimers, configurations, crystals + coarse_grain) or a user file.


rule sweep_point:
    """One grid point: features timed on one core, ridge per target (the same split at every point)."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("sweep_point"),
    log:
        job_log("sweep_point"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("sweep_point"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline sweep_point {wildcards.job:q} 2> {log:q}"


rule sweep_front:
    """Pareto fronts, best point per cost budget, learning curves of the cost front."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("sweep_front"),
    log:
        job_log("sweep_front"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("sweep_front"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline sweep_front {wildcards.job:q} 2> {log:q}"


rule sweep_report:
    """Pareto figure and table, best point per budget, learning curves, summary rows of one sweep."""
    input:
        # the sweep's sweep_front job: PLAN.groups["sweep.<name>"] (studies/sweep.py)
        front=lambda wildcards: f"workspace/{PLAN.groups[f'sweep.{wildcards.name}'][0]}/front.json",
    output:
        pareto=report(
            "results/sweep/{name}/pareto.png",
            caption="../report/sweep_pareto.rst",
            category="Sweeps (beyond the paper)",
            subcategory="{name}",
        ),
        table="results/sweep/{name}/pareto.csv",
        best="results/sweep/{name}/best_per_budget.csv",
        curves=report(
            "results/sweep/{name}/learning_curves.png",
            caption="../report/sweep_learning_curves.rst",
            category="Sweeps (beyond the paper)",
            subcategory="{name}",
        ),
        rows="results/sweep/{name}/summary_rows.json",
    log:
        "logs/sweep_report/{name}.log",
    params:
        front=lambda wildcards: PLAN.groups[f"sweep.{wildcards.name}"][0],
        output_dir=lambda wildcards, output: os.path.dirname(output.pareto),
    wildcard_constraints:
        name="|".join(name.split(".", 1)[1] for name in PLAN.groups if name.startswith("sweep.")) or NO_JOB,
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline sweep_report --front {params.front:q} --name {wildcards.name:q} "
        "--output-dir {params.output_dir:q} 2> {log:q}"
