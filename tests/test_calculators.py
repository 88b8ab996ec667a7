"""Energy labels: baselined energies, tblite, the file calculator, espresso's error."""

import json
import shutil

import numpy as np
import pytest
from ase import Atoms
from ase.io import read

from anisoap_pipeline.studies.benzene import calculators
from anisoap_pipeline.studies.benzene.calculators import (
    baselined_energy,
    label_energies,
    label_key,
    labelling_supercell,
    make_calculator,
    molecule_energy,
    plane_spacings,
    save_labels,
)


@pytest.fixture(scope="module")
def p1_crystal():
    """One benzene per cell (P-1, 131 Å^3 per molecule): a sensible, bound packing.

    Made by ``generate_crystals(1, seed=0, space_groups=[2], z_values=[1],
    augment_fraction=0)``; coordinates rounded to 1e-4 Å.
    """
    cell = [[3.7152, 3.0398, -3.6552], [0.0, 4.3914, -0.698], [0.0, 0.0, 8.9206]]
    positions = [
        [1.5053, 4.8222, 1.1377], [0.6078, 1.4835, 2.0143], [2.7551, 4.8586, 1.7561],
        [0.9602, 2.5726, 2.8113], [3.1074, 5.9478, 2.553], [2.2099, 2.6091, 3.4296],
        [1.2309, 3.974, 0.5172], [3.3499, 4.4948, -2.1223], [3.454, 4.039, 1.617],
        [0.2613, 3.3923, 2.9504], [0.3653, 2.9364, 6.6897], [2.4843, 3.4572, 4.0502],
    ]  # fmt: skip
    return Atoms("C6H6", positions=positions, cell=cell, pbc=True)


@pytest.fixture(scope="module")
def real_file(shared_dir):
    return shared_dir / "data" / "benzene_pbe_ts" / "benzene_pbe_ts_val.xyz"


def test_baselined_energy_formula():
    # two molecules of -10 eV in a 24-atom crystal of -20.24 eV: -240 meV / 24 atoms
    assert np.isclose(baselined_energy(-20.24, -10.0, 24), -10.0)
    assert np.allclose(baselined_energy([-20.24, -40.0], -10.0, [24, 48]), [-10.0, 0.0])
    with pytest.raises(ValueError, match="multiple"):
        baselined_energy(-20.0, -10.0, 25)


def test_tblite_binds_a_sensible_crystal(p1_crystal, tmp_path):
    checkpoint = tmp_path / "labels.jsonl"
    labels = label_energies([p1_crystal], {"name": "tblite", "method": "GFN1-xTB"}, checkpoint=checkpoint)
    assert np.isfinite(labels["energy"]).all()
    # a lattice energy of tens of meV/atom (benzene's experimental one is ~ -45 meV/atom)
    assert -100.0 < labels["baselined_energy"][0] < -10.0
    assert labels["molecule_energy"] < 0
    # resumable: a re-run reads the checkpoint and computes only the molecule
    assert json.loads(checkpoint.read_text().splitlines()[0])["index"] == 0
    again = label_energies([p1_crystal], {"name": "tblite", "method": "GFN1-xTB"}, checkpoint=checkpoint)
    assert again["energy"][0] == labels["energy"][0]
    assert len(checkpoint.read_text().splitlines()) == 1


def _variants(crystal):
    """Three different crystals: the given one, rigidly shifted, and compressed by 2 %."""
    shifted = crystal.copy()
    shifted.positions += 0.3
    compressed = crystal.copy()
    compressed.set_cell(crystal.cell.array * 0.98, scale_atoms=True)
    return [crystal, shifted, compressed]


def test_labels_are_bitwise_independent_of_the_number_of_workers(p1_crystal):
    crystals = _variants(p1_crystal)
    spec = {"name": "tblite", "method": "GFN1-xTB"}
    serial = label_energies(crystals, spec)
    parallel = label_energies(crystals, spec, n_jobs=2)
    assert np.array_equal(parallel["energy"], serial["energy"])
    assert parallel["molecule_energy"] == serial["molecule_energy"]
    assert np.isclose(serial["energy"][0], serial["energy"][1], atol=1e-5)  # a rigid shift
    assert not np.isclose(serial["energy"][0], serial["energy"][2], atol=1e-3)


def test_checkpoint_is_keyed_on_the_structure_and_removed_with_the_labels(p1_crystal, tmp_path):
    checkpoint = tmp_path / "labels.checkpoint.jsonl"
    spec = {"name": "tblite", "method": "GFN1-xTB"}
    before = label_energies([p1_crystal], spec, checkpoint=checkpoint)
    scaled = p1_crystal.copy()
    scaled.set_cell(p1_crystal.cell.array * 1.05, scale_atoms=True)
    after = label_energies([scaled], spec, checkpoint=checkpoint)  # same index and atom count
    assert after["energy"][0] != before["energy"][0]
    assert after["energy"][0] == label_energies([scaled], spec)["energy"][0]
    assert len(checkpoint.read_text().splitlines()) == 2
    # other calculator settings, other labels
    assert label_key(p1_crystal, spec) != label_key(p1_crystal, {**spec, "method": "GFN2-xTB"})
    assert label_key(p1_crystal, spec) != label_key(p1_crystal, spec, supercell_spacing=8.0)
    assert label_key(p1_crystal, spec) == label_key(p1_crystal.copy(), spec)
    # the labels written atomically, the checkpoint gone
    save_labels(tmp_path / "labels.npz", after, [len(scaled)], checkpoint)
    assert not checkpoint.exists()
    saved = np.load(tmp_path / "labels.npz")
    assert saved["energy"][0] == after["energy"][0] and saved["labelled"].all()


def test_a_failed_scf_drops_the_crystal_and_the_others_go_on(p1_crystal, monkeypatch, tmp_path):
    """crystal 1 gets one SCF iteration: tblite's own non-convergence error."""
    energy = calculators._energy

    def one_iteration_for_crystal_1(spec, atoms, label):
        return energy({**spec, "max_iterations": 1} if label == "crystal_1" else spec, atoms, label)

    monkeypatch.setattr(calculators, "_energy", one_iteration_for_crystal_1)
    crystals = _variants(p1_crystal)
    checkpoint = tmp_path / "labels.checkpoint.jsonl"
    labels = label_energies(crystals, {"name": "tblite", "method": "GFN1-xTB"}, checkpoint=checkpoint)
    assert labels["n_failed"] == 1
    assert [entry["index"] for entry in labels["failed"]] == [1]
    assert "CalculationFailed" in labels["failed"][0]["error"]
    assert np.isnan(labels["energy"][1]) and np.isnan(labels["baselined_energy"][1])
    assert np.isfinite(labels["energy"][[0, 2]]).all()
    # the failure is a result too: a re-run does not retry it
    def molecule_only(spec, atoms, label):
        assert label == "molecule", f"{label} recomputed"
        return energy(spec, atoms, label)

    monkeypatch.setattr(calculators, "_energy", molecule_only)
    again = label_energies(crystals, {"name": "tblite", "method": "GFN1-xTB"}, checkpoint=checkpoint)
    assert again["failed"] == labels["failed"]
    save_labels(tmp_path / "labels.npz", again, [len(c) for c in crystals])
    assert np.load(tmp_path / "labels.npz")["labelled"].tolist() == [True, False, True]


def _face_pairs(cell):
    return [(cell[1], cell[2]), (cell[2], cell[0]), (cell[0], cell[1])]


def test_supercell_has_every_plane_spacing_above_the_threshold(p1_crystal):
    widths = plane_spacings(p1_crystal)
    raw = 1.0 / np.linalg.norm(p1_crystal.cell.reciprocal(), axis=1)  # of the cell as given
    assert widths.min() > raw.min() + 0.4  # the reduced basis: 4.20 Å, not 3.72 Å
    assert np.isclose(np.prod(widths), p1_crystal.get_volume() ** 3 / np.prod(
        [np.linalg.norm(np.cross(*v)) for v in _face_pairs(p1_crystal.cell.niggli_reduce()[0])]))
    for spacing in (0.0, 6.0, 9.0, 12.0):
        supercell, repeats = labelling_supercell(p1_crystal, spacing)
        assert len(supercell) == len(p1_crystal) * np.prod(repeats)
        assert np.isclose(supercell.get_volume(), p1_crystal.get_volume() * np.prod(repeats))
        assert np.all(np.array(repeats) * widths >= spacing)
        assert np.all((np.array(repeats) == 1) | ((np.array(repeats) - 1) * widths < spacing))  # not larger than needed
    with pytest.raises(ValueError, match="supercell_spacing"):
        labelling_supercell(p1_crystal, -1.0)


def test_supercell_labels_converge(p1_crystal):
    """GFN1-xTB at the Gamma point of the 12-atom cell (plane spacings 4.2-6.7 Å) is
    ~25 meV/atom off the converged energy; the default's supercell (spacings >= 8 Å,
    2 x 2 x 2) is within the 5 meV/atom tolerance of a larger one (>= 10 Å, 3 x 3 x 2,
    216 atoms; BENCHMARKS.md "Label convergence": 1.7 meV/atom)."""
    spec = {"name": "tblite", "method": "GFN1-xTB"}
    labels = {
        spacing: label_energies([p1_crystal], spec, supercell_spacing=spacing)
        for spacing in (None, 8.0, 10.0)
    }
    assert [tuple(labels[s]["repeats"][0]) for s in (8.0, 10.0)] == [(2, 2, 2), (3, 3, 2)]
    per_atom = {spacing: result["baselined_energy"][0] for spacing, result in labels.items()}
    assert abs(per_atom[8.0] - per_atom[10.0]) <= 5.0
    assert abs(per_atom[None] - per_atom[10.0]) > 10.0


def test_file_calculator_reads_the_real_energies(real_file):
    frames = read(real_file, index=":5")
    stored = np.array([frame.get_potential_energy() for frame in frames])
    labels = label_energies(frames, {"name": "file", "filename": real_file})
    assert np.array_equal(labels["energy"], stored)
    # default reference: the lowest energy per molecule in the whole file
    everything = read(real_file, index=":")
    lowest = min(f.get_potential_energy() / (len(f) / 12) for f in everything)
    assert labels["molecule_energy"] == pytest.approx(lowest)
    assert np.all(labels["baselined_energy"] >= 0)
    assert np.allclose(labels["baselined_energy"], baselined_energy(stored, lowest, [len(f) for f in frames]))
    # a given reference energy is used as is
    given = molecule_energy({"name": "file", "filename": real_file, "reference_energy": -1030.0})
    assert given == -1030.0


def test_file_calculator_matches_by_frame_index_and_checks_the_structure(real_file):
    calculator = make_calculator("file", filename=real_file)
    frame = read(real_file, index=3)
    frame.calc = None
    frame.info["frame_index"] = 3
    frame.positions += frame.cell[0]  # a lattice translation is the same structure
    frame.calc = calculator
    assert frame.get_potential_energy() == calculator.energies[3]

    moved = frame.copy()
    moved.positions[0] += 0.1
    moved.info["frame_index"] = 3
    moved.calc = calculator
    with pytest.raises(ValueError, match="field 'positions' differs from .* frame 3"):
        moved.get_potential_energy()
    anonymous = frame.copy()
    del anonymous.info["frame_index"]
    anonymous.calc = calculator
    with pytest.raises(ValueError, match=r"field 'info\['frame_index'\]' is missing"):
        anonymous.get_potential_energy()


@pytest.mark.skipif(shutil.which("pw.x") is not None, reason="pw.x is installed here")
def test_espresso_without_pw_x_says_what_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"(?s)pw\.x.*not found.*Install Quantum ESPRESSO"):
        make_calculator("espresso", pseudo_dir=tmp_path)


def test_espresso_uses_the_papers_settings(tmp_path):
    fake = tmp_path / "bin" / "pw.x"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    command = f"mpirun -np 2 {fake}"
    with pytest.raises(FileNotFoundError, match="pseudopotential"):
        make_calculator("espresso", command=command, pseudo_dir=tmp_path)
    for filename in calculators.ESPRESSO_DEFAULTS["pseudopotentials"].values():
        (tmp_path / filename).write_text("")
    calculator = make_calculator(
        "espresso", command=command, pseudo_dir=tmp_path, input_data={"system": {"ecutwfc": 80}}
    )
    system = calculator.parameters["input_data"]["system"]
    assert system["vdw_corr"] == "dft-d3" and system["input_dft"] == "PBE"
    assert system["ecutwfc"] == 80 and system["ecutrho"] == 480.0
    assert tuple(calculator.parameters["kpts"]) == (3, 3, 3)
    with pytest.raises(ValueError, match="pseudo_dir"):
        make_calculator("espresso", command=command)


def test_unknown_calculator():
    with pytest.raises(ValueError, match="unknown calculator 'vasp'"):
        make_calculator("vasp")
    with pytest.raises(ValueError, match="n_jobs"):
        label_energies([], "tblite", n_jobs=0)
    with pytest.raises(ValueError, match="threads"):
        label_energies([], "tblite", threads=0)
    with pytest.raises(ValueError, match="file"):
        label_energies([], {"name": "file", "filename": "x.xyz"}, supercell_spacing=8.0)
