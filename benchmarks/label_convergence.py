"""Convergence of tight-binding energy labels with the supercell's plane spacing.

tblite computes at the Gamma point only; labelling a crystal in a supercell
whose plane spacings are all >= L (Å) samples its Brillouin zone on the
matching Gamma-centred grid (:func:`anisoap_pipeline.studies.benzene.calculators.labelling_supercell`).
For a sample of PyXtal crystals this script reports, per threshold L, the
per-atom energy error against a reference supercell (all spacings >=
``--reference`` Å), the supercell's atoms and the wall time of its one
calculation (one OpenMP thread; a supercell shared by several thresholds is
computed once). A second table counts, for a larger sample of the default
study's crystals (no tight binding), the smallest plane spacing and the atoms
of the supercell each threshold needs, with and without rejecting thin cells.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/label_convergence.py                 # markdown report
    OMP_NUM_THREADS=1 python benchmarks/label_convergence.py --crystals 4 --max-molecules 2 \\
        --thresholds 0 6 8 10 --reference 12 --method GFN1-xTB
"""

import argparse
import json
import os
import statistics
import time

import numpy as np

from anisoap_pipeline.studies.benzene.calculators import _energy, labelling_supercell, plane_spacings
from anisoap_pipeline.studies.benzene.data import generate_crystals


def error_table(crystals, thresholds, reference_spacing, method):
    """Rows {crystal, Z, min spacing, L, repeats, atoms, seconds, meV/atom, error}, the reference last.

    The reference of a crystal is its supercell at ``reference_spacing``, or
    at 2 Å more, 4 Å more... until it is larger than the supercell of the
    largest threshold.
    """
    spec = {"name": "tblite", "method": method, "verbosity": 0}
    rows = []
    for k, crystal in enumerate(crystals):
        reference = reference_spacing
        computed = {}
        largest = labelling_supercell(crystal, max(thresholds))[1]
        while labelling_supercell(crystal, reference)[1] == largest:
            reference += 2.0  # the reference is always a larger supercell than every one tested
        for spacing in [*thresholds, reference]:
            supercell, repeats = labelling_supercell(crystal, spacing)
            if repeats not in computed:
                start = time.perf_counter()
                energy = _energy(spec, supercell, "benchmark") / np.prod(repeats)
                computed[repeats] = (energy / len(crystal) * 1000.0, time.perf_counter() - start, len(supercell))
            per_atom, seconds, atoms = computed[repeats]
            rows.append({"crystal": k, "Z": len(crystal) // 12, "reference": spacing == reference, "min_spacing": float(plane_spacings(crystal).min()),
                         "L": spacing, "repeats": repeats, "atoms": atoms, "seconds": seconds, "per_atom": per_atom})
            print(json.dumps(rows[-1]), flush=True)
        for row in rows:
            if row["crystal"] == k:
                row["error"] = row["per_atom"] - rows[-1]["per_atom"]
    return rows


def size_table(crystals, thresholds, min_spacings):
    """Per (rejection threshold, L): kept crystals, mean and max supercell atoms."""
    widths = np.array([plane_spacings(crystal).min() for crystal in crystals])
    rows = []
    for reject in min_spacings:
        kept = [crystal for crystal, width in zip(crystals, widths) if width >= reject]
        for spacing in thresholds:
            atoms = [len(crystal) * int(np.prod(labelling_supercell(crystal, spacing)[1])) for crystal in kept]
            rows.append({"reject_below": reject, "L": spacing, "kept": len(kept), "of": len(crystals),
                         "atoms_mean": float(np.mean(atoms)), "atoms_max": int(np.max(atoms))})
    return rows, widths


def cost_table(crystals, thresholds, method):
    """Wall time of label_energies (one process, one thread) per crystal at each threshold."""
    from anisoap_pipeline.studies.benzene.calculators import label_energies

    spec = {"name": "tblite", "method": method}
    label_energies(crystals[:1], spec)  # imports and the molecule's energy, once
    print(f"\n### Labelling cost, {len(crystals)} default-study crystals ({method}, one thread)\n")
    print("| L (Å) | supercell atoms, mean | seconds per crystal | relative to Gamma |")
    print("|---|---|---|---|")
    base = None
    for spacing in thresholds:
        start = time.perf_counter()
        labels = label_energies(crystals, spec, supercell_spacing=spacing or None)
        seconds = (time.perf_counter() - start) / len(crystals)
        atoms = np.mean([len(c) * np.prod(r) for c, r in zip(crystals, labels["repeats"])])
        base = base or seconds
        print(f"| {'Gamma' if not spacing else f'{spacing:g}'} | {atoms:.0f} | {seconds:.2f} | {seconds / base:.1f}x |",
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crystals", type=int, default=4, help="crystals labelled (error table)")
    parser.add_argument("--max-molecules", type=int, default=2, help="largest Z of the labelled sample")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.0, 6.0, 8.0, 10.0])
    parser.add_argument("--reference", type=float, default=12.0)
    parser.add_argument("--method", default="GFN1-xTB")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--population", type=int, default=80, help="default-study crystals for the size table")
    parser.add_argument("--sizes-only", action="store_true", help="only the supercell size table (no tight binding)")
    parser.add_argument("--cost-crystals", type=int, default=0,
                        help="also time label_energies on this many default-study crystals")
    parser.add_argument("--cost-thresholds", type=float, nargs="+", default=[0.0, 8.0])
    args = parser.parse_args()

    print(f"load average at start: {os.getloadavg()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    population, _ = generate_crystals(args.population, seed=0, max_molecules=4)
    sizes, widths = size_table(population, [*args.thresholds, args.reference], [0.0, 5.0, 6.0])
    print(f"\n### Supercell sizes over {len(population)} default-study crystals (Z <= 4, seed 0)\n")
    print(f"smallest plane spacing: min {widths.min():.2f}, median {np.median(widths):.2f}, max {widths.max():.2f} Å; "
          f"below 5 Å: {np.mean(widths < 5) * 100:.0f} %\n")
    print("| reject below (Å) | kept | L (Å) | supercell atoms, mean | max |")
    print("|---|---|---|---|---|")
    for row in sizes:
        print(f"| {row['reject_below']:g} | {row['kept']}/{row['of']} | {row['L']:g} | {row['atoms_mean']:.0f} | {row['atoms_max']} |")

    if args.cost_crystals:
        cost_table(population[: args.cost_crystals], args.cost_thresholds, args.method)
    if args.sizes_only:
        return
    sample, _ = generate_crystals(args.crystals, seed=args.seed, max_molecules=args.max_molecules,
                                  augment_fraction=0.0)
    rows = error_table(sample, args.thresholds, args.reference, args.method)
    chosen = [row for row in rows if row["reference"]]
    print(f"\nreference supercells: {np.mean([row['atoms'] for row in chosen]):.0f} atoms on average, "
          f"{np.mean([row['seconds'] for row in chosen]):.1f} s; L = " + ", ".join(f"{row['L']:g}" for row in chosen))
    print(f"\n### Error against a larger supercell (L >= {args.reference:g} Å ({args.method}, {len(sample)} crystals, "
          f"Z <= {args.max_molecules}, seed {args.seed})\n")
    print("| L (Å) | max abs error (meV/atom) | median abs error | supercell atoms (mean) | seconds per crystal (mean) |")
    print("|---|---|---|---|---|")
    for spacing in args.thresholds:
        chosen = [row for row in rows if row["L"] == spacing]
        errors = [abs(row["error"]) for row in chosen]
        print(f"| {'Gamma' if not spacing else f'{spacing:g}'} | {max(errors):.1f} | {statistics.median(errors):.1f} | "
              f"{np.mean([row['atoms'] for row in chosen]):.0f} | {np.mean([row['seconds'] for row in chosen]):.1f} |")
    print("\nper crystal (min plane spacing Å: error meV/atom at each L):")
    for k in range(len(sample)):
        chosen = [row for row in rows if row["crystal"] == k]
        print(f"- crystal {k} (Z = {chosen[0]['Z']}, {chosen[0]['min_spacing']:.2f} Å): "
              + ", ".join(f"{row['L']:g}: {row['error']:+.1f}" for row in chosen[:-1]))

if __name__ == "__main__":
    main()
