"""Atomistic SOAP power spectrum through featomic."""

import numpy as np
import pytest
from ase import Atoms
from ase.build import molecule
from ase.io import read
from scipy.spatial.transform import Rotation

from anisoap_pipeline.studies.benzene.soap import soap_calculator, soap_power_spectrum


@pytest.fixture(scope="module")
def benzene_box():
    """Two benzene molecules in a small periodic cell (no shared data needed)."""
    a = molecule("C6H6")
    b = molecule("C6H6")
    b.rotate(70, "x")
    b.translate([0.4, 1.0, 3.8])
    atoms = a + b
    atoms.set_cell([[7.5, 0.3, 0.0], [0.0, 7.0, 0.5], [0.2, 0.0, 8.0]])
    atoms.pbc = True
    return atoms


@pytest.fixture(scope="module")
def real_crystals(shared_dir):
    return read(shared_dir / "data" / "benzene_pbe_ts" / "benzene_pbe_ts_val.xyz", index=":4")


def test_paper_settings_give_1056_features_for_benzene(benzene_box):
    features = soap_power_spectrum([benzene_box])
    # 2 centre types x 3 neighbour pairs (HH, HC, CC) x 11 l x 4 x 4 (n_1, n_2)
    assert features.shape == (1, 2 * 3 * 11 * 16) == (1, 1056)
    assert np.isfinite(features).all()


def test_real_crystals_shape_and_centre_rows(real_crystals):
    averaged = soap_power_spectrum(real_crystals, species=(1, 6))
    centres = soap_power_spectrum(real_crystals, species=(1, 6), average=False)
    assert averaged.shape == (4, 1056) and np.isfinite(averaged).all()
    assert centres.shape == (sum(len(a) for a in real_crystals), 1056)
    start = 0
    for row, atoms in zip(averaged, real_crystals):
        assert np.allclose(row, centres[start : start + len(atoms)].mean(axis=0))
        start += len(atoms)


def test_invariant_to_rotation_and_translation(benzene_box):
    reference = soap_power_spectrum(benzene_box)
    rotation = Rotation.random(random_state=3).as_matrix()
    moved = benzene_box.copy()
    moved.set_cell(benzene_box.cell.array @ rotation.T)
    moved.positions = benzene_box.positions @ rotation.T + [1.7, -4.2, 9.1]
    assert np.allclose(soap_power_spectrum(moved), reference, atol=1e-10 * np.abs(reference).max())


def test_columns_do_not_depend_on_the_species_present(benzene_box):
    hydrogen = Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]], cell=[6, 6, 6], pbc=True)
    both = soap_power_spectrum([benzene_box, hydrogen], species=(1, 6))
    alone = soap_power_spectrum([hydrogen], species=(1, 6))
    assert both.shape == (2, 1056) and alone.shape == (1, 1056)
    assert np.allclose(both[1], alone[0])
    assert np.count_nonzero(alone) > 0 and np.count_nonzero(alone) < alone.size / 2


def test_carbon_centres_only(benzene_box):
    assert soap_power_spectrum(benzene_box, centers=(6,)).shape == (1, 528)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cutoff": -1.0}, "cutoff"),
        ({"density_width": 0.0}, "density_width"),
        ({"max_angular": 1.5}, "max_angular"),
        ({"max_radial": -1}, "max_radial"),
        ({"centers": (8,)}, "centers"),
        ({"species": (6,)}, r"frame 0: field 'numbers' has species \[1\]"),
    ],
)
def test_invalid_input(benzene_box, kwargs, message):
    with pytest.raises(ValueError, match=message):
        soap_power_spectrum(benzene_box, **kwargs)


def test_calculator_hyperparameters():
    calculator = soap_calculator(max_angular=2, max_radial=1)
    assert type(calculator).__name__ == "SoapPowerSpectrum"
