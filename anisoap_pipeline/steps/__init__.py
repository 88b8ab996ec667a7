"""Workflow steps of the studies: ``add_parsers(subparsers)`` per module, called by :mod:`anisoap_pipeline.cli`.

Every step has one name: the state point's ``step``, the ``anisoap-pipeline``
verb, the Snakemake rule and the log folder ``logs/<step>/``.
"""

#: Version of each step's numerics, part of every state point (``numerics``).
#: Bump a step's number in the commit that changes what it writes (its
#: numbers, not its speed): the step's jobs and everything downstream get new
#: job ids and rerun, and the summary flags rows computed at an older revision.
#: tests/test_numerics_version.py fingerprints the featuriser's output and
#: fails, naming the entry to bump, when the numbers move without a bump.
NUMERICS_VERSION = {
    # Gay-Berne dimers
    "dimers": 1,
    "force_fit": 1,
    # liquid crystals
    "configurations": 1,
    "order_parameters": 1,
    "compare_representations": 1,
    # benzene crystals
    "crystals": 1,
    "label": 1,
    "coarse_grain": 1,
    "soap": 1,
    "gfre": 1,
    "regression": 1,
    "baseline": 1,
    "pcovr": 1,
    # cost-accuracy sweeps
    "sweep_point": 2,
    "sweep_front": 2,
    # shared by the studies
    "featurize": 1,
    "ridge": 2,
    "learning_curve": 2,
}


def add_job_step(subparsers, name, handler, text):
    """Register a step that takes one signac job id; return its parser (for extra options)."""
    parser = subparsers.add_parser(name, help=text, description=text)
    parser.add_argument("job", help="signac job id (the state point holds every parameter)")
    parser.set_defaults(handler=handler)
    return parser


#: State-point keys that describe the job, not the step's parameters.
BOOKKEEPING = ("study", "step", "numerics")


def parameters(state_point):
    """The step's parameters: the state point without :data:`BOOKKEEPING` keys."""
    return {key: value for key, value in state_point.items() if key not in BOOKKEEPING}
