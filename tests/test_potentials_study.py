"""The learned-potentials study's plan (in milliseconds, without running anything)."""

import copy

import pytest

from anisoap_pipeline.config import ROOT, load_config
from anisoap_pipeline.plan import ConfigError
from anisoap_pipeline.studies.potentials.plan import plan, validate


@pytest.fixture(scope="module")
def default():
    return load_config()["studies"]["potentials"]


def test_default_plan(default):
    p = plan(default)
    steps = [job.step for job in p.jobs.values()]
    n_models, n_splits = len(default["models"]), default["fit"]["n_splits"]
    n_points = len(default["dataset"]["state_points"]) + len(default["dataset"]["held_out"])
    assert steps.count("gay_berne_md") == n_points * len(default["dataset"]["seeds"])
    assert steps.count("potential_fit") == n_models * n_splits
    # every state point (training and held out) and ensemble: the learned run and the exact one
    assert steps.count("md") == n_points * len(default["md"]["ensembles"]) * 2
    (report,) = p.reports
    assert {f"fits_{name}" for name in default["models"]} <= set(report.groups)
    assert report.files[-1] == "results/potentials/summary_rows.json"


def test_fits_read_training_frames_and_predict_held_out_ones(default):
    p = plan(default)
    md = {job.id: job for job in p.of_step("gay_berne_md")}
    for job in p.of_step("potential_fit"):
        training = [md[i].state_point["density"] for i in job.parents["frames"]]
        held_out = [md[i].state_point["density"] for i in job.parents["held_out"]]
        assert sorted(training) == sorted(s["density"] for s in default["dataset"]["state_points"])
        assert held_out == [s["density"] for s in default["dataset"]["held_out"]]


def test_md_pairs_share_start_and_ensemble(default):
    p = plan(default)
    fits = set(p.ids("potential_fit"))
    pairs = {}
    for job in p.of_step("md"):
        sp = job.state_point
        pairs.setdefault((sp["start"], sp["ensemble"]), []).append(sp["potential"])
    for potentials in pairs.values():
        assert len(potentials) == 2 and None in potentials
        (learned,) = [item for item in potentials if item is not None]
        assert learned in fits


def test_a_model_keeps_its_own_features(default):
    p = plan(default)
    by_order = {job.state_point["correlation_order"]: job.state_point["features"]
                for job in p.of_step("potential_fit") if job.state_point["model"] == "linear"}
    assert by_order[3]["max_angular"] == default["models"]["linear_nu3"]["features"]["max_angular"]
    assert by_order[2]["max_angular"] == default["features"]["max_angular"]
    assert by_order[3]["diameters"] == default["features"]["diameters"]


@pytest.mark.parametrize(("change", "key"), [
    (lambda c: c["models"].__setitem__("k", {"model": "kernel", "correlation_order": 2}), "models.k"),
    (lambda c: c["md"].__setitem__("potential", "missing"), "md.potential"),
    (lambda c: c["dataset"]["held_out"].append(dict(c["dataset"]["state_points"][0])), "dataset.held_out"),
    (lambda c: c["fit"].__setitem__("train_sizes", [4, 1000]), "fit.train_sizes"),
])
def test_invalid_settings_name_the_key(default, change, key):
    config = copy.deepcopy(default)
    change(config)
    with pytest.raises(ConfigError, match=f"studies.potentials.{key}"):
        validate(config)


def test_full_and_ci_configs_plan():
    for name in ("config/potentials.yaml", "config/test.yaml"):
        config = load_config(ROOT / name)
        assert plan(config["studies"]["potentials"]).of_step("potential_fit")
