"""Adding a study is one folder, one config block and its schema: a toy study plugged in end to end.

The project is copied into a temporary directory; the toy study of
``tests/toy_study/`` (one generation step, one report) is added there as the
folder ``anisoap_pipeline/studies/toy/``, its schema block under
``studies.properties`` of ``config/schema.yaml`` and its config block as a
config file, and nothing else. Snakemake then runs it with the copy first on
the Python path, so its step verb, rule, job and report all come from that folder.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TOY = Path(__file__).resolve().parent / "toy_study"


def add_toy_study(project):
    """Copy the project and add the toy study: one folder, its schema block, its config file."""
    for name in ("Snakefile", "config", "workflow", "profiles", "anisoap_pipeline"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, project / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                               if (ROOT / name).is_dir() else {}))
    folder = project / "anisoap_pipeline" / "studies" / "toy"
    folder.mkdir()
    (folder / "__init__.py").write_text('"""A toy study."""\n')
    for name in ("plan.py", "steps.py", "report.py"):
        shutil.copy(TOY / name, folder / name)
    schema = yaml.safe_load((project / "config/schema.yaml").read_text())
    schema["properties"]["studies"]["properties"].update(yaml.safe_load((TOY / "schema.yaml").read_text()))
    (project / "config/schema.yaml").write_text(yaml.safe_dump(schema, sort_keys=False, allow_unicode=True))
    shutil.copy(TOY / "config.yaml", project / "toy.yaml")


@pytest.mark.slow
def test_a_toy_study_runs_end_to_end(tmp_path):
    add_toy_study(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    verbs = subprocess.run([sys.executable, "-m", "anisoap_pipeline.cli", "toy_frames", "--help"], cwd=tmp_path,
                           env=env, capture_output=True, text=True)
    assert verbs.returncode == 0 and "random ellipsoid frames" in verbs.stdout  # the verb, from the record
    run = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "toy.yaml"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "toy_frames" in run.stderr and "toy_report" in run.stderr  # the generated rules ran
    counts = (tmp_path / "results/toy/counts.csv").read_text().splitlines()
    assert counts[0] == "frame,particles" and len(counts) == 1 + 4
    (job,) = [path for path in (tmp_path / "workspace").iterdir() if (path / "frames.xyz").exists()]
    assert (tmp_path / "logs/toy_frames" / f"{job.name}.log").exists()
    assert "| toy | particles |" in (tmp_path / "results/summary.md").read_text()
    assert (tmp_path / "results/jobs/toy/toy_frames").is_dir()  # the readable tree names the study and step
