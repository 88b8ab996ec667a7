"""Calibration of the sweeps' deterministic cost: counted flop against measured CPU time.

The sweeps decide on a counted cost
(:func:`anisoap_pipeline.studies.sweep.analysis.featurisation_cost`: the kernels'
floating-point operations, :func:`anisoap_pipeline.anisoap.operation_count.operation_count`,
plus ``FRAME_OVERHEAD`` flop-equivalents per frame), not on time. This
benchmark featurises the datasets of the default sweeps
(``studies.sweep.sweeps`` of ``config/config.yaml``: 1,000 Gay-Berne dimers
and, where ``../shared`` exists, the 999 real PBE-TS benzene crystals coarse
grained) at every grid point of their plan, timed exactly as a ``sweep_point``
job times it (:func:`anisoap_pipeline.studies.sweep.analysis.timed_features`: numba on
one thread, after a warm-up, minimum CPU time of ``--repeats`` runs), next to
the count. It prints per grid point the measured CPU µs per centre and the
cost in kflop per centre, then:

* the Spearman rank correlation of measured time and cost, per sweep and
  pooled (the fronts depend only on the ranking within a sweep);
* ns per kflop of cost: the least-squares slope through the origin of CPU
  time against cost (multiply a cost by it for seconds on this machine);
* the fit that sets ``FRAME_OVERHEAD``: CPU time = a × frames + b × flop over
  all points (b in ns per flop, a in µs per frame, a / b in flop-equivalents).

Usage::

    python benchmarks/sweep_cost.py                   # both default sweeps, 5 repeats
    python benchmarks/sweep_cost.py --sweeps gay_berne_dimers --repeats 3

The 1-minute load average is printed before and after: the machine is shared.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def default_sweeps():
    """The validated default config's sweep section and its plan (benzene skipped without ../shared)."""
    import warnings

    from anisoap_pipeline import studies
    from anisoap_pipeline.config import load_config

    config = load_config()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        plan = studies.study_plan("sweep").plan(config["studies"]["sweep"], basedir=str(ROOT))
    return config["studies"]["sweep"], plan


def dataset_frames(plan, point):
    """Frames of a sweep point's dataset job, built in memory as its step builds them."""
    from ase.io import read

    from anisoap_pipeline.studies.benzene.coarse_grain import coarse_grain_frames
    from anisoap_pipeline.studies.gay_berne.data import sample_dimers
    from anisoap_pipeline.steps import parameters

    dataset = plan.jobs[point.state_point["dataset"]]
    if dataset.step == "dimers":
        return sample_dimers(**parameters(dataset.state_point))
    if dataset.step == "coarse_grain":
        crystals = plan.jobs[dataset.state_point["crystals"]].state_point
        atoms = read(crystals["filename"], index=slice(crystals["start"], crystals["stop"], crystals["stride"]),
                     format="extxyz")
        return coarse_grain_frames(atoms, dataset.state_point["diameters"], atoms_per_molecule=12)
    raise ValueError(f"no in-memory builder for a {dataset.step} dataset")


def measure(plan, name, repeats):
    """Per grid point of sweep ``name``: label, ν, measured µs per centre, kflop per centre, counts."""
    from anisoap_pipeline.anisoap.names import CORRELATION_ORDER
    from anisoap_pipeline.studies.sweep.analysis import featurisation_cost, timed_features
    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
    from anisoap_pipeline.frames import read_frames, write_frames
    from anisoap_pipeline.studies.sweep.steps import _FEATURISER

    (report,) = [report for report in plan.reports if report.name == name]
    (front,) = report.groups["front"]
    points = [plan.jobs[job] for job in plan.jobs[front].state_point["points"]]
    frames = dataset_frames(plan, points[0])
    with tempfile.TemporaryDirectory() as folder:  # the step reads its frames back from the dataset's frames.xyz
        write_frames(Path(folder) / "frames.xyz", frames)
        frames = read_frames(Path(folder) / "frames.xyz")
    rows = []
    first = points[0].state_point  # untimed: the first featurisation of a process pays for loading
    calculator = EllipsoidalDensityProjection(**{key: first[key] for key in _FEATURISER})
    timed_features(calculator, frames, first["kind"], 1, diameters=first.get("diameters"))
    for point in points:
        sp = point.state_point
        calculator = EllipsoidalDensityProjection(**{key: sp[key] for key in _FEATURISER})
        _, timing = timed_features(calculator, frames, sp["kind"], repeats, diameters=sp.get("diameters"))
        cost = featurisation_cost(calculator, frames, sp["kind"], diameters=sp.get("diameters"))
        rows.append({"label": point.details.split(" ", 1)[1], "correlation_order": CORRELATION_ORDER[sp["kind"]],
                     "us": timing["us_per_centre"], "kflop": cost["kflop_per_centre"], "cpu_s": timing["cpu_s"],
                     "flop": cost["flop"], "n_frames": cost["n_frames"], "terms": cost["terms"]})
        print(f"  {point.details:55s} {timing['us_per_centre']:8.2f} µs/centre {cost['kflop_per_centre']:9.2f} "
              f"kflop/centre", file=sys.stderr, flush=True)
    return rows


def fits(rows):
    """Spearman rho (time, cost), ns per kflop of cost through the origin, (b ns/flop, a µs/frame) of
    CPU time = a × frames + b × flop."""
    from scipy.stats import spearmanr

    us, kflop = np.array([r["us"] for r in rows]), np.array([r["kflop"] for r in rows])
    cpu = np.array([r["cpu_s"] for r in rows])
    cost = kflop * np.array([r["cpu_s"] / r["us"] * 1e6 for r in rows])  # kflop per centre x centres
    per_kflop = 1e9 * float(cost @ cpu / (cost @ cost))
    design = np.array([[r["n_frames"], r["flop"]] for r in rows], dtype=float)
    (a, b), *_ = np.linalg.lstsq(design, cpu, rcond=None)
    return spearmanr(us, kflop).statistic, per_kflop, 1e9 * b, 1e6 * a


def main(argv=None):
    from anisoap_pipeline.studies.sweep.analysis import FRAME_OVERHEAD

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweeps", nargs="*", help="names under studies.sweep.sweeps (default: all planned)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per grid point (the minimum is kept)")
    args = parser.parse_args(argv)
    _, plan = default_sweeps()
    names = args.sweeps or [report.name for report in plan.reports]
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    start = time.perf_counter()
    results = {name: measure(plan, name, args.repeats) for name in names}
    print(f"load average after: {os.getloadavg()[0]:.2f} ({time.perf_counter() - start:.0f} s)\n")
    print("| sweep | grid point | ν | CPU µs/centre | cost, kflop/centre | of it counted in kernels | ns per kflop |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, rows in results.items():
        for r in sorted(rows, key=lambda r: r["kflop"]):
            counted = r["flop"] / (r["flop"] + FRAME_OVERHEAD * r["n_frames"])
            print(f"| {name} | {r['label']} | {r['correlation_order']} | {r['us']:.1f} | {r['kflop']:.1f} | "
                  f"{100 * counted:.0f} % | {1e3 * r['us'] / r['kflop']:.2f} |")
    print(f"\nFRAME_OVERHEAD = {FRAME_OVERHEAD:,} flop-equivalents per frame (fixed in code)\n")
    print("| sweep | points | Spearman ρ (time, cost) | ns per kflop of cost | fit: ns/flop | fit: µs/frame | "
          "fit: frame overhead, flop |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    pooled = [("pooled", sum(results.values(), []))] if len(results) > 1 else []
    for name, rows in [*results.items(), *pooled]:
        rho, per_kflop, ns_per_flop, us_per_frame = fits(rows)
        print(f"| {name} | {len(rows)} | {rho:.3f} | {per_kflop:.0f} | {ns_per_flop:.3f} | {us_per_frame:.1f} | "
              f"{1e3 * us_per_frame / ns_per_flop:,.0f} |")


if __name__ == "__main__":
    main()
