"""Cost of the exact bispectrum (nu = 3) gradients, all measured in one run.

The W1 frames of ``benchmarks/featurize.py`` (100 frames x 50 ellipsoids,
periodic 20 Å cube, cutoff 7 Å, radial_gaussian_width 3 Å) at max_angular 4,
max_radial 3 (the bispectrum's end-to-end setting in ``benchmarks/bispectrum.py``),
frame means, end to end (frames -> features):

* bispectrum, features only;
* bispectrum with position and orientation gradients of the frame means;
* the per-centre coefficient gradients alone (the input of the bispectrum's
  chain rule: the rest of the line above is the contraction);
* power spectrum, features only and with the same gradients (the reference).

Usage::

    python benchmarks/bispectrum_gradients.py            # 1 thread (numba and BLAS), 5 runs

Times: median of the runs after one untimed call (which loads or compiles the
numba kernels, and measures memory); memory: extra peak resident memory of one
call (:func:`bispectrum.extra_peak_mb`). The 1-minute load average is printed
before and after.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="numba (and BLAS) threads")
    args = parser.parse_args()
    # before numpy / numba are imported
    os.environ["NUMBA_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)

    from bispectrum import measure
    from featurize import HYPERS, workload

    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

    both = ["positions", "orientations"]
    load_before = os.getloadavg()[0]
    frames = workload("W1")
    calculator = EllipsoidalDensityProjection(**dict(HYPERS["W1"], max_angular=4, max_radial=3))
    runs = {
        "bispectrum, features only": lambda: calculator.compute(frames, kind="bispectrum"),
        "bispectrum + gradients": lambda: calculator.compute(frames, kind="bispectrum", gradients=both),
        "coefficient gradients per centre (its input)": lambda: calculator.compute(
            frames, kind="coefficients", per_centre=True, gradients=both),
        "power spectrum, features only": lambda: calculator.compute(frames),
        "power spectrum + gradients": lambda: calculator.compute(frames, gradients=both),
    }
    rows = {}
    for name, function in runs.items():
        median, times, memory = measure(function, args.runs)
        rows[name] = (median, times, memory)
        print(f"  {name}: {median:.3f} s (runs {', '.join(f'{t:.3f}' for t in times)}), +{memory:.0f} MB",
              file=sys.stderr)
    n_features = {k: calculator.compute(frames[:1], kind=k).shape[1] for k in ("power_spectrum", "bispectrum")}
    load_after = os.getloadavg()[0]

    print(f"\n{len(frames)} frames x {len(frames[0])} ellipsoids; {args.threads} thread(s); "
          f"1-min load average {load_before:.1f} before, {load_after:.1f} after\n")
    print("| computation | median (s) | runs (s) | extra peak memory (MB) |")
    print("|---|---|---|---|")
    for name, (median, times, memory) in rows.items():
        print(f"| {name} | {median:.3f} | {', '.join(f'{t:.3f}' for t in times)} | {memory:.0f} |")
    bs, bs_grad = rows["bispectrum, features only"][0], rows["bispectrum + gradients"][0]
    ps, ps_grad = rows["power spectrum, features only"][0], rows["power spectrum + gradients"][0]
    print(
        f"\nFeatures per frame: {n_features['bispectrum']} bispectrum, {n_features['power_spectrum']} power spectrum. "
        f"Gradients / features: bispectrum **{bs_grad / bs:.1f}×**, power spectrum {ps_grad / ps:.1f}×; "
        f"bispectrum + gradients / power spectrum + gradients = {bs_grad / ps_grad:.1f}×."
    )


if __name__ == "__main__":
    main()
