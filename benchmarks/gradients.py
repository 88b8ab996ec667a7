"""Cost of exact AniSOAP gradients on W1, with featomic's SOAP as the anchor.

W1 (:mod:`benchmarks.featurize`): 100 frames x 50 ellipsoids, periodic 20 Å
cube, cutoff 7 Å, max_angular 6, max_radial 6, radial_gaussian_width 3 Å.
Measured in one process, configurations interleaved, median of ``--runs``
repetitions after a warm-up:

* AniSOAP power spectrum, frame means (features only);
* the same with position and orientation gradients of the frame means;
* featomic ``SoapPowerSpectrum`` on the same points (every particle a
  hydrogen atom; cutoff 7 Å with a 0.5 Å shifted-cosine smoothing, Gaussian
  density width 0.5 Å, max_angular 6, max_radial 6), per centre, without and
  with ``gradients=["positions"]``.

Peak memory: each configuration once more in a fresh process, its maximum
resident set size (``--memory`` runs one configuration).

Usage::

    python benchmarks/gradients.py --runs 5 [--threads 1] [--json out.json]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CONFIGS = ("anisoap", "anisoap+gradients", "featomic", "featomic+gradients")


def setup():
    from featurize import HYPERS, workload
    from featomic import SoapPowerSpectrum

    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
    from anisoap_pipeline.frames import validate_frames

    frames = validate_frames(workload("W1"))
    calculator = EllipsoidalDensityProjection(**HYPERS["W1"])
    soap = SoapPowerSpectrum(
        cutoff={"radius": 7.0, "smoothing": {"type": "ShiftedCosine", "width": 0.5}},
        density={"type": "Gaussian", "width": 0.5},
        basis={"type": "TensorProduct", "max_angular": 6, "radial": {"type": "Gto", "max_radial": 6}},
    )
    runs = {
        "anisoap": lambda: calculator.power_spectrum(frames),
        "anisoap+gradients": lambda: calculator.compute_gradients(frames),
        "featomic": lambda: soap.compute(frames),
        "featomic+gradients": lambda: soap.compute(frames, gradients=["positions"]),
    }
    return frames, runs


def memory(config):
    """Peak resident set size (MB) of a fresh process running ``config`` once
    (VmHWM: unlike ru_maxrss it is not inherited from the parent across exec)."""
    _, runs = setup()
    runs[config]()
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="numba and featomic (rayon) threads")
    parser.add_argument("--json", default=None)
    parser.add_argument("--memory", choices=CONFIGS, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        print(json.dumps(memory(args.memory)))
        return
    os.environ["NUMBA_NUM_THREADS"] = os.environ["RAYON_NUM_THREADS"] = str(args.threads)
    frames, runs = setup()
    for run in runs.values():
        run()  # warm-up (numba cache, featomic)
    times = {config: [] for config in CONFIGS}
    cpu = {config: [] for config in CONFIGS}
    for _ in range(args.runs):
        for config in CONFIGS:
            start, start_cpu = time.perf_counter(), time.process_time()
            runs[config]()
            times[config].append(time.perf_counter() - start)
            cpu[config].append(time.process_time() - start_cpu)
    peak = {}
    for config in CONFIGS:
        out = subprocess.run([sys.executable, __file__, "--memory", config], capture_output=True, text=True,
                             check=True, env=os.environ)
        peak[config] = json.loads(out.stdout.strip().splitlines()[-1])
    median = {c: statistics.median(t) for c, t in times.items()}
    median_cpu = {c: statistics.median(t) for c, t in cpu.items()}
    load = os.getloadavg()
    print(f"W1: {len(frames)} frames, {sum(len(f) for f in frames)} particles; threads {args.threads}; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.runs} runs\n")
    print("| configuration | median wall (s) | wall runs (s) | median CPU (s) | ratio to its features (wall / CPU) "
          "| peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for c in CONFIGS:
        base, base_cpu = median[c.split("+")[0]], median_cpu[c.split("+")[0]]
        runs_text = ", ".join(f"{t:.3f}" for t in times[c])
        print(f"| {c} | {median[c]:.3f} | {runs_text} | {median_cpu[c]:.3f} | {median[c] / base:.2f}× / "
              f"{median_cpu[c] / base_cpu:.2f}× | {peak[c]:.0f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(times=times, cpu=cpu, median=median, median_cpu=median_cpu,
                                                   peak_rss_mb=peak, load=load, threads=args.threads), indent=1))


if __name__ == "__main__":
    main()
