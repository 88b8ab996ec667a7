"""Bad hyperparameters and bad frames fail early with messages that help."""

import ase
import numpy as np
import pytest

from anisoap_pipeline.anisoap import EllipsoidalDensityProjection

GOOD = dict(max_angular=3, cutoff=4.0, radial_gaussian_width=1.0)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"max_angular": -1}, "max_angular must be an integer >= 0"),
        ({"max_angular": 2.5}, "max_angular must be an integer"),
        ({"max_angular": 21}, "max_angular must be <= 20 (MAX_ANGULAR_LIMIT"),
        ({"cutoff": 0.0}, "cutoff must be a positive finite number"),
        ({"cutoff": float("nan")}, "cutoff must be a positive finite number"),
        ({"radial_gaussian_width": None}, "radial_gaussian_width (Å) is required"),
        ({"radial_gaussian_width": -1.0}, "radial_gaussian_width must be a positive"),
        ({"radial_basis": "sto"}, "radial_basis must be 'gto' or 'monomial'"),
        ({"radial_basis": "monomial"}, "leave it None for 'monomial'"),
        ({"max_radial": -2}, "max_radial must be an integer >= 0"),
        ({"max_radial": [1, 2]}, "one entry per l = 0 ... 3 (4 entries), got 2"),
        ({"max_radial": "four"}, "max_radial"),
        ({"subtract_center_contribution": "yes"}, "must be True or False"),
        ({"basis_rcond": -1.0}, "basis_rcond must be a finite number >= 0"),
        ({"basis_tol": 0.0}, "basis_tol must be a positive"),
    ],
)
def test_bad_hyperparameters(change, message):
    with pytest.raises(ValueError) as error:
        EllipsoidalDensityProjection(**{**GOOD, **change})
    assert message in str(error.value)


@pytest.mark.parametrize("change", [
    {"max_angular": 21}, {"max_radial": [1, 2]}, {"radial_gaussian_width": 1e-9}, {"max_radial": 60},
    {"max_angular": 0, "max_radial": 14, "basis_tol": 1e-12}, {"radial_basis": "monomial", "radial_gaussian_width": None,
                                                              "cutoff": 1e-100}])
def test_check_hyperparameters_refuses_what_the_constructor_refuses_without_numba(change):
    """A plan checks grid points with it before any job: the same message, and numba never imported."""
    import subprocess
    import sys

    with pytest.raises(ValueError) as constructor:
        EllipsoidalDensityProjection(**{**GOOD, **change})
    script = ("import sys\nfrom anisoap_pipeline.anisoap.hyperparameters import check_hyperparameters\n"
              f"try:\n    check_hyperparameters(**{({**GOOD, **change})!r})\nexcept ValueError as error:\n"
              "    print(error)\nprint('numba' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [str(constructor.value), "False"]


def test_per_l_max_radial_and_monomial_are_accepted():
    calculator = EllipsoidalDensityProjection(max_angular=2, cutoff=4.0, radial_basis="monomial", max_radial=[2, 1, 0])
    assert calculator.num_radial == (3, 2, 1)


def test_ill_conditioned_basis_is_reported():
    """Found when the calculator is built (the basis is built there), before any frame."""
    with pytest.raises(ValueError, match="too ill-conditioned"):
        EllipsoidalDensityProjection(max_angular=0, cutoff=4.0, radial_gaussian_width=1.0, max_radial=14, basis_tol=1e-12)


def _frame():
    atoms = ase.Atoms("H2", positions=[[0, 0, 0], [1.0, 0.5, 0.0]])
    atoms.arrays["c_q"] = np.array([[1.0, 0, 0, 0]] * 2)
    for k in range(3):
        atoms.arrays[f"c_diameter[{k + 1}]"] = np.full(2, 1.0)
    return atoms


@pytest.mark.parametrize(
    "spoil, field",
    [
        (lambda a: a.positions.__setitem__((1, 0), np.nan), "position"),
        (lambda a: a.arrays["c_q"].__setitem__((1, 0), 0.5), "c_q"),
        (lambda a: a.arrays["c_diameter[2]"].__setitem__(0, -1.0), "c_diameter[2]"),
    ],
)
def test_bad_frames_name_the_frame_and_field(spoil, field):
    frames = [_frame(), _frame()]
    spoil(frames[1])
    with pytest.raises(ValueError) as error:
        EllipsoidalDensityProjection(**GOOD).power_spectrum(frames)
    assert "frame 1" in str(error.value) and field in str(error.value)


def test_species_outside_the_requested_channels():
    with pytest.raises(ValueError, match="frame 0: field 'numbers' holds species 1 \\(particle 0\\)"):
        EllipsoidalDensityProjection(**GOOD).power_spectrum([_frame()], species=[6])


def test_thin_periodic_cell_is_rejected_naming_the_frame():
    """10 x 10 x 0.005 Å with a 4 Å cutoff: ~500 images of every pair were
    featurised silently (1e-4 Å gave 1e8-sized features, 1e-6 Å a segfault)."""
    thin = _frame()
    thin.set_cell([10.0, 10.0, 0.005])
    thin.pbc = True
    with pytest.raises(ValueError, match=r"frame 1: field 'cell' is too thin for the cutoff: perpendicular widths "
                                         r"\(10, 10, 0.005\) Å with cutoff 4 Å give up to 1.44e\+04 periodic images"):
        EllipsoidalDensityProjection(**GOOD).compute([_frame(), thin])


def test_empty_frames_give_zeros_with_a_warning_and_all_empty_is_an_error():
    empty = _frame()[[]]
    calculator = EllipsoidalDensityProjection(**GOOD)
    with pytest.warns(UserWarning, match=r"1 frame\(s\) without particles \(1\): their features are zeros"):
        features = calculator.compute([_frame(), empty, _frame()])
    assert np.all(features[1] == 0.0) and np.array_equal(features[0], features[2])
    with pytest.raises(ValueError, match=r"all 2 frame\(s\) are empty \(no particles\): nothing to featurise"):
        calculator.compute([empty, empty])


@pytest.mark.parametrize(
    "frames, message",
    [
        (None, "frames must be an ase.Atoms, a sequence of ase.Atoms or a FrameBatch, got NoneType"),
        ("frames.xyz", "frames must be an ase.Atoms, a sequence of ase.Atoms or a FrameBatch, got str"),
        ([_frame(), np.zeros(3)], "item 1 is a ndarray"),
        ([_frame(), None], "item 1 is a NoneType"),
    ],
)
def test_frames_of_the_wrong_type(frames, message):
    with pytest.raises(TypeError, match=message):
        EllipsoidalDensityProjection(**GOOD).compute(frames)


@pytest.mark.parametrize("value", ["x", None, [1e-3]])
def test_basis_rcond_of_the_wrong_type(value):
    with pytest.raises(ValueError, match="basis_rcond must be a finite number >= 0, got"):
        EllipsoidalDensityProjection(**GOOD, basis_rcond=value)


# --------------------------------------------------- finite features or a refusal
def _frames():
    from .test_anisoap_invariance import random_frame

    return [random_frame(seed=s, species=(1, 6)) for s in range(2)]


@pytest.mark.parametrize("width", [1e-10, 3e-10, 1e-6])
def test_gto_width_far_below_the_cutoff_is_refused_not_nan(width):
    """σ^(2d+3) underflowed and the pair Gaussian's exponent cancelled to noise:
    all-NaN (1e-10) or inf/garbage (3e-10, 1e-6) features were returned."""
    with pytest.raises(ValueError) as error:
        EllipsoidalDensityProjection(max_angular=3, cutoff=5.0, radial_gaussian_width=width, max_radial=2)
    message = str(error.value)
    assert f"radial_gaussian_width = {width:g} Å is too small for cutoff = 5 Å" in message, message
    assert "e.g. radial_gaussian_width = 1.5" in message
    assert (f"if it is in metres, write {width * 1e10:g}" in message) == (width < 1e-6)


@pytest.mark.parametrize(
    "hypers, name",
    [
        (dict(radial_basis="monomial", cutoff=1e-100), "cutoff = 1e-100 Å"),
        (dict(radial_basis="monomial", cutoff=1e30), "cutoff = 1e+30 Å"),
        (dict(cutoff=7e-10, radial_gaussian_width=3e-10), "radial_gaussian_width = 3e-10 Å"),
        (dict(cutoff=1e-60, radial_gaussian_width=1e-62), "radial_gaussian_width = 1e-62 Å"),
        (dict(cutoff=4.0, radial_gaussian_width=1e40), "radial_gaussian_width = 1e+40 Å"),
    ],
)
def test_lengths_whose_basis_norms_underflow_are_refused_naming_them(hypers, name):
    """These gave LinAlgError ("Eigenvalues did not converge") or NaN."""
    with pytest.raises(ValueError) as error:
        EllipsoidalDensityProjection(**{"max_angular": 10, "max_radial": 4, **hypers})
    message = str(error.value)
    assert message.startswith(name) and "outside the range float64 can represent" in message, message
    assert "give " + name.split(" =")[0] + " between " in message
    assert ("3e-10 is in metres, write 3" in message) == ("3e-10" in name)


def test_length_scale_range_narrows_with_the_degree():
    from anisoap_pipeline.anisoap.radial_basis import length_scale_range, num_radial_functions

    small = length_scale_range(num_radial_functions(2, 1), "gto")
    large = length_scale_range(num_radial_functions(20, 4), "gto")
    assert small[0] < large[0] < 1e-4 and 1e4 < large[1] < small[1]
    # the configs' values sit well inside
    assert large[0] < 0.5 and 7.0 < large[1]


def test_orthonormalization_never_returns_nan():
    """A 1 x 1 NaN overlap went through eigh and `error > tol` (False for NaN)."""
    from anisoap_pipeline.anisoap.radial_basis import orthonormalization_matrix

    with pytest.raises(ValueError, match="radial_gaussian_width = 1e-200 Å is outside the range"):
        orthonormalization_matrix(0, 1, "gto", 4.0, 1e-200, 0.0, 1e-8)
    with pytest.raises(ValueError, match="cutoff = 1e-300 Å is outside the range"):
        orthonormalization_matrix(3, 2, "monomial", 1e-300, None, 0.0, 1e-8)


def test_nan_reconstruction_error_fails_the_tolerance():
    from anisoap_pipeline.anisoap.radial_basis import _inverse_sqrt

    with pytest.raises(ValueError, match="not finite"):
        _inverse_sqrt(np.array([[np.nan]]), 0.0, 1e-8, "radial_gaussian_width")


@pytest.mark.parametrize("radial_basis", ["gto", "monomial"])
@pytest.mark.parametrize("max_angular, max_radial", [(0, None), (3, 0), (4, 2), (10, None)])
def test_compute_is_finite_or_refused(radial_basis, max_angular, max_radial):
    """Over 120 orders of magnitude of the length hyperparameters: never a
    non-finite feature, never an error other than a ValueError."""
    frames = _frames()
    for exponent in range(-60, 61, 6):
        value = 10.0**exponent
        hypers = dict(max_angular=max_angular, max_radial=max_radial, radial_basis=radial_basis)
        if radial_basis == "gto":
            hypers.update(cutoff=5.0, radial_gaussian_width=value)
        else:
            hypers.update(cutoff=value)
        try:
            features = EllipsoidalDensityProjection(**hypers).compute(frames)
        except ValueError:
            continue
        assert np.all(np.isfinite(features)), hypers


@pytest.mark.parametrize(
    "options, name",
    [
        (["--cutoff", "5", "--radial-gaussian-width", "1e-10"], "radial_gaussian_width = 1e-10 Å"),
        (["--cutoff", "1e-100", "--radial-basis", "monomial"], "cutoff = 1e-100 Å"),
    ],
)
def test_featurize_refuses_with_one_line_and_writes_nothing(tmp_path, capsys, options, name):
    """Both wrote an all-NaN (or LinAlgError) array before; exit 0 for the first."""
    from anisoap_pipeline.cli import main
    from anisoap_pipeline.frames import write_frames

    write_frames(tmp_path / "frames.xyz", _frames())
    output = tmp_path / "out.npy"
    with pytest.raises(SystemExit) as stop:
        main(["featurize", str(tmp_path / "frames.xyz"), str(output), "--max-angular", "3", *options, "--no-progress"])
    err = capsys.readouterr().err
    assert stop.value.code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"anisoap-pipeline featurize: {name}"), err
    assert not output.exists()
