"""``anisoap-pipeline featurize --gradients`` (power spectrum, coefficients, bispectrum): serial equals
the library, ``mpiexec -n 2`` equals serial."""

import metatensor
import numpy as np
import pytest

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

from .test_featurize_cli import HYPERS, MPIEXEC, featurize, frames_file  # noqa: F401  (fixture)

CALCULATOR = EllipsoidalDensityProjection(max_angular=3, cutoff=5.0, radial_gaussian_width=1.5, max_radial=2)
GRADIENTS = ["--gradients", "positions", "orientations"]


@pytest.mark.slow
def test_serial_matches_library(frames_file, tmp_path):  # noqa: F811
    path, frames = frames_file
    featurize(path, tmp_path / "ps.npy", *HYPERS, *GRADIENTS)
    expected = CALCULATOR.compute_gradients(frames)
    assert np.array_equal(np.load(tmp_path / "ps.npy"), expected.values())
    block = metatensor.load(str(tmp_path / "ps.gradients.mts")).block(0)
    assert np.array_equal(block.values, expected.values())
    for parameter in ("positions", "orientations"):
        assert np.array_equal(block.gradient(parameter).values, expected.gradient(parameter))
    featurize(path, tmp_path / "c.mts", *HYPERS, "--kind", "coefficients", "--gradients", "orientations")
    tensor = metatensor.load(str(tmp_path / "c.mts"))
    reference = CALCULATOR.compute_gradients(frames, "coefficients", ["orientations"], False).to_tensormap()
    assert metatensor.equal(tensor, reference)


@pytest.mark.slow
def test_bispectrum_serial_matches_library(frames_file, tmp_path):  # noqa: F811
    path, frames = frames_file
    featurize(path, tmp_path / "bs.npy", *HYPERS, "--kind", "bispectrum", *GRADIENTS)
    expected = CALCULATOR.compute(frames, kind="bispectrum", gradients=["positions", "orientations"])
    assert np.array_equal(np.load(tmp_path / "bs.npy"), CALCULATOR.compute(frames, kind="bispectrum"))
    assert metatensor.equal(metatensor.load(str(tmp_path / "bs.gradients.mts")), expected.to_tensormap())


@pytest.mark.slow
@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
@pytest.mark.parametrize(
    "output, kind", [("ps.npy", "power_spectrum"), ("ps.mts", "power_spectrum"), ("bs.npy", "bispectrum"),
                     ("bs.mts", "bispectrum")]
)
def test_mpi_matches_serial(frames_file, tmp_path, output, kind):  # noqa: F811
    path, _ = frames_file
    (tmp_path / "serial").mkdir()
    (tmp_path / "mpi").mkdir()
    featurize(path, tmp_path / "serial" / output, *HYPERS, "--kind", kind, *GRADIENTS)
    featurize(path, tmp_path / "mpi" / output, *HYPERS, "--kind", kind, *GRADIENTS, ranks=2)
    name = output.replace(".npy", ".gradients.mts")
    serial = metatensor.load(str(tmp_path / "serial" / name))
    parallel = metatensor.load(str(tmp_path / "mpi" / name))
    assert metatensor.equal(serial, parallel)
    assert sorted(serial.block(0).gradients_list()) == ["orientations", "positions"]
