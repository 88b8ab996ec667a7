"""Featurisation time of two git revisions, interleaved in one run.

Usage::

    python benchmarks/compare_revisions.py BEFORE AFTER [--workloads W2 W1] [--rounds 3] [--runs 5]
        [--configurations 1 2 mpi] [--in-process [--gradients | --kind bispectrum]]

Each revision is exported (``git archive``) to a temporary directory beside a link
to ``../shared``; then, for each round, one worker process of each revision's own
``benchmarks/featurize.py`` runs the workload in each configuration (``1``, ``2``:
numba threads; ``mpi``: ``mpiexec -n 2``, one thread each), alternating, so that
both see the same machine load. Prints, per workload, configuration and revision,
the median over rounds of each worker's median time, the speed-up of AFTER over
BEFORE, each revision's speed-up over its own one-thread run of the same round
(when ``1`` is among the configurations), and whether the two revisions'
features are equal bit for bit.

``--in-process``: the two revisions' packages, renamed, are imported in one
process and their calls alternate one by one (``--runs`` of each, after a
warm-up), for each thread count among the configurations: a machine whose
speed drifts between processes (a virtual machine) then slows both alike.
Prints each revision's median call and the median of the per-call ratios, and
checks the outputs are equal bit for bit. ``--gradients`` times the power
spectrum with its position and orientation gradients instead of the features;
``--kind`` another kind of frame means than the power spectrum.
"""

import argparse
import os
import shutil
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


IN_PROCESS = """
import statistics, sys, time
from functools import partial
import numba, numpy as np
sys.path.insert(0, "benchmarks")
import featurize
from anisoap_pipeline.frames import validate_frames
name, runs, kind, packages, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:6], sys.argv[6:]
gradients = kind == "gradients"
frames = validate_frames(featurize.workload(name))
call = {}
for package in packages:
    calculator = __import__(package + ".anisoap", fromlist=["x"]).EllipsoidalDensityProjection(**featurize.HYPERS[name])
    call[package] = calculator.compute_gradients if gradients else partial(calculator.compute, kind=kind)
outputs = [call[p](frames) for p in packages]
if gradients:
    equal = all(np.array_equal(outputs[0].gradients[k], outputs[1].gradients[k]) for k in outputs[0].gradients)
    equal = equal and np.array_equal(outputs[0].values(), outputs[1].values())
else:
    equal = np.array_equal(*outputs)
print(f"  outputs bitwise equal: {equal}")
for n in threads:
    numba.set_num_threads(int(n))
    times = {p: [] for p in packages}
    for _ in range(runs):
        for p in packages:
            start = time.perf_counter()
            call[p](frames)
            times[p].append(time.perf_counter() - start)
    before, after = (statistics.median(times[p]) for p in packages)
    ratio = statistics.median(b / a for b, a in zip(*times.values()))
    print(f"  {n} thread(s): before {before:.3f} s, after {after:.3f} s: after / before speed-up {before / after:.2f}x "
          f"(median of the per-call ratios {ratio:.2f}x)")
"""


def renamed_package(tree, name):
    """A copy of ``tree``'s package as ``name`` beside it (its own imports renamed),
    so that two revisions can be imported in one process."""
    target = tree.parent / "packages" / name
    shutil.copytree(tree / "anisoap_pipeline", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.rglob("*.py"):
        path.write_text(path.read_text().replace("anisoap_pipeline", name))
    return name


def in_process(packages, after, name, runs, configurations, kind):
    """:data:`IN_PROCESS` on ``name``, in the tree ``after`` (its workload), timing ``packages``."""
    env = dict(os.environ, PYTHONPATH=f"{after}{os.pathsep}{after.parent / 'packages'}", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS=str(max(int(c) for c in configurations)))
    what = "power spectrum with position and orientation gradients" if kind == "gradients" else kind.replace("_", " ")
    print(f"\n{name}, {what}, the two revisions alternating call by call in one process, {runs} calls each:")
    subprocess.run([sys.executable, "-c", IN_PROCESS, name, str(runs), kind, *packages, *configurations],
                   cwd=after, env=env, check=True)


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
    parser.add_argument("--in-process", action="store_true", help="alternate the revisions call by call in one process")
    parser.add_argument("--gradients", action="store_true", help="with --in-process: time the gradients")
    parser.add_argument("--kind", default="power_spectrum", choices=["power_spectrum", "bispectrum", "radial_spectrum"],
                        help="with --in-process: the frame means timed")
    args = parser.parse_args()
    if args.in_process and "mpi" in args.configurations:
        parser.error("--in-process takes thread counts only (configurations 1, 2)")
    if (args.gradients or args.kind != "power_spectrum") and not args.in_process:
        parser.error("--gradients and --kind need --in-process")
    if args.gradients and args.kind != "power_spectrum":
        parser.error("--gradients times the power spectrum's gradients: no --kind with it")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "shared").symlink_to(ROOT.parent / "shared")
        trees = {revision: export(revision, scratch) for revision in (args.before, args.after)}
        print(f"load average before: {os.getloadavg()}")
        if args.in_process:
            packages = [renamed_package(tree, f"revision_{k}") for k, tree in enumerate(trees.values())]
            for name in args.workloads:
                in_process(packages, trees[args.after], name, args.runs, args.configurations,
                           "gradients" if args.gradients else args.kind)
            print(f"\nload average after: {os.getloadavg()}")
            return
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
