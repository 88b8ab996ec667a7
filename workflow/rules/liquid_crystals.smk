# Liquid crystals: nematic and smectic prolate ellipsoids (paper Sec. III A,
# Figs. 1, 2, S2, S3; issue 5).
#
#   configurations (one dataset per L/D) --lc-generate--> workspace/{job}/frames.xyz
#   order (per dataset)      --lc-order-->    workspace/{job}/order.npz   (X_SOP q_0..q_6, X_OOP S)
#   anisoap (per dataset: radial_spectrum nu=1, power_spectrum nu=2)
#                            --featurize-->   workspace/{job}/features.npy
#   analysis (L/D = 3; mixed L/D = 2 + 3) --lc-analysis--> workspace/{job}/analysis.npz
#   report: results/liquid_crystals/{pca,gfre,pca_mixed,gfre_mixed}.png, gfre.csv, summary_rows.json
#
# Every step is a signac state point; each writes workspace/{job}/metrics.json
# last (tracking.record), the file Snakemake waits for.

LC_STUDY = "liquid_crystals"
LC_RESULTS = "results/liquid_crystals"

if study_enabled(LC_STUDY):
    LC = study_config(LC_STUDY)
    LC_SETS = [LC["dataset"]]
    if LC["augmentation"]["enabled"]:  # L/D = 2 frames: every other key as the main set
        LC_SETS.append({**LC["dataset"], **{
            key: value for key, value in LC["augmentation"].items() if key != "enabled"
        }})
    LC_PARTS = []  # (order, radial spectrum, power spectrum) job ids per data set
    for lc_params in LC_SETS:
        lc_dataset = register(LC_STUDY, "configurations", **lc_params)
        LC_PARTS.append((
            # X_SOP uses the AniSOAP cutoff, as in the paper ("similar cutoff radius")
            register(LC_STUDY, "order", dataset=lc_dataset, cutoff=LC["cutoff"], **LC["steinhardt"]),
            # nu = 1 is the l = 0 channel alone: max_angular = 0 gives the same numbers, cheaper
            # (tests/test_lc_analysis.py checks it); a per-l max_radial list keeps its l = 0 entry
            register(LC_STUDY, "anisoap", dataset=lc_dataset, kind="radial_spectrum",
                     cutoff=LC["cutoff"], **{**LC["features"], "max_angular": 0, "max_radial": (
                         LC["features"]["max_radial"][:1] if isinstance(LC["features"]["max_radial"], list)
                         else LC["features"]["max_radial"])}),
            register(LC_STUDY, "anisoap", dataset=lc_dataset, kind="power_spectrum",
                     cutoff=LC["cutoff"], **LC["features"]),
        ))

    # analyses: the L/D = 3 set alone (Figs. 1, 2) and, with the augmentation, all sets (Figs. S2, S3)
    LC_ANALYSES = [
        register(LC_STUDY, "analysis", order=[part[0] for part in parts],
                 radial_spectrum=[part[1] for part in parts],
                 power_spectrum=[part[2] for part in parts], **LC["analysis"])
        for parts in [LC_PARTS[:1]] + ([LC_PARTS] if len(LC_PARTS) > 1 else [])
    ]
    LC_MAIN, LC_MIXED = (LC_ANALYSES + [None])[:2]
    LC_FIGURES = ["pca", "gfre"] + (["pca_mixed", "gfre_mixed"] if LC_MIXED else [])
    FINAL_TARGETS.extend([f"{LC_RESULTS}/{name}.png" for name in LC_FIGURES])
    FINAL_TARGETS.append(f"{LC_RESULTS}/gfre.csv")
    SUMMARY_ROWS.append(f"{LC_RESULTS}/summary_rows.json")
else:
    LC, LC_MAIN, LC_MIXED, LC_FIGURES = {"mpi_tasks": 1}, None, None, []

#: Figures of the report rule: name -> report(...) output (the mixed set only with augmentation).
LC_REPORT_OUTPUTS = {
    name: report(f"{LC_RESULTS}/{name}.png", caption=f"../report/lc_{name}.rst",
                 category="Liquid crystals")
    for name in LC_FIGURES
}


rule lc_generate:
    """Nematic and smectic frames (Maier–Saupe orientations, RSA without overlaps)."""
    output:
        frames="workspace/{job}/frames.xyz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(LC_STUDY, "generate"),
    wildcard_constraints:
        job=job_pattern(LC_STUDY, "configurations"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline lc-generate {wildcards.job} 2> {log}"


rule lc_order:
    """Distance-weighted Steinhardt q_0..q_6 (X_SOP) and nematic S (X_OOP) per frame."""
    input:
        parent_file("dataset", "frames.xyz"),
    output:
        order="workspace/{job}/order.npz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(LC_STUDY, "order"),
    wildcard_constraints:
        job=job_pattern(LC_STUDY, "order"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline lc-order {wildcards.job} 2> {log}"


rule lc_featurize:
    """AniSOAP radial (nu = 1) or power (nu = 2) spectrum, averaged per frame (MPI over frames)."""
    input:
        parent_file("dataset", "frames.xyz"),
    output:
        features="workspace/{job}/features.npy",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(LC_STUDY, "featurize"),
    wildcard_constraints:
        job=job_pattern(LC_STUDY, "anisoap"),
    threads: LC["mpi_tasks"]
    conda:
        PIPELINE_ENV
    resources:
        mpi="mpiexec",
        tasks=LC["mpi_tasks"],
    shell:
        "{resources.mpi} -n {resources.tasks} anisoap-pipeline featurize --job {wildcards.job} "
        "--no-progress 2> {log}"


rule lc_analysis:
    """PCA maps (Figs. 1, S2) and GFRE matrix (Figs. 2, S3) of one or two data sets."""
    input:
        order=lambda wildcards: [job_file(job, "order.npz") for job in state_point(wildcards.job)["order"]],
        features=lambda wildcards: [
            job_file(job, "features.npy")
            for key in ("radial_spectrum", "power_spectrum")
            for job in state_point(wildcards.job)[key]
        ],
    output:
        analysis="workspace/{job}/analysis.npz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(LC_STUDY, "analysis"),
    wildcard_constraints:
        job=job_pattern(LC_STUDY, "analysis"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline lc-analysis {wildcards.job} 2> {log}"


rule lc_report:
    """Figures 1, 2 (and S2, S3 with the L/D = 2 augmentation), GFRE table, summary rows."""
    input:
        expand("workspace/{job}/analysis.npz", job=[job for job in (LC_MAIN, LC_MIXED) if job]),
    output:
        **LC_REPORT_OUTPUTS,
        table=report(
            f"{LC_RESULTS}/gfre.csv",
            caption="../report/lc_gfre_table.rst",
            category="Liquid crystals",
        ),
        rows=f"{LC_RESULTS}/summary_rows.json",
    log:
        "logs/liquid_crystals/report.log",
    params:
        main=LC_MAIN,
        mixed=f"--mixed {LC_MIXED}" if LC_MIXED else "",
        output_dir=lambda wildcards, output: os.path.dirname(output.rows),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline lc-report --main {params.main} {params.mixed} "
        "--output-dir {params.output_dir} 2> {log}"
