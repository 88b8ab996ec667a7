"""Workflow steps of the studies: ``add_parsers(subparsers)`` per module, called by :mod:`anisoap_pipeline.cli`.

Every step has one name: the state point's ``step``, the ``anisoap-pipeline``
verb, the Snakemake rule and the log folder ``logs/<step>/``. The expensive
generation steps come in pairs (:mod:`anisoap_pipeline.shards`): ``<step>_shard``
makes the items ``shard = [start, stop)`` of a dataset, ``<step>`` gathers
the shards into the dataset (``crystals``, ``label``, ``configurations``,
``dimers``).
"""

#: Version of each step's numerics, part of every state point (``numerics``).
#: Bump a step's number in the commit that changes what it writes (its
#: numbers, not its speed): the step's jobs and everything downstream get new
#: job ids and rerun, and the summary flags rows computed at an older revision.
#: tests/test_numerics_version.py fingerprints the featuriser's output and
#: fails, naming the entry to bump, when the numbers move without a bump.
NUMERICS_VERSION = {
    # Gay-Berne dimers (dimers_shard: one generator per dimer since 2)
    "dimers_shard": 2,
    "dimers": 2,
    "force_fit": 1,
    # liquid crystals
    "configurations_shard": 1,
    "configurations": 1,
    "order_parameters": 1,
    "compare_representations": 1,
    # benzene crystals (crystals_shard: one generator per crystal since 2)
    "crystals_shard": 2,
    "crystals": 2,
    "label_shard": 1,
    "label": 1,
    "coarse_grain": 1,
    "soap": 1,
    "gfre": 1,
    "regression": 2,
    "baseline": 2,
    "pcovr": 1,
    # cost-accuracy sweeps
    "sweep_point": 3,
    "sweep_front": 3,
    # shared by the studies (ridge fits: every step with a cross-validated ridge moved to
    # analysis.regression.RidgeGridCV, equal to the grid search to 1e-10, in the same commit)
    "featurize": 1,
    "ridge": 3,
    "learning_curve": 3,
}


def add_job_step(subparsers, name, handler, text):
    """Register a step that takes one signac job id; return its parser (for extra options)."""
    parser = subparsers.add_parser(name, help=text, description=text)
    parser.add_argument("job", help="signac job id (the state point holds every parameter)")
    parser.set_defaults(handler=handler)
    return parser


def add_gather_step(subparsers, name, handler, text):
    """Register a gather step: a job id and ``--shards``, the ``<name>_shard`` jobs it concatenates, in order."""
    parser = add_job_step(subparsers, name, handler, text)
    parser.add_argument("--shards", nargs="*", default=[],
                        help=f"job ids of the {name}_shard jobs, in item order (the plan's; not in the state point)")
    return parser


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
    from ..tracking import ARTIFACTS, open_job, read_metrics

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
    file = ARTIFACTS[step][name]
    concatenate([shard.fn(file) for shard in jobs], job.fn(file))
    return [read_metrics(shard) for shard in jobs]


#: State-point keys that describe the job, not the step's parameters.
BOOKKEEPING = ("study", "step", "numerics")


def parameters(state_point):
    """The step's parameters: the state point without :data:`BOOKKEEPING` keys."""
    return {key: value for key, value in state_point.items() if key not in BOOKKEEPING}
