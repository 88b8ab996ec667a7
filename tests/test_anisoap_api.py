"""The featuriser's featomic-shaped API: one ``compute`` verb, immutable
hyperparameters, execution options as call arguments, thin conveniences."""

import pickle

import metatensor
import numpy as np
import pytest

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.anisoap.projection import KINDS

from .test_anisoap_invariance import random_frame

HYPERS = dict(max_angular=3, cutoff=5.0, radial_gaussian_width=1.5, max_radial=2)


@pytest.fixture(scope="module")
def frames():
    return [random_frame(n=6, seed=s, species=(1, 6)) for s in range(3)]


def test_hyperparameters_are_read_only():
    calculator = EllipsoidalDensityProjection(**HYPERS)
    with pytest.raises(AttributeError, match="radial_gaussian_width is a hyperparameter, fixed when"):
        calculator.radial_gaussian_width = 3.0
    with pytest.raises(AttributeError, match="no settable attribute 'show_progress'"):
        calculator.show_progress = False
    assert calculator.radial_gaussian_width == 1.5
    assert calculator.hyperparameters == {
        **HYPERS, "radial_basis": "gto", "subtract_center_contribution": False, "basis_rcond": 0.0, "basis_tol": 1e-8,
        "cutoff_smoothing_width": None,
    }
    assert repr(calculator).startswith("EllipsoidalDensityProjection(max_angular=3, cutoff=5.0,")


def test_compute_matches_the_conveniences(frames):
    calculator = EllipsoidalDensityProjection(**HYPERS)
    assert KINDS == ("coefficients", "radial_spectrum", "power_spectrum", "bispectrum")
    np.testing.assert_array_equal(calculator.compute(frames), calculator.power_spectrum(frames))
    np.testing.assert_array_equal(calculator.compute(frames, kind="radial_spectrum"), calculator.radial_spectrum(frames))
    per_centre = calculator.compute(frames, per_centre=True)
    assert metatensor.equal(per_centre, calculator.power_spectrum(frames, mean_over_samples=False))
    assert per_centre.keys.names == ["center_type"]
    assert per_centre.block(0).samples.names == ["system", "atom"]
    coefficients = calculator.compute(frames, kind="coefficients", per_centre=True)
    assert metatensor.equal(coefficients, calculator.transform(frames))
    assert coefficients.keys.names == ["o3_lambda", "o3_sigma", "center_type"]
    assert coefficients.block(0).properties.names == ["neighbor_type", "n"]
    # execution options change nothing
    np.testing.assert_array_equal(calculator.compute(frames, chunk_size=1, progress=True), calculator.compute(frames))


def test_default_chunks_are_whole_frames_up_to_a_particle_budget(frames, monkeypatch):
    from anisoap_pipeline.anisoap import batch

    calculator = EllipsoidalDensityProjection(**HYPERS)
    frames = frames + [random_frame(n=14, seed=7, species=(1, 6))] + frames[:1]  # 6, 6, 6, 14, 6 particles
    packed = calculator.validated_batch(frames)
    monkeypatch.setattr(batch, "CHUNK_PARTICLES", 10)
    # chunks of the frames starting in each window of 10 particles: 0, 6 | 12, 18 | 32
    assert packed.chunks() == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert packed.chunks(3) == [slice(0, 3), slice(3, 6)]
    np.testing.assert_array_equal(calculator.compute(frames), calculator.compute(frames, chunk_size=len(frames)))


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"kind": "trispectrum"}, ValueError, "kind must be one of 'coefficients', 'radial_spectrum', 'power_spectrum'"),
        ({"kind": "coefficients"}, ValueError, "kind='coefficients' needs per_centre=True"),
        ({"chunk_size": 0}, ValueError, "chunk_size must be an integer >= 1"),
    ],
)
def test_bad_call_options(frames, options, error, message):
    with pytest.raises(error, match=message):
        EllipsoidalDensityProjection(**HYPERS).compute(frames, **options)


def test_mpi_on_one_rank_matches_serial_and_leaves_the_calculator_alone(frames):
    from mpi4py import MPI

    from anisoap_pipeline.anisoap.mpi import distributed_coefficients

    calculator = EllipsoidalDensityProjection(**HYPERS)
    before = pickle.dumps(calculator)
    distributed = distributed_coefficients(calculator, frames, MPI.COMM_SELF, progress=True)
    np.testing.assert_array_equal(distributed.invariants("power_spectrum"), calculator.compute(frames))
    assert pickle.dumps(calculator) == before
    np.testing.assert_array_equal(calculator.compute(frames, comm=MPI.COMM_SELF), calculator.compute(frames))


def test_pickled_calculator_is_the_same(frames):
    """MPI ranks receive the calculator pickled (basis included)."""
    calculator = EllipsoidalDensityProjection(**HYPERS)
    copy = pickle.loads(pickle.dumps(calculator))
    assert copy.hyperparameters == calculator.hyperparameters
    np.testing.assert_array_equal(copy.compute(frames), calculator.compute(frames))


@pytest.mark.parametrize("threads", [1, 2])
def test_power_spectrum_frame_means_are_numpys_bit_for_bit(threads):
    """Frame means summed in the kernel (blocks of whole frames, lone large frames,
    frames of one centre, a centre type absent from a frame) are numpy's
    ``add.reduceat`` of the per-centre rows divided by the count, bit for bit."""
    import numba

    from anisoap_pipeline.anisoap.coefficients import (
        DensityCoefficients,
        power_spectrum_values,
    )

    rng = np.random.default_rng(0)
    sizes = [1, 2, 8, 9, 0, 70, 3, 200, 1]
    num_radial = (3, 2, 2)
    flat = rng.normal(size=(sum(sizes), 2 * (3 + 3 * 2 + 5 * 2)))
    system = np.repeat(np.arange(len(sizes)), sizes)
    center_type = np.where(rng.random(len(system)) < 0.7, 1, 6)
    center_type[system == 2] = 1  # frame 2 has no centre of type 6
    coefficients = DensityCoefficients(flat, system, np.zeros_like(system), center_type, (1, 6), num_radial, len(sizes))
    per_centre = power_spectrum_values(flat, num_radial, 2)
    expected = np.zeros((len(sizes), 2, per_centre.shape[1]))
    for t, centre in enumerate((1, 6)):
        for frame in range(len(sizes)):
            rows = per_centre[(system == frame) & (center_type == centre)]
            if len(rows):
                expected[frame, t] = np.add.reduceat(rows, [0], axis=0)[0] / len(rows)
    default = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        means = coefficients.invariants("power_spectrum", center_types=[1, 6])
    finally:
        numba.set_num_threads(default)
    np.testing.assert_array_equal(means, expected.reshape(len(sizes), -1))
