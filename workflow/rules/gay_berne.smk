# Gay-Berne dimers (paper Sec. III B, Fig. 3, Fig. S4): the plan is
# anisoap_pipeline/studies/gay_berne.py; featurize, ridge and learning_curve
# are the shared rules (shared.smk).

from anisoap_pipeline.studies.gay_berne import FORCE_TARGETS


rule dimers_shard:
    """Random dimers of one shard, labelled with U, h12_gb and h12_pw (sample_dimers)."""
    output:
        **job_outputs("dimers_shard"),
    log:
        job_log("dimers_shard"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("dimers_shard"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline dimers_shard {wildcards.job:q} 2> {log:q}"


rule dimers:
    """The dimer shards gathered in order."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("dimers"),
    log:
        job_log("dimers"),
    params:
        label=job_label,
        shards=job_shards,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("dimers"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline dimers {wildcards.job:q} --shards {params.shards:q} 2> {log:q}"


rule force_fit:
    """AniSOAP with exact gradients; linear potentials fitted to energies, and to energies + forces + torques."""
    input:
        unpack(job_inputs),
    output:
        **job_outputs("force_fit"),
    log:
        job_log("force_fit"),
    params:
        label=job_label,
    message:
        "{params.label}"
    wildcard_constraints:
        job=job_pattern("force_fit"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline force_fit {wildcards.job:q} 2> {log:q}"


rule gay_berne_report:
    """Parity plots (Fig. 3), learning curves (Fig. S4), metrics table, summary rows, chemiscope parity map."""
    input:
        models=expand("workspace/{job}/predictions.npz", job=PLAN.ids("ridge", "gay_berne")),
        curves=expand("workspace/{job}/learning_curve.json", job=PLAN.ids("learning_curve", "gay_berne")),
        frames=expand("workspace/{job}/frames.xyz", job=PLAN.ids("dimers", "gay_berne")),
        force_fits=expand("workspace/{job}/force_fit.json", job=PLAN.ids("force_fit", "gay_berne")),
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
        **{
            os.path.basename(path)[:-4]: report(path, caption="../report/gay_berne_forces.rst",
                                                category="Gay-Berne dimers")
            for path in FORCE_TARGETS if path in PLAN.targets
        },
        rows="results/gay_berne/summary_rows.json",
        chemiscope="results/gay_berne/parity.chemiscope.json.gz",
    log:
        "logs/gay_berne_report.log",
    params:
        models=PLAN.ids("ridge", "gay_berne"),
        curves=PLAN.ids("learning_curve", "gay_berne"),
        force_fits=PLAN.ids("force_fit", "gay_berne"),
        output_dir=lambda wildcards, output: os.path.dirname(output.parity),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline gay_berne_report --models {params.models:q} --curves {params.curves:q} "
        "--force-fits {params.force_fits:q} --output-dir {params.output_dir:q} 2> {log:q}"
