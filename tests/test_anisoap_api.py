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
