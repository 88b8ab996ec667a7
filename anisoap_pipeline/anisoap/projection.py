"""``EllipsoidalDensityProjection``: the AniSOAP featuriser (paper Sec. II, App. A).

Each particle j is a normalised anisotropic Gaussian of semi-axes a_k = diameter_k / 2
oriented by its body -> lab rotation R_j. The density around centre i,
rho_i(r) = sum_j g_j(r - r_ij), is expanded on r^{l+2n} [exp(-r²/2σ²)] Y_l^m and
the coefficients are Löwdin-orthonormalised; the rotationally invariant radial
(nu = 1) and power (nu = 2, Eq. 17) spectra are built from them.
"""

import numbers

import numba
import numpy as np
from scipy.spatial.transform import Rotation
from tqdm.auto import tqdm

from .batch import FrameBatch
from .coefficients import DensityCoefficients, feature_labels
from .cutoff import shifted_cosine
from .expansion import density_coefficients
from .moments import moment_recurrence
from .neighbors import neighbor_pairs
from .radial_basis import num_radial_functions, orthonormalization_matrix
from .solid_harmonics import solid_harmonic_coefficients

__all__ = ["EllipsoidalDensityProjection"]


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number (Å), got {value!r}")
    return float(value)


class EllipsoidalDensityProjection:
    """AniSOAP density coefficients and invariants of ellipsoidal particles.

    Numerically identical to anisoap 0.1.1 (golden data in
    ``../shared/reference/anisoap-0.1.1``), with species handled channel by
    channel, and computed by numba kernels parallel over centres.

    Parameters
    ----------
    max_angular : int
        Highest angular channel l (>= 0).
    cutoff : float
        Cutoff radius in Å: every periodic image j with |r_ij| < cutoff contributes
        (only the neighbour's shape and orientation enter).
    radial_gaussian_width : float, optional
        σ of the GTO basis r^{l+2n} exp(-r²/2σ²), in Å. Required for ``"gto"``,
        must be None for ``"monomial"``.
    max_radial : None, int or sequence of int
        None: n = 0 ... (max_angular - l) // 2 for each l; int N: n = 0 ... N for
        every l; sequence: n = 0 ... max_radial[l] (anisoap 0.1.1 meaning).
    radial_basis : {"gto", "monomial"}
        ``"monomial"`` is r^{l+2n}, normalised on the cutoff sphere.
    subtract_center_contribution : bool
        Leave out the centre's own density (the (i, i) pair with zero shift).
    basis_rcond : float
        Overlap eigenvalues at or below this are dropped in the Löwdin step.
    basis_tol : float
        Allowed error ||S - (S^{-1/2})^{-2}|| of the orthonormalisation.
    chunk_size : int
        Frames featurised per numba call (bounds memory); results do not
        depend on it.
    show_progress : bool
        Show a tqdm progress bar over chunks.
    cutoff_smoothing_width : float, optional
        Width w (Å, 0 < w <= cutoff) of featomic's shifted-cosine smooth
        cutoff (:mod:`.cutoff`): each pair is weighted by f(|r_ij|), 1 below
        cutoff - w, falling to 0 at the cutoff. None (default): sharp cutoff,
        the numbers of anisoap 0.1.1.

    Raises
    ------
    ValueError
        On any invalid hyperparameter, with the allowed values in the message.

    Notes
    -----
    Theory: Lin et al., J. Chem. Phys. 161, 074112 (2024), Eqs. 1-17 and
    Appendix A. The power spectrum block of channel l is
    (-1)^l / sqrt(2l + 1) sum_m c_{q l m} c_{q' l m}, i.e. the Clebsch-Gordan
    coupling to L = 0 of anisoap's ``cg_combine`` (Eq. 17 up to that factor).
    """

    def __init__(
        self,
        max_angular,
        cutoff,
        radial_gaussian_width=None,
        max_radial=None,
        radial_basis="gto",
        subtract_center_contribution=False,
        basis_rcond=0.0,
        basis_tol=1e-8,
        chunk_size=512,
        show_progress=False,
        cutoff_smoothing_width=None,
    ):
        self.max_angular = _check_int("max_angular", max_angular, 0)
        self.cutoff = _check_positive("cutoff", cutoff)
        if radial_basis not in ("gto", "monomial"):
            raise ValueError(f"radial_basis must be 'gto' or 'monomial', got {radial_basis!r}")
        self.radial_basis = radial_basis
        if radial_basis == "gto":
            if radial_gaussian_width is None:
                raise ValueError("radial_gaussian_width (Å) is required with radial_basis='gto'")
            radial_gaussian_width = _check_positive("radial_gaussian_width", radial_gaussian_width)
        elif radial_gaussian_width is not None:
            raise ValueError(
                "radial_gaussian_width applies only to radial_basis='gto'; "
                "leave it None for 'monomial'"
            )
        self.radial_gaussian_width = radial_gaussian_width
        if max_radial is not None and not isinstance(max_radial, numbers.Integral):
            try:
                max_radial = [_check_int("max_radial[l]", n, 0) for n in max_radial]
            except TypeError:
                raise ValueError(
                    f"max_radial must be None, an int >= 0 or a list of max_angular + 1 "
                    f"ints, got {max_radial!r}"
                ) from None
            if len(max_radial) != self.max_angular + 1:
                raise ValueError(
                    f"max_radial as a list needs one entry per l = 0 ... {self.max_angular} "
                    f"({self.max_angular + 1} entries), got {len(max_radial)}"
                )
        elif max_radial is not None:
            max_radial = _check_int("max_radial", max_radial, 0)
        self.max_radial = max_radial
        if not isinstance(subtract_center_contribution, (bool, np.bool_)):
            raise ValueError(
                f"subtract_center_contribution must be True or False, got {subtract_center_contribution!r}"
            )
        self.subtract_center_contribution = bool(subtract_center_contribution)
        if not np.isfinite(basis_rcond) or basis_rcond < 0:
            raise ValueError(f"basis_rcond must be a finite number >= 0, got {basis_rcond!r}")
        self.basis_rcond = float(basis_rcond)
        self.basis_tol = _check_positive("basis_tol", basis_tol)
        self.chunk_size = _check_int("chunk_size", chunk_size, 1)
        self.show_progress = bool(show_progress)
        if cutoff_smoothing_width is not None:
            cutoff_smoothing_width = _check_positive("cutoff_smoothing_width", cutoff_smoothing_width)
            if cutoff_smoothing_width > self.cutoff:
                raise ValueError(
                    f"cutoff_smoothing_width must not exceed the cutoff ({self.cutoff} Å), "
                    f"got {cutoff_smoothing_width}"
                )
        self.cutoff_smoothing_width = cutoff_smoothing_width

    # ------------------------------------------------------------------ basis
    @property
    def num_radial(self):
        """Number of radial functions per l, tuple of length max_angular + 1."""
        return num_radial_functions(self.max_angular, self.max_radial)

    def _basis(self):
        if not hasattr(self, "_basis_cache"):
            num_radial = self.num_radial
            row_ptr, columns, values, max_degree = solid_harmonic_coefficients(
                self.max_angular, num_radial
            )
            n_max = max(num_radial)
            ortho = np.zeros((self.max_angular + 1, n_max, n_max))
            for l in range(self.max_angular + 1):
                ortho[l, : num_radial[l], : num_radial[l]] = orthonormalization_matrix(
                    l,
                    num_radial[l],
                    self.radial_basis,
                    self.cutoff,
                    self.radial_gaussian_width,
                    self.basis_rcond,
                    self.basis_tol,
                )
                # R_l^m = sqrt(4π/(2l+1)) r^l Y_l^m: divide that factor out here
                ortho[l] *= np.sqrt((2 * l + 1) / (4 * np.pi))
            self._basis_cache = (moment_recurrence(max_degree), row_ptr, columns, values, ortho)
        return self._basis_cache

    # ------------------------------------------------------------ computation
    def compute_coefficients(self, frames, diameters=None, species=None):
        """Orthonormalised density coefficients of every particle of every frame.

        Parameters
        ----------
        frames : ase.Atoms, sequence of ase.Atoms, or FrameBatch
            Ellipsoid frames (:mod:`anisoap_pipeline.frames` convention),
            validated here (a ``FrameBatch`` already is).
        diameters : None, (3,) or per-particle array, optional
            Supply or override ``c_diameter`` (full diameters, Å).
        species : sequence of int, optional
            Neighbour species channels; default: the species present in ``frames``.
            Fix it when featurising a dataset in pieces so all pieces share columns.

        Returns
        -------
        DensityCoefficients

        Raises
        ------
        ValueError
            Invalid frames (message names the frame and field), or a particle of
            a species not in ``species``.
        """
        batch = frames if isinstance(frames, FrameBatch) else FrameBatch.from_frames(frames, diameters)
        species = np.unique(batch.numbers) if species is None else species
        species = np.asarray(sorted(int(s) for s in species), dtype=np.int64)
        starts = range(0, len(batch), self.chunk_size)
        if self.show_progress:
            starts = tqdm(starts, desc="AniSOAP", unit="chunk")
        parts = [self._chunk(batch[s : s + self.chunk_size], species) for s in starts]
        return DensityCoefficients.concatenate(parts)

    def _chunk(self, batch, species):
        table, row_ptr, columns, values, ortho = self._basis()
        pairs = self._pairs(batch, species)
        flat = density_coefficients(
            pairs["pair_ptr"],
            pairs["neighbors"],
            pairs["vectors"],
            pairs["weights"],
            pairs["precisions"],
            pairs["semiaxes_products"],
            pairs["species_index"],
            len(species),
            pairs["inv_sigma2"],
            table,
            row_ptr,
            columns,
            values,
            np.asarray(self.num_radial, dtype=np.int64),
            ortho,
            8 * numba.get_num_threads(),
        )
        return DensityCoefficients(flat, pairs["system"], pairs["atom"], batch.numbers, species, self.num_radial, len(batch))

    def _pairs(self, batch, species):
        """Neighbour pairs and particle shapes of a batch, as the kernels take them.

        Returns
        -------
        dict
            ``pair_ptr`` (n_particles + 1,), ``centers``, ``neighbors`` (n_pairs,),
            ``vectors`` (n_pairs, 3) Å, smooth-cutoff ``weights`` and their
            derivatives ``dweights`` (n_pairs,), ``precisions`` (n_particles, 3, 3),
            ``semiaxes_products``, ``species_index``, ``system``, ``atom``
            (n_particles,), and ``inv_sigma2``.

        Raises
        ------
        ValueError
            A particle of a species not in ``species`` (names frame and particle).
        """
        unknown = ~np.isin(batch.numbers, species)
        if unknown.any():
            particle = int(np.argmax(unknown))
            frame = int(np.searchsorted(batch.offsets, particle, side="right")) - 1
            raise ValueError(
                f"frame {batch.first_frame + frame}: field 'numbers' holds species "
                f"{batch.numbers[particle]} (particle {particle - batch.offsets[frame]}), "
                f"not among the requested species {species.tolist()}"
            )
        centers, neighbors, vectors = [], [], []
        for k in range(len(batch)):
            positions, cell, periodic = batch.frame(k)
            i, j, d = neighbor_pairs(positions, cell, periodic, self.cutoff, not self.subtract_center_contribution)
            centers.append(i + batch.offsets[k])
            neighbors.append(j + batch.offsets[k])
            vectors.append(d)
        n_particles = len(batch.numbers)
        centers = np.concatenate(centers)
        pair_ptr = np.zeros(n_particles + 1, dtype=np.int64)
        np.cumsum(np.bincount(centers, minlength=n_particles), out=pair_ptr[1:])
        vectors = np.ascontiguousarray(np.concatenate(vectors))
        weights, dweights = shifted_cosine(np.linalg.norm(vectors, axis=1), self.cutoff, self.cutoff_smoothing_width)

        semiaxes = batch.diameters / 2.0
        rotations = Rotation.from_quat(batch.quaternions, scalar_first=True).as_matrix()
        precisions = np.einsum("nab,nb,ncb->nac", rotations, 1.0 / semiaxes**2, rotations)
        return dict(
            pair_ptr=pair_ptr,
            centers=centers,
            neighbors=np.concatenate(neighbors),
            vectors=vectors,
            weights=weights,
            dweights=dweights,
            precisions=np.ascontiguousarray(precisions),
            semiaxes_products=np.prod(semiaxes, axis=1),
            species_index=np.searchsorted(species, batch.numbers),
            system=np.repeat(np.arange(len(batch)), batch.n_atoms),
            atom=np.arange(n_particles) - np.repeat(batch.offsets[:-1], batch.n_atoms),
            inv_sigma2=0.0 if self.radial_basis == "monomial" else self.radial_gaussian_width**-2,
        )

    # ------------------------------------------------------------- public API
    def transform(self, frames, diameters=None, species=None):
        """Orthonormalised density coefficients as a metatensor ``TensorMap``.

        Parameters
        ----------
        frames, diameters, species
            As in :meth:`compute_coefficients`.

        Returns
        -------
        metatensor.TensorMap
            Keys (``o3_lambda``, ``o3_sigma``, ``center_type``); samples
            (``system``, ``atom``); components (``o3_mu``); properties
            (``neighbor_type``, ``n``) — the labels of featomic 0.6's spherical
            expansion. Real harmonics in the convention of anisoap 0.1.1.
        """
        return self.compute_coefficients(frames, diameters, species).to_tensormap()

    def power_spectrum(self, frames, mean_over_samples=True, diameters=None, species=None):
        """3-body (nu = 2) AniSOAP power spectrum (paper Eq. 17).

        Parameters
        ----------
        frames, diameters, species
            As in :meth:`compute_coefficients`.
        mean_over_samples : bool
            True: one row per frame, the mean over its centres. False: one row
            per centre, as a ``TensorMap``.

        Returns
        -------
        ndarray of shape (n_frames, n_features), or metatensor.TensorMap
            See :meth:`DensityCoefficients.invariants`; columns as
            :meth:`feature_labels`: center_type, then l, then (neighbour type,
            n), then (neighbour type', n').
        """
        coefficients = self.compute_coefficients(frames, diameters, species)
        return coefficients.invariants("power_spectrum", mean_over_samples)

    def radial_spectrum(self, frames, mean_over_samples=True, diameters=None, species=None):
        """2-body (nu = 1) invariants: the orthonormalised l = 0 coefficients.

        Parameters and returns as :meth:`power_spectrum`; columns (center_type,
        neighbor_type, n).
        """
        coefficients = self.compute_coefficients(frames, diameters, species)
        return coefficients.invariants("radial_spectrum", mean_over_samples)

    def compute_gradients(
        self, frames, kind="power_spectrum", gradients=("positions", "orientations"), mean_over_samples=True,
        diameters=None, species=None,
    ):
        """Features and their exact gradients with respect to positions and orientations.

        See :func:`.gradients.compute_gradients` (parameters, conventions: the
        ``"orientations"`` gradient is the derivative with respect to an
        infinitesimal rotation of the particle about the lab x, y, z axes).

        Returns
        -------
        FeatureGradients
            ``.values()``, ``.gradient(parameter)``, ``.to_tensormap()``.
        """
        from .gradients import compute_gradients

        return compute_gradients(self, frames, kind, gradients, mean_over_samples, diameters, species)

    def feature_labels(self, species, kind="power_spectrum", center_types=None):
        """Labels of the columns of the averaged ndarray output.

        Parameters
        ----------
        species : sequence of int
            Neighbour species channels.
        kind : {"power_spectrum", "radial_spectrum"}
        center_types : sequence of int, optional
            Centre species (default: ``species``).

        Returns
        -------
        metatensor.Labels
        """
        return feature_labels(species, self.num_radial, kind, center_types)
