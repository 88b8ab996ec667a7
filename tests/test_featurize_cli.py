"""``anisoap-pipeline featurize``: serial, under ``mpiexec -n 2``, and its errors."""

import shutil
import subprocess
import sys
from pathlib import Path

import ase.io
import metatensor
import numpy as np
import pytest

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.frames import write_frames

from .test_anisoap_invariance import random_frame

HYPERS = ["--max-angular", "3", "--cutoff", "5.0", "--radial-gaussian-width", "1.5", "--max-radial", "2"]
CALCULATOR = EllipsoidalDensityProjection(max_angular=3, cutoff=5.0, radial_gaussian_width=1.5, max_radial=2)
MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")


def featurize(*args, ranks=None, check=True):
    command = [sys.executable, "-m", "anisoap_pipeline.cli", "featurize", *map(str, args), "--no-progress"]
    if ranks:
        command = [MPIEXEC, "-n", str(ranks), *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def frames_file(tmp_path_factory):
    frames = [random_frame(seed=s, species=(1, 6)) for s in range(7)]
    path = tmp_path_factory.mktemp("frames") / "frames.xyz"
    write_frames(path, frames)
    return path, frames


def test_serial_matches_library(frames_file, tmp_path):
    path, frames = frames_file
    featurize(path, tmp_path / "ps.npy", *HYPERS)
    np.testing.assert_allclose(np.load(tmp_path / "ps.npy"), CALCULATOR.power_spectrum(frames), rtol=0, atol=1e-14)
    featurize(path, tmp_path / "rs.npy", *HYPERS, "--kind", "radial_spectrum")
    np.testing.assert_allclose(np.load(tmp_path / "rs.npy"), CALCULATOR.radial_spectrum(frames), rtol=0, atol=1e-14)
    featurize(path, tmp_path / "pc.mts", *HYPERS)
    tensor = metatensor.load(str(tmp_path / "pc.mts"))
    expected = CALCULATOR.power_spectrum(frames, mean_over_samples=False)
    assert metatensor.allclose(tensor, expected, rtol=0, atol=1e-14)


@pytest.mark.slow
@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
def test_mpi_matches_serial(frames_file, tmp_path):
    path, _ = frames_file
    featurize(path, tmp_path / "serial.npy", *HYPERS)
    featurize(path, tmp_path / "mpi.npy", *HYPERS, ranks=2)
    serial, parallel = np.load(tmp_path / "serial.npy"), np.load(tmp_path / "mpi.npy")
    assert serial.shape == parallel.shape == (7, 2 * 4 * 36)
    assert np.abs(serial - parallel).max() <= 1e-14 * np.abs(serial).max()
    featurize(path, tmp_path / "mpi.mts", *HYPERS, "--kind", "coefficients", ranks=2)
    featurize(path, tmp_path / "serial.mts", *HYPERS, "--kind", "coefficients")
    assert metatensor.allclose(
        metatensor.load(str(tmp_path / "mpi.mts")), metatensor.load(str(tmp_path / "serial.mts")), rtol=0, atol=1e-14
    )


@pytest.mark.slow
@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
def test_bad_input_stops_every_rank(tmp_path):
    frame = random_frame()
    frame.arrays["c_diameter[2]"][3] = -1.0
    ase.io.write(tmp_path / "bad.xyz", [random_frame(seed=1), frame], format="extxyz")
    result = featurize(tmp_path / "bad.xyz", tmp_path / "out.npy", *HYPERS, ranks=2, check=False)
    assert result.returncode != 0
    assert "frame 1: field 'c_diameter[2]'" in result.stderr
    assert not (tmp_path / "out.npy").exists()


def test_errors_are_clear(frames_file, tmp_path):
    path, _ = frames_file
    result = featurize(path, tmp_path / "out.txt", *HYPERS, check=False)
    assert result.returncode != 0 and "must end in .npy" in result.stderr
    result = featurize(path, tmp_path / "out.npy", "--max-angular", "-1", "--cutoff", "5", check=False)
    assert result.returncode != 0 and "max_angular must be an integer >= 0" in result.stderr
