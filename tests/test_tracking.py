"""signac tracking: deterministic job ids, recorded documents, failing steps."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from anisoap_pipeline import cli, tracking

SP = {"study": "gay_berne", "step": "dimers_shard", "n_dimers": 12, "seed": 3,
      "semiaxes": [1.0, 1.5, 2.0], "h_min": -0.05, "h_max": 1.5, "cutoff": 7.0, "shard": [0, 12]}


@pytest.fixture
def project_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_state_point_id_is_deterministic_and_lazy(project_dir):
    job_id = tracking.state_point_id(SP)
    assert len(job_id) == 32 and int(job_id, 16) >= 0
    assert tracking.state_point_id(dict(reversed(list(SP.items())))) == job_id  # key order
    assert tracking.state_point_id({**SP, "seed": 4}) != job_id
    assert tracking.state_point_id({**SP, "semiaxes": (1.0, 1.5, 2.0)}) == job_id  # tuple = list
    # the id computed without a project is signac's own
    project = tracking.get_project(project_dir)
    assert tracking.state_point_id(SP, project) == job_id == project.open_job(SP).id
    # and nothing was created for it
    assert not (project_dir / "workspace" / job_id).exists()
    assert len(project) == 0


def test_open_job_needs_an_initialised_job(project_dir):
    job_id = tracking.state_point_id(SP)
    with pytest.raises(LookupError, match="created from the config"):
        tracking.open_job(job_id)
    (job,) = tracking.init_jobs([SP])
    assert job.id == job_id
    assert tracking.open_job(job_id).sp() == SP
    assert (project_dir / "workspace" / job_id / "signac_statepoint.json").is_file()
    tracking.init_jobs([SP])  # idempotent
    assert len(tracking.get_project()) == 1


def test_record_writes_metrics_versions_and_git_revision(project_dir):
    (job,) = tracking.init_jobs([SP])
    tracking.record(job, metrics={"rmse": np.float64(0.5), "sizes": np.arange(3)}, wall_time=1.25)
    doc = tracking.open_job(job.id).doc()
    assert doc["metrics"] == {"rmse": 0.5, "sizes": [0, 1, 2]}
    assert doc["wall_time"] == 1.25
    assert set(tracking.PACKAGES) <= set(doc["versions"])
    assert doc["versions"]["numpy"] == np.__version__
    assert doc["versions"]["anisoap_pipeline"] is not None
    revision = doc["git_revision"]
    source = Path(tracking.__file__).resolve().parents[1]
    if shutil.which("git") and (source / ".git").exists():
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                              text=True, check=False).stdout.strip()
        assert revision == head
        assert isinstance(doc["git_dirty"], bool)
    else:
        assert revision == "unknown"
    # the completion file Snakemake waits for, written last
    written = json.loads(Path(job.fn(tracking.METRICS_FILE)).read_text())
    assert written["metrics"]["rmse"] == 0.5 and written["job"] == job.id
    assert written["state_point"] == SP


def test_find(project_dir):
    jobs = tracking.init_jobs([SP, {**SP, "seed": 4}, {**SP, "study": "other"}])
    assert {job.id for job in tracking.find(study="gay_berne")} == {jobs[0].id, jobs[1].id}
    assert [job.id for job in tracking.find({"seed": 4})] == [jobs[1].id]
    tracking.record(jobs[0], metrics={"r2": 0.99})
    assert [job.id for job in tracking.find({"doc.metrics.r2": {"$gt": 0.9}})] == [jobs[0].id]


def test_failing_step_names_job_and_state_point(project_dir, capsys):
    bad = {**SP, "h_min": 2.0, "h_max": 1.0}  # sample_dimers refuses h_min >= h_max
    (job,) = tracking.init_jobs([bad])
    with pytest.raises(SystemExit) as error:
        cli.main(["dimers_shard", job.id])
    message = str(error.value.code)
    assert job.id in message
    assert '"h_min": 2.0' in message  # the state point
    assert "ValueError" in message and "h_min" in message  # why
    assert not Path(job.fn("frames.xyz")).exists()
    assert not Path(job.fn("metrics.json")).exists()


def test_unknown_job_id_fails_cleanly(project_dir):
    with pytest.raises(SystemExit, match="no signac job"):
        cli.main(["dimers_shard", "0" * 32])


def test_dimers_step_records_its_job(project_dir):
    (job,) = tracking.init_jobs([SP])
    cli.main(["dimers_shard", job.id])
    from anisoap_pipeline.frames import read_frames

    frames = read_frames(job.fn("frames.xyz"))
    assert len(frames) == SP["n_dimers"]
    assert {"energy", "h12_gb", "h12_pw"} <= set(frames[0].info)
    doc = job.doc()
    assert doc["metrics"]["n_dimers"] == SP["n_dimers"]
    assert doc["wall_time"] >= 0


def test_labels_readers_and_the_readable_tree(project_dir):
    other = {**SP, "seed": 4}
    jobs = tracking.init_jobs([SP, other], labels=["gay_berne dimers seed=3", "gay_berne dimers seed=4"])
    assert [job.doc["label"] for job in jobs] == ["gay_berne dimers seed=3", "gay_berne dimers seed=4"]
    tracking.record(jobs[0], metrics={"rmse": 0.5})
    assert tracking.read_metrics(jobs[0].id) == {"rmse": 0.5}
    assert tracking.read_revision(jobs[0])[0] == tracking.git_revision()[0]
    assert tracking.read_revision(jobs[1]) == ("unknown", None)  # not finished
    with pytest.raises(FileNotFoundError):
        tracking.read_metrics(jobs[1])
    assert tracking.artifacts("dimers") == ["frames.xyz", "metrics.json"]
    assert tracking.artifacts("gfre") == ["metrics.json"]

    tree = tracking.link_view({"gay_berne/dimers/seed=3": jobs[0].id, "gay_berne/dimers/seed=4": jobs[1].id})
    assert (tree / "gay_berne/dimers/seed=3/metrics.json").is_file()
    assert (tree / "gay_berne/dimers/seed=3").resolve() == Path(jobs[0].path).resolve()
    tracking.link_view({"gay_berne/dimers/seed=4": jobs[1].id})  # the plan changed: stale links go
    assert not (tree / "gay_berne/dimers/seed=3").exists()
    assert (tree / "gay_berne/dimers/seed=4").is_symlink()


def test_a_step_prints_what_its_job_is(project_dir, capsys):
    (job,) = tracking.init_jobs([SP], labels=["gay_berne dimers n_dimers=12 seed=3"])
    cli.main(["dimers_shard", job.id])
    assert f"anisoap-pipeline dimers_shard: gay_berne dimers n_dimers=12 seed=3 (job {job.id})" in capsys.readouterr().err
