"""Biaxial Gay-Berne dimers: potential, distances of closest approach, sampler.

The generalised Gay-Berne potential of Berardi, Fava and Zannoni (Chem. Phys.
Lett. 236, 462 (1995)) in the form of Everaers and Ejtehadi (Phys. Rev. E 67,
041710 (2003)) as LAMMPS ``pair_style gayberne`` implements it, written in the
AniSOAP paper (Lin et al., J. Chem. Phys. 161, 074112 (2024), Sec. III B,
Eqs. 21–26, Appendix B, Eqs. B1–B6):

    U   = U_r . eta12 . chi12                                   (Eqs. 21-22)
    U_r = 4 eps_GB (rho^12 - rho^6),  rho = sigma_GB / (h12 + gamma sigma_GB)   (Eq. 23)
    h12 = r - sigma12                                            (Eq. 24)
    sigma12 = [1/2 r_hat^T G12^-1 r_hat]^(-1/2)                  (Eq. 25, "s12")
    G12 = A1^T S1^2 A1 + A2^T S2^2 A2                            (Eq. 26, "Xi12")
    eta12 = [2 s1 s2 / det G12]^(nu/2)                           (Eq. B1)
    s_k = [a_k b_k + c_k c_k] [a_k b_k]^(1/2)                     (Eq. B2)
    chi12 = [2 r_hat^T B12^-1 r_hat]^mu                          (Eq. B3, with LAMMPS's factor 2)
    B12 = A1^T E1 A1 + A2^T E2 A2                                (Eq. B4)
    E_k = diag(e_ak^(-1/mu), e_bk^(-1/mu), e_ck^(-1/mu))         (Eq. B5)
    E_k = sigma_GB diag(a/(bc), b/(ac), c/(ab))  for mu = 1      (Eq. B6, taken as written)

``A_k`` is the lab -> body rotation of particle k; the project's quaternions
``c_q`` rotate body -> lab (``R_k``), so ``A_k = R_k^T`` and
``A_k^T S_k^2 A_k = R_k S_k^2 R_k^T`` (:func:`anisoap_pipeline.contact.shape_matrix`).
``r_hat`` is the *unit* vector along ``r12 = r2 - r1``.

Units are reduced Lennard-Jones units (lengths in sigma_GB, energies in
eps_GB). The paper fixes the semi-axes (a, b, c) = (1, 1.5, 2), mu = nu = 1
and gamma = 1 (Sec. III B, App. B) but gives no numbers for eps_GB and
sigma_GB; its Fig. 3 reports h12 in units of sigma and energies in units of
eps, so both default to 1.
"""

import ase
import numpy as np
from scipy.spatial.transform import Rotation

from ...contact import closest_approach, gay_berne_sigma, shape_matrix
from ...shards import check_items

_COMPLEX_STEP = 1e-30

__all__ = [
    "PAPER_SEMIAXES",
    "DEFAULT_CUTOFF",
    "curvature_well_depths",
    "gay_berne",
    "gay_berne_forces",
    "sample_dimers",
]

#: Semi-axes (a, b, c) of the paper's ellipsoids (Sec. III B).
PAPER_SEMIAXES = (1.0, 1.5, 2.0)

#: Default centre-to-centre cutoff (sigma_GB units): the largest contact
#: distance of two paper ellipsoids (end to end, 2c = 4) plus 3 sigma_GB, where
#: |U_r| < 1e-3 eps_GB, so the truncation is invisible next to the wells.
DEFAULT_CUTOFF = 7.0


def curvature_well_depths(semiaxes, sigma=1.0):
    """Relative well depths ``(e_a, e_b, e_c)`` from Eq. B6 (mu = 1).

    Eq. B6, taken as written, sets the well matrix itself,
    ``E = sigma_GB diag(a/(bc), b/(ac), c/(ab))``; with ``mu = 1`` Eq. B5
    reads ``E = diag(1/e_a, 1/e_b, 1/e_c)``, so the relative well depths are
    ``e = (bc/a, ac/b, ab/c) / sigma_GB``: each is the geometric mean of the
    two principal radii of curvature at that pole, the flattest pole binding
    most strongly. For (1, 1.5, 2) ellipsoids ``e = (3, 4/3, 3/4)``: the
    deepest well approaches along the short axis a (broad faces), the
    shallowest end to end along c. (Inverting this, i.e. taking B6 as the
    well depths ``e``, reverses that order.)

    Parameters
    ----------
    semiaxes : array_like, shape (..., 3)
        Semi-axes ``(a, b, c)``.
    sigma : float, optional
        ``sigma_GB``, the length that makes ``E`` dimensionless (the
        ``sigma`` prefactor of Eq. B6).

    Returns
    -------
    numpy.ndarray, shape (..., 3)
        ``(e_a, e_b, e_c)``.
    """
    a, b, c = np.moveaxis(np.asarray(semiaxes, dtype=float), -1, 0)
    return np.stack([b * c / a, a * c / b, a * b / c], axis=-1) / sigma


def _numbers(values):
    """Float array, or complex kept complex (the complex step of :func:`gay_berne_forces`)."""
    values = np.asarray(values)
    return values if np.iscomplexobj(values) else values.astype(float)


def _rotate(diagonal, rotations):
    """``R diag(d) R^T`` = ``A^T diag(d) A`` for body -> lab ``R = A^T``."""
    return np.einsum("...ij,...j,...kj->...ik", rotations, diagonal, rotations)


def gay_berne(
    r12,
    rotations1,
    rotations2,
    semiaxes1=PAPER_SEMIAXES,
    semiaxes2=None,
    *,
    well_depths1=None,
    well_depths2=None,
    epsilon=1.0,
    sigma=1.0,
    gamma=1.0,
    mu=1.0,
    nu=1.0,
    cutoff=DEFAULT_CUTOFF,
    return_terms=False,
):
    """Biaxial Gay-Berne energy of ellipsoid pairs (paper Eqs. 21–26, B1–B6).

    Parameters
    ----------
    r12 : array_like, shape (N, 3)
        Centre-to-centre vectors ``r2 - r1``.
    rotations1, rotations2 : array_like, shape (N, 3, 3)
        Body -> lab rotation matrices (the project's ``c_q`` convention);
        the Gay-Berne lab -> body matrices are their transposes.
    semiaxes1, semiaxes2 : array_like, shape (3,) or (N, 3)
        Semi-axes ``(a, b, c)``; ``semiaxes2`` defaults to ``semiaxes1``.
    well_depths1, well_depths2 : array_like, shape (3,) or (N, 3), optional
        Relative well depths ``(e_a, e_b, e_c)`` for approach along the body
        x, y, z axes (LAMMPS ``eps_ia, eps_ib, eps_ic``). By default Eq. B6
        (:func:`curvature_well_depths`), which holds for ``mu = 1`` only.
        ``well_depths2`` defaults to ``well_depths1`` if ``semiaxes2`` is not
        given, else to Eq. B6 for ``semiaxes2``.
    epsilon, sigma : float, optional
        ``eps_GB`` and ``sigma_GB`` of Eq. 23 (reduced units: 1, 1).
    gamma : float, optional
        Well shift of Eq. 23 (paper: 1).
    mu, nu : float, optional
        Exponents of ``chi12`` (Eq. B3) and ``eta12`` (Eq. B1) (paper: 1, 1).
    cutoff : float, optional
        Centre-to-centre cutoff: ``U = 0`` exactly where ``r >= cutoff``
        (truncated, not shifted, as LAMMPS without ``pair_modify shift``).
        Default :data:`DEFAULT_CUTOFF` = 7.0.
    return_terms : bool, optional
        Return a dict of all terms instead of the energy alone.

    Returns
    -------
    numpy.ndarray, shape (N,), or dict
        The energy ``U``; with ``return_terms`` a dict of arrays (N,):
        ``energy``, ``h12_gb`` (Eq. 24), ``sigma12`` (Eq. 25), ``U_r``
        (Eq. 23), ``eta12`` (Eq. B1) and ``chi12`` (Eq. B3).

    Notes
    -----
    ``U_r`` is defined for ``h12 > -gamma sigma_GB`` only (the centres of the
    Lennard-Jones-like term); deeper overlaps are not meaningful.
    ``chi12`` carries the factor 2 of Everaers–Ejtehadi and LAMMPS, missing
    from the paper's Eq. B3, so that ``chi12 = e_k`` for identical parallel
    particles approaching along their body axis k.
    """
    r12, R1, R2 = _numbers(r12), _numbers(rotations1), _numbers(rotations2)
    S1 = np.asarray(semiaxes1, dtype=float)
    S2 = S1 if semiaxes2 is None else np.asarray(semiaxes2, dtype=float)

    def eq_b6(semiaxes):
        if mu != 1.0:
            raise ValueError(
                f"Eq. B6 gives the well depths only for mu = 1 (got mu={mu}); "
                "pass well_depths1=(e_a, e_b, e_c) (and well_depths2) instead"
            )
        return curvature_well_depths(semiaxes, sigma)

    e1 = eq_b6(S1) if well_depths1 is None else well_depths1
    if well_depths2 is None:
        well_depths2 = e1 if semiaxes2 is None else eq_b6(S2)
    e1 = np.asarray(e1, dtype=float)
    e2 = np.asarray(well_depths2, dtype=float)

    # complex-safe (no abs, norm or comparisons but the cutoff's) for gay_berne_forces
    r = np.sqrt(np.sum(r12 * r12, axis=-1))
    r_hat = r12 / r[..., None]

    G12 = _rotate(S1**2, R1) + _rotate(S2**2, R2)  # Eq. 26
    sigma12 = (0.5 * np.sum(r_hat * np.linalg.solve(G12, r_hat[..., None])[..., 0], axis=-1)) ** -0.5  # Eq. 25
    h12 = r - sigma12  # Eq. 24
    rho6 = (sigma / (h12 + gamma * sigma)) ** 6
    U_r = 4.0 * epsilon * (rho6**2 - rho6)  # Eq. 23

    def s(semiaxes):  # Eq. B2
        a, b, c = np.moveaxis(semiaxes, -1, 0)
        return (a * b + c * c) * np.sqrt(a * b)

    eta12 = (2.0 * s(S1) * s(S2) / np.linalg.det(G12)) ** (nu / 2.0)  # Eq. B1

    B12 = _rotate(e1 ** (-1.0 / mu), R1) + _rotate(e2 ** (-1.0 / mu), R2)  # B4, B5
    x = np.linalg.solve(B12, r_hat[..., None])[..., 0]
    chi12 = (2.0 * np.sum(r_hat * x, axis=-1)) ** mu  # Eq. B3

    energy = np.where(r.real < cutoff, U_r * eta12 * chi12, 0.0)  # Eqs. 21-22
    if not return_terms:
        return energy
    return {
        "energy": energy,
        "h12_gb": h12,
        "sigma12": sigma12,
        "U_r": U_r,
        "eta12": eta12,
        "chi12": chi12,
    }


def gay_berne_forces(r12, rotations1, rotations2, semiaxes1=PAPER_SEMIAXES, semiaxes2=None, **params):
    """Forces and torques on both particles of Gay-Berne pairs.

    The exact first derivatives of :func:`gay_berne` by the complex step
    (Squire & Trapp, SIAM Rev. 40, 110 (1998)):
    ``dU/dx = Im U(x + i h) / h`` with ``h = 1e-30``, which has no
    subtraction, hence no cancellation error: the derivative of the
    implemented energy to rounding (checked against central differences in
    the tests), 9 complex evaluations of the energy per pair.

    Conventions: ``r12 = r2 - r1``, so ``F2 = -dU/dr12`` and ``F1 = -F2``.
    The torque on particle k is ``tau_k = -dU/dtheta_k``, the derivative for
    an infinitesimal rotation of particle k about the lab axes,
    ``R_k -> exp(theta [e]_x) R_k`` (body -> lab rotations ``R_k``, the
    project's quaternions (w, x, y, z)), i.e. the torque about the
    particle's centre in the lab frame. Total force and torque vanish:
    ``F1 + F2 = 0`` and ``tau1 + tau2 + r12 x F2 = 0`` (the energy is
    invariant under joint translations and rotations).

    Parameters
    ----------
    r12, rotations1, rotations2, semiaxes1, semiaxes2 : array_like
        As for :func:`gay_berne` (shapes (N, 3), (N, 3, 3), (N, 3, 3), ...).
    **params
        The other keyword arguments of :func:`gay_berne` (``well_depths1``,
        ``epsilon``, ``sigma``, ``gamma``, ``mu``, ``nu``, ``cutoff``, ...).

    Returns
    -------
    dict of numpy.ndarray
        ``energy`` (N,) in eps_GB; ``force1``, ``force2`` (N, 3) in
        eps_GB / sigma_GB; ``torque1``, ``torque2`` (N, 3) in eps_GB (per
        radian). Zero beyond the cutoff (the energy is truncated there).

    Raises
    ------
    ValueError
        As :func:`gay_berne`; ``return_terms`` is not accepted.
    """
    if "return_terms" in params:
        raise ValueError("gay_berne_forces takes no return_terms")
    R1 = np.asarray(rotations1, dtype=float)
    R2 = np.asarray(rotations2, dtype=float)
    r12 = np.asarray(r12, dtype=float)
    r12 = np.broadcast_to(r12, np.broadcast_shapes(r12.shape[:-1], R1.shape[:-2], R2.shape[:-2]) + (3,))

    def energy(r, A, B):
        return gay_berne(r, A, B, semiaxes1, semiaxes2, **params)

    h = _COMPLEX_STEP
    result = {"energy": energy(r12, R1, R2)}
    gradient = np.empty(r12.shape)
    torques = [np.empty(r12.shape), np.empty(r12.shape)]
    for k in range(3):
        shift = np.zeros(3, dtype=complex)
        shift[k] = 1j * h
        gradient[..., k] = energy(r12 + shift, R1, R2).imag / h
        # exp(i h [e_k]_x) by Rodrigues' formula, analytic in the angle
        K = np.zeros((3, 3))
        K[(k + 2) % 3, (k + 1) % 3], K[(k + 1) % 3, (k + 2) % 3] = 1.0, -1.0
        turn = np.eye(3) + np.sin(1j * h) * K + (1.0 - np.cos(1j * h)) * (K @ K)
        torques[0][..., k] = -energy(r12, turn @ R1, R2).imag / h
        torques[1][..., k] = -energy(r12, R1, turn @ R2).imag / h
    result.update(force1=gradient, force2=-gradient, torque1=torques[0], torque2=torques[1])
    return result


def sample_dimers(
    n_dimers,
    seed,
    *,
    semiaxes=PAPER_SEMIAXES,
    h_min=-0.1,
    h_max=None,
    species=1,
    well_depths=None,
    epsilon=1.0,
    sigma=1.0,
    gamma=1.0,
    mu=1.0,
    nu=1.0,
    cutoff=DEFAULT_CUTOFF,
    forces=False,
    items=None,
):
    """Random Gay-Berne dimers of identical ellipsoids, labelled.

    Dimer ``i`` draws from its own generator,
    ``numpy.random.default_rng([seed, i])``, in this order:

    1. both orientations uniform on SO(3) (``Rotation.random``);
    2. the direction ``r_hat`` of ``r12`` uniform on the unit sphere;
    3. the Gay-Berne surface separation ``h12_gb`` uniform in
       ``[h_min, h_max]``, with ``h_max`` defaulting, per dimer, to
       ``cutoff - sigma12`` (the separation at the cutoff in that direction);
       then ``r = sigma12 + h12_gb``.

    The energy depends on the distance only through ``h12_gb`` (Eq. 23), so a
    uniform ``h12_gb`` covers the repulsive wall, the well at
    ``h12 = (2^(1/6) - gamma) sigma_GB`` and the tail up to the cutoff evenly
    for every orientation, and ``h_min`` caps the repulsion at
    ``U_r(h_min) eta12 chi12`` (``U_r(-0.1) = 6.6 eps_GB``). As
    ``h12_pw >= h12_gb``, it also bounds the overlap: ``h12_pw >= h_min``.

    Parameters
    ----------
    n_dimers : int
        Number of dimers of the dataset (paper: 25,000).
    seed : int
        Seed of the dataset; same seed, same dimers.
    semiaxes : array_like, shape (3,)
        Semi-axes of both ellipsoids (paper: 1, 1.5, 2).
    h_min : float, optional
        Smallest ``h12_gb`` (default -0.1 sigma_GB: slight overlaps).
    h_max : float, optional
        Largest ``h12_gb``; default: up to the cutoff in each direction.
    species : int, optional
        Atomic number stored in ``numbers`` for both particles.
    well_depths, epsilon, sigma, gamma, mu, nu, cutoff
        Gay-Berne parameters, see :func:`gay_berne`.
    forces : bool, optional
        Also label each particle with its force and torque
        (:func:`gay_berne_forces`; arrays ``force`` and ``torque``, not ASE's
        ``forces``, which extxyz readers move into a calculator).
    items : range, optional
        The dimers to make, a sub-range of ``range(n_dimers)`` (a shard);
        default all. Dimer ``i`` is the same whichever others are made.

    Returns
    -------
    list of ase.Atoms
        Non-periodic two-particle frames centred at the origin (particle 1 at
        ``-r12/2``, particle 2 at ``+r12/2``), with arrays ``c_q`` (unit
        quaternions w, x, y, z, body -> lab) and ``c_diameter[1]``,
        ``c_diameter[2]``, ``c_diameter[3]`` (twice the semi-axes), and
        ``info`` keys ``energy`` (Eq. 21), ``h12_gb`` (``r - sigma12``, Eq. 24)
        and ``h12_pw`` (``r - sigma_PW``, exact, Perram–Wertheim); with
        ``forces``, arrays ``force`` (2, 3) and ``torque`` (2, 3) (lab frame,
        eps_GB / sigma_GB and eps_GB).

    Raises
    ------
    ValueError
        If ``items`` is not a sub-range of ``range(n_dimers)``, or ``h_min``
        is not below the upper bound.
    """
    items = check_items(items, n_dimers)
    semiaxes = np.asarray(semiaxes, dtype=float)
    n_dimers = len(items)
    rotations, r_hat, uniform = [], np.empty((n_dimers, 3)), np.empty(n_dimers)
    for k, i in enumerate(items):  # one generator per dimer: shard boundaries do not matter
        rng = np.random.default_rng([seed, i])
        rotations.append(Rotation.random(2, rng))
        r_hat[k] = rng.normal(size=3)
        uniform[k] = rng.random()
    if not n_dimers:
        return []
    rotations = Rotation.concatenate(rotations)
    quaternions = rotations.as_quat()[:, [3, 0, 1, 2]]  # scipy x,y,z,w -> w,x,y,z
    R = rotations.as_matrix().reshape(n_dimers, 2, 3, 3)
    R1, R2 = R[:, 0], R[:, 1]
    r_hat /= np.linalg.norm(r_hat, axis=1, keepdims=True)

    G1, G2 = shape_matrix(semiaxes, R1), shape_matrix(semiaxes, R2)
    sigma12 = gay_berne_sigma(r_hat, G1, G2)
    sigma_pw = closest_approach(r_hat, G1, G2)
    upper = cutoff - sigma12 if h_max is None else np.full(n_dimers, float(h_max))
    if np.any(upper <= h_min):
        raise ValueError(
            f"h_min={h_min} is not below h_max (or cutoff - sigma12 = "
            f"{upper.min():.3g}); raise the cutoff or lower h_min"
        )
    h12 = h_min + (upper - h_min) * uniform
    r = sigma12 + h12
    r12 = r[:, None] * r_hat

    terms = gay_berne(
        r12,
        R1,
        R2,
        semiaxes,
        well_depths1=well_depths,
        well_depths2=well_depths,
        epsilon=epsilon,
        sigma=sigma,
        gamma=gamma,
        mu=mu,
        nu=nu,
        cutoff=cutoff,
        return_terms=True,
    )
    energy, h12_gb = terms["energy"], terms["h12_gb"]
    h12_pw = r - sigma_pw
    if forces:
        gradients = gay_berne_forces(
            r12, R1, R2, semiaxes, well_depths1=well_depths, well_depths2=well_depths,
            epsilon=epsilon, sigma=sigma, gamma=gamma, mu=mu, nu=nu, cutoff=cutoff,
        )

    frames = []
    for i in range(n_dimers):
        atoms = ase.Atoms(
            numbers=[species, species],
            positions=[-0.5 * r12[i], 0.5 * r12[i]],
            pbc=False,
        )
        atoms.set_array("c_q", quaternions[2 * i : 2 * i + 2].copy())
        for k in range(3):
            atoms.set_array(f"c_diameter[{k + 1}]", np.full(2, 2.0 * semiaxes[k]))
        atoms.info.update(
            energy=float(energy[i]), h12_gb=float(h12_gb[i]), h12_pw=float(h12_pw[i])
        )
        if forces:
            atoms.set_array("force", np.stack([gradients["force1"][i], gradients["force2"][i]]))
            atoms.set_array("torque", np.stack([gradients["torque1"][i], gradients["torque2"][i]]))
        frames.append(atoms)
    return frames
