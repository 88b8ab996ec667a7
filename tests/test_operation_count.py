"""The featuriser's flop count: a closed-form case, the kernels' own sizes, determinism, monotonicity."""

import numpy as np
import pytest
from ase import Atoms

from anisoap_pipeline.studies.sweep.analysis import FRAME_OVERHEAD, featurisation_cost
from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
from anisoap_pipeline.anisoap.operation_count import PAIR_SETUP, TERMS, operation_count

from .test_sweep import ellipsoid_frames


def calculator(max_angular=2, max_radial=2, **extra):
    return EllipsoidalDensityProjection(max_angular=max_angular, cutoff=5.0, max_radial=max_radial,
                                        radial_gaussian_width=2.0, **extra)


def test_one_lonely_particle_by_hand():
    """One particle, its self pair only, l = n = 0: every term written out."""
    atoms = Atoms("H", positions=[[0.0, 0.0, 0.0]])
    atoms.arrays["c_q"] = np.array([[1.0, 0.0, 0.0, 0.0]])
    for i, diameter in enumerate((1.0, 1.5, 3.0), 1):
        atoms.arrays[f"c_diameter{i}"] = np.array([diameter])
    count = operation_count(calculator(0, 0), [atoms], "radial_spectrum")
    # D = 0, M = 1 moment: the pair Gaussian + 1 add; T has 1 entry, Löwdin 1 x 1; 1 feature to average
    assert count["terms"] == {"neighbour_search": 0, "pair_moments": PAIR_SETUP + 1, "contraction": 2 * (1 + 1),
                              "invariants": 0, "frame_means": 1}
    assert count["total"] == PAIR_SETUP + 6 and count["n_pairs"] == 1 and count["n_monomials"] == 1


@pytest.mark.parametrize("kind", ["radial_spectrum", "power_spectrum", "bispectrum"])
def test_sizes_are_the_kernels_own(kind):
    frames = ellipsoid_frames(6)
    calc = calculator(2, 1)
    count = operation_count(calc, frames, kind)
    batch = calc.validated_batch(frames)
    pairs = calc._pairs(batch, np.unique(batch.numbers))
    assert count["n_pairs"] == len(pairs["neighbors"]) and count["n_centres"] == len(batch.numbers)
    assert count["n_monomials"] == calc._basis[0].shape[0]  # rows of the moment recurrence
    n_features = calc.compute(frames, kind=kind).shape[1]  # one centre type
    if kind == "bispectrum":  # one divide per feature and frame
        assert count["terms"]["frame_means"] == len(frames) * n_features
    else:  # one add or divide per feature and centre
        assert count["terms"]["frame_means"] == count["n_centres"] * n_features
    assert set(count["terms"]) == set(TERMS) and count["total"] == sum(count["terms"].values())


def test_deterministic_and_independent_of_threads():
    import numba

    frames = ellipsoid_frames(5)
    first = featurisation_cost(calculator(), frames, "bispectrum")
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        assert featurisation_cost(calculator(), frames, "bispectrum") == first
    finally:
        numba.set_num_threads(threads)
    assert first["flop"] + FRAME_OVERHEAD * len(frames) == pytest.approx(1e3 * first["kflop_per_frame"] * len(frames))


def test_monotone_in_max_angular_max_radial_and_correlation_order():
    frames = ellipsoid_frames(5)
    kinds = ("radial_spectrum", "power_spectrum", "bispectrum")

    def cost(kind, l, n):
        return featurisation_cost(calculator(l, n), frames, kind)["kflop_per_centre"]

    for kind in kinds[1:]:
        assert [cost(kind, l, 2) for l in range(5)] == sorted({cost(kind, l, 2) for l in range(5)})
        assert [cost(kind, 3, n) for n in range(4)] == sorted({cost(kind, 3, n) for n in range(4)})
    assert [cost("radial_spectrum", 0, n) for n in range(4)] == sorted({cost("radial_spectrum", 0, n) for n in range(4)})
    for l, n in ((1, 1), (2, 2), (4, 3)):
        assert cost(kinds[0], l, n) < cost(kinds[1], l, n) < cost(kinds[2], l, n)


def test_pairs_count_with_the_cutoff_and_the_self_pair():
    frames = ellipsoid_frames(5)
    small, large = (operation_count(EllipsoidalDensityProjection(max_angular=1, cutoff=c, max_radial=1,
                                                                 radial_gaussian_width=2.0), frames)
                    for c in (2.0, 8.0))
    assert small["n_pairs"] < large["n_pairs"] and small["total"] < large["total"]
    without_self = operation_count(calculator(subtract_center_contribution=True), frames)
    assert calculator().cutoff == 5.0
    assert operation_count(calculator(), frames)["n_pairs"] - without_self["n_pairs"] == without_self["n_centres"]


def test_bad_kind_is_named():
    with pytest.raises(ValueError, match="kind must be one of"):
        operation_count(calculator(), ellipsoid_frames(1), "trispectrum")
    with pytest.raises(ValueError, match="per_centre=True"):
        operation_count(calculator(), ellipsoid_frames(1), "coefficients")
