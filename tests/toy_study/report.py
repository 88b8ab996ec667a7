"""Report of the toy study: particles per frame, and one summary row."""

from ...steps import Report


def toy_report(out, groups, args):
    """``counts.csv`` (particles per frame) and ``summary_rows.json`` from the ``frames`` group."""
    from ...frames import read_frames
    from ...summary import row, write_rows
    from ...tracking import artifact

    (job,) = groups["frames"]
    counts = [len(atoms) for atoms in read_frames(artifact(job, "frames"))]
    (out / "counts.csv").write_text("frame,particles\n" + "".join(f"{i},{n}\n" for i, n in enumerate(counts)))
    write_rows(out / "summary_rows.json", [row("toy", "particles", "-", str(sum(counts)), job, "n/a")])


REPORTS = [Report("toy_report", toy_report, "particles per frame of the toy study", category="Toy")]
