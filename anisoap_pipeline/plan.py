"""A study's plan: the state points of its jobs, their parent links, its reports.

A :class:`Plan` is built in Python from a study's config block before
anything runs (``studies/<study>/plan.py``: ``plan(study_config)``) and
unit-tested without Snakemake. The workflow turns it into rules
(``workflow/rules/jobs.smk``):
every job is a signac state point whose job id is the Snakemake wildcard
``{job}``; a rule's inputs are the artifacts of the job's parents
(:meth:`Plan.inputs`), so the job graph is written once, here.

A state point is ``{"study", "step", "numerics", **parameters}``: ``step`` is
the one name of the step (rule name, command-line verb, log folder),
``numerics`` the version of the step's numerics (its
:class:`~anisoap_pipeline.steps.Step` record's; bumping it gives every job of
that step, and everything downstream, a new id). A parameter whose value is
the id of another job of the plan (or a list of such ids) is a *parent link*.

A dataset made by shards (:meth:`Plan.add_sharded`) is jobs of step
``<step>_shard``, each the dataset's parameters plus its item range
``shard = [start, stop)``, and one job of step ``<step>`` gathering them: its
state point is the dataset's parameters alone (the gathered file does not
depend on the shard size), so its id, and every id downstream, is the same
whatever ``shard_size``.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re

from . import tracking
from .io import file_sha256
from .shards import shard_label, shard_ranges
from .steps import registry

__all__ = ["ConfigError", "Job", "Plan", "ReportJob", "file_sha256", "grid", "user_file"]


class ConfigError(ValueError):
    """A config value that passes the schema but cannot give a meaningful run; names the key."""

    def __init__(self, key, message):
        super().__init__(f"config {key}: {message}")
        self.key = key


@dataclasses.dataclass(frozen=True)
class Job:
    """One planned job.

    Attributes
    ----------
    id : str
        signac job id of :attr:`state_point` (32 hexadecimal digits).
    state_point : dict
        ``{"study", "step", "numerics", **parameters}``.
    details : str
        The parameters that tell the job from the other jobs of its step, in
        words (``diameters=(4,4,0.5) σ_GTO=1.5``); :attr:`label` prefixes the
        study and step.
    parents : dict
        Parent links: key -> tuple of job ids; the state point's links plus
        links the step follows through a parent (``through``).
    files : tuple of str
        User files the step reads (relative to the project, :func:`user_file`), inputs of its rule.
    threads : int
        Threads (or MPI ranks) of the job; execution only, not in the state point.
    """

    id: str
    state_point: dict
    details: str
    parents: dict
    files: tuple = ()
    threads: int = 1

    @property
    def study(self):
        return self.state_point["study"]

    @property
    def step(self):
        return self.state_point["step"]

    @property
    def label(self):
        """What the job is, in words: ``benzene featurize diameters=(4,4,0.5) σ_GTO=1.5``."""
        return " ".join(part for part in (self.study, self.step, self.details) if part)

    @property
    def view_path(self):
        """Human-readable path ``<study>/<step>/<details>`` (the linked tree under results/)."""
        details = re.sub(r"[^\w=.,()+-]+", "_", self.details).strip("_") or "job"
        return f"{self.study}/{self.step}/{details}"


@dataclasses.dataclass(frozen=True)
class ReportJob:
    """A study's report in the plan: which verb writes which files from which jobs.

    Attributes
    ----------
    verb : str
        The :class:`~anisoap_pipeline.steps.Report` record's name.
    study : str
    name : str
        The report's own name (a sweep's), or empty for the study's one report.
    outputs : tuple of str
        File names the report writes into :attr:`directory`, ``summary_rows.json`` last.
    groups : dict
        Group name -> tuple of job ids, handed to the report as they are.
    root : str
        The config's results folder (``results``, or ``results/<name>``; the config key ``results``).
    """

    verb: str
    study: str
    name: str
    outputs: tuple
    groups: dict
    root: str = "results"

    @property
    def directory(self):
        """``<root>/<study>`` (or ``<root>/<study>/<name>``)."""
        return "/".join(part for part in (self.root, self.study, self.name) if part)

    @property
    def rule(self):
        """The Snakemake rule's name: the verb, with the report's name if it has one."""
        return f"{self.verb}_{self.name}" if self.name else self.verb

    @property
    def log(self):
        return f"logs/{self.verb}/{self.name}.log" if self.name else f"logs/{self.verb}.log"

    @property
    def files(self):
        """The report's outputs as paths."""
        return [f"{self.directory}/{output}" for output in self.outputs]


class Plan:
    """The jobs and reports of one or more studies.

    Parameters
    ----------
    study : str, optional
        Study of the jobs :meth:`add` creates (one plan per study; merge
        several with :meth:`merge`).
    """

    def __init__(self, study=None):
        self.study = study
        #: job id -> :class:`Job`, in the order the jobs were added.
        self.jobs = {}
        #: The studies' reports (:meth:`report`), in the order they were added.
        self.reports = []
        #: The config's results folder (set by :func:`anisoap_pipeline.studies.plan`).
        self.results = "results"

    def add(self, step, details="", *, through=None, files=(), threads=1, **parameters):
        """Add a job of step ``step``; return its job id.

        Parameters
        ----------
        step : str
            Step name (a :class:`~anisoap_pipeline.steps.Step` record's).
        details : str, optional
            The words that tell this job from the other jobs of its step.
        through : dict, optional
            key -> job ids of further parents the step reads through a parent
            (e.g. the features of a GFRE job), or the shards a gather job
            concatenates (``"shards"``); not part of the state point.
        files : sequence of str, optional
            User files the step reads (:func:`user_file`; their content hash belongs in ``parameters``).
        threads : int, optional
        **parameters
            The step's parameters (JSON-serialisable); job ids of this plan
            are parent links.

        Raises
        ------
        KeyError
            If the step has no numerics version or a parent of ``through`` is unknown.
        """
        if step not in registry():
            raise KeyError(f"step {step!r} is not declared: no Step record of that name (anisoap_pipeline.steps)")
        state_point = {"study": self.study, "step": step, "numerics": registry()[step].numerics, **parameters}
        job_id = tracking.state_point_id(state_point)
        parents = {}
        for key, value in parameters.items():
            ids = value if isinstance(value, list) else [value]
            if ids and all(isinstance(item, str) and item in self.jobs for item in ids):
                parents[key] = tuple(ids)
        for key, ids in (through or {}).items():
            unknown = [item for item in ids if item not in self.jobs]
            if unknown:
                raise KeyError(f"{step}: parents {unknown} of {key!r} are not jobs of this plan")
            parents[key] = tuple(ids)
        self.jobs[job_id] = Job(job_id, state_point, details, parents, tuple(files), int(threads))
        return job_id

    def add_sharded(self, step, details, n_items, shard_size, **parameters):
        """Add a dataset made by shard jobs and gathered by one job; return the gather's id.

        Parameters
        ----------
        step : str
            The gather's step; the shards' step is ``<step>_shard``.
        details : str
            Words of the dataset; a shard's add its items (``items 0-63``).
        n_items : int
            Items of the dataset (crystals, frames, dimers).
        shard_size : int
            Items per shard (:func:`anisoap_pipeline.shards.shard_ranges`).
        **parameters
            The dataset's parameters: every shard's, plus its ``shard``
            ``[start, stop)``, and the gather's (which lists its shards as
            parents ``"shards"``, outside its state point).
        """
        shards = [self.add(f"{step}_shard", f"{details} {shard_label(items)}", shard=items, **parameters)
                  for items in shard_ranges(n_items, shard_size)]
        return self.add(step, details, through={"shards": shards}, **parameters)

    def of_step(self, step, study=None):
        """Jobs of one step (of one study, if given), in the order they were added."""
        return [job for job in self.jobs.values() if job.step == step and study in (None, job.study)]

    def ids(self, step, study=None):
        """Job ids of one step (of one study, if given)."""
        return [job.id for job in self.of_step(step, study)]

    def report(self, verb, outputs, name="", **groups):
        """Add the study's report (or one of its reports, ``name``); return it.

        Parameters
        ----------
        verb : str
            The :class:`~anisoap_pipeline.steps.Report` that writes it.
        outputs : sequence of str
            File names it writes into ``<results>/<study>[/<name>]``; its
            ``summary_rows.json`` (the summary's input) is added after them.
        name : str, optional
            For a study with several reports (one per sweep): the report's name.
        **groups
            Group name -> job ids of this plan, handed to the report as they are.

        Raises
        ------
        KeyError
            If a group names a job that is not in the plan.
        """
        for key, ids in groups.items():
            unknown = [item for item in ids if item not in self.jobs]
            if unknown:
                raise KeyError(f"{verb}: jobs {unknown} of group {key!r} are not jobs of this plan")
        report = ReportJob(verb, self.study, name, (*outputs, "summary_rows.json"),
                           {key: tuple(ids) for key, ids in groups.items()})
        self.reports.append(report)
        return report

    @property
    def targets(self):
        """Every report's outputs: the inputs of rule ``all`` (with the summary)."""
        return [path for report in self.reports for path in report.files]

    @property
    def summary_rows(self):
        """Every report's ``summary_rows.json``: the inputs of the summary."""
        return [report.files[-1] for report in self.reports]

    def merge(self, other):
        """Add the jobs and reports of another plan; return ``self``."""
        self.jobs.update(other.jobs)
        self.reports.extend(other.reports)
        return self

    def inputs(self, job_id, artifacts):
        """Input files of a job: every parent's artifacts, and the user files it reads.

        Parameters
        ----------
        job_id : str
        artifacts : callable
            step -> file names a job of that step writes
            (:func:`anisoap_pipeline.tracking.artifacts`).

        Returns
        -------
        dict
            parent key -> list of ``workspace/<parent>/<artifact>`` paths, and
            ``files`` -> the user files (only when there are some).
        """
        job = self.jobs[job_id]
        inputs = {
            key: [f"workspace/{parent}/{name}" for parent in ids for name in artifacts(self.jobs[parent].step)]
            for key, ids in job.parents.items()
        }
        if job.files:
            inputs["files"] = list(job.files)
        return inputs


def grid(**values):
    """Cartesian product of config lists as a list of dicts.

    ``grid(max_angular=[4, 6], cutoff=7.0)`` -> ``[{"max_angular": 4,
    "cutoff": 7.0}, {"max_angular": 6, "cutoff": 7.0}]``; scalars count as
    one-element lists.
    """
    keys = list(values)
    lists = [v if isinstance(v, list) else [v] for v in values.values()]
    return [dict(zip(keys, combination)) for combination in itertools.product(*lists)]


def user_file(path, basedir="."):
    """A user file's name as it enters a state point: relative to the project folder ``basedir``.

    Job ids must not depend on where the checkout sits, so a state point never
    holds an absolute path: the file is named relative to the project (the
    workflow's working folder, where the steps open it) and its content enters
    as :func:`file_sha256` beside it.

    Parameters
    ----------
    path : str
        As written in the config: absolute, or relative to ``basedir``.
    basedir : str, optional
        The project folder (the Snakefile's).

    Returns
    -------
    str
        The normalised relative path, ``/``-separated.
    """
    absolute = os.path.normpath(os.path.join(os.path.abspath(basedir), path))
    return os.path.relpath(absolute, os.path.abspath(basedir)).replace(os.sep, "/")
