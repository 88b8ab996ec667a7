"""Headline values: ``results/headline.json`` and the README block a drift test compares it with.

Rows of the summary carry their headline numbers as statistics over seeded
splits (``row(..., headline={name: {"mean", "sd", "n"}})``, names such as
``benzene.anisoap.r2``). :func:`write_headline` collects them next to
``results/summary.md`` as ``headline.json`` and ``headline.md``, the block to
paste into the README. The README's block is a Markdown table between
:data:`BEGIN` and :data:`END`::

    | headline value | mean | sd |
    |---|---|---|
    | `benzene.anisoap.r2` | 0.67 | 0.15 |

:func:`drift` lists the values of a run that left the README's stated spread
(``tests/test_headline_drift.py``).
"""

from __future__ import annotations

import math
import re

from ..io import atomic_path, save_json

__all__ = ["BEGIN", "END", "drift", "headline_values", "parse_block", "render_block", "write_headline"]

BEGIN = "<!-- headline values: begin (tests/test_headline.py; regenerate from results/headline.md) -->"
END = "<!-- headline values: end -->"
_LINE = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*([-+0-9.eE]+)\s*\|\s*([-+0-9.eE]+|nan)\s*\|\s*$")


def headline_values(rows):
    """name -> ``{"mean", "sd", "n"}`` of every row's headline values, sorted by name.

    Raises
    ------
    ValueError
        If two rows give the same name.
    """
    values = {}
    for item in rows:
        for name, statistic in item.get("headline", {}).items():
            if name in values:
                raise ValueError(f"headline value {name!r} given by two rows")
            values[name] = statistic
    return dict(sorted(values.items()))


def render_block(values, digits=4):
    """The README block of ``values`` (mean and sd to ``digits`` significant digits)."""
    lines = [BEGIN, "| headline value | mean | sd |", "|---|---|---|"]
    lines += [f"| `{name}` | {v['mean']:.{digits}g} | {v['sd']:.{digits}g} |" for name, v in values.items()]
    return "\n".join([*lines, END]) + "\n"


def write_headline(rows, directory):
    """Write ``headline.json`` and ``headline.md`` (the README block) into ``directory``; return the values."""
    values = headline_values(rows)
    save_json(f"{directory}/headline.json", values)
    with atomic_path(f"{directory}/headline.md") as tmp:
        tmp.write_text(render_block(values))
    return values


def parse_block(text):
    """name -> ``{"mean", "sd", "digits"}`` of the README block; None if the text has no block.

    ``digits`` is the number of decimals of the printed mean (its rounding).

    Raises
    ------
    ValueError
        For a line inside the block that is not a table row of the format, naming it.
    """
    if BEGIN not in text:
        return None
    body = text.split(BEGIN, 1)[1]
    if END not in body:
        raise ValueError(f"README headline block has no end marker {END!r}")
    values = {}
    for line in body.split(END, 1)[0].strip().splitlines()[2:]:
        match = _LINE.match(line.strip())
        if not match:
            raise ValueError(f"README headline block: cannot read {line!r} (want | `name` | mean | sd |)")
        name, mean, sd = match.groups()
        decimals = len(mean.split(".")[1]) if "." in mean and "e" not in mean.lower() else 0
        values[name] = {"mean": float(mean), "sd": float(sd), "digits": decimals}
    return values


def drift(values, stated):
    """Messages for every stated headline value a run's ``values`` lost or moved beyond its spread.

    A value drifts when ``|mean - stated mean|`` exceeds the stated sd, or,
    for a stated sd of 0, the rounding of the printed mean (half a unit of
    its last digit).

    Parameters
    ----------
    values : dict
        :func:`headline_values` of a run (``results/headline.json``).
    stated : dict
        :func:`parse_block` of the README.

    Returns
    -------
    list of str
        Empty when nothing drifted.
    """
    messages = []
    for name, claim in stated.items():
        if name not in values:
            messages.append(f"{name}: in the README but not in the run's headline values")
            continue
        mean = values[name]["mean"]
        spread = claim["sd"] if math.isfinite(claim["sd"]) else 0.0  # one split: no spread
        tolerance = max(spread, 0.5 * 10.0 ** -claim.get("digits", 0)) * (1 + 1e-9)
        if not math.isfinite(mean) or abs(mean - claim["mean"]) > tolerance:
            messages.append(f"{name}: run {mean:.6g} vs README {claim['mean']:g} ± {claim['sd']:g}")
    return messages
