"""The README's code runs as written: its Python and shell blocks, on small stand-ins of their input files.

Every fenced ``python`` and ``bash`` block of README.md is extracted. A shell
command runs unless it starts with one of :data:`NOT_RUN` (long runs, installs,
several MPI ranks, what needs a finished run), which is reported as a skip with
its reason, never left out silently; a new command in the README is run. The
configs the skipped workflow runs name are still loaded, validated and planned.
The Python blocks run in order in one namespace (the later ones use the earlier
ones' ``calculator`` and ``frames``), except those listed in :data:`PYTHON_NOT_RUN`.

The commands run in a scratch project folder holding what they name: the
first frames of the paper's benzene ellipsoids as ``benzene_ellipsoids.xyz`` and
``../shared/data/anisoap_paper/benzene_ellipsoids.xyz`` (the rest of
``../shared`` linked), the same frames with diameters and energies as a user's
``frames.xyz`` and ``my_ellipsoids.xyz`` (config/sweep_example.yaml's file),
``config/`` (a link to the project's), and a signac project with the state
points that ``config/test.yaml`` plans.
"""

import os
import re
import shlex
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: Shell commands not run here: prefix -> why (and where they are run instead).
NOT_RUN = {
    "python -m pip install": "installs the package",
    "snakemake": "a workflow run, minutes to hours (tests/test_workflow.py runs config/test.yaml end to end); "
                 "its config files are validated and planned by test_configs_of_the_workflow_commands_plan",
    "mpiexec -n 4": "four MPI ranks on a shared 2-core machine (tests/test_anisoap_integration.py compares "
                    "mpiexec -n 2 with the serial run)",
    "ls results/jobs/": "needs a finished run (tests/test_workflow.py checks results/jobs)",
}
#: Python blocks not run here: a line they contain -> why.
PYTHON_NOT_RUN = {
    'project.find_jobs({"study": "benzene", "step": "gfre"})': "reads the metrics of a finished run's job documents",
}
#: Frames of the paper's benzene file in the stand-ins (the whole file is 6,826 frames).
N_FRAMES = 8


def blocks(language):
    """The README's fenced blocks in ``language``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), flags=re.S | re.M)


def shell_commands():
    """Every command of the bash blocks: continuation lines joined, comments removed."""
    commands = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(re.sub(r"\s+", " ", command))
    return commands


def not_run(command):
    return next((reason for prefix, reason in NOT_RUN.items() if command.startswith(prefix)), None)


@pytest.fixture(scope="module")
def project(tmp_path_factory, shared_dir):
    """A scratch project folder with the files the README's commands name."""
    import signac
    from ase.io import read, write

    from anisoap_pipeline import studies
    from anisoap_pipeline.config import load_config
    from anisoap_pipeline.frames import read_frames, write_frames

    base = tmp_path_factory.mktemp("readme")
    folder = base / "project"
    folder.mkdir()
    (base / "shared/data").mkdir(parents=True)
    for entry in (*shared_dir.iterdir(), *(shared_dir / "data").iterdir()):  # ../shared as it is, but for one file
        link = base / "shared" / entry.relative_to(shared_dir)
        if entry.name not in ("data", "anisoap_paper"):
            link.symlink_to(entry)
    frames = read(shared_dir / "data/anisoap_paper/benzene_ellipsoids.xyz", index=f":{N_FRAMES}")
    stand_in = base / "shared/data/anisoap_paper/benzene_ellipsoids.xyz"
    stand_in.parent.mkdir()
    write(stand_in, frames, format="extxyz")
    (folder / "benzene_ellipsoids.xyz").write_bytes(stand_in.read_bytes())
    ellipsoids = read_frames(stand_in, diameters=(4.0, 4.0, 0.5))  # a user's file: diameters in the frames
    for atoms in ellipsoids:
        atoms.info["energy"] = float(atoms.positions.sum())
    for name in ("frames.xyz", "my_ellipsoids.xyz"):  # the README's and config/sweep_example.yaml's names
        write_frames(folder / name, ellipsoids)
    (folder / "config").symlink_to(ROOT / "config")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        plan = studies.plan(load_config(ROOT / "config/test.yaml"), basedir=str(ROOT))
    workspace = signac.init_project(folder)
    for job in plan.jobs.values():
        workspace.open_job(job.state_point).init()
    return folder


def _environment():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])  # signac, anisoap-pipeline
    return env


def test_the_readme_has_code_to_check():
    assert len(blocks("python")) >= 3 and len(shell_commands()) >= 10


def test_every_command_not_run_is_in_the_readme():
    """The list of skips stays the README's: a prefix matching nothing is a stale entry."""
    commands = shell_commands()
    assert [prefix for prefix in NOT_RUN if not any(c.startswith(prefix) for c in commands)] == []
    text = "".join(blocks("python"))
    assert [line for line in PYTHON_NOT_RUN if line not in text] == []


@pytest.mark.parametrize("command", shell_commands(), ids=lambda command: command[:60])
def test_shell_command_runs_as_written(command, project):
    reason = not_run(command)
    if reason:
        pytest.skip(f"not run: {reason}")
    result = subprocess.run(["bash", "-c", command], cwd=project, env=_environment(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"{command}\nexit {result.returncode}\n{result.stdout[-2000:]}{result.stderr[-2000:]}"


def test_configs_of_the_workflow_commands_plan(project):
    """Each skipped ``snakemake`` command's --configfile files and --config only= load, validate and plan."""
    from anisoap_pipeline import studies
    from anisoap_pipeline.config import load_config

    checked = 0
    for command in shell_commands():
        words = shlex.split(command.split("&&")[-1])
        if words[:1] != ["snakemake"]:
            continue
        files, overrides, option = [], {}, None
        for word in words[1:]:
            if word.startswith("-"):
                option = word
            elif option == "--configfile":
                files.append(word)
            elif option == "--config":
                key, value = word.split("=", 1)
                overrides[key] = yaml.safe_load(value)
        paths = [project / name for name in files]
        if any(not path.exists() for path in paths):  # e.g. the user's my.yaml
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            config = load_config(*paths, overrides=overrides)
            assert studies.plan(config, basedir=str(project)).jobs, command
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("line", PYTHON_NOT_RUN)
def test_python_block_not_run(line):
    pytest.skip(f"not run: {PYTHON_NOT_RUN[line]}")


def test_signac_view_fails_on_the_workspace_as_the_readme_says(project):
    """signac names a view's folders by every state-point key: lists of parent ids and paths break it.

    When this fails, signac view has started to work on our state points: say so in the README.
    """
    result = subprocess.run(["signac", "view", "-p", "view"], cwd=project, env=_environment(), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode != 0 and ("File name too long" in result.stderr or "should not contain /" in
                                       result.stderr), result.stderr
    assert "`signac view` (signac's own" in README.read_text()


def test_python_blocks_run_in_order_and_say_what_they_return(project, monkeypatch):
    monkeypatch.chdir(project)
    namespace = {}
    for block in blocks("python"):
        if any(line in block for line in PYTHON_NOT_RUN):
            continue
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    # what the featuriser block's comments say
    assert namespace["X"].shape == (N_FRAMES, 175)
    assert namespace["G"].gradient("positions").shape[1:] == (3, 175)
