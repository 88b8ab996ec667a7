"""What a paper-scale run costs: measured per-item costs x the plan's jobs -> wall time.

    python benchmarks/paper_cost.py measure   # per-item CPU s (one core) -> benchmarks/paper_cost.json
    python benchmarks/paper_cost.py predict   # config/paper.yaml on 1 x 2, 1 x 32, 10 x 32 cores
    python benchmarks/paper_cost.py predict --config paper.yaml paper_scaled.yaml --machines 1x2
    python benchmarks/paper_cost.py check TIMES --workdir RUN --config paper.yaml paper_scaled.yaml
    python benchmarks/paper_cost.py slurm TIMES     # runtime= and mem_mb= of the step records (Slurm)

TIMES: one GNU time line per step process of a run (:func:`read_job_times`).

The model (BENCHMARKS.md, "What a paper-scale run costs"): a job of step s
costs ``overhead + cost[s] * items(job)`` CPU seconds on one core, where
``items`` comes from the job's state point and its parents' (frames of its
data set, or of its shard where the state point has ``start``/``stop``;
training rows for learning curves) and ``cost[s]`` is measured here by
calling the library on small samples (median of repeats). A job with
``threads`` cores runs ``threads`` times faster (perfect scaling). The job DAG
is list-scheduled onto nodes x cores (:func:`schedule`): a ready job starts on
the node with the most free cores as soon as its parents are done and
``min(threads, cores per node)`` cores are free; no queue wait, no file
system latency, no Snakemake overhead between jobs.
"""

import argparse
import dataclasses
import heapq
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COSTS = ROOT / "benchmarks" / "paper_cost.json"
SAFETY = 3.0  # Slurm runtime and memory = SAFETY x the model's (the slowest job of the step)


# ----------------------------------------------------------------------------- scheduling


def schedule(jobs, nodes, cores):
    """Wall time of a job DAG list-scheduled on ``nodes`` nodes of ``cores`` cores.

    Parameters
    ----------
    jobs : dict
        Job id -> ``(cpu_seconds, threads, parents)``: one-core cost, cores it
        uses (capped at ``cores``; wall time ``cpu_seconds / threads``) and
        the ids of the jobs it waits for.
    nodes, cores : int
        Nodes, and cores per node; a job runs on one node.

    Returns
    -------
    makespan : float
        Seconds from the start to the end of the last job.
    finish : dict
        Job id -> its finish time (s).

    Raises
    ------
    ValueError
        If a parent is not a job, or the parent links have a cycle.

    Notes
    -----
    Greedy list scheduling in the order the jobs become ready (ties: the
    longest job first): each ready job starts at the earliest time a node
    has enough free cores, which is optimal for independent unit jobs and
    within a factor 2 of optimal in general (Graham 1969).
    """
    for job, (_, _, parents) in jobs.items():
        missing = [p for p in parents if p not in jobs]
        if missing:
            raise ValueError(f"job {job}: parent {missing[0]} is not a job")
    waiting = {job: len(set(parents)) for job, (_, _, parents) in jobs.items()}
    children = {job: [] for job in jobs}
    for job, (_, _, parents) in jobs.items():
        for parent in set(parents):
            children[parent].append(job)
    free = [cores] * nodes
    now, finish = 0.0, {}
    ready = [(-jobs[j][0] / _width(jobs[j][1], cores), j) for j, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    running = []  # (end, job, node, width)
    while ready or running:
        postponed = []
        while ready:
            item = heapq.heappop(ready)
            job = item[1]
            width = _width(jobs[job][1], cores)
            node = max(range(nodes), key=lambda k: free[k])
            if free[node] >= width:
                free[node] -= width
                heapq.heappush(running, (now + jobs[job][0] / width, job, node, width))
            else:
                postponed.append(item)
        for item in postponed:
            heapq.heappush(ready, item)
        if not running:
            break
        now, job, node, width = heapq.heappop(running)
        free[node] += width
        finish[job] = now
        for child in children[job]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (-jobs[child][0] / _width(jobs[child][1], cores), child))
    if len(finish) < len(jobs):
        raise ValueError(f"the parent links have a cycle through {sorted(set(jobs) - set(finish))[:3]}")
    return now, finish


def _width(threads, cores):
    return max(1, min(int(threads), cores))


# ----------------------------------------------------------------------------- the plan


def load_config(*names):
    """config/config.yaml, then ``names`` (files in config/) merged over it, validated
    (:func:`anisoap_pipeline.config.load_config`, the Snakefile's loader)."""
    from anisoap_pipeline.config import load_config as load

    return load(*(ROOT / "config" / name for name in names))


def frames(job, plan, per_original=None):
    """Frames of the data set a job works on: its own (generation), or its first parent chain's.

    ``per_original``: crystals kept per PyXtal original (the original and its
    copies that do not clash, measured by :func:`measure`); None counts every
    requested copy.
    """
    sp = job.state_point
    copies = 1  # frames per item: a PyXtal original comes with its augmented copies
    if sp.get("source") == "pyxtal":
        augment = sp.get("augment") or {}
        copies = per_original or 1 + augment.get("n_rotated", 0) + augment.get("n_translated", 0)
    if "shard" in sp:  # a shard: its [start, stop) items
        start, stop = sp["shard"]
        return round((stop - start) * copies)
    if "n_dimers" in sp:
        return sp["n_dimers"]
    if "n_nematic" in sp:
        return sp["n_nematic"] + sp["n_smectic"]
    if sp.get("source") == "pyxtal":
        return round(sp["n_crystals"] * copies)
    if sp.get("source") == "file":
        return len(range(sp.get("start", 0), sp["stop"] if sp.get("stop") is not None else 999, sp.get("stride", 1)))
    counts = [frames(plan.jobs[ids[0]], plan, per_original) for ids in job.parents.values() if ids]
    return max(counts) if counts else 1


def items(job, plan, per_original=None):
    """What a job's cost is proportional to: frames, or training rows x folds for learning curves."""
    sp = job.state_point
    if job.step in ("learning_curve",):
        return sum(sp["train_sizes"]) * sp["folds"]
    return frames(job, plan, per_original)


def root(job, plan):
    """The generation job at the top of a job's first parent chain (``dimers``, ``configurations``, ``crystals``)."""
    while any(job.parents.values()):
        job = plan.jobs[next(ids for ids in job.parents.values() if ids)[0]]
    return job


#: Step of a data set's generation job -> the name of its frames in :func:`measure`.
DATA = {"dimers": "dimers", "configurations": "lc", "crystals": "benzene"}


def cost_key(job, plan):
    """The measured cost a job uses: its step; featurisations also by hyperparameters and data set."""
    sp = job.state_point
    if "shards" in job.parents:  # a gather: concatenates its shards' files (the process start only)
        return "gather"
    if job.step.endswith("_shard"):  # a shard costs what the unsharded step costs per item
        job = dataclasses.replace(job, state_point={**sp, "step": job.step[:-len("_shard")]})
    if job.step in ("featurize", "sweep_point"):
        top = root(job, plan).step.removesuffix("_shard")  # a gathered data set's root is its first shard
        data = DATA.get(top, top)
        gradients = "/gradients" if sp.get("gradients") else ""
        return (f"{job.step}/{sp.get('kind')}/l{sp.get('max_angular')}/n{sp.get('max_radial')}/c{sp.get('cutoff')}"
                f"{gradients}/{data}")
    if job.step == "crystals":
        return f"crystals/{sp.get('source')}"
    return job.step


def job_costs(plan, costs):
    """Job id -> (CPU s on one core, threads, parent ids) from measured costs."""
    per_item, overhead = costs["per_item"], costs["overhead"]
    result = {}
    for job in plan.jobs.values():
        key = cost_key(job, plan)
        cost = per_item.get(key, 0.0)  # unmeasured steps: the process start only
        if job.step == "sweep_point":
            cost += per_item.get("sweep_point/ridge", 0.0) * len(job.state_point["targets"])
        parents = tuple(p for ids in job.parents.values() for p in ids if p in plan.jobs)
        result[job.id] = (overhead + cost * items(job, plan, costs.get("crystals_per_original")), job.threads, parents)
    return result


# ----------------------------------------------------------------------------- measuring


def _cpu(function, repeats=3):
    """(median CPU s of ``repeats`` calls of ``function()``, its last result)."""
    times, result = [], None
    for _ in range(repeats):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return statistics.median(times), result


#: What every step's process imports before its work: the command line, the job
#: bookkeeping (signac) and ASE's readers (a gather step is little more than this).
STARTUP = "import anisoap_pipeline.cli, anisoap_pipeline.tracking, ase.io"


def _overhead(repeats=3):
    """CPU s of starting a step's process (Python, the package, signac, ASE: :data:`STARTUP`)."""
    import resource
    import subprocess

    times = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", STARTUP], check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def measure_configurations(job, n):
    """(CPU s, frames) of ``n`` liquid-crystal frames at ``job``'s settings: hard-ellipsoid MC,
    half nematic, half smectic, each phase's target S evenly over [0, s_max] as in the data set."""
    from anisoap_pipeline.studies.liquid_crystals.data import generate_dataset
    from anisoap_pipeline.steps import parameters

    sp = parameters(job.state_point)
    sp.pop("n_nematic"), sp.pop("n_smectic")
    return _cpu(lambda: generate_dataset(n // 2, n - n // 2, **sp), repeats=1)


def measure(config, samples, log=print):
    """Per-item CPU seconds (one core) of every step the plan of ``config`` has, by calling the library.

    Parameters
    ----------
    config : dict
        Validated config (config/paper.yaml): the settings per item are its.
    samples : dict
        Sample sizes: ``dimers``, ``lc_frames``, ``crystals`` (originals), ``label``
        (crystals labelled per method), ``rows`` (rows of the regression timings).
    log : callable

    Returns
    -------
    dict
        ``{"overhead": s, "per_item": {cost key: s}, "notes": {...}}``.
    """
    import numpy as np

    from anisoap_pipeline import studies
    from anisoap_pipeline.analysis import gfre, regression
    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
    from anisoap_pipeline.studies.benzene.calculators import label_energies
    from anisoap_pipeline.studies.benzene.coarse_grain import coarse_grain_frames
    from anisoap_pipeline.studies.benzene.data import augment_crystals, generate_crystals
    from anisoap_pipeline.studies.gay_berne.data import sample_dimers
    from anisoap_pipeline.studies.benzene.soap import soap_power_spectrum
    from anisoap_pipeline.steps import parameters

    plan = studies.plan(config, basedir=str(ROOT))
    one = {(job.study, job.step): job for job in plan.jobs.values()}
    per_item, notes = {}, {}

    def note(key, value, **details):
        per_item[key] = value
        notes[key] = details
        log(f"{key:45s} {value * 1e3:12.3f} ms per item  {details}")

    overhead = _overhead()
    log(f"{'overhead (process start)':45s} {overhead:12.3f} s per job")

    # Gay-Berne dimers (with forces) at the paper's settings
    sp = parameters(one["gay_berne", "dimers"].state_point)
    n = samples["dimers"]
    t, dimers = _cpu(lambda: sample_dimers(**{**sp, "n_dimers": n}))
    note("dimers", t / n, sample=n)

    t, lc = measure_configurations(one["liquid_crystals", "configurations"], samples["lc_frames"])
    note("configurations", t / len(lc), sample=len(lc))

    # PyXtal crystals (+ augmented copies) at the paper's settings
    sp = parameters(one["benzene", "crystals"].state_point)
    sp.pop("source")
    augment = sp.pop("augment")
    sp.pop("space_groups")
    sp["volume_factor"] = tuple(sp["volume_factor"])
    n = samples["crystals"]

    def crystals():
        originals, _ = generate_crystals(**{**sp, "n_crystals": n, "augment_fraction": 0.0})
        return originals, augment_crystals(originals, sp["seed"], **augment, max_rotation=sp["max_rotation"],
                                           max_translation=sp["max_translation"])[0]
    t, (originals, crystals) = _cpu(crystals, repeats=1)
    note("crystals/pyxtal", t / len(crystals), sample=len(crystals), originals=n)
    per_original = len(crystals) / n  # copies that clash are dropped: fewer than 1 + n_rotated + n_translated

    # labels: tblite per crystal, in its supercell (plane spacings >= supercell_spacing)
    sp = one["benzene", "label"].state_point
    n = samples["label"]
    for method in ("GFN2-xTB", "GFN1-xTB"):
        spec = {**sp["calculator"], "method": method}
        t, labels = _cpu(lambda: label_energies(originals[:n], spec, supercell_spacing=sp["supercell_spacing"]),
                         repeats=1)
        atoms = [len(a) for a in originals[:n]]
        key = "label" if method == sp["calculator"]["method"] else f"label/{method}"
        note(key, t / n, sample=n, atoms=atoms, supercell_spacing=sp["supercell_spacing"],
             supercells=[list(map(int, r)) for r in labels["repeats"]])
    notes["crystal_atoms_mean"] = float(np.mean([len(a) for a in crystals]))

    # coarse-graining and all-atom SOAP per crystal
    sp = one["benzene", "coarse_grain"].state_point
    t, ellipsoids = _cpu(lambda: coarse_grain_frames(crystals, sp["diameters"], atoms_per_molecule=12))
    note("coarse_grain", t / len(crystals), sample=len(crystals))
    sp = parameters(one["benzene", "soap"].state_point)
    sp.pop("crystals")
    t, soap = _cpu(lambda: soap_power_spectrum(crystals, **sp))
    note("soap", t / len(crystals), sample=len(crystals), n_features=soap.shape[1])

    # AniSOAP per frame, every distinct featurisation of the plan (sweep points: x TIMING_REPEATS + 1 warm-up)
    data = {"dimers": dimers, "lc": lc, "benzene": ellipsoids}
    widths = {}
    for job in plan.jobs.values():
        if job.step not in ("featurize", "sweep_point"):
            continue
        key = cost_key(job, plan)
        if key in per_item:
            continue
        sp = job.state_point
        hypers = {k: sp[k] for k in ("max_angular", "cutoff", "radial_gaussian_width", "max_radial",
                                     "subtract_center_contribution") if k in sp}
        calculator = EllipsoidalDensityProjection(**hypers)
        sample = data[key.rsplit("/", 1)[-1]]
        diameters = sp.get("diameters")
        gradients = sp.get("gradients")
        t, X = _cpu(lambda: calculator.compute(sample, kind=sp["kind"], diameters=diameters, gradients=gradients))
        X = X.values() if gradients else X  # frame means with gradients: the features
        widths[key] = X.shape[1]
        repeats = 4 if job.step == "sweep_point" else 1  # timed_features: warm-up + 3 repeats
        note(key, repeats * t / len(sample), sample=len(sample), n_features=X.shape[1])

    # analysis per frame, on random features of the paper's widths (cost depends on shapes only)
    rng = np.random.default_rng(0)
    rows = samples["rows"]
    bz = next(job for job in plan.jobs.values() if job.study == "benzene" and job.step == "featurize")
    X, Y = rng.normal(size=(rows, widths[cost_key(bz, plan)])), rng.normal(size=(rows, soap.shape[1]))
    sp = one["benzene", "gfre"].state_point
    train, test = gfre.split_indices(rows, 0, sp["train_fraction"])
    t, _ = _cpu(lambda: gfre.gfre(X, Y, train, test))
    note("gfre", sp["n_splits"] * t / rows, sample=rows, n_splits=sp["n_splits"], shapes=[X.shape[1], Y.shape[1]])

    gb = next(job for job in plan.jobs.values() if job.study == "gay_berne" and job.step == "featurize")
    X, y = rng.normal(size=(rows, widths[cost_key(gb, plan)])), rng.normal(size=rows)
    sp = one["gay_berne", "ridge"].state_point
    alphas = regression.alpha_grid(**sp["alphas"])
    train, test = regression.split(rows, sp["test_fraction"], sp["seed"])
    t, _ = _cpu(lambda: regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=sp["cv_folds"]))
    note("ridge", sp.get("n_splits", 1) * t / rows, sample=rows, n_splits=sp.get("n_splits", 1))
    per_item["sweep_point/ridge"] = t / rows
    sp = one["gay_berne", "learning_curve"].state_point
    sizes = [s for s in sp["train_sizes"] if s <= rows * 0.8 - 1]
    t, _ = _cpu(lambda: regression.ridge_learning_curve(X, y, sizes, folds=sp["folds"], alphas=alphas,
                                                        cv_folds=sp["cv_folds"]), repeats=1)
    note("learning_curve", t / (sum(sizes) * sp["folds"]), train_sizes=sizes, per="training row x fold")

    # benzene regression: three representations, each a ridge model per split and a learning curve
    sp = one["benzene", "regression"].state_point
    X = rng.normal(size=(rows, widths[cost_key(bz, plan)]))
    alphas = regression.alpha_grid(**sp["alphas"])
    train, test = regression.split(rows, sp["test_fraction"], sp["seed"])
    t, _ = _cpu(lambda: regression.fit_ridge(X, y, train, test, alphas=alphas, cv_folds=sp["cv_folds"]))
    note("regression", 3 * sp["n_splits"] * t / rows, sample=rows, representations=3, n_splits=sp["n_splits"],
         learning_curves="not counted")

    notes["widths"] = widths
    return {"overhead": overhead, "per_item": per_item, "crystals_per_original": per_original, "notes": notes,
            "samples": samples}


# ----------------------------------------------------------------------------- reports


def predict(plan, costs, machines, log=print):
    """Per-step totals and the makespan on every ``(nodes, cores)`` of ``machines``; returns the makespans."""
    jobs = job_costs(plan, costs)
    steps = {}
    for job in plan.jobs.values():
        entry = steps.setdefault((job.study, job.step), [0, 0, 0.0, 0.0])
        cpu, threads, _ = jobs[job.id]
        entry[0] += 1
        entry[1] += items(job, plan, costs.get("crystals_per_original"))
        entry[2] += cpu
        entry[3] = max(entry[3], cpu / min(threads, 32))
    log(f"{'study':16s} {'step':24s} {'jobs':>5s} {'items':>9s} {'CPU h':>8s} {'longest job (32 cores) h':>25s}")
    for (study, step), (n, k, cpu, longest) in sorted(steps.items(), key=lambda kv: -kv[1][2]):
        log(f"{study:16s} {step:24s} {n:5d} {k:9d} {cpu / 3600:8.2f} {longest / 3600:25.3f}")
    total = sum(cpu for cpu, _, _ in jobs.values())
    log(f"{'total':16s} {'':24s} {len(jobs):5d} {'':9s} {total / 3600:8.2f}")
    spans = {}
    for nodes, cores in machines:
        spans[nodes, cores], _ = schedule(jobs, nodes, cores)
        log(f"{nodes:3d} node(s) x {cores:2d} cores: {spans[nodes, cores] / 3600:8.2f} h "
            f"(CPU / cores = {total / nodes / cores / 3600:.2f} h)")
    return spans


def read_job_times(path):
    """Job id -> (wall s, CPU s, peak RSS MB) of the steps a run recorded with GNU time.

    ``path`` holds one line per step process, ``%C<TAB>%e<TAB>%U<TAB>%S<TAB>%M``
    (``/usr/bin/time -a -o PATH -f ...`` around ``anisoap-pipeline``: see
    BENCHMARKS.md); the job id is the command's argument after the step name.
    """
    times = {}
    for line in Path(path).read_text().splitlines():
        fields = line.rsplit("\t", 4)
        if len(fields) != 5 or not fields[1].replace(".", "").isdigit():
            continue  # "Command exited with non-zero status" lines
        words = fields[0].split()
        job = next((w for w in words if len(w) == 32 and all(c in "0123456789abcdef" for c in w)), None)
        if job is not None:
            times[job] = (float(fields[1]), float(fields[2]) + float(fields[3]), float(fields[4]) / 1e3)
    return times


def check(times, plan, costs, workdir=None, log=print):
    """A run's measured CPU time per step (:func:`read_job_times`) against the model's; returns the rows.

    Jobs missing from ``times`` (``mpiexec`` starts featurisations without
    the timing wrapper) count with the wall time of their ``metrics.json`` in
    ``workdir`` (the step's work, without the process start), which on a
    loaded machine exceeds their CPU time.
    """
    jobs = job_costs(plan, costs)
    times = dict(times)
    for job in plan.jobs.values():
        path = Path(workdir or ".") / "workspace" / job.id / "metrics.json"
        if job.id not in times and workdir is not None and path.exists():
            times[job.id] = (None, json.loads(path.read_text())["wall_time"], 0.0)  # no process start
    rows = {}
    for job in plan.jobs.values():
        if job.id not in times:
            continue
        row = rows.setdefault((job.study, job.step), [0, 0.0, 0.0, 0.0])
        row[0] += 1
        row[1] += jobs[job.id][0] - (costs["overhead"] if times[job.id][0] is None else 0.0)
        row[2] += times[job.id][1]
        row[3] = max(row[3], times[job.id][2])
    log(f"{'study':16s} {'step':24s} {'jobs':>5s} {'predicted CPU s':>16s} {'measured CPU s':>15s} "
        f"{'ratio':>6s} {'peak MB':>8s}")
    for (study, step), (n, p, m, mb) in sorted(rows.items(), key=lambda kv: -kv[1][2]):
        ratio = f"{m / p:6.2f}" if p > 0 else f"{'n/a':>6s}"  # a step the model does not measure
        log(f"{study:16s} {step:24s} {n:5d} {p:16.1f} {m:15.1f} {ratio} {mb:8.0f}")
    p, m = sum(r[1] for r in rows.values()), sum(r[2] for r in rows.values())
    log(f"{'total':16s} {'':24s} {sum(r[0] for r in rows.values()):5d} {p:16.1f} {m:15.1f} {m / p:6.2f}")
    return rows


#: Shortest Slurm runtime request (minutes) the profile gives a step.
MIN_RUNTIME = 15


def slurm_resources(plan, costs, peaks, cores=32, safety=SAFETY):
    """Step -> {runtime (min), mem_mb} for the Slurm profile, from the model.

    runtime: ``safety`` x the step's slowest job at ``min(threads, cores)``
    cores, rounded up to 5 min (at least :data:`MIN_RUNTIME`: a job killed at its limit
    costs more than a generous request). mem_mb: ``safety`` x (threads x
    ``peaks[step]``, the peak RSS of one process of the step measured in a
    scaled-down run, + the step's feature matrices at this plan's size,
    :func:`_array_mb`), rounded up to 1,000 MB (at least 1,000).
    """
    import math

    jobs = job_costs(plan, costs)
    result = {}
    for job in plan.jobs.values():
        cpu, threads, _ = jobs[job.id]
        width = min(threads, cores)
        minutes = safety * cpu / width / 60
        mem = width * peaks.get(job.step, 500.0) + _array_mb(job, plan, costs)
        entry = result.setdefault(job.step, {"runtime": MIN_RUNTIME, "mem_mb": 1000})
        entry["runtime"] = max(entry["runtime"], math.ceil(minutes / 5) * 5)
        entry["mem_mb"] = max(entry["mem_mb"], math.ceil(safety * mem / 1000) * 1000)
    return result


def _array_mb(job, plan, costs):
    """MB of the feature matrices a job holds (frames x features x 8 bytes, x3 for copies)."""
    widths = costs["notes"].get("widths", {})
    width = 0
    for other in [job, *(plan.jobs[ids[0]] for ids in job.parents.values() if ids and ids[0] in plan.jobs)]:
        width = max(width, widths.get(cost_key(other, plan), 0))
    return 3 * frames(job, plan, costs.get("crystals_per_original")) * width * 8 / 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["measure", "predict", "check", "slurm"])
    parser.add_argument("times", nargs="?", help="check, slurm: a run's GNU time lines (read_job_times)")
    parser.add_argument("--config", nargs="+", default=["paper.yaml"], help="files in config/, merged in order")
    parser.add_argument("--costs", default=str(COSTS))
    parser.add_argument("--machines", nargs="+", default=["1x2", "1x32", "10x32"], help="NODESxCORES")
    parser.add_argument("--only", choices=["configurations", "overhead"], help="measure: this item only, into COSTS")
    parser.add_argument("--workdir", help="check: the run's folder (metrics.json of jobs TIMES lacks)")
    parser.add_argument("--peaks-config", nargs="+", default=["paper.yaml", "paper_scaled.yaml"],
                        help="slurm: the config of the run whose peak memory TIMES holds")
    parser.add_argument("--scale", type=float, default=1.0, help="predict: CPU s x this (a loaded machine)")
    args = parser.parse_args(argv)
    from anisoap_pipeline import studies
    from anisoap_pipeline.steps import registry

    config = load_config(*args.config)
    if args.command == "measure":
        import resource

        samples = {"dimers": 500, "lc_frames": 8, "crystals": 12, "label": 3, "rows": 2000}
        if args.only == "overhead":  # the process start again, into the existing file
            costs = json.loads(Path(args.costs).read_text())
            costs["overhead"] = _overhead()
            print(f"overhead {costs['overhead']:.3f} s per job")
        elif args.only == "configurations":  # again, with more frames, into the existing file
            costs = json.loads(Path(args.costs).read_text())
            plan = studies.plan(config, basedir=str(ROOT))
            job = next(job for job in plan.jobs.values() if job.step == "configurations")
            t, lc = measure_configurations(job, samples["lc_frames"])
            costs["per_item"]["configurations"] = t / len(lc)
            costs["notes"]["configurations"] = {"sample": len(lc)}
            print(f"configurations {t / len(lc):.3f} s per frame ({len(lc)} frames)")
        else:
            costs = measure(config, samples)
        costs["notes"]["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        costs["notes"]["load_average"] = list(__import__("os").getloadavg())
        Path(args.costs).write_text(json.dumps(costs, indent=1, default=str) + "\n")
        print(f"-> {args.costs}")
        return
    costs = json.loads(Path(args.costs).read_text())
    costs["per_item"] = {k: v * args.scale for k, v in costs["per_item"].items()}
    costs["overhead"] *= args.scale
    plan = studies.plan(config, basedir=str(ROOT))
    if args.command == "predict":
        predict(plan, costs, [tuple(map(int, m.split("x"))) for m in args.machines])
    elif args.command == "check":
        check(read_job_times(args.times), plan, costs, args.workdir)
    else:
        peaks, measured = {}, studies.plan(load_config(*args.peaks_config), basedir=str(ROOT))
        for job_id, (_, _, mb) in read_job_times(args.times).items():
            if job_id in measured.jobs:
                step = measured.jobs[job_id].step
                peaks[step] = max(peaks.get(step, 0.0), mb)
        print(f"# {SAFETY} x the model at paper size: set these in each step's record (runtime=, mem_mb=)")
        records = registry()
        for step, resources in slurm_resources(plan, costs, peaks).items():
            record = records.get(step)
            now = f" (record: {record.runtime}, {record.mem_mb})" if record else ""
            print(f"{step}: runtime={resources['runtime']}, mem_mb={resources['mem_mb']}{now}")


if __name__ == "__main__":
    sys.exit(main())
