r"""Speed of molecular dynamics driven by learned AniSOAP potentials, against LAMMPS's own Gay-Berne.

One 256-particle GB(3, 5, 2, 1) liquid ((1, 1, 3) ellipsoids, number density 0.25,
T = 1.5, random-orientation start, :func:`anisoap_pipeline.potentials.lammps.gay_berne_md`
equilibrated); potentials fitted on a few frames of the same run with the potentials
study's default settings (``config/schema.yaml``: features l 6, n 5, Gaussian width 0.3,
cutoff 4 with a smoothing width 1, densities of diameters (0.35, 0.35, 1.05); models
linear ν = 2, linear ν = 3 at l 4 n 3, sparse kernel ν = 2 ζ = 2 M = 200) and the full
run's linear ν = 2 at l 10 n 6 with diameters (0.4, 0.4, 1.2). Timed on the frame after
the fitted ones, all in one process:

- ``features``: the per-centre features (``calculator.compute(..., per_centre=True)``);
- ``E+F+τ (VJP)``: ``energy_forces_torques`` (one neighbour search, the features, the
  model, the vector-Jacobian product);
- ``VJP, 2 searches``: the same with the product recomputing the neighbour pairs and
  coefficients from the frame (the route before the features kept their pairs);
- ``E+F+τ (full gradients)``: the same with ``use_vector_jacobian_product = False``
  (the features' gradient tensor, contracted);
- MD steps per second of ``run_md(frame, potential, steps=K, ensemble="nve")`` and of
  ``run_md(frame, GayBerneParameters(), steps=M)`` (native ``pair_style gayberne``).
  Each MD time is that of a ``steps`` run minus that of a 0-step run from the same frame
  (LAMMPS set-up, the step-0 forces), divided by ``steps``; thermo output and the
  energy-jump check only at the ends (``thermo_every=steps``), so Python is called
  every step only by the learned potential.

Each time is the median of ``--repeats`` runs after one warm-up (numba compilation).
Timings are wall-clock on a possibly shared machine: the load average is printed;
the ratios within one run are what compare. Run from the repository root::

    NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m benchmarks.md_speed --repeats 5

``--output`` also writes the numbers as JSON.
"""

import argparse
import json
import os
import platform
import time

import numba
import numpy as np
from ase.neighborlist import neighbor_list

from anisoap_pipeline.potentials.lammps import GayBerneParameters, gay_berne_md, run_md
from anisoap_pipeline.potentials.model import AniSOAPPotential

#: The potentials study's default features (config/schema.yaml, studies.potentials.features).
FEATURES = dict(max_angular=6, max_radial=5, radial_gaussian_width=0.3, cutoff=4.0, cutoff_smoothing_width=1.0,
                diameters=(0.35, 0.35, 1.05))
#: name -> AniSOAPPotential keyword arguments: the study's default models, and the full run's l 10 n 6.
MODELS = {
    "linear ν=2 l6 n5": dict(FEATURES, model="linear", kind="power_spectrum"),
    "linear ν=3 l4 n3": dict(FEATURES, model="linear", kind="bispectrum", max_angular=4, max_radial=3),
    "kernel ν=2 l6 n5 ζ=2 M=200": dict(FEATURES, model="kernel", kind="power_spectrum", degree=2, n_sparse=200),
    "linear ν=2 l10 n6": dict(FEATURES, model="linear", kind="power_spectrum", max_angular=10, max_radial=6,
                              diameters=(0.4, 0.4, 1.2)),
}
TIMESTEP = 0.002


def median_time(function, repeats):
    """Median wall time (s) of ``repeats`` calls after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def md_step_time(frame, potential, steps, repeats):
    """Seconds per MD step: (run of ``steps`` - run of 0 steps) / ``steps``, medians."""
    def run(n):
        return lambda: run_md(frame, potential, steps=n, timestep=TIMESTEP, ensemble="nve", thermo_every=max(n, 1))

    empty = median_time(run(0), repeats)
    full = median_time(run(steps), repeats)
    return (full - empty) / steps, empty


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--particles", type=int, default=256)
    parser.add_argument("--density", type=float, default=0.25)
    parser.add_argument("--temperature", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--equilibration", type=int, default=4000, help="MD steps before the first frame")
    parser.add_argument("--stride", type=int, default=250, help="MD steps between frames")
    parser.add_argument("--train", type=int, default=4, help="frames fitted (the next one is timed)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--learned-steps", type=int, default=10, help="K, MD steps per learned run")
    parser.add_argument("--native-steps", type=int, default=2000, help="M, MD steps per native run")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--output", help="also write the numbers here (JSON)")
    args = parser.parse_args(argv)

    load_start = os.getloadavg()
    frames = gay_berne_md(args.particles, args.density, args.temperature, args.seed, n_frames=args.train + 1,
                          stride=args.stride, equilibration_steps=args.equilibration, orientations="random")
    train, frame = frames[:args.train], frames[-1]
    n = len(frame)
    neighbours = len(neighbor_list("i", frame, FEATURES["cutoff"])) / n

    native, native_setup = md_step_time(frame, GayBerneParameters(), args.native_steps, args.repeats)
    rows = []
    for name in args.models:
        start = time.perf_counter()
        potential = AniSOAPPotential(**MODELS[name], seed=0).fit(train)
        fit_time = time.perf_counter() - start
        h = potential.hyperparameters

        def features():
            return potential.calculator.compute(frame, kind=potential.kind, per_centre=True,
                                                species=potential.species_, diameters=h["diameters"])

        def full_gradients():
            potential.use_vector_jacobian_product = False
            try:
                return potential.energy_forces_torques(frame)
            finally:
                potential.use_vector_jacobian_product = True

        def two_searches():
            # the route before the features' pairs were kept: the product searches the neighbours again
            X, types, _ = potential._features([frame], gradients=False)
            local, dE_dx = potential._local(X, types)
            return local.sum(), potential._negative_gradients([frame], types, dE_dx)

        t_features = median_time(features, args.repeats)
        t_vjp = median_time(lambda: potential.energy_forces_torques(frame), args.repeats)
        t_two = median_time(two_searches, args.repeats)
        t_full = median_time(full_gradients, args.repeats)
        learned, learned_setup = md_step_time(frame, potential, args.learned_steps, args.repeats)
        rows.append(dict(model=name, n_features=int(features().block(0).values.shape[1]), fit_s=fit_time,
                         features_s=t_features, vjp_s=t_vjp, vjp_two_searches_s=t_two, full_gradients_s=t_full, md_step_s=learned,
                         md_setup_s=learned_setup))
        print(f"# {name}: done ({fit_time:.1f} s fit)", flush=True)
    load_end = os.getloadavg()

    print()
    print(f"N = {n} ellipsoids, density {args.density}, T {args.temperature}; mean neighbours within the cutoff "
          f"{FEATURES['cutoff']:g}: {neighbours:.1f} per particle; numba threads {numba.get_num_threads()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; load average (1, 5, 15 min) {load_start[0]:.2f} {load_start[1]:.2f} "
          f"{load_start[2]:.2f} at the start, {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f} at the end; "
          f"medians of {args.repeats}; MD: K = {args.learned_steps} learned, M = {args.native_steps} native steps, "
          f"timestep {TIMESTEP}.")
    print()
    print(f"Native LAMMPS GB: {1 / native:.0f} steps/s ({native * 1e3:.3f} ms/step; set-up + step 0 "
          f"{native_setup * 1e3:.0f} ms).")
    print()
    print("| potential | features | features (ms) | E+F+τ VJP (ms) | VJP, 2 searches (ms) | E+F+τ full gradients (ms) "
          "| VJP / features | full / features | MD steps/s | native / learned steps/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['n_features']} | {r['features_s'] * 1e3:.1f} | {r['vjp_s'] * 1e3:.1f} | "
              f"{r['vjp_two_searches_s'] * 1e3:.1f} | "
              f"{r['full_gradients_s'] * 1e3:.1f} | {r['vjp_s'] / r['features_s']:.2f} | "
              f"{r['full_gradients_s'] / r['features_s']:.2f} | {1 / r['md_step_s']:.2f} | "
              f"{r['md_step_s'] / native:.0f} |")
    if args.output:
        with open(args.output, "w") as handle:
            json.dump(dict(vars(args), n_particles=n, mean_neighbours=neighbours, load_start=load_start,
                           load_end=load_end, numba_threads=numba.get_num_threads(), native_md_step_s=native,
                           native_md_setup_s=native_setup, rows=rows), handle, indent=1)


if __name__ == "__main__":
    main()
