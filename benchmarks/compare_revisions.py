"""Featurisation time of two git revisions, interleaved in one run.

Usage::

    python benchmarks/compare_revisions.py BEFORE AFTER [--workloads W2 W1] [--rounds 3] [--runs 5]

Each revision is exported (``git archive``) to a temporary directory beside a link
to ``../shared``; then, for each round, one worker process of each revision's own
``benchmarks/featurize.py`` runs the workload with one numba thread
(``NUMBA_NUM_THREADS=1``), alternating, so that both see the same machine load.
Prints, per workload and revision, the median over rounds of each worker's median
time, the speed-up, and whether the two revisions' features are equal bit for bit.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FEATURES = """
import sys, numpy as np
sys.path.insert(0, "benchmarks")
import featurize
from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
frames = featurize.workload(sys.argv[1])
np.save(sys.argv[2], EllipsoidalDensityProjection(**featurize.HYPERS[sys.argv[1]]).compute_coefficients(frames).invariants("power_spectrum"))
"""


def export(revision, directory):
    tree = directory / revision.replace("/", "_")
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def worker(tree, name, runs):
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [sys.executable, "benchmarks/featurize.py", "--worker", "--workload", name, "--runs", str(runs)]
    output = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--workloads", nargs="+", default=["W2"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "shared").symlink_to(ROOT.parent / "shared")
        trees = {revision: export(revision, scratch) for revision in (args.before, args.after)}
        print(f"load average before: {os.getloadavg()}")
        for name in args.workloads:
            times = {revision: [] for revision in trees}
            inputs = {revision: [] for revision in trees}
            for _ in range(args.rounds):
                for revision, tree in trees.items():
                    result = worker(tree, name, args.runs)
                    times[revision].append(result["total_s"])
                    inputs[revision].append(result.get("input_s", float("nan")))
            features = {}
            for revision, tree in trees.items():
                out = scratch / f"{name}-{revision.replace('/', '_')}.npy"
                env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_NUM_THREADS="1")
                subprocess.run([sys.executable, "-c", FEATURES, name, str(out)], cwd=tree, env=env, check=True)
                features[revision] = __import__("numpy").load(out)
            a, b = (features[r] for r in (args.before, args.after))
            equal = a.shape == b.shape and bool((a == b).all())
            difference = float(abs(a - b).max()) if a.shape == b.shape else float("nan")
            before, after = (statistics.median(times[r]) for r in (args.before, args.after))
            print(f"\n{name}, 1 thread, median over {args.rounds} rounds of each worker's median of {args.runs} runs:")
            for revision in trees:
                print(f"  {revision}: {statistics.median(times[revision]):.3f} s "
                      f"(rounds: {', '.join(f'{t:.3f}' for t in times[revision])}); "
                      f"input {statistics.median(inputs[revision]):.2f} s")
            print(f"  speed-up {before / after:.2f}x; features bitwise equal: {equal} (max |difference| {difference:.1e})")
        print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
