"""A reminder to bump a step's ``numerics`` (its :class:`~anisoap_pipeline.steps.Step` record) when its numbers change.

Job ids hash the state point, which holds each step's numerics version: after
an output-changing edit, bumping the step's version is what makes its jobs
(and everything downstream) rerun. Each fingerprint below is a few weighted
sums of a step's output on a small fixed input, recorded with the version it
belongs to. When the numbers move, this test fails and says which entry to
bump; then record the new fingerprint with the new version.
"""

import numpy as np
import pytest

from anisoap_pipeline.steps import registry

#: step -> (numerics version, fingerprint of its output on the input below).
FINGERPRINTS = {
    # version 2: one random generator per dimer (shards); the featurisation's input moved with it
    "dimers_shard": (2, [10.222735927510914, 15.535543050496035, -0.6249544558186265]),
    "featurize": (1, [0.0766348522000275, 0.0008912179959154636, -0.03002509296979599]),
}


def fingerprint(values):
    """Sum, sum of squares and a fixed pseudo-random projection of an array."""
    values = np.asarray(values, dtype=float).ravel()
    weights = np.random.default_rng(12345).uniform(-1, 1, values.size)
    return [float(values.sum()), float((values**2).sum()), float(weights @ values)]


def dimers():
    from anisoap_pipeline.studies.gay_berne.data import sample_dimers

    return sample_dimers(8, seed=3, h_min=-0.05, h_max=1.5)


def outputs(step):
    """The step's library output on the fixed input, as one array."""
    frames = dimers()
    if step == "dimers_shard":
        return [[atoms.info[key] for key in ("energy", "h12_gb", "h12_pw")] for atoms in frames]
    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

    calculator = EllipsoidalDensityProjection(max_angular=3, cutoff=7.0, radial_gaussian_width=3.0, max_radial=2)
    return calculator.power_spectrum(frames, mean_over_samples=True)


@pytest.mark.parametrize("step", sorted(FINGERPRINTS))
def test_numbers_match_the_recorded_numerics_version(step):
    version, recorded = FINGERPRINTS[step]
    ours = fingerprint(outputs(step))
    record = registry()[step]
    where = record.handler.__module__.replace(".", "/") + ".py"  # the file that declares the Step record
    assert record.numerics == version, (
        f"step {step!r} has numerics={record.numerics} in its Step record ({where}): record its fingerprint "
        f"{ours} in FINGERPRINTS with that version")
    assert np.allclose(ours, recorded, rtol=1e-8, atol=1e-12), (
        f"the numbers of step {step!r} changed (fingerprint {ours}, recorded {recorded} at version "
        f"{version}): bump numerics= in the Step record of {step!r} ({where}) so its jobs rerun, and "
        "record the new fingerprint here with the new version")
