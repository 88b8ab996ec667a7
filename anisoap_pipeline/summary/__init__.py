"""``results/summary.md``: our numbers beside the paper's, one row per headline result.

Each study writes its rows to ``results/<study>/summary_rows.json`` (a JSON
list of :func:`row` dicts, with :func:`write_rows`); the summary step merges
the files of every study into one Markdown table (:func:`render`), with the
code revision that computed each row. :mod:`.table` holds the table; each
study's ``summary.py`` turns its results into rows, one function per paper claim.
"""

from .table import (BEYOND_THE_PAPER, VERDICTS, finding, fmt, fmt_spread, has_spread, high, low, read_rows, render,
                    row, write_rows, write_summary)

__all__ = [
    "BEYOND_THE_PAPER",
    "VERDICTS",
    "finding",
    "fmt",
    "fmt_spread",
    "has_spread",
    "high",
    "low",
    "read_rows",
    "render",
    "row",
    "write_rows",
    "write_summary",
]
