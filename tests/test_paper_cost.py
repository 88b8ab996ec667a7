"""The paper-scale cost model's bookkeeping (benchmarks/paper_cost.py): scheduling and item counts, not speeds."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("paper_cost", ROOT / "benchmarks" / "paper_cost.py")
paper_cost = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(paper_cost)

#: a -> (b, c) -> d: CPU s, threads, parents
DIAMOND = {"a": (2.0, 1, ()), "b": (4.0, 2, ("a",)), "c": (3.0, 1, ("a",)), "d": (1.0, 1, ("b", "c"))}


@pytest.mark.parametrize("nodes, cores, makespan", [
    (1, 1, 10.0),  # serial: the sum
    (1, 2, 8.0),   # c (3 s on one core) first; b needs both cores, so waits for c
    (2, 2, 6.0),   # the critical path a, c, d (b takes 4 s / 2 cores on the other node)
    (1, 4, 6.0),
])
def test_schedule_diamond(nodes, cores, makespan):
    span, finish = paper_cost.schedule(DIAMOND, nodes, cores)
    assert span == pytest.approx(makespan)
    assert finish["d"] == pytest.approx(makespan)
    assert finish["a"] == pytest.approx(2.0 if cores == 1 else 2.0)


def test_schedule_independent_jobs_fill_every_core():
    jobs = {str(i): (1.0, 1, ()) for i in range(64)}
    assert paper_cost.schedule(jobs, 1, 2)[0] == pytest.approx(32.0)
    assert paper_cost.schedule(jobs, 10, 32)[0] == pytest.approx(1.0)
    # a 32-thread job on 2-core nodes runs on 2 cores: 64 s / 2
    assert paper_cost.schedule({"x": (64.0, 32, ())}, 3, 2)[0] == pytest.approx(32.0)


def test_schedule_errors():
    with pytest.raises(ValueError, match="parent z is not a job"):
        paper_cost.schedule({"a": (1.0, 1, ("z",))}, 1, 1)
    with pytest.raises(ValueError, match="cycle"):
        paper_cost.schedule({"a": (1.0, 1, ("b",)), "b": (1.0, 1, ("a",))}, 1, 1)


def test_items_follow_the_data_set():
    from anisoap_pipeline import studies

    config = paper_cost.load_config("test.yaml")
    plan = studies.plan(config, basedir=str(ROOT))
    gb = config["studies"]["gay_berne"]
    (featurize,) = [job for job in plan.of_step("featurize") if job.study == "gay_berne"]
    assert paper_cost.items(featurize, plan) == gb["dataset"]["n_dimers"]
    (curve, *_) = plan.of_step("learning_curve")
    assert paper_cost.items(curve, plan) == sum(gb["learning_curve"]["train_sizes"]) * gb["learning_curve"]["folds"]
    bz = config["studies"]["benzene"]["dataset"]
    copies = 1 + sum(bz["augment"].values())
    (label,) = plan.of_step("label")
    assert paper_cost.items(label, plan) == bz["n_crystals"] * copies
    shards = plan.of_step("label_shard")
    assert sum(paper_cost.items(shard, plan) for shard in shards) == bz["n_crystals"] * copies
    costs = {"overhead": 1.0, "per_item": {"label": 2.0}}
    table = paper_cost.job_costs(plan, costs)
    cpu, threads, parents = table[shards[0].id]
    assert cpu == 1.0 + 2.0 * paper_cost.items(shards[0], plan)
    assert parents == shards[0].parents["crystals"]
    assert table[label.id][0] == 1.0  # the gather: the process start only
    # copies that clash are dropped: the model counts the measured crystals per original
    assert paper_cost.items(label, plan, per_original=1.75) == round(bz["n_crystals"] * 1.75)
    table = paper_cost.job_costs(plan, {**costs, "crystals_per_original": 1.75})
    assert table[shards[0].id][0] == 1.0 + 2.0 * paper_cost.items(shards[0], plan, per_original=1.75)


def test_cost_keys_name_the_data_set_behind_its_shards():
    from anisoap_pipeline import studies

    config = paper_cost.load_config("test.yaml")
    plan = studies.plan(config, basedir=str(ROOT))
    keys = {(job.study, paper_cost.cost_key(job, plan)) for job in plan.of_step("featurize")}
    data = {"gay_berne": "dimers", "liquid_crystals": "lc", "benzene": "benzene"}
    assert keys and all(key.rsplit("/", 1)[-1] == data[study] for study, key in keys)
    cutoffs = {key.split("/")[-2] for study, key in keys if study == "liquid_crystals"}
    assert cutoffs == {f"c{float(c)}" for c in config["studies"]["liquid_crystals"]["cutoff"]}  # one key per cutoff
