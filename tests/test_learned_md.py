"""MD driven by a learned AniSOAP potential through LAMMPS ``fix external``: the forces and torques
LAMMPS integrates are the potential's own, and NVE conserves energy."""

import numpy as np
import pytest

lammps = pytest.importorskip("anisoap_pipeline.potentials.lammps")
try:
    lammps.import_lammps()
except lammps.LAMMPSUnavailable as error:  # pragma: no cover - depends on the install
    pytest.skip(f"LAMMPS unavailable: {error}", allow_module_level=True)

from anisoap_pipeline.potentials import AniSOAPPotential  # noqa: E402


@pytest.fixture(scope="module")
def learned():
    """A linear potential fitted to a few Gay-Berne frames of 64 particles, and an equilibrated start."""
    frames = lammps.gay_berne_md(64, 0.25, 1.5, 3, n_frames=7, stride=40, equilibration_steps=200)
    potential = AniSOAPPotential(max_angular=2, max_radial=2, radial_gaussian_width=0.5, cutoff=3.0,
                                 cutoff_smoothing_width=1.0, diameters=(0.35, 0.35, 1.05), n_folds=2)
    return potential.fit(frames[:6]), frames[6]


def test_forces_and_torques_through_the_callback_are_the_potentials(learned):
    potential, start = learned
    trajectory = lammps.run_md(start, potential, steps=20, timestep=0.002, ensemble="nve", dump_every=10)
    for frame in trajectory.frames:
        energy, forces, torques = potential.energy_forces_torques(frame)
        scale = np.abs(forces).max()
        np.testing.assert_allclose(frame.arrays["forces"], forces, rtol=0, atol=1e-10 * scale)
        np.testing.assert_allclose(frame.arrays["torques"], torques, rtol=0, atol=1e-10 * np.abs(torques).max())
        np.testing.assert_allclose(frame.info["energy"], energy, rtol=1e-12)


def test_nve_with_the_learned_potential_conserves_energy(learned):
    potential, start = learned
    trajectory = lammps.run_md(start, potential, steps=300, timestep=0.002, ensemble="nve", dump_every=100)
    per_particle = trajectory.conserved_energy / len(start)
    kinetic = trajectory.kinetic_energy / len(start)
    assert len(trajectory.steps) == 301
    # a loose bound: the energy wanders by far less than the kinetic energy per particle (~1.5 at T = 1.5)
    assert np.abs(per_particle - per_particle[0]).max() < 0.02 * kinetic.mean()
    assert np.ptp(trajectory.potential_energy) > 0  # the particles moved under the potential
