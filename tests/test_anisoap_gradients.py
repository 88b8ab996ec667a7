"""Exact gradients of AniSOAP features: central finite differences (positions and
orientations; coefficients, radial and power spectrum; per centre and frame
means; periodic with cutoff > cell, open, smooth cutoff), translation and
rotation invariance, the smooth cutoff's continuity, the metatensor layout."""

import ase
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.anisoap.coefficients import power_spectrum_values
from anisoap_pipeline.anisoap.gradients import compute_gradients

STEP = 1e-5  # Å and rad
CELL = np.array([[4.0, 0.0, 0.0], [0.6, 3.8, 0.0], [-0.4, 0.5, 4.2]])  # cutoff 5 Å > cell


def make_frame(periodic, n=6, seed=0, species=(1, 6)):
    rng = np.random.default_rng(seed)
    positions = rng.random((n, 3)) @ CELL
    atoms = ase.Atoms(numbers=rng.choice(species, n), positions=positions, cell=CELL if periodic else None, pbc=periodic)
    atoms.arrays["c_q"] = Rotation.random(n, random_state=seed).as_quat(scalar_first=True)
    for k, d in enumerate((1.0, 1.6, 3.0)):
        atoms.arrays[f"c_diameter[{k + 1}]"] = np.full(n, d)
    return atoms


def calculator(width=None, **hypers):
    hypers = {"radial_gaussian_width": 1.2, **hypers}
    return EllipsoidalDensityProjection(max_angular=3, cutoff=5.0, max_radial=2, cutoff_smoothing_width=width, **hypers)


def turned(atoms, k, axis, angle):
    """R_k -> exp([angle e_axis]x) R_k: the convention of the "orientations" gradient."""
    out = atoms.copy()
    q = Rotation.from_quat(atoms.arrays["c_q"], scalar_first=True)
    quaternions = q.as_quat(scalar_first=True)
    quaternions[k] = (Rotation.from_rotvec(angle * np.eye(3)[axis]) * q[k]).as_quat(scalar_first=True)
    out.arrays["c_q"] = quaternions
    return out


def moved(atoms, k, axis, step):
    out = atoms.copy()
    out.positions[k, axis] += step
    return out


def features(calc, atoms, kind, mean):
    """Features by the feature-only path: frame means (n_columns,) or per centre (n_centres, n)."""
    coefficients = calc.compute_coefficients([atoms], species=[1, 6])
    if mean:
        return coefficients.invariants(kind, True)[0]
    if kind == "coefficients":
        return coefficients.flat
    if kind == "radial_spectrum":
        return coefficients.values[0][:, 0, :]
    return power_spectrum_values(coefficients.flat, coefficients.num_radial, 2)


def dense(result, parameter, n):
    """Gradients as (n_centres, n_particles, 3, n_features) (frame means: (n_particles, 3, n))."""
    values = result.gradient(parameter)
    if result.mean_over_samples:
        return values
    out = np.zeros((n, n, 3, values.shape[-1]))
    out[result.sample_center, result.sample_atom] = values
    return out


def finite_differences(calc, atoms, kind, mean):
    """Central differences; same layout as :func:`dense`."""
    out = {}
    for parameter, change in (("positions", moved), ("orientations", turned)):
        columns = []
        for k in range(len(atoms)):
            for axis in range(3):
                plus = features(calc, change(atoms, k, axis, STEP), kind, mean)
                minus = features(calc, change(atoms, k, axis, -STEP), kind, mean)
                columns.append((plus - minus) / (2 * STEP))
        stacked = np.array(columns).reshape(len(atoms), 3, *columns[0].shape)
        out[parameter] = stacked if mean else np.moveaxis(stacked, 2, 0)
    return out


MONOMIAL = {"radial_basis": "monomial", "radial_gaussian_width": None}
CASES = [
    ("coefficients", False, True, None, {}),
    ("coefficients", False, False, None, {}),
    ("radial_spectrum", True, True, None, {}),
    ("radial_spectrum", False, False, None, {}),
    ("power_spectrum", True, True, None, {}),
    ("power_spectrum", True, False, None, {}),
    ("power_spectrum", False, True, None, {"subtract_center_contribution": True}),
    ("power_spectrum", False, False, None, MONOMIAL),
    ("power_spectrum", True, True, 1.5, {}),
    ("coefficients", False, False, 1.5, {}),
]


@pytest.mark.parametrize("kind, mean, periodic, width, hypers", CASES)
def test_finite_differences(kind, mean, periodic, width, hypers):
    calc = calculator(width, **hypers)
    atoms = make_frame(periodic)
    result = compute_gradients(calc, [atoms], kind=kind, mean_over_samples=mean, species=[1, 6])
    reference = finite_differences(calc, atoms, kind, mean)
    for parameter in ("positions", "orientations"):
        exact = dense(result, parameter, len(atoms))
        scale = np.abs(exact).max()
        assert scale > 1e-3
        assert np.abs(exact - reference[parameter]).max() <= 1e-6 * scale, parameter


@pytest.mark.parametrize("kind, mean", [("power_spectrum", True), ("power_spectrum", False), ("radial_spectrum", False), ("coefficients", False)])
@pytest.mark.parametrize("periodic", [True, False])
def test_translation_invariance(kind, mean, periodic):
    atoms = make_frame(periodic, n=7, seed=3)
    result = compute_gradients(calculator(1.0), [atoms], kind=kind, mean_over_samples=mean)
    gradient = dense(result, "positions", len(atoms))
    total = gradient.sum(axis=0 if mean else 1)
    assert np.abs(total).max() <= 1e-10 * np.abs(gradient).max()


@pytest.mark.parametrize("kind, mean", [("power_spectrum", True), ("power_spectrum", False), ("radial_spectrum", True)])
def test_global_rotation_invariance(kind, mean):
    """Σ_k (r_k × ∂X/∂r_k + ∂X/∂θ_k) = 0 for invariants of an open frame."""
    atoms = make_frame(False, n=7, seed=4)
    result = compute_gradients(calculator(), [atoms], kind=kind, mean_over_samples=mean)
    positions = dense(result, "positions", len(atoms))
    orientations = dense(result, "orientations", len(atoms))
    axis = 0 if mean else 1
    r = atoms.positions if mean else atoms.positions[None]
    torque = np.cross(r[..., None], positions, axis=-2) + orientations  # cross over the xyz axis
    total = torque.sum(axis=axis)
    assert np.abs(total).max() <= 1e-10 * np.abs(orientations).max()


def test_features_equal_the_feature_path():
    atoms = [make_frame(True, seed=1), make_frame(False, seed=2)]
    calc = calculator()
    result = compute_gradients(calc, atoms, kind="power_spectrum", mean_over_samples=True, gradients=["orientations"])
    assert np.array_equal(result.values(), calc.power_spectrum(atoms))
    assert list(result.gradients) == ["orientations"]
    assert result.gradient("orientations").shape == (12, 3, result.values().shape[1])


def test_smooth_cutoff_is_continuous():
    """A neighbour crossing the cutoff sphere: features and gradients jump
    without smoothing, not with it."""
    def pair(distance):
        atoms = ase.Atoms(numbers=[1, 1], positions=[[0.0, 0.0, 0.0], [distance, 0.3, -0.2]])
        atoms.arrays["c_q"] = Rotation.random(2, random_state=0).as_quat(scalar_first=True)
        for k, d in enumerate((1.0, 1.6, 3.0)):
            atoms.arrays[f"c_diameter[{k + 1}]"] = np.full(2, d)
        return atoms

    inside, outside = pair(np.sqrt(25.0 - 0.13) - 1e-9), pair(np.sqrt(25.0 - 0.13) + 1e-9)
    for width, continuous in ((None, False), (1.0, True)):
        calc = calculator(width)
        a, b = (compute_gradients(calc, [x], kind="power_spectrum") for x in (inside, outside))
        jump = np.abs(a.values() - b.values()).max()
        gradient_jump = np.abs(a.gradient("positions") - b.gradient("positions")).max()
        assert (jump < 1e-12 and gradient_jump < 1e-7) if continuous else (jump > 1e-4)
    assert np.array_equal(calculator(None).power_spectrum([inside]), EllipsoidalDensityProjection(
        max_angular=3, cutoff=5.0, radial_gaussian_width=1.2, max_radial=2).power_spectrum([inside]))


def test_tensormap_layout():
    atoms = [make_frame(True, seed=5), make_frame(False, seed=6)]
    result = compute_gradients(calculator(), atoms, kind="coefficients", mean_over_samples=False)
    tensor = result.to_tensormap()
    block = tensor.block(o3_lambda=2, center_type=6)
    gradient = block.gradient("orientations")
    assert gradient.samples.names == ["sample", "system", "atom"]
    assert [c.names for c in gradient.components] == [["xyz"], ["o3_mu"]]
    assert gradient.values.shape[1:] == (3, 5, len(block.properties))
    # every centre has a gradient sample for itself
    own = [(s, block.samples.values[s, 0], block.samples.values[s, 1]) for s in range(len(block.samples))]
    present = {tuple(v) for v in gradient.samples.values.tolist()}
    assert all(tuple(int(x) for x in o) in present for o in own)
    means = compute_gradients(calculator(), atoms, kind="power_spectrum").to_tensormap()
    mean_block = means.block(0)
    assert mean_block.values.shape[0] == 2
    assert mean_block.gradient("positions").values.shape == (12, 3, mean_block.values.shape[1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(kind="trispectrum"), "kind"),
        (dict(gradients=["cell"]), "gradients"),
        (dict(gradients=[]), "gradients"),
        (dict(kind="coefficients", mean_over_samples=True), "per_centre"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compute_gradients(calculator(), [make_frame(True)], **kwargs)


def test_smoothing_width_is_checked():
    with pytest.raises(ValueError, match="cutoff_smoothing_width"):
        calculator(6.0)
    with pytest.raises(ValueError, match="cutoff_smoothing_width"):
        calculator(-1.0)
