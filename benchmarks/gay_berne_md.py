"""State points and speed of the LAMMPS Gay-Berne reference MD (``potentials.lammps.gay_berne_md``).

For each (density, temperature, start) given, one run of the classic
GB(kappa=3, kappa'=5, mu=2, nu=1), ``shape 1 1 3``, cutoff 4, N particles,
``nvt/asphere``: equilibration, then frames ``stride`` steps apart. Prints the
nematic order parameter S of the frames (mean, standard deviation, min, max;
:func:`anisoap_pipeline.studies.liquid_crystals.order_parameters.nematic_order`),
the mean instantaneous temperature, and the speed of ``pair_style gayberne``
(MD steps per second of wall time, the whole call, one process).

Usage::

    python benchmarks/gay_berne_md.py                               # the default state points
    python benchmarks/gay_berne_md.py --points 0.25:1.5:random 0.33:1.0:aligned \
        --n 256 --equilibration 4000 --frames 8 --stride 250

Each point is ``density:temperature:start`` with start ``aligned`` (S = 1) or
``random`` (compressed from a dilute random lattice over half the equilibration).
The 1-minute load average is printed before and after (other processes share
the cores). Run it from outside the checkout or with the package installed.
"""

import argparse
import os
import time

import numpy as np

from anisoap_pipeline.potentials.lammps import gay_berne_md
from anisoap_pipeline.studies.liquid_crystals.order_parameters import nematic_order

DEFAULT_POINTS = ["0.25:1.5:random", "0.28:2.0:aligned", "0.36:1.2:aligned", "0.36:1.2:random"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", nargs="+", default=DEFAULT_POINTS)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--equilibration", type=int, default=4000)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--stride", type=int, default=250)
    parser.add_argument("--timestep", type=float, default=0.002)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for point in args.points:
        density, temperature, start = point.split(":")
        density, temperature = float(density), float(temperature)
        steps = args.equilibration + args.frames * args.stride
        began = time.perf_counter()
        frames = gay_berne_md(
            args.n, density, temperature, args.seed, n_frames=args.frames, stride=args.stride,
            equilibration_steps=args.equilibration, timestep=args.timestep, orientations=start,
        )
        seconds = time.perf_counter() - began
        S = nematic_order(frames)
        T = np.mean([atoms.info["temperature"] for atoms in frames])
        print(
            f"N={args.n} density={density} T={temperature} start={start} steps={steps}: "
            f"S = {S.mean():.3f} +- {S.std():.3f} (min {S.min():.3f}, max {S.max():.3f}; first {S[0]:.3f}, "
            f"last {S[-1]:.3f}), <T_inst> = {T:.3f}, {steps / seconds:.0f} steps/s ({seconds:.1f} s)",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
