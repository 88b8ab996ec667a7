"""Throughput of the AniSOAP featuriser on the two workloads of BENCHMARKS.md.

W1: 100 frames x 50 ellipsoids, diameters (1, 1, 3), random positions and
    orientations in a periodic 20 Å cube; cutoff 7 Å, max_angular 6,
    max_radial 6, radial_gaussian_width 3 Å.
W2: the AniSOAP paper's coarse-grained benzene frames
    (../shared/data/anisoap_paper/benzene_ellipsoids.xyz, diameters 4, 4, 0.5);
    cutoff 7 Å, max_angular 6, max_radial 4, radial_gaussian_width 1.5 Å,
    subtract_center_contribution.

Usage::

    python benchmarks/featurize.py            # everything, prints a markdown report
    python benchmarks/featurize.py --runs 5 --workloads W1

Each configuration runs in a fresh process: one numba thread, two numba
threads, and ``mpiexec -n 2`` (one thread per rank), in turn, for ``--rounds``
rounds; the speed-ups are taken within a round. The speed-ups are then
measured again call by call within one process (one ``mpiexec``), next to a
control kernel that shows what two workers could give at that moment (on
a virtual machine, that varies from one minute to the next). Timings exclude reading the
input file (measured separately for W2) and are the median of ``--runs``
repetitions after one warm-up; compile time is measured separately with an
empty numba cache.

On W1 the same run also times featomic's ``SoapPowerSpectrum`` on the same
points (every particle a hydrogen atom; cutoff 7 Å with a 0.5 Å
shifted-cosine smoothing, Gaussian density width 0.5 Å, max_angular 6,
max_radial 6: 343 features per centre like ours) with one rayon thread:
``--rounds`` rounds, each running our one-thread configuration and
featomic's, alternately, each in its own process; the ratio of each round
(ours / featomic, same minute, same machine load) and their median are
printed with the load average, since the machine may be shared.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENZENE = ROOT.parent / "shared" / "data" / "anisoap_paper" / "benzene_ellipsoids.xyz"
#: featomic's SOAP on the W1 points, the anchor of the per-pair comparison
FEATOMIC_HYPERS = dict(
    cutoff={"radius": 7.0, "smoothing": {"type": "ShiftedCosine", "width": 0.5}},
    density={"type": "Gaussian", "width": 0.5},
    basis={"type": "TensorProduct", "max_angular": 6, "radial": {"type": "Gto", "max_radial": 6}},
)
HYPERS = {
    "W1": dict(max_angular=6, cutoff=7.0, max_radial=6, radial_gaussian_width=3.0),
    "W2": dict(max_angular=6, cutoff=7.0, max_radial=4, radial_gaussian_width=1.5, subtract_center_contribution=True),
}


def workload(name):
    import ase
    import numpy as np
    from scipy.spatial.transform import Rotation

    if name == "W2":
        from anisoap_pipeline.frames import read_frames

        return read_frames(BENZENE, diameters=(4.0, 4.0, 0.5))
    rng = np.random.default_rng(2024)
    frames = []
    for k in range(100):
        atoms = ase.Atoms(numbers=np.ones(50, int), positions=rng.random((50, 3)) * 20.0, cell=np.eye(3) * 20.0, pbc=True)
        atoms.arrays["c_q"] = Rotation.random(50, random_state=k).as_quat(scalar_first=True)
        for d, value in zip((1, 2, 3), (1.0, 1.0, 3.0)):
            atoms.arrays[f"c_diameter[{d}]"] = np.full(50, value)
        frames.append(atoms)
    return frames


def world(mpi):
    """(``MPI.COMM_WORLD``, its rank) under ``mpiexec``, else (None, 0)."""
    if not mpi:
        return None, 0
    from mpi4py import MPI

    return MPI.COMM_WORLD, MPI.COMM_WORLD.Get_rank()


def measure(name, runs, mpi):
    """Run inside a worker process; return a dict of timings (rank 0)."""
    import numba

    import anisoap_pipeline
    import anisoap_pipeline.anisoap.projection as projection
    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

    comm, rank = world(mpi)
    start = time.perf_counter()
    frames = workload(name) if rank == 0 else None
    input_s = time.perf_counter() - start
    calculator = EllipsoidalDensityProjection(**HYPERS[name])

    kernel_calls = []
    original = projection.density_coefficients

    def timed_kernel(*args):
        start = time.perf_counter()
        out = original(*args)
        kernel_calls.append((time.perf_counter() - start, args))
        return out

    projection.density_coefficients = timed_kernel

    def run():
        return calculator.compute(frames, kind="power_spectrum", comm=comm)

    start = time.perf_counter()
    run()  # warm-up: loads (or compiles) the numba kernels
    first_call = time.perf_counter() - start
    totals, cpus, kernels = [], [], []
    for _ in range(runs):
        if comm:
            comm.Barrier()
        kernel_calls.clear()
        start, cpu = time.perf_counter(), time.process_time()
        run()
        totals.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        kernels.append(sum(t for t, _ in kernel_calls))
    if rank != 0:
        return None
    result = dict(
        workload=name,
        package=str(Path(anisoap_pipeline.__file__).parent),
        frames=len(frames),
        particles=sum(len(f) for f in frames),
        threads=numba.get_num_threads(),
        ranks=comm.Get_size() if comm else 1,
        first_call_s=first_call,
        total_s=statistics.median(totals),
        totals_s=totals,
        cpu_s=statistics.median(cpus),
        input_s=input_s,
        kernel_s=statistics.median(kernels),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    if not comm:
        result.update(breakdown(calculator, frames, kernel_calls, original, runs))
    return result


def control_kernel():
    """An ideal parallel kernel: units ``first:last`` of independent vectorised
    multiply-add loops on arrays that stay in the L1 cache, parallel over units. No memory
    traffic, no serial part: what two workers give it is the most this machine
    offers at that moment (on a virtual machine, a second vCPU can share its core
    or its memory bandwidth with other guests)."""
    import numpy as np
    from numba import njit, prange

    @njit(parallel=True)
    def control(first, last, iterations):
        out = np.zeros(last)
        for unit in prange(first, last):
            a, b, c = np.full(512, unit + 1.0), np.full(512, 0.5), np.full(512, 0.25)
            for _ in range(iterations):
                for k in range(512):
                    a[k] = a[k] * 0.9999999 + b[k] * c[k]
            out[unit] = a.sum()
        return out

    return control


def measure_interleaved(name, runs, mpi):
    """Two workers against one, call by call in one process (``mpi``: one ``mpiexec -n 2``).

    Threads: calls with ``numba.set_num_threads(1)`` and ``(2)`` alternate. MPI:
    rank 0 alone (``comm=None``, rank 1 waiting at a barrier) and both ranks
    alternate. The order within a repetition alternates too, and each
    repetition also times :func:`control_kernel` the same two ways, sized to
    take about as long as the featurisation on one worker. Each repetition gives
    our speed-up and the machine's (the control's) from calls a fraction of a
    second apart, with the same memory layout: a drift of the machine's speed
    between processes, which on a virtual machine can exceed the effect
    measured, enters neither.
    """
    import numba

    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

    comm, rank = world(mpi)
    frames = workload(name) if rank == 0 else None
    calculator = EllipsoidalDensityProjection(**HYPERS[name])
    control = control_kernel()
    iterations = 1

    # threads: the same call either way (set_num_threads decides); MPI: both ranks
    # share the work, or rank 0 does it all
    def featurise(workers):
        if comm and workers == 2:
            calculator.compute(frames, kind="power_spectrum", comm=comm)
        elif rank == 0:
            calculator.compute(frames, kind="power_spectrum")

    def balanced(workers):
        if comm and workers == 2:
            control(rank, rank + 1, iterations)
        elif rank == 0:
            control(0, 2, iterations)

    def call(function, workers):
        if comm:
            comm.Barrier()
        else:
            numba.set_num_threads(workers)
        start = time.perf_counter()
        function(workers)
        if comm and workers == 2:
            comm.Barrier()  # both ranks' share done (compute's own gather waits likewise)
        elapsed = time.perf_counter() - start
        if comm:
            comm.Barrier()
        return elapsed

    call(featurise, 1), call(featurise, 2), call(balanced, 1), call(balanced, 2)  # warm-up
    # the control as long as one featurisation on one worker
    iterations = 10_000
    one, control_one = call(featurise, 1), call(balanced, 1)
    if rank == 0:  # (the other ranks sit the one-worker calls out)
        iterations = max(1, round(iterations * one / control_one))
    if comm:
        iterations = comm.bcast(iterations, root=0)
    times = {(f, w): [] for f in ("ours", "control") for w in (1, 2)}
    for k in range(runs):
        for workers in ((1, 2) if k % 2 == 0 else (2, 1)):
            times["ours", workers].append(call(featurise, workers))
            times["control", workers].append(call(balanced, workers))
    if rank != 0:
        return None
    ours = [a / b for a, b in zip(times["ours", 1], times["ours", 2])]
    machine = [a / b for a, b in zip(times["control", 1], times["control", 2])]
    return dict(workload=name, mpi=bool(mpi), one_s=times["ours", 1], two_s=times["ours", 2], ratios=ours,
                control_one_s=times["control", 1], control_two_s=times["control", 2], control_ratios=machine)


def breakdown(calculator, frames, kernel_calls, kernel, runs):
    """Where the time goes (serial runs only): each part timed alone, median CPU time of ``runs``."""
    import numpy as np

    from anisoap_pipeline.anisoap.batch import FrameBatch
    from anisoap_pipeline.anisoap.moments import moment_terms
    from anisoap_pipeline.anisoap.neighbors import batch_neighbor_pairs

    def median_time(function):
        # CPU time: one thread, and on a shared machine wall time mostly measures the other jobs
        times = []
        for _ in range(runs):
            start = time.process_time()
            function()
            times.append(time.process_time() - start)
        return statistics.median(times)

    chunk_size = 512  # compute's default, as in the timed calls
    batch = FrameBatch.from_frames(frames)
    chunks = [batch[s : s + chunk_size] for s in range(0, len(batch), chunk_size)]
    self_pairs = not calculator.subtract_center_contribution
    pairs = sum(len(batch_neighbor_pairs(chunk, calculator.cutoff, self_pairs)[0]) for chunk in chunks)
    # the kernel with an empty solid-harmonic matrix: pair Gaussians, moments and their sums
    # (the Löwdin step on zeros stays, a few µs per centre)
    no_contraction = []
    for _, args in kernel_calls:
        args = list(args)
        args[10] = np.zeros_like(args[10])
        no_contraction.append(args)
    moments_s = median_time(lambda: [kernel(*args) for args in no_contraction])
    kernel_s = median_time(lambda: [kernel(*args) for _, args in kernel_calls])
    coefficients = calculator.compute_coefficients(frames)
    table = calculator._basis[0]
    terms, _ = moment_terms(table)
    # flop of the recurrence per pair: one product for the parent, a multiply-add per non-zero term
    moment_flop = int(np.sum(1 + 2 * terms[1:, 2]))
    return dict(
        validate_s=median_time(lambda: FrameBatch.from_frames(frames)),
        neighbor_list_s=median_time(lambda: [batch_neighbor_pairs(c, calculator.cutoff, self_pairs) for c in chunks]),
        pairs=pairs,
        kernel_alone_s=kernel_s,
        moments_s=moments_s,
        contraction_s=kernel_s - moments_s,
        power_spectrum_s=median_time(lambda: coefficients.invariants("power_spectrum")),
        moment_flop_per_pair=moment_flop,
        n_monomials=int(table.shape[0]),
    )


def measure_featomic(name, runs):
    """featomic ``SoapPowerSpectrum`` on the points of workload ``name`` (per centre)."""
    import numpy as np
    from featomic import SoapPowerSpectrum

    frames = workload(name)
    for frame in frames:
        frame.numbers = np.ones(len(frame), dtype=int)
    soap = SoapPowerSpectrum(**FEATOMIC_HYPERS)
    start = time.perf_counter()
    soap.compute(frames)
    first_call = time.perf_counter() - start
    totals, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        soap.compute(frames)
        totals.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return dict(
        workload=name, code="featomic", frames=len(frames), particles=sum(len(f) for f in frames),
        first_call_s=first_call, total_s=statistics.median(totals), totals_s=totals, cpu_s=statistics.median(cpus),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def worker(args):
    if args.interleaved:
        result = measure_interleaved(args.workload, args.runs, args.mpi)
    elif args.featomic:
        result = measure_featomic(args.workload, args.runs)
    else:
        result = measure(args.workload, args.runs, args.mpi)
    if result is not None:  # (rank 0 only under MPI)
        print("RESULT " + json.dumps(result))


def spawn(name, runs, threads, ranks=1, cache_dir=None, featomic=False, root=ROOT, interleaved=False):
    """One worker process (``ranks`` > 1: under ``mpiexec``) of the checkout at ``root``
    (its own package and its own copy of this script); its result dict."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(root))
    if cache_dir:
        env["NUMBA_CACHE_DIR"] = cache_dir
    command = [sys.executable, str(Path(root) / "benchmarks" / "featurize.py"), "--worker", "--workload", name,
               "--runs", str(runs)]
    if featomic:
        command.append("--featomic")
    if interleaved:
        command.append("--interleaved")
    if ranks > 1:
        mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or "mpiexec"
        command = [mpiexec, "-n", str(ranks), *command, "--mpi"]
    output = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])


def interleaved(name, runs, rounds):
    """Two workers against one in the same process, next to the machine's own ceiling
    (:func:`measure_interleaved`); prints a table."""
    load_before = os.getloadavg()
    rows = {"2 threads": [], "2 MPI ranks": []}
    for _ in range(rounds):
        rows["2 threads"].append(spawn(name, runs, threads=2, interleaved=True))
        rows["2 MPI ranks"].append(spawn(name, runs, threads=1, ranks=2, interleaved=True))
    print(f"\n#### {name}: two workers against one, interleaved call by call in one process "
          f"({rounds} processes × {runs} repetitions; load average before {load_before[0]:.2f}, "
          f"after {os.getloadavg()[0]:.2f})\n")
    print("Each repetition times one worker and two, and the control kernel (no memory traffic, no serial part) "
          "the same two ways: the control's speed-up is what the machine offered at that moment.\n")
    print("| configuration | our speed-up: median (range) | the machine's (control): median (range) | "
          "ours / the machine's: median |")
    print("|---|---|---|---|")
    summary = {}
    for label, results in rows.items():
        ours = [x for r in results for x in r["ratios"]]
        machine = [x for r in results for x in r["control_ratios"]]
        efficiency = statistics.median([a / b for a, b in zip(ours, machine)])
        summary[label] = dict(speedup=statistics.median(ours), control=statistics.median(machine), efficiency=efficiency)
        print(f"| {label} | {statistics.median(ours):.2f}× ({min(ours):.2f}–{max(ours):.2f}) | "
              f"{statistics.median(machine):.2f}× ({min(machine):.2f}–{max(machine):.2f}) | {efficiency:.2f} |")
    return dict(workload=name, interleaved=rows, summary=summary)


def against_featomic(name, runs, rounds, pairs):
    """Ours and featomic on one thread, alternating, each in its own process; prints a table."""
    rows = []
    load_before = os.getloadavg()
    for _ in range(rounds):
        ours = spawn(name, runs, threads=1)
        theirs = spawn(name, runs, threads=1, featomic=True)
        rows.append(dict(ours=ours, featomic=theirs, load=os.getloadavg()))
    ratios = [r["ours"]["total_s"] / r["featomic"]["total_s"] for r in rows]
    cpu_ratios = [r["ours"]["cpu_s"] / r["featomic"]["cpu_s"] for r in rows]
    print(f"\n#### {name} against featomic SoapPowerSpectrum, one thread each, {rounds} alternating rounds "
          f"(load average before: {' '.join(f'{x:.2f}' for x in load_before)})\n")
    print("| round | ours (s) | µs / pair | featomic (s) | µs / pair | ours / featomic (wall) | (CPU) | load (1 min) |")
    print("|---|---|---|---|---|---|---|---|")
    for k, r in enumerate(rows):
        o, f = r["ours"]["total_s"], r["featomic"]["total_s"]
        print(f"| {k + 1} | {o:.3f} | {1e6 * o / pairs:.2f} | {f:.3f} | {1e6 * f / pairs:.2f} | {ratios[k]:.2f} | "
              f"{cpu_ratios[k]:.2f} | {r['load'][0]:.2f} |")
    print(f"\nMedian ratio ours / featomic: {statistics.median(ratios):.2f} (wall), "
          f"{statistics.median(cpu_ratios):.2f} (CPU); featomic's per-centre SoapPowerSpectrum against our frame means "
          "(ours includes validation and averaging).")
    return [dict(against_featomic=rows, ratio_wall=statistics.median(ratios), ratio_cpu=statistics.median(cpu_ratios))]


def rest_text(base):
    """The part of a whole call's CPU time that the parts timed alone leave out."""
    rest = base["cpu_s"] - base["validate_s"] - base["neighbor_list_s"] - base["kernel_alone_s"] - base["power_spectrum_s"]
    if rest < 0:  # each part alone can take longer than within a call (cold caches); no rest to speak of
        return f"the parts timed alone add up to {-rest:.3f} s more than a whole call's CPU time"
    return f"rest (Python glue, packing; from the CPU time of a whole call) {rest:.3f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workloads", nargs="+", default=["W1", "W2"])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mpi", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--featomic", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--interleaved", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the alternating configurations (and of ours against featomic on W1)")
    parser.add_argument("--json", help="also write all results to this file")
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    results = []
    for name in args.workloads:
        if name == "W2" and not BENZENE.exists():
            print(f"skipping W2: {BENZENE} not found", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as empty_cache:
            cold = spawn(name, 1, threads=1, cache_dir=empty_cache)
        # the configurations alternate, round after round, so that a drift in the
        # machine's speed (a shared or virtual machine) enters every one alike
        load_before = os.getloadavg()
        rounds = [
            [spawn(name, args.runs, threads=1), spawn(name, args.runs, threads=2),
             spawn(name, args.runs, threads=1, ranks=2)]
            for _ in range(args.rounds)
        ]
        load = os.getloadavg()
        base = rounds[0][0]
        base["compile_s"] = cold["first_call_s"] - cold["total_s"]
        results.append({"workload": name, "rounds": rounds})
        print(f"\n### {name}: {base['frames']} frames, {base['particles']} particles, {base['pairs']} neighbour pairs "
              f"({base['package']}; load average before {load_before[0]:.2f}, after {load[0]:.2f})\n")
        print(f"{args.rounds} rounds, each running the three configurations in turn, each a fresh process timing "
              f"{args.runs} calls after a warm-up; per round the median call, and the speed-up over that round's "
              "one-thread run.\n")
        print("| configuration | median over rounds (s) | rounds (s) | frames/s | µs / pair | speed-up per round | "
              "median speed-up | peak RSS (MB) |")
        print("|---|---|---|---|---|---|---|---|")
        for c in range(3):
            row = rounds[0][c]
            label = f"{row['ranks']} MPI ranks × 1 thread" if row["ranks"] > 1 else f"1 process × {row['threads']} thread(s)"
            times = [r[c]["total_s"] for r in rounds]
            speedups = [r[0]["total_s"] / r[c]["total_s"] for r in rounds]
            median = statistics.median(times)
            print(
                f"| {label} | {median:.3f} | {', '.join(f'{t:.3f}' for t in times)} | {row['frames'] / median:.0f} | "
                f"{1e6 * median / base['pairs']:.2f} | {', '.join(f'{x:.2f}' for x in speedups)} | "
                f"{statistics.median(speedups):.2f}× | {max(r[c]['peak_rss_mb'] for r in rounds):.0f} |"
            )
        results.append(interleaved(name, args.runs, args.rounds))
        if name == "W1":
            results.extend(against_featomic(name, args.runs, args.rounds, base["pairs"]))
        print(
            f"\nJIT compile (empty cache, first call minus a warm call): {base['compile_s']:.1f} s; "
            f"first call with a warm cache: {base['first_call_s']:.2f} s.\n"
            f"Where the time goes (1 thread, each part alone, median CPU times): validate frames {base['validate_s']:.3f} s, "
            f"neighbour lists {base['neighbor_list_s']:.3f} s, pair Gaussians + moments + sums {base['moments_s']:.3f} s "
            f"({base['moment_flop_per_pair']} flop of recurrence per pair over {base['n_monomials']} moments: "
            f"{1e-9 * base['moment_flop_per_pair'] * base['pairs'] / base['moments_s']:.1f} Gflop/s), "
            f"contraction + Löwdin {base['contraction_s']:.3f} s, power spectrum + frame means {base['power_spectrum_s']:.3f} s, "
            f"{rest_text(base)}.\n"
            f"Input (not timed above; W2: read_frames of the file, W1: generating the frames): {base['input_s']:.2f} s."
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
