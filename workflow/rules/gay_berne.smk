# Gay-Berne dimers (paper Sec. III B, Fig. 3, Fig. S4; issue 4).
#
#   dimers (dataset)  --gb-generate-->  workspace/{job}/frames.xyz
#   anisoap (features) --featurize-->   workspace/{job}/features.npy
#   ridge (one per target) --ridge-->   workspace/{job}/predictions.npz
#   learning_curve (one per target)  -> workspace/{job}/learning_curve.json
#   report: results/gay_berne/{parity,learning_curve}.png, metrics.csv, summary_rows.json
#
# Every step is a signac state point; each writes workspace/{job}/metrics.json
# last (tracking.record), the file Snakemake waits for.

GB_STUDY = "gay_berne"

if study_enabled(GB_STUDY):
    GB = study_config(GB_STUDY)
    GB_DATASET = register(GB_STUDY, "dimers", **GB["dataset"])
    GB_FEATURES = register(GB_STUDY, "anisoap", dataset=GB_DATASET, **GB["features"])
    GB_MODELS = [
        register(GB_STUDY, "ridge", features=GB_FEATURES, target=target, **{
            key: value for key, value in GB["ridge"].items() if key != "targets"
        })
        for target in GB["ridge"]["targets"]
    ]
    GB_CURVES = [
        register(GB_STUDY, "learning_curve", features=GB_FEATURES, target=target, **{
            key: value for key, value in GB["ridge"].items() if key != "targets"
        }, **GB["learning_curve"])
        for target in GB["ridge"]["targets"]
    ]
    FINAL_TARGETS.extend([
        "results/gay_berne/parity.png",
        "results/gay_berne/learning_curve.png",
        "results/gay_berne/metrics.csv",
    ])
    SUMMARY_ROWS.append("results/gay_berne/summary_rows.json")
else:
    GB, GB_MODELS, GB_CURVES = {"mpi_tasks": 1}, [], []


rule gb_generate:
    """Random dimers, labelled with U, h12_gb and h12_pw (sample_dimers)."""
    output:
        frames="workspace/{job}/frames.xyz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(GB_STUDY, "generate"),
    wildcard_constraints:
        job=job_pattern(GB_STUDY, "dimers"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline gb-generate {wildcards.job} 2> {log}"


rule gb_featurize:
    """AniSOAP power spectrum of every dimer (MPI over frames)."""
    input:
        parent_file("dataset", "frames.xyz"),
    output:
        features="workspace/{job}/features.npy",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(GB_STUDY, "featurize"),
    wildcard_constraints:
        job=job_pattern(GB_STUDY, "anisoap"),
    threads: GB["mpi_tasks"]
    conda:
        PIPELINE_ENV
    resources:
        mpi="mpiexec",
        tasks=GB["mpi_tasks"],
    shell:
        "{resources.mpi} -n {resources.tasks} anisoap-pipeline featurize --job {wildcards.job} "
        "--no-progress 2> {log}"


rule gb_ridge:
    """Ridge regression (5-fold CV over alpha) on a 90/10 split, one target."""
    input:
        parent_file("features", "features.npy"),
    output:
        predictions="workspace/{job}/predictions.npz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(GB_STUDY, "ridge"),
    wildcard_constraints:
        job=job_pattern(GB_STUDY, "ridge"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline ridge {wildcards.job} 2> {log}"


rule gb_learning_curve:
    """RMSE vs training size over 5 folds of the training rows (Fig. S4)."""
    input:
        parent_file("features", "features.npy"),
    output:
        curve="workspace/{job}/learning_curve.json",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(GB_STUDY, "learning_curve"),
    wildcard_constraints:
        job=job_pattern(GB_STUDY, "learning_curve"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline learning-curve {wildcards.job} 2> {log}"


rule gb_report:
    """Parity plots (Fig. 3), learning curves (Fig. S4), metrics table, summary rows."""
    input:
        models=expand("workspace/{job}/predictions.npz", job=GB_MODELS),
        curves=expand("workspace/{job}/learning_curve.json", job=GB_CURVES),
    output:
        parity=report(
            "results/gay_berne/parity.png",
            caption="../report/gay_berne_parity.rst",
            category="Gay-Berne dimers",
        ),
        learning_curve=report(
            "results/gay_berne/learning_curve.png",
            caption="../report/gay_berne_learning_curve.rst",
            category="Gay-Berne dimers",
        ),
        metrics=report(
            "results/gay_berne/metrics.csv",
            caption="../report/gay_berne_metrics.rst",
            category="Gay-Berne dimers",
        ),
        rows="results/gay_berne/summary_rows.json",
    log:
        "logs/gay_berne/report.log",
    params:
        models=GB_MODELS,
        curves=GB_CURVES,
        output_dir=lambda wildcards, output: os.path.dirname(output.parity),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline gb-report --models {params.models} --curves {params.curves} "
        "--output-dir {params.output_dir} 2> {log}"
