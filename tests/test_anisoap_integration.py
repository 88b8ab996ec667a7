"""Density coefficients against direct numerical integration of the paper's Eq. (1).

<nlm|rho_ij> = ∫ g_j(r - r_ij) R_nl(r) Y_l^m(r_hat) d³r, with g_j the unit-mass
anisotropic Gaussian of neighbour j, R_nl = r^{l+2n} exp(-r²/2σ²), real
spherical harmonics (no Condon-Shortley phase), then Löwdin-orthonormalised with
an overlap matrix also integrated numerically. Everything here is independent of
the package's moments, solid harmonics and closed-form overlaps.
"""

import ase
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import sph_harm_y
from scipy.spatial.transform import Rotation

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

SIGMA = 1.5


def real_harmonic(l, m, theta, phi):
    """Real Y_l^m as anisoap defines it: sqrt2 Re/Im of Y_l^|m| without (-1)^m."""
    y = sph_harm_y(l, abs(m), theta, phi) * (-1) ** abs(m)
    if m > 0:
        return np.sqrt(2) * y.real
    if m < 0:
        return np.sqrt(2) * y.imag
    return y.real


def lowdin(l, n_radial):
    """W = D^{-1/2} (D^{-1/2} O D^{-1/2})^{-1/2}, overlaps O by quadrature."""
    def phi(n):
        return lambda r: r ** (l + 2 * n) * np.exp(-(r**2) / (2 * SIGMA**2))

    overlap = np.array(
        [[quad(lambda r: r**2 * phi(a)(r) * phi(b)(r), 0, np.inf)[0] for b in range(n_radial)] for a in range(n_radial)]
    )
    d = 1 / np.sqrt(np.diag(overlap))
    w, v = np.linalg.eigh(d[:, None] * overlap * d[None, :])
    return d[:, None] * ((v / np.sqrt(w)) @ v.T)


@pytest.mark.parametrize("seed", [0, 1])
def test_coefficients_match_grid_integration(seed):
    rng = np.random.default_rng(seed)
    diameters = rng.uniform(0.8, 2.4, size=3)
    r_ij = rng.normal(size=3)
    r_ij *= rng.uniform(0.8, 2.0) / np.linalg.norm(r_ij)
    rotation = Rotation.random(random_state=seed)
    frame = ase.Atoms("H2", positions=[[0, 0, 0], r_ij])
    frame.arrays["c_q"] = np.vstack([[1.0, 0, 0, 0], rotation.as_quat(scalar_first=True)])
    for k in range(3):
        frame.arrays[f"c_diameter[{k + 1}]"] = np.full(2, diameters[k])
    max_angular, max_radial = 3, 2
    calculator = EllipsoidalDensityProjection(
        max_angular=max_angular, cutoff=6.0, radial_gaussian_width=SIGMA, max_radial=max_radial,
        subtract_center_contribution=True,
    )
    ours = calculator.compute_coefficients([frame])

    # trapezoidal rule on a uniform grid: spectrally accurate for these Gaussians
    h = 0.1
    axis = np.arange(-7.5, 7.5 + h / 2, h)
    x, y, z = np.meshgrid(axis, axis, axis, indexing="ij")
    r = np.sqrt(x**2 + y**2 + z**2)
    theta = np.arccos(np.clip(z / np.maximum(r, 1e-300), -1, 1))
    phi = np.arctan2(y, x)
    local = np.stack([x - r_ij[0], y - r_ij[1], z - r_ij[2]], axis=-1) @ rotation.as_matrix()
    semiaxes = diameters / 2
    density = np.exp(-0.5 * np.sum((local / semiaxes) ** 2, axis=-1)) / ((2 * np.pi) ** 1.5 * np.prod(semiaxes))
    gaussian = density * np.exp(-(r**2) / (2 * SIGMA**2)) * h**3

    for l in range(max_angular + 1):
        w = lowdin(l, max_radial + 1)
        for m in range(-l, l + 1):
            angular = gaussian * real_harmonic(l, m, theta, phi)
            raw = np.array([np.sum(angular * r ** (l + 2 * n)) for n in range(max_radial + 1)])
            expected = raw @ w
            got = ours.values[l][0, m + l, :]
            scale = np.abs(expected).max()
            assert np.abs(got - expected).max() < 1e-5 * scale, (l, m, got, expected)


def test_precision_matrices_are_their_definition_bit_for_bit():
    from anisoap_pipeline.anisoap.moments import precision_matrices

    rotations = Rotation.random(500, random_state=3).as_matrix()
    semiaxes = np.random.default_rng(4).uniform(0.2, 5.0, (500, 3))
    expected = np.einsum("nab,nb,ncb->nac", rotations, 1.0 / semiaxes**2, rotations)  # A = R diag(1/a²) Rᵀ
    np.testing.assert_array_equal(precision_matrices(rotations, semiaxes), expected)
