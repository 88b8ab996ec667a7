"""Workflow steps of the studies: ``add_parsers(subparsers)`` per module, called by :mod:`anisoap_pipeline.cli`."""


def add_job_step(subparsers, name, handler, text):
    """Register a step that takes one signac job id; return its parser (for extra options)."""
    parser = subparsers.add_parser(name, help=text, description=text)
    parser.add_argument("job", help="signac job id (the state point holds every parameter)")
    parser.set_defaults(handler=handler)
    return parser
