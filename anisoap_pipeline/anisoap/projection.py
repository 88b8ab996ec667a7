"""``EllipsoidalDensityProjection``: the AniSOAP featuriser (paper Sec. II, App. A).

Each particle j is a normalised anisotropic Gaussian of semi-axes a_k = diameter_k / 2
oriented by its body -> lab rotation R_j. The density around centre i,
rho_i(r) = sum_j g_j(r - r_ij), is expanded on r^{l+2n} [exp(-r²/2σ²)] Y_l^m and
the coefficients are Löwdin-orthonormalised; the rotationally invariant radial
(nu = 1) and power (nu = 2, Eq. 17) spectra are built from them.
"""

import warnings
from functools import partial

import ase
import numpy as np
from scipy.spatial.transform import Rotation
from tqdm.auto import tqdm

from .batch import FrameBatch
from .bispectrum_gradients import batch_bispectrum_gradients
from .coefficients import DensityCoefficients, _n_tasks, feature_labels
from .cutoff import shifted_cosine
from .expansion import density_coefficients
from .gradients import batch_gradients, check_gradients
from .hyperparameters import _check_int, radial_orthonormalization, validate_hyperparameters
from .moments import moment_recurrence, precision_matrices
from .names import GRADIENT_PARAMETERS, KINDS  # what compute can return; all but "coefficients" go to DensityCoefficients.invariants
from .neighbors import batch_neighbor_pairs
from .radial_basis import num_radial_functions
from .solid_harmonics import MAX_ANGULAR_LIMIT, solid_harmonic_coefficients
from .vjp import VJP_KINDS, chunk_backward, weights_per_centre

__all__ = ["EllipsoidalDensityProjection", "KINDS", "MAX_ANGULAR_LIMIT", "MAX_PERIODIC_IMAGES"]


#: Largest number of periodic images of one pair the neighbour search may have
#: to visit, prod_k (2 ceil(cutoff / w_k) + 1) over the cell's perpendicular
#: widths w_k (a cutoff of 3 widths in every direction: 7³ = 343; 10 x 10 x 1e-4 Å
#: with a 5 Å cutoff: 9e5). Thinner cells are rejected, not featurised.
MAX_PERIODIC_IMAGES = 10_000

_HYPERPARAMETERS = (
    "max_angular", "cutoff", "radial_gaussian_width", "max_radial", "radial_basis",
    "subtract_center_contribution", "basis_rcond", "basis_tol", "cutoff_smoothing_width",
)


def _hyperparameter(name):
    return property(lambda self: self._hypers[name], doc=f"``{name}`` as given to the constructor (read-only).")


class EllipsoidalDensityProjection:
    """AniSOAP density coefficients and invariants of ellipsoidal particles.

    Numerically identical to anisoap 0.1.1 (golden data in
    ``../shared/reference/anisoap-0.1.1``), with species handled channel by
    channel, and computed by numba kernels parallel over centres. Shaped like
    featomic's calculators: hyperparameters are fixed at construction (read-only
    properties; the basis is built here), and one verb, :meth:`compute`, takes
    the frames and every execution option (chunk size, progress bar, MPI
    communicator).

    Parameters
    ----------
    max_angular : int
        Highest angular channel l, 0 <= max_angular <= ``MAX_ANGULAR_LIMIT`` (20).
    cutoff : float
        Cutoff radius in Å: every periodic image j with |r_ij| < cutoff contributes
        (only the neighbour's shape and orientation enter).
    radial_gaussian_width : float, optional
        σ of the GTO basis r^{l+2n} exp(-r²/2σ²), in Å. Required for ``"gto"``,
        must be None for ``"monomial"``. At least :data:`.hyperparameters.MIN_WIDTH_TO_CUTOFF` × cutoff,
        and (like the monomial basis' cutoff) inside
        :func:`.radial_basis.length_scale_range`, where the basis norms are finite.
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
    cutoff_smoothing_width : float, optional
        Width w (Å, 0 < w <= cutoff) of featomic's shifted-cosine smooth
        cutoff (:mod:`.cutoff`): each pair is weighted by f(|r_ij|), 1 below
        cutoff - w, falling to 0 at the cutoff. None (default): sharp cutoff,
        the numbers of anisoap 0.1.1.

    Raises
    ------
    ValueError
        On any invalid hyperparameter, with the allowed values in the message,
        or when the radial basis is too ill-conditioned to orthonormalise.

    Notes
    -----
    Theory: Lin et al., J. Chem. Phys. 161, 074112 (2024), Eqs. 1-17 and
    Appendix A. The power spectrum block of channel l is
    (-1)^l / sqrt(2l + 1) sum_m c_{q l m} c_{q' l m}, i.e. the Clebsch-Gordan
    coupling to L = 0 of anisoap's ``cg_combine`` (Eq. 17 up to that factor).

    Metadata differ from featomic 0.6 (whose label names are used) in where the
    neighbour types sit: featomic puts them in the keys, here they are
    properties, so that one block holds every column of a centre type:

    ========================  ===========================================  ==============================================
    kind                      featomic 0.6 (keys / properties)             here (keys / properties)
    ========================  ===========================================  ==============================================
    ``"coefficients"``        o3_lambda, o3_sigma, center_type,            o3_lambda, o3_sigma, center_type /
                              neighbor_type / n                            neighbor_type, n
    ``"radial_spectrum"``     center_type, neighbor_type / n               center_type / neighbor_type, n
    ``"power_spectrum"``      center_type, neighbor_1_type,                center_type / o3_lambda, neighbor_1_type, n_1,
                              neighbor_2_type / l, n_1, n_2                neighbor_2_type, n_2 (every ordered
                              (neighbor_1_type <= neighbor_2_type)         pair of neighbour types)
    ========================  ===========================================  ==============================================

    Samples (``system``, ``atom``) and components (``o3_mu``) are featomic's.
    The power spectrum's angular property is called ``o3_lambda`` where featomic
    says ``l`` (same meaning). Radial and angular functions are anisoap's, not
    featomic's, so the numbers themselves differ from featomic's SOAP.
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
        cutoff_smoothing_width=None,
    ):
        self.__dict__["_hypers"] = validate_hyperparameters(
            max_angular, cutoff, radial_gaussian_width, max_radial, radial_basis, subtract_center_contribution,
            basis_rcond, basis_tol, cutoff_smoothing_width,
        )
        self.__dict__["_basis"] = self._build_basis()

    max_angular = _hyperparameter("max_angular")
    cutoff = _hyperparameter("cutoff")
    radial_gaussian_width = _hyperparameter("radial_gaussian_width")
    max_radial = _hyperparameter("max_radial")
    radial_basis = _hyperparameter("radial_basis")
    subtract_center_contribution = _hyperparameter("subtract_center_contribution")
    basis_rcond = _hyperparameter("basis_rcond")
    basis_tol = _hyperparameter("basis_tol")
    cutoff_smoothing_width = _hyperparameter("cutoff_smoothing_width")

    def __setattr__(self, name, value):
        if name in _HYPERPARAMETERS:
            raise AttributeError(
                f"{name} is a hyperparameter, fixed when the calculator is built (the basis "
                f"depends on it): create a new EllipsoidalDensityProjection instead"
            )
        raise AttributeError(f"EllipsoidalDensityProjection has no settable attribute {name!r}")

    @property
    def hyperparameters(self):
        """dict: the constructor's arguments, validated (a copy)."""
        return dict(self._hypers)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self._hypers.items())
        return f"EllipsoidalDensityProjection({arguments})"

    # ------------------------------------------------------------------ basis
    @property
    def num_radial(self):
        """Number of radial functions per l, tuple of length max_angular + 1."""
        return num_radial_functions(self.max_angular, self.max_radial)

    def _build_basis(self):
        ortho = radial_orthonormalization(self._hypers)
        row_ptr, columns, values, max_degree = solid_harmonic_coefficients(self.max_angular, self.num_radial)
        # R_l^m = sqrt(4π/(2l+1)) r^l Y_l^m: divide that factor out here
        ortho *= np.sqrt((2 * np.arange(self.max_angular + 1) + 1) / (4 * np.pi))[:, None, None]
        return moment_recurrence(max_degree), row_ptr, columns, values, ortho

    # ------------------------------------------------------------ computation
    def compute(
        self,
        frames,
        *,
        kind="power_spectrum",
        per_centre=False,
        species=None,
        diameters=None,
        gradients=None,
        progress=False,
        chunk_size=None,
        comm=None,
    ):
        """Featurise frames: density coefficients or one of their invariants,
        optionally with their exact gradients.

        Parameters
        ----------
        frames : ase.Atoms, sequence of ase.Atoms, or FrameBatch
            Ellipsoid frames (:mod:`anisoap_pipeline.frames` convention),
            validated here (a ``FrameBatch`` already is). With ``comm``, they
            are read on rank 0 only (pass anything, e.g. None, elsewhere).
        kind : {"power_spectrum", "radial_spectrum", "bispectrum", "coefficients"}
            The 3-body power spectrum (paper Eq. 17), the 2-body radial
            spectrum (orthonormalised l = 0 coefficients), or the density
            coefficients themselves (per centre only).
        per_centre : bool
            False: one row per frame, the mean over its centres. True: one row
            per centre, as a ``TensorMap``.
        species : sequence of int, optional
            Neighbour species channels; default: the species present in ``frames``.
            Fix it when featurising a dataset in pieces so all pieces share columns.
        diameters : None, (3,) or per-particle array, optional
            Supply or override ``c_diameter`` (full diameters, Å).
        gradients : sequence of {"positions", "orientations"}, optional
            Also the exact gradients of the result with respect to particle
            positions and/or orientations (conventions in
            :mod:`.gradients`: ∂X/∂r_k in Å⁻¹, and ∂X/∂θ_k for an
            infinitesimal rotation of particle k about the lab x, y, z axes).
            Every kind (the bispectrum's: :mod:`.bispectrum_gradients`).
        progress : bool
            Show a tqdm progress bar over chunks (on rank 0 only under MPI).
        chunk_size : int, optional
            Frames featurised per numba call (bounds memory); default: whole
            frames of up to about :data:`~.batch.CHUNK_PARTICLES` particles per
            call. Results do not depend on it.
        comm : mpi4py.MPI.Comm, optional
            Split the frames over the ranks of ``comm`` (:mod:`.mpi`); the
            result is identical to the serial one and returned on rank 0 only.

        Returns
        -------
        ndarray of float64, shape (n_frames, n_features)
            For ``per_centre=False``: columns as :meth:`feature_labels` (centre
            type slowest); a frame's block of a centre type it lacks is zeros.
        metatensor.TensorMap
            For ``per_centre=True``: one block per centre type (and per
            o3_lambda for ``"coefficients"``); labels in the class Notes.
        FeatureGradients
            With ``gradients``: ``.values()`` is what the call returns without
            them; ``.gradient(parameter)`` and ``.to_tensormap()`` (metatensor
            gradient blocks) hold the gradients (:class:`.gradients.FeatureGradients`).
        None
            On MPI ranks other than 0.

        Raises
        ------
        ValueError
            Unknown ``kind`` or gradient parameter; ``"coefficients"`` without ``per_centre``; invalid
            frames (message names the frame and field); a particle of a species
            not in ``species``; a periodic cell too thin for the cutoff
            (more than ``MAX_PERIODIC_IMAGES`` images of a pair); frames that
            are all empty.
        TypeError
            ``frames`` is not an ``ase.Atoms``, a sequence of them or a FrameBatch.

        Warns
        -----
        UserWarning
            Naming the frames with no particles: their rows are zeros.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
        if kind == "coefficients" and not per_centre:
            raise ValueError(
                "kind='coefficients' needs per_centre=True: coefficients are covariant, "
                "their frame means are not features"
            )
        if gradients is not None:
            checked = check_gradients(kind, gradients)
            if kind == "bispectrum":
                work = partial(batch_bispectrum_gradients, self, gradients=checked, mean_over_samples=not per_centre)
            else:
                work = partial(batch_gradients, self, kind=kind, gradients=checked, mean_over_samples=not per_centre)
            return self._run(frames, species, diameters, progress, chunk_size, comm, work)
        if comm is not None and comm.Get_size() > 1 and not per_centre:
            # each rank averages its own frames: the means travel, not the coefficients
            means = self._run(frames, species, diameters, progress, chunk_size, comm, partial(_frame_means, self, kind))
            return None if means is None else means.values()
        coefficients = self.compute_coefficients(
            frames, species=species, diameters=diameters, progress=progress, chunk_size=chunk_size, comm=comm
        )
        if coefficients is None:
            return None
        if kind == "coefficients":
            return coefficients.to_tensormap()
        return coefficients.invariants(kind, mean_over_samples=not per_centre)

    def compute_coefficients(
        self, frames, *, species=None, diameters=None, progress=False, chunk_size=None, comm=None, keep_pairs=False
    ):
        """The density coefficients behind :meth:`compute`, as the object every
        invariant derives from (``.invariants(kind, mean_over_samples)``,
        ``.to_tensormap()``): compute once, derive several kinds.

        Parameters and errors as :meth:`compute`, and

        keep_pairs : bool
            Keep the neighbour pairs in the result (``.pairs``), so that
            :meth:`vector_jacobian_product` can take it instead of the frames
            and skip the neighbour search and the density pass. Not with
            ``comm``.

        Returns
        -------
        DensityCoefficients, or None on MPI ranks other than 0
        """
        if keep_pairs and comm is not None:
            raise ValueError("keep_pairs=True is serial only: the pairs are not gathered over MPI ranks (comm)")
        return self._run(frames, species, diameters, progress, chunk_size, comm,
                         partial(self._coefficients, keep_pairs=bool(keep_pairs)))

    def vector_jacobian_product(
        self, frames, weights, *, kind="power_spectrum", species=None, diameters=None,
        gradients=GRADIENT_PARAMETERS, chunk_size=None,
    ):
        """Σ_i Σ_f weights[i, f] ∂x_{i f}/∂(r_k, θ_k): forces and torques of a
        potential on the per-centre features, without their gradient tensor.

        For E = Σ_i ε(x_i) with x_i the per-centre features of ``kind`` and
        ``weights`` = ∂E/∂x_i, this is dE/dr_k and dE/dθ_k for every particle k
        (force -dE/dr_k, lab-frame torque -dE/dθ_k), equal to contracting
        ``compute(frames, kind=kind, per_centre=True, gradients=gradients)``
        with ``weights``, at a cost of the order of the features (reverse mode,
        :mod:`.vjp`). The calling pattern of a molecular-dynamics step, with
        one neighbour search::

            coefficients = calculator.compute_coefficients(frame, keep_pairs=True)
            x = coefficients.invariants("power_spectrum", mean_over_samples=False)
            weights = model_gradient(x)          # ∂E/∂x, same layout as x
            derivatives = calculator.vector_jacobian_product(coefficients, weights)
            forces, torques = -derivatives["positions"], -derivatives["orientations"]

        Parameters
        ----------
        frames : ase.Atoms, sequence of ase.Atoms, FrameBatch, or DensityCoefficients
            Ellipsoid frames, or the result of :meth:`compute_coefficients` with
            ``keep_pairs=True`` on this calculator (then neither the neighbour
            search nor the density coefficients are computed again).
        weights : metatensor.TensorMap, dict or ndarray
            ∂E/∂x in the layout of ``compute(frames, kind=kind, per_centre=True)``:
            that ``TensorMap`` (keys ``center_type``, samples ``system, atom``,
            the same properties; checked), a dict {center_type: ndarray
            (n_centres of that type, n_features)} with the rows of the
            ``TensorMap``'s blocks, or one ndarray (n_particles, n_features) with
            a row per particle of every frame in order (any number of centre
            types). Units: energy per unit of feature.
        kind : {"power_spectrum", "radial_spectrum", "bispectrum"}
            The per-centre features x (bispectrum: default angular cutoff).
        species, diameters
            As in :meth:`compute` (frames only).
        gradients : sequence of {"positions", "orientations"}
            What to return.
        chunk_size : int, optional
            As in :meth:`compute` (frames only).

        Returns
        -------
        dict {parameter: ndarray (n_particles, 3)}
            ``"positions"``: dE/dr_k (energy / Å), ``"orientations"``: dE/dθ_k
            (energy / rad, rotation of particle k about the lab x, y, z axes, the
            convention of :mod:`.gradients`); rows: every particle of every frame
            in order.

        Raises
        ------
        ValueError
            Unknown ``kind`` or gradient parameter; ``weights`` of the wrong
            shape, samples, properties or centre types, or not finite;
            coefficients computed without ``keep_pairs`` or by a calculator with
            other hyperparameters; ``species`` or ``diameters`` given with
            coefficients; and as :meth:`compute` for the frames.
        TypeError
            As :meth:`compute` for ``frames``.

        Notes
        -----
        Reverse-mode chain rule through the power spectrum (paper Eq. 17 with the
        (-1)^l/√(2l+1) factor), the radial spectrum or the bispectrum, the
        Löwdin orthonormalisation and the pair expansion (Eqs. A7-A10, A23); the
        pair derivatives are those of :mod:`.gradients` (global-rotation
        identity, smooth-cutoff term), contracted with the adjoint per (centre,
        neighbour species) before the pair loop.
        """
        if kind not in VJP_KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, VJP_KINDS))}, got {kind!r}")
        gradients = check_gradients(kind, gradients)
        if isinstance(frames, DensityCoefficients):
            coefficients = frames
            if coefficients.pairs is None:
                raise ValueError(
                    "these DensityCoefficients carry no neighbour pairs: compute them with "
                    "compute_coefficients(frames, keep_pairs=True), or pass the frames"
                )
            if species is not None or diameters is not None:
                raise ValueError("species and diameters apply to frames; the coefficients already fix them")
            if any(p["hyperparameters"] != self._hypers for p in coefficients.pairs):
                raise ValueError(
                    "the coefficients were computed by a calculator with other hyperparameters: "
                    "use that calculator, or pass the frames"
                )
        else:
            coefficients = self.compute_coefficients(
                frames, species=species, diameters=diameters, chunk_size=chunk_size, keep_pairs=True
            )
        weights = weights_per_centre(weights, coefficients, kind)
        parts, start = [], 0
        for pairs in coefficients.pairs:
            stop = start + len(pairs["pair_ptr"]) - 1
            parts.append(chunk_backward(
                self, pairs, coefficients.flat[start:stop], weights[start:stop], kind, coefficients.species, gradients
            ))
            start = stop
        return {p: np.concatenate([part[p] for part in parts]) for p in gradients}

    def _run(self, frames, species, diameters, progress, chunk_size, comm, work):
        """``work(batch, species, progress, chunk_size)`` on the validated frames,
        serial or split over the ranks of ``comm``."""
        if chunk_size is not None:
            chunk_size = _check_int("chunk_size", chunk_size, 1)
        if comm is not None and comm.Get_size() > 1:
            from .mpi import distributed_coefficients

            return distributed_coefficients(
                self, frames, comm, species=species, diameters=diameters, progress=progress, chunk_size=chunk_size,
                compute=work,
            )
        batch = self.validated_batch(frames, diameters)
        return work(batch, _species(batch, species), progress, chunk_size)

    def validated_batch(self, frames, diameters=None):
        """Frames checked and packed for the kernels.

        Besides the frame convention (:func:`~anisoap_pipeline.frames.validate_frames`),
        checks what depends on the hyperparameters: periodic cells too thin for
        the cutoff, and empty frames (a warning; an error if all are empty).

        Returns
        -------
        FrameBatch

        Raises
        ------
        TypeError, ValueError
            As :meth:`compute`.
        """
        if isinstance(frames, FrameBatch):
            batch = frames
        else:
            batch = FrameBatch.from_frames(_atoms_list(frames), diameters)
        empty = np.flatnonzero(batch.n_atoms == 0)
        if len(empty) == len(batch):
            raise ValueError(f"all {len(batch)} frame(s) are empty (no particles): nothing to featurise")
        if len(empty):
            shown = ", ".join(str(batch.first_frame + k) for k in empty[:10])
            warnings.warn(
                f"{len(empty)} frame(s) without particles ({shown}{', ...' if len(empty) > 10 else ''}): "
                "their features are zeros",
                stacklevel=3,
            )
        self._check_cells(batch)
        return batch

    def _check_cells(self, batch):
        cells = batch.cells[batch.periodic]
        if not len(cells):
            return
        volume = np.abs(np.linalg.det(cells))
        areas = np.linalg.norm(np.cross(np.roll(cells, -1, axis=1), np.roll(cells, -2, axis=1)), axis=2)
        widths = volume[:, None] / areas
        images = np.prod(2 * np.ceil(self.cutoff / widths) + 1, axis=1)
        bad = np.flatnonzero(images > MAX_PERIODIC_IMAGES)
        if len(bad):
            k = bad[0]
            frame = batch.first_frame + np.flatnonzero(batch.periodic)[k]
            raise ValueError(
                f"frame {frame}: field 'cell' is too thin for the cutoff: perpendicular widths "
                f"({', '.join(f'{w:.3g}' for w in widths[k])}) Å with cutoff {self.cutoff:g} Å "
                f"give up to {images[k]:.3g} periodic images of every pair (at most {MAX_PERIODIC_IMAGES} "
                "allowed, MAX_PERIODIC_IMAGES); check the cell or lower the cutoff"
            )

    def _coefficients(self, batch, species, progress, chunk_size, keep_pairs=False):
        chunks = batch.chunks(chunk_size)
        if progress:
            chunks = tqdm(chunks, desc="AniSOAP", unit="chunk")
        parts = [self._chunk(batch[c], species, keep_pairs) for c in chunks]
        return DensityCoefficients.concatenate(parts)

    def _chunk(self, batch, species, keep_pairs=False):
        pairs = self._pairs(batch, species)
        kept = [dict(pairs, hyperparameters=self.hyperparameters)] if keep_pairs else None
        return DensityCoefficients(
            self._density(pairs, len(species)), pairs["system"], pairs["atom"], batch.numbers, species,
            self.num_radial, len(batch), kept,
        )

    def _density(self, pairs, n_species):
        """The orthonormalised density coefficients (n_centres, n_coefficients) of
        :meth:`_pairs`' output (:func:`.expansion.density_coefficients`)."""
        table, row_ptr, columns, values, ortho = self._basis
        return density_coefficients(
            pairs["pair_ptr"],
            pairs["neighbors"],
            pairs["vectors"],
            pairs["weights"],
            pairs["precisions"],
            pairs["semiaxes_products"],
            pairs["species_index"],
            n_species,
            pairs["inv_sigma2"],
            table,
            row_ptr,
            columns,
            values,
            np.asarray(self.num_radial, dtype=np.int64),
            ortho,
            # a task's fixed cost (scratch, sort, last block) outweighs finer balance
            _n_tasks(len(pairs["pair_ptr"]) - 1),
        )

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
        centers, neighbors, vectors = batch_neighbor_pairs(batch, self.cutoff, not self.subtract_center_contribution)
        n_particles = len(batch.numbers)
        pair_ptr = np.zeros(n_particles + 1, dtype=np.int64)
        np.cumsum(np.bincount(centers, minlength=n_particles), out=pair_ptr[1:])
        weights, dweights = shifted_cosine(vectors, self.cutoff, self.cutoff_smoothing_width)

        semiaxes = batch.diameters / 2.0
        rotations = Rotation.from_quat(batch.quaternions, scalar_first=True).as_matrix()
        precisions = precision_matrices(rotations, semiaxes)
        return dict(
            pair_ptr=pair_ptr,
            centers=centers,
            neighbors=neighbors,
            vectors=vectors,
            weights=weights,
            dweights=dweights,
            precisions=precisions,
            semiaxes_products=np.prod(semiaxes, axis=1),
            species_index=np.searchsorted(species, batch.numbers),
            system=np.repeat(np.arange(len(batch)), batch.n_atoms),
            atom=np.arange(n_particles) - np.repeat(batch.offsets[:-1], batch.n_atoms),
            inv_sigma2=0.0 if self.radial_basis == "monomial" else self.radial_gaussian_width**-2,
        )

    # ------------------------------------------------------ thin conveniences
    def transform(self, frames, diameters=None, species=None):
        """``compute(frames, kind="coefficients", per_centre=True)``: the
        orthonormalised density coefficients as a metatensor ``TensorMap``.

        Returns
        -------
        metatensor.TensorMap
            Keys (``o3_lambda``, ``o3_sigma``, ``center_type``); samples
            (``system``, ``atom``); components (``o3_mu``); properties
            (``neighbor_type``, ``n``): featomic 0.6's spherical expansion with
            ``neighbor_type`` moved from the keys to the properties (class
            Notes). Real harmonics in the convention of anisoap 0.1.1.
        """
        return self.compute(frames, kind="coefficients", per_centre=True, diameters=diameters, species=species)

    def power_spectrum(self, frames, mean_over_samples=True, diameters=None, species=None):
        """``compute(frames, kind="power_spectrum", per_centre=not mean_over_samples)``:
        the 3-body (nu = 2) AniSOAP power spectrum (paper Eq. 17), anisoap's signature.

        Returns
        -------
        ndarray of shape (n_frames, n_features), or metatensor.TensorMap
            Columns as :meth:`feature_labels`: center_type, then o3_lambda,
            then (neighbour type, n), then (neighbour type', n').
        """
        return self.compute(
            frames, kind="power_spectrum", per_centre=not mean_over_samples, diameters=diameters, species=species
        )

    def radial_spectrum(self, frames, mean_over_samples=True, diameters=None, species=None):
        """``compute(frames, kind="radial_spectrum", per_centre=not mean_over_samples)``:
        2-body (nu = 1) invariants, the orthonormalised l = 0 coefficients;
        columns (center_type, neighbor_type, n).
        """
        return self.compute(
            frames, kind="radial_spectrum", per_centre=not mean_over_samples, diameters=diameters, species=species
        )

    def compute_gradients(
        self, frames, kind="power_spectrum", gradients=("positions", "orientations"), mean_over_samples=True,
        diameters=None, species=None,
    ):
        """``compute(frames, kind=kind, per_centre=not mean_over_samples, gradients=gradients)``:
        features and their exact gradients with respect to positions and orientations.

        Returns
        -------
        FeatureGradients
            ``.values()``, ``.gradient(parameter)``, ``.to_tensormap()``.
        """
        return self.compute(
            frames, kind=kind, per_centre=not mean_over_samples, gradients=gradients, diameters=diameters,
            species=species,
        )

    def feature_labels(self, species, kind="power_spectrum", center_types=None):
        """Labels of the columns of the frame-averaged ndarray of :meth:`compute`.

        Parameters
        ----------
        species : sequence of int
            Neighbour species channels.
        kind : {"power_spectrum", "radial_spectrum", "bispectrum"}
        center_types : sequence of int, optional
            Centre species (default: ``species``).

        Returns
        -------
        metatensor.Labels
            (center_type, o3_lambda, neighbor_1_type, n_1, neighbor_2_type, n_2)
            or (center_type, neighbor_type, n), in column order.
        """
        return feature_labels(species, self.num_radial, kind, center_types)


class _FrameMeans:
    """Frame means of consecutive blocks of frames, with a column block for every
    species as centre type, and the centre types present in the blocks."""

    def __init__(self, rows, species, present):
        self.rows, self.species, self.present = rows, species, present

    @classmethod
    def concatenate(cls, parts):
        present = np.unique(np.concatenate([p.present for p in parts]))
        return cls(np.concatenate([p.rows for p in parts]), parts[0].species, present)

    def values(self):
        """The rows with the column blocks of the centre types present (as in the serial run)."""
        blocks = self.rows.reshape(len(self.rows), len(self.species), -1)
        return np.ascontiguousarray(blocks[:, np.isin(self.species, self.present)].reshape(len(self.rows), -1))


def _frame_means(calculator, kind, batch, species, progress, chunk_size):
    coefficients = calculator._coefficients(batch, species, progress, chunk_size)
    return _FrameMeans(
        coefficients.invariants(kind, center_types=species), species, np.unique(coefficients.center_type)
    )


def _species(batch, species):
    species = np.unique(batch.numbers) if species is None else species
    return np.asarray(sorted(int(s) for s in species), dtype=np.int64)


def _atoms_list(frames):
    """``frames`` as a list of ase.Atoms, or a TypeError saying what was expected."""
    expected = "an ase.Atoms, a sequence of ase.Atoms or a FrameBatch"
    if isinstance(frames, ase.Atoms):
        return [frames]
    if frames is None or isinstance(frames, (str, bytes, dict)) or not hasattr(frames, "__iter__"):
        raise TypeError(f"frames must be {expected}, got {type(frames).__name__}")
    frames = list(frames)
    for k, item in enumerate(frames):
        if not isinstance(item, ase.Atoms):
            raise TypeError(f"frames must be {expected}; item {k} is a {type(item).__name__}")
    return frames
