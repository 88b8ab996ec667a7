# Steps shared by the studies: featurize (AniSOAP of any ellipsoid frames),
# ridge, learning_curve. Which jobs exist, and their parents, is the plans'
# business (anisoap_pipeline/studies/); rules here only say how a step runs.


rule featurize:
    """AniSOAP radial or power spectrum of a dataset job's frames, averaged per frame (MPI over frames)."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("featurize"),
    log:
        job_log("featurize"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("featurize"),
    threads: job_threads
    resources:
        mpi="mpiexec",
        tasks=job_threads,
    conda:
        PIPELINE_ENV
    shell:
        "{resources.mpi:q} -n {resources.tasks:q} anisoap-pipeline featurize --job {wildcards.job:q} "
        "--no-progress 2> {log:q}"


rule ridge:
    """Ridge regression (k-fold CV over alpha) of one target on one featurisation."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("ridge"),
    log:
        job_log("ridge"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("ridge"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline ridge {wildcards.job:q} 2> {log:q}"


rule learning_curve:
    """Test RMSE against training size over k folds of the training rows."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("learning_curve"),
    log:
        job_log("learning_curve"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("learning_curve"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline learning_curve {wildcards.job:q} 2> {log:q}"
