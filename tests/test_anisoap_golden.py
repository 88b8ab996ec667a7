"""The featuriser against golden outputs of anisoap 0.1.1 (../shared/reference)."""

import json

import ase
import numpy as np
import pytest

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

CASES = [
    "gay_berne_dimers_lc_hypers",
    "monomial_open",
    "paper_benzene_lmax9",
    "prolate_cubic_lmax4",
    "subtract_center_oblate",
    "triaxial_triclinic_nmax4",
]


def load_case(folder):
    params = json.loads((folder / "params.json").read_text())
    data = np.load(folder / "frames.npz")
    starts = np.concatenate([[0], np.cumsum(data["n_atoms"])])
    frames = []
    for k in range(len(data["n_atoms"])):
        part = slice(starts[k], starts[k + 1])
        atoms = ase.Atoms(
            numbers=data["numbers"][part],
            positions=data["positions"][part],
            cell=data["cells"][k],
            pbc=data["pbc"][k],
        )
        atoms.arrays["c_q"] = data["c_q"][part]
        for d in range(3):
            atoms.arrays[f"c_diameter[{d + 1}]"] = data["c_diameter"][part][:, d].copy()
        frames.append(atoms)
    calculator = EllipsoidalDensityProjection(
        max_angular=params["max_angular"],
        cutoff=params["cutoff_radius"],
        radial_basis=params["radial_basis_name"],
        radial_gaussian_width=params.get("radial_gaussian_width"),
        max_radial=params.get("max_radial"),
        subtract_center_contribution=params.get("subtract_center_contribution", False),
        basis_rcond=params.get("basis_rcond", 0.0),
        basis_tol=params.get("basis_tol", 1e-8),
    )
    return calculator, frames, dict(np.load(folder / "expected.npz"))


def relative_error(ours, expected):
    return np.abs(ours - expected).max() / np.abs(expected).max()


@pytest.mark.parametrize("case", CASES)
def test_matches_anisoap_0_1_1(shared_dir, case):
    folder = shared_dir / "reference" / "anisoap-0.1.1" / case
    calculator, frames, expected = load_case(folder)
    coefficients = calculator.compute_coefficients(frames)

    power = coefficients.invariants("power_spectrum")
    assert power.shape == expected["power_spectrum"].shape
    assert relative_error(power, expected["power_spectrum"]) < 1e-8

    radial = coefficients.invariants("radial_spectrum")
    assert relative_error(radial, expected["radial_spectrum"]) < 1e-8

    per_center = coefficients.invariants("power_spectrum", mean_over_samples=False).block()
    samples = per_center.samples.values
    order = np.lexsort((expected["center_index"], expected["center_frame"]))
    np.testing.assert_array_equal(samples[:, 0], expected["center_frame"][order])
    np.testing.assert_array_equal(samples[:, 1], expected["center_index"][order])
    assert relative_error(per_center.values, expected["per_center"][order]) < 1e-8


def test_public_methods_agree(shared_dir):
    folder = shared_dir / "reference" / "anisoap-0.1.1" / "triaxial_triclinic_nmax4"
    calculator, frames, expected = load_case(folder)
    power = calculator.power_spectrum(frames)
    assert relative_error(power, expected["power_spectrum"]) < 1e-8
    radial = calculator.radial_spectrum(frames)
    assert relative_error(radial, expected["radial_spectrum"]) < 1e-8
    labels = calculator.feature_labels([1])
    assert len(labels) == power.shape[1]
    assert labels.names == ["center_type", "o3_lambda", "neighbor_1_type", "n_1", "neighbor_2_type", "n_2"]
