"""Featurisation time of two git revisions, interleaved in one run.

Usage::

    python benchmarks/compare_revisions.py BEFORE AFTER [--workloads W2 W1] [--rounds 3] [--runs 5]
        [--configurations 1 2 mpi]

Each revision is exported (``git archive``) to a temporary directory beside a link
to ``../shared``; then, for each round, one worker process of each revision's own
``benchmarks/featurize.py`` runs the workload in each configuration (``1``, ``2``:
numba threads; ``mpi``: ``mpiexec -n 2``, one thread each), alternating, so that
both see the same machine load. Prints, per workload, configuration and revision,
the median over rounds of each worker's median time, the speed-up of AFTER over
BEFORE, each revision's speed-up over its own one-thread run of the same round
(when ``1`` is among the configurations), and whether the two revisions'
features are equal bit for bit.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from featurize import spawn

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


def worker(tree, name, runs, configuration):
    if configuration == "mpi":
        return spawn(name, runs, threads=1, ranks=2, root=tree)
    return spawn(name, runs, threads=int(configuration), root=tree)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--workloads", nargs="+", default=["W2"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--configurations", nargs="+", default=["1"], choices=["1", "2", "mpi"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "shared").symlink_to(ROOT.parent / "shared")
        trees = {revision: export(revision, scratch) for revision in (args.before, args.after)}
        print(f"load average before: {os.getloadavg()}")
        for name in args.workloads:
            configurations = args.configurations
            times = {(revision, c): [] for revision in trees for c in configurations}
            inputs = {revision: [] for revision in trees}
            for _ in range(args.rounds):
                for revision, tree in trees.items():
                    for c in configurations:
                        result = worker(tree, name, args.runs, c)
                        times[revision, c].append(result["total_s"])
                        if c == "1":
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
            labels = {"1": "1 thread", "2": "2 threads", "mpi": "mpiexec -n 2"}
            for c in configurations:
                before, after = (statistics.median(times[r, c]) for r in (args.before, args.after))
                print(f"\n{name}, {labels[c]}, median over {args.rounds} rounds of each worker's median of {args.runs} runs:")
                for revision in trees:
                    line = (f"  {revision}: {statistics.median(times[revision, c]):.3f} s "
                            f"(rounds: {', '.join(f'{t:.3f}' for t in times[revision, c])})")
                    if c != "1" and "1" in configurations:
                        scaling = [one / t for one, t in zip(times[revision, "1"], times[revision, c])]
                        line += (f"; over one thread, per round: {', '.join(f'{x:.2f}' for x in scaling)} "
                                 f"(median {statistics.median(scaling):.2f}x)")
                    elif c == "1":
                        line += f"; input {statistics.median(inputs[revision]):.2f} s"
                    print(line)
                print(f"  speed-up {before / after:.2f}x")
            print(f"  features bitwise equal: {equal} (max |difference| {difference:.1e})")
        print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
