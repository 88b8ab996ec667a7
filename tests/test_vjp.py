"""The vector–Jacobian product (forces and torques of a potential on per-centre
features) against the full per-centre gradients contracted with the same weights
(metatensor gradient blocks), against central finite differences of the energy,
and its invariance to the weights' layout, chunking and the two calling routes."""

import ase
import metatensor
import numpy as np
import pytest
from metatensor import TensorBlock, TensorMap
from scipy.spatial.transform import Rotation

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

CELL = np.array([[4.0, 0.0, 0.0], [0.6, 3.8, 0.0], [-0.4, 0.5, 4.2]])  # cutoff 5 Å > cell
MONOMIAL = {"radial_basis": "monomial", "radial_gaussian_width": None}


def make_frame(periodic, n=6, seed=0, species=(1, 6)):
    rng = np.random.default_rng(seed)
    atoms = ase.Atoms(numbers=rng.choice(species, n), positions=rng.random((n, 3)) @ CELL,
                      cell=CELL if periodic else None, pbc=periodic)
    atoms.arrays["c_q"] = Rotation.random(n, random_state=seed).as_quat(scalar_first=True)
    for k, d in enumerate((1.0, 1.6, 3.0)):
        atoms.arrays[f"c_diameter[{k + 1}]"] = np.full(n, d)
    return atoms


def frames(species=(1, 6)):
    """Periodic and open frames of different sizes."""
    return [make_frame(True, 6, 0, species), make_frame(False, 5, 1, species), make_frame(True, 4, 2, species)]


def calculator(max_angular=3, width=None, **hypers):
    hypers = {"radial_gaussian_width": 1.2, **hypers}
    return EllipsoidalDensityProjection(max_angular=max_angular, cutoff=5.0, max_radial=2,
                                        cutoff_smoothing_width=width, **hypers)


def random_weights(features, seed=7):
    """∂E/∂x as a TensorMap shaped like the per-centre features."""
    rng = np.random.default_rng(seed)
    blocks = [TensorBlock(rng.standard_normal(b.values.shape), b.samples, [], b.properties) for b in features.blocks()]
    return TensorMap(features.keys, blocks)


def contracted(calc, atoms, kind, weights, species=None):
    """Σ_i Σ_f w_if ∂x_if/∂(r_k, θ_k) from the full per-centre gradient blocks."""
    tensor = calc.compute(atoms, kind=kind, per_centre=True, species=species,
                          gradients=("positions", "orientations")).to_tensormap()
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in atoms])])
    out = {p: np.zeros((offsets[-1], 3)) for p in ("positions", "orientations")}
    for key, block in tensor.items():
        w = weights.block(center_type=key["center_type"]).values
        for parameter, total in out.items():
            gradient = block.gradient(parameter)
            samples = gradient.samples.values
            particle = offsets[samples[:, 1]] + samples[:, 2]
            np.add.at(total, particle, np.einsum("sxf,sf->sx", gradient.values, w[samples[:, 0]]))
    return out


CASES = [
    ("power_spectrum", 3, 1.5, {}),
    ("power_spectrum", 3, None, {"subtract_center_contribution": True}),
    ("power_spectrum", 3, None, MONOMIAL),
    ("power_spectrum", 2, 2.0, {**MONOMIAL, "subtract_center_contribution": True}),
    ("radial_spectrum", 3, 1.0, {}),
    ("radial_spectrum", 2, None, MONOMIAL),
    ("bispectrum", 2, 1.5, {}),
    ("bispectrum", 2, None, {**MONOMIAL, "subtract_center_contribution": True}),
]


@pytest.mark.parametrize("kind, max_angular, width, hypers", CASES)
def test_equals_the_contracted_full_gradients(kind, max_angular, width, hypers):
    calc = calculator(max_angular, width, **hypers)
    atoms = frames()
    weights = random_weights(calc.compute(atoms, kind=kind, per_centre=True))
    result = calc.vector_jacobian_product(atoms, weights, kind=kind)
    reference = contracted(calc, atoms, kind, weights)
    assert set(result) == {"positions", "orientations"}
    for parameter, expected in reference.items():
        assert result[parameter].shape == (15, 3)
        scale = np.abs(expected).max()
        assert scale > 1e-3
        assert np.abs(result[parameter] - expected).max() <= 1e-10 * scale, parameter


def test_one_species_and_more_species_than_present():
    calc = calculator(3, 1.0)
    atoms = frames(species=(6,))
    for species in (None, [1, 6, 8]):
        weights = random_weights(calc.compute(atoms, per_centre=True, species=species))
        result = calc.vector_jacobian_product(atoms, weights, species=species)
        reference = contracted(calc, atoms, "power_spectrum", weights, species)
        for parameter, expected in reference.items():
            assert np.abs(result[parameter] - expected).max() <= 1e-10 * np.abs(expected).max()


def energy(calc, atoms, weights):
    x = calc.compute(atoms, per_centre=True)
    return sum(np.sum(block.values * weights.block(center_type=key["center_type"]).values)
               for key, block in x.items())


def test_finite_differences_of_the_energy():
    """E = Σ_i w_i · x_i: dE/dr_k and dE/dθ_k against central differences."""
    calc = calculator(3, 1.5)
    atoms = make_frame(True, 6, 3)
    weights = random_weights(calc.compute(atoms, per_centre=True))
    result = calc.vector_jacobian_product(atoms, weights)
    step = 1e-5
    for k in (0, 4):
        for axis in range(3):
            moved = [atoms.copy(), atoms.copy()]
            moved[0].positions[k, axis] += step
            moved[1].positions[k, axis] -= step
            numeric = (energy(calc, moved[0], weights) - energy(calc, moved[1], weights)) / (2 * step)
            assert abs(result["positions"][k, axis] - numeric) <= 1e-6 * np.abs(result["positions"]).max()
            turned = []
            for sign in (1, -1):
                out = atoms.copy()
                q = Rotation.from_quat(atoms.arrays["c_q"], scalar_first=True)
                quaternions = q.as_quat(scalar_first=True)
                quaternions[k] = (Rotation.from_rotvec(sign * step * np.eye(3)[axis]) * q[k]).as_quat(scalar_first=True)
                out.arrays["c_q"] = quaternions
                turned.append(out)
            numeric = (energy(calc, turned[0], weights) - energy(calc, turned[1], weights)) / (2 * step)
            assert abs(result["orientations"][k, axis] - numeric) <= 1e-6 * np.abs(result["orientations"]).max()


def test_layouts_routes_and_chunks_give_the_same_bits():
    calc = calculator(3, 1.5)
    atoms = frames()
    features = calc.compute(atoms, per_centre=True)
    weights = random_weights(features)
    reference = calc.vector_jacobian_product(atoms, weights)
    as_dict = {int(key["center_type"]): block.values for key, block in weights.items()}
    as_array = np.zeros((15, len(features.block(0).properties)))
    coefficients = calc.compute_coefficients(atoms, keep_pairs=True, chunk_size=2)
    for key, block in weights.items():
        as_array[coefficients.center_type == key["center_type"]] = block.values
    variants = [
        calc.vector_jacobian_product(atoms, as_dict),
        calc.vector_jacobian_product(atoms, as_array),
        calc.vector_jacobian_product(atoms, weights, chunk_size=1),
        calc.vector_jacobian_product(coefficients, weights),
    ]
    for variant in variants:
        for parameter in reference:
            assert np.array_equal(variant[parameter], reference[parameter])
    # the features of the two-step route are those of compute
    x = coefficients.invariants("power_spectrum", mean_over_samples=False)
    assert metatensor.equal(x, features)
    for parameter in ("positions", "orientations"):
        alone = calc.vector_jacobian_product(atoms, weights, gradients=[parameter])
        assert list(alone) == [parameter]
        assert np.array_equal(alone[parameter], reference[parameter])


def test_torque_and_force_sum_rules():
    """Open frame: Σ_k dE/dr_k = 0 (translations) and Σ_k (r_k × dE/dr_k + dE/dθ_k) = 0 (rotations)."""
    calc = calculator(3, 1.0)
    atoms = make_frame(False, 7, 4)
    result = calc.vector_jacobian_product(atoms, random_weights(calc.compute(atoms, per_centre=True)))
    forces, torques = result["positions"], result["orientations"]
    assert np.abs(forces.sum(axis=0)).max() <= 1e-12 * np.abs(forces).max()
    total = np.cross(atoms.positions, forces).sum(axis=0) + torques.sum(axis=0)
    assert np.abs(total).max() <= 1e-12 * np.abs(torques).max()


def test_errors():
    calc = calculator(2)
    atoms = frames()
    features = calc.compute(atoms, per_centre=True)
    weights = random_weights(features)
    n_features = len(features.block(0).properties)
    with pytest.raises(ValueError, match="kind"):
        calc.vector_jacobian_product(atoms, weights, kind="coefficients")
    with pytest.raises(ValueError, match="gradients"):
        calc.vector_jacobian_product(atoms, weights, gradients=["cell"])
    with pytest.raises(ValueError, match=r"shape \(15, "):
        calc.vector_jacobian_product(atoms, np.zeros((14, n_features)))
    with pytest.raises(ValueError, match="NaN"):
        calc.vector_jacobian_product(atoms, np.full((15, n_features), np.nan))
    with pytest.raises(ValueError, match="centre type"):
        calc.vector_jacobian_product(atoms, {1: weights.block(0).values})
    with pytest.raises(ValueError, match="properties"):
        calc.vector_jacobian_product(atoms, random_weights(calc.compute(atoms, kind="radial_spectrum", per_centre=True)))
    with pytest.raises(ValueError, match="samples"):
        calc.vector_jacobian_product(atoms[:2], weights)
    with pytest.raises(ValueError, match="keep_pairs"):
        calc.vector_jacobian_product(calc.compute_coefficients(atoms), weights)
    coefficients = calc.compute_coefficients(atoms, keep_pairs=True)
    with pytest.raises(ValueError, match="hyperparameters"):
        calculator(2, 1.0).vector_jacobian_product(coefficients, weights)
    with pytest.raises(ValueError, match="species and diameters"):
        calc.vector_jacobian_product(coefficients, weights, species=[1, 6])
