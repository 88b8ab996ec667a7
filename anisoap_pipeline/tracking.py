"""The signac project of a workflow run: state points, jobs and their records.

Every step of every study is a *state point*, a plain dict such as
``{"study": "gay_berne", "step": "anisoap", "dataset": <job id>,
"max_angular": 6, ...}``. Its signac job id is a hash of that dict, known
before anything runs, and it is the Snakemake wildcard ``{job}``: the job
folder ``workspace/<id>/`` holds the step's artifacts, the job document its
small results (metrics, wall time, package versions, git revision).

The project lives at the workflow's working directory (``.signac/`` beside
``workspace/``). Typical use in a workflow step::

    job = tracking.open_job(job_id)                 # the state point is job.sp
    ...                                             # write artifacts to job.fn(...)
    tracking.record(job, metrics={"rmse": 0.1}, wall_time=12.3)

and afterwards, to query results::

    project = tracking.get_project()
    for job in project.find_jobs({"study": "gay_berne", "step": "ridge"}):
        print(job.sp.target, job.doc.metrics.rmse)

or ``signac find study gay_berne step ridge`` on the command line.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

import signac
from signac.job import calc_id

from .io import file_sha256, save_json

__all__ = [
    "ArtifactError",
    "checksums",
    "verify",
    "METRICS_FILE",
    "PACKAGES",
    "JobStepError",
    "find",
    "get_project",
    "git_revision",
    "artifact",
    "artifacts",
    "init_jobs",
    "job_step",
    "link_view",
    "open_job",
    "read_metrics",
    "read_revision",
    "record",
    "state_point_id",
    "versions",
]

#: Packages whose versions every job document records: key -> distribution name.
PACKAGES = {
    "numpy": "numpy",
    "numba": "numba",
    "ase": "ase",
    "metatensor": "metatensor-core",
    "featomic": "featomic",
    "sklearn": "scikit-learn",
    "skmatter": "skmatter",
    "signac": "signac",
    "anisoap_pipeline": "anisoap-pipeline",
}

#: File that :func:`record` writes last into the job folder: the Snakemake
#: output that marks a step as complete.
METRICS_FILE = "metrics.json"

_SOURCE_DIR = Path(__file__).resolve().parent


def artifacts(step):
    """File names a job of ``step`` writes, :data:`METRICS_FILE` last (from the step's record).

    Raises
    ------
    KeyError
        If no step of that name is declared.
    """
    from .steps import registry

    return [*registry()[step].artifacts.values(), METRICS_FILE]


def artifact(job, name):
    """Path of a job's artifact ``name`` (an output name of its step's record, e.g. ``"frames"``).

    Parameters
    ----------
    job : signac.job.Job or str
        The job, or its id (reopened in the current project).
    name : str

    Raises
    ------
    KeyError
        If the job's step writes no artifact of that name, naming the ones it writes.
    """
    from .steps import registry

    job = open_job(job) if isinstance(job, str) else job
    step = job.sp()["step"]
    files = registry()[step].artifacts
    if name not in files:
        raise KeyError(f"job {job.id} is a {step} job: it writes {sorted(files)}, not {name!r}")
    return job.fn(files[name])


def read_metrics(job):
    """The ``metrics`` a finished job recorded (from its :data:`METRICS_FILE`).

    Parameters
    ----------
    job : signac.job.Job or str
        The job, or its id (reopened in the current project).

    Raises
    ------
    FileNotFoundError
        If the job has not finished, naming its file.
    """
    job = open_job(job) if isinstance(job, str) else job
    return json.loads(Path(job.fn(METRICS_FILE)).read_text())["metrics"]


def get_project(path="."):
    """The signac project at ``path``, created there if absent.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Root of the project (the workflow's working directory); the job
        folders are ``<path>/workspace/<id>``.

    Returns
    -------
    signac.Project
    """
    path = os.fspath(path)
    try:
        return signac.get_project(path, search=False)
    except LookupError:
        return signac.init_project(path)


def state_point_id(state_point, project=None):
    """The signac job id of a state point, without creating the job.

    Equal to ``project.open_job(state_point).id``: the hash of the state
    point's canonical JSON, independent of key order.

    Parameters
    ----------
    state_point : dict
        JSON-serialisable parameters of one step.
    project : signac.Project, optional
        If given, the id is taken from ``project.open_job`` (the job is not
        initialised either way).

    Returns
    -------
    str
        32 hexadecimal digits.
    """
    if project is not None:
        return project.open_job(state_point).id
    # the same hash signac computes, after signac's own JSON normalisation
    return calc_id(json.loads(json.dumps(state_point)))


def read_revision(job):
    """``(revision, dirty)`` of the code that computed a finished job (its document).

    ``("unknown", None)`` for a job without a record (or without git).
    """
    job = open_job(job) if isinstance(job, str) else job
    return job.doc.get("git_revision", "unknown"), job.doc.get("git_dirty")


def init_jobs(state_points, path=".", labels=None, parents=None):
    """Initialise (idempotently) the jobs of several state points.

    Parameters
    ----------
    state_points : iterable of dict
    path : str or os.PathLike, optional
        Project root, see :func:`get_project`.
    labels : iterable of str, optional
        What each job is, in words; stored as the document's ``label`` (the
        steps print it to their logs).
    parents : iterable of dict, optional
        Each job's parent links in the plan (key -> job ids), the ones outside
        its state point included (a gather's ``shards``); stored as the
        document's ``parents`` (:func:`anisoap_pipeline.steps.parents`).

    Returns
    -------
    list of signac.job.Job
    """
    project = get_project(path)
    jobs = [project.open_job(state_point).init() for state_point in state_points]
    for key, values in (("label", labels), ("parents", parents)):
        for job, value in zip(jobs, values or ()):
            value = json.loads(json.dumps(value))
            if job.doc.get(key) != value:
                job.doc[key] = value
    return jobs


def link_view(links, root="results/jobs", path="."):
    """A human-readable tree of symbolic links to job folders.

    Parameters
    ----------
    links : dict
        Readable relative path (``benzene/featurize/diameters=(4,4,0.5)_σ_GTO=1.5``)
        -> job id.
    root : str, optional
        Folder of the tree, relative to the project root; links of jobs no
        longer in ``links`` are removed, so the tree shows the current plan.
    path : str or os.PathLike, optional
        Project root.

    Returns
    -------
    pathlib.Path
        The tree's root.
    """
    base = Path(path).resolve()
    tree = base / root
    wanted = {tree / name: base / "workspace" / job_id for name, job_id in links.items()}
    if tree.is_dir():
        for link in tree.rglob("*"):
            if link.is_symlink() and link not in wanted:
                link.unlink()
    for link, target in wanted.items():
        link.parent.mkdir(parents=True, exist_ok=True)
        relative = os.path.relpath(target, link.parent)
        if link.is_symlink() and os.readlink(link) == relative:
            continue
        if link.is_symlink():
            link.unlink()
        link.symlink_to(relative, target_is_directory=True)
    return tree


def open_job(job_id, path="."):
    """Reopen an initialised job by its id.

    Raises
    ------
    LookupError
        If no job with that id exists in the project, with a hint on how
        jobs are created.
    """
    project = get_project(path)
    try:
        return project.open_job(id=job_id)
    except LookupError as error:
        raise LookupError(
            f"no signac job {job_id!r} in {project.path}: jobs are created from the "
            "config by the workflow (snakemake), not by hand"
        ) from error


@functools.cache
def git_revision():
    """``(revision, dirty)`` of the project's source checkout.

    ``revision`` is ``git rev-parse HEAD`` of the repository holding this
    package (``"unknown"`` without git, or when the package is installed
    outside its checkout); ``dirty`` says whether tracked files differ from
    it (``None`` when unknown).
    """

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=_SOURCE_DIR, capture_output=True, text=True, timeout=10,
            check=True,
        ).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel")).resolve()
        if top != _SOURCE_DIR.parent:
            return "unknown", None
        revision = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "unknown", None
    return revision, dirty


@functools.cache
def versions():
    """Versions of Python and of the packages in :data:`PACKAGES`.

    A package that is not installed is recorded as ``None``.
    """
    found = {"python": platform.python_version()}
    for key, distribution in PACKAGES.items():
        try:
            found[key] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            found[key] = None
    return found


def record(job, metrics=None, wall_time=None, metrics_file=METRICS_FILE, **extra):
    """Record a finished step in its job document, then mark it complete.

    Writes into the job document (atomically, by signac) ``metrics``,
    ``sha256`` (:func:`checksums` of the artifacts, which :func:`verify` checks
    before a job reads them), ``wall_time`` (seconds), ``versions`` (:func:`versions`),
    ``git_revision`` and ``git_dirty`` (:func:`git_revision`), ``host`` and ``finished`` (UTC
    time), plus any ``extra`` keys; then writes ``metrics`` (and the wall time)
    atomically to ``job.fn(metrics_file)``, the file Snakemake waits for.

    Parameters
    ----------
    job : signac.job.Job
    metrics : dict, optional
        Small JSON-serialisable results (numbers, short lists).
    wall_time : float, optional
        Seconds the step took.
    metrics_file : str or None, optional
        Name of the completion file in the job folder; ``None`` skips it.
    **extra
        Further document keys.
    """
    metrics = json.loads(json.dumps(dict(metrics or {}), default=_json_default))
    entry = {
        "metrics": metrics,
        "sha256": checksums(job),
        "wall_time": None if wall_time is None else float(wall_time),
        "versions": versions(),
        "git_revision": git_revision()[0],
        "git_dirty": git_revision()[1],
        "host": platform.node(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **extra,
    }
    entry = json.loads(json.dumps(entry, default=_json_default))
    job.document.update(entry)
    if metrics_file is not None:
        save_json(job.fn(metrics_file), {"metrics": metrics, "wall_time": entry["wall_time"],
                                         "job": job.id, "state_point": job.sp(), "sha256": entry["sha256"]})


#: Files of a job folder that are not artifacts: signac's own and the completion marker.
NOT_ARTIFACTS = ("signac_statepoint.json", "signac_job_document.json", METRICS_FILE)


def checksums(job):
    """SHA-256 of every artifact in a job folder, its files but signac's and :data:`METRICS_FILE`:
    a list of ``{"file": name, "sha256": digest}`` (signac document keys cannot hold file names)."""
    folder = Path(job.path)
    return [{"file": path.name, "sha256": file_sha256(path)} for path in sorted(folder.iterdir())
            if path.is_file() and path.name not in NOT_ARTIFACTS]


class ArtifactError(ValueError):
    """An artifact that is missing or whose bytes are not the ones its job wrote."""


def verify(job):
    """Check a finished job's artifacts against the checksums recorded when they were written.

    Parameters
    ----------
    job : signac.job.Job or str
        The job, or its id.

    Raises
    ------
    ArtifactError
        Naming the file, the job in words and what to do: a job that has not
        finished, a missing artifact, or one whose bytes changed. A job recorded
        without checksums is not checked.
    """
    job = open_job(job) if isinstance(job, str) else job
    label = f"{job.doc.get('label', job.sp()['step'])} [{job.id}]"
    if not Path(job.fn(METRICS_FILE)).is_file():
        raise ArtifactError(f"{job.fn(METRICS_FILE)}: missing: {label} has not finished; run snakemake, which "
                            "(re)makes it")
    for entry in job.doc.get("sha256", []):
        path, digest = Path(job.fn(entry["file"])), entry["sha256"]
        if not path.is_file():
            raise ArtifactError(f"{path}: missing: an artifact of {label}; run snakemake, which makes it again")
        if file_sha256(path) != digest:
            raise ArtifactError(f"{path}: its bytes are not the ones {label} wrote (SHA-256 {digest[:12]}... "
                                f"recorded): delete it and run snakemake, which makes it again")


def find(filter=None, path=".", **state_point):
    """Jobs whose state points match, as a list.

    ``find(study="gay_berne", step="ridge")`` is
    ``project.find_jobs({"study": "gay_berne", "step": "ridge"})``; a
    ``filter`` dict (signac's query syntax, e.g. ``{"doc.metrics.r2":
    {"$gt": 0.9}}``) is merged with the keyword arguments.
    """
    query = {**(filter or {}), **state_point}
    return list(get_project(path).find_jobs(query))


class JobStepError(SystemExit):
    """A workflow step failed; the message names the job and its state point."""


@contextlib.contextmanager
def job_step(step, job_id, path="."):
    """Run a workflow step for one job; on failure say which job and why.

    Yields the reopened job. Any exception inside the block becomes a
    :class:`JobStepError` (exit status 1) whose message names the step, the
    job id, the state point and the error; the traceback goes to stderr.

    Examples
    --------
    >>> with job_step("dimers", job_id) as job:   # doctest: +SKIP
    ...     write_frames(job.fn("frames.xyz"), sample_dimers(**job.sp()))
    """
    try:
        job = open_job(job_id, path)
    except LookupError as error:
        raise JobStepError(f"anisoap-pipeline {step}: {error}") from None
    print(f"anisoap-pipeline {step}: {job.doc.get('label', step)} (job {job.id})", file=sys.stderr, flush=True)
    try:
        yield job
    except (KeyboardInterrupt, JobStepError):
        raise
    except BaseException as error:
        if isinstance(error, SystemExit) and error.code in (0, None):
            raise
        traceback.print_exc(file=sys.stderr)
        state_point = json.dumps(job.sp(), sort_keys=True)
        raise JobStepError(
            f"anisoap-pipeline {step}: job {job.id} failed\n"
            f"  state point: {state_point}\n"
            f"  error: {type(error).__name__}: {error}"
        ) from None


def _json_default(value):
    """JSON for numpy scalars and arrays."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
