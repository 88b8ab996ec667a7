"""Speed and memory of the AniSOAP bispectrum (nu = 3), all measured in one run.

A. Same coefficients, invariant stage only: the W1 frames of
   ``benchmarks/featurize.py`` (100 frames x 50 ellipsoids; cutoff 7 Å,
   max_angular 6, max_radial 6, radial_gaussian_width 3 Å) -> density
   coefficients once; then per-centre proper L = 0 invariants from
   (i) our numba kernel (``bispectrum_values``), (ii) featomic's CG path,
   ``DensityCorrelations(n_correlations=2, max_angular=18).compute(tensor,
   angular_cutoff=6, selected_keys=(o3_lambda=0, o3_sigma=+1))`` on the same
   coefficients as a TensorMap (its fastest call for these numbers: only the
   L = 0, sigma = +1 output blocks, intermediate k <= 6; building the TensorMap
   and featomic's CG table is not timed). Also our frame means.
B. The featuriser end to end (frames -> frame means, validation, neighbour
   lists, coefficients, invariants): the W1 frames at max_angular 4,
   max_radial 3, kind "power_spectrum" against kind "bispectrum"; and the
   invariant stage alone.

Usage::

    python benchmarks/bispectrum.py                 # 1 thread, 5 runs (3 for featomic)
    python benchmarks/bispectrum.py --threads 2 --runs 9 --featomic-runs 5

Times: median of the runs after one untimed call (which loads or compiles the
numba kernels, and measures memory). Memory: the extra peak resident memory of
one call, i.e. the process's peak RSS (VmHWM, reset through
/proc/self/clear_refs just before the call) minus its RSS before the call
(after ``malloc_trim``, so memory freed by earlier calls is not reused unseen).
The 1-minute load average is printed before and after.
"""

import argparse
import ctypes
import gc
import os
import re
import statistics
import sys
import time
from pathlib import Path


def _memory_kb(field):
    return int(re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def extra_peak_mb(function):
    """Peak RSS during ``function()`` above the RSS before it, MB (Linux, glibc)."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # freed heap back to the OS: RSS before is what is in use
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = _memory_kb("VmRSS")
    function()
    return (_memory_kb("VmHWM") - before) / 1024


def measure(function, runs):
    """(median s, list of run times s, extra peak MB); the memory call is the warm-up."""
    memory = extra_peak_mb(function)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, memory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--featomic-runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="numba (and BLAS) threads")
    args = parser.parse_args()
    # before numpy / numba are imported
    os.environ["NUMBA_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)

    import metatensor
    import numpy as np
    from featomic.clebsch_gordan import DensityCorrelations

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from featurize import HYPERS, workload

    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
    from anisoap_pipeline.anisoap.bispectrum import bispectrum_values

    load_before = os.getloadavg()[0]
    frames = workload("W1")
    rows = []

    def row(part, name, function, runs):
        median, times, memory = measure(function, runs)
        rows.append((part, name, median, times, memory))
        print(f"  {part} {name}: {median:.3f} s (runs {', '.join(f'{t:.3f}' for t in times)}), +{memory:.0f} MB", file=sys.stderr)
        return median

    # A: same coefficients, per-centre invariants
    calculator = EllipsoidalDensityProjection(**HYPERS["W1"])
    coefficients = calculator.compute_coefficients(frames)
    flat, num_radial, n_species = coefficients.flat, coefficients.num_radial, len(coefficients.species)
    ours = row("A", "ours, per centre", lambda: bispectrum_values(flat, num_radial, n_species), args.runs)
    row("A", "ours, frame means", lambda: coefficients.invariants("bispectrum"), args.runs)
    tensor = coefficients.to_tensormap()
    proper = metatensor.Labels(["o3_lambda", "o3_sigma"], np.array([[0, 1]], dtype=np.int32))
    correlations = DensityCorrelations(n_correlations=2, max_angular=3 * calculator.max_angular)
    theirs = row(
        "A",
        "featomic DensityCorrelations, per centre",
        lambda: correlations.compute(tensor, angular_cutoff=calculator.max_angular, selected_keys=proper),
        args.featomic_runs,
    )
    n_ours = bispectrum_values(flat[:1], num_radial, n_species).shape[1]
    out = correlations.compute(tensor, angular_cutoff=calculator.max_angular, selected_keys=proper)
    n_theirs = sum(len(block.properties) for block in out.blocks())
    del out

    # B: end to end at max_angular 4, max_radial 3
    small = EllipsoidalDensityProjection(**dict(HYPERS["W1"], max_angular=4, max_radial=3))
    end_ps = row("B", "power spectrum, end to end", lambda: small.compute_coefficients(frames).invariants("power_spectrum"), args.runs)
    end_bs = row("B", "bispectrum, end to end", lambda: small.compute_coefficients(frames).invariants("bispectrum"), args.runs)
    small_coefficients = small.compute_coefficients(frames)
    stage_ps = row("B", "power spectrum, invariants only", lambda: small_coefficients.invariants("power_spectrum"), args.runs)
    stage_bs = row("B", "bispectrum, invariants only", lambda: small_coefficients.invariants("bispectrum"), args.runs)
    n_small = (small_coefficients.invariants("power_spectrum").shape[1], small_coefficients.invariants("bispectrum").shape[1])
    load_after = os.getloadavg()[0]

    print(f"\n{len(frames)} frames, {len(flat)} centres; {args.threads} thread(s); "
          f"1-min load average {load_before:.1f} before, {load_after:.1f} after\n")
    print("| part | computation | median (s) | runs (s) | extra peak memory (MB) |")
    print("|---|---|---|---|---|")
    for part, name, median, times, memory in rows:
        print(f"| {part} | {name} | {median:.3f} | {', '.join(f'{t:.3f}' for t in times)} | {memory:.0f} |")
    print(
        f"\nA (max_angular 6, max_radial 6): ours {n_ours} non-redundant invariants per centre, featomic "
        f"{n_theirs} (all channel orders); featomic / ours = **{theirs / ours:.1f}×**.\n"
        f"B (max_angular 4, max_radial 3; {n_small[0]} power-spectrum and {n_small[1]} bispectrum features "
        f"per centre): bispectrum / power spectrum end to end = **{end_bs / end_ps:.2f}×**; "
        f"invariants only = {stage_bs / stage_ps:.1f}×."
    )


if __name__ == "__main__":
    main()
