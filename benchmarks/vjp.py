"""Cost of energy + forces + torques of a potential on per-centre AniSOAP features.

Workload (one molecular-dynamics step): one frame of 256 (1, 1, 3) ellipsoids
(c_diameter 1, 1, 3), random positions and orientations (seeded) in a periodic
cube at number density 0.26, shifted-cosine smooth cutoff of width 1,
radial_gaussian_width 0.75, power spectrum; hyperparameter sets
(max_angular, max_radial, cutoff) = (4, 3, 4) and (6, 4, 5). Configurations,
interleaved in one process, median of ``--runs`` repetitions after a warm-up:

* ``features``: ``compute(frame, per_centre=True)``, the per-centre power spectrum;
* ``vjp``: what a step needs, with one neighbour search:
  ``compute_coefficients(frame, keep_pairs=True)``, the per-centre power
  spectrum from them, then ``vector_jacobian_product`` with fixed weights
  standing in for the model's ∂E/∂x (the model's own cost is not counted);
* ``full gradients``: ``compute(frame, per_centre=True, gradients=("positions",
  "orientations"))`` contracted with the same weights (the route before).

The machine may be shared: the load average is printed, wall and CPU times
(``time.process_time``, less sensitive to other processes) are both measured,
and the ratios to the features measured in the same run are the result, not
the absolute times.

Usage::

    python benchmarks/vjp.py --runs 7 [--threads 1] [--json out.json]
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

HYPERS = {
    "(4, 3, 4)": {"max_angular": 4, "max_radial": 3, "cutoff": 4.0},
    "(6, 4, 5)": {"max_angular": 6, "max_radial": 4, "cutoff": 5.0},
}
CONFIGS = ("features", "vjp", "full gradients")


def frame(n=256, density=0.26, seed=0):
    """256 (1, 1, 3) ellipsoids at random in a periodic cube (seeded)."""
    import ase
    import numpy as np
    from scipy.spatial.transform import Rotation

    side = (n / density) ** (1 / 3)
    rng = np.random.default_rng(seed)
    atoms = ase.Atoms(numbers=np.ones(n, dtype=int), positions=rng.random((n, 3)) * side, cell=np.eye(3) * side,
                      pbc=True)
    atoms.arrays["c_q"] = Rotation.random(n, random_state=seed).as_quat(scalar_first=True)
    for k, d in enumerate((1.0, 1.0, 3.0)):
        atoms.arrays[f"c_diameter[{k + 1}]"] = np.full(n, d)
    return atoms


def runs(hypers):
    import numpy as np

    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

    atoms = frame()
    calculator = EllipsoidalDensityProjection(radial_gaussian_width=0.75, cutoff_smoothing_width=1.0, **hypers)
    n_features = calculator.compute(atoms, per_centre=True).block(0).values.shape[1]
    weights = np.random.default_rng(1).standard_normal((len(atoms), n_features))

    def vjp():
        coefficients = calculator.compute_coefficients(atoms, keep_pairs=True)
        coefficients.invariants("power_spectrum", mean_over_samples=False)
        return calculator.vector_jacobian_product(coefficients, weights)

    def full():
        result = calculator.compute(atoms, per_centre=True, gradients=("positions", "orientations"))
        out = {}
        for parameter in ("positions", "orientations"):
            contracted = np.einsum("sxf,sf->sx", result.gradient(parameter), weights[result.sample_center])
            out[parameter] = np.zeros((len(atoms), 3))
            np.add.at(out[parameter], result.sample_atom, contracted)
        return out

    return {
        "features": lambda: calculator.compute(atoms, per_centre=True),
        "vjp": vjp,
        "full gradients": full,
    }, (vjp, full)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="numba threads")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    os.environ["NUMBA_NUM_THREADS"] = str(args.threads)
    import numpy as np

    results = {}
    for name, hypers in HYPERS.items():
        configs, (vjp, full) = runs(hypers)
        a, b = vjp(), full()  # warm-up, and the two routes agree
        agreement = max(np.abs(a[p] - b[p]).max() / np.abs(b[p]).max() for p in a)
        times = {config: [] for config in CONFIGS}
        cpu = {config: [] for config in CONFIGS}
        for _ in range(args.runs):
            for config in CONFIGS:
                start, start_cpu = time.perf_counter(), time.process_time()
                configs[config]()
                times[config].append(time.perf_counter() - start)
                cpu[config].append(time.process_time() - start_cpu)
        results[name] = {
            "times": times, "cpu": cpu, "median": {c: statistics.median(t) for c, t in times.items()},
            "median_cpu": {c: statistics.median(t) for c, t in cpu.items()}, "agreement": agreement,
        }
    load = os.getloadavg()
    print(f"256 (1, 1, 3) ellipsoids, density 0.26, smooth cutoff width 1, σ 0.75; threads {args.threads}; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.runs} runs\n")
    print("| (max_angular, max_radial, cutoff) | features (ms) | energy + forces + torques, vjp (ms) | "
          "full gradients + contraction (ms) | vjp / features | full / features | full / vjp | "
          "max relative difference |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        m, c = r["median"], r["median_cpu"]

        def pair(config, m=m, c=c):
            return f"{1e3 * m[config]:.1f} / {1e3 * c[config]:.1f}"

        def ratio(a, b, digits, m=m, c=c):
            return f"{m[a] / m[b]:.{digits}f}× / {c[a] / c[b]:.{digits}f}×"

        print(f"| {name} | {pair('features')} | {pair('vjp')} | {pair('full gradients')} | "
              f"{ratio('vjp', 'features', 2)} | {ratio('full gradients', 'features', 1)} | "
              f"{ratio('full gradients', 'vjp', 1)} | {r['agreement']:.1e} |")
    print("\n(each cell: median wall / median CPU time)")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "load": load, "threads": args.threads}, indent=1))


if __name__ == "__main__":
    main()
