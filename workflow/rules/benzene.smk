# Benzene crystals (paper Sec. III C, Figs. 4-7, S5, S6): the plan is
# anisoap_pipeline/studies/benzene.py; featurize is the shared rule (shared.smk).


rule crystals_shard:
    """Rigid-benzene crystals from PyXtal (augmented) of one shard of originals."""
    output:
        **job_outputs("crystals_shard"),
    log:
        job_log("crystals_shard"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("crystals_shard"),
    priority: 20  # the longest chain (crystals -> labels -> regression) starts first
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline crystals_shard {wildcards.job:q} 2> {log:q}"


rule crystals:
    """The crystal shards gathered in order, or frames of a file."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("crystals"),
    log:
        job_log("crystals"),
    params:
        label=job_label,
        shards=job_shards,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("crystals"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline crystals {wildcards.job:q} --shards {params.shards:q} 2> {log:q}"


rule label_shard:
    """Baselined per-atom energies (meV/atom) of one shard's crystals, in parallel over crystals, resumable."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("label_shard"),
    log:
        job_log("label_shard"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("label_shard"),
    priority: 10
    threads: job_threads
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline label_shard {wildcards.job:q} --n-jobs {threads} 2> {log:q}"


rule label:
    """The label shards gathered in order; failed crystals counted and listed."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("label"),
    log:
        job_log("label"),
    params:
        label=job_label,
        shards=job_shards,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("label"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline label {wildcards.job:q} --shards {params.shards:q} 2> {log:q}"


rule coarse_grain:
    """One ellipsoid per molecule (centre of mass, principal axes)."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("coarse_grain"),
    log:
        job_log("coarse_grain"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("coarse_grain"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline coarse_grain {wildcards.job:q} 2> {log:q}"


rule soap:
    """Structure-averaged all-atom SOAP power spectrum (featomic)."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("soap"),
    log:
        job_log("soap"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("soap"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline soap {wildcards.job:q} 2> {log:q}"


rule gfre:
    """GFRE(X_AniSOAP -> X_SOAP) of one grid point."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("gfre"),
    log:
        job_log("gfre"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("gfre"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline gfre {wildcards.job:q} 2> {log:q}"


rule regression:
    """Ridge (k-fold CV, one split) on SOAP (PCA), molecule-centre SOAP, AniSOAP; learning curves."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("regression"),
    log:
        job_log("regression"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("regression"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline regression {wildcards.job:q} 2> {log:q}"


rule baseline:
    """Ridge on AniSOAP, then ridge on SOAP of its residual."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("baseline"),
    log:
        job_log("baseline"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("baseline"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline baseline {wildcards.job:q} 2> {log:q}"


rule pcovr:
    """PCovR of SOAP against the AniSOAP residual; chemiscope input."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("pcovr"),
    log:
        job_log("pcovr"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("pcovr"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline pcovr {wildcards.job:q} 2> {log:q}"


rule benzene_report:
    """GFRE contours (Figs. 5, S6), parity (Fig. 6), learning curves (S5), baselining (Fig. 7), PCovR map."""
    input:
        gfre=expand("workspace/{job}/metrics.json", job=PLAN.ids("gfre", "benzene")),
        regression=expand("workspace/{job}/learning_curves.json", job=PLAN.ids("regression", "benzene")),
        baseline=expand("workspace/{job}/baseline.npz", job=PLAN.ids("baseline", "benzene")),
        pcovr=expand("workspace/{job}/chemiscope.json.gz", job=PLAN.ids("pcovr", "benzene")),
        crystals=expand("workspace/{job}/crystals.xyz", job=PLAN.ids("crystals", "benzene")),
        ellipsoids=expand("workspace/{job}/frames.xyz", job=PLAN.ids("coarse_grain", "benzene")),
    output:
        gfre=report("results/benzene/gfre.png", caption="../report/bz_gfre.rst", category="Benzene crystals"),
        parity=report("results/benzene/parity.png", caption="../report/bz_parity.rst", category="Benzene crystals"),
        learning_curve=report(
            "results/benzene/learning_curve.png",
            caption="../report/bz_learning_curve.rst",
            category="Benzene crystals",
        ),
        baselining=report(
            "results/benzene/baselining.png",
            caption="../report/bz_baselining.rst",
            category="Benzene crystals",
        ),
        pcovr_map=report(
            "results/benzene/pcovr_map.png",
            caption="../report/bz_pcovr_map.rst",
            category="Benzene crystals",
        ),
        gfre_table=report(
            "results/benzene/gfre.csv", caption="../report/bz_gfre_table.rst", category="Benzene crystals"
        ),
        metrics=report(
            "results/benzene/metrics.csv", caption="../report/bz_metrics.rst", category="Benzene crystals"
        ),
        chemiscope="results/benzene/pcovr_chemiscope.json.gz",
        ellipsoids_chemiscope="results/benzene/pcovr.chemiscope.json.gz",
        rows="results/benzene/summary_rows.json",
    log:
        "logs/benzene_report.log",
    params:
        gfre=PLAN.groups.get("benzene.grid", []),
        regression=PLAN.ids("regression", "benzene"),
        baseline=PLAN.ids("baseline", "benzene"),
        pcovr=PLAN.ids("pcovr", "benzene"),
        output_dir=lambda wildcards, output: os.path.dirname(output.gfre),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline benzene_report --gfre {params.gfre:q} --regression {params.regression:q} "
        "--baseline {params.baseline:q} --pcovr {params.pcovr:q} --output-dir {params.output_dir:q} 2> {log:q}"
