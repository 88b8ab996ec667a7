"""LAMMPS engine: pair gayberne against the project's exact Gay-Berne, the fix external driver."""

import subprocess
import sys

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.potentials.lammps import (
    GayBerneParameters,
    GayBernePotential,
    LAMMPSUnavailable,
    MDFailure,
    gay_berne_md,
    gay_berne_single_point,
    import_lammps,
    lattice_frame,
    run_md,
)
from anisoap_pipeline.studies.gay_berne.data import sample_dimers

try:
    import_lammps()
except LAMMPSUnavailable as error:
    pytest.skip(f"LAMMPS cannot be imported: {error}", allow_module_level=True)

CLASSIC = GayBerneParameters()  # GB(3, 5, 2, 1), shape 1 1 3, cutoff 4
SEMIAXES = (0.5, 0.5, 1.5)  # half the LAMMPS shape


def relative_difference(value, reference):
    """Largest |value - reference| over the largest |reference| (the scale of the numbers compared)."""
    value, reference = np.asarray(value), np.asarray(reference)
    return np.max(np.abs(value - reference)) / np.max(np.abs(reference))


def test_import_gives_lammps_with_asphere():
    lammps = import_lammps()
    lmp = lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        assert lmp.has_style("pair", "gayberne")
        assert lmp.has_style("atom", "ellipsoid")
    finally:
        lmp.close()


def test_import_without_mpi4py_loads_mpich_by_path():
    code = (
        "import sys; sys.modules['mpi4py'] = None\n"  # as if mpi4py were not installed
        "from anisoap_pipeline.potentials.lammps import gay_berne_single_point, lattice_frame\n"
        "print(gay_berne_single_point(lattice_frame(8, 0.3)).info['energy'])"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 0


def test_parameters_map_to_lammps_arguments():
    style, coeff = CLASSIC.lammps_commands()
    # gamma, upsilon (= nu, halved by LAMMPS as nu / 2 in Eq. B1), mu, cutoff
    assert style == "pair_style gayberne 1.0 1.0 2.0 4.0"
    assert coeff == "pair_coeff * * 1.0 1.0 1.0 1.0 0.2 1.0 1.0 0.2"
    with pytest.raises(ValueError, match="well_depths"):
        GayBerneParameters(well_depths=(1.0, 0.0, 0.2))


def dimers_in_one_box(n_dimers, seed, spacing=12.0):
    """Dimers of sample_dimers on a grid far beyond the cutoff from each other, in one periodic box."""
    dimers = sample_dimers(
        n_dimers, seed, semiaxes=SEMIAXES, h_min=-0.1, h_max=0.8, well_depths=CLASSIC.well_depths,
        mu=CLASSIC.mu, nu=CLASSIC.nu, cutoff=CLASSIC.cutoff, forces=True,
    )
    side = int(np.ceil(n_dimers ** (1 / 3)))
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3)[:n_dimers]
    frame = dimers[0].copy()
    for dimer in dimers[1:]:
        frame += dimer
    frame.positions += np.repeat((grid + 0.5) * spacing, 2, axis=0)
    frame.set_cell(np.eye(3) * side * spacing)
    frame.pbc = True
    return frame, dimers


def test_pair_gayberne_equals_project_gay_berne_on_dimers():
    frame, dimers = dimers_in_one_box(100, seed=11)
    lammps = gay_berne_single_point(frame, CLASSIC)
    energies = np.array([d.info["energy"] for d in dimers])
    assert np.count_nonzero(energies > 0) > 5 and np.count_nonzero(energies < 0) > 50
    assert lammps.info["energy"] == pytest.approx(energies.sum(), rel=1e-12)
    forces = np.concatenate([d.arrays["force"] for d in dimers])
    torques = np.concatenate([d.arrays["torque"] for d in dimers])
    # the frame comes back as it went in: the quaternion and shape conventions agree
    np.testing.assert_allclose(lammps.arrays["c_q"], frame.arrays["c_q"], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(lammps.arrays["c_diameter[3]"], 3.0)
    # per particle, relative to each dimer's own scale (energies span 1e-3 .. 1e4)
    scale = np.repeat(np.maximum(np.abs(forces).reshape(-1, 6).max(1), 1e-12), 2)[:, None]
    assert np.max(np.abs(lammps.arrays["forces"] - forces) / scale) < 1e-10
    scale = np.repeat(np.maximum(np.abs(torques).reshape(-1, 6).max(1), 1e-12), 2)[:, None]
    assert np.max(np.abs(lammps.arrays["torques"] - torques) / scale) < 1e-10


def random_many_body_frame(seed):
    """64 randomly oriented, displaced particles at density ~0.03: many pairs within the cutoff."""
    frame = lattice_frame(64, 0.05, orientations="random", seed=seed)
    rng = np.random.default_rng(seed)
    frame.positions += rng.uniform(-0.3, 0.3, size=(64, 3))
    return frame


@pytest.mark.parametrize("make", ["random", "liquid"])
def test_pair_gayberne_equals_project_gay_berne_many_body(make):
    if make == "random":
        frame = random_many_body_frame(5)
    else:  # a dense liquid frame straight from LAMMPS MD (also the frame round trip)
        frame = gay_berne_md(256, 0.3, 1.5, 3, n_frames=1, stride=100, equilibration_steps=0)[0]
    lammps = gay_berne_single_point(frame, CLASSIC)
    energy, forces, torques = GayBernePotential(CLASSIC).energy_forces_torques(frame)
    assert abs(energy) > 1.0
    assert lammps.info["energy"] == pytest.approx(energy, rel=1e-10)
    assert relative_difference(lammps.arrays["forces"], forces) < 1e-10
    assert relative_difference(lammps.arrays["torques"], torques) < 1e-10
    # Newton's third law for forces, and for torques with the moments of the forces
    np.testing.assert_allclose(forces.sum(0), 0.0, atol=1e-9 * np.abs(forces).max())


def two_particles(seed):
    rng = np.random.default_rng(seed)
    frame = lattice_frame(8, 0.01)[:2]
    frame.set_cell(np.eye(3) * 10.0)
    frame.positions = [[5.0, 5.0, 5.0], [5.0, 6.3, 5.4]]
    frame.arrays["c_q"] = Rotation.random(2, rng).as_quat(scalar_first=True)
    frame.set_masses([1.0, 1.0])
    frame.set_momenta(0.5 * rng.normal(size=(2, 3)))
    frame.set_array("angular_momenta", 0.5 * rng.normal(size=(2, 3)))
    return frame


@pytest.mark.parametrize("ensemble", ["nve", "nvt"])
def test_fix_external_driver_follows_pair_gayberne(ensemble):
    frame = two_particles(3)
    options = {"steps": 300, "timestep": 0.002, "ensemble": ensemble, "dump_every": 100}
    if ensemble == "nvt":
        options.update(temperature=0.8, thermostat_damping=0.1)
    native = run_md(frame, CLASSIC, **options)
    driven = run_md(frame, GayBernePotential(CLASSIC), **options)
    # the particles do interact: they move and turn
    assert np.ptp(native.potential_energy) > 0.1
    assert np.abs(native.frames[-1].arrays["c_q"] - native.frames[0].arrays["c_q"]).max() > 0.1
    for a, b in zip(native.frames, driven.frames, strict=True):
        assert a.info["step"] == b.info["step"]
        np.testing.assert_allclose(b.positions, a.positions, rtol=0, atol=1e-8)
        np.testing.assert_allclose(b.arrays["c_q"], a.arrays["c_q"], rtol=0, atol=1e-8)
        np.testing.assert_allclose(b.arrays["angular_momenta"], a.arrays["angular_momenta"], rtol=0, atol=1e-8)
        np.testing.assert_allclose(b.arrays["torques"], a.arrays["torques"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(driven.conserved_energy, native.conserved_energy, rtol=0, atol=1e-8)
    if ensemble == "nve":  # velocity Verlet: the total energy fluctuates, it does not drift
        assert np.ptp(native.total_energy) < 1e-3 * np.ptp(native.potential_energy)


def test_gay_berne_md_is_reproducible_bit_for_bit():
    # random orientations (seeded), compressed from a dilute lattice over 300 steps
    options = {"n_frames": 2, "stride": 10, "equilibration_steps": 400, "compression_steps": 300}
    first = gay_berne_md(32, 0.3, 1.0, 7, orientations="random", **options)
    second = gay_berne_md(32, 0.3, 1.0, 7, orientations="random", **options)
    for a, b in zip(first, second, strict=True):
        assert a.info == b.info
        for key in ("c_q", "forces", "torques", "angular_momenta", "momenta"):
            np.testing.assert_array_equal(a.arrays[key], b.arrays[key])
        np.testing.assert_array_equal(a.positions, b.positions)
    assert first[-1].info["step"] == 420 and first[-1].info["density"] == pytest.approx(0.3)


class Failing:
    """The exact Gay-Berne, broken at one call."""

    def __init__(self, broken_call, how):
        self.calls, self.broken_call, self.how = 0, broken_call, how
        self.exact = GayBernePotential(CLASSIC)

    def energy_forces_torques(self, atoms):
        self.calls += 1
        energy, forces, torques = self.exact.energy_forces_torques(atoms)
        if self.calls == self.broken_call:
            if self.how == "nan":
                forces[1, 2] = np.nan
            elif self.how == "raise":
                raise ArithmeticError("model out of range")
            elif self.how == "jump":
                energy += 1000.0
            elif self.how == "kick":  # finite, but throws a particle across many boxes in one step
                forces[0] = 1e12
        return energy, forces, torques


@pytest.mark.parametrize(
    "how, message", [("nan", "non-finite forces"), ("raise", "ArithmeticError: model out of range"),
                     ("jump", "conserved energy jumped")]
)
def test_failures_stop_the_run_at_their_step(how, message):
    frame = lattice_frame(27, 0.01)
    potential = Failing(broken_call=8, how=how)  # call 1 is the setup at step 0
    with pytest.raises(MDFailure, match=message) as failure:
        run_md(frame, potential, steps=50, timestep=0.002, initial_temperature=1.0, seed=5)
    assert failure.value.step == 7
    assert "step 7" in str(failure.value)
    recorded = failure.value.trajectory.steps
    assert recorded.tolist() == list(range(7 if how != "jump" else 8))
    assert potential.calls == 8  # nothing evaluated after the failure


def test_lost_atoms_stop_the_run_with_their_step():
    frame = lattice_frame(27, 0.01)
    with pytest.raises(MDFailure, match="Lost atoms") as failure:
        run_md(frame, Failing(broken_call=4, how="kick"), steps=50, timestep=0.002, max_energy_jump=np.inf)
    assert failure.value.step == 4  # the kick of step 3 moves the particle in step 4


def test_run_md_rejects_bad_arguments():
    frame = two_particles(0)
    with pytest.raises(ValueError, match="temperature"):
        run_md(frame, CLASSIC, steps=1, timestep=0.002, ensemble="nvt")
    with pytest.raises(ValueError, match="energy_forces_torques"):
        run_md(frame, object(), steps=1, timestep=0.002)
    frame.set_cell([[10.0, 0, 0], [1.0, 10.0, 0], [0, 0, 10.0]])
    with pytest.raises(ValueError, match="orthorhombic"):
        gay_berne_single_point(frame)
