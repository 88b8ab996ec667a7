"""The Snakemake + signac workflow end to end, on config/test.yaml, in a temporary copy.

The workflow (Snakefile, config/, workflow/) is copied into a temporary
directory and run there with the interpreter's own environment, so nothing
outside the temporary directory is read or written.
"""

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from anisoap_pipeline import studies, summary, tracking
from anisoap_pipeline.config import load_config
from anisoap_pipeline.studies.gay_berne.summary import gay_berne_rows

ROOT = Path(__file__).resolve().parents[1]
#: The test config is run from a path with a space and a ";" (every shell value is quoted).
CONFIG = "my configs; touch INJECTED; x/test run.yaml"
FINAL_OUTPUTS = [
    "results/gay_berne/parity.png",
    "results/gay_berne/learning_curve.png",
    "results/gay_berne/metrics.csv",
    "results/gay_berne/force_parity.png",
    "results/gay_berne/force_learning_curve.png",
    "results/gay_berne/summary_rows.json",
    "results/gay_berne/parity.chemiscope.json.gz",
    "results/liquid_crystals/pca.png",
    "results/liquid_crystals/gfre.png",
    "results/liquid_crystals/pca_mixed.png",
    "results/liquid_crystals/gfre_mixed.png",
    "results/liquid_crystals/gfre_cutoffs.png",
    "results/liquid_crystals/gfre.csv",
    "results/liquid_crystals/summary_rows.json",
    "results/liquid_crystals/pca.chemiscope.json.gz",
    "results/benzene/gfre.png",
    "results/benzene/parity.png",
    "results/benzene/learning_curve.png",
    "results/benzene/baselining.png",
    "results/benzene/pcovr_map.png",
    "results/benzene/gfre.csv",
    "results/benzene/metrics.csv",
    "results/benzene/pcovr_chemiscope.json.gz",
    "results/benzene/summary_rows.json",
    "results/benzene/pcovr.chemiscope.json.gz",
    "results/sweep/gay_berne_dimers/pareto.png",
    "results/sweep/gay_berne_dimers/pareto.csv",
    "results/sweep/gay_berne_dimers/best_per_budget.csv",
    "results/sweep/gay_berne_dimers/learning_curves.png",
    "results/sweep/gay_berne_dimers/summary_rows.json",
    "results/potentials/parity.png",
    "results/potentials/learning_curve.png",
    "results/potentials/metrics.csv",
    "results/potentials/md.png",
    "results/potentials/md.csv",
    "results/potentials/summary_rows.json",
    "results/summary.md",
]
JOB_ID = re.compile(r"\b[0-9a-f]{32}\b")


def snakemake(workdir, *args, check=True):
    """Run snakemake in ``workdir`` with this interpreter's environment on PATH."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("SNAKEMAKE_PROFILE", None)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args], cwd=workdir, env=env,
        capture_output=True, text=True, timeout=1800, check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def job_counts(output):
    """rule -> count from snakemake's "Job stats" table (empty if nothing to do)."""
    counts, inside = {}, False
    for line in output.splitlines():
        if line.startswith("Job stats:"):
            inside, counts = True, {}
            continue
        if inside:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                if parts[0] == "total":
                    inside = False
                else:
                    counts[parts[0]] = int(parts[1])
    return counts


def plan_of(config_file, workdir):
    """The plan Snakemake builds from config/config.yaml and ``config_file`` (merged, validated)."""
    return studies.plan(load_config(workdir / config_file), basedir=str(workdir))


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory):
    """A fresh copy of the workflow, with config/test.yaml also at :data:`CONFIG`."""
    workdir = tmp_path_factory.mktemp("workflow")
    shutil.copy(ROOT / "Snakefile", workdir)
    shutil.copytree(ROOT / "config", workdir / "config")
    shutil.copytree(ROOT / "workflow", workdir / "workflow")
    (workdir / CONFIG).parent.mkdir()
    shutil.copy(ROOT / "config/test.yaml", workdir / CONFIG)
    return workdir


@pytest.mark.slow
def test_invalid_config_fails_before_any_job(workflow_copy):
    result = snakemake(workflow_copy, "--dry-run", "--configfile", "config/test.yaml", "--config",
                       'studies={"gay_berne": {"features": {"max_angulr": 4}}}', check=False)
    assert result.returncode != 0
    assert "max_angulr" in result.stdout + result.stderr
    assert not (workflow_copy / "workspace").exists()


@pytest.mark.slow
def test_semantic_config_error_fails_before_any_job_naming_the_key(workflow_copy):
    (workflow_copy / "h_min.yaml").write_text("studies:\n  gay_berne:\n    dataset:\n      h_min: 2.0\n")
    result = snakemake(workflow_copy, "--dry-run", "--configfile", "config/test.yaml", "h_min.yaml", check=False)
    assert result.returncode != 0
    assert "studies.gay_berne.dataset.h_min: 2.0 must be below h_max" in result.stdout + result.stderr
    assert not (workflow_copy / "workspace").exists()


@pytest.mark.slow
def test_one_study_alone(workflow_copy):
    dry = snakemake(workflow_copy, "--dry-run", "--configfile", "config/test.yaml", "--config",
                    "only=[gay_berne]")
    assert job_counts(dry.stdout + dry.stderr) == {
        "dimers_shard": 2, "dimers": 1, "featurize": 1, "ridge": 4, "learning_curve": 3, "force_fit": 1,
        "gay_berne_report": 1, "summary": 1, "all": 1,
    }


@pytest.mark.slow
def test_end_to_end_resumes_and_reruns_only_dependents(workflow_copy):
    test_config = ("--configfile", CONFIG)
    plan = plan_of(CONFIG, workflow_copy)
    (gb_features,) = plan.ids("featurize", "gay_berne")
    # an interrupted run: only the first two steps finished
    partial = snakemake(workflow_copy, "--cores", "2", *test_config, "--", f"workspace/{gb_features}/features.npy")
    assert job_counts(partial.stdout + partial.stderr) == {"dimers_shard": 2, "dimers": 1, "featurize": 1}

    # re-running finishes the DAG without redoing them
    # (every enabled study runs; the Gay-Berne jobs are checked exactly)
    run = snakemake(workflow_copy, "--cores", "2", *test_config)
    counts = job_counts(run.stdout + run.stderr)
    assert counts.get("dimers", 0) == len(plan.ids("dimers")) - 1  # the sweep study's dimers remain
    assert counts.get("dimers_shard", 0) == len(plan.ids("dimers_shard")) - 2
    # every shard of the sharded datasets ran once, and one gather each
    assert {step: counts.get(step, 0) for step in ("crystals_shard", "label_shard", "configurations_shard",
                                                   "crystals", "label", "configurations")} == {
        "crystals_shard": 2, "label_shard": 2, "configurations_shard": 4, "crystals": 1, "label": 1,
        "configurations": 2}
    assert counts["featurize"] == len(plan.ids("featurize")) - 1
    assert {rule: counts[rule] for rule in ("ridge", "learning_curve", "force_fit", "gay_berne_report")} == {
        "ridge": 4, "learning_curve": 3, "force_fit": 1, "gay_berne_report": 1,  # 3 targets + U < 0
    }
    assert counts["summary"] == 1 and counts["all"] == 1
    assert not (workflow_copy / "INJECTED").exists()  # the config path was quoted
    # Snakemake's output and the logs say what each job is, in words
    assert "gay_berne ridge target=energy" in run.stdout + run.stderr
    log = (workflow_copy / "logs/featurize" / f"{gb_features}.log").read_text()
    assert plan.jobs[gb_features].label in log

    for name in FINAL_OUTPUTS:
        assert (workflow_copy / name).stat().st_size > 0, name
    # the chemiscope files: one structure per configuration, test dimer and crystal, shapes on every atom
    configurations = plan.of_step("configurations", "liquid_crystals")[0]  # the main data set
    ridge_job = plan.ids("ridge", "gay_berne")[0]
    (crystals,) = plan.ids("crystals", "benzene")
    expected = {
        "results/liquid_crystals/pca.chemiscope.json.gz":
            configurations.state_point["n_nematic"] + configurations.state_point["n_smectic"],
        "results/gay_berne/parity.chemiscope.json.gz":
            len(np.load(workflow_copy / "workspace" / ridge_job / "predictions.npz")["test"]),
        "results/benzene/pcovr.chemiscope.json.gz":
            tracking.read_metrics(tracking.open_job(crystals, path=workflow_copy))["n_crystals"],
    }
    for name, n_structures in expected.items():
        with gzip.open(workflow_copy / name, "rt") as stream:
            data = json.load(stream)
        assert len(data["structures"]) == n_structures, name
        (shape,) = data["shapes"].values()
        assert len(shape["parameters"]["atom"]) == sum(s["size"] for s in data["structures"]), name
    text = (workflow_copy / "results/summary.md").read_text()
    assert len([line for line in text.splitlines() if line.startswith("| gay_berne")]) == 5 + 3  # + U < 0, force fit
    assert "test run.yaml" in text  # the config file named in the summary
    paper_table = text.split("\n## ")[0]  # then the sections beyond the paper (their own columns)
    rows = [line for line in paper_table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows
    for line in rows:  # every study's rows
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]  # not \|
        assert re.search(r"\d", cells[3]), line  # ours holds numbers
        assert JOB_ID.search(cells[4]), line  # the state point that produced it
        assert cells[5] in summary.VERDICTS, line
    assert not re.search(r"\b(nan|None|TODO|TBD|placeholder)\b", text, re.IGNORECASE)

    # every state point is a signac job with its document
    jobs = tracking.find(study="gay_berne", path=workflow_copy)
    steps = sorted(job.sp["step"] for job in jobs)
    assert steps == ["dimers"] + ["dimers_shard"] * 2 + ["featurize", "force_fit"] + ["learning_curve"] * 3 + [
        "ridge"] * 4  # + U < 0
    for job in jobs:
        doc = job.doc()
        assert {"metrics", "wall_time", "versions", "git_revision"} <= set(doc)
        assert (Path(job.path) / "metrics.json").is_file()
        assert not [p for p in Path(job.path).iterdir() if p.name.startswith(".")]  # no temporaries
    ridge = {job.sp["target"]: job for job in jobs if job.sp["step"] == "ridge" and "target_below" not in job.sp}
    assert ridge["h12_pw"].doc["metrics"]["test"]["r2"] > 0.9
    # the readable tree: results/jobs/<study>/<step>/<parameters> -> workspace/<job id>
    for job in plan.jobs.values():
        link = workflow_copy / "results/jobs" / job.view_path
        assert link.resolve() == (workflow_copy / "workspace" / job.id).resolve(), job.label

    # nothing left to do
    idle = snakemake(workflow_copy, "--dry-run", *test_config)
    assert job_counts(idle.stdout + idle.stderr) == {}
    assert "Nothing to be done" in idle.stdout + idle.stderr

    # delete one intermediate: every job's artifacts are targets, so the next run
    # makes it again, with the same bytes, and exactly the jobs that depend on it
    (features,) = [job for job in jobs if job.sp["step"] == "featurize"]
    deleted = Path(features.path) / "features.npy"
    written, summary_text = deleted.read_bytes(), (workflow_copy / "results/summary.md").read_text()
    deleted.unlink()
    dependents = {"featurize": 1, "ridge": 4, "learning_curve": 3, "force_fit": 1, "gay_berne_report": 1,
                  "summary": 1, "all": 1}  # force_fit reads the featurisation's gradients
    dry = snakemake(workflow_copy, "--dry-run", *test_config)
    assert job_counts(dry.stdout + dry.stderr) == dependents
    rerun = snakemake(workflow_copy, "--cores", "2", *test_config)
    assert job_counts(rerun.stdout + rerun.stderr) == dependents
    assert "gay_berne dimers" not in rerun.stdout + rerun.stderr
    assert deleted.read_bytes() == written

    def rows(text):  # the summary's table rows without their revision column
        return [line.rsplit("|", 2)[0] for line in text.splitlines() if line.startswith("| ")]

    assert rows((workflow_copy / "results/summary.md").read_text()) == rows(summary_text)

    # damage it: the run that would read it stops, naming the file, and changes no number
    with open(deleted, "r+b") as handle:
        handle.seek(len(written) // 2)
        handle.write(b"\0" * 64)
    damaged = snakemake(workflow_copy, "--cores", "2", "--show-failed-logs", *test_config, check=False)
    assert damaged.returncode != 0
    assert f"{deleted}: its bytes are not the ones" in damaged.stdout + damaged.stderr
    assert rows((workflow_copy / "results/summary.md").read_text()) == rows(summary_text)


@pytest.mark.slow
def test_failing_job_names_its_state_point(tmp_path):
    for name in ("Snakefile", "config", "workflow"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    # crystals from a file that holds none: the first job fails
    (tmp_path / "bad.xyz").write_text("not a crystal\n")
    (tmp_path / "bad.yaml").write_text(
        "studies:\n  benzene:\n    dataset:\n      source: file\n      filename: bad.xyz\n")
    result = snakemake(tmp_path, "--cores", "1", "--show-failed-logs", "results/benzene/gfre.png",
                       "--configfile", "config/test.yaml", "bad.yaml", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    (dataset,) = tracking.find(step="crystals", path=tmp_path)
    assert f"job {dataset.id} failed" in output
    assert "bad.xyz" in output and "state point" in output
    assert not (Path(dataset.path) / "crystals.xyz").exists()


@pytest.mark.slow
def test_lint_and_slurm_dry_run(workflow_copy):
    lint = snakemake(workflow_copy, "--lint", check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Lints for" not in lint.stdout + lint.stderr
    pytest.importorskip("snakemake_executor_plugin_slurm")
    dry = snakemake(workflow_copy, "--dry-run", "--profile", "workflow/profiles/slurm",
                    "--configfile", "config/paper.yaml")
    assert re.search(r"srun -n 4 anisoap-pipeline featurize [0-9a-f]{32} --no-progress", dry.stdout + dry.stderr)


def test_summary_rows_and_table():
    from anisoap_pipeline.analysis.splits import summarise

    def model(job, r2s, rmse, **extra):  # a ridge job's statistics over splits
        tests = [{"rmse": rmse, "mae": rmse, "r2": r2, "n": 200} for r2 in r2s]
        return {"job": job * 32, "metrics": tests[0], "splits": summarise([{"test": t} for t in tests]), **extra}

    wall = summarise([{"attractive": {"rmse": 0.1, "n": 190}, "repulsive": {"rmse": 1.0, "n": 10}}] * 3)
    models = {"h12_pw": model("a", [0.998, 0.999, 0.997], 0.01),
              "energy": model("b", [0.95, 0.96, 0.97], 0.2, splits_subsets=wall)}
    curves = {"energy": {"job": "c" * 32, "train_sizes": [100, 1000, 2000],
                         "splits": summarise([{"test_rmse_mean": [1.0, 0.52, 0.5]}] * 3)}}
    rows = gay_berne_rows(models, curves, n_dimers=2000)
    assert [row["reproduces"] for row in rows] == ["yes", "yes", "yes"]
    assert "± " in rows[0]["ours"] and "over 3 splits" in rows[0]["ours"]
    # a spread that reaches below the threshold is not "yes"
    shaky = {"h12_pw": model("a", [0.999, 0.9, 0.999], 0.01)}
    assert gay_berne_rows(shaky, {}, 2000)[0]["reproduces"] == "qualitative"
    small = {"energy": {**curves["energy"], "train_sizes": [10, 40],
                        "splits": summarise([{"test_rmse_mean": [1.0, 0.9]}])}}
    assert gay_berne_rows({}, small, 60)[0]["reproduces"] == "n/a"
    text = summary.render(rows)
    assert text.count("| gay_berne |") == 3 and "`" + "a" * 32 + "`" in text
    assert "Criteria:" in text
    with pytest.raises(ValueError):
        summary.row("s", "q", "p", "o", "j", "maybe")
    with pytest.raises(ValueError):
        summary.fmt(float("nan"))


def test_summary_files_merge(tmp_path):
    rows = [summary.row("gay_berne", "q", "p", "1.0", "d" * 32, "yes")]
    summary.write_rows(tmp_path / "a.json", rows)
    summary.write_rows(tmp_path / "b.json", [{**rows[0], "study": "benzene"}])
    merged = summary.write_summary([tmp_path / "a.json", tmp_path / "b.json"], tmp_path / "s.md")
    assert [row["study"] for row in merged] == ["gay_berne", "benzene"]
    assert json.loads((tmp_path / "a.json").read_text()) == rows
    assert "| benzene | q |" in (tmp_path / "s.md").read_text()


def test_summary_flags_rows_of_older_revisions():
    rows = [summary.row("gay_berne", "q", "p", "1.0", "d" * 32, "yes"),
            summary.row("benzene", "q", "p", "2.0", ["e" * 32, "f" * 32], "no")]
    revisions = {"d" * 32: ("1" * 40, False), "e" * 32: ("1" * 40, False), "f" * 32: ("2" * 40, True)}
    text = summary.render(rows, revisions=revisions, current="1" * 40)
    gb, bz = [line for line in text.splitlines() if line.startswith(("| gay_berne", "| benzene"))]
    assert gb.endswith("| `1111111` |")
    assert bz.endswith("| `1111111`, `2222222`+ (older) |")
    assert "1 row(s) were computed at an older code revision" in text
    assert "older" not in summary.render(rows, revisions=revisions)  # no current revision: no flags
