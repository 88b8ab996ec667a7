"""Liquid-crystal configurations: nematic and smectic phases of prolate ellipsoids.

The configurations of the AniSOAP paper's liquid-crystal study (Lin et al.,
J. Chem. Phys. 161, 074112 (2024), Sec. III A, Figs. 1, 2, S2, S3): N hard
prolate spheroids of diameter D and length L (semi-axes ``(D/2, D/2, L/2)``,
the body z axis the long one; L/D = 3 in the paper, L/D = 2 for the
augmentation of Figs. S2/S3) in a periodic box, with a prescribed nematic
order parameter S.

Lengths are in units of the diameter D (D = 1).

Orientations
    The long axes make angles theta with the director drawn from the
    Maier–Saupe distribution ``f(cos theta) ∝ exp(kappa cos^2 theta)``
    (Maier & Saupe, Z. Naturforsch. A 13, 564 (1958)), with kappa solved so
    that ``S(kappa) = <P2(cos theta)>`` equals the target S; the azimuth phi
    and the spin about the long axis are uniform. ``S = 0`` is isotropic
    (kappa = 0), ``S >= 0.999`` perfect alignment (kappa = inf). The N values
    of cos theta (and of phi) are *stratified*: one draw from each of N
    equal-probability strata of the distribution, randomly permuted among the
    particles, so a frame's ``<P2(cos theta)>`` about its director matches
    the target up to O(1/N) rather than the O(N^-1/2) noise of independent
    draws. The measured S (largest eigenvalue of the Q tensor) keeps a
    finite-N upward bias at low S, from the random transverse components:
    for N = 150 about +0.04 at S = 0 (up to 0.1), +0.01 at S = 0.1, and
    below 0.05 in every frame from S = 0.15 up.
Positions
    Random sequential addition (RSA): particle after particle, trial centres
    are drawn until one does not overlap any particle already placed, as
    decided by the Perram–Wertheim contact function
    (:mod:`anisoap_pipeline.contact`, ``F < 1`` ⇔ overlap) with
    minimum-image separations. Orientations are fixed before placement, so
    placement does not bias them. *Nematic*: centres uniform in the box (no
    translational order). *Smectic*: layers normal to the director with
    spacing ``d = L + layer_gap``; every particle is assigned a layer
    (balanced counts), its centre is uniform within the layer plane (no order
    within a layer) and Gaussian along the director with standard deviation
    ``layer_jitter * d``.
Compression Monte Carlo (``method="monte_carlo"``)
    Random sequential addition jams near phi ≈ 0.17 for smectics (0.3–0.4
    for nematics), below the paper's densities. Instead, the configuration
    is placed as above in the target box scaled up to the dilute
    ``initial_packing_fraction`` (layers included), then compressed
    isotropically to ``packing_fraction`` by hard-ellipsoid Monte Carlo
    (:func:`anisoap_pipeline.studies.liquid_crystals.hard_ellipsoid_mc.compress`: translations,
    rotations about the director, exact Perram–Wertheim overlaps, a
    compression step after every sweep, then ``equilibration_sweeps``
    sweeps at the target). Rotations about the director keep each particle's
    polar angle, so the stratified Maier–Saupe sample of cos theta, and with
    it the target S, is kept exactly; only the azimuths relax. Smectic
    centres are held near their layer planes by the harmonic potential
    ``dz^2 / (2 w^2)`` kT with ``w = layer_jitter d`` (the random-sequential
    generator's Gaussian), whose width follows the box while compressing;
    crowding widens the layers at high density (measure them with
    :func:`anisoap_pipeline.studies.liquid_crystals.order_parameters.layer_order`).
Box
    Volume ``V = N v / phi`` for the packing fraction phi, with the
    spheroid's volume ``v = pi/6 D^2 L``. Nematic: a cube. Smectic: an
    integer number (>= 2) of layers along the director, as close to a cube
    as that allows. Every box length must be at least twice the particle
    length L, so that the minimum image is the only one that can overlap.
Director
    Lab z by default; any other director (or ``"random"``, a uniformly random
    rotation) rotates the whole configuration, box included, rigidly, which
    keeps the smectic layers commensurate with the periodic box.
"""

import numpy as np
from ase import Atoms
from scipy.optimize import brentq
from scipy.spatial.transform import Rotation
from scipy.special import dawsn

from ...contact import contact_function, shape_matrix
from .hard_ellipsoid_mc import compress
from ...shards import check_items

__all__ = [
    "DEFAULT_PACKING_FRACTION",
    "PERFECT_ALIGNMENT_S",
    "PlacementError",
    "generate_configuration",
    "generate_dataset",
    "maier_saupe_kappa",
    "maier_saupe_order",
    "sample_cos_theta",
    "sample_orientations",
]

#: Default packing fraction ``phi = N v / V``, the same for both phases. The
#: limiting case is the isotropic smectic: centres confined to thin layers,
#: the lying spheroids crowd the layer planes and random sequential addition
#: of L/D = 3 spheroids jams near phi ≈ 0.17 (at 0.15 about one seed in ten
#: fails); 0.12 places every frame, every S, in ~0.2 s for 150 particles.
#: Nematics alone would reach 0.25 (~0.3 s) to 0.3 (~1.4 s). Denser frames:
#: ``method="monte_carlo"`` (0.3 and beyond, both phases, every S).
DEFAULT_PACKING_FRACTION = 0.12

#: Targets ``S >= PERFECT_ALIGNMENT_S`` give perfectly aligned particles
#: (kappa = inf); below it kappa is finite (kappa ≈ 1500 at S = 0.999).
PERFECT_ALIGNMENT_S = 0.999

PHASES = ("nematic", "smectic")
METHODS = ("rsa", "monte_carlo")

#: Packing fraction of the random-sequential-addition start of the Monte
#: Carlo compression (every phase and S places at it).
INITIAL_PACKING_FRACTION = 0.1

_KAPPA_MAX = 1.0e4  # S(1e4) = 0.99985 > PERFECT_ALIGNMENT_S: brackets every finite root
_GRID = np.linspace(0.0, 1.0, 2**14 + 1)  # |cos theta| grid of the inverse CDF
_MAX_BATCH = 256


class PlacementError(RuntimeError):
    """Random sequential addition could not place a particle without overlap."""


def maier_saupe_order(kappa):
    """Nematic order parameter of the Maier–Saupe distribution.

    ``S(kappa) = <P2(cos theta)> = (3 <cos^2 theta> - 1) / 2`` for
    ``f(cos theta) ∝ exp(kappa cos^2 theta)``, in closed form with Dawson's
    integral ``F``: ``<x^2> = 1 / (2 sqrt(kappa) F(sqrt(kappa))) - 1 / (2 kappa)``
    (from integrating ``x^2 exp(kappa x^2)`` by parts); for ``kappa < 1e-4``
    the series ``1/3 + 4 kappa/45 + 8 kappa^2/945``.

    Parameters
    ----------
    kappa : float or array_like
        Maier–Saupe coupling (dimensionless), ``>= 0``; ``inf`` allowed.

    Returns
    -------
    float or numpy.ndarray
        S in [0, 1], same shape as ``kappa``; 0 at kappa = 0, 1 at inf.
    """
    kappa = np.asarray(kappa, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(kappa)
        x2 = 0.5 / (root * dawsn(root)) - 0.5 / kappa
    series = 1.0 / 3.0 + 4.0 * kappa / 45.0 + 8.0 * kappa**2 / 945.0
    x2 = np.where(kappa < 1e-4, series, np.where(np.isinf(kappa), 1.0, x2))
    S = 1.5 * x2 - 0.5
    return S[()] if S.ndim == 0 else S


def maier_saupe_kappa(target_S):
    """Maier–Saupe coupling kappa whose distribution has order parameter S.

    Solves ``S(kappa) = target_S`` (:func:`maier_saupe_order`, monotonic)
    with :func:`scipy.optimize.brentq` on ``[0, 1e4]``.

    Parameters
    ----------
    target_S : float
        Nematic order parameter in [0, 1].

    Returns
    -------
    float
        ``0.0`` for S = 0 (isotropic), ``inf`` for ``S >= 0.999``
        (:data:`PERFECT_ALIGNMENT_S`, perfect alignment), else the root,
        accurate to ~1e-12 in S.

    Raises
    ------
    ValueError
        If ``target_S`` is not a finite number in [0, 1].
    """
    target_S = _check_target(target_S)
    if target_S == 0.0:
        return 0.0
    if target_S >= PERFECT_ALIGNMENT_S:
        return np.inf
    return brentq(lambda k: maier_saupe_order(k) - target_S, 0.0, _KAPPA_MAX, xtol=1e-12, rtol=1e-14)


def sample_cos_theta(kappa, size, rng, *, polar=False, stratified=True):
    """Draw cos theta from the Maier–Saupe distribution ``∝ exp(kappa cos^2 theta)``.

    Inverse-CDF sampling: ``|cos theta|`` has the CDF
    ``erfi(sqrt(kappa) x) / erfi(sqrt(kappa)) = exp(kappa (x^2 - 1)) F(sqrt(kappa) x) / F(sqrt(kappa))``
    (``F`` Dawson's integral, written so that nothing overflows), tabulated
    on 16,385 points of [0, 1] and inverted by linear interpolation.

    Parameters
    ----------
    kappa : float
        Coupling, ``>= 0``; 0 is uniform (isotropic), ``inf`` gives
        ``|cos theta| = 1``.
    size : int
        Number of draws.
    rng : numpy.random.Generator
        Source of randomness.
    polar : bool, optional
        If True, all particles point into the director's hemisphere
        (cos theta >= 0); by default the sign is random (apolar, head-tail
        symmetric, as for a nematic director ±n).
    stratified : bool, optional
        If True (default), the uniform variates are ``(k + U_k) / size`` for
        a random permutation of k = 0 … size-1 (one in each stratum), else
        independent.

    Returns
    -------
    numpy.ndarray, shape (size,)
        cos theta in [-1, 1] (or [0, 1] if ``polar``).

    Raises
    ------
    ValueError
        If ``kappa`` is negative or NaN.
    """
    if not kappa >= 0.0:
        raise ValueError(f"kappa must be >= 0 (prolate alignment), got {kappa}")
    u = _uniforms(size, rng, stratified)
    if np.isinf(kappa):
        x = np.ones(size)
    elif kappa == 0.0:
        x = u
    else:
        root = np.sqrt(kappa)
        cdf = np.exp(kappa * (_GRID**2 - 1.0)) * dawsn(root * _GRID) / dawsn(root)
        x = np.interp(u, cdf, _GRID)
    if not polar:
        x = np.where(rng.random(size) < 0.5, -x, x)
    return x


def sample_orientations(n, target_S, rng, *, polar=False, stratified=True):
    """Body -> lab rotations of uniaxial particles about the lab z director.

    The long (body z) axis points along
    ``(sin theta cos phi, sin theta sin phi, cos theta)`` with cos theta from
    :func:`sample_cos_theta` at ``kappa = maier_saupe_kappa(target_S)``,
    phi uniform (stratified like cos theta) and a uniform spin psi about the
    long axis: ``R = R_z(phi) R_y(theta) R_z(psi)``.

    Parameters
    ----------
    n : int
        Number of particles.
    target_S : float
        Nematic order parameter in [0, 1] of the distribution.
    rng : numpy.random.Generator
        Source of randomness.
    polar, stratified : bool, optional
        See :func:`sample_cos_theta`.

    Returns
    -------
    scipy.spatial.transform.Rotation
        ``n`` rotations.

    Raises
    ------
    ValueError
        If ``target_S`` is not in [0, 1].
    """
    kappa = maier_saupe_kappa(target_S)
    cos_theta = sample_cos_theta(kappa, n, rng, polar=polar, stratified=stratified)
    phi = 2.0 * np.pi * _uniforms(n, rng, stratified)
    psi = 2.0 * np.pi * rng.random(n)
    theta = np.arccos(np.clip(cos_theta, -1.0, 1.0))
    return Rotation.from_euler("ZYZ", np.column_stack([phi, theta, psi]))


def generate_configuration(
    phase,
    target_S,
    n_particles=150,
    aspect_ratio=3.0,
    packing_fraction=DEFAULT_PACKING_FRACTION,
    seed=0,
    *,
    director=(0.0, 0.0, 1.0),
    layer_gap=0.2,
    layer_jitter=0.05,
    polar=False,
    species=1,
    max_attempts=100_000,
    method="rsa",
    initial_packing_fraction=INITIAL_PACKING_FRACTION,
    max_sweeps=20000,
    equilibration_sweeps=100,
):
    """One nematic or smectic configuration of hard prolate spheroids.

    See the module docstring for the construction (Maier–Saupe orientations,
    random sequential addition with the Perram–Wertheim contact function,
    box shape).

    Parameters
    ----------
    phase : {"nematic", "smectic"}
        No translational order, or layers normal to the director.
    target_S : float
        Nematic order parameter S in [0, 1] of the orientation distribution.
    n_particles : int, optional
        Number of spheroids N (default 150: at the default packing fraction
        a box of ~12.5 D, so a cutoff of up to ~6 D, enough to reach the
        adjacent smectic layers, fits the minimum-image convention).
    aspect_ratio : float, optional
        Length-to-diameter ratio L/D > 1 (paper: 3; 2 for the augmentation).
    packing_fraction : float, optional
        ``phi = N (pi/6) D^2 L / V`` in (0, 0.4]; default
        :data:`DEFAULT_PACKING_FRACTION`.
    seed : int, optional
        Seed of :func:`numpy.random.default_rng`; same seed, same frame.
    director : array_like of shape (3,) or "random", optional
        Director n of the configuration (normalised here); ``"random"`` for
        a uniformly random rotation of the whole configuration.
    layer_gap : float, optional
        Smectic layer spacing minus the particle length, ``d - L``, in D.
    layer_jitter : float, optional
        Standard deviation of the centres along the director about their
        layer, as a fraction of ``d``; the layer order parameter of a
        perfect sample is ``exp(-2 pi^2 layer_jitter^2)`` (0.95 by default).
    polar : bool, optional
        All long axes in the director's hemisphere; see :func:`sample_cos_theta`.
    species : int, optional
        Atomic number stored in ``numbers``.
    max_attempts : int, optional
        Trial positions per particle before giving up (random sequential
        addition).
    method : {"rsa", "monte_carlo"}, optional
        Random sequential addition directly at ``packing_fraction`` (up to
        0.4 for nematics; smectics jam near 0.17), or random sequential
        addition at ``initial_packing_fraction`` followed by compression
        Monte Carlo to ``packing_fraction`` (up to 0.5; see the module
        docstring and :func:`anisoap_pipeline.studies.liquid_crystals.hard_ellipsoid_mc.compress`).
    initial_packing_fraction : float, optional
        Monte Carlo: packing fraction of the random-sequential-addition start
        (at most ``packing_fraction``).
    max_sweeps, equilibration_sweeps : int, optional
        Monte Carlo: the most compression sweeps (N trial moves each, one
        compression step after each) before giving up, and the sweeps at the
        target packing fraction after compression.

    Returns
    -------
    ase.Atoms
        Periodic frame in the ellipsoid convention (:mod:`anisoap_pipeline.frames`):
        ``c_q`` (N, 4) quaternions (w, x, y, z, body -> lab),
        ``c_diameter[1..3]`` = (D, D, L); ``info`` holds ``phase``,
        ``target_S``, ``aspect_ratio``, ``packing_fraction``, ``seed``,
        ``director`` (3,), ``method`` and, for smectics, ``layer_spacing``
        d; Monte Carlo frames also ``compression_sweeps`` and
        ``equilibration_sweeps``.

    Raises
    ------
    ValueError
        Unknown phase or method; ``target_S`` outside [0, 1];
        ``aspect_ratio <= 1``; packing fraction outside (0, 0.4] (RSA) or
        (0, 0.5] (Monte Carlo); too few particles for a box at least 2 L
        wide; a zero director.
    PlacementError
        If a particle could not be placed within ``max_attempts`` trials
        (lower the packing fraction).
    anisoap_pipeline.studies.liquid_crystals.hard_ellipsoid_mc.CompressionError
        If compression did not reach the packing fraction in ``max_sweeps``.
    """
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; expected one of {PHASES}")
    target_S = _check_target(target_S)
    if not aspect_ratio > 1.0:
        raise ValueError(f"aspect_ratio (L/D) must be > 1 for prolate spheroids, got {aspect_ratio}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    limit = 0.4 if method == "rsa" else 0.5
    if not 0.0 < packing_fraction <= limit:
        raise ValueError(
            f"packing_fraction must be in (0, {limit}] for method {method!r}, got {packing_fraction}"
        )
    if method == "monte_carlo" and not 0.0 < initial_packing_fraction:
        raise ValueError(f"initial_packing_fraction must be positive, got {initial_packing_fraction}")
    rng = np.random.default_rng(seed)
    turn = _director_rotation(director, rng)
    length = float(aspect_ratio)
    semiaxes = np.array([0.5, 0.5, 0.5 * length])
    volume = n_particles * np.pi / 6.0 * length / packing_fraction

    if phase == "nematic":
        box = np.full(3, np.cbrt(volume))
    else:
        spacing = length + layer_gap
        n_layers = max(2, round(np.cbrt(volume) / spacing))
        side = np.sqrt(volume / (n_layers * spacing))
        box = np.array([side, side, n_layers * spacing])
    if box.min() < 2.0 * length:
        raise ValueError(
            f"box {np.round(box, 3).tolist()} is narrower than twice the particle "
            f"length {length}: use more than {n_particles} particles"
        )

    # Monte Carlo starts dilute: the target box (and layers) scaled up
    dilation = 1.0
    if method == "monte_carlo" and initial_packing_fraction < packing_fraction:
        dilation = np.cbrt(packing_fraction / initial_packing_fraction)
    start = box * dilation

    rotations = sample_orientations(n_particles, target_S, rng, polar=polar)
    if phase == "nematic":
        def propose(i, k):
            return rng.random((k, 3)) * start
    else:
        layers = rng.permutation(np.arange(n_particles) % n_layers)
        def propose(i, k):
            trials = rng.random((k, 3)) * start
            z = (layers[i] + 0.5 + layer_jitter * rng.standard_normal(k)) * spacing * dilation
            trials[:, 2] = np.mod(z, start[2])
            return trials
    positions = _random_sequential_addition(
        shape_matrix(semiaxes, rotations.as_matrix()), semiaxes, start, propose, max_attempts
    )
    mc_info = {}
    if method == "monte_carlo":
        positions, rotations, stats = compress(
            positions, rotations, semiaxes, start, box, rng,
            layer_fraction=None if phase == "nematic" else (layers + 0.5) / n_layers,
            layer_width=layer_jitter * spacing if phase == "smectic" else None,
            max_sweeps=max_sweeps, equilibration_sweeps=equilibration_sweeps,
        )
        mc_info = {"compression_sweeps": stats["compression_sweeps"],
                   "equilibration_sweeps": int(equilibration_sweeps)}

    cell = np.diag(box) @ turn.as_matrix().T  # rows are lattice vectors
    atoms = Atoms(
        numbers=np.full(n_particles, species),
        positions=turn.apply(positions),
        cell=cell,
        pbc=True,
    )
    atoms.new_array("c_q", (turn * rotations).as_quat(scalar_first=True))
    for k, key in enumerate(("c_diameter[1]", "c_diameter[2]", "c_diameter[3]")):
        atoms.new_array(key, np.full(n_particles, 2.0 * semiaxes[k]))
    atoms.info.update(
        phase=phase,
        target_S=target_S,
        aspect_ratio=float(aspect_ratio),
        packing_fraction=float(packing_fraction),
        seed=int(seed),
        director=turn.apply([0.0, 0.0, 1.0]),
        method=method,
        **mc_info,
    )
    if phase == "smectic":
        atoms.info["layer_spacing"] = float(spacing)
    return atoms


def generate_dataset(n_nematic, n_smectic, *, s_max=1.0, seed=0, items=None, **kwargs):
    """Nematic and smectic configurations over a range of order parameters.

    The paper's dataset (Sec. III A): 500 nematic and 500 smectic frames,
    L/D = 3, S from 0 to 1. The targets of each phase are evenly spaced,
    ``numpy.linspace(0, s_max, n)``, so both phases cover [0, s_max] alike.
    Frame k gets its own integer seed, the k-th word of
    ``numpy.random.SeedSequence(seed).generate_state(n_nematic + n_smectic)``,
    stored in its ``info["seed"]``: any frame can be regenerated alone with
    :func:`generate_configuration`, and a shard (``items``) makes the same
    frames as the whole dataset.

    Parameters
    ----------
    n_nematic, n_smectic : int
        Number of frames of each phase.
    s_max : float, optional
        Largest target S, in [0, 1].
    seed : int, optional
        Seed of the whole dataset.
    items : range or [start, stop], optional
        The frames to make, a sub-range of ``range(n_nematic + n_smectic)``
        (a shard); default all.
    **kwargs
        Passed to :func:`generate_configuration` (``n_particles``,
        ``aspect_ratio``, ``packing_fraction``, ...).

    Returns
    -------
    list of ase.Atoms
        The nematic frames by increasing target S, then the smectic ones.

    Raises
    ------
    ValueError, PlacementError
        From :func:`generate_configuration`; ``s_max`` outside [0, 1];
        ``items`` not within the frames.
    """
    s_max = _check_target(s_max)
    plan = [("nematic", s) for s in np.linspace(0.0, s_max, n_nematic)]
    plan += [("smectic", s) for s in np.linspace(0.0, s_max, n_smectic)]
    seeds = np.random.SeedSequence(seed).generate_state(len(plan))  # word k does not depend on len(plan)
    return [
        generate_configuration(plan[k][0], float(plan[k][1]), seed=int(seeds[k]), **kwargs)
        for k in check_items(items, len(plan))
    ]


def _check_target(target_S):
    try:
        value = float(target_S)
    except (TypeError, ValueError):
        raise ValueError(f"target_S must be a number in [0, 1], got {target_S!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(
            f"target_S must be in [0, 1] (0 isotropic, 1 perfectly aligned), got {target_S!r}"
        )
    return value


def _uniforms(size, rng, stratified):
    if stratified:
        return (rng.permutation(size) + rng.random(size)) / size
    return rng.random(size)


def _director_rotation(director, rng):
    """Rigid rotation taking lab z to the director."""
    if isinstance(director, str):
        if director != "random":
            raise ValueError(f"director must be a 3-vector or 'random', got {director!r}")
        return Rotation.random(rng=rng)
    n = np.asarray(director, dtype=float)
    norm = np.linalg.norm(n) if n.shape == (3,) else 0.0
    if not norm > 0.0 or not np.isfinite(norm):
        raise ValueError(f"director must be a non-zero finite 3-vector, got {director!r}")
    n = n / norm
    if n[2] > 1.0 - 1e-15:
        return Rotation.identity()
    if n[2] < -1.0 + 1e-15:
        return Rotation.from_rotvec([np.pi, 0.0, 0.0])
    axis = np.cross([0.0, 0.0, 1.0], n)
    return Rotation.from_rotvec(axis / np.linalg.norm(axis) * np.arccos(n[2]))


def _random_sequential_addition(G, semiaxes, box, propose, max_attempts):
    """Place particles one by one without overlap; returns (N, 3) centres.

    For particle i, batches of trial centres ``propose(i, k)`` (k doubling
    from 4 to 256 while none fits) are tested against the particles already
    placed, and the first trial that fits is kept (the same law as testing
    trials one at a time). A pair is certainly overlapping when its
    minimum-image distance is below the sum of the smallest semi-axes
    (inscribed spheres), certainly not when above the sum of the largest
    (bounding spheres); only pairs in between are decided by the
    Perram–Wertheim contact function.
    """
    n = len(G)
    core, reach = 2.0 * semiaxes.min(), 2.0 * semiaxes.max()
    positions = np.empty((n, 3))
    for i in range(n):
        tried, batch = 0, 4
        while True:
            trials = propose(i, batch)
            r12 = positions[None, :i] - trials[:, None]
            r12 -= box * np.round(r12 / box)
            d2 = np.einsum("tjk,tjk->tj", r12, r12)
            fits = ~np.any(d2 < core**2, axis=1)
            t, j = np.nonzero((d2 < reach**2) & fits[:, None])
            if t.size:
                fits[t[contact_function(r12[t, j], G[i], G[j]) < 1.0]] = False
            if fits.any():
                positions[i] = trials[np.argmax(fits)]
                break
            tried += batch
            if tried >= max_attempts:
                raise PlacementError(
                    f"random sequential addition placed only {i} of {n} particles: "
                    f"particle {i} found no free spot in {tried} trials; lower the "
                    "packing fraction"
                )
            batch = min(2 * batch, _MAX_BATCH)
    return positions
