"""``anisoap-pipeline featurize``: serial, under ``mpiexec -n 2``, and its errors."""

import os
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


MPI_FRAME_MEANS = """
import numpy as np
from mpi4py import MPI
from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from tests.test_anisoap_invariance import random_frame

# the first rank's frames hold hydrogen centres only; oxygen is a channel without centres
frames = [random_frame(seed=s) for s in range(4)] + [random_frame(seed=s, species=(1, 6)) for s in range(4, 7)]
calculator = EllipsoidalDensityProjection(max_angular=3, cutoff=5.0, radial_gaussian_width=1.5, max_radial=2)
for kind in ("power_spectrum", "radial_spectrum", "bispectrum"):
    for species in (None, [1, 6, 8]):
        ours = calculator.compute(frames, kind=kind, species=species, comm=MPI.COMM_WORLD)
        if MPI.COMM_WORLD.Get_rank() == 0:
            serial = calculator.compute(frames, kind=kind, species=species)
            if ours.shape != serial.shape or not np.array_equal(ours, serial):
                print(kind, species, ours.shape, serial.shape, flush=True)
                MPI.COMM_WORLD.Abort(1)  # the other rank waits in the next call
            print(kind, species, ours.shape)
"""


@pytest.mark.slow
@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
def test_mpi_frame_means_are_serial_bit_for_bit(tmp_path):
    # under MPI each rank averages its own frames; a rank without centres of some type
    # must still give the serial columns
    script = tmp_path / "frame_means.py"
    script.write_text(MPI_FRAME_MEANS)
    root = str(Path(__file__).resolve().parents[1])  # the script imports the tests' frames
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    result = subprocess.run([MPIEXEC, "-n", "2", sys.executable, str(script)], capture_output=True, text=True,
                            timeout=300, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\n") == 6, result.stdout


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


def _run_main(capsys, *argv):
    """``main`` in this process: exit status and stderr."""
    from anisoap_pipeline.cli import main

    with pytest.raises(SystemExit) as stop:
        main([*map(str, argv)])
    return stop.value.code, capsys.readouterr().err


def _bad_inputs(folder):
    """(frames file, output, text every message must hold) for every kind of failure."""
    good = folder / "good.xyz"
    write_frames(good, [random_frame(n=4, seed=s) for s in range(3)])
    text = good.read_text()
    (folder / "truncated.xyz").write_text(text[: len(text) // 2])
    lines = text.splitlines()
    lines[3] = "H abc " + " ".join(lines[3].split()[2:])
    (folder / "abc.xyz").write_text("\n".join(lines) + "\n")
    (folder / "binary.xyz").write_bytes(b"\xff\xfe\x00garbage\n")
    (folder / "empty.xyz").write_text("")
    empty_frames = random_frame(n=4)[[]]
    write_frames(folder / "no_particles.xyz", [empty_frames, empty_frames])
    (folder / "dir.npy").mkdir()
    return [
        (folder / "missing.xyz", folder / "o.npy", "missing.xyz"),
        (folder / "truncated.xyz", folder / "o.npy", "truncated.xyz"),
        (folder / "abc.xyz", folder / "o.npy", "abc.xyz"),
        (folder / "binary.xyz", folder / "o.npy", "binary.xyz"),
        (folder / "empty.xyz", folder / "o.npy", "empty.xyz"),
        (folder / "no_particles.xyz", folder / "o.npy", "no_particles.xyz: all 2 frame(s) are empty"),
        (good, folder / "dir.npy", "dir.npy: the output path is a directory"),
    ]


SMALL = ["--max-angular", "2", "--cutoff", "4", "--radial-gaussian-width", "1", "--no-progress"]


def test_every_failure_is_one_line_naming_the_file(tmp_path, capsys):
    for frames, output, expected in _bad_inputs(tmp_path):
        code, err = _run_main(capsys, "featurize", frames, output, *SMALL)
        assert code == 1, err
        assert err.count("\n") == 1 and err.startswith("anisoap-pipeline featurize: "), err
        assert expected in err, err
        assert not (tmp_path / "o.npy").exists()


def test_debug_shows_the_traceback(tmp_path, capsys):
    from anisoap_pipeline.cli import main

    with pytest.raises(FileNotFoundError):
        main(["--debug", "featurize", str(tmp_path / "missing.xyz"), str(tmp_path / "o.npy"), *SMALL])


def test_empty_frames_are_named_in_a_warning(tmp_path, capsys):
    frames = [random_frame(n=4, seed=0), random_frame(n=4)[[]], random_frame(n=4, seed=1)]
    write_frames(tmp_path / "some_empty.xyz", frames)
    from anisoap_pipeline.cli import main

    main(["featurize", str(tmp_path / "some_empty.xyz"), str(tmp_path / "o.npy"), *SMALL])
    assert "warning: " in (err := capsys.readouterr().err)
    assert "some_empty.xyz: 1 frame(s) without particles (1): their features are zeros" in err
    features = np.load(tmp_path / "o.npy")
    assert features.shape[0] == 3 and np.all(features[1] == 0.0)


@pytest.mark.slow
@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
@pytest.mark.parametrize("case", ["missing.xyz", "truncated.xyz", "no_particles.xyz"])
def test_mpi_failures_stop_every_rank_with_one_message(tmp_path, case):
    """Non-ValueError failures on rank 0 used to leave rank 1 spinning forever
    (and a stray UnboundLocalError after MPI_Abort); a hang fails the timeout."""
    frames, output, expected = next(c for c in _bad_inputs(tmp_path) if c[0].name == case)
    command = [MPIEXEC, "-n", "2", sys.executable, "-m", "anisoap_pipeline.cli", "featurize", str(frames), str(output), *SMALL]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.count("anisoap-pipeline featurize:") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "UnboundLocalError" not in result.stderr


_FAIL_ON_RANK_1 = """
import sys
from mpi4py import MPI
from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.anisoap.mpi import PeerRankError
from anisoap_pipeline.anisoap import projection
from tests.test_anisoap_invariance import random_frame

original = projection.EllipsoidalDensityProjection._coefficients
def failing(self, batch, *args, **kwargs):
    if MPI.COMM_WORLD.Get_rank() == 1:
        raise MemoryError("rank 1 ran out of memory")
    return original(self, batch, *args, **kwargs)
projection.EllipsoidalDensityProjection._coefficients = failing
calculator = EllipsoidalDensityProjection(max_angular=2, cutoff=4.0, radial_gaussian_width=1.0)
frames = [random_frame(n=4, seed=s) for s in range(4)] if MPI.COMM_WORLD.Get_rank() == 0 else None
try:
    calculator.compute(frames, comm=MPI.COMM_WORLD)
except PeerRankError as error:
    print(f"rank {MPI.COMM_WORLD.Get_rank()} told: {error}", flush=True)
except MemoryError as error:
    print(f"rank {MPI.COMM_WORLD.Get_rank()} raised: {error}", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
def test_mpi_failure_on_another_rank_reaches_rank_0():
    """An exception inside the computation on rank 1 reaches rank 0 (which waited
    in gather before) as PeerRankError; both return."""
    root = Path(__file__).resolve().parents[1]
    command = [MPIEXEC, "-n", "2", sys.executable, "-c", _FAIL_ON_RANK_1]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=root)
    assert result.returncode == 0, result.stderr
    assert "rank 1 raised: rank 1 ran out of memory" in result.stdout
    assert "rank 0 told: rank 1 failed: MemoryError: rank 1 ran out of memory" in result.stdout


def test_an_unwritable_output_is_refused_before_the_work(frames_file, tmp_path):
    path, _ = frames_file
    result = featurize(path, tmp_path / "absent" / "X.npy", "--max-angular", 2, "--cutoff", 4,
                       "--radial-gaussian-width", 1.5, check=False)
    assert result.returncode != 0
    assert f"{tmp_path / 'absent' / 'X.npy'}: cannot write the output into {tmp_path / 'absent'}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
