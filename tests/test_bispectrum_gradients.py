"""Exact gradients of the AniSOAP bispectrum (nu = 3): central finite differences
(positions and orientations; per centre and frame means; periodic with cutoff >
cell, open, smooth cutoff), translation and global-rotation identities, the
values equal to the feature path bit for bit, frame means equal to the averaged
per-centre gradients, the metatensor layout."""

import metatensor
import numpy as np
import pytest

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.anisoap.bispectrum import bispectrum_values
from anisoap_pipeline.anisoap.coefficients import feature_labels

from .test_anisoap_gradients import STEP, dense, make_frame, moved, turned

SPECIES = [1, 6]


def calculator(width=None, **hypers):
    """Uneven radial sizes per l (3, 2, 3, 2 functions) catch mixed-up channel widths."""
    return EllipsoidalDensityProjection(
        max_angular=3, cutoff=5.0, radial_gaussian_width=1.2, max_radial=[2, 1, 2, 1],
        cutoff_smoothing_width=width, **hypers,
    )


def gradients(calc, frames, mean, parameters=("positions", "orientations"), **options):
    return calc.compute(frames, kind="bispectrum", per_centre=not mean, gradients=parameters, species=SPECIES,
                        **options)


def features(calc, frames, mean):
    """By the feature path, in one call: frame means (n_frames, n_columns) or per
    centre (n_frames, n_centres, n_columns); frames of equal size."""
    coefficients = calc.compute_coefficients(frames, species=SPECIES)
    if mean:
        return coefficients.invariants("bispectrum", True)
    values = bispectrum_values(coefficients.flat, coefficients.num_radial, len(SPECIES))
    return values.reshape(len(frames), len(frames[0]), -1)


def finite_differences(calc, atoms, mean):
    """Central differences; layout of :func:`tests.test_anisoap_gradients.dense`."""
    out = {}
    for parameter, change in (("positions", moved), ("orientations", turned)):
        displaced = [
            change(atoms, k, axis, sign * STEP) for k in range(len(atoms)) for axis in range(3) for sign in (1, -1)
        ]
        values = features(calc, displaced, mean)
        columns = (values[0::2] - values[1::2]) / (2 * STEP)
        stacked = columns.reshape(len(atoms), 3, *columns.shape[1:])
        out[parameter] = stacked if mean else np.moveaxis(stacked, 2, 0)
    return out


@pytest.mark.parametrize(
    "mean, periodic, width, hypers",
    [
        (True, True, None, {}),  # cutoff 5 Å > cell: every periodic image
        (False, True, None, {}),
        (True, False, None, {}),
        (False, False, None, {"subtract_center_contribution": True}),
        (True, True, 1.5, {}),  # smooth cutoff
        (False, True, 1.5, {}),
    ],
)
def test_finite_differences(mean, periodic, width, hypers):
    calc = calculator(width, **hypers)
    atoms = make_frame(periodic)
    result = gradients(calc, [atoms], mean)
    reference = finite_differences(calc, atoms, mean)
    for parameter in ("positions", "orientations"):
        exact = dense(result, parameter, len(atoms))
        scale = np.abs(exact).max()
        assert scale > 1e-3
        assert np.abs(exact - reference[parameter]).max() <= 1e-6 * scale, parameter


@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("periodic", [True, False])
def test_translation_invariance(mean, periodic):
    atoms = make_frame(periodic, n=7, seed=3)
    gradient = dense(gradients(calculator(1.0), [atoms], mean, ["positions"]), "positions", len(atoms))
    total = gradient.sum(axis=0 if mean else 1)
    assert np.abs(total).max() <= 1e-10 * np.abs(gradient).max()


@pytest.mark.parametrize("mean", [True, False])
def test_global_rotation_invariance(mean):
    """Σ_k (r_k × ∂B/∂r_k + ∂B/∂θ_k) = 0 on an open frame."""
    atoms = make_frame(False, n=7, seed=4)
    result = gradients(calculator(), [atoms], mean)
    positions = dense(result, "positions", len(atoms))
    orientations = dense(result, "orientations", len(atoms))
    r = atoms.positions if mean else atoms.positions[None]
    total = (np.cross(r[..., None], positions, axis=-2) + orientations).sum(axis=0 if mean else 1)
    assert np.abs(total).max() <= 1e-10 * np.abs(orientations).max()


def test_values_are_the_feature_path_and_means_average_the_centres():
    """Values bit for bit; frame-mean gradients = per-centre ones averaged per
    centre type (several frames, one frame per chunk)."""
    frames = [make_frame(True, seed=1), make_frame(False, n=5, seed=2), make_frame(True, n=4, seed=7)]
    calc = calculator()
    mean = gradients(calc, frames, True, chunk_size=1)
    assert np.array_equal(mean.values(), calc.compute(frames, kind="bispectrum", species=SPECIES))
    per_centre = gradients(calc, frames, False, chunk_size=2)
    expected = calc.compute(frames, kind="bispectrum", per_centre=True, species=SPECIES)
    assert metatensor.equal(per_centre.values(), expected)

    c = per_centre.coefficients
    offsets = np.cumsum([0] + [len(f) for f in frames])
    types = np.searchsorted(SPECIES, c.center_type)
    counts = np.zeros((len(frames), len(SPECIES)))
    np.add.at(counts, (c.system, types), 1.0)
    for parameter in ("positions", "orientations"):
        values = per_centre.gradient(parameter)
        centre = per_centre.sample_center
        particle = offsets[c.system[centre]] + per_centre.sample_atom
        averaged = np.zeros((len(c.flat), len(SPECIES), 3, values.shape[-1]))
        weights = 1.0 / counts[c.system[centre], types[centre]]
        np.add.at(averaged, (particle, types[centre]), weights[:, None, None] * values)
        averaged = averaged.transpose(0, 2, 1, 3).reshape(len(c.flat), 3, -1)
        means = mean.gradient(parameter)
        assert means.shape == averaged.shape
        np.testing.assert_allclose(means, averaged, rtol=0, atol=1e-13 * np.abs(averaged).max())


def test_tensormap_layout():
    frames = [make_frame(True, seed=5), make_frame(False, seed=6)]
    calc = calculator()
    tensor = gradients(calc, frames, False, ["orientations"]).to_tensormap()
    block = tensor.block(center_type=6)
    gradient = block.gradient("orientations")
    assert gradient.samples.names == ["sample", "system", "atom"]
    assert [c.names for c in gradient.components] == [["xyz"]]
    assert gradient.values.shape[1:] == (3, len(block.properties))
    assert tensor.block(0).gradients_list() == ["orientations"]
    means = gradients(calc, frames, True).to_tensormap().block(0)
    types = np.unique(np.concatenate([f.numbers for f in frames]))
    assert means.properties == feature_labels(SPECIES, calc.num_radial, "bispectrum", center_types=types)
    assert means.gradient("positions").values.shape == (12, 3, len(means.properties))
