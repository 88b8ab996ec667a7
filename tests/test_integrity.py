"""Artifacts a user can trust: checksums recorded when written, verified before a job reads them;
a verb refuses a job of another step; job ids do not depend on where the project sits."""

import json

import numpy as np
import pytest

from anisoap_pipeline import tracking
from anisoap_pipeline.cli import main
from anisoap_pipeline.plan import Plan, user_file


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tracking.get_project(tmp_path)
    return tmp_path


def finished_job(state_point, **arrays):
    """A job with one .npy artifact per array, recorded."""
    (job,) = tracking.init_jobs([state_point], labels=["toy features n=3"])
    for name, values in arrays.items():
        np.save(job.fn(f"{name}.npy"), values)
    tracking.record(job, metrics={"n": 3})
    return job


def test_record_writes_checksums_that_verify_checks(project):
    job = finished_job({"study": "toy", "step": "featurize", "n": 3}, features=np.arange(3.0))
    recorded = json.loads(open(job.fn("metrics.json")).read())["sha256"]
    assert [entry["file"] for entry in recorded] == ["features.npy"] and recorded == list(map(dict, job.doc["sha256"]))
    tracking.verify(job)  # intact
    with open(job.fn("features.npy"), "r+b") as handle:  # damage the middle, keep the size
        handle.seek(100)
        handle.write(b"\0" * 8)
    with pytest.raises(tracking.ArtifactError, match=r"features\.npy: its bytes are not the ones toy features n=3"):
        tracking.verify(job)


def test_a_missing_artifact_or_record_is_named(project):
    job = finished_job({"study": "toy", "step": "featurize", "n": 4}, features=np.ones(2))
    (project / "workspace" / job.id / "features.npy").unlink()
    with pytest.raises(tracking.ArtifactError, match="features.npy: missing: an artifact of toy features"):
        tracking.verify(job)
    (unfinished,) = tracking.init_jobs([{"study": "toy", "step": "featurize", "n": 5}])
    with pytest.raises(tracking.ArtifactError, match="has not finished"):
        tracking.verify(unfinished)


def test_check_verb_reports_every_damaged_job(project, capsys):
    good = finished_job({"study": "toy", "step": "featurize", "n": 6}, features=np.ones(2))
    bad = finished_job({"study": "toy", "step": "featurize", "n": 7}, features=np.ones(2))
    np.save(bad.fn("features.npy"), np.zeros(2))
    with pytest.raises(SystemExit) as exit_status:
        main(["check"])
    assert exit_status.value.code == 1
    err = capsys.readouterr().err
    assert bad.fn("features.npy") in err and good.fn("features.npy") not in err
    assert "1 of 2 finished jobs verified" in err
    main(["check", good.id])


def test_a_step_reads_only_verified_parents(project, capsys):
    """A ridge job whose features were damaged stops before fitting, naming the file."""
    p = Plan("toy")
    data = p.add("dimers", "n=2", n_dimers=2, seed=0)
    features = p.add("featurize", "l=1", dataset=data, max_angular=1, cutoff=3.0)
    ridge = p.add("ridge", "target=energy", features=features, target="energy", n_splits=1, seed=0,
                  test_fraction=0.5, cv_folds=2, alphas={"log10_min": 0, "log10_max": 1, "num": 2})
    jobs = tracking.init_jobs([job.state_point for job in p.jobs.values()],
                              parents=[job.parents for job in p.jobs.values()])
    np.save(jobs[1].fn("features.npy"), np.ones((2, 2)))
    (jobs[0].path and open(jobs[0].fn("frames.xyz"), "w").write(""))
    tracking.record(jobs[0])
    tracking.record(jobs[1])
    np.save(jobs[1].fn("features.npy"), np.zeros((2, 2)))
    with pytest.raises(SystemExit):
        main(["ridge", ridge])
    assert f"{jobs[1].fn('features.npy')}: its bytes are not the ones" in capsys.readouterr().err
    assert not (project / "workspace" / ridge / "metrics.json").exists()


def test_a_verb_refuses_a_job_of_another_step(project, capsys):
    (curve,) = tracking.init_jobs([{"study": "toy", "step": "learning_curve", "n": 1}])
    curve.doc["metrics"] = {"kept": True}
    with pytest.raises(SystemExit):
        main(["ridge", curve.id])
    assert f"job {curve.id} is a learning_curve job, not a ridge job" in capsys.readouterr().err
    assert curve.doc["metrics"] == {"kept": True}


def test_user_files_enter_state_points_relative_to_the_project(tmp_path):
    for checkout in ("a", "b/c"):
        assert user_file("../shared/data/x.xyz", tmp_path / checkout) == "../shared/data/x.xyz"
        assert user_file(str(tmp_path / checkout / "my.xyz"), tmp_path / checkout) == "my.xyz"


def test_renaming_a_sweep_changes_no_job_id():
    from anisoap_pipeline import studies
    from anisoap_pipeline.config import ROOT, load_config

    config = load_config(ROOT / "config/test.yaml", overrides={"only": ["sweep"]})
    renamed = load_config(ROOT / "config/test.yaml", overrides={"only": ["sweep"]})
    sweeps = renamed["studies"]["sweep"]["sweeps"]
    sweeps["renamed"] = sweeps.pop("gay_berne_dimers")
    before, after = studies.plan(config), studies.plan(renamed)
    assert set(before.jobs) == set(after.jobs)
    assert {report.name for report in after.reports} >= {"renamed"}
