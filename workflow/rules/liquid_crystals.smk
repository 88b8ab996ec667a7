# Liquid crystals: nematic and smectic prolate ellipsoids (paper Sec. III A,
# Figs. 1, 2, S2, S3): the plan is anisoap_pipeline/studies/liquid_crystals.py;
# featurize is the shared rule (shared.smk).

from anisoap_pipeline.studies import liquid_crystals as lc_study


rule configurations_shard:
    """Nematic and smectic frames of one shard (Maier–Saupe orientations, RSA / compression MC)."""
    output:
        **job_outputs("configurations_shard"),
    log:
        job_log("configurations_shard"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("configurations_shard"),
    priority: 5
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline configurations_shard {wildcards.job:q} 2> {log:q}"


rule configurations:
    """The frame shards gathered in order."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("configurations"),
    log:
        job_log("configurations"),
    params:
        label=job_label,
        shards=job_shards,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("configurations"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline configurations {wildcards.job:q} --shards {params.shards:q} 2> {log:q}"


rule order_parameters:
    """Distance-weighted Steinhardt q_0..q_l (X_SOP), nematic S (X_OOP) and layer order per frame."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("order_parameters"),
    log:
        job_log("order_parameters"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("order_parameters"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline order_parameters {wildcards.job:q} 2> {log:q}"


rule compare_representations:
    """PCA maps (Figs. 1, S2) and GFRE matrix (Figs. 2, S3) of one or two data sets."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("compare_representations"),
    log:
        job_log("compare_representations"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("compare_representations"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline compare_representations {wildcards.job:q} 2> {log:q}"


rule liquid_crystals_report:
    """Figures 1, 2 (and S2, S3 with the L/D = 2 augmentation), GFRE table, summary rows, chemiscope PCA map."""
    input:
        analyses=expand("workspace/{job}/analysis.npz", job=PLAN.ids("compare_representations", "liquid_crystals")),
        frames=expand("workspace/{job}/frames.xyz", job=PLAN.ids("configurations", "liquid_crystals")),
    output:
        **{
            name: report(
                f"results/liquid_crystals/{name}.png",
                caption=f"../report/lc_{name}.rst",
                category="Liquid crystals",
            )
            for name in lc_study.figures(PLAN)
        },
        table=report(
            "results/liquid_crystals/gfre.csv",
            caption="../report/lc_gfre_table.rst",
            category="Liquid crystals",
        ),
        rows="results/liquid_crystals/summary_rows.json",
        chemiscope="results/liquid_crystals/pca.chemiscope.json.gz",
    log:
        "logs/liquid_crystals_report.log",
    params:
        analyses=PLAN.ids("compare_representations", "liquid_crystals"),
        output_dir=lambda wildcards, output: os.path.dirname(output.rows),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline liquid_crystals_report {params.analyses:q} --output-dir {params.output_dir:q} 2> {log:q}"
