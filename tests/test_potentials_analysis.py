"""MD analysis of the learned-potentials study against closed forms and independent counts."""

import json

import numpy as np
import pytest
from ase import Atoms
from scipy.signal import lfilter
from scipy.spatial.transform import Rotation

from anisoap_pipeline.studies.potentials.analysis import (
    block_average,
    compare_runs,
    energy_drift,
    first_peak,
    first_peak_statistics,
    nematic_order_series,
    pair_distribution,
    run_series,
)
from anisoap_pipeline.studies.potentials.figures import md_figure

N_SIDE = 6
SPACING = 1.1
# bin width with the shells at a and 2a inside bins, not on their edges
WIDTH = SPACING / 20.25


def ellipsoids(positions, cell, quaternions=None):
    n = len(positions)
    atoms = Atoms(numbers=np.ones(n, dtype=int), positions=positions, cell=cell, pbc=True)
    atoms.arrays["c_q"] = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)) if quaternions is None else quaternions
    for k, d in enumerate((1.0, 1.0, 3.0), start=1):
        atoms.arrays[f"c_diameter[{k}]"] = np.full(n, d)
    return atoms


def cubic_lattice(spacing=SPACING, n=N_SIDE):
    grid = np.arange(n) * spacing
    positions = np.array(np.meshgrid(grid, grid, grid, indexing="ij")).reshape(3, -1).T
    return ellipsoids(positions, np.eye(3) * n * spacing)


def liquid_like(n_frames, seed, spacing=SPACING, jitter=0.05, tilt=0.05):
    """Jittered cubic lattices with orientations tilted from z by ~``tilt`` radians."""
    rng = np.random.default_rng(seed)
    frames = []
    for step in range(n_frames):
        atoms = cubic_lattice(spacing)
        atoms.positions += rng.normal(0.0, jitter, atoms.positions.shape)
        rotations = Rotation.from_rotvec(rng.normal(0.0, tilt, (len(atoms), 3)))
        atoms.arrays["c_q"] = rotations.as_quat(scalar_first=True)
        atoms.info["time"] = 0.5 * step
        frames.append(atoms)
    return frames


def nve_run(drift_per_step, seed, n=216, steps=2000, noise=1e-5):
    """Conserved energy (total) with a linear drift per particle per step and white noise."""
    rng = np.random.default_rng(seed)
    record = np.arange(0, steps + 1, 10)
    energy = n * (-3.0 + drift_per_step * record + rng.normal(0.0, noise, len(record)))
    return {"steps": record, "time": record * 0.002, "conserved_energy": energy, "n_particles": n}


class FakeFailure(RuntimeError):
    """What run_md raises: step, reason and the trajectory so far."""

    def __init__(self, step, reason, trajectory):
        super().__init__(reason)
        self.step, self.reason, self.trajectory = step, reason, trajectory


# --- energy drift


def test_drift_of_linear_series_recovered_exactly():
    n, rate = 256, 3.7e-6
    steps = np.arange(0, 50_001, 100)
    energy = n * (-2.5 + rate * steps)
    drift = energy_drift(steps, energy, n)
    assert drift["drift"] == pytest.approx(rate * 1000, rel=1e-9)
    assert drift["drift_error"] < 1e-9 * rate * 1000
    assert drift["max_excursion"] == pytest.approx(rate * 50_000, rel=1e-9)
    assert drift["n_records"] == len(steps) and drift["n_steps"] == 50_000
    by_time = energy_drift(steps * 0.002, energy, n, timestep=0.002)
    assert by_time["drift"] == pytest.approx(rate * 1000, rel=1e-9)
    assert energy_drift(steps, energy, n, per_steps=1)["drift"] == pytest.approx(rate, rel=1e-9)


def test_drift_error_of_correlated_fluctuations():
    """Monte Carlo: a linear drift under AR(1) noise (phi = 0.9, statistical inefficiency 19); the
    corrected standard error matches the spread of the fitted drifts, the least-squares one is ~4x small."""
    steps = np.arange(2001.0)
    fits = [
        energy_drift(steps, 256 * (1e-6 * steps + lfilter([1.0], [1.0, -0.9],
                                                           np.random.default_rng(seed).normal(0.0, 1e-4, 2001))), 256)
        for seed in range(200)
    ]
    drifts = np.array([fit["drift"] for fit in fits])
    errors = np.array([fit["drift_error"] for fit in fits])
    inefficiency = np.array([fit["statistical_inefficiency"] for fit in fits])
    assert drifts.mean() == pytest.approx(1e-3, abs=3 * drifts.std() / np.sqrt(200))
    assert errors.mean() == pytest.approx(drifts.std(), rel=0.25)
    assert (errors / np.sqrt(inefficiency)).mean() < 0.5 * drifts.std()
    assert energy_drift(steps[:19], steps[:19], 1)["statistical_inefficiency"] is None


def test_drift_errors():
    with pytest.raises(ValueError, match="at least 3"):
        energy_drift([0, 1], [0.0, 1.0], 2)
    with pytest.raises(ValueError, match="finite"):
        energy_drift([0, 1, 2], [0.0, np.nan, 1.0], 2)
    with pytest.raises(ValueError, match="increasing"):
        energy_drift([0, 2, 1], [0.0, 1.0, 1.0], 2)
    with pytest.raises(ValueError, match="n_particles"):
        energy_drift([0, 1, 2], [0.0, 1.0, 1.0], 0)


# --- block averages


def test_block_average_of_iid_noise():
    sigma, n = 2.0, 20_000
    series = np.random.default_rng(7).normal(1.0, sigma, n)
    result = block_average(series, 40)
    assert result["mean"] == pytest.approx(series.mean())
    # 40 blocks estimate the error to 1 / sqrt(2 * 39) = 11 %
    assert result["error"] == pytest.approx(sigma / np.sqrt(n), rel=0.25)
    assert result["block_size"] == 500 and len(result["block_means"]) == 40


def test_block_average_of_correlated_series():
    """AR(1), x_t = phi x_{t-1} + e_t: the error of the mean is sqrt((1 + phi) / (1 - phi)) times
    the naive one (integrated autocorrelation time), which blocks much longer than 1 / (1 - phi) recover."""
    phi, n = 0.9, 100_000
    series = lfilter([1.0], [1.0, -phi], np.random.default_rng(3).normal(0.0, 1.0, n))
    expected = np.sqrt(1.0 / (1.0 - phi**2) / n * (1.0 + phi) / (1.0 - phi))
    assert block_average(series, 50)["error"] == pytest.approx(expected, rel=0.3)


def test_block_average_refuses_short_series():
    with pytest.raises(ValueError, match="too short"):
        block_average([1.0, 2.0, 3.0], 5)
    with pytest.raises(ValueError, match="at least 2"):
        block_average([1.0, 2.0, 3.0], 1)
    # the remainder is dropped at the start
    assert block_average([100.0, 1.0, 2.0, 3.0, 4.0], 2)["block_means"] == [1.5, 3.5]


# --- structure


def test_nematic_order_aligned_and_isotropic():
    aligned = liquid_like(2, seed=0, tilt=0.0)
    assert nematic_order_series(aligned) == pytest.approx([1.0, 1.0], abs=1e-6)
    atoms = ellipsoids(np.random.default_rng(1).uniform(0, 20, (2000, 3)), np.eye(3) * 20,
                       Rotation.random(2000, random_state=2).as_quat(scalar_first=True))
    assert nematic_order_series([atoms])[0] < 0.1


def test_pair_distribution_of_ideal_gas():
    rng = np.random.default_rng(11)
    side, n = 12.0, 1728
    frames = [ellipsoids(rng.uniform(0.0, side, (n, 3)), np.eye(3) * side) for _ in range(3)]
    r, g = pair_distribution(frames, 5.0, 50)
    assert r == pytest.approx((np.arange(50) + 0.5) * 0.1)
    # exact normalisation: an ideal gas of N points tends to 1 - 1/N
    assert np.abs(g[r > 1.0] - (1.0 - 1.0 / n)).max() < 0.1
    assert g[r > 1.0].mean() == pytest.approx(1.0, abs=0.01)


def test_pair_distribution_of_simple_cubic_lattice():
    atoms = cubic_lattice()
    r, g = pair_distribution([atoms], 58 * WIDTH, 58)
    position, _ = first_peak(r, g)
    assert abs(position - SPACING) <= WIDTH / 2
    # coordination numbers 6, 6 + 12, 6 + 12 + 8 from the integral of rho g(r) over exact shell volumes
    edges = np.arange(59) * WIDTH
    counts = np.cumsum(g * 4.0 / 3.0 * np.pi * np.diff(edges**3) * len(atoms) / atoms.get_volume())
    assert counts[np.searchsorted(edges, [1.2, 1.6, 2.0]) - 1] == pytest.approx([6, 18, 26], rel=1e-5)
    # any orientation of the cell: the same distances, the same histogram
    rotation = Rotation.random(random_state=5).as_matrix()
    rotated = atoms.copy()
    rotated.set_cell(atoms.cell.array @ rotation.T, scale_atoms=True)
    assert pair_distribution([rotated], 58 * WIDTH, 58)[1] == pytest.approx(g, abs=1e-5)


def test_pair_distribution_is_bitwise_reproducible():
    frames = liquid_like(3, seed=8)
    first, second = pair_distribution(frames, 3.0, 60)[1], pair_distribution(frames, 3.0, 60)[1]
    assert np.array_equal(first, second)


def test_pair_distribution_errors():
    with pytest.raises(ValueError, match="half the smallest cell width"):
        pair_distribution([cubic_lattice()], 3.4, 10)
    atoms = cubic_lattice()
    atoms.pbc = False
    with pytest.raises(ValueError, match="periodic"):
        pair_distribution([atoms], 1.0, 10)
    with pytest.raises(ValueError, match="never exceeds 1"):
        first_peak(np.arange(5.0), np.full(5, 0.5))


def test_first_peak_parabola():
    r = np.arange(10) * 0.1
    g = 3.0 - 50.0 * (r - 0.43) ** 2  # the parabola itself: its vertex exactly
    g[g < 0] = 0.0
    for window in (3, 5):
        assert first_peak(r, g, window) == pytest.approx((0.43, 3.0))
    with pytest.raises(ValueError, match="odd integer"):
        first_peak(r, g, 4)


def test_first_peak_of_noisy_liquid():
    """A contact edge and a broad first shell, 5 % noise per bin: unbiased, not fooled by noise on the edge."""
    r = (np.arange(60) + 0.5) * 0.05
    fine = np.linspace(0.5, 2.0, 300_001)

    def shape(x):
        return (1.0 + 0.3 * np.exp(-((x - 1.25) ** 2) / (2 * 0.15**2))) / (1.0 + np.exp(-(x - 1.0) / 0.03))

    truth = fine[np.argmax(shape(fine))], shape(fine).max()
    peaks = np.array([
        first_peak(r, shape(r) * (1.0 + np.random.default_rng(seed).normal(0.0, 0.05, r.size)))
        for seed in range(100)
    ])
    # measured: position bias 0.006, sd 0.036; height bias 0.015, sd 0.042 (the three-point
    # parabola: height bias 0.038)
    assert np.abs(peaks[:, 0] - truth[0]).max() < 0.15
    assert peaks[:, 0].mean() == pytest.approx(truth[0], abs=0.02)
    assert peaks[:, 1].mean() == pytest.approx(truth[1], abs=0.025)


def test_first_peak_statistics_blocks():
    frames = liquid_like(10, seed=4)
    stats = first_peak_statistics(frames, 3.0, 120, 5)
    assert stats["frames_per_block"] == 2
    assert stats["position"] == pytest.approx(SPACING, abs=0.05)
    assert 0.0 < stats["position_error"] < 0.05 and stats["height_error"] > 0.0
    with pytest.raises(ValueError, match="too few frames"):
        first_peak_statistics(frames[:3], 3.0, 120, 5)


# --- verdicts


def test_identical_runs_pass():
    frames = liquid_like(10, seed=4)
    nvt = compare_runs({"frames": frames}, {"frames": frames}, ensemble="nvt")
    assert nvt["verdict"] == "yes"
    assert set(nvt["checks"]) == {"nematic_order", "rdf_peak_position", "rdf_peak_height"}
    assert nvt["checks"]["nematic_order"]["difference"] == 0.0
    assert all(check["passed"] == "yes" and check["judged"] for check in nvt["checks"].values())
    run = nve_run(1e-6, seed=0)
    nve = compare_runs(run, run, ensemble="nve")
    assert nve["verdict"] == "yes" and nve["checks"]["energy_drift"]["ratio"] == pytest.approx(1.0)
    json.dumps(nvt, allow_nan=False)
    json.dumps(nve, allow_nan=False)


def test_perturbed_runs_fail_with_the_right_numbers():
    exact = liquid_like(10, seed=4, tilt=0.05)
    learned = liquid_like(10, seed=5, spacing=1.1 * SPACING, tilt=0.35)
    result = compare_runs({"frames": learned}, {"frames": exact}, ensemble="nvt")
    assert result["verdict"] == "no"
    order = result["checks"]["nematic_order"]
    expected = nematic_order_series(learned).mean() - nematic_order_series(exact).mean()
    assert order["difference"] == pytest.approx(expected, rel=1e-12) and expected < -0.05
    assert order["passed"] == "no"
    assert order["exact"]["mean"] == pytest.approx(nematic_order_series(exact).mean())
    position = result["checks"]["rdf_peak_position"]
    assert position["passed"] == "no"
    assert position["relative_difference"] == pytest.approx(0.1, abs=0.02)

    slow, fast = nve_run(1e-6, seed=0), nve_run(5e-6, seed=1)
    drift = compare_runs(fast, slow, ensemble="nve")["checks"]["energy_drift"]
    assert drift["passed"] == "no"
    assert drift["ratio"] == pytest.approx(abs(drift["learned"]["drift"] / drift["exact"]["drift"]))
    assert drift["ratio"] == pytest.approx(5.0, rel=0.02)
    assert drift["exact"]["drift"] == pytest.approx(energy_drift(slow["steps"], slow["conserved_energy"], 216)["drift"])
    # a learned run drifting less than the exact one passes
    assert compare_runs(slow, fast, ensemble="nve")["verdict"] == "yes"


def test_drift_reference_is_the_resolution_when_no_drift():
    flat = nve_run(0.0, seed=2)
    result = compare_runs(nve_run(0.0, seed=3), flat, ensemble="nve")["checks"]["energy_drift"]
    assert result["reference"] >= 2.0 * result["exact"]["drift_error"]
    assert result["passed"] == "yes"


def test_failed_run_reported():
    frames = liquid_like(10, seed=4)
    partial = {"frames": frames[:2], "steps": [0, 10], "time": [0.0, 0.02], "conserved_energy": [-600.0, 1e9]}
    failure = FakeFailure(137, "Lost atoms: 255 of 256 left", partial)
    result = compare_runs(failure, {"frames": frames}, ensemble="nvt")
    assert result["verdict"] == "failed" and result["checks"] == {}
    assert result["runs"]["learned"] == {"status": "failed", "step": 137, "reason": "Lost atoms: 255 of 256 left"}
    assert result["runs"]["exact"] == {"status": "completed"}
    as_dict = compare_runs({"frames": frames}, {"failure": {"step": 5, "reason": "the energy is not finite"}},
                           ensemble="nve")
    assert as_dict["verdict"] == "failed" and as_dict["runs"]["exact"]["step"] == 5
    json.dumps(result, allow_nan=False)
    series = run_series(failure)
    assert series["failure"]["step"] == 137 and series["failure"]["time"] == pytest.approx(137 * 0.002)


def test_compare_runs_errors():
    frames = liquid_like(10, seed=4)
    with pytest.raises(ValueError, match="ensemble"):
        compare_runs({"frames": frames}, {"frames": frames}, ensemble="npt")
    with pytest.raises(ValueError, match="timestep"):
        compare_runs({**nve_run(0.0, 0), "timestep": 0.002}, {**nve_run(0.0, 0), "timestep": 0.001,
                                                               "time": None}, ensemble="nve")
    with pytest.raises(ValueError, match="no frames"):
        compare_runs(nve_run(0.0, 0), {"frames": frames}, ensemble="nvt")


# --- figure


def test_md_figure(tmp_path):
    frames = liquid_like(10, seed=4)
    exact = {**nve_run(1e-6, seed=0), "frames": frames}
    learned = FakeFailure(1500, "the potential returned non-finite forces",
                          {**nve_run(3e-6, seed=1, steps=1500), "frames": frames[:6]})
    runs = [
        {"label": "T = 1.5, ρ = 0.3", "ensemble": "nvt", "learned": run_series({"frames": frames}),
         "exact": run_series({"frames": liquid_like(10, seed=6)})},
        {"label": "T = 1.5, ρ = 0.3", "ensemble": "nve", "learned": run_series(learned), "exact": run_series(exact)},
    ]
    path = tmp_path / "md.png"
    md_figure(runs, path)
    assert path.stat().st_size > 10_000
