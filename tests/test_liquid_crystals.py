"""Liquid-crystal configurations: Maier–Saupe orientations, RSA placement, phases."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.spatial.transform import Rotation

from anisoap_pipeline.contact import contact_function, shape_matrix
from anisoap_pipeline.studies.liquid_crystals.data import (
    PERFECT_ALIGNMENT_S,
    PlacementError,
    generate_configuration,
    generate_dataset,
    maier_saupe_kappa,
    maier_saupe_order,
    sample_cos_theta,
    sample_orientations,
)
from anisoap_pipeline.frames import get_diameters, get_quaternions, validate_frames
from anisoap_pipeline.studies.liquid_crystals.order_parameters import layer_order, long_axes, nematic_order

N = 150


@pytest.fixture(scope="module")
def dataset():
    """Targets 0, 1/3, 2/3, 1 for each phase, 150 particles, L/D = 3."""
    return generate_dataset(4, 4, n_particles=N, seed=11)


def pair_contacts(atoms):
    """Perram–Wertheim F of every pair, minimum image (fractional rounding)."""
    R = Rotation.from_quat(get_quaternions(atoms), scalar_first=True).as_matrix()
    G = shape_matrix(get_diameters(atoms) / 2, R)
    i, j = np.triu_indices(len(atoms), k=1)
    fractional = atoms.cell.scaled_positions(atoms.positions)
    d = fractional[j] - fractional[i]
    r12 = (d - np.round(d)) @ atoms.cell.array
    return contact_function(r12, G[i], G[j])


# --- Maier–Saupe distribution ------------------------------------------------


def test_order_parameter_matches_quadrature():
    for kappa in [1e-6, 1e-3, 0.5, 2.0, 10.0, 100.0]:
        z = quad(lambda x: np.exp(kappa * (x * x - 1)), 0, 1)[0]
        x2 = quad(lambda x: x * x * np.exp(kappa * (x * x - 1)), 0, 1)[0] / z
        assert maier_saupe_order(kappa) == pytest.approx(1.5 * x2 - 0.5, abs=1e-10)
    assert maier_saupe_order(0.0) == 0.0
    assert maier_saupe_order(np.inf) == 1.0
    kappas = np.linspace(0, 50, 2001)
    assert np.all(np.diff(maier_saupe_order(kappas)) > 0)  # monotonic, smooth at 1e-4


@pytest.mark.parametrize("S", [0.0, 1e-6, 0.05, 0.3, 0.5, 0.8, 0.95, 0.98, 0.998])
def test_kappa_solves_target(S):
    kappa = maier_saupe_kappa(S)
    assert np.isfinite(kappa) and kappa >= 0
    assert maier_saupe_order(kappa) == pytest.approx(S, abs=1e-10)


def test_kappa_limits():
    assert maier_saupe_kappa(0) == 0.0
    assert maier_saupe_kappa(PERFECT_ALIGNMENT_S) == np.inf
    assert maier_saupe_kappa(1) == np.inf


@pytest.mark.parametrize("stratified", [True, False])
@pytest.mark.parametrize("S", [0.0, 0.2, 0.5, 0.8, 0.95, 0.99])
def test_sampled_order_parameter(S, stratified):
    rng = np.random.default_rng(3)
    x = sample_cos_theta(maier_saupe_kappa(S), 20_000, rng, stratified=stratified)
    assert abs(np.mean(1.5 * x**2 - 0.5) - S) < 0.01
    assert np.all(np.abs(x) <= 1)
    if S > 0:
        assert (x < 0).mean() == pytest.approx(0.5, abs=0.02)  # apolar: both ends


def test_polar_and_perfect_alignment():
    rng = np.random.default_rng(4)
    assert np.all(sample_cos_theta(maier_saupe_kappa(0.5), 1000, rng, polar=True) >= 0)
    assert np.all(np.abs(sample_cos_theta(np.inf, 100, rng)) == 1)
    with pytest.raises(ValueError, match="kappa"):
        sample_cos_theta(-1.0, 10, rng)


def test_orientations_long_axes():
    rng = np.random.default_rng(5)
    R = sample_orientations(20_000, 0.6, rng)
    u = R.apply([0, 0, 1])
    assert np.mean(1.5 * u[:, 2] ** 2 - 0.5) == pytest.approx(0.6, abs=0.01)
    # azimuth uniform: no preferred direction in the xy plane
    assert np.abs(np.mean(u[:, :2] ** 2, axis=0) - np.mean(u[:, :2] ** 2)).max() < 0.01


# --- configurations ----------------------------------------------------------


def test_dataset_frames_are_valid(dataset):
    assert [a.info["phase"] for a in dataset] == ["nematic"] * 4 + ["smectic"] * 4
    assert [a.info["target_S"] for a in dataset[:4]] == pytest.approx([0, 1 / 3, 2 / 3, 1])
    validate_frames(dataset)  # canonical: unit quaternions, positive diameters
    for atoms in dataset:
        assert len(atoms) == N and atoms.pbc.all()
        np.testing.assert_allclose(get_diameters(atoms), np.tile([1.0, 1.0, 3.0], (N, 1)))
        assert atoms.info["aspect_ratio"] == 3.0
        assert {"packing_fraction", "seed", "director"} <= set(atoms.info)
        phi = N * np.pi / 6 * 3.0 / atoms.get_volume()
        assert phi == pytest.approx(atoms.info["packing_fraction"])
        assert np.all((atoms.cell.scaled_positions(atoms.positions) >= -1e-12))
    seeds = [a.info["seed"] for a in dataset]
    assert len(set(seeds)) == len(seeds)


def test_measured_nematic_order_matches_target(dataset):
    targets = np.array([a.info["target_S"] for a in dataset])
    # the generator's guarantee: <P2> about the director, stratified, ~1/N
    p2 = [np.mean(1.5 * (long_axes(a) @ a.info["director"]) ** 2 - 0.5) for a in dataset]
    np.testing.assert_allclose(p2, targets, atol=0.01)
    # freud's S (largest Q eigenvalue) within 0.05 of the target ...
    S = nematic_order(dataset)
    ordered = targets >= 0.3
    assert ordered.sum() == 6
    np.testing.assert_array_less(np.abs(S[ordered] - targets[ordered]), 0.05)
    # ... and, isotropic, only the finite-N floor S ~ N^-1/2 > 0
    np.testing.assert_array_less(S[~ordered], 3 / np.sqrt(N))


def test_no_overlaps(dataset):
    for atoms in dataset:
        assert pair_contacts(atoms).min() >= 1.0


def test_no_overlaps_dense_small_and_rotated():
    frames = [
        generate_configuration("nematic", 0.3, 60, packing_fraction=0.25, seed=1),
        generate_configuration("smectic", 0.9, 60, aspect_ratio=2.0, seed=2, director="random"),
    ]
    for atoms in frames:
        assert pair_contacts(atoms).min() >= 1.0


def test_layering(dataset):
    spacing = dataset[-1].info["layer_spacing"]
    assert spacing == pytest.approx(3.2)
    order = layer_order(dataset, spacing)
    smectic = np.array([a.info["phase"] == "smectic" for a in dataset])
    np.testing.assert_array_less(0.7, order[smectic])
    np.testing.assert_array_less(order[~smectic], 0.3)
    for atoms in dataset[4:]:  # integer number of layers along the director
        n_layers = atoms.cell.lengths()[2] / atoms.info["layer_spacing"]
        assert n_layers == pytest.approx(round(n_layers)) and round(n_layers) >= 2


def test_director():
    atoms = generate_configuration("smectic", 0.9, 100, seed=6, director=(1.0, 1.0, 0.0))
    n = atoms.info["director"]
    np.testing.assert_allclose(n, np.array([1.0, 1.0, 0.0]) / np.sqrt(2), atol=1e-12)
    u = long_axes(atoms)
    assert np.mean(1.5 * (u @ n) ** 2 - 0.5) == pytest.approx(0.9, abs=0.05)
    assert layer_order(atoms, atoms.info["layer_spacing"])[0] > 0.7
    # the layer stack, an integer number of spacings, is the third cell vector
    stack = atoms.cell.array[2]
    np.testing.assert_allclose(stack / np.linalg.norm(stack), n, atol=1e-12)
    assert np.linalg.norm(stack) / atoms.info["layer_spacing"] == pytest.approx(3)

    random = generate_configuration("nematic", 0.8, 100, seed=7, director="random")
    assert np.linalg.norm(random.info["director"]) == pytest.approx(1.0)
    assert np.mean(1.5 * (long_axes(random) @ random.info["director"]) ** 2 - 0.5) == pytest.approx(0.8, abs=0.05)


def test_reproducible(dataset):
    again = generate_configuration("smectic", 1 / 3, N, seed=dataset[5].info["seed"])
    np.testing.assert_array_equal(again.positions, dataset[5].positions)
    np.testing.assert_array_equal(get_quaternions(again), get_quaternions(dataset[5]))
    other = generate_configuration("smectic", 1 / 3, N, seed=dataset[5].info["seed"] + 1)
    assert not np.allclose(other.positions, dataset[5].positions)


def test_aspect_ratio_two():
    atoms = generate_configuration("smectic", 0.5, 80, aspect_ratio=2.0, seed=8)
    assert atoms.info["layer_spacing"] == pytest.approx(2.2)
    np.testing.assert_allclose(get_diameters(atoms)[0], [1.0, 1.0, 2.0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(phase="cholesteric"), "unknown phase"),
        (dict(target_S=-0.1), "target_S"),
        (dict(target_S=1.2), "target_S"),
        (dict(target_S=float("nan")), "target_S"),
        (dict(target_S="high"), "target_S"),
        (dict(aspect_ratio=0.5), "aspect_ratio"),
        (dict(packing_fraction=0.6), "packing_fraction"),
        (dict(n_particles=10), "narrower than twice"),
        (dict(director=(0, 0, 0)), "director"),
        (dict(director="up"), "director"),
    ],
)
def test_bad_input(kwargs, match):
    arguments = dict(phase="nematic", target_S=0.5, n_particles=60) | kwargs
    with pytest.raises(ValueError, match=match):
        generate_configuration(**arguments)


def test_bad_dataset_and_kappa_input():
    with pytest.raises(ValueError, match="target_S"):
        maier_saupe_kappa(1.5)
    with pytest.raises(ValueError, match="target_S"):
        generate_dataset(1, 1, s_max=2.0)


def test_placement_failure_is_reported():
    with pytest.raises(PlacementError, match="lower the packing fraction"):
        generate_configuration("smectic", 0.0, 120, packing_fraction=0.4, seed=0, max_attempts=100)
