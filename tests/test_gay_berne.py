"""Biaxial Gay-Berne potential (paper Eqs. 21–26, B1–B6) and the dimer sampler."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.contact import contact_function, shape_matrix
from anisoap_pipeline.studies.gay_berne.data import (
    DEFAULT_CUTOFF,
    PAPER_SEMIAXES,
    curvature_well_depths,
    gay_berne,
    gay_berne_forces,
    sample_dimers,
)

H_WELL = 2 ** (1 / 6) - 1  # minimum of U_r for gamma = 1: rho = 2^(-1/6)


def random_dimers(n, seed):
    rng = np.random.default_rng(seed)
    R1 = Rotation.random(n, rng).as_matrix()
    R2 = Rotation.random(n, rng).as_matrix()
    r12 = rng.normal(size=(n, 3))
    r12 *= rng.uniform(3.5, 6.5, size=(n, 1)) / np.linalg.norm(r12, axis=1, keepdims=True)
    return r12, R1, R2


# dissimilar particles with explicit well depths and mu, nu != 1 exercise every term
GENERAL = dict(
    semiaxes1=(1.0, 1.5, 2.0),
    semiaxes2=(0.8, 1.2, 2.5),
    well_depths1=(1.0, 0.7, 0.3),
    well_depths2=(0.9, 1.3, 0.5),
    mu=2.0,
    nu=1.5,
    gamma=0.9,
    epsilon=1.3,
    sigma=1.1,
    cutoff=np.inf,
)


def test_curvature_well_depths_follow_eq_b6_as_written():
    e = curvature_well_depths(PAPER_SEMIAXES)
    np.testing.assert_allclose(e, [3.0, 4.0 / 3.0, 0.75])  # E = diag(1/3, 3/4, 4/3)
    np.testing.assert_allclose(curvature_well_depths(PAPER_SEMIAXES, sigma=2.0), e / 2)
    with pytest.raises(ValueError, match="mu = 1"):
        gay_berne(np.ones((1, 3)), np.eye(3), np.eye(3), mu=2.0)


@pytest.mark.parametrize("params", [{}, GENERAL], ids=["paper", "general"])
def test_invariant_under_joint_rotation(params):
    r12, R1, R2 = random_dimers(500, 0)
    Q = Rotation.random(500, np.random.default_rng(1)).as_matrix()
    U = gay_berne(r12, R1, R2, **params)
    U_rot = gay_berne(np.einsum("nij,nj->ni", Q, r12), Q @ R1, Q @ R2, **params)
    np.testing.assert_allclose(U_rot, U, rtol=1e-10, atol=1e-13)
    assert np.ptp(U) > 0.1  # not trivially constant


@pytest.mark.parametrize("params", [{}, GENERAL], ids=["paper", "general"])
def test_invariant_under_swapping_the_particles(params):
    r12, R1, R2 = random_dimers(500, 2)
    swapped = dict(params)
    for key in ("semiaxes", "well_depths"):
        if key + "1" in params:
            swapped[key + "1"], swapped[key + "2"] = params[key + "2"], params[key + "1"]
    U = gay_berne(r12, R1, R2, **params)
    np.testing.assert_allclose(gay_berne(-r12, R2, R1, **swapped), U, rtol=1e-12, atol=1e-15)


def test_depends_on_the_rotation_convention():
    # A = R^T (lab -> body) must not be interchangeable with R (body -> lab)
    r12, R1, R2 = random_dimers(200, 3)
    U = gay_berne(r12, R1, R2)
    U_wrong = gay_berne(r12, R1.transpose(0, 2, 1), R2.transpose(0, 2, 1))
    assert np.max(np.abs(U - U_wrong)) > 1e-2


def test_zero_beyond_the_cutoff():
    r12, R1, R2 = random_dimers(300, 4)
    r_hat = r12 / np.linalg.norm(r12, axis=1, keepdims=True)
    for r in (DEFAULT_CUTOFF * (1 + 1e-12), 8.0, 50.0):
        assert np.all(gay_berne(r * r_hat, R1, R2) == 0.0)
    on_cutoff = np.array([[DEFAULT_CUTOFF, 0.0, 0.0]])  # |r12| exactly the cutoff
    assert gay_berne(on_cutoff, R1[:1], R2[:1])[0] == 0.0
    assert np.all(gay_berne((DEFAULT_CUTOFF - 1e-9) * r_hat, R1, R2) < 0.0)
    assert np.all(gay_berne(5.0 * r_hat, R1, R2, cutoff=4.0) == 0.0)


def test_spheres_reduce_to_the_shifted_lennard_jones():
    r = np.linspace(1.95, 5.0, 50)
    r12 = r[:, None] * np.array([0.6, 0.0, 0.8])
    terms = gay_berne(r12, np.eye(3), np.eye(3), semiaxes1=(1.0, 1.0, 1.0), return_terms=True)
    np.testing.assert_allclose(terms["eta12"], 1.0)
    np.testing.assert_allclose(terms["chi12"], 1.0)
    rho = 1.0 / (r - 2.0 + 1.0)
    np.testing.assert_allclose(terms["energy"], 4 * (rho**12 - rho**6), rtol=1e-12)


@pytest.mark.parametrize("gamma, sigma", [(1.0, 1.0), (0.8, 1.3)])
def test_parallel_wells_depths_and_positions(gamma, sigma):
    """Face-to-face (along a), side-by-side (b), end-to-end (c) for parallel ellipsoids.

    Along a fixed direction eta12 and chi12 are constant and sigma12 = 2 a_k, so
    U(r) = eta12 chi12 U_r(r - 2 a_k), minimal where rho = 2^(-1/6), i.e. at
    h12 = (2^(1/6) - gamma) sigma_GB, with depth -eps eta12 e_k.
    """
    a, b, c = PAPER_SEMIAXES
    eta = ((a * b + c * c) ** 2 * a * b / (4 * a * a * b * b * c * c)) ** 0.5  # B1, B2
    e = curvature_well_depths(PAPER_SEMIAXES, sigma)
    h_star = (2 ** (1 / 6) - gamma) * sigma
    R = Rotation.random(random_state=5).as_matrix()  # any common orientation
    depths = []
    for k in range(3):
        r = 2 * PAPER_SEMIAXES[k] + np.linspace(h_star - 0.3, h_star + 1.5, 180_001)
        terms = gay_berne(
            r[:, None] * R[:, k], R, R, gamma=gamma, sigma=sigma, return_terms=True
        )
        np.testing.assert_allclose(terms["h12_gb"], r - 2 * PAPER_SEMIAXES[k], atol=1e-12)
        i = np.argmin(terms["energy"])
        assert 0 < i < r.size - 1
        np.testing.assert_allclose(terms["h12_gb"][i], h_star, atol=2e-5)
        np.testing.assert_allclose(terms["energy"][i], -eta * e[k], rtol=1e-9)
        depths.append(terms["energy"][i])
    face, side, end = depths
    assert face < side < end < 0  # deepest on the broad faces, shallowest end to end


def test_sampler_is_seeded():
    a, b = sample_dimers(20, seed=7), sample_dimers(20, seed=7)
    c = sample_dimers(20, seed=8)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.positions, y.positions)
        np.testing.assert_array_equal(x.arrays["c_q"], y.arrays["c_q"])
        assert x.info == y.info
    assert not np.allclose(a[0].positions, c[0].positions)


def test_sampler_frames_follow_the_convention_and_labels():
    h_min = -0.1
    frames = sample_dimers(400, seed=3, h_min=h_min)
    assert len(frames) == 400
    for atoms in frames:
        assert len(atoms) == 2 and not atoms.pbc.any()
        np.testing.assert_array_equal(atoms.numbers, [1, 1])
        np.testing.assert_allclose(atoms.positions.sum(axis=0), 0.0, atol=1e-12)
        q = atoms.arrays["c_q"]
        assert q.shape == (2, 4)
        np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, rtol=1e-12)
        for k, d in enumerate((2.0, 3.0, 4.0)):
            np.testing.assert_array_equal(atoms.arrays[f"c_diameter[{k + 1}]"], [d, d])
        assert {"energy", "h12_gb", "h12_pw"} <= set(atoms.info)

    energy = np.array([f.info["energy"] for f in frames])
    h_gb = np.array([f.info["h12_gb"] for f in frames])
    h_pw = np.array([f.info["h12_pw"] for f in frames])
    assert np.all(np.isfinite(energy))
    assert np.all(h_gb <= h_pw + 1e-12)
    assert np.all(h_gb >= h_min - 1e-12)
    assert energy.min() < -1.0 and energy.max() > 1.0  # the well and the wall

    # the labels are those of the stored frames: c_q is w, x, y, z, body -> lab
    pos = np.array([f.positions for f in frames])
    q = np.array([f.arrays["c_q"] for f in frames])
    R = Rotation.from_quat(q.reshape(-1, 4)[:, [1, 2, 3, 0]]).as_matrix().reshape(-1, 2, 3, 3)
    r12 = pos[:, 1] - pos[:, 0]
    assert np.all(np.linalg.norm(r12, axis=1) < DEFAULT_CUTOFF)
    np.testing.assert_allclose(gay_berne(r12, R[:, 0], R[:, 1]), energy, rtol=1e-10, atol=1e-14)
    r = np.linalg.norm(r12, axis=1)
    G1, G2 = shape_matrix(PAPER_SEMIAXES, R[:, 0]), shape_matrix(PAPER_SEMIAXES, R[:, 1])
    touching = (r - h_pw)[:, None] * r12 / r[:, None]  # translated to h12_pw = 0
    np.testing.assert_allclose(contact_function(touching, G1, G2), 1.0, rtol=1e-10)


# --- forces and torques --------------------------------------------------------


@pytest.mark.parametrize("params", [{}, GENERAL], ids=["paper", "general"])
def test_forces_and_torques_match_central_differences(params):
    r12, R1, R2 = random_dimers(40, 7)
    out = gay_berne_forces(r12, R1, R2, **params)
    np.testing.assert_array_equal(out["energy"], gay_berne(r12, R1, R2, **params))
    delta = 1e-5

    def difference(plus, minus):
        return (gay_berne(*plus, **params) - gay_berne(*minus, **params)) / (2 * delta)

    for k in range(3):
        step = np.zeros(3)
        step[k] = delta
        turn = Rotation.from_rotvec(step).as_matrix()
        back = turn.T
        expected = {
            "force2": -difference((r12 + step, R1, R2), (r12 - step, R1, R2)),
            "torque1": -difference((r12, turn @ R1, R2), (r12, back @ R1, R2)),
            "torque2": -difference((r12, R1, turn @ R2), (r12, R1, back @ R2)),
        }
        for key, value in expected.items():
            scale = np.abs(out[key]).max()
            assert np.abs(out[key][:, k] - value).max() <= 1e-6 * scale, (key, k)
    np.testing.assert_array_equal(out["force1"], -out["force2"])


@pytest.mark.parametrize("params", [{}, GENERAL], ids=["paper", "general"])
def test_total_force_and_torque_vanish(params):
    """Invariance under joint translations and rotations: tau1 + tau2 + r12 x F2 = 0."""
    r12, R1, R2 = random_dimers(40, 8)
    out = gay_berne_forces(r12, R1, R2, **params)
    total = out["torque1"] + out["torque2"] + np.cross(r12, out["force2"])
    scale = np.abs(out["torque1"]).max() + np.abs(out["force2"]).max()
    assert np.abs(total).max() <= 1e-10 * scale


def test_forces_vanish_beyond_the_cutoff_and_along_symmetry_axes():
    R = np.eye(3)[None]
    out = gay_berne_forces([[0.0, 0.0, 8.0]], R, R)
    for key in ("force2", "torque1", "torque2"):
        np.testing.assert_array_equal(out[key], 0.0)
    # identical parallel particles approaching along a body axis: central force, no torque
    out = gay_berne_forces([[0.0, 0.0, 4.5]], R, R)
    np.testing.assert_allclose(out["force2"][0, :2], 0.0, atol=1e-14)
    np.testing.assert_allclose(out["torque1"], 0.0, atol=1e-14)
    assert out["force2"][0, 2] != 0.0
    with pytest.raises(ValueError, match="return_terms"):
        gay_berne_forces([[0.0, 0.0, 4.5]], R, R, return_terms=True)


def test_sampler_labels_forces_and_torques(tmp_path):
    import ase.io

    frames = sample_dimers(5, seed=3, forces=True)
    plain = sample_dimers(5, seed=3)
    path = tmp_path / "dimers.xyz"
    ase.io.write(path, frames)
    for atoms, same, read in zip(frames, plain, ase.io.read(path, ":")):
        assert "force" not in same.arrays and same.info == atoms.info
        R = Rotation.from_quat(atoms.get_array("c_q"), scalar_first=True).as_matrix()
        r12 = atoms.positions[1] - atoms.positions[0]
        out = gay_berne_forces(r12[None], R[:1], R[1:])
        np.testing.assert_allclose(atoms.get_array("force"), [out["force1"][0], out["force2"][0]],
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(atoms.get_array("torque"), [out["torque1"][0], out["torque2"][0]],
                                   rtol=1e-9, atol=1e-12)
        # the array keeps its name through extxyz (ASE writes 8 decimals by default)
        np.testing.assert_allclose(read.get_array("force"), atoms.get_array("force"), atol=1e-8)
