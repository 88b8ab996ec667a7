"""The cluster test starts Slurm only when asked for with ANISOAP_CLUSTER_TEST=1.

A user's own marker expression (``-m "not slow"``) replaces the default
``-m 'not cluster'`` of addopts, so the marker alone let it start daemons as
root. Checked in a child pytest whose ``subprocess.run`` refuses to start
start-slurm (it records the attempt instead), so that a broken guard cannot
start anything here either.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = '''
import os
import subprocess

_run = subprocess.run


def run(args, *positional, **keywords):
    words = args if isinstance(args, (list, tuple)) else [args]
    if any("start-slurm" in str(word) for word in words):
        with open(os.environ["START_SLURM_CALLS"], "a") as log:
            log.write("start-slurm called\\n")
        return subprocess.CompletedProcess(args, 77, "", "start-slurm blocked by test_opt_in")
    return _run(args, *positional, **keywords)


subprocess.run = run
'''


def child_pytest(tmp_path, *options, opt_in=None):
    (tmp_path / "block_start_slurm.py").write_text(BLOCKER)
    calls = tmp_path / "calls.log"
    env = {key: value for key, value in os.environ.items() if key != "ANISOAP_CLUSTER_TEST"}
    if opt_in is not None:
        env["ANISOAP_CLUSTER_TEST"] = opt_in
    env["START_SLURM_CALLS"] = str(calls)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), *filter(None, [env.get("PYTHONPATH")])])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "block_start_slurm", "-p", "no:cacheprovider", "-rs", "-q",
         "tests/cluster/test_slurm.py", *options],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    return result, calls.read_text() if calls.exists() else ""


@pytest.mark.parametrize("options", [["-m", "not slow"], ["-m", "cluster"], []], ids=["not-slow", "cluster", "default"])
@pytest.mark.parametrize("opt_in", [None, "0", "yes"])
def test_cluster_test_is_skipped_without_the_opt_in(tmp_path, options, opt_in):
    result, calls = child_pytest(tmp_path, *options, opt_in=opt_in)
    assert calls == "", f"start-slurm was called:\n{result.stdout}\n{result.stderr}"
    if options == []:  # addopts' -m 'not cluster' deselects it
        assert "1 deselected" in result.stdout, result.stdout
    else:
        assert "1 skipped" in result.stdout and "ANISOAP_CLUSTER_TEST=1" in result.stdout, result.stdout


def test_opt_in_reaches_start_slurm(tmp_path):
    """With the variable the test goes ahead (here up to the blocked start-slurm)."""
    pytest.importorskip("snakemake_executor_plugin_slurm")
    result, calls = child_pytest(tmp_path, "-m", "cluster", opt_in="1")
    assert calls == "start-slurm called\n", result.stdout + result.stderr
    assert "start-slurm blocked by test_opt_in" in result.stdout, result.stdout
