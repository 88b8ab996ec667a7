"""Exact count of the featuriser's floating-point work: a cost that no machine changes.

:func:`operation_count` counts the floating-point operations (flop: one +,
−, ×, ÷, √ or exp of float64 numbers, a multiply-add counting two) that the
numba kernels of :meth:`EllipsoidalDensityProjection.compute` perform for one
set of hyperparameters on one set of frames, read off the kernels' loops. It
depends only on the hyperparameters, the frames and the neighbour lists at
the cutoff, so it is the same number on every machine, at every load and
thread count: the cost axis of the cost–accuracy sweeps
(:mod:`anisoap_pipeline.studies.sweep.analysis`). ``benchmarks/sweep_cost.py``
checks that it ranks the grid points as their measured CPU time does and
fits the nanoseconds per flop that turn it into seconds (BENCHMARKS.md).

The terms, with D = max_l (l + 2 (num_radial[l] − 1)) the basis' highest
monomial degree, M = (D + 1)(D + 2)(D + 3) / 6 the number of Gaussian moments
up to D, S the neighbour species, w_l = S num_radial[l]:

``neighbour_search``
    :func:`.neighbors.batch_neighbor_pairs`: 26 flop (the image vector and
    its squared length) per (centre, neighbour, image) candidate the numba
    search examines, twice (it counts, then writes: ``NEIGHBOUR_PASSES``);
    frames searched by vesin count 26 flop per pair found (a lower bound).
``pair_moments``
    Per neighbour pair (:func:`.expansion.density_coefficients`): the pair
    Gaussian (``PAIR_SETUP`` = 70 flop, :func:`.moments.gaussian_parameters`
    and the cutoff weight), its M − 1 higher moments by recurrence (10 flop
    each, :func:`.moments.gaussian_moments`) and their sum over the
    neighbours of one species (M adds).
``contraction``
    Per centre with at least one pair (:func:`.expansion.contract_centre`):
    the moments onto r^{2n} R_l^m, 2 S nnz(T) with T the sparse matrix of
    :func:`.solid_harmonics.solid_harmonic_coefficients`, and the Löwdin
    orthonormalisation, 2 S sum_l (2l + 1) num_radial[l]².
``invariants``
    Per centre. Radial spectrum: none (the l = 0 coefficients). Power
    spectrum (:func:`.coefficients.power_spectrum_values`): sum_l (2 (2l + 1)
    + 1) w_l² (the m sum and the coupling factor). Bispectrum
    (:func:`.bispectrum.bispectrum_values`): per angular triple, the
    Clebsch–Gordan product of the first two densities (per non-zero coupling
    entry and q1, 1 + 2 × the q2 it runs over) and per non-redundant column
    2 (2 l3 + 1) to contract the third; the kernel runs on lanes of
    ``_CHUNK`` = 16 centres within tasks of whole frames (frame means) or
    of 64 centres (per centre) (:func:`.bispectrum.bispectrum_tasks`), so
    a task's last chunk may be partly empty: lanes, not centres, are
    counted. Then 1 add per column and centre into its row.
``frame_means``
    Frame means (not for ``per_centre``): radial and power spectrum, the
    sums over a frame's centres and the divide, together 1 flop per feature
    and centre; bispectrum (summed in its kernel, above), 1 divide per
    feature, centre type and frame.

Not counted: integer index arithmetic, memory traffic, validation and
packing of the frames, and Python overhead; BENCHMARKS.md shows how much of
the measured time they leave unexplained.
"""

import numpy as np

from .bispectrum import _CHUNK, _tables, bispectrum_tasks
from .neighbors import SMALL_FRAME_WORK, batch_neighbor_pairs, image_search
from .solid_harmonics import solid_harmonic_coefficients

__all__ = ["NEIGHBOUR_CANDIDATE", "NEIGHBOUR_PASSES", "PAIR_SETUP", "TERMS", "UNIT", "operation_count"]

#: Unit of every count.
UNIT = "flop"
#: flop of one (centre, neighbour, image) candidate of the neighbour search:
#: 3 × 7 for r_j - r_i + n · cell, 5 for its squared length.
NEIGHBOUR_CANDIDATE = 26
#: The numba neighbour search runs twice over its candidates (count, then write).
NEIGHBOUR_PASSES = 2
#: flop of one pair Gaussian: the inverse of Ã (32), its centre and exponent
#: (31), sqrt, exp and the prefactor (5), the constant (1), the cutoff weight (1).
PAIR_SETUP = 70
#: flop of one moment from the recurrence: c_k <f-e_k> + sum_b C_kb p_b <f-e_k-e_b>.
MOMENT_RECURRENCE = 10
#: Names of the terms of :func:`operation_count`, in kernel order.
TERMS = ("neighbour_search", "pair_moments", "contraction", "invariants", "frame_means")


def _bispectrum_lane_flop(num_radial, n_species):
    """(flop per lane, flop per centre and column add, number of columns) of the bispectrum kernel."""
    triples, _, widths, index, _, pointers, columns = _tables(tuple(num_radial), n_species, None)
    per_lane = 0
    for t, (l1, l2, l3) in enumerate(triples.tolist()):
        w1, w2, w3 = widths[l1], widths[l2], widths[l3]
        entries = int(pointers[t + 1] - pointers[t])
        # the q2 each q1 runs over: w2, or w2 - q1 when l1 = l2
        q2_runs = w1 * w2 - (w1 * (w1 - 1) // 2 if l1 == l2 else 0)
        per_lane += entries * (w1 + 2 * q2_runs)
        per_lane += 2 * (2 * l3 + 1) * int(columns[t + 1] - columns[t])
    return per_lane, int(columns[-1])


def _lanes(group_sizes):
    """Kernel lanes of the bispectrum: chunks of _CHUNK centres within its tasks of whole groups."""
    tasks = bispectrum_tasks(np.cumsum(group_sizes).astype(np.int64))
    return int((-(-np.diff(tasks) // _CHUNK) * _CHUNK).sum())


def operation_count(calculator, frames, kind="power_spectrum", *, per_centre=False, species=None, diameters=None):
    """Floating-point operations of ``calculator.compute(frames, kind=kind, per_centre=per_centre)``.

    Parameters
    ----------
    calculator : EllipsoidalDensityProjection
    frames : ase.Atoms, sequence of ase.Atoms or FrameBatch
        Validated as :meth:`~EllipsoidalDensityProjection.compute` does.
    kind : {"radial_spectrum", "power_spectrum", "bispectrum", "coefficients"}
    per_centre : bool, optional
        As in ``compute``; ``"coefficients"`` needs True.
    species, diameters : optional
        As in ``compute``.

    Returns
    -------
    dict
        ``unit`` ("flop"); ``total`` (int) and ``per_centre`` (float, total
        / centres); ``terms``: int flop per name of :data:`TERMS`;
        ``n_frames``, ``n_centres``, ``n_pairs`` (neighbour pairs at the
        cutoff, self pairs included unless subtracted), ``n_monomials`` (M)
        and ``max_degree`` (D). Equal inputs give equal numbers on any machine.

    Raises
    ------
    ValueError, TypeError
        As ``compute`` for the kind and the frames.
    """
    from .projection import KINDS, _species

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    if kind == "coefficients" and not per_centre:
        raise ValueError("kind='coefficients' needs per_centre=True, as in compute")
    batch = calculator.validated_batch(frames, diameters)
    species = _species(batch, species)
    n_species, num_radial = len(species), calculator.num_radial
    n_frames, n_centres = len(batch), int(batch.n_atoms.sum())

    centers, _, _ = batch_neighbor_pairs(batch, calculator.cutoff, not calculator.subtract_center_contribution)
    pairs_per_centre = np.bincount(centers, minlength=n_centres)
    *_, work = image_search(batch, calculator.cutoff)
    small = work <= SMALL_FRAME_WORK
    frame_of_pair = np.repeat(np.arange(n_frames), batch.n_atoms)[centers]
    candidates = NEIGHBOUR_PASSES * int((work[small] - batch.n_atoms[small]).sum())  # i = j, zero image skipped
    candidates += int(np.count_nonzero(~small[frame_of_pair]))

    row_ptr, _, _, max_degree = solid_harmonic_coefficients(calculator.max_angular, num_radial)
    n_monomials = (max_degree + 1) * (max_degree + 2) * (max_degree + 3) // 6
    n_pairs = int(len(centers))
    widths = [n_species * n for n in num_radial]
    terms = {
        "neighbour_search": NEIGHBOUR_CANDIDATE * candidates,
        "pair_moments": n_pairs * (PAIR_SETUP + MOMENT_RECURRENCE * (n_monomials - 1) + n_monomials),
        "contraction": int(np.count_nonzero(pairs_per_centre)) * 2 * n_species * (
            int(row_ptr[-1]) + sum((2 * l + 1) * n * n for l, n in enumerate(num_radial))),
        "invariants": 0,
        "frame_means": 0,
    }
    n_types = len(np.unique(batch.numbers))
    if kind == "power_spectrum":
        n_features = sum(w * w for w in widths)
        terms["invariants"] = n_centres * sum((2 * (2 * l + 1) + 1) * w * w for l, w in enumerate(widths))
    elif kind == "radial_spectrum":
        n_features = widths[0]
    elif kind == "bispectrum":
        per_lane, n_features = _bispectrum_lane_flop(num_radial, n_species)
        if per_centre:  # groups of one centre
            lanes = _lanes(np.ones(n_centres, dtype=np.int64))
        else:  # groups of one centre type in one frame
            types = np.searchsorted(np.unique(batch.numbers), batch.numbers)
            frame = np.repeat(np.arange(n_frames), batch.n_atoms)
            lanes = _lanes(np.bincount(types * n_frames + frame, minlength=n_types * n_frames))
        terms["invariants"] = lanes * per_lane + n_centres * n_features
    if not per_centre:  # reduceat adds + divides: one per feature and centre; the bispectrum's divides
        terms["frame_means"] = (n_types * n_frames if kind == "bispectrum" else n_centres) * n_features
    total = sum(int(value) for value in terms.values())
    return {
        "unit": UNIT,
        "total": int(total),
        "per_centre": total / max(n_centres, 1),
        "terms": {name: int(terms[name]) for name in TERMS},
        "n_frames": n_frames,
        "n_centres": n_centres,
        "n_pairs": n_pairs,
        "n_monomials": n_monomials,
        "max_degree": int(max_degree),
    }
