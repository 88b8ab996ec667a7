"""Learned AniSOAP potentials: exact gradients, exact recovery, invariance, files, ASE calculator."""

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.potentials.calculator import AniSOAPCalculator
from anisoap_pipeline.potentials.model import FORMAT, AniSOAPPotential

from .potential_frames import label, lattice_frame

SMALL = dict(max_angular=3, max_radial=2, cutoff=4.0, radial_gaussian_width=0.75, cutoff_smoothing_width=1.0,
             n_sparse=20, alphas=(1e-6, 1e-3), force_weights=(0.1, 1.0), torque_weights=(0.1,), n_folds=3)
MODELS = [("linear", "power_spectrum"), ("kernel", "power_spectrum"), ("linear", "bispectrum"),
          ("kernel", "bispectrum"), ("kernel_normalised", "power_spectrum")]
#: The normalised kernel's weights grow to ~1e6 with a small α (kernel values all near 1 on
#: power spectra): its energies then lose ~10 digits, too many for finite differences.
VARIANTS = {"kernel_normalised": dict(model="kernel", kernel_features="normalised", alphas=(1.0,),
                                      diameters=(0.5, 0.5, 1.5))}


@pytest.fixture(scope="module")
def frames():
    """Eight labelled 16-particle frames (GB(3, 5, 2, 1), density 0.19)."""
    return [label(lattice_frame(seed=seed)) for seed in range(8)]


@pytest.fixture(scope="module")
def potentials(frames):
    return {(model, kind): AniSOAPPotential(**{**SMALL, "model": model, "kind": kind, **VARIANTS.get(model, {})})
            .fit(frames[:5]) for model, kind in MODELS}


def moved(atoms, k, axis, step):
    """Copy with particle k translated by ``step`` along the lab axis."""
    out = atoms.copy()
    positions = out.get_positions()
    positions[k, axis] += step
    out.set_positions(positions)
    return out


def turned(atoms, k, axis, angle):
    """Copy with particle k rotated by ``angle`` about the lab axis (R_k -> exp(θ[e]ₓ) R_k)."""
    out = atoms.copy()
    q = out.arrays["c_q"].copy()
    q[k] = (Rotation.from_rotvec(angle * np.eye(3)[axis]) * Rotation.from_quat(q[k], scalar_first=True)).as_quat(
        scalar_first=True)
    out.arrays["c_q"] = q
    return out


@pytest.mark.parametrize("model, kind", MODELS)
def test_forces_and_torques_are_central_differences_of_the_energy(potentials, frames, model, kind):
    potential = potentials[model, kind]
    atoms = frames[6]
    _, forces, torques = potential.energy_forces_torques(atoms)
    h = 1e-4
    for k in (0, 5, 11):
        for axis in range(3):
            for change, reference in ((moved, forces), (turned, torques)):
                plus, minus = potential.energies([change(atoms, k, axis, h), change(atoms, k, axis, -h)])
                derivative = -(plus - minus) / (2 * h)
                scale = np.abs(reference).max()
                assert abs(derivative - reference[k, axis]) <= 1e-6 * scale, (change.__name__, k, axis)


def test_energy_is_the_sum_of_local_terms_and_forces_sum_to_zero(potentials, frames):
    for potential in potentials.values():
        energies, forces, _ = potential.predict(frames[5:7])
        np.testing.assert_allclose(energies, potential.energies(frames[5:7]), rtol=1e-13)
        # translation invariance of every centre's features
        np.testing.assert_allclose(forces[:16].sum(axis=0), 0.0, atol=1e-10 * np.abs(forces).max())


@pytest.mark.parametrize("model", ["linear", "kernel"])
def test_a_known_potential_on_the_same_features_is_recovered(frames, model):
    """Labels made BY a model of the same class: the fit must reproduce them to round-off,
    on frames it has not seen too."""
    teacher = AniSOAPPotential(model=model, kind="power_spectrum", **SMALL).fit(frames[:6])
    rng = np.random.default_rng(3)
    teacher.weights_ = rng.normal(size=teacher.weights_.shape)
    teacher.intercepts_ = np.array([-2.5])
    labelled = []
    for atoms in frames:
        energy, forces, torques = teacher.energy_forces_torques(atoms)
        atoms = atoms.copy()
        atoms.info["energy"], atoms.arrays["forces"], atoms.arrays["torques"] = energy, forces, torques
        labelled.append(atoms)
    student = AniSOAPPotential(model=model, kind="power_spectrum", **{**SMALL, "alphas": (1e-12,),
                                                                      "force_weights": (1.0,)}).fit(labelled[:6])
    for got, expected in zip(student.predict(labelled[6:]), teacher.predict(labelled[6:])):
        assert np.abs(got - expected).max() <= 1e-8 * np.abs(expected).max()


@pytest.mark.parametrize("model, kind", MODELS[:2])
def test_rigid_motions_leave_the_energy_and_rotate_forces_and_torques(potentials, frames, model, kind):
    potential = potentials[model, kind]
    atoms = frames[7]
    energy, forces, torques = potential.energy_forces_torques(atoms)
    rotation = Rotation.from_rotvec([0.3, -1.1, 0.7])
    Q = rotation.as_matrix()
    moved_frame = atoms.copy()
    moved_frame.set_cell(atoms.cell.array @ Q.T)
    moved_frame.set_positions(atoms.get_positions() @ Q.T + [0.37, -1.2, 5.1])
    moved_frame.arrays["c_q"] = (rotation * Rotation.from_quat(atoms.arrays["c_q"], scalar_first=True)).as_quat(
        scalar_first=True)
    energy2, forces2, torques2 = potential.energy_forces_torques(moved_frame)
    assert energy2 == pytest.approx(energy, rel=1e-10)
    np.testing.assert_allclose(forces2, forces @ Q.T, atol=1e-9 * np.abs(forces).max())
    np.testing.assert_allclose(torques2, torques @ Q.T, atol=1e-9 * np.abs(torques).max())


def test_save_load_round_trip_is_bit_for_bit(potentials, frames, tmp_path):
    for (model, kind), potential in potentials.items():
        path = tmp_path / f"{model}-{kind}.npz"
        potential.save(path)
        loaded = AniSOAPPotential.load(path)
        assert loaded.hyperparameters == potential.hyperparameters
        assert loaded.cv_results_ == json.loads(json.dumps(potential.cv_results_))
        for got, expected in zip(loaded.predict(frames[6:]), potential.predict(frames[6:])):
            assert np.array_equal(got, expected)
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"][()]))
        assert header["format"] == FORMAT and header["package_version"]


def test_foreign_corrupted_and_future_files_are_refused(potentials, tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("not a model")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.ones(3))
    good = tmp_path / "good.npz"
    potentials["linear", "power_spectrum"].save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with np.load(good) as data:
        arrays = dict(data)
    header = json.loads(str(arrays["header"][()]))
    future = tmp_path / "future.npz"
    np.savez(future, **{**arrays, "header": np.array(json.dumps({**header, "format_version": 99}))})
    for path in (text, foreign, truncated):
        with pytest.raises(ValueError, match="not a saved AniSOAPPotential"):
            AniSOAPPotential.load(path)
    with pytest.raises(ValueError, match="format version 99"):
        AniSOAPPotential.load(future)


def test_ase_calculator_returns_the_potential_numbers_and_torques(potentials, frames):
    potential = potentials["kernel", "power_spectrum"]
    atoms = frames[6].copy()
    atoms.calc = AniSOAPCalculator(potential)
    energy, forces, torques = potential.energy_forces_torques(frames[6])
    assert atoms.get_potential_energy() == energy
    assert np.array_equal(atoms.get_forces(), forces)
    assert np.array_equal(atoms.calc.results["torques"], torques)
    atoms.arrays["c_q"] = turned(atoms, 0, 2, 0.1).arrays["c_q"]  # an orientation change alone recomputes
    assert atoms.get_potential_energy() != energy
    with pytest.raises(ValueError, match="energy_forces_torques"):
        AniSOAPCalculator(object())


def test_bad_hyperparameters_and_labels_are_named(frames):
    with pytest.raises(ValueError, match="cutoff_smoothing_width"):
        AniSOAPPotential(cutoff_smoothing_width=None)
    with pytest.raises(ValueError, match="model"):
        AniSOAPPotential(model="neural")
    with pytest.raises(ValueError, match="max_angular"):
        AniSOAPPotential(max_angular=-1)
    with pytest.raises(ValueError, match="diameters"):
        AniSOAPPotential(diameters=(1.0, -1.0, 3.0))
    unlabelled = frames[0].copy()
    del unlabelled.arrays["torques"]
    with pytest.raises(ValueError, match="frame 1: field 'torques'"):
        AniSOAPPotential(**SMALL).fit([frames[1], unlabelled])
    with pytest.raises(ValueError, match="not fitted"):
        AniSOAPPotential().predict(frames[0])


@pytest.mark.skipif(not hasattr(EllipsoidalDensityProjection, "vector_jacobian_product"),
                    reason="the featuriser has no vector-Jacobian product")
@pytest.mark.parametrize("model, kind", MODELS[:3])
def test_vector_jacobian_product_route_equals_the_full_gradients(potentials, frames, model, kind):
    potential = potentials[model, kind]
    fast = potential.predict(frames[6:])
    potential.use_vector_jacobian_product = False
    try:
        full = potential.predict(frames[6:])
    finally:
        potential.use_vector_jacobian_product = True
    for got, expected in zip(fast, full):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10 * np.abs(expected).max())


@pytest.mark.skipif(not hasattr(EllipsoidalDensityProjection, "vector_jacobian_product"),
                    reason="the featuriser has no vector-Jacobian product")
@pytest.mark.parametrize("model, kind", MODELS)
def test_one_neighbour_search_per_prediction(potentials, frames, model, kind, monkeypatch):
    """predict keeps the features' pairs for the vector-Jacobian product: one search per
    chunk, and the same forces and torques as the product recomputed from the frames
    (the normalised-kernel variant has its own diameters: the kept pairs must carry them)."""
    potential = potentials[model, kind]
    energies, forces, torques = potential.predict(frames[6:])
    X, types, _ = potential._features(frames[6:], gradients=False)
    local, dE_dx = potential._local(X, types)
    expected = potential.calculator.vector_jacobian_product(
        frames[6:], dE_dx, kind=kind, species=potential.species_, diameters=potential.hyperparameters["diameters"])
    np.testing.assert_allclose(energies, [local[:16].sum(), local[16:].sum()], rtol=1e-12, atol=0)
    for got, reference in ((forces, -expected["positions"]), (torques, -expected["orientations"])):
        np.testing.assert_allclose(got, reference, rtol=0, atol=1e-12 * np.abs(reference).max())

    searches = []
    original = EllipsoidalDensityProjection._pairs

    def counted(self, batch, species):
        searches.append(len(batch))
        return original(self, batch, species)

    monkeypatch.setattr(EllipsoidalDensityProjection, "_pairs", counted)
    potential.energy_forces_torques(frames[6])
    assert searches == [1]
