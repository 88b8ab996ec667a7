"""Perram–Wertheim contact function and the Gay-Berne sigma12."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anisoap_pipeline.contact import (
    closest_approach,
    contact_function,
    gay_berne_sigma,
    overlaps,
    shape_matrix,
)

PAPER = np.array([1.0, 1.5, 2.0])


def random_pairs(n, seed, dissimilar=True):
    """Random orientations, shapes (paper's or random) and unit directions."""
    rng = np.random.default_rng(seed)
    R1 = Rotation.random(n, rng).as_matrix()
    R2 = Rotation.random(n, rng).as_matrix()
    if dissimilar:
        a1 = rng.uniform(0.3, 3.0, size=(n, 3))
        a2 = rng.uniform(0.3, 3.0, size=(n, 3))
    else:
        a1 = a2 = np.broadcast_to(PAPER, (n, 3))
    r_hat = rng.normal(size=(n, 3))
    r_hat /= np.linalg.norm(r_hat, axis=1, keepdims=True)
    return a1, R1, a2, R2, r_hat


def test_shape_matrix_defines_the_ellipsoid():
    a1, R1, *_ = random_pairs(50, 0)
    G = shape_matrix(a1, R1)
    # the tip of each semi-axis, rotated to the lab frame, is on the surface
    for k in range(3):
        tips = a1[:, k, None] * R1[:, :, k]
        q = np.einsum("ni,ni->n", tips, np.linalg.solve(G, tips[..., None])[..., 0])
        np.testing.assert_allclose(q, 1.0, rtol=1e-12)


def test_spheres_touch_at_the_sum_of_radii():
    rng = np.random.default_rng(1)
    n = 200
    radii1, radii2 = rng.uniform(0.2, 3.0, n), rng.uniform(0.2, 3.0, n)
    G1 = radii1[:, None, None] ** 2 * np.eye(3)
    G2 = radii2[:, None, None] ** 2 * np.eye(3)
    r_hat = rng.normal(size=(n, 3))
    np.testing.assert_allclose(closest_approach(r_hat, G1, G2), radii1 + radii2, rtol=1e-12)
    # Gay-Berne's sigma12 is exact only for equal spheres
    np.testing.assert_allclose(
        gay_berne_sigma(r_hat, G1, G2), np.sqrt(2 * (radii1**2 + radii2**2)), rtol=1e-12
    )
    np.testing.assert_allclose(
        gay_berne_sigma(r_hat, G1, G1), 2 * radii1, rtol=1e-12
    )


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_parallel_identical_ellipsoids_along_a_principal_axis(axis):
    R = Rotation.random(20, np.random.default_rng(axis)).as_matrix()
    G = shape_matrix(PAPER, R)
    r_hat = R[:, :, axis]  # the body axis in the lab frame
    expected = 2 * PAPER[axis]
    np.testing.assert_allclose(closest_approach(r_hat, G, G), expected, rtol=1e-12)
    np.testing.assert_allclose(gay_berne_sigma(r_hat, G, G), expected, rtol=1e-12)
    _, lam = contact_function(r_hat, G, G, return_lambda=True)
    np.testing.assert_allclose(lam, 0.5, atol=1e-12)


def test_maximum_is_interior_and_matches_a_brute_force_scan():
    a1, R1, a2, R2, r_hat = random_pairs(12, 2)
    G1, G2 = shape_matrix(a1, R1), shape_matrix(a2, R2)
    F, lam = contact_function(r_hat, G1, G2, return_lambda=True)
    assert np.all((lam > 0.0) & (lam < 1.0))

    grid = np.linspace(0.0, 1.0, 100_001)
    M = (1 - grid[None, :, None, None]) * G1[:, None] + grid[None, :, None, None] * G2[:, None]
    rhs = np.broadcast_to(r_hat[:, None, :, None], M.shape[:-1] + (1,))
    scan = grid * (1 - grid) * np.einsum("nli,ni->nl", np.linalg.solve(M, rhs)[..., 0], r_hat)
    np.testing.assert_allclose(F, scan.max(axis=1), rtol=0, atol=1e-9)
    assert np.all(F >= scan.max(axis=1) - 1e-13)  # it is the maximum
    np.testing.assert_allclose(lam, grid[scan.argmax(axis=1)], atol=2e-5)


def test_contact_point_lies_on_both_surfaces():
    a1, R1, a2, R2, r_hat = random_pairs(100, 3)
    G1, G2 = shape_matrix(a1, R1), shape_matrix(a2, R2)
    r12 = closest_approach(r_hat, G1, G2)[:, None] * r_hat
    F, lam = contact_function(r12, G1, G2, return_lambda=True)
    np.testing.assert_allclose(F, 1.0, rtol=1e-12)
    M = (1 - lam)[:, None, None] * G1 + lam[:, None, None] * G2
    x = (1 - lam)[:, None] * np.einsum("nij,nj->ni", G1, np.linalg.solve(M, r12[..., None])[..., 0])
    for y, G in ((x, G1), (x - r12, G2)):  # relative to centre 1 and centre 2
        q = np.einsum("ni,ni->n", y, np.linalg.solve(G, y[..., None])[..., 0])
        np.testing.assert_allclose(q, 1.0, rtol=1e-9)


@pytest.mark.parametrize("dissimilar", [False, True])
def test_gay_berne_never_exceeds_the_exact_distance(dissimilar):
    a1, R1, a2, R2, r_hat = random_pairs(20_000, 4, dissimilar)
    G1, G2 = shape_matrix(a1, R1), shape_matrix(a2, R2)
    sigma_pw = closest_approach(r_hat, G1, G2)
    sigma12 = gay_berne_sigma(r_hat, G1, G2)
    # h_GB = r - sigma12 <= h_PW = r - sigma_PW
    assert np.all(sigma12 >= sigma_pw * (1 - 1e-12))
    assert np.any(sigma12 > sigma_pw + 1e-2)  # and the two really differ


def test_sigmas_depend_only_on_the_direction():
    a1, R1, a2, R2, r_hat = random_pairs(100, 5)
    G1, G2 = shape_matrix(a1, R1), shape_matrix(a2, R2)
    np.testing.assert_allclose(
        gay_berne_sigma(3.7 * r_hat, G1, G2), gay_berne_sigma(r_hat, G1, G2), rtol=1e-12
    )
    np.testing.assert_allclose(
        closest_approach(0.2 * r_hat, G1, G2), closest_approach(r_hat, G1, G2), rtol=1e-12
    )
    # F scales as |r12|^2 and is symmetric under swapping the particles
    np.testing.assert_allclose(
        contact_function(2 * r_hat, G1, G2), 4 * contact_function(-r_hat, G2, G1), rtol=1e-12
    )


def grid_overlap(a1, R1, a2, R2, r12, n=61):
    """Whether any point of a fine grid inside ellipsoid 1 lies inside ellipsoid 2."""
    u = np.linspace(-1.0, 1.0, n)
    u = np.stack(np.meshgrid(u, u, u, indexing="ij"), axis=-1).reshape(-1, 3)
    u = u[np.einsum("pi,pi->p", u, u) <= 1.0]  # unit ball -> ellipsoid 1 at the origin
    x = (R1 @ (a1 * u).T).T - r12  # relative to centre 2
    y = x @ R2 / a2  # body frame of ellipsoid 2, scaled to a unit ball
    return bool(np.any(np.einsum("pi,pi->p", y, y) <= 1.0))


def test_F_below_one_exactly_when_a_grid_finds_overlap():
    a1, R1, a2, R2, r_hat = random_pairs(12, 6)
    G1, G2 = shape_matrix(a1, R1), shape_matrix(a2, R2)
    F_hat = contact_function(r_hat, G1, G2)
    for target in (0.6, 0.8, 1.25, 2.0):  # clearly inside / outside contact
        r12 = np.sqrt(target / F_hat)[:, None] * r_hat
        F = contact_function(r12, G1, G2)
        np.testing.assert_allclose(F, target, rtol=1e-12)
        found = [grid_overlap(a1[i], R1[i], a2[i], R2[i], r12[i]) for i in range(len(F))]
        np.testing.assert_array_equal(found, F < 1.0)
        np.testing.assert_array_equal(overlaps(r12, G1, G2), F < 1.0)


def test_broadcasts_one_shape_against_many_pairs():
    a1, R1, a2, R2, r_hat = random_pairs(30, 7)
    G1, G2 = shape_matrix(a1, R1), shape_matrix(a2, R2)
    F = contact_function(r_hat, G1[0], G2)
    np.testing.assert_allclose(F[5], contact_function(r_hat[5], G1[0], G2[5]), rtol=1e-13)
    assert contact_function(r_hat[0], G1[0], G2[0]).shape == ()
