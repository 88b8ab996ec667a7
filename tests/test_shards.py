"""Sharded generation and labelling: shard ranges, plans, and gathered files bit-identical for any shard size."""

import copy
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from anisoap_pipeline import studies, tracking
from anisoap_pipeline.config import load_config
from anisoap_pipeline.shards import check_items, shard_ranges

ROOT = Path(__file__).resolve().parents[1]


def load(**changes):
    """config/test.yaml merged over config/config.yaml, with changes, validated."""
    return load_config(ROOT / "config/test.yaml", overrides=changes)


def test_shard_ranges_tile_the_items():
    assert shard_ranges(7, 3) == [[0, 3], [3, 6], [6, 7]]
    assert shard_ranges(6, 3) == [[0, 3], [3, 6]]
    assert shard_ranges(2, 5) == [[0, 2]]
    assert shard_ranges(0, 4) == []
    with pytest.raises(ValueError, match="shard_size"):
        shard_ranges(5, 0)
    assert check_items([2, 5], 6) == range(2, 5)
    assert check_items(None, 3) == range(3)
    with pytest.raises(ValueError, match="range\\(6\\)"):
        check_items([4, 7], 6)


def test_plan_has_one_shard_per_range_and_gather_ids_do_not_depend_on_shard_size():
    config = load()
    plan = studies.plan(config, basedir=str(ROOT))
    counts = {step: len(plan.ids(step, study)) for study, step in [
        ("gay_berne", "dimers_shard"), ("liquid_crystals", "configurations_shard"),
        ("benzene", "crystals_shard"), ("benzene", "label_shard")]}
    assert counts == {"dimers_shard": 60 // 30, "configurations_shard": 2 * (12 // 6),
                      "crystals_shard": 8 // 4, "label_shard": 8 // 4}
    (crystals,) = plan.of_step("crystals", "benzene")
    shards = [plan.jobs[shard] for shard in crystals.parents["shards"]]
    assert [shard.state_point["shard"] for shard in shards] == [[0, 4], [4, 8]]
    assert [shard.details.rsplit(" ", 2)[1:] for shard in shards] == [["items", "0-3"], ["items", "4-7"]]
    # one label shard per crystal shard; the gather links the gathered crystals
    (label,) = plan.of_step("label")
    assert [plan.jobs[s].parents["crystals"] for s in label.parents["shards"]] == [(s.id,) for s in shards]
    assert label.parents["crystals"] == (crystals.id,)
    # other shard sizes: other shards, the same gathers and everything downstream
    other = load(studies={"benzene": {"dataset": {"shard_size": 3}}, "gay_berne": {"dataset": {"shard_size": 7}},
                          "liquid_crystals": {"dataset": {"shard_size": 5}}})
    again = studies.plan(other, basedir=str(ROOT))
    changed = {plan.jobs[job].step for job in set(plan.jobs) ^ set(again.jobs) if job in plan.jobs}
    changed |= {again.jobs[job].step for job in set(again.jobs) - set(plan.jobs)}
    assert changed == {"dimers_shard", "configurations_shard", "crystals_shard", "label_shard"}
    assert len(again.ids("crystals_shard")) == 3 and len(again.ids("dimers_shard", "gay_berne")) == 9
    assert len(again.ids("configurations_shard", "liquid_crystals")) == 2 * 3


def _run(plan, steps):
    """Run the plan's jobs of ``steps`` through the command line, in plan (topological) order.

    A gather reads its shards from its job document's ``parents`` (written by :func:`_init`).
    """
    from anisoap_pipeline.cli import main

    for job in plan.jobs.values():
        if job.step in steps:
            main([job.step, job.id])


def _init(plan, *extra):
    """Initialise the plan's jobs (labels and parent links in their documents), and ``extra`` jobs."""
    jobs = [*plan.jobs.values(), *extra]
    return tracking.init_jobs([job.state_point for job in jobs], labels=[job.label for job in jobs],
                              parents=[job.parents for job in jobs])


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _gathered(tmp_path, monkeypatch, name, config, steps):
    """Run ``steps`` of ``config``'s plan in project ``tmp_path/name``; return the plan."""
    folder = tmp_path / name
    folder.mkdir()
    monkeypatch.chdir(folder)
    plan = studies.plan(config, basedir=str(ROOT))
    _init(plan)
    _run(plan, steps)
    return plan


def test_dimers_and_configurations_gather_to_the_unsharded_bytes(tmp_path, monkeypatch):
    """Shard sizes 1 and 3 give the same files, byte for byte, as one call writing every item."""
    from anisoap_pipeline.studies.gay_berne.data import sample_dimers
    from anisoap_pipeline.studies.liquid_crystals.data import generate_dataset
    from anisoap_pipeline.frames import write_frames

    lc = {"n_nematic": 2, "n_smectic": 2, "n_particles": 40, "packing_fraction": 0.12, "method": "rsa"}
    digests = []
    for size in (1, 3):
        config = load(only=["gay_berne", "liquid_crystals"], studies={
            "gay_berne": {"dataset": {"n_dimers": 10, "shard_size": size, "forces": False},
                          "force_fit": {"enabled": False}},  # the step moves forces into info
            "liquid_crystals": {"dataset": {**lc, "shard_size": size}, "augmentation": {"enabled": False}}})
        plan = _gathered(tmp_path, monkeypatch, f"size{size}", config,
                         {"dimers_shard", "dimers", "configurations_shard", "configurations"})
        (dimers,), (frames,) = plan.of_step("dimers"), plan.of_step("configurations")
        assert len(dimers.parents["shards"]) == -(-10 // size) and len(frames.parents["shards"]) == -(-4 // size)
        digests.append([_digest(f"workspace/{job.id}/frames.xyz") for job in (dimers, frames)])
        assert tracking.read_metrics(dimers.id)["n_shards"] == len(dimers.parents["shards"])
    assert digests[0] == digests[1]
    # the same bytes as unsharded generation
    params = {k: v for k, v in dimers.state_point.items() if k not in ("study", "step", "numerics")}
    write_frames(tmp_path / "dimers.xyz", sample_dimers(**params))
    params = {k: v for k, v in frames.state_point.items() if k not in ("study", "step", "numerics")}
    write_frames(tmp_path / "frames.xyz", generate_dataset(params.pop("n_nematic"), params.pop("n_smectic"), **params))
    assert [_digest(tmp_path / "dimers.xyz"), _digest(tmp_path / "frames.xyz")] == digests[0]


@pytest.mark.slow
def test_crystals_and_labels_gather_bit_identically(tmp_path, monkeypatch):
    """PyXtal crystals and their tblite labels: shard sizes 1 and 2, the same bytes; failures keep their index."""
    digests, metrics = [], []
    for size in (1, 2):
        config = load(only=["benzene"], studies={"benzene": {"dataset": {
            "n_crystals": 3, "shard_size": size, "min_plane_spacing": None,
            "augment": {"n_rotated": 1, "n_translated": 0}}}})
        plan = _gathered(tmp_path, monkeypatch, f"size{size}", config,
                         {"crystals_shard", "crystals", "label_shard", "label"})
        (crystals,), (label,) = plan.of_step("crystals"), plan.of_step("label")
        assert len(crystals.parents["shards"]) == len(label.parents["shards"]) == -(-3 // size)
        digests.append([_digest(f"workspace/{crystals.id}/crystals.xyz"), _digest(f"workspace/{label.id}/labels.npz")])
        metrics.append(tracking.read_metrics(label.id))
    assert digests[0] == digests[1]
    assert {key: value for key, value in metrics[0].items() if key != "n_shards"} == {
        key: value for key, value in metrics[1].items() if key != "n_shards"}
    from ase.io import read

    crystals = read(f"workspace/{crystals.id}/crystals.xyz", index=":")
    assert sorted({atoms.info["group"] for atoms in crystals}) == sorted({atoms.info["index"] for atoms in crystals})
    assert metrics[1]["n_crystals"] == len(crystals) and metrics[1]["n_labelled"] + metrics[1]["n_failed"] == len(
        crystals)


def test_label_gather_offsets_failures_and_checks_the_reference(tmp_path):
    """A failure in the second shard is listed by its index among all crystals."""
    from anisoap_pipeline.studies.benzene.calculators import gather_labels, save_labels

    def shard(path, energies, reference=-10.0):
        energies = np.array(energies)
        labels = {"energy": energies, "baselined_energy": energies * 2, "molecule_energy": reference,
                  "repeats": np.ones((len(energies), 3), dtype=np.int64)}
        save_labels(path, labels, [12] * len(energies))
        return path

    first, second = shard(tmp_path / "a.npz", [1.0, 2.0]), shard(tmp_path / "b.npz", [np.nan, 3.0])
    labels = gather_labels(tmp_path / "all.npz", [first, second], [[], [{"index": 0, "error": "SCF"}]])
    assert labels["failed"] == [{"index": 2, "error": "SCF"}]
    with np.load(tmp_path / "all.npz") as data:
        assert data["labelled"].tolist() == [True, True, False, True]
        assert float(data["molecule_energy"]) == -10.0 and data["energy"].shape == (4,)
    whole = shard(tmp_path / "whole.npz", [1.0, 2.0, np.nan, 3.0])
    assert _digest(whole) == _digest(tmp_path / "all.npz")  # as if labelled by one job
    with pytest.raises(ValueError, match="molecule_energy"):
        gather_labels(tmp_path / "bad.npz", [first, shard(tmp_path / "c.npz", [1.0], reference=-9.0)], [[], []])


def test_gather_rejects_shards_of_another_dataset(tmp_path, monkeypatch):
    from anisoap_pipeline.cli import main

    monkeypatch.chdir(tmp_path)
    config = load(only=["gay_berne"], studies={"gay_berne": {"dataset": {"n_dimers": 10, "shard_size": 5}}})
    plan = studies.plan(config, basedir=str(ROOT))
    other = copy.deepcopy(config)
    other["studies"]["gay_berne"]["dataset"]["seed"] = 1
    stranger = studies.plan(other, basedir=str(ROOT)).of_step("dimers_shard")[1]
    _init(plan, stranger)
    _run(plan, {"dimers_shard"})
    main(["dimers_shard", stranger.id])
    (dimers,) = plan.of_step("dimers")
    document = tracking.open_job(dimers.id).doc
    assert document["parents"]["shards"] == list(dimers.parents["shards"])  # the plan's links, written at init
    # the shards come from the job document's parent links: point them elsewhere
    document["parents"] = {"shards": [dimers.parents["shards"][0], stranger.id]}
    with pytest.raises(SystemExit, match="not a dimers_shard job of this dataset"):
        main(["dimers", dimers.id])
    document["parents"] = {"shards": [dimers.parents["shards"][1]]}
    with pytest.raises(SystemExit, match="must tile"):
        main(["dimers", dimers.id])
    assert not Path(f"workspace/{dimers.id}/metrics.json").exists()
    document["parents"] = {"shards": list(dimers.parents["shards"])}
    main(["dimers", dimers.id])
    assert json.loads(Path(f"workspace/{dimers.id}/metrics.json").read_text())["metrics"]["n_dimers"] == 10
