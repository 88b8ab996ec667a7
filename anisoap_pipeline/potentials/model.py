"""Machine-learned potentials for ellipsoids on per-centre AniSOAP features.

A potential is a sum of per-particle terms (the decomposition of Behler–Parrinello
and of SOAP-GAP, Bartók et al., Phys. Rev. B 87, 184115 (2013), Eq. 3):

    E = Σ_i ε(x_i),    F_k = -∂E/∂r_k = -Σ_i ∂ε/∂x_i · ∂x_i/∂r_k,
                       τ_k = -∂E/∂θ_k = -Σ_i ∂ε/∂x_i · ∂x_i/∂θ_k,

x_i the AniSOAP power spectrum (ν = 2) or bispectrum (ν = 3) of centre i
computed with the smooth cutoff, so that E, F and τ are continuous; ∂x_i/∂r_k,
∂x_i/∂θ_k are the featuriser's exact gradients (:mod:`..anisoap.gradients`,
θ_k an infinitesimal rotation of particle k about the lab axes, so τ_k is the
lab-frame torque). Two local models, both linear in their weights:

- ``"linear"``: ε(x) = w_t · s_t(x) + b_t, s_t the standardisation of the
  features of centre type t (mean and standard deviation over the fitted
  centres). As Σ_i s(x_i) is N times a frame mean, the frame-mean gradients suffice.
- ``"kernel"``: a sparse (projected-process / Nyström) kernel model of the SOAP-GAP
  kind, ε(x) = Σ_m α_m k(x, x_m) + b_t over M sparse centres chosen by farthest
  point sampling (skmatter ``FPS``), with the polynomial kernel
  k = (1 + x̂ · x̂_m)^ζ on standardised features x̂ = s(x) / √d (``kernel_features=
  "standardised"``, the default) or SOAP-GAP's k = (x̂ · x̂_m)^ζ on normalised features
  x̂ = x / |x| (``"normalised"``); zero between centres of different types. On power
  spectra, whose normalised vectors are all close, the normalised kernel's matrix is
  nearly constant: its weights grow large and cancel unless α is large.

Every energy, force and torque component is then one row of one weighted
ridge problem in the weights (:func:`weighted_ridge`):

    min  Σ_frames ((Ê/N - E/N) / σ_e)²  +  λ_F Σ ((F̂ - F) / σ_F)²  +  λ_T Σ ((τ̂ - τ) / σ_T)²  +  α wᵀΓw,

σ_e the standard deviation of the energy per particle over the fitted frames,
σ_F, σ_T the root mean squares of the force and torque components; Γ = I on
the standardised linear weights, Γ = K_MM (the sparse points' kernel matrix) for
the kernel model (the projected-process regulariser, Quiñonero-Candela &
Rasmussen, JMLR 6, 1939 (2005)); intercepts are not penalised. α, λ_F and
λ_T are chosen by K-fold cross-validation over frames (all rows of a frame in
the same fold), the score being the mean of the three validation RMSEs each
divided by its σ (energy per particle, force, torque); the grid and its scores
are kept in :attr:`AniSOAPPotential.cv_results_`. The folds are solved by the
normal equations (one Gram matrix per fold and row kind, every grid point from
them), the final fit on all frames by least squares; the standardisation and the
sparse points are chosen once on all fitted frames (the linear model's
predictions do not depend on the mean, and a fold's own scale would only rescale
its penalty).

A fitted potential is one ``.npz`` file holding a JSON header (format, version,
hyperparameters, CV table, package version, git revision) and its arrays
(species, scalers, weights, sparse points), read without pickle (:meth:`AniSOAPPotential.save`, :meth:`AniSOAPPotential.load`).
"""

import json
import numbers
import warnings
import zipfile

import ase
import numpy as np
import scipy.linalg
from scipy import sparse
from sklearn.model_selection import KFold

from .. import __version__
from ..anisoap import EllipsoidalDensityProjection

__all__ = ["FORMAT", "FORMAT_VERSION", "AniSOAPPotential", "weighted_ridge"]

#: Name written into every saved potential's header.
FORMAT = "anisoap-pipeline-potential"
#: Version of the file layout; :meth:`AniSOAPPotential.load` refuses others.
FORMAT_VERSION = 1

_KINDS = ("power_spectrum", "bispectrum")
_MODELS = ("linear", "kernel")
_KERNEL_FEATURES = ("normalised", "standardised")
_TARGETS = ("energy", "forces", "torques")
#: Frames featurised together while building the kernel's gradient rows (bounds memory).
_CHUNK = 4


def weighted_ridge(blocks, *, alpha, penalty):
    """Weighted ridge regression of stacked row blocks, by least squares.

    Minimises  Σ_b weight_b |A_b w - y_b|²  +  alpha |L w|².

    Parameters
    ----------
    blocks : sequence of (A, y, weight)
        ``A`` (n_rows, n_weights) design rows, ``y`` (n_rows,) targets, ``weight`` >= 0.
    alpha : float
        Ridge penalty (>= 0).
    penalty : array (n_penalty, n_weights)
        L, the square root of the regulariser Γ = LᵀL (zero columns leave a
        weight, e.g. an intercept, unpenalised).

    Returns
    -------
    ndarray (n_weights,)

    Raises
    ------
    ValueError
        Negative ``alpha`` or weights, or blocks of mismatched widths.
    """
    if not alpha >= 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    penalty = np.asarray(penalty, dtype=float)
    rows, targets = [], []
    for A, y, weight in blocks:
        if weight < 0:
            raise ValueError(f"row weights must be >= 0, got {weight}")
        A = np.asarray(A, dtype=float)
        if A.ndim != 2 or A.shape[1] != penalty.shape[1] or np.shape(y) != (len(A),):
            raise ValueError(f"design rows (n, {penalty.shape[1]}) with targets (n,) expected, got "
                             f"{A.shape} and {np.shape(y)}")
        if weight == 0 or not len(A):
            continue
        rows.append(np.sqrt(weight) * A)
        targets.append(np.sqrt(weight) * np.asarray(y, dtype=float))
    rows.append(np.sqrt(alpha) * penalty)
    targets.append(np.zeros(len(penalty)))
    return np.linalg.lstsq(np.vstack(rows), np.concatenate(targets), rcond=None)[0]


def _solve_normal_equations(lhs, rhs):
    """Solve the symmetric positive semi-definite system by Cholesky, or, when
    it is singular or ill-conditioned (duplicate feature columns, α -> 0), by
    minimum-norm least squares."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        try:
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(lhs), rhs)
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError, scipy.linalg.LinAlgWarning):
            pass
    return scipy.linalg.lstsq(lhs, rhs)[0]


def _revision():
    """The source checkout's commit (:func:`anisoap_pipeline.tracking.git_revision`), or None without one."""
    from ..tracking import git_revision

    revision, _ = git_revision()
    return None if revision == "unknown" else revision


def _labels(frames):
    """Energies (n_frames,), forces and torques (n_particles, 3) of training frames.

    Read from ``info``/``arrays`` or, as ASE's extxyz reader leaves them, from a
    ``SinglePointCalculator``'s results.
    """
    energies, forces, torques = [], [], []
    for f, atoms in enumerate(frames):
        results = atoms.calc.results if atoms.calc is not None else {}
        for name, store, where in (("energy", energies, atoms.info), ("forces", forces, atoms.arrays),
                                   ("torques", torques, atoms.arrays)):
            value = where.get(name, results.get(name))
            if value is None:
                raise ValueError(f"frame {f}: field {name!r} is missing (needed to fit; put it in "
                                 f"atoms.{'info' if name == 'energy' else 'arrays'}[{name!r}])")
            value = np.asarray(value, dtype=float)
            expected = () if name == "energy" else (len(atoms), 3)
            if value.shape != expected or not np.all(np.isfinite(value)):
                raise ValueError(f"frame {f}: field {name!r} must be finite with shape {expected}, "
                                 f"got shape {value.shape}")
            store.append(value)
    return np.array(energies), np.concatenate(forces), np.concatenate(torques)


def _frame_list(frames):
    if isinstance(frames, ase.Atoms):
        return [frames]
    frames = list(frames)
    if not frames or not all(isinstance(a, ase.Atoms) for a in frames):
        raise ValueError("frames must be an ase.Atoms or a non-empty sequence of ase.Atoms")
    return frames


def _diameters(diameters):
    if diameters is None:
        return None
    values = np.asarray(diameters, dtype=float)
    if values.shape != (3,) or not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError(f"diameters must be None or three positive lengths (the density's full diameters), "
                         f"got {diameters!r}")
    return values.tolist()


def _grid(name, values):
    values = tuple(float(v) for v in np.atleast_1d(values))
    if not values or not all(np.isfinite(v) and v >= 0 for v in values):
        raise ValueError(f"{name} must be a non-empty sequence of finite numbers >= 0, got {values!r}")
    return values


class AniSOAPPotential:
    """A per-particle AniSOAP potential: E, forces and torques of ellipsoid frames.

    Parameters
    ----------
    max_angular, cutoff, radial_gaussian_width, max_radial, cutoff_smoothing_width
        The featuriser's hyperparameters (:class:`~anisoap_pipeline.anisoap.EllipsoidalDensityProjection`;
        lengths in the frames' units). ``cutoff_smoothing_width`` is required:
        without the smooth cutoff the forces jump where a neighbour crosses it.
    kind : {"power_spectrum", "bispectrum"}
        ν = 2 or ν = 3 features.
    model : {"linear", "kernel"}
        The local model ε(x) (module docstring).
    degree : int
        ζ of the polynomial kernel (>= 1; kernel only).
    n_sparse : int
        Number M of sparse centres (kernel only); all training centres if fewer.
    kernel_features : {"standardised", "normalised"}
        x̂ = s(x)/√d with k = (1 + x̂ · x̂_m)^ζ, or x̂ = x / |x| with k = (x̂ · x̂_m)^ζ.
    alphas, force_weights, torque_weights : sequence of float
        The cross-validation grid of α, λ_F and λ_T (module docstring).
    n_folds : int
        Folds of the cross-validation over frames (>= 2; with fewer frames, or a
        one-point grid, no cross-validation is run).
    seed : int
        Seed of the fold split and of the farthest point sampling's first point.
    diameters : None or (3,) float
        Full diameters of every particle's Gaussian density, overriding the
        frames' ``c_diameter`` for the features only (None: the frames' shapes).
        Sharper densities than the particles' own resolve contacts better.

    Attributes
    ----------
    species_ : ndarray of int
        Species channels (from the fitted frames).
    cv_results_ : dict
        ``alpha``, ``force_weight``, ``torque_weight``, ``score`` and the mean
        validation ``energy_rmse`` (per particle), ``force_rmse``, ``torque_rmse``,
        one entry per grid point; ``best`` the index chosen.
    alpha_, force_weight_, torque_weight_ : float
        The chosen grid point.
    weights_ : ndarray
        (n_species, n_features) for the linear model (on standardised features),
        (M,) for the kernel model.
    intercepts_ : ndarray (n_species,)
        b_t, energy per particle of type t.

    Raises
    ------
    ValueError
        Invalid hyperparameters (checked here, including the featuriser's).
    """

    def __init__(self, *, max_angular=4, cutoff=4.0, radial_gaussian_width=0.75, max_radial=3,
                 cutoff_smoothing_width=1.0, kind="power_spectrum", model="linear", degree=2, n_sparse=200,
                 kernel_features="standardised", alphas=(1e-8, 1e-6, 1e-4, 1e-2), force_weights=(0.01, 0.1, 1.0),
                 torque_weights=(0.01, 0.1, 1.0), n_folds=4, seed=0, diameters=None):
        if cutoff_smoothing_width is None:
            raise ValueError("cutoff_smoothing_width is required (e.g. 1.0): without the smooth cutoff the "
                             "forces and torques jump where a neighbour crosses the cutoff")
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
        if model not in _MODELS:
            raise ValueError(f"model must be one of {_MODELS}, got {model!r}")
        if kernel_features not in _KERNEL_FEATURES:
            raise ValueError(f"kernel_features must be one of {_KERNEL_FEATURES}, got {kernel_features!r}")
        for name, value, minimum in (("degree", degree, 1), ("n_sparse", n_sparse, 1), ("n_folds", n_folds, 2),
                                     ("seed", seed, 0)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        self.hyperparameters = dict(
            max_angular=max_angular, cutoff=float(cutoff), radial_gaussian_width=float(radial_gaussian_width),
            max_radial=max_radial, cutoff_smoothing_width=float(cutoff_smoothing_width), kind=kind, model=model,
            degree=int(degree), n_sparse=int(n_sparse), kernel_features=kernel_features,
            alphas=_grid("alphas", alphas), force_weights=_grid("force_weights", force_weights),
            torque_weights=_grid("torque_weights", torque_weights), n_folds=int(n_folds), seed=int(seed),
            diameters=_diameters(diameters),
        )
        self.calculator = EllipsoidalDensityProjection(
            max_angular=max_angular, cutoff=cutoff, radial_gaussian_width=radial_gaussian_width,
            max_radial=max_radial, cutoff_smoothing_width=cutoff_smoothing_width,
        )
        self.species_ = None
        #: Use the featuriser's vector-Jacobian product when it has one (False:
        #: the full gradients, e.g. to cross-check); an execution option, not saved.
        self.use_vector_jacobian_product = True

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"AniSOAPPotential({arguments})"

    @property
    def kind(self):
        return self.hyperparameters["kind"]

    @property
    def model(self):
        return self.hyperparameters["model"]

    # ------------------------------------------------------------ features
    def _centre_features(self, values, n_atoms):
        """Per-centre features (n_centres, n_features) in particle order, from
        the per-centre ``TensorMap`` (one block per centre type)."""
        offsets = np.concatenate([[0], np.cumsum(n_atoms)])
        blocks = list(values.blocks())
        X = np.empty((int(offsets[-1]), blocks[0].values.shape[1]))
        for block in blocks:
            samples = block.samples.values
            X[offsets[samples[:, 0]] + samples[:, 1]] = block.values
        return X

    def _features(self, frames, gradients, keep_pairs=False):
        """Per-centre features, centre type indices and (optionally) the
        ``FeatureGradients`` (frame means for the linear model, per centre for the
        kernel) or, with ``keep_pairs``, the ``DensityCoefficients`` with their
        neighbour pairs (for :meth:`_negative_gradients` without a second search)."""
        n_atoms = np.array([len(a) for a in frames])
        if gradients:
            result = self.calculator.compute(frames, kind=self.kind, per_centre=self.model == "kernel",
                                             gradients=("positions", "orientations"), species=self.species_,
                                             diameters=self.hyperparameters["diameters"])
            values = result.coefficients.invariants(self.kind, mean_over_samples=False)
        else:
            # species and diameters are fixed here, in the coefficients: the pairs kept
            # for the vector-Jacobian product then carry the same densities
            coefficients = self.calculator.compute_coefficients(
                frames, species=self.species_, diameters=self.hyperparameters["diameters"], keep_pairs=keep_pairs)
            values = coefficients.invariants(self.kind, mean_over_samples=False)
            result = coefficients if keep_pairs else None
        numbers = np.concatenate([a.numbers for a in frames])
        return self._centre_features(values, n_atoms), np.searchsorted(self.species_, numbers), result

    def _kernel_terms(self, X, types):
        """x̂ of each centre, the kernel k (n_centres, M), and the factor c with
        ∂k/∂x = c ⊙ (x̂_m - t x̂) / |x| (normalised) or c ⊙ x̂_m / (σ √d) (standardised)."""
        zeta = self.hyperparameters["degree"]
        same = types[:, None] == self.sparse_types_[None, :]
        if self.hyperparameters["kernel_features"] == "normalised":
            norm = np.linalg.norm(X, axis=1)
            if np.any(norm == 0):
                raise ValueError("a centre has an all-zero feature vector (no neighbour within the cutoff): "
                                 "its normalised features are undefined; use kernel_features='standardised'")
            Xh = X / norm[:, None]
            T = Xh @ self.sparse_points_.T
            k = np.where(same, T**zeta, 0.0)
            c = np.where(same, zeta * T ** (zeta - 1), 0.0) / norm[:, None]
        else:
            Xh = (X - self.mean_[types]) / (self.scale_[types] * np.sqrt(X.shape[1]))
            T = Xh @ self.sparse_points_.T
            k = np.where(same, (1.0 + T) ** zeta, 0.0)
            c = np.where(same, zeta * (1.0 + T) ** (zeta - 1), 0.0)
        return Xh, T, k, c

    def _kernel_hat(self, X, types):
        if self.hyperparameters["kernel_features"] == "normalised":
            return X / np.linalg.norm(X, axis=1)[:, None]
        return (X - self.mean_[types]) / (self.scale_[types] * np.sqrt(X.shape[1]))

    # ---------------------------------------------------------------- design
    def _design(self, frames):
        """Rows of the energies (n_frames, p), forces and torques (n_particles, 3, p)
        in the weights (the last n_species columns: intercepts)."""
        if self.model == "linear":
            return self._linear_design(frames)
        parts = [self._kernel_design(frames[s : s + _CHUNK]) for s in range(0, len(frames), _CHUNK)]
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))

    def _counts(self, frames, types):
        system = np.repeat(np.arange(len(frames)), [len(a) for a in frames])
        counts = np.zeros((len(frames), len(self.species_)))
        np.add.at(counts, (system, types), 1.0)
        return system, counts

    def _linear_design(self, frames):
        X, types, result = self._features(frames, gradients=True)
        n_species, n_features = len(self.species_), X.shape[1]
        system, counts = self._counts(frames, types)
        energy = np.zeros((len(frames), n_species, n_features))
        np.add.at(energy, (system, types), (X - self.mean_[types]) / self.scale_[types])
        energy = np.hstack([energy.reshape(len(frames), -1), counts])
        rows = []
        for parameter in ("positions", "orientations"):
            # frame-mean gradient of type t times N_t: the gradient of the frame sum
            g = result.gradients[parameter].reshape(len(system), 3, n_species, n_features)
            g = g * (counts[system][:, None, :, None] / self.scale_[None, None])
            rows.append(np.concatenate([g.reshape(len(system), 3, -1), np.zeros((len(system), 3, n_species))], axis=2))
        return energy, -rows[0], -rows[1]

    def _sample_particles(self, frames, result):
        """Centre and particle (global indices) of each per-centre gradient sample."""
        offsets = np.concatenate([[0], np.cumsum([len(a) for a in frames])])
        centre = result.sample_center
        return centre, offsets[result.coefficients.system[centre]] + result.sample_atom

    def _kernel_design(self, frames):
        X, types, result = self._features(frames, gradients=True)
        Xh, T, k, c = self._kernel_terms(X, types)
        system, counts = self._counts(frames, types)
        n_particles, M, n_species = len(X), len(self.sparse_points_), len(self.species_)
        energy = np.zeros((len(frames), M))
        np.add.at(energy, system, k)
        energy = np.hstack([energy, counts])
        centre, particle = self._sample_particles(frames, result)
        scatter = sparse.csr_matrix((np.ones(len(centre)), (particle, np.arange(len(centre)))),
                                    shape=(n_particles, len(centre)))
        rows = []
        for parameter in ("positions", "orientations"):
            G = result.gradients[parameter]
            if self.hyperparameters["kernel_features"] == "normalised":
                P = G @ self.sparse_points_.T
                q = np.einsum("saf,sf->sa", G, Xh[centre])
                d = c[centre][:, None, :] * (P - T[centre][:, None, :] * q[:, :, None])
            else:
                G = G / (self.scale_[types[centre]][:, None, :] * np.sqrt(X.shape[1]))
                d = c[centre][:, None, :] * (G @ self.sparse_points_.T)
            d = (scatter @ d.reshape(len(centre), -1)).reshape(n_particles, 3, M)
            rows.append(np.concatenate([d, np.zeros((n_particles, 3, n_species))], axis=2))
        return energy, -rows[0], -rows[1]

    def _penalty(self, n_features):
        """L with LᵀL = Γ (intercept columns zero)."""
        n_species = len(self.species_)
        if self.model == "linear":
            root = np.eye(n_species * n_features)
        else:
            K = self._sparse_kernel()
            eigenvalues, vectors = np.linalg.eigh(K)
            root = np.sqrt(np.clip(eigenvalues, 0.0, None))[:, None] * vectors.T
        return np.hstack([root, np.zeros((len(root), n_species))])

    def _sparse_kernel(self):
        zeta = self.hyperparameters["degree"]
        T = self.sparse_points_ @ self.sparse_points_.T
        same = self.sparse_types_[:, None] == self.sparse_types_[None, :]
        base = T if self.hyperparameters["kernel_features"] == "normalised" else 1.0 + T
        return np.where(same, base**zeta, 0.0)

    # ------------------------------------------------------------------- fit
    def fit(self, frames):
        """Fit to the energies, forces and torques of ``frames``.

        Parameters
        ----------
        frames : sequence of ase.Atoms
            Ellipsoid frames with ``info["energy"]``, ``arrays["forces"]`` and
            ``arrays["torques"]`` (or the same in a ``SinglePointCalculator``).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Missing or malformed labels (naming frame and field), invalid frames
            (as the featuriser), or all labels of a kind constant.
        """
        frames = _frame_list(frames)
        energies, forces, torques = _labels(frames)
        n_atoms = np.array([len(a) for a in frames])
        self.species_ = np.unique(np.concatenate([a.numbers for a in frames])).astype(np.int64)
        X, types, _ = self._features(frames, gradients=False)
        self.mean_ = np.stack([X[types == t].mean(axis=0) for t in range(len(self.species_))])
        scale = np.stack([X[types == t].std(axis=0) for t in range(len(self.species_))])
        scale[scale == 0] = 1.0
        self.scale_ = scale
        if self.model == "kernel":
            self._select_sparse(X, types)
        energy_rows, force_rows, torque_rows = self._design(frames)
        # residuals in units of the targets' spread: λ_F, λ_T and α are then unitless
        per_particle = energies / n_atoms
        sigma_e = per_particle.std() if len(frames) > 1 and per_particle.std() > 0 else 1.0
        sigma_f = np.sqrt(np.mean(forces**2)) or 1.0
        sigma_t = np.sqrt(np.mean(torques**2)) or 1.0
        self.target_scales_ = np.array([sigma_e, sigma_f, sigma_t])
        system = np.repeat(np.arange(len(frames)), n_atoms)
        p = energy_rows.shape[1]
        A = [energy_rows / (n_atoms[:, None] * sigma_e), force_rows.reshape(-1, p) / sigma_f,
             torque_rows.reshape(-1, p) / sigma_t]
        y = [per_particle / sigma_e, forces.ravel() / sigma_f, torques.ravel() / sigma_t]
        frame_of = [np.arange(len(frames)), np.repeat(system, 3), np.repeat(system, 3)]
        penalty = self._penalty(X.shape[1])
        self.cv_results_ = self._cross_validate(A, y, frame_of, penalty, len(frames))
        best = self.cv_results_["best"]
        self.alpha_ = self.cv_results_["alpha"][best]
        self.force_weight_ = self.cv_results_["force_weight"][best]
        self.torque_weight_ = self.cv_results_["torque_weight"][best]
        solution = weighted_ridge(list(zip(A, y, (1.0, self.force_weight_, self.torque_weight_))),
                                  alpha=self.alpha_, penalty=penalty)
        self._set_solution(solution)
        return self

    def _select_sparse(self, X, types):
        from skmatter.sample_selection import FPS

        Xh = self._kernel_hat(X, types)
        M = self.hyperparameters["n_sparse"]
        if M >= len(Xh):
            selected = np.arange(len(Xh))
        else:
            fps = FPS(n_to_select=M, initialize="random", random_state=self.hyperparameters["seed"])
            selected = np.sort(fps.fit(Xh).selected_idx_)
        self.sparse_points_ = np.ascontiguousarray(Xh[selected])
        self.sparse_types_ = types[selected].astype(np.int64)

    def _set_solution(self, solution):
        n_species = len(self.species_)
        self.intercepts_ = np.asarray(solution[-n_species:], dtype=float)
        weights = np.asarray(solution[:-n_species], dtype=float)
        self.weights_ = weights.reshape(n_species, -1) if self.model == "linear" else weights

    def _cross_validate(self, A, y, frame_of, penalty, n_frames):
        """Grid search of (α, λ_F, λ_T) by K-fold over frames; normal equations per fold."""
        h = self.hyperparameters
        grid = [(a, f, t) for a in h["alphas"] for f in h["force_weights"] for t in h["torque_weights"]]
        table = {name: [] for name in ("alpha", "force_weight", "torque_weight", "score", "energy_rmse",
                                       "force_rmse", "torque_rmse")}
        for a, f, t in grid:
            table["alpha"].append(a)
            table["force_weight"].append(f)
            table["torque_weight"].append(t)
        n_folds = min(h["n_folds"], n_frames)
        if len(grid) == 1 or n_folds < 2:
            for name in ("score", "energy_rmse", "force_rmse", "torque_rmse"):
                table[name] = [None] * len(grid)
            table["best"] = 0
            table["n_folds"] = 0
            return table
        gamma = penalty.T @ penalty
        errors = np.zeros((len(grid), n_folds, 3))
        folds = KFold(n_folds, shuffle=True, random_state=h["seed"]).split(np.arange(n_frames))
        for j, (train, test) in enumerate(folds):
            gram, rhs, held = [], [], []
            for Ak, yk, fk in zip(A, y, frame_of):
                rows = np.isin(fk, train)
                gram.append(Ak[rows].T @ Ak[rows])
                rhs.append(Ak[rows].T @ yk[rows])
                held.append((Ak[~rows], yk[~rows]))
            for g, (a, f, t) in enumerate(grid):
                lhs = gram[0] + f * gram[1] + t * gram[2] + a * gamma
                b = rhs[0] + f * rhs[1] + t * rhs[2]
                w = _solve_normal_equations(lhs, b)
                errors[g, j] = [np.sqrt(np.mean((Ak @ w - yk) ** 2)) for Ak, yk in held]
        # rows are already divided by σ: these are RMSE/σ; mean over folds, then over the three kinds
        normalised = errors.mean(axis=1)
        table["score"] = normalised.mean(axis=1).tolist()
        for k, name in enumerate(("energy_rmse", "force_rmse", "torque_rmse")):
            table[name] = (normalised[:, k] * self.target_scales_[k]).tolist()
        table["best"] = int(np.argmin(normalised.mean(axis=1)))
        table["n_folds"] = int(n_folds)
        return table

    # --------------------------------------------------------------- predict
    def _check_fitted(self):
        if self.species_ is None or not hasattr(self, "weights_"):
            raise ValueError("this AniSOAPPotential is not fitted: call fit(frames) or AniSOAPPotential.load(path)")

    def _local(self, X, types):
        """ε of each centre (n_centres,) and ∂ε/∂x (n_centres, n_features)."""
        if self.model == "linear":
            w = self.weights_[types] / self.scale_[types]
            energy = np.einsum("cf,cf->c", (X - self.mean_[types]) / self.scale_[types], self.weights_[types])
            return energy + self.intercepts_[types], w
        Xh, T, k, c = self._kernel_terms(X, types)
        ca = c * self.weights_
        if self.hyperparameters["kernel_features"] == "normalised":
            grad = ca @ self.sparse_points_ - (ca * T).sum(axis=1)[:, None] * Xh
        else:
            grad = (ca @ self.sparse_points_) / (self.scale_[types] * np.sqrt(X.shape[1]))
        return k @ self.weights_ + self.intercepts_[types], grad

    def _uses_vector_jacobian_product(self):
        return self.use_vector_jacobian_product and hasattr(self.calculator, "vector_jacobian_product")

    def _negative_gradients(self, frames, types, dE_dx, coefficients=None):
        """Forces -∂E/∂r_k and torques -∂E/∂θ_k (n_particles, 3 each) from the
        per-centre ∂E/∂x_i (n_centres, n_features), by the chain rule through the
        featuriser's exact gradients.

        With a featuriser that has ``vector_jacobian_product`` (reverse mode,
        cost of the order of the features), that, on ``coefficients`` (the
        frames' ``DensityCoefficients`` with their pairs, so no second neighbour
        search) when given, else on the frames; otherwise the frame-mean
        gradients (linear model: ∂E/∂x is the same for every centre of a type)
        or the per-centre gradients contracted here (kernel)."""
        if self._uses_vector_jacobian_product():
            if coefficients is not None:
                derivatives = self.calculator.vector_jacobian_product(coefficients, dE_dx, kind=self.kind)
            else:
                derivatives = self.calculator.vector_jacobian_product(
                    frames, dE_dx, kind=self.kind, species=self.species_, diameters=self.hyperparameters["diameters"])
            return -derivatives["positions"], -derivatives["orientations"]
        if self.model == "linear":
            # ∂E/∂x is the same for every centre of a type: the frame-mean gradients suffice
            _, _, result = self._features(frames, gradients=True)
            system, counts = self._counts(frames, types)
            per_type = self.weights_ / self.scale_
            out = []
            for parameter in ("positions", "orientations"):
                g = result.gradients[parameter].reshape(len(system), 3, len(self.species_), -1)
                out.append(-np.einsum("katf,kt,tf->ka", g, counts[system], per_type))
            return out[0], out[1]
        X, _, result = self._features(frames, gradients=True)
        centre, particle = self._sample_particles(frames, result)
        out = []
        for parameter in ("positions", "orientations"):
            contribution = np.einsum("saf,sf->sa", result.gradients[parameter], dE_dx[centre])
            total = np.zeros((len(X), 3))
            np.add.at(total, particle, contribution)
            out.append(-total)
        return out[0], out[1]

    def predict(self, frames):
        """Energies, forces and torques of frames.

        Parameters
        ----------
        frames : ase.Atoms or sequence of ase.Atoms
            Ellipsoid frames of the fitted species.

        Returns
        -------
        energies : ndarray (n_frames,)
        forces, torques : ndarray (n_particles, 3)
            Every particle of every frame, in order (model units: energy per
            length, energy per radian).

        Raises
        ------
        ValueError
            Not fitted; invalid frames or species not fitted (as the featuriser).
        """
        self._check_fitted()
        frames = _frame_list(frames)
        # one neighbour search: the features' pairs are kept for the vector-Jacobian product
        X, types, coefficients = self._features(frames, gradients=False,
                                                keep_pairs=self._uses_vector_jacobian_product())
        local, dE_dx = self._local(X, types)
        system = np.repeat(np.arange(len(frames)), [len(a) for a in frames])
        energies = np.bincount(system, weights=local, minlength=len(frames))
        forces, torques = self._negative_gradients(frames, types, dE_dx, coefficients)
        return energies, forces, torques

    def energies(self, frames):
        """Energies (n_frames,) alone (no gradients: the cheap path, e.g. for
        finite differences or screening). Errors as :meth:`predict`."""
        self._check_fitted()
        frames = _frame_list(frames)
        X, types, _ = self._features(frames, gradients=False)
        system = np.repeat(np.arange(len(frames)), [len(a) for a in frames])
        return np.bincount(system, weights=self._local(X, types)[0], minlength=len(frames))

    def energy_forces_torques(self, atoms):
        """Energy (float), forces (N, 3) and lab-frame torques (N, 3) of one frame:
        the protocol the ASE calculator and the LAMMPS driver call every step."""
        energies, forces, torques = self.predict([atoms])
        return float(energies[0]), forces, torques

    # ------------------------------------------------------------- save/load
    _ARRAYS = ("species_", "mean_", "scale_", "target_scales_", "weights_", "intercepts_")
    _KERNEL_ARRAYS = ("sparse_points_", "sparse_types_")

    def save(self, path):
        """Write the fitted potential to one ``.npz`` file (no pickle).

        Parameters
        ----------
        path : str or Path

        Raises
        ------
        ValueError
            Not fitted.
        """
        self._check_fitted()
        names = self._ARRAYS + (self._KERNEL_ARRAYS if self.model == "kernel" else ())
        header = dict(format=FORMAT, format_version=FORMAT_VERSION, hyperparameters=self.hyperparameters,
                      package_version=__version__, git_revision=_revision(), cv_results=self.cv_results_,
                      alpha=self.alpha_, force_weight=self.force_weight_, torque_weight=self.torque_weight_,
                      arrays=list(names))
        arrays = {name: getattr(self, name) for name in names}
        with open(path, "wb") as handle:
            np.savez(handle, header=np.array(json.dumps(header)), **arrays)

    @classmethod
    def load(cls, path):
        """Read a potential written by :meth:`save`.

        Raises
        ------
        ValueError
            The file is not such a potential (not an ``.npz``, no header, another
            format) or has another format version.
        FileNotFoundError
            No file at ``path``.
        """
        try:
            data = np.load(path, allow_pickle=False)
            header = json.loads(str(data["header"][()]))
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"{path}: not a saved AniSOAPPotential ({FORMAT} .npz with a JSON header): "
                             f"{type(error).__name__}: {error}") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"{path}: not a saved AniSOAPPotential (format {header.get('format')!r} "
                             f"instead of {FORMAT!r})" if isinstance(header, dict) else
                             f"{path}: not a saved AniSOAPPotential (header is not a JSON object)")
        if header.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: format version {header.get('format_version')!r}, this code reads version "
                             f"{FORMAT_VERSION} only (refit, or load it with the package version "
                             f"{header.get('package_version')!r} that wrote it)")
        hypers = dict(header["hyperparameters"])
        potential = cls(**hypers)
        missing = [name for name in header["arrays"] if name not in data.files]
        if missing:
            raise ValueError(f"{path}: damaged AniSOAPPotential file, arrays {missing} missing")
        for name in header["arrays"]:
            setattr(potential, name, data[name])
        potential.cv_results_ = header["cv_results"]
        potential.alpha_ = header["alpha"]
        potential.force_weight_ = header["force_weight"]
        potential.torque_weight_ = header["torque_weight"]
        potential.provenance_ = dict(package_version=header["package_version"], git_revision=header["git_revision"])
        return potential
