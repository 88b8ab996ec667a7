"""The AniSOAP bispectrum (nu = 3): featomic's CG path element by element,
rotation/permutation/translation invariance, the power-spectrum limit, labels."""

import itertools

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection, feature_labels
from anisoap_pipeline.anisoap.bispectrum import (
    angular_triples,
    bispectrum_columns,
    bispectrum_tasks,
    bispectrum_values,
    real_clebsch_gordan,
    zero_coupling,
)
from anisoap_pipeline.anisoap.coefficients import power_spectrum_values

from .test_anisoap_invariance import random_frame, rotate

# uneven radial sizes per l catch mixed-up channel widths
CALCULATOR = EllipsoidalDensityProjection(max_angular=3, cutoff=5.0, radial_gaussian_width=1.5, max_radial=[2, 1, 2, 1])
FRAMES = [random_frame(n=8, seed=seed, species=(1, 6)) for seed in range(2)]


@pytest.fixture(scope="module")
def coefficients():
    return CALCULATOR.compute_coefficients(FRAMES)


def per_center(frames, calculator=CALCULATOR):
    """Per-centre bispectrum rows in (system, atom) order."""
    tensor = calculator.compute_coefficients(frames).invariants("bispectrum", mean_over_samples=False)
    values = np.concatenate([b.values for b in tensor.blocks()])
    samples = np.concatenate([b.samples.values for b in tensor.blocks()])
    return values[np.lexsort((samples[:, 1], samples[:, 0]))]


def test_coupling_is_featomic_and_symmetric():
    from featomic.clebsch_gordan._coefficients import _build_dense_cg_coeff_dict

    theirs = _build_dense_cg_coeff_dict(4, np.empty(0, complex), "numpy", np.float64, "cpu")
    for key, value in theirs.items():
        np.testing.assert_allclose(real_clebsch_gordan(*key), value, rtol=0, atol=1e-14)
    # W^{l1 l2 l3} is invariant under any permutation of its (l, m) pairs: the
    # basis of the non-redundant (l, q)-sorted set
    for triple in angular_triples(4):
        w = zero_coupling(*triple)
        for p in itertools.permutations(range(3)):
            permuted = zero_coupling(*(int(triple[k]) for k in p))
            np.testing.assert_allclose(np.transpose(w, p), permuted, rtol=0, atol=1e-14)


def test_kernel_is_the_dense_contraction(coefficients):
    values = coefficients.values
    flat, num_radial, n_species = coefficients.flat, coefficients.num_radial, len(coefficients.species)
    columns = bispectrum_columns(num_radial, n_species)
    dense = np.array([
        [np.einsum("abc,a,b,c", zero_coupling(l1, l2, l3), v1[:, q1], v2[:, q2], v3[:, q3])
         for l1, l2, l3, q1, q2, q3 in columns
         for v1, v2, v3 in [(values[l1][i], values[l2][i], values[l3][i])]]
        for i in range(len(flat))
    ])
    result = bispectrum_values(flat, num_radial, n_species)
    np.testing.assert_allclose(result, dense, rtol=0, atol=1e-14 * np.abs(dense).max())


def test_matches_featomic_density_correlations(coefficients):
    """featomic's DensityCorrelations(n_correlations=2) on our coefficient TensorMap.

    Reordering: featomic's L = 0, o3_sigma = +1 block with key (l_1, l_2, k_2 =
    l_3, l_3) holds every ordered channel triple of l_1 <= l_2 <= l_3; our column
    (l1, l2, l3, q1, q2, q3) is the one whose (l, q) pairs are sorted. Every
    featomic number is compared with ours at the sorted version of its (l, q)
    pairs (so its redundant columns check the permutation symmetry too).
    Normalisation: none, both evaluate the same CG chain.
    """
    import metatensor
    from featomic.clebsch_gordan import DensityCorrelations

    max_angular = CALCULATOR.max_angular
    species = coefficients.species
    correlations = DensityCorrelations(n_correlations=2, max_angular=3 * max_angular)
    proper = metatensor.Labels(["o3_lambda", "o3_sigma"], np.array([[0, 1]], dtype=np.int32))
    theirs = correlations.compute(coefficients.to_tensormap(), selected_keys=proper)

    ours = coefficients.invariants("bispectrum", mean_over_samples=False)
    labels = feature_labels(species, coefficients.num_radial, "bispectrum", center_types=[0])
    column = {tuple(row[1:]): k for k, row in enumerate(labels.values.tolist())}
    assert len(theirs) == len(angular_triples(max_angular)) * len(ours)  # same triples, every centre type
    compared = set()
    for key, block in theirs.items():
        assert key["o3_sigma"] == 1 and key["k_2"] == key["l_3"]
        ls = [int(key["l_1"]), int(key["l_2"]), int(key["l_3"])]
        ours_block = ours.block(center_type=int(key["center_type"]))
        assert np.array_equal(ours_block.samples.values, block.samples.values)
        for p, props in enumerate(block.properties.values.tolist()):
            pairs = sorted((ls[k], species.index(props[2 * k]), props[2 * k + 1], props[2 * k]) for k in range(3))
            k = column[(*[l for l, *_ in pairs], *[x for _, _, n, a in pairs for x in (a, n)])]
            compared.add(k)
            reference = block.values[:, 0, p]
            np.testing.assert_allclose(ours_block.values[:, k], reference, rtol=1e-10, atol=1e-14 * np.abs(reference).max())
    assert compared == set(range(len(labels)))  # every one of our columns was checked


def test_rotation_permutation_translation():
    frame = FRAMES[0]
    reference = per_center([frame])
    scale = np.abs(reference).max()
    rotated = rotate(frame, Rotation.random(random_state=11))
    np.testing.assert_allclose(per_center([rotated]), reference, rtol=0, atol=1e-10 * scale)
    permutation = np.random.default_rng(3).permutation(len(frame))
    np.testing.assert_allclose(per_center([frame[permutation]]), reference[permutation], rtol=0, atol=1e-10 * scale)
    moved = frame.copy()
    moved.positions += np.array([13.3, -4.2, 7.9])
    moved.wrap()
    np.testing.assert_allclose(per_center([moved]), reference, rtol=0, atol=1e-10 * scale)
    # and it does see orientations: turning the ellipsoids alone changes it
    turned = frame.copy()
    turned.arrays["c_q"] = (Rotation.random(random_state=5) * Rotation.from_quat(frame.arrays["c_q"], scalar_first=True)).as_quat(scalar_first=True)
    assert np.abs(per_center([turned]) - reference).max() > 1e-3 * scale


def test_power_spectrum_limit(coefficients):
    """B_{q1 0, q2 l, q3 l} = c_{q1 0 0} p_{q2 q3 l}: W^{0 l l}_{0 m m'} = (-1)^l
    delta_{m m'} / sqrt(2l + 1), the power spectrum's coupling to L = 0."""
    n_species, num_radial = len(coefficients.species), coefficients.num_radial
    b = bispectrum_values(coefficients.flat, num_radial, n_species)
    p = power_spectrum_values(coefficients.flat, num_radial, n_species)
    c0 = coefficients.values[0][:, 0, :]
    columns = bispectrum_columns(num_radial, n_species)
    start, checked = 0, 0
    for l, n in enumerate(num_radial):
        width = n_species * n
        for k, (l1, l2, l3, q1, q2, q3) in enumerate(columns):
            if (l1, l2, l3) == (0, l, l):
                expected = c0[:, q1] * p[:, start + q2 * width + q3]
                np.testing.assert_allclose(b[:, k], expected, rtol=1e-12, atol=1e-15)
                checked += 1
        start += width * width
    w0, widths = n_species * num_radial[0], [n_species * n for n in num_radial[1:]]
    assert checked == w0 * (w0 + 1) * (w0 + 2) // 6 + sum(w0 * w * (w + 1) // 2 for w in widths)


def test_frame_means_labels_and_cutoff(coefficients):
    labels = feature_labels(coefficients.species, coefficients.num_radial, "bispectrum")
    means = coefficients.invariants("bispectrum")
    assert means.shape == (len(FRAMES), len(labels))
    per = coefficients.invariants("bispectrum", mean_over_samples=False)
    for t, center_type in enumerate(coefficients.species):
        block = per.block(center_type=center_type)
        width = len(block.properties)
        for system in range(len(FRAMES)):
            rows = block.values[block.samples.values[:, 0] == system]
            np.testing.assert_allclose(means[system, t * width : (t + 1) * width], rows.mean(axis=0), rtol=1e-12, atol=1e-16)
    # the same bits whatever the thread count
    import numba

    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        np.testing.assert_array_equal(coefficients.invariants("bispectrum"), means)
    finally:
        numba.set_num_threads(threads)
    # l <= angular_cutoff: exactly the matching columns of the full set
    cut = coefficients.invariants("bispectrum", mean_over_samples=False, angular_cutoff=1)
    keep = (per.block(0).properties.values[:, :3] <= 1).all(axis=1)
    np.testing.assert_array_equal(cut.block(0).properties.values, per.block(0).properties.values[keep])
    np.testing.assert_array_equal(cut.block(0).values, per.block(0).values[:, keep])


def test_group_means_are_the_per_centre_rows_added_in_order_and_divided():
    """Group means, whatever the groups' sizes (a task's 16-centre chunks then mix
    groups), are the per-centre rows added one by one in centre order, then
    divided by the group's size: bit for bit, on one and two threads. Groups:
    empty, single centres, and groups crossing chunk and task boundaries;
    centres of a group not contiguous; a centre left out (group -1)."""
    import numba

    rng = np.random.default_rng(7)
    sizes = [0, 1, 2, 17, 0, 3, 70, 1, 1, 40, 0, 9]
    groups = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    groups[np.flatnonzero(groups == 6)[0]] = -1  # one centre of the group of 70
    num_radial, n_species = (2, 1, 2, 1), 2
    width = sum((2 * l + 1) * n_species * n for l, n in enumerate(num_radial))
    flat = rng.normal(size=(len(groups), width))
    per_centre = bispectrum_values(flat, num_radial, n_species)
    sums = np.zeros((len(sizes), per_centre.shape[1]))
    np.add.at(sums, groups[groups >= 0], per_centre[groups >= 0])  # in index order, one at a time
    counts = np.bincount(groups[groups >= 0], minlength=len(sizes))
    expected = sums / np.maximum(counts, 1)[:, None]
    # group ends 0, 1, 3, 20, 20, 23, 92, 93, 94, 134, 134, 143: a task ends at the first at or after 64 k
    assert bispectrum_tasks(np.cumsum(counts)).tolist() == [0, 92, 134, 143]
    threads = numba.get_num_threads()
    try:
        for n in (1, 2):
            numba.set_num_threads(n)
            np.testing.assert_array_equal(bispectrum_values(flat, num_radial, n_species, None, groups, len(sizes)),
                                          expected)
    finally:
        numba.set_num_threads(threads)


def test_errors(coefficients):
    with pytest.raises(ValueError, match="angular_cutoff must be an integer in \\[0, max_angular = 3\\]"):
        coefficients.invariants("bispectrum", angular_cutoff=4)
    with pytest.raises(ValueError, match="applies to kind='bispectrum' only"):
        coefficients.invariants("power_spectrum", angular_cutoff=1)
    with pytest.raises(ValueError, match="kind must be one of"):
        coefficients.invariants("trispectrum")
    with pytest.raises(ValueError, match="flat coefficients must have shape"):
        bispectrum_values(coefficients.flat[:, :-1], coefficients.num_radial, 2)


@pytest.mark.slow
def test_cli_serial_and_mpi(tmp_path):
    """``featurize --kind bispectrum``: frame means (.npy) and per centre (.mts),
    the library's numbers; under ``mpiexec -n 2`` the same numbers, bit for bit."""
    import metatensor

    from anisoap_pipeline.frames import write_frames

    from .test_featurize_cli import MPIEXEC, featurize

    path = tmp_path / "frames.xyz"
    write_frames(path, FRAMES)
    hypers = ["--max-angular", "3", "--cutoff", "5.0", "--radial-gaussian-width", "1.5", "--max-radial", "2", "1", "2", "1"]
    featurize(path, tmp_path / "serial.npy", *hypers, "--kind", "bispectrum")
    featurize(path, tmp_path / "serial.mts", *hypers, "--kind", "bispectrum")
    serial = np.load(tmp_path / "serial.npy")
    expected = CALCULATOR.compute_coefficients(FRAMES).invariants("bispectrum")
    np.testing.assert_allclose(serial, expected, rtol=0, atol=1e-14 * np.abs(expected).max())
    per_centre = metatensor.load(str(tmp_path / "serial.mts"))
    assert per_centre.block(center_type=6).properties.names == feature_labels([1, 6], [2, 1, 2, 1], "bispectrum").names[1:]
    if MPIEXEC is None:
        pytest.skip("mpiexec not found")
    featurize(path, tmp_path / "mpi.npy", *hypers, "--kind", "bispectrum", ranks=2)
    featurize(path, tmp_path / "mpi.mts", *hypers, "--kind", "bispectrum", ranks=2)
    np.testing.assert_array_equal(np.load(tmp_path / "mpi.npy"), serial)
    assert metatensor.equal(metatensor.load(str(tmp_path / "mpi.mts")), per_centre)
