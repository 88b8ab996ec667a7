"""Cost of the liquid-crystal study's analysis per cutoff: AniSOAP spectra and Steinhardt q_l.

Generates ``--frames`` L/D = 3 frames (half nematic, half smectic) of N hard
spheroids at ``--packing`` by compression Monte Carlo, then times, for each
``--cutoffs`` value, the power spectrum (the study's hypers: l_max = n_max = 6,
σ_GTO = 3), the radial spectrum (l = 0) and the weighted Steinhardt q_0 … q_6,
each after a warm-up call, ``--repeats`` times; prints the median seconds
scaled to 200 frames (the default study's two data sets at one cutoff).

    python benchmarks/lc_cutoffs.py --frames 6 --cutoffs 3.5 5 6 7
"""

import argparse
import json
import time

import numpy as np

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.studies.liquid_crystals.data import generate_dataset
from anisoap_pipeline.studies.liquid_crystals.order_parameters import steinhardt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--n-particles", type=int, default=150)
    parser.add_argument("--packing", type=float, default=0.3)
    parser.add_argument("--cutoffs", type=float, nargs="+", default=[3.5, 5.0, 7.0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None, help="write the timings here")
    args = parser.parse_args()
    frames = generate_dataset(args.frames // 2, args.frames - args.frames // 2, aspect_ratio=3.0,
                              n_particles=args.n_particles, packing_fraction=args.packing,
                              method="monte_carlo", seed=0)
    print(f"{len(frames)} frames, box width {min(a.cell.lengths().min() for a in frames):.2f} D", flush=True)
    steps = {
        "power_spectrum": lambda c: EllipsoidalDensityProjection(
            max_angular=6, max_radial=6, radial_gaussian_width=3.0, cutoff=c).compute(frames, kind="power_spectrum"),
        "radial_spectrum": lambda c: EllipsoidalDensityProjection(
            max_angular=0, max_radial=[6], radial_gaussian_width=3.0, cutoff=c).compute(frames, kind="radial_spectrum"),
        "steinhardt": lambda c: steinhardt(frames, c, l_values=list(range(7)), weighted=True),
    }
    times = {name: {c: [] for c in args.cutoffs} for name in steps}
    for name, step in steps.items():
        step(args.cutoffs[0])  # warm-up: numba compilation
    for _ in range(args.repeats):
        for cutoff in args.cutoffs:
            for name, step in steps.items():
                start = time.perf_counter()
                step(cutoff)
                times[name][cutoff].append((time.perf_counter() - start) * 200 / len(frames))
    result = {name: {str(c): float(np.median(t)) for c, t in per.items()} for name, per in times.items()}
    print("seconds per 200 frames (median of", args.repeats, "repeats)")
    print("cutoff  " + "  ".join(f"{name:>16}" for name in steps))
    for cutoff in args.cutoffs:
        print(f"{cutoff:6g}  " + "  ".join(f"{result[name][str(cutoff)]:16.1f}" for name in steps))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"args": vars(args), "seconds_per_200_frames": result}, handle, indent=1)


if __name__ == "__main__":
    main()
