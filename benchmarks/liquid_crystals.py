"""Cost of liquid-crystal frames: compression Monte Carlo against random sequential addition.

Generates nematic and smectic frames of N hard L/D = 3 spheroids at target
S = 0, 0.5, 1 with :func:`anisoap_pipeline.studies.liquid_crystals.data.generate_configuration`,
by compression Monte Carlo to ``--packing`` and, in the same run, by random
sequential addition at ``--rsa-packing``; prints per frame the wall time,
the Monte Carlo sweeps, the measured S and layer order, and the mean number
of Steinhardt neighbours within each ``--cutoffs``; then frames/s per method
(median over the frames of a method, after one warm-up frame that compiles
the numba kernels).

    python benchmarks/liquid_crystals.py --n-particles 150 --packing 0.3
"""

import argparse
import json
import time

import numpy as np

from anisoap_pipeline.studies.liquid_crystals.data import generate_configuration
from anisoap_pipeline.studies.liquid_crystals.order_parameters import layer_order, nematic_order


def neighbours(atoms, cutoff):
    """Mean number of centres within ``cutoff`` (every periodic image)."""
    density = len(atoms) / abs(atoms.cell.volume)
    fractional = atoms.cell.scaled_positions(atoms.positions)
    d = fractional[None] - fractional[:, None]
    count = 0
    reach = int(np.ceil(cutoff / min(atoms.cell.lengths()))) + 1
    for shift in np.ndindex(*(2 * reach + 1,) * 3):
        r = (d + np.array(shift) - reach) @ atoms.cell.array
        count += np.count_nonzero(np.einsum("ijk,ijk->ij", r, r) < cutoff**2)
    count -= len(atoms)  # self
    return count / len(atoms), 4 / 3 * np.pi * cutoff**3 * density


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-particles", type=int, default=150)
    parser.add_argument("--packing", type=float, default=0.3)
    parser.add_argument("--rsa-packing", type=float, default=0.12)
    parser.add_argument("--targets", type=float, nargs="+", default=[0.0, 0.5, 1.0])
    parser.add_argument("--cutoffs", type=float, nargs="+", default=[5.0, 7.0])
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args()

    generate_configuration("nematic", 0.5, n_particles=60, packing_fraction=0.2,
                           method="monte_carlo", seed=0)  # compile
    rows = []
    for method, packing in (("monte_carlo", args.packing), ("rsa", args.rsa_packing)):
        for phase in ("nematic", "smectic"):
            for k, target in enumerate(args.targets):
                start = time.perf_counter()
                atoms = generate_configuration(phase, target, n_particles=args.n_particles,
                                               packing_fraction=packing, method=method, seed=k)
                seconds = time.perf_counter() - start
                row = dict(method=method, packing=packing, phase=phase, target_S=target,
                           seconds=seconds, sweeps=atoms.info.get("compression_sweeps", 0),
                           S=float(nematic_order(atoms)[0]),
                           layer_order=float(layer_order(atoms, args_spacing(atoms))[0]),
                           neighbours={c: neighbours(atoms, c)[0] for c in args.cutoffs})
                rows.append(row)
                print(json.dumps(row))
    for method in ("monte_carlo", "rsa"):
        seconds = np.median([row["seconds"] for row in rows if row["method"] == method])
        print(f"{method}: median {seconds:.3f} s per frame, {1 / seconds:.2f} frames/s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)


def args_spacing(atoms):
    """The generator's layer spacing d = L + 0.2 D (also for nematics, as the workflow does)."""
    return atoms.info.get("layer_spacing", atoms.info["aspect_ratio"] + 0.2)


if __name__ == "__main__":
    main()
