"""Symmetries and limits of the AniSOAP features: rotation, permutation,
translation, periodic images, several species, empty neighbourhoods."""

import ase
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.anisoap import MAX_ANGULAR_LIMIT, EllipsoidalDensityProjection


def ellipsoids(positions, numbers, cell=None, seed=0, diameters=(1.0, 1.6, 3.0)):
    n = len(positions)
    atoms = ase.Atoms(numbers=numbers, positions=positions, cell=cell, pbc=cell is not None)
    atoms.arrays["c_q"] = Rotation.random(n, random_state=seed).as_quat(scalar_first=True)
    for k in range(3):
        atoms.arrays[f"c_diameter[{k + 1}]"] = np.full(n, diameters[k])
    return atoms


def random_frame(n=12, seed=0, species=(1,), periodic=True):
    rng = np.random.default_rng(seed)
    cell = np.array([[6.0, 0.0, 0.0], [1.1, 5.5, 0.0], [-0.7, 0.9, 6.3]])
    positions = rng.random((n, 3)) @ cell
    numbers = rng.choice(species, size=n)
    return ellipsoids(positions, numbers, cell if periodic else None, seed)


def per_center(calculator, frames):
    tensor = calculator.power_spectrum(frames, mean_over_samples=False)
    order = np.argsort(tensor.keys.values[:, 0])
    blocks = [tensor.block(int(i)) for i in order]
    values = np.concatenate([b.values for b in blocks])
    samples = np.concatenate([b.samples.values for b in blocks])
    idx = np.lexsort((samples[:, 1], samples[:, 0]))
    return values[idx]


CALCULATOR = EllipsoidalDensityProjection(max_angular=4, cutoff=5.0, radial_gaussian_width=1.5, max_radial=3)


def rotate(atoms, rotation):
    out = atoms.copy()
    out.positions = rotation.apply(atoms.positions)
    if atoms.pbc.any():
        out.set_cell(rotation.apply(atoms.cell.array), scale_atoms=False)
    q = Rotation.from_quat(atoms.arrays["c_q"], scalar_first=True)
    out.arrays["c_q"] = (rotation * q).as_quat(scalar_first=True)
    return out


@pytest.mark.parametrize("periodic", [True, False])
def test_joint_rotation(periodic):
    frame = random_frame(periodic=periodic)
    reference = per_center(CALCULATOR, [frame])
    rotated = rotate(frame, Rotation.random(random_state=7))
    result = per_center(CALCULATOR, [rotated])
    assert np.abs(result - reference).max() < 1e-10 * np.abs(reference).max()


def test_rotation_column_by_column_up_to_the_angular_limit():
    """Every power-spectrum column (l up to MAX_ANGULAR_LIMIT) is invariant to
    1e-10 of its own magnitude; (2m - 1)!! overflowing int64 broke this at l >= 18."""
    calculator = EllipsoidalDensityProjection(
        max_angular=MAX_ANGULAR_LIMIT, cutoff=5.0, radial_gaussian_width=1.5, max_radial=2
    )
    frame = random_frame(n=6, periodic=False)
    reference = per_center(calculator, [frame])
    result = per_center(calculator, [rotate(frame, Rotation.random(random_state=7))])
    scale = np.abs(reference).max(axis=0)
    assert scale.min() > 1e-8 * scale.max()  # every column carries signal
    assert np.all(np.abs(result - reference).max(axis=0) <= 1e-10 * scale)


def test_rotating_orientations_alone_changes_features():
    frame = random_frame()
    turned = frame.copy()
    q = Rotation.from_quat(frame.arrays["c_q"], scalar_first=True)
    turned.arrays["c_q"] = (Rotation.random(random_state=3) * q).as_quat(scalar_first=True)
    assert np.abs(per_center(CALCULATOR, [turned]) - per_center(CALCULATOR, [frame])).max() > 1e-3


def test_permutation():
    frame = random_frame(species=(1, 6))
    permutation = np.random.default_rng(1).permutation(len(frame))
    permuted = frame[permutation]
    reference = per_center(CALCULATOR, [frame])
    np.testing.assert_allclose(per_center(CALCULATOR, [permuted]), reference[permutation], rtol=0, atol=1e-12 * np.abs(reference).max())


def test_translation_and_wrapping():
    frame = random_frame()
    moved = frame.copy()
    moved.positions += np.array([13.3, -4.2, 7.9])
    moved.wrap()
    reference = per_center(CALCULATOR, [frame])
    np.testing.assert_allclose(per_center(CALCULATOR, [moved]), reference, rtol=0, atol=1e-11 * np.abs(reference).max())


@pytest.mark.parametrize("cutoff", [5.0, 9.0])
def test_supercell_keeps_per_center_features(cutoff):
    """Also covers cutoffs larger than the cell (9 Å > every cell width)."""
    calculator = EllipsoidalDensityProjection(max_angular=3, cutoff=cutoff, radial_gaussian_width=2.0, max_radial=2)
    frame = random_frame(n=5)
    supercell = frame.repeat((2, 1, 2))
    reference = per_center(calculator, [frame])
    result = per_center(calculator, [supercell])
    # ASE's repeat puts the copies of the original cell one after another
    expected = np.tile(reference, (4, 1))
    assert np.abs(result - expected).max() < 1e-10 * np.abs(reference).max()


def test_frame_average_is_mean_of_centres():
    frames = [random_frame(seed=s) for s in range(3)]
    averaged = CALCULATOR.power_spectrum(frames)
    for k, frame in enumerate(frames):
        np.testing.assert_allclose(averaged[k], per_center(CALCULATOR, [frame]).mean(axis=0), rtol=1e-12)


def test_species_channels_are_separate():
    """Each neighbour species has its own channels, orthonormalised on its own,
    ordered l, (neighbour type, n), (neighbour type', n')."""
    calculator = EllipsoidalDensityProjection(max_angular=2, cutoff=5.0, radial_gaussian_width=1.5, max_radial=1)
    frame = random_frame(species=(1, 6), seed=4)
    mixed = calculator.compute_coefficients([frame])
    for species in (1, 6):
        alone = frame[frame.numbers == species]
        single = calculator.compute_coefficients([alone], species=[1, 6])
        n_radial = 2
        channel = slice(0, n_radial) if species == 1 else slice(n_radial, 2 * n_radial)
        other = slice(n_radial, 2 * n_radial) if species == 1 else slice(0, n_radial)
        centres = np.flatnonzero(frame.numbers == species)
        for l in range(3):
            # the species-`species` channel of a centre only sees that species
            # (compare with the frame holding only that species)...
            np.testing.assert_allclose(single.values[l][:, :, channel], mixed.values[l][centres][:, :, channel], atol=1e-12)
            # ...and the absent species' channel stays empty
            assert np.all(single.values[l][:, :, other] == 0.0)
    labels = calculator.feature_labels([1, 6])
    power = calculator.power_spectrum([frame])
    assert power.shape[1] == len(labels)
    first = labels.values[: 16]
    assert first[:, 1].tolist() == [0] * 16  # l = 0 block first
    assert first[:4, 2].tolist() == [1, 1, 1, 1] and first[:4, 3].tolist() == [0, 0, 0, 0]
    assert first[:4, 4].tolist() == [1, 1, 6, 6] and first[:4, 5].tolist() == [0, 1, 0, 1]


def test_isolated_centre_gives_a_zero_row():
    frame = ellipsoids(np.array([[0.0, 0, 0], [1.5, 0, 0], [40.0, 0, 0]]), [1, 1, 1])
    calculator = EllipsoidalDensityProjection(max_angular=2, cutoff=4.0, radial_gaussian_width=1.0, subtract_center_contribution=True)
    values = per_center(calculator, [frame])
    assert values.shape[0] == 3
    assert np.all(values[2] == 0.0) and np.abs(values[0]).max() > 0


def test_spheres_are_orientation_blind():
    frame = random_frame()
    for k in range(3):
        frame.arrays[f"c_diameter[{k + 1}]"] = np.full(len(frame), 1.2)
    turned = frame.copy()
    turned.arrays["c_q"] = Rotation.random(len(frame), random_state=11).as_quat(scalar_first=True)
    np.testing.assert_allclose(per_center(CALCULATOR, [turned]), per_center(CALCULATOR, [frame]), rtol=1e-11, atol=1e-14)


def test_chunking_does_not_change_results():
    frames = [random_frame(seed=s) for s in range(5)]
    small = CALCULATOR.compute(frames, chunk_size=2)
    np.testing.assert_array_equal(small, CALCULATOR.power_spectrum(frames))
