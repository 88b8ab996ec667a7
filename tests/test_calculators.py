"""Energy labels: baselined energies, tblite, the file calculator, espresso's error."""

import json
import shutil

import numpy as np
import pytest
from ase import Atoms
from ase.io import read

from anisoap_pipeline import calculators
from anisoap_pipeline.calculators import (
    baselined_energy,
    label_energies,
    make_calculator,
    molecule_energy,
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


def test_tblite_in_worker_processes_matches_serial(p1_crystal):
    shifted = p1_crystal.copy()
    shifted.positions += 0.3
    spec = {"name": "tblite", "method": "GFN1-xTB"}
    serial = label_energies([p1_crystal, shifted], spec)
    parallel = label_energies([p1_crystal, shifted], spec, n_jobs=2, threads=1)
    assert np.allclose(parallel["energy"], serial["energy"], atol=1e-6)
    assert np.isclose(serial["energy"][0], serial["energy"][1], atol=1e-5)  # a rigid shift


def test_checkpoint_that_does_not_fit_is_rejected(p1_crystal, tmp_path):
    checkpoint = tmp_path / "labels.jsonl"
    checkpoint.write_text(json.dumps({"index": 0, "energy": -1.0, "n_atoms": 24}) + "\n")
    with pytest.raises(ValueError, match="line 1: crystal 0 with 24 atoms"):
        label_energies([p1_crystal], "tblite", checkpoint=checkpoint)


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
