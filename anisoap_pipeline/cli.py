"""``anisoap-pipeline <step>``: the command line of every workflow step.

The verbs are derived from the step records (:mod:`anisoap_pipeline.steps`):
``anisoap-pipeline <step> JOB`` runs one job of a step (every verb takes the
job id the same way), ``anisoap-pipeline <study>_report DIRECTORY --group
NAME JOB...`` writes a study's figures and tables, ``anisoap-pipeline summary``
merges the studies' rows. Snakemake rules call these and nothing else.
"""

import argparse
import re
import sys
import time

__all__ = ["build_parser", "main", "run_report", "run_step"]

#: A signac job id: 32 hexadecimal digits.
JOB_ID = re.compile(r"[0-9a-f]{32}")


def run_step(step, args):
    """Run one job of ``step``: check that the job is of this step, time it, record its metrics.

    A verb given a file instead of a job id runs the step's ``direct``
    handler (``featurize FRAMES OUTPUT``). Under MPI the ranks other than 0
    compute without recording.

    Raises
    ------
    ValueError
        If the job is of another step (its record is left untouched).
    """
    from .tracking import job_step, open_job, record

    if step.direct is not None and not (JOB_ID.fullmatch(args.job) and getattr(args, "output", None) is None):
        args.frames = args.job
        return step.direct(args)
    if step.mpi:
        from mpi4py import MPI

        if MPI.COMM_WORLD.Get_rank() != 0:  # every rank checks what rank 0 checks, so all stop together
            job = open_job(args.job)
            _check_step(step, job)
            _verify_parents(job)
            return step.handler(job, args)
    with job_step(step.name, args.job) as job:
        _check_step(step, job)
        _verify_parents(job)
        start = time.perf_counter()
        metrics = step.handler(job, args)
        record(job, metrics=metrics, wall_time=time.perf_counter() - start)


def _check_step(step, job):
    if job.sp()["step"] != step.name:
        raise ValueError(f"job {job.id} is a {job.sp()['step']} job, not a {step.name} job: run "
                         f"`anisoap-pipeline {job.sp()['step']} {job.id}`")


def _verify_parents(job):
    """Every artifact the job may read is the one its parent wrote (:func:`anisoap_pipeline.tracking.verify`)."""
    from .tracking import verify

    for ids in job.doc.get("parents", {}).values():
        for parent in ids:
            verify(parent)


def run_report(report, args):
    """Run a study's report on the jobs of its groups (their artifacts verified first), into ``args.directory``."""
    from pathlib import Path

    from .tracking import verify

    groups = {name: ids for name, *ids in args.group or ()}
    for ids in groups.values():
        for job in ids:
            verify(job)
    directory = Path(args.directory)
    directory.mkdir(parents=True, exist_ok=True)
    report.handler(directory, groups, args)


def build_parser():
    """The ``anisoap-pipeline`` argument parser: one verb per step record, report and the summary."""
    from .steps import registry, reports
    from .steps.summary import add_summary_parser

    parser = argparse.ArgumentParser(prog="anisoap-pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the full traceback of a failure")
    subparsers = parser.add_subparsers(dest="step", required=True)
    for step in registry().values():
        p = subparsers.add_parser(step.name, help=step.help, description=step.help)
        p.add_argument("job", help="signac job id (its state point holds every parameter)"
                       + (", or FRAMES: a file of the user's" if step.direct else ""))
        if step.threads and not step.mpi:
            p.add_argument("--threads", type=int, default=1, help="worker processes (not part of the state point)")
        for flags, options in step.options:
            p.add_argument(*flags, **options)
        p.set_defaults(handler=lambda args, step=step: run_step(step, args))
    for report in reports().values():
        p = subparsers.add_parser(report.name, help=report.help, description=report.help)
        p.add_argument("directory", help="folder of the report's files")
        p.add_argument("--group", nargs="+", action="append", metavar=("NAME", "JOB"),
                       help="a group of jobs the plan hands the report: its name, then the job ids")
        p.set_defaults(handler=lambda args, report=report: run_report(report, args))
    add_summary_parser(subparsers)
    p = subparsers.add_parser("check", help="verify every finished job's artifacts against their recorded SHA-256",
                              description="Exit status 1, with one line per damaged or missing artifact, if any.")
    p.add_argument("jobs", nargs="*", help="job ids (default: every job of the project)")
    p.set_defaults(handler=check)
    return parser


def check(args):
    """``anisoap-pipeline check [JOB...]``: verify the artifacts of finished jobs; say how many were checked."""
    from pathlib import Path

    from .tracking import METRICS_FILE, ArtifactError, get_project, open_job, verify

    jobs = [open_job(job) for job in args.jobs] if args.jobs else list(get_project())
    finished = [job for job in jobs if args.jobs or Path(job.fn(METRICS_FILE)).is_file()]
    problems = []
    for job in finished:
        try:
            verify(job)
        except ArtifactError as error:
            problems.append(str(error))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(finished) - len(problems)} of {len(finished)} finished jobs verified", file=sys.stderr)
    if problems:
        sys.exit(1)


def main(argv=None):
    """Entry point of the ``anisoap-pipeline`` console script.

    A failure prints one line, ``anisoap-pipeline STEP: message`` (the message
    names the file, and the frame or line where known), and exits with status
    1; ``--debug`` shows the traceback instead. Under MPI (more than one rank)
    the line is printed once, by the rank that failed first, and every rank
    stops: ranks told of another's failure exit quietly, and a failure no
    other rank knows of calls ``MPI_Abort``.
    """
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except Exception as error:  # noqa: BLE001 - the one place errors become exit codes
        if args.debug:
            raise
        _fail(args.step, error)


def _fail(step, error):
    mpi = sys.modules.get("mpi4py.MPI")
    comm = mpi.COMM_WORLD if mpi is not None and mpi.Is_initialized() else None
    from .anisoap.mpi import PeerRankError

    if isinstance(error, PeerRankError):  # the failing rank prints the message
        sys.exit(1)
    message = str(error) if isinstance(error, (ValueError, TypeError, OSError)) else f"{type(error).__name__}: {error}"
    print(f"anisoap-pipeline {step}: {' '.join(message.split())}", file=sys.stderr, flush=True)
    if comm is not None and comm.Get_size() > 1 and not getattr(error, "mpi_collective", False):
        comm.Abort(1)
    sys.exit(1)


if __name__ == "__main__":
    main()
