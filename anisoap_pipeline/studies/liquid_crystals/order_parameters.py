"""Classical order parameters of ellipsoid frames, through freud.

The two reference representations of the AniSOAP paper's liquid-crystal
study (Lin et al., J. Chem. Phys. 161, 074112 (2024), Sec. III A, Fig. 2),
one row per frame, plus the smectic layer order parameter:

:func:`nematic_order`
    X_OOP, the nematic (orientational) order parameter S: the largest
    eigenvalue of the Q tensor ``Q = <(3 u u^T - I) / 2>`` of the particles'
    long axes u (freud :class:`freud.order.Nematic`).
:func:`steinhardt`
    X_SOP, distance-weighted Steinhardt order parameters q_0 … q_6
    (Steinhardt, Nelson & Ronchetti, Phys. Rev. B 28, 784 (1983); paper
    Eqs. 18–19; freud :class:`freud.order.Steinhardt`), averaged over the
    particles of each frame.
:func:`layer_order`
    ``|<exp(2 pi i z / d)>|`` of the centres' coordinate z along the
    director: about 1 for well-defined smectic layers of spacing d, about
    ``N^-1/2`` without layers.

Frames follow the ellipsoid convention of :mod:`anisoap_pipeline.frames`
(any accepted spelling; they are canonicalised first).

Threads: freud parallelises with TBB over every core unless told
(:class:`freud.parallel.NumThreads` sets the count here, the previous
setting restored afterwards). The Q tensor of :class:`freud.order.Nematic`
is a single-precision parallel reduction: with two or more threads S changes
in the last bits with the thread count and even from run to run at a fixed
count (measured with freud 3.4), so the nematic order parameter always runs
on one thread (it costs microseconds per frame). The Steinhardt order
parameters are per particle and the neighbour lists sorted: they are
bitwise the same for any ``num_threads``, which :func:`steinhardt` takes.
"""

import freud
import numpy as np
from ase.cell import Cell
from scipy.spatial.transform import Rotation

from ...frames import get_quaternions, validate_frames

__all__ = ["long_axes", "nematic_order", "steinhardt", "layer_order"]


def long_axes(atoms, axis=2):
    """Lab-frame unit vectors of one body axis of every particle.

    Parameters
    ----------
    atoms : ase.Atoms
        A canonical ellipsoid frame (``c_q``: w, x, y, z, body -> lab).
    axis : {0, 1, 2}, optional
        Body axis: 2 (body z), the long axis of the liquid-crystal
        generator's prolate spheroids, by default.

    Returns
    -------
    numpy.ndarray, shape (N, 3)
        ``R_i e_axis``, the column ``axis`` of each body -> lab rotation.
    """
    rotations = Rotation.from_quat(get_quaternions(atoms), scalar_first=True)
    return rotations.as_matrix()[:, :, axis]


def nematic_order(frames, axis=2):
    """Nematic order parameter S of each frame (X_OOP).

    ``S`` is the largest eigenvalue of ``Q = 1/N sum_i (3 u_i u_i^T - I) / 2``
    for the long axes ``u_i`` (:func:`long_axes`), computed by
    :class:`freud.order.Nematic` (freud 3 takes (N, 3) direction vectors, not
    quaternions). 1 for perfect alignment; for an isotropic sample of N
    particles S ~ N^-1/2 > 0, not 0.

    Parameters
    ----------
    frames : ase.Atoms or sequence of ase.Atoms
        Ellipsoid frames.
    axis : {0, 1, 2}, optional
        Body axis taken as the particle direction (default 2, body z).

    Returns
    -------
    numpy.ndarray, shape (n_frames,)
        S in [0, 1] (dimensionless), computed by freud on one thread
        (module docstring), so bitwise the same on any machine load and
        core count.

    Raises
    ------
    ValueError
        From :func:`anisoap_pipeline.frames.validate_frames` for bad frames.
    """
    return np.array([_nematic(atoms, axis).order for atoms in validate_frames(frames)])


def steinhardt(frames, cutoff, l_values=range(0, 7), weighted=True, num_threads=1):
    """Distance-weighted Steinhardt order parameters q_l, averaged per frame (X_SOP).

    For each particle i and its neighbours j within ``cutoff`` (centres,
    minimum image in periodic frames), paper Eq. 18 as freud computes it,

        q_lm(i) = sum_j w_ij Y_lm(r_ij_hat) / sum_j w_ij,

    and Eq. 19, ``q_l(i) = sqrt(4 pi / (2l + 1) sum_m |q_lm(i)|^2)``; the row
    of a frame is ``q_l`` averaged over its particles. With
    ``weighted=True`` the weights are a smooth function of the distance,

        w_ij = (1 + cos(pi r_ij / cutoff)) / 2,

    1 at contact, decaying to 0 at the cutoff, so q_l changes continuously
    as neighbours cross the cutoff (the cosine cutoff of SOAP). They are
    passed to freud through the neighbour list (freud's ``weighted`` option
    only uses the weights a neighbour list carries: Voronoi facet areas for a
    Voronoi list, 1 for a ball query). ``weighted=False`` gives the classic
    unweighted q_l (all w_ij = 1). Weighting never changes q_l of a shell of
    neighbours at a single distance, and q_0 = 1 always.

    Parameters
    ----------
    frames : ase.Atoms or sequence of ase.Atoms
        Ellipsoid frames, periodic (any cell) or not.
    cutoff : float
        Neighbour cutoff radius, in the frames' length unit. In a periodic
        frame every periodic image within it is a neighbour, also for
        cutoffs above half the cell's width (the cell is then replicated
        for freud, whose queries take the minimum image only).
    l_values : iterable of int, optional
        Spherical-harmonic degrees l (default 0 … 6, the paper's X_SOP).
    weighted : bool, optional
        Distance weights as above (default) or none.
    num_threads : int, optional
        Threads freud uses (default 1); the result does not depend on it.

    Returns
    -------
    numpy.ndarray, shape (n_frames, len(l_values))
        ``<q_l>`` per frame (dimensionless, in [0, 1]); particles without
        neighbours (freud gives NaN) are left out of the average.

    Raises
    ------
    ValueError
        If ``cutoff`` is not positive or would need more than 10^7
        replicated points in a periodic cell, if
        ``l_values`` is empty or negative, if no particle of a frame has a
        neighbour within ``cutoff``, if ``num_threads`` is not a positive
        integer, or from :func:`anisoap_pipeline.frames.validate_frames`.
    """
    with _threads(num_threads):
        return _steinhardt(frames, cutoff, l_values, weighted)


def _steinhardt(frames, cutoff, l_values, weighted):
    l_values = [int(l) for l in l_values]
    if not l_values or min(l_values) < 0:
        raise ValueError(f"l_values must be non-negative degrees, got {l_values}")
    if not cutoff > 0.0:
        raise ValueError(f"cutoff must be positive, got {cutoff}")
    compute = freud.order.Steinhardt(l=l_values, weighted=weighted)
    rows = []
    for index, atoms in enumerate(validate_frames(frames)):
        box, points, n = _freud_system(atoms, cutoff, index)
        # bonds of the frame's own particles only (the first n points): the
        # replicated images need no q_l of their own (they get none, NaN)
        bonds = freud.locality.AABBQuery(box, points).query(
            points[:n], {"r_max": cutoff, "exclude_ii": True}
        ).toNeighborList()
        weights = (0.5 * (1.0 + np.cos(np.pi * bonds.distances / cutoff)) if weighted
                   else np.ones(len(bonds.distances)))
        bonds = freud.locality.NeighborList.from_arrays(
            len(points),
            len(points),
            bonds.query_point_indices,
            bonds.point_indices,
            bonds.vectors,
            weights,
        )
        compute.compute((box, points), neighbors=bonds)
        q = np.asarray(compute.particle_order, dtype=float).reshape(len(points), -1)[:n]
        if np.isnan(q).all():
            raise ValueError(
                f"frame {index}: no particle has a neighbour within cutoff={cutoff}"
            )
        rows.append(np.nanmean(q, axis=0))
    return np.array(rows).reshape(-1, len(l_values))


def layer_order(frames, spacing, director=None):
    """Smectic layer order parameter ``|<exp(2 pi i z / d)>|`` of each frame.

    ``z = r . n`` is the coordinate of each centre along the unit director
    n, d the layer spacing; the mean runs over the particles. It is 1 for
    centres exactly on planes spaced d apart, ``exp(-2 pi^2 s^2 / d^2)`` for
    Gaussian spread s about the planes, and ~``N^-1/2`` without layering.
    The value does not depend on how positions are wrapped only if the cell
    is commensurate with the layers (a cell vector's projection on n a
    multiple of d), as in the smectic generator's boxes.

    Parameters
    ----------
    frames : ase.Atoms or sequence of ase.Atoms
        Ellipsoid frames.
    spacing : float or array_like of float
        Layer spacing d (e.g. ``atoms.info["layer_spacing"]``), in the
        frames' length unit. Several values scan candidate spacings (e.g.
        ``d * numpy.linspace(0.9, 1.1, 41)``): the largest order parameter
        over them is returned.
    director : array_like of shape (3,), optional
        Layer normal n (normalised here). By default, per frame,
        ``atoms.info["director"]`` when present, else the nematic director
        of the frame's long axes (freud, one thread).

    Returns
    -------
    numpy.ndarray, shape (n_frames,)
        Layer order parameter in [0, 1].

    Raises
    ------
    ValueError
        If a spacing is not positive or the director is zero, or from
        :func:`anisoap_pipeline.frames.validate_frames`.
    """
    spacing = np.atleast_1d(np.asarray(spacing, dtype=float))
    if spacing.size == 0 or not np.all(spacing > 0.0):
        raise ValueError(f"spacing must be positive, got {spacing.tolist()}")
    values = []
    for atoms in validate_frames(frames):
        if director is not None:
            n = director
        elif "director" in atoms.info:
            n = atoms.info["director"]
        else:
            n = _nematic(atoms, 2).director
        n = np.asarray(n, dtype=float).reshape(3)
        if not np.linalg.norm(n) > 0.0:
            raise ValueError(f"director must be a non-zero 3-vector, got {n.tolist()}")
        z = atoms.positions @ (n / np.linalg.norm(n))
        phases = np.exp(2j * np.pi * z[:, None] / spacing[None, :])
        values.append(np.abs(phases.mean(axis=0)).max())
    return np.array(values)


def _threads(num_threads):
    """freud limited to exactly ``num_threads`` threads inside the ``with`` block."""
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 1:
        raise ValueError(f"num_threads must be a positive integer, got {num_threads!r}")
    return freud.parallel.NumThreads(int(num_threads))


def _nematic(atoms, axis):
    nematic = freud.order.Nematic()
    with _threads(1):
        nematic.compute(long_axes(atoms, axis))
    return nematic


def _freud_system(atoms, cutoff, index):
    """freud box and points of a frame, via fractional coordinates.

    ``freud.box.Box.from_matrix`` takes the lattice vectors as *columns*
    (ASE stores them as rows) and rebuilds the box in freud's upper-triangular
    orientation; positions must then be re-expressed in that orientation,
    which fractional coordinates do for any cell (a rotated, or for a
    left-handed cell mirrored, copy of the frame: q_l is invariant under both).
    freud's neighbour queries take the minimum image only, so a cell whose
    width along some axis is not above twice the cutoff is replicated along
    it (``n_k = floor(2 cutoff / width_k) + 1`` copies): in the supercell every
    periodic image within the cutoff is a distinct point, the frame's own
    particles come first. Non-periodic frames go into a cubic box wide enough
    for no image to be within the cutoff.

    Returns
    -------
    box : freud.box.Box
    points : numpy.ndarray, shape (n_copies N, 3)
    n : int
        Number of the frame's own particles (the first n points).
    """
    n = len(atoms)
    if atoms.pbc.all():
        cell = Cell(atoms.cell.array)
        widths = abs(cell.volume) / np.linalg.norm(
            np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1
        )
        copies = np.floor(2.0 * cutoff / widths).astype(int) + 1
        if np.prod(copies) * n > 10_000_000:
            raise ValueError(
                f"frame {index}: cutoff={cutoff} needs {copies.tolist()} copies of a cell of widths "
                f"{np.round(widths, 4).tolist()}; use a smaller cutoff or a larger cell"
            )
        supercell = Cell(cell.array * copies[:, None])
        box = freud.box.Box.from_box_lengths_and_angles(
            *supercell.lengths(), *np.radians(supercell.angles())
        )
        fractional = atoms.cell.scaled_positions(atoms.positions) % 1.0
        shifts = np.array(np.meshgrid(*(np.arange(c) for c in copies), indexing="ij")).reshape(3, -1).T
        points = ((fractional[None] + shifts[:, None]) / copies).reshape(-1, 3)
        return box, box.wrap(box.make_absolute(points)), n
    centred = atoms.positions - 0.5 * (atoms.positions.min(axis=0) + atoms.positions.max(axis=0))
    side = 2.0 * (np.ptp(atoms.positions, axis=0).max() + 2.0 * cutoff) + 1.0
    return freud.box.Box.cube(side), centred, n
