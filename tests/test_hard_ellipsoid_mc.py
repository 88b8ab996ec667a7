"""Hard-ellipsoid compression Monte Carlo: exact overlaps, target packing, S and layers kept."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.contact import contact_function as reference_contact
from anisoap_pipeline.contact import shape_matrix
from anisoap_pipeline.studies.liquid_crystals.data import generate_configuration
from anisoap_pipeline.studies.liquid_crystals.hard_ellipsoid_mc import (
    CompressionError,
    compress,
    contact_function,
    count_overlaps,
)
from anisoap_pipeline.studies.liquid_crystals.order_parameters import layer_order, nematic_order

from .test_liquid_crystals import pair_contacts

N = 60  # box 6.8 D at packing 0.3: just above twice the particle length
PACKING = 0.3
MC = dict(n_particles=N, packing_fraction=PACKING, method="monte_carlo")


@pytest.fixture(scope="module")
def frames():
    """Nematic and smectic frames compressed to packing 0.3 (L/D = 3)."""
    plan = [("nematic", 0.0), ("nematic", 0.7), ("smectic", 0.0), ("smectic", 0.9), ("smectic", 1.0)]
    return {key: generate_configuration(*key, seed=5, **MC) for key in plan}


def packing(atoms):
    semiaxes = atoms.get_array("c_diameter[1]")[0] / 2, atoms.get_array("c_diameter[3]")[0] / 2
    return len(atoms) * 4 / 3 * np.pi * semiaxes[0] ** 2 * semiaxes[1] / abs(atoms.cell.volume)


def test_contact_function_port_matches_contact_module():
    rng = np.random.default_rng(0)
    G = shape_matrix(rng.uniform(0.2, 2.0, (300, 2, 3)), Rotation.random(600, rng).as_matrix().reshape(300, 2, 3, 3))
    r12 = rng.normal(size=(300, 3)) * rng.uniform(0.1, 4.0, (300, 1))
    expected = reference_contact(r12, G[:, 0], G[:, 1])
    ours = [contact_function(r, G1, G2) for r, G1, G2 in zip(r12, G[:, 0], G[:, 1])]
    np.testing.assert_allclose(ours, expected, rtol=1e-11)
    assert np.count_nonzero(expected < 1.0) > 30  # overlapping and separated pairs alike


def test_count_overlaps_agrees_with_contact_module():
    """The culling (bounding spheres, inscribed spheres, spherocylinders) decides as F < 1 does."""
    rng = np.random.default_rng(1)
    semiaxes = np.array([0.5, 0.5, 1.5])
    box = np.full(3, 7.0)
    for _ in range(20):
        positions = rng.uniform(0, 7, (40, 3))
        rotations = Rotation.random(40, rng)
        G = shape_matrix(semiaxes, rotations.as_matrix())
        i, j = np.triu_indices(40, k=1)
        d = positions[j] - positions[i]
        d -= box * np.round(d / box)
        expected = np.count_nonzero(reference_contact(d, G[i], G[j]) < 1.0)
        assert count_overlaps(positions, rotations, box, semiaxes) == expected


def test_target_packing_reached_without_overlaps(frames):
    for atoms in frames.values():
        assert packing(atoms) == pytest.approx(PACKING, rel=1e-12)
        assert atoms.info["method"] == "monte_carlo"
        assert 0 < atoms.info["compression_sweeps"] < 20000
        assert pair_contacts(atoms).min() >= 1.0  # contact.py, independently of the kernel


def test_nematic_order_kept(frames):
    """Rotations about the director keep each polar angle: S stays the Maier–Saupe sample's."""
    for (phase, target), atoms in frames.items():
        S = nematic_order(atoms)[0]
        if target >= 0.15:
            assert S == pytest.approx(target, abs=0.05), (phase, target)
        else:  # finite-N upward bias of the largest Q eigenvalue (datasets.liquid_crystals)
            assert S < 0.25


def test_smectic_layers_kept(frames):
    for (phase, target), atoms in frames.items():
        spacing = atoms.info.get("layer_spacing", 3.2)
        psi = layer_order(atoms, spacing)[0]
        if phase == "smectic":
            assert psi > 0.7, target
        else:
            assert psi < 0.35, target


def test_same_seed_same_bits_and_seed_matters(frames):
    again = generate_configuration("smectic", 0.9, seed=5, **MC)
    reference = frames[("smectic", 0.9)]
    assert again.positions.tobytes() == reference.positions.tobytes()
    assert again.get_array("c_q").tobytes() == reference.get_array("c_q").tobytes()
    other = generate_configuration("smectic", 0.9, seed=6, **MC)
    assert not np.allclose(other.positions, reference.positions)


def test_random_director_and_aspect_ratio_two():
    atoms = generate_configuration("nematic", 0.8, aspect_ratio=2.0, director="random", seed=2, **MC)
    assert packing(atoms) == pytest.approx(PACKING, rel=1e-12)
    assert pair_contacts(atoms).min() >= 1.0
    assert nematic_order(atoms)[0] == pytest.approx(0.8, abs=0.05)


def test_compress_errors():
    semiaxes = np.array([0.5, 0.5, 1.5])
    rotations = Rotation.identity(2)
    box = np.full(3, 8.0)
    with pytest.raises(ValueError, match="overlapping"):
        compress([[1, 1, 1], [1, 1, 2]], rotations, semiaxes, box, box, np.random.default_rng(0))
    with pytest.raises(ValueError, match="scaled by one factor"):
        compress([[1, 1, 1], [4, 4, 4]], rotations, semiaxes, box, [7.0, 8.0, 8.0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="narrower than twice"):
        compress([[1, 1, 1], [4, 4, 4]], rotations, semiaxes, box, box / 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="layer_width"):
        compress([[1, 1, 1], [4, 4, 4]], rotations, semiaxes, box, box, np.random.default_rng(0),
                 layer_fraction=[0.25, 0.75])
    with pytest.raises(CompressionError, match="raise max_sweeps"):
        generate_configuration("nematic", 0.5, seed=0, max_sweeps=5, **MC)
    with pytest.raises(ValueError, match="method"):
        generate_configuration("nematic", 0.5, n_particles=N, method="md")
