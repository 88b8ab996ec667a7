"""The workflow on a real Slurm, against a local run of the same config.

config/test.yaml is run twice in scratch copies of the workflow: locally
(``snakemake``, reading profiles/default) and through the Slurm profile
(``snakemake --workflow-profile ...``): every step a Slurm job submitted with
sbatch, each featurisation one job of 2 MPI tasks whose ranks ``srun``
starts. Every artifact of the Slurm run must equal the local run's: the same
signac jobs, the same feature arrays, predictions, labels and metrics, the same
tables and summary.

The cluster is a one-node Slurm on this machine, started by
tests/cluster/start-slurm (as root; it installs Debian's slurm-wlm and munge if
missing); where that cannot run, the test is skipped with the script's reason.
Runs only when asked for explicitly, with ``ANISOAP_CLUSTER_TEST=1 python -m
pytest -m cluster`` (.ci/run does so when it can start Slurm): the marker alone
does not protect it, since any ``-m`` given on the command line replaces the
default ``-m 'not cluster'``; without the variable it is skipped before Slurm is
touched (tests/conftest.py, and again in the fixture that starts it). Minutes on
an idle 2-core machine, 35 min under load (tests/cluster/README.md).
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
import yaml

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
START_SLURM = ROOT / "tests" / "cluster" / "start-slurm"
CANNOT_RUN = 77  # start-slurm's exit status when Slurm cannot run on this machine
RANKS = 2  # MPI tasks of each featurisation job
TIMEOUT = 3600  # seconds per snakemake run
#: what this accounting-less test cluster needs on top of the profile
SLURM_OPTIONS = ("--slurm-status-command", "squeue",  # no sacct without slurmdbd
                 "--slurm-init-seconds-before-status-checks", "2",  # short jobs
                 "--slurm-keep-successful-logs")
#: metrics that legitimately differ between the runs
RUN_DEPENDENT = {"wall_time", "mpi_ranks"}


@pytest.fixture(scope="module")
def slurm_node():
    """(CPUs, memory in MB) of the smallest node of a running Slurm, started if need be."""
    # the last guard before packages are installed and daemons started as root
    if os.environ.get("ANISOAP_CLUSTER_TEST") != "1":
        pytest.skip("starts Slurm daemons as root: set ANISOAP_CLUSTER_TEST=1 to run it")
    pytest.importorskip("snakemake_executor_plugin_slurm")
    started = subprocess.run([str(START_SLURM)], capture_output=True, text=True, timeout=900)
    if started.returncode == CANNOT_RUN:
        pytest.skip(started.stderr.strip())
    assert started.returncode == 0, f"start-slurm failed:\n{started.stdout}\n{started.stderr}"
    nodes = subprocess.run(["sinfo", "--noheader", "--Node", "--format", "%c %m"],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    cpus, memory = min(tuple(int(value) for value in line.split()) for line in nodes if line)
    assert cpus >= RANKS, f"a node with {cpus} CPU(s) cannot hold {RANKS} MPI tasks"
    return cpus, memory


def workflow_copy(directory):
    """A scratch copy of the workflow with its profiles."""
    directory.mkdir()
    for name in ("Snakefile", "config", "workflow", "profiles"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, directory / name)
    return directory


def node_profile(directory, cpus, memory):
    """workflow/profiles/slurm with its requests cut to one node of ``cpus`` and ``memory``.

    The profile's numbers are for the paper's sizes on a real cluster; this
    cluster is one small node, so each rule's threads and memory are capped at
    the node's and each featurisation (a rule with an `mpi` launcher) asks for
    RANKS tasks. A rule's memory comes from its step's (or report's) record, sized for the
    paper (anisoap_pipeline.steps): where that is more than the node's, the profile caps it.
    Everything else (executor, srun launcher, retries, latency, ...) is the profile as written.
    """
    from anisoap_pipeline.steps import registry, reports

    profile = yaml.safe_load((ROOT / "workflow/profiles/slurm/config.yaml").read_text())
    for record in [*registry().values(), *reports().values()]:
        if record.mem_mb > memory:
            profile["set-resources"].setdefault(record.name, {})["mem_mb"] = memory
    for rule, threads in profile.get("set-threads", {}).items():
        profile["set-threads"][rule] = min(threads, cpus)
    for resources in [profile["default-resources"], *profile["set-resources"].values()]:
        if isinstance(resources.get("mem_mb"), int):
            resources["mem_mb"] = min(resources["mem_mb"], memory)
        if "mpi" in resources:  # an MPI featurisation: RANKS tasks (the plugin refuses 1)
            resources["tasks"] = RANKS
    featurize = [rule for rule, resources in profile["set-resources"].items() if "mpi" in resources]
    assert featurize and all(profile["set-resources"][rule]["mpi"] == "srun" for rule in featurize)
    directory.mkdir()
    (directory / "config.yaml").write_text(yaml.safe_dump(profile))
    return directory


def snakemake(workdir, *args):
    """Run snakemake in ``workdir`` with this interpreter's environment; its output."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("SNAKEMAKE_PROFILE", None)
    result = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, env=env,
                            capture_output=True, text=True, timeout=TIMEOUT, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"snakemake {' '.join(args)} failed in {workdir}:\n{output}"
    return output


def job_documents(workdir):
    """signac job id -> job document of every job of a run."""
    return {path.parent.name: json.loads(path.read_text())
            for path in (workdir / "workspace").glob("*/signac_job_document.json")}


def without(mapping, keys):
    """``mapping`` without ``keys``, recursively."""
    if isinstance(mapping, dict):
        return {key: without(value, keys) for key, value in mapping.items() if key not in keys}
    return mapping


def content(path):
    """What must be equal between the runs in one artifact (None: not compared)."""
    name = path.name
    if name.endswith(".png") or name == "signac_job_document.json":
        return None  # images; job documents are compared by test_slurm_run_equals_local_run
    if name.endswith((".npy", ".npz")):
        arrays = np.load(path, allow_pickle=False)
        return {"": arrays} if isinstance(arrays, np.ndarray) else dict(arrays)
    if name.endswith(".mts"):  # a metatensor TensorMap: every block's values, samples and gradients
        import metatensor

        arrays = {}
        for key, block in metatensor.load(str(path)).items():
            arrays[f"{key.values} values"] = np.asarray(block.values)
            arrays[f"{key.values} samples"] = np.asarray(block.samples.values)
            for parameter, gradient in block.gradients():
                arrays[f"{key.values} {parameter}"] = np.asarray(gradient.values)
        return arrays
    text = gzip.decompress(path.read_bytes()).decode() if name.endswith(".gz") else path.read_text()
    if name.endswith(".json") or name.endswith(".json.gz"):
        return without(json.loads(text), RUN_DEPENDENT)
    if name.endswith(".jsonl"):  # a checkpoint, written in completion order
        return sorted(text.splitlines())
    if name == "summary.md":
        return [line for line in text.splitlines() if not line.startswith("Generated ")]
    return text


def assert_same(local, remote, path):
    """One artifact of both runs is equal (arrays to the bit)."""
    if isinstance(local, dict) and local and all(isinstance(v, np.ndarray) for v in local.values()):
        assert local.keys() == remote.keys(), path
        for key in local:
            assert local[key].dtype == remote[key].dtype, (path, key)
            np.testing.assert_array_equal(local[key], remote[key], err_msg=f"{path} [{key}]")
    else:
        assert local == remote, path


def test_slurm_run_equals_local_run(slurm_node, tmp_path):
    cpus, memory = slurm_node
    # the three paper studies: the sweep study measures featurisation cost, which by
    # design differs from run to run (and picks the front's learning curves from it)
    test_config = ("--configfile", "config/test.yaml", "--config", "only=[gay_berne,liquid_crystals,benzene]")

    local = workflow_copy(tmp_path / "local")
    output = snakemake(local, *test_config)
    assert "workflow specific profile profiles/default" in output  # read without a flag

    cluster = workflow_copy(tmp_path / "slurm")
    profile = node_profile(tmp_path / "node-profile", cpus, memory)
    output = snakemake(cluster, "--workflow-profile", str(profile), *test_config, *SLURM_OPTIONS)

    # every step was a Slurm job, featurisations with srun starting RANKS ranks
    submitted = output.count("has been submitted with SLURM jobid")
    n_jobs = int(next(line.split()[1] for line in output.splitlines()
                      if line.startswith("total ")))
    assert submitted == n_jobs - 1, output  # all but the target rule `all`
    assert len(list((cluster / ".snakemake/slurm_logs").rglob("*.log"))) == submitted
    assert re.search(rf"srun -n {RANKS} anisoap-pipeline featurize [0-9a-f]{{32}} --no-progress", output)
    documents = job_documents(cluster)
    featurized = [doc for doc in documents.values() if "mpi_ranks" in doc["metrics"]]
    assert featurized and all(doc["metrics"]["mpi_ranks"] == RANKS for doc in featurized)

    # ... and produced exactly the local run's signac jobs and artifacts
    local_documents = job_documents(local)
    assert documents.keys() == local_documents.keys()
    for job, document in documents.items():
        assert without(document["metrics"], RUN_DEPENDENT) == \
            without(local_documents[job]["metrics"], RUN_DEPENDENT), job
    artifacts = sorted(path.relative_to(local) for folder in ("workspace", "results")
                       for path in (local / folder).rglob("*") if path.is_file())
    assert artifacts == sorted(path.relative_to(cluster) for folder in ("workspace", "results")
                               for path in (cluster / folder).rglob("*") if path.is_file())
    compared = 0
    for path in artifacts:
        expected = content(local / path)
        if expected is not None:
            assert_same(expected, content(cluster / path), path)
            compared += 1
    assert any(path.name == "features.npy" for path in artifacts) and compared > 50
