"""``results/summary.md``: our numbers beside the paper's, one row per headline result.

Each study writes its rows to ``results/<study>/summary_rows.json`` (a JSON
list of :func:`row` dicts, with :func:`write_rows`); the summary step merges
the files of every study into one Markdown table (:func:`render`), with the
code revision that computed each row. :mod:`.table` holds the table; one
module per study turns its results into rows, one function per paper claim.
"""

from .benzene import benzene_rows
from .gay_berne import gay_berne_force_rows, gay_berne_rows
from .liquid_crystals import liquid_crystal_rows
from .sweep import sweep_rows
from .table import (BEYOND_THE_PAPER, VERDICTS, finding, fmt, fmt_spread, read_rows, render, row, write_rows,
                    write_summary)

__all__ = [
    "BEYOND_THE_PAPER",
    "VERDICTS",
    "benzene_rows",
    "finding",
    "fmt",
    "fmt_spread",
    "gay_berne_force_rows",
    "gay_berne_rows",
    "liquid_crystal_rows",
    "read_rows",
    "render",
    "row",
    "sweep_rows",
    "write_rows",
    "write_summary",
]
