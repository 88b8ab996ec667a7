"""The AniSOAP bispectrum: rotationally invariant three-density correlations (nu = 3).

The power spectrum (JCP paper, Eq. 17) couples two copies of the density
coefficients c_{q l m} = <q l m | rho_i> to total angular momentum zero; the
bispectrum couples three (body order 4 in ACE counting):

    B_{q1 l1, q2 l2, q3 l3} = sum_{m1 m2 m3} W^{l1 l2 l3}_{m1 m2 m3}
                              c_{q1 l1 m1} c_{q2 l2 m2} c_{q3 l3 m3},

    W^{l1 l2 l3}_{m1 m2 m3} = sum_M C^{l1 l2 l3}_{m1 m2 M} C^{l3 l3 0}_{M m3 0},

with C the real Clebsch-Gordan coefficients in featomic's convention (complex
coefficients from ``wigners``, turned real with the real spherical harmonics of
:mod:`.solid_harmonics`, no Condon-Shortley phase). W is the chain that
``featomic.clebsch_gordan.DensityCorrelations(n_correlations=2)`` evaluates
for its L = 0 output, so B is the same number, not a rescaled one (checked in
``tests/test_bispectrum.py``). For l1 + l2 + l3 even, W equals the real-basis
Wigner 3j symbol (l1 l2 l3; m1 m2 m3): it is symmetric under any permutation
of the three (l, m) pairs, so B is symmetric under any permutation of the
three (q, l) pairs. q = (neighbour type, n) is a radial channel.

What is computed (documented choices):

* **Proper invariants only** (o3_sigma = +1): l1 + l2 + l3 even. The odd
  triples are pseudoscalars, which change sign under inversion; they vanish
  for mirror-symmetric environments and are not rotation+inversion invariants.
* **Angular range**: every l_k <= ``angular_cutoff`` (default: the
  coefficients' max_angular), with the triangle rule |l1 - l2| <= l3 <= l1 + l2.
  Coupling to L = 0 forces the intermediate angular momentum (featomic's k_2)
  to equal l3, so no separate intermediate cutoff is needed: l3 <= max_angular
  bounds it.
* **Non-redundant set**: the three (l, q) pairs sorted lexicographically,
  (l1, q1) <= (l2, q2) <= (l3, q3): l1 <= l2 <= l3, and among equal l the
  channel indices do not decrease (q1 <= q2 if l1 = l2, q2 <= q3 if l2 = l3).
  Every other ordering of the same pairs is a permutation and gives the same
  number. With several species q runs over all (neighbour type, n): for
  distinct l every ordered channel triple is a column, for equal l the sorted
  ones. featomic's ``DensityCorrelations`` (``skip_redundant=True``) keeps
  l1 <= l2 <= l3 too but every channel order, so its extra columns are copies
  of ours (W1: 6,608 columns here, 10,290 there).

Column order: angular triples in lexicographic order (l1, l2, l3); within a
triple, q1, then q2, then q3 (q = neighbour-type index * num_radial[l] + n,
the order of the coefficient layout).

Limit: with an l = 0 density, B_{q1 0, q2 l, q3 l} = c_{q1 0 0} p_{q2 q3 l},
p the power spectrum of :mod:`.coefficients` (W^{0 l l}_{0 m m'} =
(-1)^l delta_{m m'} / sqrt(2l + 1), the power spectrum's own coupling).
Frame means are taken in the kernel: summed centre by centre in a fixed order,
then divided by the number of centres (the same bits whatever the thread
count), without the per-centre array.
"""

from functools import lru_cache

import numpy as np
import wigners
from numba import njit, prange

__all__ = [
    "angular_triples", "bispectrum_columns", "bispectrum_tasks", "bispectrum_values", "real_clebsch_gordan",
    "zero_coupling",
]


def _real_to_complex(l):
    """U (m = -l..l) turning real into complex harmonics, as featomic builds it
    (``_real2complex``): row m of U.T gives real harmonic m in complex ones."""
    u = np.zeros((2 * l + 1, 2 * l + 1), dtype=complex)
    s = 1.0 / np.sqrt(2.0)
    for m in range(-l, l + 1):
        if m < 0:
            u[l + m, l + m] = -1j * s
            u[l + m, l - m] = 1j * s * (-1) ** m
        elif m == 0:
            u[l, l] = 1.0
        else:
            u[l + m, l - m] = s
            u[l + m, l + m] = s * (-1) ** m
    return u.T


@lru_cache(maxsize=None)
def real_clebsch_gordan(l1, l2, L):
    """Real Clebsch-Gordan coefficients coupling l1 and l2 to L.

    Parameters
    ----------
    l1, l2, L : int
        Angular momenta with |l1 - l2| <= L <= l1 + l2.

    Returns
    -------
    ndarray, shape (2 l1 + 1, 2 l2 + 1, 2 L + 1)
        C^{l1 l2 L}_{m1 m2 M} (m from -l to l) in the real basis:
        sum over m' of U^L*_{m' M} C^complex_{m1' m2' M'} U^l1_{m1' m1} U^l2_{m2' m2}, real part
        for l1 + l2 + L even, imaginary part for odd (featomic's convention).
        Cached: computed once per (l1, l2, L).
    """
    complex_cg = wigners.clebsch_gordan_array(l1, l2, L)
    u1, u2, u3 = _real_to_complex(l1), _real_to_complex(l2), _real_to_complex(L)
    real = np.einsum("abc,ai,bj,ck->ijk", complex_cg, u1, u2, u3.conj())
    return np.ascontiguousarray(real.real if (l1 + l2 + L) % 2 == 0 else real.imag)


@lru_cache(maxsize=None)
def zero_coupling(l1, l2, l3):
    """W^{l1 l2 l3}_{m1 m2 m3}: l1 and l2 coupled to l3, then l3 and l3 to 0.

    Returns
    -------
    ndarray, shape (2 l1 + 1, 2 l2 + 1, 2 l3 + 1)
        sum_M C^{l1 l2 l3}_{m1 m2 M} C^{l3 l3 0}_{M m3 0}.
    """
    return np.einsum("abM,Mc->abc", real_clebsch_gordan(l1, l2, l3), real_clebsch_gordan(l3, l3, 0)[:, :, 0])


def angular_triples(max_angular):
    """(l1, l2, l3) with l1 <= l2 <= l3 <= max_angular, l3 <= l1 + l2 and
    l1 + l2 + l3 even, in lexicographic order; shape (n_triples, 3), int64."""
    rows = [
        (l1, l2, l3)
        for l1 in range(max_angular + 1)
        for l2 in range(l1, max_angular + 1)
        for l3 in range(l2, min(l1 + l2, max_angular) + 1)
        if (l1 + l2 + l3) % 2 == 0
    ]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _check_cutoff(num_radial, angular_cutoff):
    max_angular = len(num_radial) - 1
    if angular_cutoff is None:
        return max_angular
    if int(angular_cutoff) != angular_cutoff or not 0 <= angular_cutoff <= max_angular:
        raise ValueError(f"angular_cutoff must be an integer in [0, max_angular = {max_angular}], got {angular_cutoff!r}")
    return int(angular_cutoff)


def bispectrum_columns(num_radial, n_species, angular_cutoff=None):
    """Column description of :func:`bispectrum_values`.

    Parameters
    ----------
    num_radial : sequence of int
        Radial functions per l (l = 0 .. max_angular).
    n_species : int
    angular_cutoff : int, optional
        Largest l of any of the three densities; default max_angular.

    Returns
    -------
    ndarray of int64, shape (n_features, 6)
        (l1, l2, l3, q1, q2, q3) per column, q = neighbour-type index *
        num_radial[l] + n.

    Raises
    ------
    ValueError
        If angular_cutoff is outside [0, max_angular].
    """
    rows = []
    for l1, l2, l3 in angular_triples(_check_cutoff(num_radial, angular_cutoff)):
        w1, w2, w3 = (n_species * num_radial[l] for l in (l1, l2, l3))
        for q1 in range(w1):
            for q2 in range(q1 if l1 == l2 else 0, w2):
                for q3 in range(q2 if l2 == l3 else 0, w3):
                    rows.append((l1, l2, l3, q1, q2, q3))
    return np.array(rows, dtype=np.int64).reshape(-1, 6)


def _tables(num_radial, n_species, angular_cutoff):
    """Triples, coefficient offsets, widths, sparse couplings and column offsets
    for the kernel."""
    widths = np.array([n_species * n for n in num_radial], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum([(2 * l + 1) * w for l, w in enumerate(widths)])]).astype(np.int64)
    # columns come triple by triple, triples in lexicographic order
    triples, counts = np.unique(bispectrum_columns(num_radial, n_species, angular_cutoff)[:, :3], axis=0, return_counts=True)
    entries, pointers = [], [0]
    for l1, l2, l3 in triples:
        w = zero_coupling(l1, l2, l3)
        m1, m2, m3 = np.nonzero(np.abs(w) > 1e-14)
        entries.append(np.stack([m1, m2, m3, w[m1, m2, m3]], axis=1))
        pointers.append(pointers[-1] + len(m1))
    entries = np.concatenate(entries) if entries else np.zeros((0, 4))
    return (
        triples.astype(np.int64).reshape(-1, 3),
        offsets,
        widths,
        np.ascontiguousarray(entries[:, :3]).astype(np.int64),
        np.ascontiguousarray(entries[:, 3]),
        np.array(pointers, dtype=np.int64),
        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    )


def bispectrum_values(flat, num_radial, n_species, angular_cutoff=None, groups=None, n_groups=None):
    """Per-centre bispectrum (nu = 3 proper invariants, see the module docstring),
    or its means over groups of centres.

    Parameters
    ----------
    flat : ndarray (n_centres, n_coefficients)
        Coefficients in the layout of ``DensityCoefficients.flat``: per centre,
        channel l is a (2l + 1, n_species, num_radial[l]) slab, l after l.
    num_radial : sequence of int
        Radial functions per l.
    n_species : int
    angular_cutoff : int, optional
        Largest l of the three densities; default max_angular = len(num_radial) - 1.
    groups : ndarray of int (n_centres,), optional
        Row of the output each centre is averaged into (e.g. its frame), in
        [0, n_groups); a centre with a negative group is left out, a group
        without centres is zeros. Each row is summed in centre order, then
        divided by its number of centres (the bits of ``sums / counts``), so
        it does not depend on the thread count, and the per-centre array
        (n_centres x n_features) is never held in memory.
    n_groups : int, optional
        Number of output rows with ``groups``.

    Returns
    -------
    ndarray, shape (n_centres, n_features) or (n_groups, n_features)
        Columns as in :func:`bispectrum_columns`.

    Raises
    ------
    ValueError
        If angular_cutoff is outside [0, max_angular], ``flat`` does not have
        the width the layout implies, or ``groups`` does not fit.
    """
    flat = np.ascontiguousarray(flat, dtype=np.float64)
    triples, offsets, widths, index, weight, pointers, columns = _tables(tuple(num_radial), n_species, angular_cutoff)
    if flat.ndim != 2 or flat.shape[1] != offsets[-1]:
        raise ValueError(f"flat coefficients must have shape (n_centres, {offsets[-1]}), got {flat.shape}")
    if groups is None:  # one row per centre
        order = rows = np.arange(len(flat), dtype=np.int64)
        n_rows = len(flat)
        group_ends = np.arange(1, len(flat) + 1, dtype=np.int64)
        counts = np.ones(0)  # nothing to divide
    else:
        groups = np.asarray(groups, dtype=np.int64)
        if groups.shape != (len(flat),) or n_groups is None or groups.max(initial=-1) >= n_groups:
            raise ValueError(f"groups must be {len(flat)} integers below n_groups = {n_groups}")
        order = np.argsort(groups, kind="stable")
        order = order[groups[order] >= 0]
        rows = groups[order]
        sizes = np.bincount(rows, minlength=n_groups)
        group_ends = np.cumsum(sizes).astype(np.int64)
        counts = np.maximum(sizes, 1).astype(np.float64)
        n_rows = int(n_groups)
    tasks = bispectrum_tasks(group_ends)
    return _bispectrum(flat, order, rows, tasks, n_rows, counts, triples, offsets, widths, index, weight, pointers,
                       columns)


#: centres handled together in the kernel (the vectorised innermost loops)
_CHUNK = 16
#: centres per task of the kernel, at least (whole groups)
_TASK = 64


def bispectrum_tasks(group_ends):
    """Tasks of :func:`_bispectrum`: runs of whole groups of centres, each ending at
    the first group end at or after a multiple of ``_TASK`` centres.

    A task's centres fill the kernel's lanes ``_CHUNK`` at a time whatever
    group they belong to (a frame of two centres does not take 16 lanes), and
    no two tasks share a group, so no two threads add to the same row. Fixed
    by the group sizes alone: the same tasks, lanes and bits on any machine.

    Parameters
    ----------
    group_ends : ndarray of int64 (n_groups,)
        Cumulative number of centres at the end of each group (in kernel order).

    Returns
    -------
    ndarray of int64 (n_tasks + 1,)
        Task k is centres ``tasks[k]:tasks[k + 1]`` of the kernel order.
    """
    total = int(group_ends[-1]) if len(group_ends) else 0
    ends = group_ends[np.searchsorted(group_ends, np.arange(_TASK, total, _TASK), side="left")]
    return np.unique(np.concatenate([[0], ends, [total]])).astype(np.int64)


@njit(cache=True, parallel=True)
def _bispectrum(flat, order, rows, tasks, n_rows, counts, triples, offsets, widths, index, weight, pointers, columns):
    """Centres order[tasks[k]:tasks[k + 1]] are task k (one thread); the
    invariants of centre order[j] are added to out[rows[j]] in j order, then
    (``counts`` not empty) the task's rows are divided by their ``counts``. Each
    lane's operations are its own, so a centre's values do not depend on the
    centres that share its chunk."""
    n_triples, n_coefficients = triples.shape[0], flat.shape[1]
    scratch = 0
    for t in range(n_triples):
        scratch = max(scratch, (2 * triples[t, 2] + 1) * widths[triples[t, 0]] * widths[triples[t, 1]])
    out = np.zeros((n_rows, columns[n_triples]))
    for task in prange(tasks.shape[0] - 1):
        x = np.zeros((n_coefficients, _CHUNK))  # coefficients of a chunk, centre innermost
        product = np.empty((scratch, _CHUNK))
        a = np.empty(_CHUNK)
        value = np.empty(_CHUNK)
        for first in range(tasks[task], tasks[task + 1], _CHUNK):
            n = min(_CHUNK, tasks[task + 1] - first)
            for c in range(n):
                x[:, c] = flat[order[first + c]]
            for t in range(n_triples):
                l1, l2, l3 = triples[t, 0], triples[t, 1], triples[t, 2]
                w1, w2, w3 = widths[l1], widths[l2], widths[l3]
                o1, o2, o3 = offsets[l1], offsets[l2], offsets[l3]
                # product[(M, q1, q2)] = sum_{m1 m2} W_{m1 m2 M} c1[m1, q1] c2[m2, q2]:
                # the CG product of the first two densities, coupled to l3
                product[: (2 * l3 + 1) * w1 * w2] = 0.0
                for e in range(pointers[t], pointers[t + 1]):
                    m1, m2, m3 = index[e, 0], index[e, 1], index[e, 2]
                    for q1 in range(w1):
                        for c in range(_CHUNK):
                            a[c] = weight[e] * x[o1 + m1 * w1 + q1, c]
                        row = (m3 * w1 + q1) * w2
                        for q2 in range(q1 if l1 == l2 else 0, w2):
                            for c in range(_CHUNK):
                                product[row + q2, c] += a[c] * x[o2 + m2 * w2 + q2, c]
                # contract with the third density over M, non-redundant (q1, q2, q3) only
                column = columns[t]
                for q1 in range(w1):
                    for q2 in range(q1 if l1 == l2 else 0, w2):
                        for q3 in range(q2 if l2 == l3 else 0, w3):
                            value[:] = 0.0
                            for m3 in range(2 * l3 + 1):
                                for c in range(_CHUNK):
                                    value[c] += product[(m3 * w1 + q1) * w2 + q2, c] * x[o3 + m3 * w3 + q3, c]
                            for c in range(n):
                                out[rows[first + c], column] += value[c]
                            column += 1
        if counts.shape[0]:  # the task's rows are whole groups (tasks are never empty)
            for r in range(rows[tasks[task]], rows[tasks[task + 1] - 1] + 1):
                for column in range(out.shape[1]):
                    out[r, column] /= counts[r]
    return out
