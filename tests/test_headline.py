"""Headline values: results/headline.json, the README block, and the drift test between them."""

import json
from pathlib import Path

import pytest

from anisoap_pipeline.summary import row
from anisoap_pipeline.summary.headline import (
    drift,
    headline_values,
    parse_block,
    render_block,
    write_headline,
)

ROOT = Path(__file__).resolve().parents[1]


def _rows():
    return [row("benzene", "q", "p", "o", "a" * 32, "yes",
                headline={"benzene.anisoap.r2": {"mean": 0.67, "sd": 0.15, "n": 10, "values": [0.1] * 10}}),
            row("gay_berne", "q", "p", "o", "b" * 32, "no",
                headline={"gay_berne.h12_pw.r2": {"mean": 0.99812, "sd": 0.0004, "n": 10}}),
            row("benzene", "q2", "p", "o", "c" * 32, "n/a")]


def test_block_round_trip(tmp_path):
    values = write_headline(_rows(), tmp_path)
    assert list(values) == ["benzene.anisoap.r2", "gay_berne.h12_pw.r2"]  # sorted, values dropped
    assert json.loads((tmp_path / "headline.json").read_text()) == values
    text = "# README\n\nsome text\n\n" + (tmp_path / "headline.md").read_text() + "\nmore\n"
    stated = parse_block(text)
    assert stated["benzene.anisoap.r2"] == {"mean": 0.67, "sd": 0.15, "digits": 2}
    assert stated["gay_berne.h12_pw.r2"]["mean"] == 0.9981
    assert drift(values, stated) == []
    assert parse_block("no block here") is None
    with pytest.raises(ValueError, match="twice|two rows"):
        headline_values(_rows() + _rows()[:1])


def test_drift_beyond_the_stated_spread():
    stated = parse_block(render_block({"a": {"mean": 0.5, "sd": 0.1}, "b": {"mean": 1.25, "sd": 0.0}}))
    assert drift({"a": {"mean": 0.59}, "b": {"mean": 1.2504}}, stated) == []  # within sd; within rounding
    moved = drift({"a": {"mean": 0.61}, "b": {"mean": 1.26}}, stated)
    assert len(moved) == 2 and moved[0].startswith("a: run 0.61 vs README 0.5 ± 0.1")
    assert drift({"a": {"mean": 0.5}}, stated) == ["b: in the README but not in the run's headline values"]
    bad = render_block({"a": {"mean": 0.5, "sd": 0.1}}).replace("| 0.5 |", "| half |")
    with pytest.raises(ValueError, match="cannot read"):
        parse_block(bad)


def test_results_do_not_drift_from_the_readme():
    """results/headline.json of the last run against the README's block (skips without a run)."""
    if not (ROOT / "results/summary.md").exists():
        pytest.skip("no results/summary.md: run the default study first (snakemake --cores all)")
    stated = parse_block((ROOT / "README.md").read_text())
    if stated is None:
        pytest.skip("the README has no headline block yet (paste results/headline.md)")
    path = ROOT / "results/headline.json"
    if not path.exists():
        pytest.skip("results/summary.md predates results/headline.json: rerun the summary rule")
    messages = drift(json.loads(path.read_text()), stated)
    assert not messages, "headline values drifted from the README:\n" + "\n".join(messages)
