"""Nematic, Steinhardt and layer order parameters of ellipsoid frames."""

import numpy as np
import pytest
from ase import Atoms
from scipy.spatial.transform import Rotation
from scipy.special import sph_harm_y

from anisoap_pipeline.studies.liquid_crystals.order_parameters import layer_order, long_axes, nematic_order, steinhardt


def frame(positions, cell=None, quaternions=None, info=None):
    """Ellipsoid frame of (1, 1, 3) spheroids; periodic iff a cell is given."""
    positions = np.asarray(positions, dtype=float)
    n = len(positions)
    atoms = Atoms(numbers=np.ones(n, int), positions=positions, cell=cell, pbc=cell is not None)
    q = np.tile([1.0, 0, 0, 0], (n, 1)) if quaternions is None else quaternions
    atoms.new_array("c_q", np.asarray(q, dtype=float))
    for k, d in enumerate((1.0, 1.0, 3.0)):
        atoms.new_array(f"c_diameter[{k + 1}]", np.full(n, d))
    atoms.info.update(info or {})
    return atoms


def lattice(basis, repeats, rotation=np.eye(3)):
    """A cubic lattice (unit cube, fractional basis) in a periodic cell, rigidly rotated."""
    grid = np.stack(np.meshgrid(*[np.arange(repeats)] * 3, indexing="ij"), -1).reshape(-1, 1, 3)
    positions = (grid + np.asarray(basis)[None]).reshape(-1, 3)
    return frame(positions @ rotation.T, cell=repeats * rotation.T)


def reference_ql(atoms, cutoff, l_values, weighted):
    """Eqs. 18-19 by brute force (minimum image), with the documented weights."""
    positions = atoms.positions
    r = positions[None] - positions[:, None]
    if atoms.pbc.all():
        fractional = r @ np.linalg.inv(atoms.cell.array)
        r = (fractional - np.round(fractional)) @ atoms.cell.array
    d = np.linalg.norm(r, axis=-1)
    q = np.full((len(atoms), len(l_values)), np.nan)
    for i in range(len(atoms)):
        j = np.flatnonzero((d[i] < cutoff) & (d[i] > 0))
        if j.size == 0:
            continue
        w = 0.5 * (1 + np.cos(np.pi * d[i, j] / cutoff)) if weighted else np.ones(j.size)
        theta = np.arccos(np.clip(r[i, j, 2] / d[i, j], -1, 1))
        phi = np.arctan2(r[i, j, 1], r[i, j, 0])
        for k, l in enumerate(l_values):
            qlm = [np.sum(w * sph_harm_y(l, m, theta, phi)) / w.sum() for m in range(-l, l + 1)]
            q[i, k] = np.sqrt(4 * np.pi / (2 * l + 1) * np.sum(np.abs(qlm) ** 2))
    return np.nanmean(q, axis=0)


SC = [[0, 0, 0]]
FCC = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]


# --- Steinhardt --------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_simple_cubic_first_shell(weighted):
    q = steinhardt(lattice(SC, 4), cutoff=1.2, weighted=weighted)
    assert q.shape == (1, 7)
    # six neighbours on the axes: q4 = sqrt(7/12), q6 = sqrt(1/8), odd l vanish
    expected = [1.0, 0.0, 0.0, 0.0, np.sqrt(7 / 12), 0.0, np.sqrt(1 / 8)]
    np.testing.assert_allclose(q[0], expected, atol=1e-5)
    np.testing.assert_allclose(q[0, [4, 6]], [0.76376, 0.35355], atol=1e-4)


def test_fcc_first_shell():
    q = steinhardt(lattice(FCC, 3), cutoff=0.85, l_values=[4, 6], weighted=False)
    np.testing.assert_allclose(q[0], [0.19094, 0.57452], atol=1e-4)


def test_distance_weights_match_definition():
    rng = np.random.default_rng(0)
    # two shells of the sc lattice, plus a disordered periodic liquid
    sc = lattice(SC, 4)
    liquid = frame(rng.uniform(0, 6, (40, 3)), cell=np.diag([6.0, 6.5, 7.0]))
    for atoms, cutoff in [(sc, 1.5), (liquid, 2.5)]:
        for weighted in (False, True):
            ours = steinhardt(atoms, cutoff, weighted=weighted)[0]
            np.testing.assert_allclose(ours, reference_ql(atoms, cutoff, range(7), weighted), atol=2e-5)
    assert not np.allclose(steinhardt(sc, 1.5, weighted=True), steinhardt(sc, 1.5, weighted=False))


def test_non_periodic_cluster():
    rng = np.random.default_rng(1)
    cluster = frame(rng.normal(scale=1.5, size=(30, 3)))
    np.testing.assert_allclose(
        steinhardt(cluster, 2.0)[0], reference_ql(cluster, 2.0, range(7), True), atol=2e-5
    )


def test_rotation_and_cell_invariance():
    rng = np.random.default_rng(2)
    rotation = Rotation.random(rng=rng).as_matrix()
    np.testing.assert_allclose(
        steinhardt(lattice(SC, 4, rotation), 1.2), steinhardt(lattice(SC, 4), 1.2), atol=1e-5
    )
    # a disordered frame: rigid rotation, translation, permutation, and a sheared
    # but equivalent cell (c' = c + a) leave every q_l unchanged
    cell = np.array([[6.0, 0, 0], [1.0, 6.5, 0], [0.5, 0.8, 7.0]])
    positions = rng.uniform(0, 1, (50, 3)) @ cell
    atoms = frame(positions, cell=cell)
    moved = frame(
        ((positions + [0.3, -1.2, 2.0]) @ rotation.T)[rng.permutation(50)],
        cell=(cell + [[0, 0, 0], [0, 0, 0], cell[0]]) @ rotation.T,
    )
    frames = [atoms, moved]
    q = steinhardt(frames, 2.0)
    assert q.shape == (2, 7)
    np.testing.assert_allclose(q[1], q[0], atol=1e-5)


def test_steinhardt_cutoff_beyond_half_the_cell():
    """Every periodic image within the cutoff counts: the same q_l as in a supercell."""
    rng = np.random.default_rng(8)
    cell = np.array([[6.0, 0, 0], [1.0, 6.5, 0], [0.5, 0.8, 7.0]])
    atoms = frame(rng.uniform(0, 1, (40, 3)) @ cell, cell=cell)
    big = atoms.repeat((3, 3, 3))  # half-width above the cutoff: freud's minimum image suffices
    for cutoff in (4.0, 8.0):
        np.testing.assert_allclose(steinhardt(atoms, cutoff), steinhardt(big, cutoff), atol=2e-6)
    # the simple cubic lattice (spacing 1) in a 2 x 2 x 2 cell: each neighbour is an image
    np.testing.assert_allclose(steinhardt(lattice(SC, 2), 1.2, weighted=False),
                               steinhardt(lattice(SC, 4), 1.2, weighted=False), atol=1e-6)
    with pytest.raises(ValueError, match="smaller cutoff"):
        steinhardt(atoms, 2000.0)


def test_steinhardt_bad_input():
    sc = lattice(SC, 4)
    with pytest.raises(ValueError, match="no particle has a neighbour"):
        steinhardt(sc, 0.5)
    with pytest.raises(ValueError, match="cutoff must be positive"):
        steinhardt(sc, 0.0)
    with pytest.raises(ValueError, match="l_values"):
        steinhardt(sc, 1.2, l_values=[])


# --- nematic order -----------------------------------------------------------


def test_nematic_order():
    rng = np.random.default_rng(3)
    positions = rng.uniform(0, 8, (200, 3))
    aligned = frame(positions, np.diag([8.0] * 3))
    # long axes along x, each spun randomly about it, half of them flipped
    to_x = Rotation.from_rotvec([0, np.pi / 2, 0])
    spins = Rotation.from_rotvec(np.column_stack([np.zeros((200, 2)), rng.uniform(0, 6, 200)]))
    flips = Rotation.from_rotvec(np.outer(rng.integers(0, 2, 200) * np.pi, [1.0, 0, 0]))
    along_x = frame(positions, np.diag([8.0] * 3), (flips * to_x * spins).as_quat(scalar_first=True))
    random = frame(positions, np.diag([8.0] * 3), Rotation.random(200, rng).as_quat(scalar_first=True))
    S = nematic_order([aligned, along_x, random])
    assert S.shape == (3,)
    np.testing.assert_allclose(S[:2], 1.0, atol=1e-6)
    np.testing.assert_allclose(np.abs(long_axes(along_x)[:, 0]), 1.0, atol=1e-12)
    # random orientations: the largest eigenvalue of the Q tensor, ~N^-1/2
    u = long_axes(random)
    Q = 1.5 * (u.T @ u) / len(u) - 0.5 * np.eye(3)
    assert S[2] == pytest.approx(np.linalg.eigvalsh(Q).max(), abs=1e-5)
    assert 0 < S[2] < 3 / np.sqrt(200)


def test_order_parameters_do_not_depend_on_threads():
    """Bitwise the same S and q_l whatever freud's thread count."""
    import freud

    rng = np.random.default_rng(5)
    n = 5000
    tilt = Rotation.from_rotvec(rng.normal(scale=0.5, size=(n, 3)))
    atoms = frame(rng.uniform(0, 20, (n, 3)), np.diag([20.0] * 3), tilt.as_quat(scalar_first=True))
    u = long_axes(atoms)

    def freud_S(threads):
        freud.parallel.set_num_threads(threads)
        nematic = freud.order.Nematic()
        nematic.compute(u)
        return nematic.order

    before = freud.parallel.get_num_threads()
    try:
        # freud alone changes S in the last bits with the thread count
        # (float32 parallel reduction), so this frame tells the counts apart
        single = freud_S(1)
        assert any(freud_S(threads) != single for threads in (2, 4, 2, 4))
        q_single = steinhardt(atoms, 2.0)
        for global_threads in (1, 2, 3, 4):
            freud.parallel.set_num_threads(global_threads)
            assert nematic_order(atoms)[0] == single  # bitwise
            assert freud.parallel.get_num_threads() == global_threads  # restored
            for threads in (1, 2, 4):
                assert steinhardt(atoms, 2.0, num_threads=threads).tobytes() == q_single.tobytes()
            assert freud.parallel.get_num_threads() == global_threads
    finally:
        freud.parallel.set_num_threads(before)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="num_threads"):
            steinhardt(atoms, 2.0, num_threads=bad)


# --- layer order -------------------------------------------------------------


def layered(spacing, jitter, n_layers=4, n=400, seed=4, normal=2):
    rng = np.random.default_rng(seed)
    side = 10.0
    positions = rng.uniform(0, side, (n, 3))
    positions[:, normal] = (rng.integers(0, n_layers, n) + 0.5 + jitter * rng.normal(size=n)) * spacing
    cell = np.full(3, side)
    cell[normal] = n_layers * spacing
    return frame(positions, np.diag(cell))


def test_layer_order():
    d = 3.2
    exact, jittered = layered(d, 0.0), layered(d, 0.1, n=4000)
    no_layers = frame(np.random.default_rng(5).uniform(0, 12.8, (400, 3)), np.diag([12.8] * 3))
    order = layer_order([exact, jittered, no_layers], d, director=[0, 0, 1])
    assert order[0] == pytest.approx(1.0)
    assert order[1] == pytest.approx(np.exp(-2 * np.pi**2 * 0.1**2), abs=0.03)
    assert order[2] < 0.15
    # a scan over candidate spacings finds the layers even from a rough guess
    assert layer_order(exact, 1.3 * d, director=[0, 0, 1])[0] < 0.5
    scan = d * np.linspace(0.9, 1.3, 41)
    assert layer_order(exact, scan, director=[0, 0, 1])[0] == pytest.approx(1.0)


def test_layer_order_director():
    d = 3.0
    along_x = layered(d, 0.05, normal=0)
    assert layer_order(along_x, d, director=[0, 0, 1])[0] < 0.2
    assert layer_order(along_x, d, director=[2, 0, 0])[0] > 0.8
    along_x.info["director"] = np.array([1.0, 0, 0])  # default: the frame's director
    assert layer_order(along_x, d)[0] > 0.8
    # without info: the nematic director of the long axes (here all along body z = lab z)
    assert layer_order(layered(d, 0.05), d)[0] > 0.8


def test_layer_order_bad_input():
    with pytest.raises(ValueError, match="spacing"):
        layer_order(layered(3.0, 0.0), 0.0)
    with pytest.raises(ValueError, match="director"):
        layer_order(layered(3.0, 0.0), 3.0, director=[0, 0, 0])
