# The rules, generated: one per step record (anisoap_pipeline.steps.registry), one
# per report of the plan, and the summary. Nothing here is specific to a study.


for step in registry().values():

    rule:
        name: step.name
        input:
            unpack(job_inputs),
        output:
            **{name: f"workspace/{{job}}/{file}" for name, file in step.artifacts.items()},
            metrics=f"workspace/{{job}}/{tracking.METRICS_FILE}",
        log:
            f"logs/{step.name}/{{job}}.log",
        params:
            label=job_label,
            command=job_command(step),
        message:
            "{params.label}"
        wildcard_constraints:
            job="|".join(PLAN.ids(step.name)) or NO_JOB,
        threads: job_threads if step.threads else 1
        priority: step.priority
        resources:
            runtime=step.runtime,
            mem_mb=step.mem_mb,
            **({"mpi": "mpiexec", "tasks": job_threads} if step.mpi else {}),
        conda:
            PIPELINE_ENV
        shell:
            "{params.command} 2> {log:q}"


for plan_report in PLAN.reports:

    rule:
        name: plan_report.rule
        input:
            [f"workspace/{job}/{file}" for ids in plan_report.groups.values() for job in ids
             for file in tracking.artifacts(PLAN.jobs[job].step)],
        output:
            [report_output(plan_report, path) for path in plan_report.files],
        log:
            plan_report.log,
        params:
            command=shlex.join([
                "anisoap-pipeline", plan_report.verb, plan_report.directory,
                *(word for name, ids in plan_report.groups.items() for word in ("--group", name, *ids))]),
        resources:
            runtime=reports()[plan_report.verb].runtime,
            mem_mb=reports()[plan_report.verb].mem_mb,
        conda:
            PIPELINE_ENV
        shell:
            "{params.command} 2> {log:q}"


rule summary:
    """Merge the studies' summary rows into <results>/summary.md (flagging rows of older revisions)."""
    input:
        PLAN.summary_rows,
    output:
        report(f"{PLAN.results}/summary.md", caption="../report/summary.rst", category="Summary"),
    log:
        "logs/summary.log",
    params:
        configs=workflow.configfiles,
    resources:
        runtime=5,
        mem_mb=1000,
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline summary {input:q} --output {output:q} --config {params.configs:q} 2> {log:q}"
