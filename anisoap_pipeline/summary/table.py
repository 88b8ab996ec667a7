"""The results table ``results/summary.md``: rows, formatting, merging, revision flags.

Each study writes its rows to ``results/<study>/summary_rows.json`` (a JSON
list of :func:`row` dicts, with :func:`write_rows`); the summary step merges
the files of every enabled study into one Markdown table (:func:`render`).

A row says what the paper reports, what we measured, which state point (signac
job id) produced our value, and whether it reproduces: ``yes`` (the paper's
claim holds by the stated criterion), ``qualitative`` (the trend holds, the
number does not), ``no``, or ``n/a`` (the run is too small to test it).

Rows of a named ``section`` (:func:`finding`: questions the paper does not
ask, answered by our own studies) follow in tables of their own, headed by
the section's name, with the columns of :data:`SECTION_COLUMNS`.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from ..io import atomic_path, save_json

__all__ = [
    "BEYOND_THE_PAPER",
    "VERDICTS",
    "finding",
    "fmt",
    "fmt_spread",
    "read_rows",
    "render",
    "row",
    "write_rows",
    "write_summary",
]

VERDICTS = ("yes", "qualitative", "no", "n/a")
COLUMNS = ("study", "quantity", "paper", "ours", "state point", "reproduces?", "revision")
#: Columns of a section's table (rows made by :func:`finding`).
SECTION_COLUMNS = ("study", "question", "answer", "state point", "revision")
#: Section of the findings beyond the paper (the sweeps).
BEYOND_THE_PAPER = "beyond the paper"
#: Marks a row computed at another code revision than the summary's.
OLDER = "older"


def fmt(value, digits=3):
    """A number for a table: ``digits`` significant digits, no placeholders."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"cannot report {value!r}: every summary value must be a finite number")
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}g}"


def has_spread(statistic):
    """Whether a statistic over splits has a spread: at least two finite values (a finite ``sd``)."""
    sd = statistic.get("sd")
    return statistic.get("n", 0) >= 2 and sd is not None and math.isfinite(sd)


def fmt_spread(statistic, digits=3):
    """``"mean ± sd"`` of a statistic over splits (:func:`anisoap_pipeline.analysis.splits.summarise`);
    say the number of splits once per row (e.g. ``"over 10 splits: "``). One split has no
    spread, which is not a spread of 0: ``"mean (one split: no spread)"``."""
    if not has_spread(statistic):
        return f"{fmt(statistic['mean'], digits)} (one split: no spread)"
    return f"{fmt(statistic['mean'], digits)} ± {fmt(statistic['sd'], 2)}"


def low(statistic):
    """mean − sd of a statistic over splits, a verdict's conservative value (the mean of one split)."""
    return statistic["mean"] - statistic["sd"] if has_spread(statistic) else statistic["mean"]


def high(statistic):
    """mean + sd of a statistic over splits (the mean of one split)."""
    return statistic["mean"] + statistic["sd"] if has_spread(statistic) else statistic["mean"]


def row(study, quantity, paper, ours, job, reproduces, criterion="", headline=None):
    """One summary row; ``reproduces`` is one of :data:`VERDICTS`.

    Parameters
    ----------
    study, quantity, paper, ours : str
        ``ours`` is text with the numbers (use :func:`fmt`).
    job : str or sequence of str
        The job id(s) of the state point(s) that produced ``ours``.
    reproduces : str
        Verdict, see :data:`VERDICTS`.
    criterion : str, optional
        How the verdict was decided (printed below the table).
    headline : dict, optional
        Machine-readable headline values of the row: name -> statistic over
        splits (``mean``, ``sd``, ``n``), collected into ``results/headline.json``
        (:mod:`.headline`).
    """
    if reproduces not in VERDICTS:
        raise ValueError(f"reproduces must be one of {VERDICTS}, got {reproduces!r}")
    jobs = [job] if isinstance(job, str) else list(job)
    return {
        "study": study,
        "quantity": quantity,
        "paper": paper,
        "ours": ours,
        "jobs": jobs,
        "reproduces": reproduces,
        "criterion": criterion,
        **({"headline": {name: {key: stat[key] for key in ("mean", "sd", "n")} for name, stat in headline.items()}}
           if headline else {}),
    }


def finding(study, question, answer, job, criterion="", section=BEYOND_THE_PAPER, headline=None):
    """A row of a section beyond the paper's claims: a question and what we found.

    Parameters
    ----------
    study, question, answer : str
    job : str or sequence of str
        The job id(s) behind the answer.
    criterion : str, optional
        How the answer was decided (printed below the table).
    section : str, optional
        Heading of the section's table.
    headline : dict, optional
        As for :func:`row`.
    """
    return {**row(study, question, "", answer, job, "n/a", criterion, headline), "section": section}


def write_rows(path, rows):
    """Write a study's rows (a JSON list) atomically."""
    for item in rows:
        missing = {"study", "quantity", "paper", "ours", "jobs", "reproduces"} - set(item)
        if missing or item["reproduces"] not in VERDICTS:
            raise ValueError(f"bad summary row {item!r}: missing {sorted(missing)} or bad verdict")
    save_json(path, list(rows))


def read_rows(paths):
    """Rows of several ``summary_rows.json`` files, in order."""
    rows = []
    for path in paths:
        rows.extend(json.loads(Path(path).read_text()))
    return rows


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def revision_cell(jobs, revisions, current):
    """The revision column of a row: short revisions of its jobs, flagged when not ``current``.

    Parameters
    ----------
    jobs : list of str
    revisions : dict
        job id -> ``(revision, dirty)`` that computed it (see
        :func:`anisoap_pipeline.tracking.read_revision`); missing jobs count as unknown.
    current : str or None
        The summary's own revision; ``None`` flags nothing.
    """
    found = dict.fromkeys(revisions.get(job, ("unknown", None)) for job in jobs)
    text = ", ".join(f"`{revision[:7]}`" + ("+" if dirty else "") for revision, dirty in found)
    if current is not None and any(revision != current for revision, _ in found):
        text += f" ({OLDER})"
    return text


def render(rows, title="Reproduction summary", notes=(), revisions=None, current=None):
    """The Markdown table of ``rows`` with criteria as footnotes.

    Parameters
    ----------
    rows : list of dict
    title : str, optional
    notes : sequence of str, optional
        Lines above the table.
    revisions : dict, optional
        job id -> ``(revision, dirty)`` of the jobs behind the rows (the
        revision column; ``+`` marks uncommitted changes).
    current : str, optional
        The revision of the code writing the summary: rows computed at
        another one are flagged ``(older)`` and counted above the table.
    """
    revisions = revisions or {}
    cells = [revision_cell(item["jobs"], revisions, current) for item in rows]
    older = sum(cell.endswith(f"({OLDER})") for cell in cells)
    if older:
        notes = [*notes, f"**{older} row(s) were computed at an older code revision** (marked "
                         f"({OLDER})): rerun their jobs, or bump the steps' numerics (their Step records) if the "
                         "numbers changed."]
    lines = [f"# {title}", ""]
    lines.extend(notes)
    if notes:
        lines.append("")
    criteria = []
    sections = list(dict.fromkeys(item.get("section") for item in rows if item.get("section")))
    main = [None] if not rows or any(not item.get("section") for item in rows) else []
    for section in main + sections:
        if section is not None:
            lines.extend(["", f"## {section[:1].upper()}{section[1:]}", ""])
        columns = COLUMNS if section is None else SECTION_COLUMNS
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for item, revision in zip(rows, cells):
            if item.get("section") != section:
                continue
            quantity = item["quantity"]
            if item.get("criterion"):
                if item["criterion"] not in criteria:
                    criteria.append(item["criterion"])
                quantity += f" [{criteria.index(item['criterion']) + 1}]"
            jobs = ", ".join(f"`{job}`" for job in item["jobs"])
            line = ((item["study"], quantity, item["paper"], item["ours"], jobs, item["reproduces"], revision)
                    if section is None else (item["study"], quantity, item["ours"], jobs, revision))
            lines.append("| " + " | ".join(_cell(cell) for cell in line) + " |")
    if criteria:
        lines.extend(["", "Criteria:", ""])
        lines.extend(f"{i}. {text}" for i, text in enumerate(criteria, 1))
    lines.extend([
        "",
        (
            "State points: `signac find <key> <value>` or `signac statepoint <job id>` in the "
            "workflow directory; artifacts in `workspace/<job id>/`."
        ),
    ])
    return "\n".join(lines) + "\n"


def write_summary(row_files, output, title="Reproduction summary", notes=(), revisions=None, current=None):
    """Merge the studies' row files into ``output`` (Markdown), atomically; see :func:`render`."""
    rows = read_rows(row_files)
    notes = list(notes) + [f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."]
    if callable(revisions):
        revisions = {job: revisions(job) for item in rows for job in item["jobs"]}
    with atomic_path(output) as tmp:
        tmp.write_text(render(rows, title, notes, revisions, current))
    return rows
