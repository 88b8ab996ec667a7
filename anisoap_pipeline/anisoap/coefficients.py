"""Density coefficients and the rotational invariants built from them.

The orthonormalised coefficients <a n l m | rho_i> of every centre become a
featomic-style spherical-expansion ``TensorMap``, the 2-body radial spectrum
(l = 0 coefficients), the 3-body power spectrum (paper Eq. 17) and the 4-body
bispectrum (:mod:`.bispectrum`), per centre or averaged over each frame's centres.
"""

import numba
import numpy as np
from metatensor import Labels, TensorBlock, TensorMap
from numba import njit, prange

from .bispectrum import bispectrum_columns, bispectrum_values

__all__ = ["DensityCoefficients", "feature_labels", "power_spectrum_values"]

_POWER_NAMES = ["o3_lambda", "neighbor_1_type", "n_1", "neighbor_2_type", "n_2"]
_RADIAL_NAMES = ["neighbor_type", "n"]
_BISPECTRUM_NAMES = ["l_1", "l_2", "l_3", "neighbor_1_type", "n_1", "neighbor_2_type", "n_2", "neighbor_3_type", "n_3"]
_KINDS = ("power_spectrum", "radial_spectrum", "bispectrum")


def _check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, _KINDS))}, got {kind!r}")


class DensityCoefficients:
    """Orthonormalised density coefficients of a set of centres.

    Parameters / attributes
    -----------------------
    flat : ndarray, shape (n_centres, sum_l (2l + 1) n_species num_radial[l])
        Per centre, channel l is a (2l + 1, n_species, num_radial[l]) slab,
        one l after the other (the layout of the numba kernel's output).
    system, atom, center_type : ndarray of int64, shape (n_centres,)
        Frame index, atom index within its frame, and species of each centre.
    species : sequence of int
        Sorted neighbour species.
    num_radial : sequence of int
        Radial functions per l.
    n_systems : int
        Number of frames the centres come from.
    pairs : list of dict, optional
        The neighbour pairs the coefficients were computed from, one dict per
        chunk of frames (``EllipsoidalDensityProjection.compute_coefficients(...,
        keep_pairs=True)``), for the backward pass
        (``EllipsoidalDensityProjection.vector_jacobian_product``) without a
        second neighbour search; None otherwise.
    """

    def __init__(self, flat, system, atom, center_type, species, num_radial, n_systems, pairs=None):
        self.flat = flat
        self.system = system
        self.atom = atom
        self.center_type = center_type
        self.species = tuple(int(s) for s in species)
        self.num_radial = tuple(int(n) for n in num_radial)
        self.n_systems = int(n_systems)
        self.pairs = pairs

    @property
    def values(self):
        """``values[l]``: view of shape (n_centres, 2l + 1, n_species * num_radial[l]);
        the last axis runs over (neighbour type, n), neighbour type slowest."""
        out, start = [], 0
        for l, n_radial in enumerate(self.num_radial):
            width = len(self.species) * n_radial
            out.append(self.flat[:, start : start + (2 * l + 1) * width].reshape(-1, 2 * l + 1, width))
            start += (2 * l + 1) * width
        return out

    @classmethod
    def concatenate(cls, parts):
        """Join the coefficients of consecutive frame chunks (system indices shifted)."""
        if len(parts) == 1:
            return parts[0]
        offset, systems = 0, []
        for part in parts:
            systems.append(part.system + offset)
            offset += part.n_systems
        first = parts[0]
        return cls(
            np.concatenate([p.flat for p in parts]),
            np.concatenate(systems),
            np.concatenate([p.atom for p in parts]),
            np.concatenate([p.center_type for p in parts]),
            first.species,
            first.num_radial,
            offset,
            sum((p.pairs for p in parts), []) if all(p.pairs is not None for p in parts) else None,
        )

    def to_tensormap(self):
        """Spherical expansion with featomic 0.6's label names.

        Returns
        -------
        metatensor.TensorMap
            Keys (``o3_lambda``, ``o3_sigma``, ``center_type``); samples
            (``system``, ``atom``); components (``o3_mu``); properties
            (``neighbor_type``, ``n``). Featomic has ``neighbor_type`` in the
            keys instead (see ``EllipsoidalDensityProjection``'s Notes).
        """
        keys, blocks = [], []
        for l, values in enumerate(self.values):
            components = [Labels(["o3_mu"], np.arange(-l, l + 1, dtype=np.int32).reshape(-1, 1))]
            properties = _labels(_RADIAL_NAMES, [[a, n] for a in self.species for n in range(self.num_radial[l])])
            for t in np.unique(self.center_type):
                mask = self.center_type == t
                keys.append([l, 1, t])
                blocks.append(TensorBlock(np.ascontiguousarray(values[mask]), self._samples(mask), components, properties))
        return TensorMap(_labels(["o3_lambda", "o3_sigma", "center_type"], keys), blocks)

    def invariants(self, kind="power_spectrum", mean_over_samples=True, angular_cutoff=None, center_types=None):
        """Radial spectrum, power spectrum or bispectrum, per centre or averaged per frame.

        Parameters
        ----------
        kind : {"power_spectrum", "radial_spectrum", "bispectrum"}
        mean_over_samples : bool
        angular_cutoff : int, optional
            Bispectrum only: largest l of the three coupled densities (default
            max_angular); see :mod:`.bispectrum`.
        center_types : sequence of int, optional
            Centre types that get columns (or blocks), a superset of those
            present; a type without centres gets zeros. Default: the types present.

        Returns
        -------
        ndarray (n_systems, n_features) or metatensor.TensorMap
            Averaged: columns center_type, then the feature order of
            :func:`feature_labels`; each centre type's block is the mean over
            that type's centres in the frame (zeros if it has none). Per centre:
            a ``TensorMap`` with keys (``center_type``), samples (``system``,
            ``atom``) and the properties of :func:`feature_labels`.

        Raises
        ------
        ValueError
            For an unknown kind, an angular_cutoff given for another kind than
            the bispectrum or outside [0, max_angular], or center_types missing
            a type present.
        """
        _check_kind(kind)
        if angular_cutoff is not None and kind != "bispectrum":
            raise ValueError(f"angular_cutoff applies to kind='bispectrum' only, not {kind!r}")
        present = np.unique(self.center_type)
        if center_types is None:
            center_types = present
        else:
            center_types = np.unique(np.asarray(center_types, dtype=np.int64))
            missing = np.setdiff1d(present, center_types)
            if len(missing):
                raise ValueError(f"center_types {center_types.tolist()} lacks the centre types {missing.tolist()} present")
        if kind == "bispectrum" and mean_over_samples:
            return self._bispectrum_frame_means(center_types, angular_cutoff)
        if kind == "power_spectrum" and mean_over_samples:
            return self._power_spectrum_frame_means(center_types)
        if kind == "power_spectrum":
            values = power_spectrum_values(self.flat, self.num_radial, len(self.species))
        elif kind == "radial_spectrum":
            values = self.values[0][:, 0, :]
        else:
            values = bispectrum_values(self.flat, self.num_radial, len(self.species), angular_cutoff)
        if mean_over_samples:
            return np.concatenate([self._frame_mean(values, self.center_type == t) for t in center_types], axis=1)
        properties = feature_labels(self.species, self.num_radial, kind, center_types=[0], angular_cutoff=angular_cutoff)
        properties = Labels(properties.names[1:], properties.values[:, 1:])
        blocks = [
            TensorBlock(np.ascontiguousarray(values[self.center_type == t]), self._samples(self.center_type == t), [], properties)
            for t in center_types
        ]
        return TensorMap(_labels(["center_type"], center_types.reshape(-1, 1)), blocks)

    def _bispectrum_frame_means(self, center_types, angular_cutoff):
        """Frame means per (centre type, frame) taken in the kernel, without the
        (n_centres x n_features) per-centre array."""
        group = np.searchsorted(center_types, self.center_type) * self.n_systems + self.system
        n_groups = len(center_types) * self.n_systems
        means = bispectrum_values(self.flat, self.num_radial, len(self.species), angular_cutoff, group, n_groups)
        return means.reshape(len(center_types), self.n_systems, -1).transpose(1, 0, 2).reshape(self.n_systems, -1)

    def _power_spectrum_frame_means(self, center_types):
        """Frame means of the power spectrum without the (n_centres x n_features)
        per-centre array: each (centre type, frame) group summed in centre order
        in one parallel kernel, then divided by its size (the bits of
        :meth:`_frame_mean` on :func:`power_spectrum_values`)."""
        group = np.searchsorted(center_types, self.center_type) * self.n_systems + self.system
        n_groups = len(center_types) * self.n_systems
        order = np.argsort(group, kind="stable")
        counts = np.bincount(group, minlength=n_groups)
        group_ptr = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(counts, out=group_ptr[1:])
        sums = _power_spectrum_sums(
            np.ascontiguousarray(self.flat), np.asarray(self.num_radial, dtype=np.int64), len(self.species),
            order.astype(np.int64), group_ptr, _n_tasks(n_groups),
        )
        means = sums / np.maximum(counts, 1)[:, None]
        return means.reshape(len(center_types), self.n_systems, -1).transpose(1, 0, 2).reshape(self.n_systems, -1)

    def _frame_mean(self, values, mask):
        system = self.system[mask]
        if not mask.all():
            values = values[mask]
        if np.any(np.diff(system) < 0):  # chunks keep frames in order: rarely taken
            order = np.argsort(system, kind="stable")
            system, values = system[order], values[order]
        present, first = np.unique(system, return_index=True)
        means = np.zeros((self.n_systems, values.shape[1]))
        if len(present):
            counts = np.diff(np.append(first, len(system)))
            means[present] = np.add.reduceat(values, first, axis=0) / counts[:, None]
        return means

    def _samples(self, mask):
        return _labels(["system", "atom"], np.stack([self.system[mask], self.atom[mask]], axis=1))


def _labels(names, values):
    return Labels(names, np.asarray(values, dtype=np.int32).reshape(-1, len(names)))


def power_spectrum_values(flat, num_radial, n_species):
    """Per-centre power spectrum (paper Eq. 17, with anisoap's CG factor).

    Parameters
    ----------
    flat : ndarray (n_centres, n_coefficients)
        Coefficients in the layout of :attr:`DensityCoefficients.flat`.
    num_radial : sequence of int
        Radial functions per l.
    n_species : int

    Returns
    -------
    ndarray, shape (n_centres, sum_l (n_species num_radial[l])²)
        Block l is (-1)^l / sqrt(2l + 1) sum_m c_{q l m} c_{q' l m} over all
        ordered channel pairs (q, q'), q = (neighbour type, n) — the coupling to
        L = 0 that anisoap 0.1.1's ``cg_combine`` applies.
    """
    flat = np.ascontiguousarray(flat)
    return _power_spectrum(flat, np.asarray(num_radial, dtype=np.int64), n_species, _n_tasks(len(flat)))


def _n_tasks(n_items):
    """Parallel tasks for ``n_items`` independent items: two per thread, at least one."""
    return max(1, min(n_items, 2 * numba.get_num_threads()))


@njit(cache=True)
def _power_spectrum_width(num_radial, n_species):
    n_features = 0
    for l in range(num_radial.shape[0]):
        n_features += (n_species * num_radial[l]) ** 2
    return n_features


@njit(cache=True, parallel=True)
def _power_spectrum(flat, num_radial, n_species, n_tasks):
    """Per-centre power spectra (:func:`power_spectrum_values`): ``n_tasks`` runs of
    consecutive centres in parallel, each by blocks of ``_BLOCK`` centres
    (:func:`_block_power_spectrum`) in one scratch of its own."""
    n_centres, n_coefficients = flat.shape
    n_features = _power_spectrum_width(num_radial, n_species)
    out = np.empty((n_centres, n_features))
    for task in prange(n_tasks):
        coefficients = np.empty((n_coefficients, odd_lines(_BLOCK)))
        columns = np.empty((n_features, odd_lines(_BLOCK)))
        for first in range(n_centres * task // n_tasks, n_centres * (task + 1) // n_tasks, _BLOCK):
            n = min(_BLOCK, n_centres * (task + 1) // n_tasks - first)
            _block_power_spectrum(flat, np.arange(first, first + n), num_radial, n_species, coefficients, columns)
            for k in range(n):
                for f in range(n_features):
                    out[first + k, f] = columns[f, k]
    return out


@njit(cache=True)
def _pairwise_leaf(a, first, n):
    """numpy's ``pairwise_sum`` of ``a[first:first + n]`` for n <= 128: up to 8
    terms one after the other from -0.0, else 8 partial sums and the rest."""
    if n < 8:
        total = -0.0
        for i in range(first, first + n):
            total += a[i]
        return total
    r0, r1, r2, r3 = a[first], a[first + 1], a[first + 2], a[first + 3]
    r4, r5, r6, r7 = a[first + 4], a[first + 5], a[first + 6], a[first + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[first + i]
        r1 += a[first + i + 1]
        r2 += a[first + i + 2]
        r3 += a[first + i + 3]
        r4 += a[first + i + 4]
        r5 += a[first + i + 5]
        r6 += a[first + i + 6]
        r7 += a[first + i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[first + i]
        i += 1
    return total


@njit(cache=True)
def _pairwise_sum(a, first, n):
    """``a[first:first + n].sum()`` in the order of numpy's add reduction
    (``pairwise_sum``: :func:`_pairwise_leaf` up to 128 terms, above that the sum
    of two halves cut at a multiple of 8), so the same bits. The recursion runs
    on an explicit stack (numba's cache does not keep recursive functions)."""
    if n <= 128:
        return _pairwise_leaf(a, first, n)
    depth = 128
    task_first = np.empty(depth, dtype=np.int64)
    task_n = np.empty(depth, dtype=np.int64)
    task_combine = np.zeros(depth, dtype=np.bool_)
    results = np.empty(depth)
    n_tasks, n_results = 1, 0
    task_first[0], task_n[0] = first, n
    while n_tasks > 0:
        n_tasks -= 1
        start, size, combine = task_first[n_tasks], task_n[n_tasks], task_combine[n_tasks]
        if combine:  # left + right, the two latest results
            n_results -= 1
            results[n_results - 1] += results[n_results]
        elif size <= 128:
            results[n_results] = _pairwise_leaf(a, start, size)
            n_results += 1
        else:  # left, then right, then their sum (pushed in reverse)
            half = size // 2
            half -= half % 8
            task_first[n_tasks], task_n[n_tasks], task_combine[n_tasks] = start, size, True
            task_first[n_tasks + 1], task_n[n_tasks + 1], task_combine[n_tasks + 1] = start + half, size - half, False
            task_first[n_tasks + 2], task_n[n_tasks + 2], task_combine[n_tasks + 2] = start, half, False
            n_tasks += 3
    return results[0]


@njit(cache=True)
def odd_lines(n):
    """Length >= n of a float64 row spanning an odd number of 64-byte cache lines:
    rows of a scratch array a power of two apart would share a few cache sets and
    evict each other."""
    return ((n + 7) // 8 | 1) * 8


#: Centres whose power spectra are computed together, the vectorised axis of the
#: scratch of :func:`_block_power_spectrum` (for frame means: whole frames, a larger
#: frame alone).
_BLOCK = 64


@njit(cache=True)
def _block_power_spectrum(flat, centres, num_radial, n_species, coefficients, columns):
    """Power spectra (paper Eq. 17, with anisoap's CG factor, see
    :func:`power_spectrum_values`) of the n rows ``centres`` of ``flat``:
    ``columns[f, k]`` is feature f of centre ``centres[k]``.

    Their coefficients are first copied transposed into ``coefficients`` (a centre
    per column), so that every loop runs over the centres, contiguous and
    vectorised; each value is summed over m in order from 0 and then scaled,
    the same operations for every centre. Scratch rows of an odd number of
    cache lines (:func:`odd_lines`): the transposed copy writes one value per
    row, and rows 512 B apart would evict each other.
    """
    n = centres.shape[0]
    for k in range(n):
        for a in range(flat.shape[1]):
            coefficients[a, k] = flat[centres[k], a]
    start = 0
    column = 0
    for l in range(num_radial.shape[0]):
        width = n_species * num_radial[l]
        factor = (-1.0) ** l / np.sqrt(2.0 * l + 1.0)
        for q in range(width):
            for r in range(width):
                o = columns[column + q * width + r, :n]
                for k in range(n):
                    o[k] = 0.0
                for m in range(2 * l + 1):
                    cq = coefficients[start + m * width + q, :n]
                    cr = coefficients[start + m * width + r, :n]
                    for k in range(n):
                        o[k] += cq[k] * cr[k]
                for k in range(n):
                    o[k] *= factor
        start += (2 * l + 1) * width
        column += width * width


@njit(cache=True, parallel=True)
def _power_spectrum_sums(flat, num_radial, n_species, order, group_ptr, n_tasks):
    """Sum of the power spectra of the centres ``order[group_ptr[g]:group_ptr[g + 1]]``
    for each group g (zeros for an empty group), as ``np.add.reduceat`` adds the
    rows of :func:`power_spectrum_values`: the first, plus the pairwise sum
    (:func:`_pairwise_sum`) of the others, so the same bits.

    ``n_tasks`` contiguous runs of groups, of about equal numbers of centres, run
    in parallel, each with one scratch. A task takes whole groups by blocks of
    about ``_BLOCK`` centres (:func:`_block_power_spectrum`); each group's terms
    of a feature are then contiguous for its sum.
    """
    n_groups = group_ptr.shape[0] - 1
    n_features = _power_spectrum_width(num_radial, n_species)
    n_coefficients = flat.shape[1]
    out = np.zeros((n_groups, n_features))
    n_centres = group_ptr[n_groups]
    for task in prange(n_tasks):
        g = np.searchsorted(group_ptr, n_centres * task // n_tasks)
        last = np.searchsorted(group_ptr, n_centres * (task + 1) // n_tasks) if task < n_tasks - 1 else n_groups
        capacity = _BLOCK
        coefficients = np.empty((n_coefficients, odd_lines(capacity)))
        columns = np.empty((n_features, odd_lines(capacity)))
        while g < last:
            first = g
            n = 0
            while g < last and (n == 0 or n + group_ptr[g + 1] - group_ptr[g] <= _BLOCK):
                n += group_ptr[g + 1] - group_ptr[g]
                g += 1
            if n == 0:
                continue
            if n > capacity:
                capacity = n
                coefficients = np.empty((n_coefficients, odd_lines(capacity)))
                columns = np.empty((n_features, odd_lines(capacity)))
            base = group_ptr[first]
            _block_power_spectrum(flat, order[base : base + n], num_radial, n_species, coefficients, columns)
            for h in range(first, g):
                k0 = group_ptr[h] - base
                size = group_ptr[h + 1] - group_ptr[h]
                if size == 0:
                    continue
                for f in range(n_features):
                    terms = columns[f]
                    if size <= 8:  # the rest is a leaf: summed in order from -0.0, inline
                        rest = -0.0
                        for k in range(k0 + 1, k0 + size):
                            rest += terms[k]
                        out[h, f] = terms[k0] + rest if size > 1 else terms[k0]
                    else:
                        out[h, f] = terms[k0] + _pairwise_sum(terms, k0 + 1, size - 1)
    return out


def feature_labels(species, num_radial, kind="power_spectrum", center_types=None, angular_cutoff=None):
    """Labels of the averaged feature columns.

    Parameters
    ----------
    species : sequence of int
        Neighbour species channels.
    num_radial : sequence of int
        Radial functions per l.
    kind : {"power_spectrum", "radial_spectrum", "bispectrum"}
    center_types : sequence of int, optional
        Centre species, default ``species``.
    angular_cutoff : int, optional
        Bispectrum only, as in :meth:`DensityCoefficients.invariants`.

    Returns
    -------
    metatensor.Labels
        In column order: (center_type, o3_lambda, neighbor_1_type, n_1,
        neighbor_2_type, n_2) for the power spectrum, (center_type,
        neighbor_type, n) for the radial spectrum, (center_type, l_1, l_2, l_3,
        neighbor_1_type, n_1, neighbor_2_type, n_2, neighbor_3_type, n_3) for the
        bispectrum (the non-redundant set of :mod:`.bispectrum`).
    """
    _check_kind(kind)
    species = sorted(int(s) for s in species)
    center_types = species if center_types is None else sorted(int(s) for s in center_types)
    if kind == "power_spectrum":
        channels = [[(a, n) for a in species for n in range(nr)] for nr in num_radial]
        rows = [[l, a, n, b, m] for l, ch in enumerate(channels) for (a, n) in ch for (b, m) in ch]
        names = _POWER_NAMES
    elif kind == "radial_spectrum":
        rows = [[a, n] for a in species for n in range(num_radial[0])]
        names = _RADIAL_NAMES
    else:
        columns = bispectrum_columns(num_radial, len(species), angular_cutoff)
        channels = [[(a, n) for a in species for n in range(nr)] for nr in num_radial]
        rows = [
            [l1, l2, l3, *channels[l1][q1], *channels[l2][q2], *channels[l3][q3]]
            for l1, l2, l3, q1, q2, q3 in columns.tolist()
        ]
        names = _BISPECTRUM_NAMES
    return _labels(["center_type", *names], [[t, *r] for t in center_types for r in rows])
