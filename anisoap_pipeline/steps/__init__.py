"""Workflow steps: each declared once, as a :class:`Step` record beside its handler.

A step has one name: the state point's ``step``, the ``anisoap-pipeline``
verb, the Snakemake rule and the log folder ``logs/<step>/``. Everything else
is derived from its record: the verb's parser (:mod:`anisoap_pipeline.cli`),
the numerics version in every state point (:class:`~anisoap_pipeline.plan.Plan`),
the artifacts a job writes (:func:`anisoap_pipeline.tracking.artifacts`), the
Snakemake rule with its threads, priority and cluster resources
(``workflow/rules/common.smk``).

Records live beside their handlers: the steps every study shares in this
package (``featurize``, ``ridge``, ``learning_curve``), a study's own in
``anisoap_pipeline/studies/<study>/steps.py`` (``STEPS``, a list of
:class:`Step`) and its report in ``studies/<study>/report.py`` (``REPORTS``);
:func:`registry` finds them all, so adding a study registers nothing by hand.

The expensive generation steps come in pairs (:mod:`anisoap_pipeline.shards`):
``<step>_shard`` makes the items ``shard = [start, stop)`` of a dataset,
``<step>`` gathers them (:func:`gather_files`), reading its shards' ids from
the plan's parent links (:func:`parents`).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import pkgutil
from typing import Callable

__all__ = ["BOOKKEEPING", "Report", "Step", "gather_files", "parameters", "parents", "registry", "reports"]

#: State-point keys that describe the job, not the step's parameters.
BOOKKEEPING = ("study", "step", "numerics")


@dataclasses.dataclass(frozen=True)
class Step:
    """One workflow step: a job of it reads its state point and writes its artifacts.

    Attributes
    ----------
    name : str
        The step's one name (state point ``step``, verb, rule, log folder).
    handler : callable
        ``handler(job, args) -> dict``: computes the job's artifacts into
        ``job.fn(...)`` and returns its metrics (small JSON-serialisable
        results); the caller (:func:`anisoap_pipeline.cli.run_step`) checks
        that the job is of this step, times it and records it.
    help : str
        One line: what the step computes, ``-> artifacts``.
    artifacts : dict
        Output name -> file name in the job folder (``metrics.json`` is added
        after them).
    numerics : int
        Version of the step's numerics, part of every state point: bump it in
        the commit that changes what the step writes (its numbers, not its
        speed), so its jobs and everything downstream get new ids and rerun.
    threads : bool
        Whether a job's threads (worker processes, MPI ranks) come from the
        plan (:attr:`anisoap_pipeline.plan.Job.threads`); else one.
    mpi : bool
        Whether the job runs under the MPI launcher, one rank per thread.
    priority : int
        Snakemake rule priority (the heads of long chains start first).
    runtime, mem_mb : int
        Cluster resources of one job at ``config/paper.yaml``'s size: minutes
        and MB (``benchmarks/paper_cost.py slurm`` derives them from measured
        costs).
    options : tuple
        Extra command-line options, ``(flags, argparse keyword arguments)``
        pairs; execution only, never part of the state point.
    direct : callable, optional
        ``direct(args)``: what the verb does when its first argument is not a
        job id but a file of the user's (``featurize FRAMES OUTPUT ...``).
    """

    name: str
    handler: Callable
    help: str
    artifacts: dict = dataclasses.field(default_factory=dict)
    numerics: int = 1
    threads: bool = False
    mpi: bool = False
    priority: int = 0
    runtime: int = 15
    mem_mb: int = 2000
    options: tuple = ()
    direct: Callable | None = None


@dataclasses.dataclass(frozen=True)
class Report:
    """A study's report verb: figures, tables and summary rows from the jobs the plan hands it.

    ``handler(directory, groups, args)`` writes the files the plan declared
    (:meth:`anisoap_pipeline.plan.Plan.report`) into ``directory``;
    ``groups`` maps each name the plan gave to its list of job ids, so a
    report reads what the plan knows and never walks the job graph.
    """

    name: str
    handler: Callable
    help: str
    category: str
    runtime: int = 15
    mem_mb: int = 4000


def _modules():
    """The modules that declare steps: this package's shared ones, then each study's ``steps`` and ``report``."""
    from .. import studies

    names = [f"{__name__}.{name}" for name in ("featurize", "regression")]
    names += [f"{studies.__name__}.{info.name}.{module}" for info in pkgutil.iter_modules(studies.__path__)
              if info.ispkg for module in ("steps", "report")]
    return [importlib.import_module(name) for name in names if importlib.util.find_spec(name)]


@functools.cache
def registry():
    """Every :class:`Step`, by name.

    Raises
    ------
    ValueError
        If two records share a name.
    """
    steps = {}
    for module in _modules():
        for step in getattr(module, "STEPS", ()):
            if step.name in steps:
                raise ValueError(f"step {step.name!r} is declared twice ({module.__name__})")
            steps[step.name] = step
    return steps


@functools.cache
def reports():
    """Every :class:`Report`, by name."""
    return {report.name: report for module in _modules() for report in getattr(module, "REPORTS", ())}


def parameters(state_point):
    """The step's parameters: the state point without :data:`BOOKKEEPING` keys."""
    return {key: value for key, value in state_point.items() if key not in BOOKKEEPING}


def parents(job, key):
    """Job ids the plan links to ``job`` under ``key`` (a state-point link, or one outside it: ``shards``).

    The plan's parent links are written to each job's document when the
    workflow starts (:func:`anisoap_pipeline.tracking.init_jobs`).

    Raises
    ------
    KeyError
        If the plan gave the job no such parents.
    """
    links = job.doc.get("parents", {})
    if key not in links:
        raise KeyError(f"job {job.id} has no parents {key!r} in its document (the plan's links are written "
                       f"there when snakemake starts): it has {sorted(links)}")
    return list(links[key])


def gather_files(job, shards, step, name):
    """Concatenate artifact ``name`` of the ``shards`` (job ids of ``step``) into ``job``; return their metrics.

    Raises
    ------
    ValueError
        If a shard is of another step or dataset (its parameters other than
        ``shard`` differ from the gather's), or the shards do not tile the
        items without gap or overlap.
    """
    from ..shards import concatenate
    from ..tracking import artifact, open_job, read_metrics

    jobs = [open_job(shard) for shard in shards]
    expected, stop = parameters(job.sp()), 0
    for shard in jobs:
        sp = shard.sp()
        own = parameters(sp)
        start, end = own.pop("shard")
        if sp["step"] != step or own != expected:
            raise ValueError(f"job {shard.id} is not a {step} job of this dataset: state point {sp}")
        if start != stop:
            raise ValueError(f"shard {shard.id} starts at item {start}, not {stop}: shards must tile the items")
        stop = end
    concatenate([artifact(shard, name) for shard in jobs], artifact(job, name))
    return [read_metrics(shard) for shard in jobs]
