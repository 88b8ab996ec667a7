"""The sweep study: Pareto fronts and budgets against brute force, targets, plan, and a user file end to end."""

import copy
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from ase import Atoms
from ase.io import write

from anisoap_pipeline import studies, summary, tracking
from anisoap_pipeline.anisoap.names import KIND_OF_CORRELATION_ORDER
from anisoap_pipeline.frames import read_frames
from anisoap_pipeline.plan import ConfigError
from anisoap_pipeline.studies.sweep.analysis import (
    best_per_budget,
    default_budgets,
    frame_targets,
    pareto_front,
    timed_features,
)
from anisoap_pipeline.studies.sweep.summary import sweep_rows

from .test_studies import ROOT, load
from .test_workflow import job_counts, snakemake


def brute_force_front(cost, error):
    """Definition: i is on the front iff no j is <= in both and < in one (finite points only)."""
    n = len(cost)
    finite = np.isfinite(cost) & np.isfinite(error)
    return np.array([finite[i] and not any(
        finite[j] and cost[j] <= cost[i] and error[j] <= error[i] and (cost[j] < cost[i] or error[j] < error[i])
        for j in range(n)) for i in range(n)])


@pytest.mark.parametrize("seed", range(20))
def test_pareto_front_is_the_brute_force_definition(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    cost = rng.integers(0, 6, n).astype(float)  # small integers: many ties in either coordinate
    error = rng.integers(0, 6, n).astype(float)
    if seed % 3 == 0:
        error[rng.integers(0, n)] = np.nan
    np.testing.assert_array_equal(pareto_front(cost, error), brute_force_front(cost, error))


def test_pareto_front_edge_cases():
    assert pareto_front([1.0, 1.0], [2.0, 2.0]).tolist() == [True, True]  # identical points
    assert pareto_front([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]).all()  # a trade-off everywhere
    assert pareto_front([1.0, 2.0], [1.0, 1.0]).tolist() == [True, False]
    assert pareto_front([], []).tolist() == []
    with pytest.raises(ValueError):
        pareto_front([1.0], [1.0, 2.0])


def test_best_per_budget_and_default_budgets():
    rng = np.random.default_rng(1)
    cost, error = rng.uniform(1, 10, 25), rng.uniform(0, 1, 25)
    budgets = [0.5, 2.0, 5.0, 11.0]
    for budget, chosen in zip(budgets, best_per_budget(cost, error, budgets)):
        fits = [i for i in range(25) if cost[i] <= budget]
        assert chosen == (min(fits, key=lambda i: error[i]) if fits else None)
    assert default_budgets([3.0, 1.0, 5.0]) == [1.0, 2.0, 4.0, 5.0]
    assert default_budgets([2.0]) == [2.0]
    # the best point within a budget is always on the front
    front = pareto_front(cost, error)
    assert all(front[i] for i in best_per_budget(cost, error, default_budgets(cost)) if i is not None)


def ellipsoid_frames(n_frames=30, seed=0):
    """Random ellipsoid frames as a user writes them with plain ASE, with an energy of their geometry."""
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_frames):
        n = int(rng.integers(2, 5))
        positions = rng.uniform(0.0, 5.0, size=(n, 3))
        quaternions = Rotation.random(n, random_state=seed + k).as_quat(scalar_first=True)
        atoms = Atoms("H" * n, positions=positions)
        atoms.arrays["c_q"] = quaternions
        for i, diameter in enumerate((1.0, 1.5, 3.0), 1):
            atoms.arrays[f"c_diameter{i}"] = np.full(n, diameter)
        distances = np.linalg.norm(positions[:, None] - positions[None], axis=-1)[np.triu_indices(n, 1)]
        atoms.info["energy"] = float(np.exp(-distances).sum() + 0.1 * np.abs(quaternions[:, 3]).sum())
        atoms.info["phase"] = "liquid"
        frames.append(atoms)
    return frames


def test_frame_targets_read_energy_through_ase_and_name_bad_frames(tmp_path):
    path = tmp_path / "mine.xyz"
    made = ellipsoid_frames(5)
    write(path, made, format="extxyz")
    frames = read_frames(path)
    energies = np.array([atoms.info["energy"] for atoms in made])
    targets = frame_targets(frames, ["energy"], source=str(path))
    np.testing.assert_allclose(targets["energy"], energies, rtol=1e-14)
    per = frame_targets(frames, ["energy"], per_particle=True)["energy"]
    np.testing.assert_allclose(per, energies / [len(atoms) for atoms in made], rtol=1e-14)
    with pytest.raises(ValueError, match=r"mine.xyz: frame 0 has no target 'S'"):
        frame_targets(frames, ["S"], source=str(path))
    with pytest.raises(ValueError, match="frame 0: target 'phase' = 'liquid' is not one number"):
        frame_targets(frames, ["phase"])


class _Job:
    """What a step handler reads of a signac job: its state point and its folder."""

    def __init__(self, sp, folder):
        self._sp, self._folder = sp, folder

    def sp(self):
        return self._sp

    def fn(self, name):
        return str(self._folder / name)


@pytest.mark.parametrize("start, stride, spoiled", [(2, 2, 6), (3, 1, 4), (0, 3, 9)])
def test_target_errors_name_the_frame_as_numbered_in_the_users_file(tmp_path, monkeypatch, start, stride, spoiled):
    """The number counts from the file's first frame, not from the start/stride selection."""
    from anisoap_pipeline.studies.sweep.steps import sweep_point

    made = ellipsoid_frames(12)
    del made[spoiled].info["energy"]
    write(tmp_path / "mine.xyz", made, format="extxyz")
    monkeypatch.chdir(tmp_path)
    sp = {"frames": "mine.xyz", "start": start, "stop": None, "stride": stride, "targets": ["energy"],
          "per_particle": False}
    with pytest.raises(ValueError, match=rf"^mine.xyz: frame {spoiled} has no target 'energy'"):
        sweep_point(_Job(sp, tmp_path), None)


def test_a_user_file_with_copied_frames_is_refused_naming_them(tmp_path, monkeypatch):
    """Each test frame's twin would sit in training (test RMSE 0.028 against 0.17 on distinct frames)."""
    from anisoap_pipeline.studies.sweep.steps import sweep_point

    made = ellipsoid_frames(10)
    made = made + [made[7].copy(), made[2].copy(), made[7].copy()]
    write(tmp_path / "mine.xyz", made, format="extxyz")
    monkeypatch.chdir(tmp_path)
    sp = {"frames": "mine.xyz", "start": 1, "stop": None, "stride": 1, "targets": ["energy"], "per_particle": False}
    with pytest.raises(ValueError, match=r"^mine.xyz: 3 of the 12 selected frames are exact copies of others .*"
                                         r"frames 2 = 11; 7 = 10 = 12\. .*remove the copies"):
        sweep_point(_Job(sp, tmp_path), None)
    assert not list(tmp_path.glob("features.npy"))


def test_timed_features_are_the_features_and_count_centres():
    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

    frames = ellipsoid_frames(4)
    calculator = EllipsoidalDensityProjection(max_angular=2, cutoff=5.0, max_radial=1, radial_gaussian_width=2.0)
    X, cost = timed_features(calculator, frames, "power_spectrum", repeats=2)
    np.testing.assert_array_equal(X, calculator.compute(frames, kind="power_spectrum"))
    assert cost["n_centres"] == sum(len(atoms) for atoms in frames) and cost["threads"] == 1
    assert len(cost["cpu_s_repeats"]) == 2 and cost["cpu_s"] == min(cost["cpu_s_repeats"])
    assert cost["us_per_frame"] == pytest.approx(cost["us_per_centre"] * cost["n_centres"] / 4)


# --------------------------------------------------------------------------- the plan


def sweep_plan(config, basedir=ROOT):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # an absent ../shared skips the benzene sweep
        return studies.study_plan("sweep").plan(config["studies"]["sweep"], basedir=str(basedir))


@pytest.fixture
def config():
    return load(studies={"sweep": {"only": ["gay_berne_dimers"]}})


def steps(plan):
    counts = {}
    for job in plan.jobs.values():
        counts[job.step] = counts.get(job.step, 0) + 1
    return counts


def test_default_plan_counts_and_parents():
    config = load("config.yaml", studies={"sweep": {"only": ["gay_berne_dimers"]}})
    plan = sweep_plan(config)
    # nu = 1 (max_radial 2, 4; no l axis) + nu = 2, 3 x l_max {2, 4} x n_max {2, 4}
    assert steps(plan) == {"dimers_shard": 1, "dimers": 1, "sweep_point": 2 + 2 * 4, "sweep_front": 1}
    (dimers,) = plan.ids("dimers")
    (report,) = plan.reports
    assert (report.verb, report.name, report.directory) == ("sweep_report", "gay_berne_dimers",
                                                            "results/sweep/gay_berne_dimers")
    (front,) = report.groups["front"]
    assert plan.ids("sweep_front") == [front]
    points = plan.of_step("sweep_point")
    assert all(job.parents == {"dataset": (dimers,)} for job in points)
    assert set(plan.jobs[front].parents["points"]) == {job.id for job in points}
    assert {job.state_point["kind"] for job in points} == set(KIND_OF_CORRELATION_ORDER.values())
    assert all(job.state_point["max_angular"] == 0 for job in points if job.state_point["kind"] == "radial_spectrum")
    # one split for all: the ridge protocol is the same at every point
    assert len({(job.state_point["seed"], job.state_point["test_fraction"]) for job in points}) == 1
    assert plan.targets == [f"results/sweep/gay_berne_dimers/{name}" for name in
                            ("pareto.png", "pareto.csv", "best_per_budget.csv", "learning_curves.png",
                             "summary_rows.json")]
    assert plan.summary_rows == ["results/sweep/gay_berne_dimers/summary_rows.json"]


def test_one_grid_list_changes_exactly_the_expected_ids(config):
    before = sweep_plan(config)
    changed = copy.deepcopy(config)
    changed["studies"]["sweep"]["sweeps"]["gay_berne_dimers"]["features"]["max_radial"] = [1, 2]
    after = sweep_plan(changed)
    new, gone = set(after.jobs) - set(before.jobs), set(before.jobs) - set(after.jobs)
    # test.yaml: nu in {2, 3} x l_max in {1, 2} x n_max 1 -> 4 points; adding n_max = 2 adds 4, and a new front
    assert {after.jobs[job].step for job in new} == {"sweep_point", "sweep_front"}
    assert len([job for job in new if after.jobs[job].step == "sweep_point"]) == 4
    assert gone == set(before.ids("sweep_front"))
    assert {after.jobs[job].state_point["max_radial"] for job in new if after.jobs[job].step == "sweep_point"} == {2}

    # the ridge seed: every point and the front, not the dataset
    changed = copy.deepcopy(config)
    changed["studies"]["sweep"]["sweeps"]["gay_berne_dimers"]["ridge"]["seed"] = 1
    moved = {before.jobs[job].step for job in set(before.jobs) - set(sweep_plan(changed).jobs)}
    assert moved == {"sweep_point", "sweep_front"}

    # learning-curve settings and budgets: the front only
    changed = copy.deepcopy(config)
    changed["studies"]["sweep"]["sweeps"]["gay_berne_dimers"]["learning_curve"]["folds"] = 4
    changed["studies"]["sweep"]["sweeps"]["gay_berne_dimers"]["budgets"] = [100.0]
    assert set(before.jobs) - set(sweep_plan(changed).jobs) == set(before.ids("sweep_front"))

    # the dataset: everything
    changed = copy.deepcopy(config)
    changed["studies"]["sweep"]["sweeps"]["gay_berne_dimers"]["dataset"]["gay_berne"]["seed"] = 1
    assert not set(before.jobs) & set(sweep_plan(changed).jobs)


def test_user_file_is_an_input_and_its_content_in_the_job_ids(tmp_path, config):
    write(tmp_path / "mine.xyz", ellipsoid_frames(5), format="extxyz")
    config["studies"]["sweep"]["sweeps"]["mine"] = copy.deepcopy(config["studies"]["sweep"]["sweeps"][
        "gay_berne_dimers"])
    config["studies"]["sweep"]["sweeps"]["mine"]["dataset"].update(source="file", filename="mine.xyz")
    config["studies"]["sweep"]["only"] = ["mine"]
    plan = sweep_plan(config, tmp_path)
    points = plan.of_step("sweep_point")
    assert len(points) == 4 and steps(plan) == {"sweep_point": 4, "sweep_front": 1}
    for job in points:
        # named relative to the project (basedir): job ids do not depend on where the checkout sits
        assert job.files == ("mine.xyz",) and job.state_point["frames"] == "mine.xyz" and not job.parents
        assert plan.inputs(job.id, tracking.artifacts) == {"files": ["mine.xyz"]}
    write(tmp_path / "mine.xyz", ellipsoid_frames(6), format="extxyz")
    assert not set(sweep_plan(config, tmp_path).jobs) & set(plan.jobs)


def test_benzene_crystals_are_coarse_grained_by_the_benzene_steps(shared_dir):
    config = load("config.yaml", studies={"sweep": {"only": ["benzene_pbe_ts"]}})
    plan = sweep_plan(config)
    assert steps(plan) == {"crystals": 1, "coarse_grain": 1, "sweep_point": 10, "sweep_front": 1}
    (crystals,) = plan.of_step("crystals")
    assert crystals.files == (os.path.relpath(shared_dir / "data/benzene_pbe_ts/benzene_pbe_ts_val.xyz", ROOT),)
    (coarse,) = plan.ids("coarse_grain")
    assert all(job.parents == {"dataset": (coarse,)} and job.state_point["per_particle"]
               for job in plan.of_step("sweep_point"))


def test_absent_files_skip_optional_sweeps_and_stop_the_others(tmp_path, config):
    sweeps = config["studies"]["sweep"]["sweeps"]
    config["studies"]["sweep"]["only"] = ["benzene_pbe_ts"]
    with pytest.warns(UserWarning, match="sweep 'benzene_pbe_ts' skipped"):
        plan = studies.study_plan("sweep").plan(config["studies"]["sweep"], basedir=str(tmp_path))
    assert not plan.jobs and not plan.targets and not plan.reports
    sweeps["benzene_pbe_ts"]["dataset"]["optional"] = False
    with pytest.raises(ConfigError) as error:
        studies.study_plan("sweep").plan(config["studies"]["sweep"], basedir=str(tmp_path))
    assert error.value.key == "studies.sweep.sweeps.benzene_pbe_ts.dataset.filename"


@pytest.mark.parametrize("change, key", [
    ({"only": ["nope"]}, "studies.sweep.only"),
    ({"sweeps": {"gay_berne_dimers": {"dataset": {"gay_berne": {"h_min": 2.0}}}}},
     "studies.sweep.sweeps.gay_berne_dimers.dataset.gay_berne.h_min"),
    ({"sweeps": {"gay_berne_dimers": {"learning_curve": {"train_sizes": [2]}}}},
     "studies.sweep.sweeps.gay_berne_dimers.learning_curve.train_sizes"),
    ({"sweeps": {"mine": {"dataset": {"source": "file"}}}, "only": ["mine"]}, "studies.sweep.sweeps.mine.dataset.filename"),
])
def test_semantic_errors_name_the_key(change, key):
    config = load(studies={"sweep": change})
    with pytest.raises(ConfigError) as error:
        sweep_plan(config)
    assert error.value.key == key


@pytest.mark.parametrize("features, key, value", [
    ({"max_radial": [2, 60]}, "max_radial", "60 is refused by the featuriser"),
    ({"radial_gaussian_width": [3.0, 1e-9]}, "radial_gaussian_width", "1e-09 is refused by the featuriser"),
    ({"cutoff": [7.0, 1e5]}, "cutoff", "100000 is refused by the featuriser"),
    ({"max_radial": 60}, "radial_gaussian_width", "max_radial=60"),
])
def test_grid_values_the_featuriser_refuses_stop_the_plan_naming_sweep_key_and_value(features, key, value):
    """These passed the schema and failed inside a sweep_point job; now one line at plan time."""
    config = load(studies={"sweep": {"sweeps": {"gay_berne_dimers": {"features": features}}}})
    with pytest.raises(ConfigError) as error:
        sweep_plan(config)
    assert error.value.key == f"studies.sweep.sweeps.gay_berne_dimers.features.{key}"
    assert value in str(error.value) and "\n" not in str(error.value)


# --------------------------------------------------------------------------- summary


def test_findings_are_a_section_of_their_own():
    front = {
        "points": [{"job": "a" * 32, "correlation_order": b, "max_angular": 2, "max_radial": 2,
                    "radial_gaussian_width": 3.0, "cutoff": 7.0, "kflop_per_centre": c, "n_features": f}
                   for b, c, f in ((1, 10.0, 3), (2, 20.0, 27), (3, 30.0, 74))],
        "targets": {"energy": {"rmse": [1.0, 0.5, 0.4], "curves": {}}},
    }
    rows = sweep_rows("demo", front, "f" * 32)
    assert [row["quantity"][:40] for row in rows][:2] == [
        "does ν = 2 improve demo energy over ν = ", "does ν = 3 improve demo energy over ν = "]
    assert rows[0]["ours"].startswith("yes") and rows[1]["ours"].startswith("yes")
    assert rows[2]["ours"].startswith("the most accurate point itself, ν=3")  # 0.5 is not within 10 % of 0.4
    paper = summary.row("gay_berne", "q", "p", "1.0", "d" * 32, "yes")
    text = summary.render([paper, *rows])
    main, beyond = text.split("## Beyond the paper")
    assert "| gay_berne | q |" in main and "does ν" not in main
    assert "| study | question | answer | state point | revision |" in beyond
    assert beyond.count("| sweep |") == len(rows)


@pytest.mark.slow
def test_front_does_not_read_measured_times(tmp_path, monkeypatch, config):
    """front.json (fronts, budgets, curves) is the same bytes when every point's measured time changes."""
    import json

    from anisoap_pipeline.cli import main

    write(tmp_path / "mine.xyz", ellipsoid_frames(30), format="extxyz")
    mine = config["studies"]["sweep"]["sweeps"]["mine"] = copy.deepcopy(
        config["studies"]["sweep"]["sweeps"]["gay_berne_dimers"])
    mine["dataset"].update(source="file", filename="mine.xyz")
    mine["targets"] = ["energy"]
    mine["features"].update(correlation_order=[1, 2, 3], max_angular=1, max_radial=1, cutoff=5.0,
                            radial_gaussian_width=2.0)
    mine["ridge"].update(cv_folds=3, alphas={"log10_min": -4, "log10_max": 2, "num": 3})
    mine["learning_curve"].update(train_sizes=[5], folds=3)
    config["studies"]["sweep"]["only"] = ["mine"]
    plan = sweep_plan(config, tmp_path)
    monkeypatch.chdir(tmp_path)
    jobs = tracking.init_jobs([job.state_point for job in plan.jobs.values()],
                              parents=[job.parents for job in plan.jobs.values()])
    assert {job.id for job in jobs} == set(plan.jobs)
    points = [job.id for job in plan.of_step("sweep_point")]
    (front,) = plan.ids("sweep_front")
    for job in points:
        main(["sweep_point", job])
    main(["sweep_front", front])
    before = Path(tracking.open_job(front).fn("front.json")).read_bytes()
    assert b"us_per" not in before
    for k, job_id in enumerate(points):  # other machines: every point 1.5**k times slower
        job = tracking.open_job(job_id)
        path = Path(job.fn(tracking.METRICS_FILE))
        record = json.loads(path.read_text())
        for key in ("cpu_s", "us_per_centre", "us_per_frame"):
            record["metrics"]["measured"][key] *= 1.5 ** (len(points) - k)
        path.write_text(json.dumps(record))
        job.doc["metrics"] = record["metrics"]
    main(["sweep_front", front])
    assert Path(tracking.open_job(front).fn("front.json")).read_bytes() == before


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_a_user_file_end_to_end(tmp_path):
    """A user's extxyz of ellipsoids with an energy, in a copy of config/sweep_example.yaml."""
    for name in ("Snakefile", "config", "workflow"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    write(tmp_path / "my_ellipsoids.xyz", ellipsoid_frames(30), format="extxyz")
    mine = yaml.safe_load((ROOT / "config/sweep_example.yaml").read_text())
    sweep = mine["studies"]["sweep"]["sweeps"]["my_data"]
    assert sweep["dataset"]["filename"] == "my_ellipsoids.xyz"
    sweep["dataset"]["per_particle"] = True
    sweep["features"].update(correlation_order=[2, 3], max_angular=1, max_radial=1, cutoff=5.0, radial_gaussian_width=2.0)
    sweep["ridge"].update(cv_folds=3, alphas={"log10_min": -4, "log10_max": 2, "num": 3})
    sweep["learning_curve"].update(train_sizes=[5], folds=3)
    (tmp_path / "my_sweep.yaml").write_text(yaml.safe_dump(mine, allow_unicode=True))

    run = snakemake(tmp_path, "--cores", "2", "--configfile", "my_sweep.yaml")
    assert job_counts(run.stdout + run.stderr) == {"sweep_point": 2, "sweep_front": 1, "sweep_report_my_data": 1,
                                                   "summary": 1, "all": 1}
    assert mine["results"] == "results/my_sweep"  # its own folder: the default run's results/ stay as they are
    out = tmp_path / "results/my_sweep/sweep/my_data"
    for name in ("pareto.png", "pareto.csv", "best_per_budget.csv", "learning_curves.png"):
        assert (out / name).stat().st_size > 0, name
    table = (out / "pareto.csv").read_text().splitlines()
    assert len(table) == 1 + 2 and table[0].startswith("target,job,correlation_order")
    points = tracking.find(step="sweep_point", path=tmp_path)
    assert sorted(job.sp["kind"] for job in points) == ["bispectrum", "power_spectrum"]
    for job in points:
        metrics = tracking.read_metrics(job)
        assert metrics["measured"]["us_per_centre"] > 0 and metrics["measured"]["threads"] == 1
        assert metrics["cost"]["kflop_per_centre"] > 0 and metrics["cost"]["flop"] > 0
        assert job.doc["metrics"]["measured"] == metrics["measured"]  # the measured time: in the job document
        assert set(metrics["targets"]) == {"energy"}
        data = np.load(Path(job.path) / "predictions.npz")
        frames = read_frames(tmp_path / "my_ellipsoids.xyz")
        np.testing.assert_allclose(data["y_energy"], [a.info["energy"] / len(a) for a in frames], rtol=1e-14)
    assert not (tmp_path / "results/summary.md").exists()
    text = (tmp_path / "results/my_sweep/summary.md").read_text()
    assert "## Beyond the paper" in text and "does ν = 3 improve my_data energy over ν = 2" in text
    assert "kflop/centre" in text and "µs" not in text  # the counted cost, never a measured time
    # the same sweep again: nothing to do; an edited file: every point reruns
    assert job_counts(snakemake(tmp_path, "--dry-run", "--configfile", "my_sweep.yaml").stdout) == {}
    write(tmp_path / "my_ellipsoids.xyz", ellipsoid_frames(31), format="extxyz")
    dry = snakemake(tmp_path, "--dry-run", "--configfile", "my_sweep.yaml")
    assert job_counts(dry.stdout + dry.stderr)["sweep_point"] == 2


def test_grid_axes_are_the_schema_grid(config):
    """Every grid axis of the plan is a key of the schema's grid (and nothing else but the flag)."""
    from anisoap_pipeline.studies.sweep.plan import GRID_AXES

    grid = config["studies"]["sweep"]["sweeps"]["gay_berne_dimers"]["features"]
    assert set(grid) == set(GRID_AXES) | {"subtract_center_contribution"}
