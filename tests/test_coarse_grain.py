"""Coarse-graining molecular crystals into ellipsoid frames."""

import numpy as np
import pytest
from ase import Atoms
from ase.build import molecule
from ase.io import read
from scipy.spatial.transform import Rotation

from anisoap_pipeline.studies.benzene.coarse_grain import (
    ELLIPSOID_NUMBER,
    coarse_grain,
    coarse_grain_frames,
    find_molecules,
    principal_axes,
)
from anisoap_pipeline.frames import get_diameters, get_quaternions

DIAMETERS = (4.0, 4.0, 0.5)


@pytest.fixture(scope="module")
def real_crystals(shared_dir):
    return read(shared_dir / "data" / "benzene_pbe_ts" / "benzene_pbe_ts_val.xyz", index=":50")


def body_axes(frame):
    """(N, 3, 3) body -> lab rotation matrices of an ellipsoid frame."""
    return Rotation.from_quat(get_quaternions(frame), scalar_first=True).as_matrix()


def assert_same_modulo_lattice(a, b, cell, atol=1e-6):
    fractional = np.linalg.solve(cell.T, (a - b).T).T
    offsets = (fractional - np.round(fractional)) @ cell
    assert np.abs(offsets).max() < atol


def test_molecules_agree_with_the_datasets_tags(real_crystals):
    for i, atoms in enumerate(real_crystals):
        molecule, unwrapped = find_molecules(atoms, index=i)
        tags = atoms.arrays["corresponding_ellipsoid"]
        assert len(set(zip(molecule, tags))) == len(set(tags)) == molecule.max() + 1, f"frame {i}"
        assert np.all(np.bincount(molecule) == 12), f"frame {i}"
        # unwrapped molecules are compact: no atom far from its centre
        for k in range(molecule.max() + 1):
            members = unwrapped[molecule == k]
            assert np.linalg.norm(members - members.mean(axis=0), axis=1).max() < 3.0, f"frame {i}"
        # and each atom is an image of itself
        assert_same_modulo_lattice(unwrapped, atoms.positions, atoms.cell.array)


def test_coarse_grained_real_crystals_are_valid_frames(real_crystals):
    frames = coarse_grain_frames(real_crystals, DIAMETERS, atoms_per_molecule=12)
    for atoms, frame in zip(real_crystals, frames):
        assert len(frame) == len(atoms) // 12
        assert np.all(frame.numbers == ELLIPSOID_NUMBER)
        assert np.allclose(get_diameters(frame), DIAMETERS)
        assert np.allclose(np.linalg.det(body_axes(frame)), 1.0)
        assert np.all(get_quaternions(frame)[:, 0] >= 0)
        assert frame.info["energy"] == atoms.get_potential_energy()
        assert frame.info["n_atoms"] == len(atoms)
        scaled = frame.get_scaled_positions(wrap=False)
        assert np.all((scaled >= -1e-12) & (scaled < 1 + 1e-12))


def test_ring_normal_is_the_short_body_axis(real_crystals):
    atoms = real_crystals[0]
    frame = coarse_grain(atoms, DIAMETERS, atoms_per_molecule=12)
    molecule, unwrapped = find_molecules(atoms)
    for k, rotation in enumerate(body_axes(frame)):
        carbons = unwrapped[(molecule == k) & (atoms.numbers == 6)]
        offsets = carbons - carbons.mean(axis=0)
        # carbons lie (nearly) in the plane normal to body z, not to body x or y
        assert np.abs(offsets @ rotation[:, 2]).max() < 0.2
        assert np.abs(offsets @ rotation[:, 0]).max() > 1.0
        assert np.abs(offsets @ rotation[:, 1]).max() > 1.0


def test_rotated_and_translated_crystals_coarse_grain_consistently(real_crystals):
    rng = np.random.default_rng(7)
    for atoms in real_crystals[:10]:
        rotation = Rotation.random(random_state=rng).as_matrix()
        shift = rng.normal(scale=5.0, size=3)
        moved = atoms.copy()
        moved.set_cell(atoms.cell.array @ rotation.T)
        moved.positions = atoms.positions @ rotation.T + shift
        original = coarse_grain(atoms, DIAMETERS, atoms_per_molecule=12)
        copy = coarse_grain(moved, DIAMETERS, atoms_per_molecule=12)
        expected = original.positions @ rotation.T + shift
        assert_same_modulo_lattice(copy.positions, expected, moved.cell.array)
        # ring normals rotate with the crystal (up to sign: D6h symmetry)
        normals = body_axes(original)[:, :, 2] @ rotation.T
        assert np.allclose(np.abs(np.sum(normals * body_axes(copy)[:, :, 2], axis=1)), 1.0, atol=1e-6)


def test_molecule_split_by_the_boundary_is_made_whole():
    benzene = molecule("C6H6")
    benzene.rotate(90, "x")  # ring normal along y
    atoms = Atoms(benzene.numbers, positions=benzene.positions, cell=[5.2, 5.4, 5.6], pbc=True)
    atoms.wrap()  # the origin-centred molecule is now cut by three cell faces
    frame = coarse_grain(atoms, DIAMETERS, atoms_per_molecule=12)
    assert len(frame) == 1
    assert_same_modulo_lattice(frame.positions, benzene.get_center_of_mass()[None], atoms.cell.array)
    normal = body_axes(frame)[0][:, 2]
    assert np.allclose(np.abs(normal), [0.0, 1.0, 0.0], atol=1e-6)


def test_principal_axes_are_right_handed_and_ordered():
    rng = np.random.default_rng(0)
    positions = rng.normal(size=(20, 3)) * [3.0, 2.0, 0.5]
    centre, rotation = principal_axes(positions, np.ones(20))
    assert np.allclose(centre, positions.mean(axis=0))
    assert np.allclose(rotation.T @ rotation, np.eye(3))
    assert np.isclose(np.linalg.det(rotation), 1.0)
    spreads = np.var((positions - centre) @ rotation, axis=0)
    assert spreads[0] >= spreads[1] >= spreads[2]


def test_molecule_bonded_to_its_own_image_is_rejected():
    chain = Atoms("C", positions=[[0.0, 0.0, 0.0]], cell=[1.5, 8.0, 8.0], pbc=True)
    with pytest.raises(ValueError, match=r"frame 3: field 'positions'.*own periodic image"):
        find_molecules(chain, index=3)


def test_wrong_molecule_size_is_rejected():
    atoms = molecule("C6H6")
    atoms.center(vacuum=5.0)
    atoms.pbc = True
    with pytest.raises(ValueError, match=r"frame 2: field 'positions': molecule 0 has 12 atoms.*expected 24"):
        coarse_grain(atoms, DIAMETERS, atoms_per_molecule=24, index=2)
    with pytest.raises(ValueError, match=r"frame 0: argument 'diameters'"):
        coarse_grain(atoms, (4.0, 4.0))


def test_one_global_cutoff_fuses_molecules_at_close_contacts(real_crystals):
    """Why bonds are per element pair: at 1.8 Å for every pair, close H···H contacts fuse molecules."""
    fused = 0
    for atoms in real_crystals:
        try:
            molecule, _ = find_molecules(atoms, bond_cutoff=1.8)
        except ValueError:
            fused += 1
            continue
        fused += np.any(np.bincount(molecule) != 12)
    assert fused > 0
