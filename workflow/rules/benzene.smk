# Benzene crystals (paper Sec. III C, Figs. 4-7, S5, S6; issue 6).
#
#   crystals (PyXtal, or frames of a file) --bz-generate-->     workspace/{job}/crystals.xyz
#   labels (tblite / espresso / file)      --bz-label-->        workspace/{job}/labels.npz
#   ellipsoids (one per molecule)          --bz-coarse-grain--> workspace/{job}/frames.xyz
#   soap (all-atom, featomic)              --bz-soap-->         workspace/{job}/features.npy
#   anisoap, one per grid point sigma_1 = sigma_2 x sigma_3 x sigma_GTO
#                                          --featurize-->       workspace/{job}/features.npy
#   gfre, one per grid point               --bz-gfre-->         workspace/{job}/metrics.json
#   ridge (SOAP PCA / molecule centres / AniSOAP, one 90/10 split)
#                                          --bz-regress-->      workspace/{job}/predictions.npz
#   baseline (AniSOAP + SOAP correction)   --bz-baseline-->     workspace/{job}/baseline.npz
#   pcovr (SOAP vs AniSOAP residual)       --bz-pcovr-->        workspace/{job}/chemiscope.json.gz
#   report: results/benzene/{gfre,parity,learning_curve,baselining,pcovr_map}.png,
#           gfre.csv, metrics.csv, pcovr_chemiscope.json.gz, summary_rows.json
#
# The shapes are the c_diameter values given to the featuriser (full diameters,
# as in the authors' own example, 4 4 0.5): the Gaussian widths are half of them.
# Every step is a signac state point; each writes workspace/{job}/metrics.json
# last (tracking.record), the file Snakemake waits for.

BZ_STUDY = "benzene"
BZ_RESULTS = "results/benzene"
#: Diameters written into the coarse-grained file; every featurisation
#: overrides them with its own state point's diameters.
BZ_FILE_DIAMETERS = [4.0, 4.0, 0.5]
#: Config keys of each calculator (anisoap_pipeline.calculators.make_calculator).
BZ_CALCULATOR_SETTINGS = {
    "tblite": ("name", "method"),
    "espresso": ("name", "pseudo_dir", "command", "kpts", "input_data", "pseudopotentials"),
    "file": ("name", "filename", "reference_energy", "tolerance"),
}

if study_enabled(BZ_STUDY):
    BZ = study_config(BZ_STUDY)
    bz_dataset = dict(BZ["dataset"])
    BZ_SOURCE_FILES = []
    if bz_dataset["source"] == "file":
        if "filename" not in bz_dataset:
            raise ValueError("studies.benzene.dataset: source 'file' needs 'filename'")
        # relative to the Snakefile's folder (the repository root)
        bz_dataset["filename"] = os.path.normpath(os.path.join(workflow.basedir, bz_dataset["filename"]))
        BZ_SOURCE_FILES.append(bz_dataset["filename"])
        bz_dataset = {key: bz_dataset[key] for key in ("source", "filename", "start", "stop", "stride") if key in bz_dataset}
    else:
        bz_dataset = {key: value for key, value in bz_dataset.items() if key not in ("filename", "start", "stop", "stride")}
    # only the settings of the chosen calculator (config files merge over config.yaml)
    bz_calculator = {key: value for key, value in BZ["calculator"].items()
                     if key in BZ_CALCULATOR_SETTINGS[BZ["calculator"]["name"]]}
    if bz_calculator.get("filename"):
        bz_calculator["filename"] = os.path.normpath(os.path.join(workflow.basedir, bz_calculator["filename"]))
        BZ_SOURCE_FILES.append(bz_calculator["filename"])
    BZ_CRYSTALS = register(BZ_STUDY, "crystals", **bz_dataset)
    BZ_LABELS = register(BZ_STUDY, "labels", crystals=BZ_CRYSTALS, calculator=bz_calculator)
    BZ_ELLIPSOIDS = register(BZ_STUDY, "ellipsoids", crystals=BZ_CRYSTALS, diameters=BZ_FILE_DIAMETERS)
    BZ_SOAP = register(BZ_STUDY, "soap", crystals=BZ_CRYSTALS, species=[1, 6], **BZ["soap"])

    # one AniSOAP featurisation and one GFRE job per (sigma_12, sigma_3, sigma_GTO)
    bz_shapes = [(p["sigma_12"], p["sigma_3"], p["radial_gaussian_width"]) for p in grid(**BZ["grid"])]
    if BZ["ridge"]["select"] == "fixed":
        bz_fixed = BZ["ridge"]["fixed"]
        bz_extra = [
            (bz_fixed["sigma_12"], bz_fixed["sigma_3"], bz_fixed["radial_gaussian_width"]),
            (bz_fixed["sigma_centres"], bz_fixed["sigma_centres"], bz_fixed["radial_gaussian_width"]),
        ]
    else:
        bz_extra = []
    BZ_POINTS = {}  # (sigma_12, sigma_3, sigma_gto) -> gfre job id
    for bz_shape in bz_shapes + bz_extra:
        bz_features = register(BZ_STUDY, "anisoap", dataset=BZ_ELLIPSOIDS,
                               diameters=[bz_shape[0], bz_shape[0], bz_shape[1]],
                               radial_gaussian_width=bz_shape[2], **BZ["anisoap"])
        BZ_POINTS[bz_shape] = register(BZ_STUDY, "gfre", features=bz_features, soap=BZ_SOAP, **BZ["gfre"])
    BZ_GFRE = [BZ_POINTS[shape] for shape in dict.fromkeys(bz_shapes)]
    bz_ridge = {key: value for key, value in BZ["ridge"].items() if key not in ("select", "fixed")}
    if bz_extra:
        bz_anisoap_from, bz_centres_from = [BZ_POINTS[bz_extra[0]]], [BZ_POINTS[bz_extra[1]]]
    else:
        # "taking the optimized hyperparameters": the lowest GFRE of the grid, and of its spherical points
        bz_anisoap_from = BZ_GFRE
        bz_centres_from = [BZ_POINTS[shape] for shape in dict.fromkeys(bz_shapes) if shape[0] == shape[1]]
        if not bz_centres_from:
            raise ValueError(
                "studies.benzene.ridge.select 'gfre_minimum' needs spherical grid points "
                "(a value in both grid.sigma_12 and grid.sigma_3) for SOAP on the molecule centres"
            )
    BZ_ALL_GFRE = list(dict.fromkeys(BZ_GFRE + bz_anisoap_from + bz_centres_from))
    BZ_RIDGE = register(BZ_STUDY, "ridge", labels=BZ_LABELS, soap=BZ_SOAP, anisoap_from=bz_anisoap_from,
                        centres_from=bz_centres_from, **bz_ridge)
    BZ_BASELINE = register(BZ_STUDY, "baseline", ridge=BZ_RIDGE, **BZ["baseline"])
    BZ_PCOVR = register(BZ_STUDY, "pcovr", baseline=BZ_BASELINE, **BZ["pcovr"])
    FINAL_TARGETS.extend([
        f"{BZ_RESULTS}/{name}.png" for name in ("gfre", "parity", "learning_curve", "baselining", "pcovr_map")
    ] + [f"{BZ_RESULTS}/gfre.csv", f"{BZ_RESULTS}/metrics.csv", f"{BZ_RESULTS}/pcovr_chemiscope.json.gz"])
    SUMMARY_ROWS.append(f"{BZ_RESULTS}/summary_rows.json")
else:
    BZ = {"mpi_tasks": 1, "label_jobs": 1}
    BZ_SOURCE_FILES, BZ_GFRE, BZ_ALL_GFRE = [], [], []
    BZ_RIDGE = BZ_BASELINE = BZ_PCOVR = None


rule bz_generate:
    """Rigid-benzene crystals from PyXtal (augmented), or frames of a file."""
    input:
        BZ_SOURCE_FILES[:1],
    output:
        crystals="workspace/{job}/crystals.xyz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "generate"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "crystals"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-generate {wildcards.job} 2> {log}"


rule bz_label:
    """Baselined per-atom energies (meV/atom), in parallel over crystals, resumable."""
    input:
        parent_file("crystals", "crystals.xyz"),
    output:
        labels="workspace/{job}/labels.npz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "label"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "labels"),
    threads: BZ["label_jobs"]
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-label {wildcards.job} --n-jobs {threads} 2> {log}"


rule bz_coarse_grain:
    """One ellipsoid per molecule (centre of mass, principal axes)."""
    input:
        parent_file("crystals", "crystals.xyz"),
    output:
        frames="workspace/{job}/frames.xyz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "coarse_grain"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "ellipsoids"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-coarse-grain {wildcards.job} 2> {log}"


rule bz_soap:
    """Structure-averaged all-atom SOAP power spectrum (featomic)."""
    input:
        parent_file("crystals", "crystals.xyz"),
    output:
        features="workspace/{job}/features.npy",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "soap"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "soap"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-soap {wildcards.job} 2> {log}"


rule bz_featurize:
    """AniSOAP power spectrum of the ellipsoids at one grid point (MPI over frames)."""
    input:
        parent_file("dataset", "frames.xyz"),
    output:
        features="workspace/{job}/features.npy",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "featurize"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "anisoap"),
    threads: BZ["mpi_tasks"]
    conda:
        PIPELINE_ENV
    resources:
        mpi="mpiexec",
        tasks=BZ["mpi_tasks"],
    shell:
        "{resources.mpi} -n {resources.tasks} anisoap-pipeline featurize --job {wildcards.job} "
        "--no-progress 2> {log}"


rule bz_gfre:
    """GFRE(X_AniSOAP -> X_SOAP) of one grid point."""
    input:
        anisoap=parent_file("features", "features.npy"),
        soap=parent_file("soap", "features.npy"),
    output:
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "gfre"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "gfre"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-gfre {wildcards.job} 2> {log}"


rule bz_regress:
    """Ridge (5-fold CV, one 90/10 split) on SOAP (PCA), molecule-centre SOAP, AniSOAP."""
    input:
        labels=parent_file("labels", "labels.npz"),
        soap=parent_file("soap", "features.npy"),
        # metrics.json and features.npy of every GFRE job the regression chooses from
        gfre=lambda wildcards: [
            job_file(job, "metrics.json")
            for job in state_point(wildcards.job)["anisoap_from"] + state_point(wildcards.job)["centres_from"]
        ],
        features=lambda wildcards: [
            job_file(state_point(job)["features"], "features.npy")
            for job in state_point(wildcards.job)["anisoap_from"] + state_point(wildcards.job)["centres_from"]
        ],
    output:
        predictions="workspace/{job}/predictions.npz",
        curves="workspace/{job}/learning_curves.json",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "regress"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "ridge"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-regress {wildcards.job} 2> {log}"


rule bz_baseline:
    """Ridge on AniSOAP, then ridge on SOAP of its residual."""
    input:
        parent_file("ridge", "predictions.npz"),
    output:
        baseline="workspace/{job}/baseline.npz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "baseline"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "baseline"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-baseline {wildcards.job} 2> {log}"


rule bz_pcovr:
    """PCovR of SOAP against the AniSOAP residual; chemiscope input."""
    input:
        parent_file("baseline", "baseline.npz"),
    output:
        pcovr="workspace/{job}/pcovr.npz",
        chemiscope="workspace/{job}/chemiscope.json.gz",
        metrics="workspace/{job}/metrics.json",
    log:
        log_file(BZ_STUDY, "pcovr"),
    wildcard_constraints:
        job=job_pattern(BZ_STUDY, "pcovr"),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-pcovr {wildcards.job} 2> {log}"


rule bz_report:
    """GFRE contours (Figs. 5, S6), parity (Fig. 6), learning curves (S5), baselining (Fig. 7), PCovR map."""
    input:
        gfre=expand("workspace/{job}/metrics.json", job=BZ_ALL_GFRE),
        ridge=expand("workspace/{job}/learning_curves.json", job=[BZ_RIDGE] if BZ_RIDGE else []),
        baseline=expand("workspace/{job}/baseline.npz", job=[BZ_BASELINE] if BZ_BASELINE else []),
        pcovr=expand("workspace/{job}/chemiscope.json.gz", job=[BZ_PCOVR] if BZ_PCOVR else []),
    output:
        gfre=report(f"{BZ_RESULTS}/gfre.png", caption="../report/bz_gfre.rst", category="Benzene crystals"),
        parity=report(f"{BZ_RESULTS}/parity.png", caption="../report/bz_parity.rst", category="Benzene crystals"),
        learning_curve=report(
            f"{BZ_RESULTS}/learning_curve.png",
            caption="../report/bz_learning_curve.rst",
            category="Benzene crystals",
        ),
        baselining=report(
            f"{BZ_RESULTS}/baselining.png",
            caption="../report/bz_baselining.rst",
            category="Benzene crystals",
        ),
        pcovr_map=report(
            f"{BZ_RESULTS}/pcovr_map.png",
            caption="../report/bz_pcovr_map.rst",
            category="Benzene crystals",
        ),
        gfre_table=report(f"{BZ_RESULTS}/gfre.csv", caption="../report/bz_gfre_table.rst", category="Benzene crystals"),
        metrics=report(f"{BZ_RESULTS}/metrics.csv", caption="../report/bz_metrics.rst", category="Benzene crystals"),
        chemiscope=f"{BZ_RESULTS}/pcovr_chemiscope.json.gz",
        rows=f"{BZ_RESULTS}/summary_rows.json",
    log:
        "logs/benzene/report.log",
    params:
        gfre=BZ_GFRE,
        ridge=BZ_RIDGE,
        baseline=BZ_BASELINE,
        pcovr=BZ_PCOVR,
        output_dir=lambda wildcards, output: os.path.dirname(output.gfre),
    threads: 1
    conda:
        PIPELINE_ENV
    shell:
        "anisoap-pipeline bz-report --gfre {params.gfre} --ridge {params.ridge} --baseline {params.baseline} "
        "--pcovr {params.pcovr} --output-dir {params.output_dir} 2> {log}"
