"""The studies' plans: counts, parent links, job ids, semantic config checks (no Snakemake, milliseconds)."""

import copy
import dataclasses
from pathlib import Path

import pytest
import yaml

from anisoap_pipeline import studies, tracking
from anisoap_pipeline.config import load_config
from anisoap_pipeline.plan import ConfigError, Plan
from anisoap_pipeline.steps import registry

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "config/schema.yaml")


def load(name="test.yaml", **changes):
    """A config file merged over config/config.yaml, validated (defaults filled)."""
    return load_config(ROOT / "config" / name, overrides=changes)


@pytest.fixture(scope="module")
def test_config():
    return load()


def steps(plan, study):
    counts = {}
    for job in plan.jobs.values():
        if job.study == study:
            counts[job.step] = counts.get(job.step, 0) + 1
    return counts


def test_each_config_file_writes_its_own_results_folder():
    """A paper-size or sweeps run never replaces the default run's figures, summary, headline values or jobs/ tree."""
    folders = {}
    for path in sorted((ROOT / "config").glob("*.yaml")):
        if path.name in ("schema.yaml", "test.yaml"):  # test.yaml: the CI's run in a copy, results/ as the default
            continue
        files = [ROOT / "config/paper.yaml", path] if path.name == "paper_scaled.yaml" else [path]
        config = load_config(*files)
        folders.setdefault(config["results"], []).append(path.name)
    assert folders == {"results": ["config.yaml"], "results/benzene_pbe_ts": ["benzene_pbe_ts.yaml"],
                       "results/paper": ["paper.yaml"], "results/paper_scaled": ["paper_scaled.yaml"],
                       "results/my_sweep": ["sweep_example.yaml"], "results/sweeps": ["sweeps.yaml"],
                       "results/potentials_full": ["potentials.yaml"]}
    default = studies.plan(load("config.yaml"), basedir=str(ROOT))
    assert default.results == "results" and "results/benzene/gfre.png" in default.targets
    sweeps = studies.plan(load("sweeps.yaml", only=["sweep"]), basedir=str(ROOT))
    assert sweeps.results == "results/sweeps"
    assert sweeps.summary_rows[0] == "results/sweeps/sweep/gay_berne_dimers/summary_rows.json"
    assert not set(sweeps.targets) & set(default.targets)


@pytest.mark.parametrize("folder", ["results/benzene", "results/jobs", "results/sweep"])
def test_a_results_folder_of_the_default_run_is_refused(folder):
    with pytest.raises(ConfigError) as error:
        studies.plan(load(results=folder), basedir=str(ROOT))
    assert error.value.key == "results" and folder in str(error.value)


@pytest.mark.parametrize("folder", ["/tmp/x", "results/../x", "out", "results/a/b", "results/"])
def test_a_results_folder_outside_results_fails_the_schema(folder):
    with pytest.raises(ConfigError) as error:
        load(results=folder)
    assert error.value.key == "results"


def test_counts_of_the_test_config(test_config):
    plan = studies.plan(test_config, basedir=str(ROOT))
    # three targets, plus the energy of the attractive branch alone
    assert steps(plan, "gay_berne") == {"dimers_shard": 2, "dimers": 1, "featurize": 1, "ridge": 4,
                                        "learning_curve": 3, "force_fit": 1}
    (branch,) = [job for job in plan.of_step("ridge") if "target_below" in job.state_point]
    assert branch.state_point["target"] == "energy" and branch.state_point["target_below"] == 0.0
    # both sets at the first cutoff (3.0), the L/D = 3 set alone at the second (2.5)
    assert steps(plan, "liquid_crystals") == {
        "configurations_shard": 4, "configurations": 2, "order_parameters": 3, "featurize": 6,
        "compare_representations": 3}
    assert steps(plan, "benzene") == {
        "crystals_shard": 2, "crystals": 1, "label_shard": 2, "label": 1, "coarse_grain": 1, "soap": 1, "featurize": 2, "gfre": 2,
        "regression": 1, "baseline": 1, "pcovr": 1}
    assert steps(plan, "potentials") == {"gay_berne_md": 2, "potential_fit": 4, "md": 8}
    sweeps = plan.summary_rows[4:]  # the benzene_pbe_ts sweep needs ../shared (tests/test_sweep.py)
    # figures, tables, a chemiscope file; 2 force figures; GFRE against cutoff; each report's summary rows
    assert len(plan.targets) == (4 + 2 + 1) + (7 + 1) + (9 + 1) + (5 + 1) + (4 + 1) * len(sweeps)
    assert set(plan.summary_rows) <= set(plan.targets)
    assert [(report.verb, report.name) for report in plan.reports] == [
        ("gay_berne_report", ""), ("liquid_crystals_report", ""), ("benzene_report", ""), ("potentials_report", ""),
        *(("sweep_report", path.split("/")[2]) for path in sweeps)]
    assert plan.summary_rows[:4] == [f"results/{name}/summary_rows.json"
                                     for name in ("gay_berne", "liquid_crystals", "benzene", "potentials")]
    assert sweeps[0] == "results/sweep/gay_berne_dimers/summary_rows.json"


def test_force_fit_plan(test_config):
    """force_fit: a child of the ridge models' featurisation, which carries the gradients, with their split."""
    plan = studies.plan(test_config, basedir=str(ROOT))
    (fit,) = plan.of_step("force_fit")
    (dimers,) = plan.ids("dimers", "gay_berne")
    (features,) = [job for job in plan.of_step("featurize") if job.study == "gay_berne"]
    ridge = plan.of_step("ridge")[0].state_point
    assert fit.parents == {"features": (features.id,), "dataset": (dimers,)}
    assert fit.state_point["features"] == features.id and "dataset" not in fit.state_point
    assert features.state_point["gradients"] == ["positions", "orientations"]
    assert features.state_point["dataset"] == dimers and plan.jobs[dimers].state_point["forces"] is True
    assert ridge["features"] == features.id  # one featurisation for the ridge models and the force fit
    assert (fit.state_point["test_fraction"], fit.state_point["seed"]) == (ridge["test_fraction"], ridge["seed"])
    changed = copy.deepcopy(test_config)
    changed["studies"]["gay_berne"]["force_fit"]["force_weight"] = 2.0  # default 0.01
    after = studies.plan(changed, basedir=str(ROOT))
    assert {plan.jobs[job].step for job in set(plan.jobs) - set(after.jobs)} == {"force_fit"}
    changed["studies"]["gay_berne"]["force_fit"]["enabled"] = False
    without = studies.plan(changed, basedir=str(ROOT))
    assert not without.ids("force_fit")
    (plain,) = [job for job in without.of_step("featurize") if job.study == "gay_berne"]
    assert "gradients" not in plain.state_point  # no gradients when nothing reads them


def test_liquid_crystal_cutoffs(test_config):
    """Every cutoff analyses the L/D = 3 set (Steinhardt and AniSOAP at that cutoff); the mixed set the first."""
    from anisoap_pipeline.studies.liquid_crystals.plan import plan as liquid_crystals

    plan = studies.plan(test_config, basedir=str(ROOT))
    (report,) = [report for report in plan.reports if report.study == "liquid_crystals"]
    analyses = report.groups["main"]
    main = plan.ids("configurations", "liquid_crystals")[0]
    for analysis, cutoff in zip(analyses, [3.0, 2.5], strict=True):
        sp = plan.jobs[analysis].state_point
        parents = [plan.jobs[job].state_point for key in ("order", "radial_spectrum", "power_spectrum")
                   for job in sp[key]]
        assert {(parent["cutoff"], parent["dataset"]) for parent in parents} == {(cutoff, main)}
    (mixed,) = set(plan.ids("compare_representations", "liquid_crystals")) - set(analyses)
    assert report.groups["mixed"] == (mixed,)
    assert {plan.jobs[job].state_point["cutoff"] for job in plan.jobs[mixed].state_point["order"]} == {3.0}
    assert "gfre_cutoffs.png" in report.outputs
    assert "results/liquid_crystals/gfre_cutoffs.png" in plan.targets
    one = copy.deepcopy(test_config)
    one["studies"]["liquid_crystals"]["cutoff"] = 3.0  # a scalar: one cutoff, the jobs of the first
    single = liquid_crystals(one["studies"]["liquid_crystals"], basedir=str(ROOT))
    assert set(single.ids("compare_representations")) == {analyses[0], mixed}
    (single_report,) = single.reports
    assert single_report.groups == {"main": (analyses[0],), "mixed": (mixed,)}
    assert "gfre_cutoffs.png" not in single_report.outputs


def test_default_and_paper_sizes():
    assert len(studies.plan(load("config.yaml"), basedir=str(ROOT)).ids("gfre")) == 3 * 3 * 2
    paper = studies.plan(load("paper.yaml"), basedir=str(ROOT))
    assert len(paper.ids("gfre")) == 7 * 6 * 6
    assert len(paper.ids("featurize")) == 7 * 6 * 6 + 1 + 4 + 2  # + the L/D = 3 spectra at the second cutoff


def test_parent_links_are_the_state_points_job_ids(test_config):
    plan = studies.plan(test_config, basedir=str(ROOT))
    for job in plan.jobs.values():
        assert job.id == tracking.state_point_id(job.state_point)
        assert job.state_point["numerics"] == registry()[job.step].numerics
        for key, parents in job.parents.items():
            assert all(parent in plan.jobs for parent in parents), (job.label, key)
            if key in job.state_point:
                value = job.state_point[key]
                assert list(parents) == (value if isinstance(value, list) else [value])
    (regression,) = plan.of_step("regression")
    gfre = plan.ids("gfre", "benzene")
    assert set(regression.parents["anisoap_from"]) == set(gfre)  # the GFRE minimum of the grid
    assert {job.threads for job in plan.of_step("label_shard")} == {test_config["studies"]["benzene"]["label_jobs"]}
    assert {job.threads for job in plan.of_step("featurize")} == {1}  # mpi_tasks
    (centres,) = regression.parents["centres_from"]  # the spherical grid point (2, 2, 2)
    assert plan.jobs[plan.jobs[centres].parents["features"][0]].state_point["diameters"] == [2.0, 2.0, 2.0]
    # the features the regression reads through the GFRE jobs are inputs too
    assert set(regression.parents["features"]) == {plan.jobs[job].parents["features"][0] for job in gfre}
    inputs = plan.inputs(regression.id, tracking.artifacts)
    assert f"workspace/{regression.parents['labels'][0]}/labels.npz" in inputs["labels"]
    assert all(path.endswith(("features.npy", "metrics.json")) for path in inputs["features"])


def test_a_config_change_changes_exactly_the_dependent_job_ids(test_config):
    before = studies.plan(test_config, basedir=str(ROOT))
    changed = copy.deepcopy(test_config)
    changed["studies"]["benzene"]["grid"]["radial_gaussian_width"] = [1.5, 3.0]
    after = studies.plan(changed, basedir=str(ROOT))
    kept = set(before.jobs) & set(after.jobs)
    # two new shapes: their features and GFRE jobs, and the regression chain that chooses among them
    new = {after.jobs[job].step for job in set(after.jobs) - kept}
    assert new == {"featurize", "gfre", "regression", "baseline", "pcovr"}
    assert len(set(after.jobs) - kept) == 2 + 2 + 3
    assert set(before.jobs) - kept == set(before.ids("regression") + before.ids("baseline") + before.ids("pcovr"))

    # a Gay-Berne ridge setting changes the ridge models, learning curves and the force fit (same split)
    changed = copy.deepcopy(test_config)
    changed["studies"]["gay_berne"]["ridge"]["seed"] = 1
    after = studies.plan(changed, basedir=str(ROOT))
    moved = {before.jobs[job].step for job in set(before.jobs) - set(after.jobs)}
    assert moved == {"ridge", "learning_curve", "force_fit"}

    # execution settings are not parameters
    changed = copy.deepcopy(test_config)
    changed["studies"]["benzene"]["mpi_tasks"] = 2
    changed["studies"]["benzene"]["label_jobs"] = 1
    assert set(studies.plan(changed, basedir=str(ROOT)).jobs) == set(before.jobs)


def test_numerics_version_changes_the_step_and_its_descendants(test_config, monkeypatch):
    before = studies.plan(test_config, basedir=str(ROOT))
    step = registry()["coarse_grain"]
    monkeypatch.setitem(registry(), "coarse_grain", dataclasses.replace(step, numerics=step.numerics + 1))
    after = studies.plan(test_config, basedir=str(ROOT))
    moved = {before.jobs[job].step for job in set(before.jobs) - set(after.jobs) if before.jobs[job].study == "benzene"}
    assert moved == {"coarse_grain", "featurize", "gfre", "regression", "baseline", "pcovr"}
    # and the benzene_pbe_ts sweep's coarse-grained crystals and grid points, where ../shared exists
    assert {job.study for job in before.jobs.values() if job.id not in after.jobs} <= {"benzene", "sweep"}


def test_only_runs_the_named_studies(test_config):
    config = {**test_config, "only": ["benzene"]}
    assert {job.study for job in studies.plan(config, basedir=str(ROOT)).jobs.values()} == {"benzene"}
    config["studies"] = {**test_config["studies"], "benzene": {**test_config["studies"]["benzene"],
                                                               "enabled": False}}
    with pytest.raises(ConfigError, match="only"):
        studies.plan(config, basedir=str(ROOT))


def test_labels_say_what_a_job_is(test_config):
    plan = studies.plan(test_config, basedir=str(ROOT))
    labels = {job.label for job in plan.jobs.values()}
    assert "benzene featurize diameters=(2,2,0.5) σ_GTO=1.5" in labels
    assert "gay_berne ridge target=energy" in labels
    assert "liquid_crystals compare_representations L/D=3+2 cutoff=3" in labels
    paths = [job.view_path for job in plan.jobs.values()]
    assert len(set(paths)) == len(paths)  # one readable path per job
    assert all("/" not in path.split("/", 2)[2] and " " not in path for path in paths)


def test_user_files_are_inputs_and_part_of_the_job_id(tmp_path, test_config):
    data = tmp_path / "crystals.xyz"
    data.write_text("frames\n")
    config = copy.deepcopy(test_config)
    config["studies"]["benzene"]["dataset"].update(source="file", filename="crystals.xyz")
    config["studies"]["benzene"]["calculator"] = {"name": "file"}
    plan = studies.plan(config, basedir=str(tmp_path))
    (crystals,) = plan.of_step("crystals")
    (labels,) = plan.of_step("label")
    (shard,) = plan.of_step("label_shard")  # a file is read by one crystals job, labelled by one shard
    assert not plan.of_step("crystals_shard") and shard.parents["crystals"] == (crystals.id,)
    # named relative to the project (basedir), so job ids do not depend on where the checkout sits
    assert crystals.files == shard.files == ("crystals.xyz",) and crystals.state_point["filename"] == "crystals.xyz"
    assert plan.inputs(shard.id, tracking.artifacts)["files"] == ["crystals.xyz"]
    assert labels.state_point["calculator"]["filename"] == shard.state_point["calculator"]["filename"] == "crystals.xyz"
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "crystals.xyz").write_text("frames\n")
    assert set(studies.plan(config, basedir=str(moved)).jobs) == set(plan.jobs)
    data.write_text("other frames\n")  # edited: new ids, the whole chain reruns
    again = studies.plan(config, basedir=str(tmp_path))
    assert not set(again.ids("crystals") + again.ids("label")) & set(plan.jobs)


@pytest.mark.parametrize("change, key", [
    ({"gay_berne": {"dataset": {"h_min": 2.0}}}, "studies.gay_berne.dataset.h_min"),
    ({"gay_berne": {"dataset": {"h_min": -5}}}, "studies.gay_berne.dataset.h_min"),
    ({"gay_berne": {"dataset": {"h_min": -0.6}}}, "studies.gay_berne.dataset.h_min"),
    ({"gay_berne": {"dataset": {"h_max": 6.0}}}, "studies.gay_berne.dataset.h_max"),
    ({"gay_berne": {"dataset": {"h_max": None, "h_min": 3.5}}}, "studies.gay_berne.dataset.h_min"),
    ({"gay_berne": {"dataset": {"forces": False}}}, "studies.gay_berne.dataset.forces"),
    ({"benzene": {"dataset": {"volume_factor": [0.9, 0.7]}}}, "studies.benzene.dataset.volume_factor"),
    ({"benzene": {"dataset": {"source": "file"}}}, "studies.benzene.dataset.filename"),
    ({"benzene": {"grid": {"diameter_12": [4.0], "diameter_3": [0.5]}}}, "studies.benzene.ridge.select"),
    ({"benzene": {"calculator": {"name": "file"}}}, "studies.benzene.calculator.filename"),
    ({"liquid_crystals": {"augmentation": {"aspect_ratio": 3.0}}},
     "studies.liquid_crystals.augmentation.aspect_ratio"),
])
def test_semantic_config_errors_name_the_key(change, key):
    config = load(studies=change)
    with pytest.raises(ConfigError) as error:
        studies.plan(config, basedir=str(ROOT))
    assert error.value.key == key and key in str(error.value)


def test_the_default_config_does_not_contradict_the_schema_defaults():
    """config/config.yaml repeats the schema's defaults (with comments); they must agree."""
    from snakemake.utils import validate as fill

    schema = yaml.safe_load(Path(SCHEMA).read_text())
    defaults = {}
    fill(defaults, SCHEMA)  # every default of the schema
    written = yaml.safe_load((ROOT / "config/config.yaml").read_text())

    def compare(ours, theirs, where):
        for key, value in ours.items():
            assert key in theirs, f"{where}.{key}: in config/config.yaml but without a schema default"
            if isinstance(value, dict):
                compare(value, theirs[key], f"{where}.{key}")
            else:
                assert value == theirs[key], f"{where}.{key}: config.yaml {value!r}, schema {theirs[key]!r}"

    compare(written, defaults, "config")
    assert schema["properties"]["studies"]["additionalProperties"] is False


def test_plan_api_refuses_unknown_steps_and_parents():
    plan = Plan("demo")
    with pytest.raises(KeyError, match="not declared"):
        plan.add("no_such_step")
    with pytest.raises(KeyError, match="not jobs of this plan"):
        plan.add("dimers", through={"features": ["0" * 32]})
