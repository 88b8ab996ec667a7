"""Benzene crystals from PyXtal: compatibility, augmentation, contacts, seeds."""

import itertools

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.studies.benzene.calculators import plane_spacings
from anisoap_pipeline.studies.benzene.coarse_grain import coarse_grain, find_molecules
from anisoap_pipeline.studies.benzene.data import (
    MIN_CONTACTS,
    augment_crystals,
    benzene_molecule,
    compatible_z,
    generate_crystals,
    shortest_contacts,
)
from anisoap_pipeline.frames import get_quaternions

REASONS = {"no_z", "symmetry_incompatible", "placement_budget", "thin_cell", "close_contact"}


@pytest.fixture(scope="module")
def augmented_crystals():
    """Small crystals, each followed by an augmented copy (P-1 and P2_1/c)."""
    return generate_crystals(4, seed=3, space_groups=(2, 14), augment_fraction=1.0)


def test_benzene_molecule():
    molecule = benzene_molecule()
    assert molecule.get_chemical_formula() == "C6H6"
    assert np.allclose(molecule.get_center_of_mass(), 0.0, atol=1e-10)
    distances = molecule.get_all_distances()[:6, :6]
    assert np.isclose(np.sort(distances[0])[1], 1.395, atol=0.01)


def test_compatible_z_are_wyckoff_multiplicities_within_the_cap():
    assert compatible_z(1) == (1,)
    assert compatible_z(2) == (1, 2)
    assert compatible_z(14) == (2, 4)
    assert compatible_z(61) == (4, 8)  # Pbca, the real benzene polymorph: Z = 4
    assert compatible_z(230) == ()  # Ia-3d: smallest multiplicity 16
    assert compatible_z(14, max_molecules=2) == (2,)
    with pytest.raises(ValueError, match="space_group"):
        compatible_z(231)


def test_crystals_are_whole_molecules_without_short_contacts(augmented_crystals):
    crystals, counts = augmented_crystals
    assert counts["accepted"] == 4 and len(crystals) == 4 + counts.get("augmented", 0)
    assert sorted({crystal.info["index"] for crystal in crystals}) == [0, 1, 2, 3]
    for crystal in crystals:
        assert crystal.info["space_group"] in (2, 14)
        assert crystal.info["Z"] in compatible_z(crystal.info["space_group"])
        assert len(crystal) == 12 * crystal.info["Z"]
        assert crystal.get_chemical_formula(empirical=True) == "CH"
        assert all(crystal.pbc)
        molecule, _ = find_molecules(crystal)
        assert np.all(molecule == np.arange(len(crystal)) // 12)
        for pair, distance in shortest_contacts(crystal).items():
            assert distance >= MIN_CONTACTS[pair] - 1e-9, (pair, distance)
        scaled = crystal.get_scaled_positions(wrap=False)
        assert np.all((scaled > -1e-9) & (scaled < 1 + 1e-9))


def test_counts_add_up(augmented_crystals):
    crystals, counts = augmented_crystals
    failures = sum(counts.get(reason, 0) for reason in REASONS) + sum(
        n for reason, n in counts.items() if reason.startswith("pyxtal_")
    )
    assert counts["attempts"] == counts["accepted"] + failures
    assert counts["accepted"] + counts.get("no_crystal", 0) == 4
    assert len(crystals) == counts["accepted"] + counts.get("augmented", 0)


def test_augmented_copies_keep_positions_or_orientations(augmented_crystals):
    crystals, _ = augmented_crystals
    modes = set()
    for original, copy in itertools.pairwise(crystals):
        if copy.info["augmentation"] == "none" or original.info["index"] != copy.info["index"]:
            continue
        modes.add(copy.info["augmentation"])
        a, b = coarse_grain(original, (4, 4, 0.5)), coarse_grain(copy, (4, 4, 0.5))
        fractional = b.get_scaled_positions() - a.get_scaled_positions()
        shifts = np.linalg.norm((fractional - np.round(fractional)) @ a.cell.array, axis=1)
        if copy.info["augmentation"] == "rotate":
            assert np.allclose(shifts, 0.0, atol=1e-8)
            assert not np.allclose(a.arrays["c_q"], b.arrays["c_q"])
        else:
            ra = Rotation.from_quat(get_quaternions(a), scalar_first=True).as_matrix()
            rb = Rotation.from_quat(get_quaternions(b), scalar_first=True).as_matrix()
            assert np.allclose(np.abs(np.sum(ra[:, :, 2] * rb[:, :, 2], axis=1)), 1.0)
            assert 0 < shifts.max() and np.all(shifts <= 0.5 + 1e-9)
    assert modes == {"rotate", "translate"}


def test_same_seed_same_crystals_in_any_shard(augmented_crystals):
    """Crystal i draws from its own stream: made alone (a shard), it is the crystal of the whole run."""
    crystals, _ = augmented_crystals
    again, _ = generate_crystals(4, seed=3, space_groups=(2, 14), augment_fraction=1.0, items=[2, 4])
    expected = [crystal for crystal in crystals if crystal.info["index"] >= 2]
    assert len(again) == len(expected) > 0
    for a, b in zip(expected, again):
        assert a.info == b.info
        assert np.array_equal(a.positions, b.positions)
        assert np.array_equal(a.cell.array, b.cell.array)


def test_incompatible_choices_are_counted_not_raised():
    crystals, counts = generate_crystals(1, seed=0, space_groups=[191], z_values=[1], max_attempts=3)
    assert crystals == []
    assert counts == {"attempts": 3, "symmetry_incompatible": 3, "no_crystal": 1}
    crystals, counts = generate_crystals(2, seed=0, space_groups=[230], max_attempts=2)
    assert crystals == [] and counts == {"attempts": 4, "no_z": 4, "no_crystal": 2}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_crystals": -1}, "n_crystals"),
        ({"space_groups": [0]}, "space_group"),
        ({"space_groups": []}, "space_groups"),
        ({"volume_factor": (0.9, 0.7)}, "volume_factor"),
        ({"augment_fraction": 1.5}, "augment_fraction"),
        ({"max_rotation": 200}, "max_rotation"),
        ({"max_translation": -1}, "max_translation"),
    ],
)
def test_invalid_arguments(kwargs, message):
    arguments = {"n_crystals": 1, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        generate_crystals(**arguments)


def _burn(seconds):
    """Keep one core busy for ``seconds`` (a child process of the load test)."""
    import time

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_same_seed_same_crystals_on_a_loaded_machine():
    """No clock decides what is generated: an attempt over its placement budget
    fails the same way with both cores busy (burner processes) as on an idle machine."""
    import multiprocessing

    arguments = {"n_crystals": 3, "seed": 2, "space_groups": (2, 14, 19, 33, 61), "max_molecules": 4,
                 "max_placements": 1}
    idle, idle_counts = generate_crystals(**arguments)
    assert idle_counts.get("placement_budget", 0) >= 1  # the budget is exercised
    burners = [multiprocessing.get_context("fork").Process(target=_burn, args=(120,)) for _ in range(2)]
    for burner in burners:
        burner.start()
    try:
        busy, busy_counts = generate_crystals(**arguments)
    finally:
        for burner in burners:
            burner.terminate()
            burner.join()
    assert busy_counts == idle_counts
    assert len(busy) == len(idle)
    for a, b in zip(idle, busy):
        assert a.info == b.info
        assert np.array_equal(a.numbers, b.numbers)
        assert np.array_equal(a.positions, b.positions)
        assert np.array_equal(a.cell.array, b.cell.array)


def test_thin_cells_are_rejected_and_counted(augmented_crystals):
    crystals, _ = augmented_crystals
    spacings = np.array([plane_spacings(crystal).min() for crystal in crystals])
    threshold = float(np.median(spacings))
    kept, counts = generate_crystals(4, seed=3, space_groups=(2, 14), augment_fraction=1.0,
                                     min_plane_spacing=threshold)
    assert counts.get("thin_cell", 0) >= 1
    assert all(plane_spacings(crystal).min() >= threshold for crystal in kept)
    # each crystal has its own random stream, and a rejected attempt draws what the unfiltered run
    # drew: a crystal kept at the attempt where the unfiltered run kept it is the same crystal
    by_attempt = {(c.info["index"], c.info["attempt"], c.info["augmentation"]): c for c in crystals}
    for crystal in kept:
        key = (crystal.info["index"], crystal.info["attempt"], crystal.info["augmentation"])
        if key in by_attempt:
            assert np.array_equal(crystal.positions, by_attempt[key].positions)


def test_augmented_copies_carry_their_original_as_group(augmented_crystals):
    originals = [crystal for crystal in augmented_crystals[0] if crystal.info["augmentation"] == "none"][:2]
    augmented, counts = augment_crystals(originals, seed=5)
    assert counts["originals"] == 2
    assert counts.get("rotate", 0) + counts.get("translate", 0) + counts.get("augmentation_clash", 0) == 8
    assert len(augmented) == 2 + counts.get("rotate", 0) + counts.get("translate", 0)
    for crystal in augmented:
        original = originals[crystal.info["group"]]
        assert crystal.info["space_group"] == original.info["space_group"]
        assert np.array_equal(crystal.cell.array, original.cell.array)
        molecule, _ = find_molecules(crystal)
        assert np.all(molecule == np.arange(len(crystal)) // 12)
        for pair, distance in shortest_contacts(crystal).items():
            assert distance >= MIN_CONTACTS[pair] - 1e-9
        a, b = coarse_grain(original, (4, 4, 0.5)), coarse_grain(crystal, (4, 4, 0.5))
        fractional = b.get_scaled_positions() - a.get_scaled_positions()
        shifts = np.linalg.norm((fractional - np.round(fractional)) @ a.cell.array, axis=1)
        if crystal.info["augmentation"] == "translate":
            assert 0 < shifts.max() <= 0.5 + 1e-9
        else:  # the original itself, or rotated copies: molecule centres unmoved
            assert np.allclose(shifts, 0.0, atol=1e-8)
    groups = [crystal.info["group"] for crystal in augmented]
    assert groups == sorted(groups)  # copies follow their original
    # the copies of crystal 0 do not depend on the other crystals
    alone, _ = augment_crystals(originals[:1], seed=5)
    assert len(alone) == groups.count(0)
    for a, b in zip(alone, augmented):
        assert np.array_equal(a.positions, b.positions)
    with pytest.raises(ValueError, match="n_rotated"):
        augment_crystals(originals, seed=0, n_rotated=-1)
