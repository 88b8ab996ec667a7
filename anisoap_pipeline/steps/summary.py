"""``summary``: every study's ``summary_rows.json`` -> ``results/summary.md``.

The table of our numbers beside the paper's (:mod:`anisoap_pipeline.summary`),
with the code revision that computed each row, and beside it
``headline.json`` and ``headline.md`` (:mod:`anisoap_pipeline.summary.headline`).
"""

__all__ = ["add_summary_parser", "summary"]


def summary(args):
    """Merge the studies' summary rows into ``args.output``."""
    import os

    from ..summary import write_summary
    from ..summary.headline import write_headline
    from ..summary import read_rows
    from ..tracking import git_revision, read_revision, verify

    for job in dict.fromkeys(job for row in read_rows(args.rows) for job in row["jobs"]):
        verify(job)  # a row cites only jobs whose artifacts are intact
    revision, dirty = git_revision()
    notes = [f"Code revision: `{revision}`{' (with uncommitted changes)' if dirty else ''}; the "
             "revision column gives the one that computed each row (`+`: with uncommitted changes)."]
    if args.config:
        names = ", ".join(f"`{os.path.relpath(name)}`" for name in args.config)
        notes.append(f"Config files: {names} (command-line config files take precedence).")
    rows = write_summary(args.rows, args.output, notes=notes, revisions=read_revision,
                         current=None if revision == "unknown" else revision)
    # machine-readable headline values beside the summary (the README's drift test reads them)
    write_headline(rows, os.path.dirname(os.path.abspath(args.output)))


def add_summary_parser(subparsers):
    """Register the ``summary`` verb."""
    p = subparsers.add_parser("summary", help="merge summary_rows.json files into results/summary.md")
    p.add_argument("rows", nargs="*", help="summary_rows.json of each study")
    p.add_argument("--output", required=True)
    p.add_argument("--config", nargs="*", default=[], help="config files, named in the summary")
    p.set_defaults(handler=summary)
