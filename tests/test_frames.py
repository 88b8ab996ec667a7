"""Tests of the ellipsoid frame convention (anisoap_pipeline.frames)."""

import re

import ase.io
import numpy as np
import pytest
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from scipy.spatial.transform import Rotation

from anisoap_pipeline.frames import (
    DIAMETER_KEYS,
    canonicalize,
    duplicate_frames,
    get_diameters,
    get_quaternions,
    read_frames,
    validate_frames,
    write_frames,
)


def make_frame(n=3, seed=0, periodic=False):
    """A canonical frame of n random ellipsoids."""
    rng = np.random.default_rng(seed)
    if periodic:
        cell = [[7.1, 0.0, 0.0], [1.3, 6.2, 0.0], [-0.8, 0.9, 5.7]]  # triclinic
    else:
        cell = np.zeros((3, 3))
    frame = Atoms(numbers=rng.integers(0, 3, n), positions=rng.normal(size=(n, 3)) * 3,
                  cell=cell, pbc=periodic)
    frame.new_array("c_q", Rotation.random(n, rng=rng).as_quat(scalar_first=True))
    for key, column in zip(DIAMETER_KEYS, rng.uniform(0.5, 3.0, size=(3, n))):
        frame.new_array(key, column)
    return frame


def assert_same_frames(actual, expected):
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected):
        np.testing.assert_array_equal(a.numbers, b.numbers)
        np.testing.assert_array_equal(a.positions, b.positions)
        np.testing.assert_array_equal(a.cell.array, b.cell.array)
        np.testing.assert_array_equal(a.pbc, b.pbc)
        np.testing.assert_array_equal(get_quaternions(a), get_quaternions(b))
        np.testing.assert_array_equal(get_diameters(a), get_diameters(b))
        assert sorted(a.arrays) == sorted(b.arrays)
        assert a.info.keys() == b.info.keys()
        for key, value in b.info.items():
            np.testing.assert_array_equal(a.info[key], value)


def data_file(shared_dir, relative):
    path = shared_dir / "data" / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


# --- the real files ------------------------------------------------------------------


def test_reads_paper_benzene_ellipsoids_with_supplied_diameters(shared_dir):
    path = data_file(shared_dir, "anisoap_paper/benzene_ellipsoids.xyz")
    raw = ase.io.read(path, index=0)
    # ASE 3.29 turns the header's undeclared columns into junk info keys
    assert "1:R:1:c_diameter" in raw.info

    frames = read_frames(path, diameters=(4.0, 4.0, 0.5))

    assert len(frames) == 6826  # the file holds 6,826 frames
    assert {len(frame) for frame in frames} == {1, 2}
    for frame in frames[:50]:
        assert set(frame.info) == {"signac_id"}
        assert frame.pbc.all()
        np.testing.assert_array_equal(get_diameters(frame), [[4.0, 4.0, 0.5]] * len(frame))
        np.testing.assert_allclose(np.linalg.norm(get_quaternions(frame), axis=1), 1.0)
    np.testing.assert_allclose(get_quaternions(frames[0]), raw.arrays["c_q"], atol=1e-8)


def test_paper_benzene_ellipsoids_without_diameters_asks_for_them(shared_dir):
    path = data_file(shared_dir, "anisoap_paper/benzene_ellipsoids.xyz")
    with pytest.raises(ValueError, match=r"frame 0: field 'c_diameter\[1\]'.*diameters=") as error:
        read_frames(path, index=":3")
    assert str(path) in str(error.value)


def test_reads_gay_berne_file_with_escaped_keys_and_energies(shared_dir):
    path = data_file(shared_dir, "anisoap_paper/gay_berne_random_rotations.xyz")
    first_header = path.read_text().splitlines()[1]
    energy = float(re.search(r"energy=(\S+)", first_header).group(1))

    frames = read_frames(path)

    assert len(frames) == 1000
    assert frames[0].info["energy"] == energy
    assert all("energy" in frame.info for frame in frames)
    assert all(frame.calc is None for frame in frames)
    np.testing.assert_array_equal(get_diameters(frames[0]), [[1.0, 2.0, 1.0]] * 2)
    np.testing.assert_allclose(
        get_quaternions(frames[0])[0], [-0.22885761, 0.95608024, 0.13824161, -0.12010005],
        atol=1e-8,
    )


def test_atomistic_benzene_file_is_rejected_for_its_missing_orientation(shared_dir):
    path = data_file(shared_dir, "benzene_pbe_ts/benzene_pbe_ts_val.xyz")
    with pytest.raises(ValueError, match=r"frame 0: field 'c_q' \(orientation\) is missing"
                       ) as error:
        read_frames(path, index=":2", diameters=(4.0, 4.0, 0.5))
    assert str(path) in str(error.value)


# --- round trip ----------------------------------------------------------------------


def test_write_read_round_trip_is_exact(tmp_path):
    periodic = make_frame(4, seed=1, periodic=True)
    periodic.info.update(energy=-1.25, h12_gb=0.75, label="nematic phase", seed=7,
                         ordered=True)
    isolated = make_frame(2, seed=2)
    isolated.info.update(energy=3.5)
    frames = [periodic, isolated]

    path = tmp_path / "frames.xyz"
    write_frames(path, frames)
    again = read_frames(path)

    assert_same_frames(again, validate_frames(frames))
    assert isinstance(again[0].info["seed"], (int, np.integer))
    assert again[0].info["label"] == "nematic phase" and again[0].info["ordered"] is True
    # plain ASE reads the escaped diameter columns back under the canonical names
    assert set(DIAMETER_KEYS) <= set(ase.io.read(path, index=0).arrays)
    assert [p.name for p in tmp_path.iterdir()] == ["frames.xyz"]


def test_calculator_energy_is_moved_into_info_and_written(tmp_path):
    frame = make_frame(2)
    frame.calc = SinglePointCalculator(frame, energy=-2.5, forces=np.zeros((2, 3)))

    canonical = canonicalize(frame)

    assert canonical.info == {"energy": -2.5}
    assert canonical.calc is None
    write_frames(tmp_path / "f.xyz", frame)
    assert read_frames(tmp_path / "f.xyz")[0].info == {"energy": -2.5}


def test_invalid_frames_leave_an_existing_file_untouched(tmp_path):
    path = tmp_path / "frames.xyz"
    write_frames(path, make_frame())
    before = path.read_bytes()
    bad = make_frame()
    bad.positions[0, 0] = np.nan

    with pytest.raises(ValueError):
        write_frames(path, [make_frame(), bad])

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["frames.xyz"]


@pytest.mark.parametrize("index, spoiled", [(slice(3, None, 2), 5), ("2:", 4), (slice(1, 8, 3), 7), (slice(-4, None), 6),
                                             (-3, 7), (6, 6)])
def test_invalid_frame_is_named_by_its_number_in_the_file_whatever_the_selection(tmp_path, index, spoiled):
    frames = [make_frame(seed=k) for k in range(10)]
    frames[spoiled].positions[1, 2] = np.nan
    ase.io.write(tmp_path / "f.xyz", frames, format="extxyz")
    with pytest.raises(ValueError) as error:
        read_frames(tmp_path / "f.xyz", index=index)
    assert f"f.xyz: frame {spoiled}: field 'positions' of particle 1 is not finite" in str(error.value)


def test_unparsable_frame_is_named_by_its_number_in_the_file(tmp_path):
    frames = [make_frame(seed=k) for k in range(6)]
    ase.io.write(tmp_path / "f.xyz", frames, format="extxyz")
    lines = (tmp_path / "f.xyz").read_text().splitlines(keepends=True)
    lines[4 * 5 + 2] = "H nonsense\n"  # a particle line of frame 4 (3 particles + 2 header lines per frame)
    (tmp_path / "f.xyz").write_text("".join(lines))
    with pytest.raises(ValueError, match="f.xyz: cannot read frame 4"):
        read_frames(tmp_path / "f.xyz", index=slice(2, None))


def test_duplicate_frames_are_exact_copies_only():
    frames = [make_frame(seed=k, periodic=k % 2 == 1) for k in range(6)]
    frames += [frames[4].copy(), frames[1].copy(), frames[4].copy()]
    frames[-1].info["energy"] = 99.0  # targets are not compared: the inputs are the same
    rotated = frames[2].copy()
    rotated.positions = rotated.positions @ Rotation.from_euler("z", 90, degrees=True).as_matrix().T
    nudged = frames[3].copy()
    nudged.arrays["c_diameter[2]"][0] = np.nextafter(nudged.arrays["c_diameter[2]"][0], 10.0)
    other_cell = frames[5].copy()
    other_cell.cell[0, 0] += 1e-12
    frames += [rotated, nudged, other_cell]
    assert duplicate_frames(validate_frames(frames)) == [[1, 7], [4, 6, 8]]
    assert duplicate_frames(frames[:6]) == []


# --- spellings -----------------------------------------------------------------------


def respell_diameters(frame, spelling):
    diameters = get_diameters(frame)
    for key in DIAMETER_KEYS:
        del frame.arrays[key]
    if spelling == "c_diameter":
        frame.new_array("c_diameter", diameters)
    else:
        for k in range(3):
            frame.new_array(spelling.format(k=k + 1), diameters[:, k].copy())
    return frame


@pytest.mark.parametrize("spelling", ["c_diameter{k}", r"c_diameter\[{k}\]", "c_diameter"])
def test_diameter_spellings_are_canonicalised(spelling):
    frame = make_frame()
    canonical = canonicalize(respell_diameters(frame.copy(), spelling))
    assert_same_frames([canonical], [canonicalize(frame)])


def test_ase_round_trip_with_mangled_keys_and_energy_in_calculator(tmp_path):
    frame = make_frame(3, periodic=True)
    frame.info["energy"] = 1.5
    path = tmp_path / "ase.xyz"
    ase.io.write(path, frame, format="extxyz")  # ASE's own writer, 8 decimals
    raw = ase.io.read(path)
    assert "c_diameter1" in raw.arrays and "energy" not in raw.info

    again = read_frames(path)[0]

    assert again.info == {"energy": 1.5}
    np.testing.assert_allclose(get_diameters(again), get_diameters(frame), atol=1e-8)
    np.testing.assert_allclose(get_quaternions(again), get_quaternions(frame), atol=1e-7)


def test_quaternions_array_is_accepted():
    frame = make_frame()
    frame.new_array("quaternions", frame.arrays.pop("c_q"))
    assert_same_frames([canonicalize(frame)], [canonicalize(make_frame())])


@pytest.mark.parametrize("shape", [(3, 9), (3, 3, 3)])
def test_rotation_matrices_become_quaternions(shape):
    frame = make_frame()
    quaternions = frame.arrays.pop("c_q")
    matrices = Rotation.from_quat(quaternions, scalar_first=True).as_matrix()
    frame.new_array("rotation_matrix", matrices.reshape(shape))

    canonical = canonicalize(frame)

    # body -> lab is kept: the quaternion gives back the same matrix
    rebuilt = Rotation.from_quat(get_quaternions(canonical), scalar_first=True).as_matrix()
    np.testing.assert_allclose(rebuilt, matrices, atol=1e-12)
    assert "rotation_matrix" not in canonical.arrays


def test_diameters_argument_overrides_and_broadcasts():
    frame = make_frame(3)
    np.testing.assert_array_equal(
        get_diameters(canonicalize(frame, diameters=(4, 4, 0.5))), [[4, 4, 0.5]] * 3
    )
    per_particle = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(
        get_diameters(canonicalize(frame, diameters=per_particle)), per_particle
    )


def test_small_quaternion_error_is_renormalised():
    frame = make_frame()
    frame.arrays["c_q"][1] *= 1 + 5e-7
    np.testing.assert_allclose(
        np.linalg.norm(get_quaternions(canonicalize(frame)), axis=1), 1.0, atol=1e-15
    )


def test_canonicalize_returns_a_copy_and_is_idempotent():
    frame = make_frame(periodic=True)
    frame.info["tags"] = [1, 2]
    frame.new_array("extra", np.ones(3))
    canonical = canonicalize(frame)
    canonical.info["tags"].append(3)
    canonical.positions[0] = 0.0

    assert frame.info["tags"] == [1, 2] and frame.positions[0].any()
    assert "extra" not in canonical.arrays
    assert_same_frames([canonicalize(canonical)], [canonical])


def test_single_atoms_is_accepted_and_accessors_need_canonical_frames():
    assert len(validate_frames(make_frame())) == 1
    with pytest.raises(ValueError, match="canonicalize"):
        get_quaternions(Atoms("H"))
    with pytest.raises(ValueError, match="canonicalize"):
        get_diameters(Atoms("H"))


# --- bad input: every message names the frame and the field ----------------------------


def break_positions(frame):
    frame.positions[1, 2] = np.inf


def break_quaternion_finite(frame):
    frame.arrays["c_q"][1, 0] = np.nan


def break_quaternion_norm(frame):
    frame.arrays["c_q"][1] *= 0.93


def break_diameter_finite(frame):
    frame.arrays["c_diameter[2]"][1] = np.nan


def break_diameter_zero(frame):
    frame.arrays["c_diameter[3]"][1] = 0.0


def break_diameter_negative(frame):
    frame.arrays["c_diameter[1]"][1] = -1.0


def break_pbc(frame):
    frame.pbc = [True, True, False]


def break_cell(frame):
    frame.pbc = True
    frame.cell = [[5.0, 0, 0], [0, 5.0, 0], [5.0, 5.0, 0]]


def break_orientation(frame):
    del frame.arrays["c_q"]


def break_diameter_missing(frame):
    del frame.arrays["c_diameter[2]"]


def break_matrix_orthonormality(frame):
    frame.new_array("rotation_matrix", np.tile(np.eye(3).ravel() * 1.1, (3, 1)))
    del frame.arrays["c_q"]


def break_matrix_handedness(frame):
    frame.new_array("rotation_matrix", np.tile(np.diag([1.0, 1.0, -1.0]).ravel(), (3, 1)))
    del frame.arrays["c_q"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (break_positions, r"field 'positions' of particle 1 is not finite"),
        (break_quaternion_finite, r"field 'c_q' \(quaternion\) of particle 1 is not finite"),
        (break_quaternion_norm,
         r"field 'c_q' \(quaternion\) of particle 1 has norm 0\.93, expected 1 within 1e-06"),
        (break_diameter_finite, r"field 'c_diameter\[2\]' \(diameter\) of particle 1 is not finite"),
        (break_diameter_zero, r"field 'c_diameter\[3\]' \(diameter\) of particle 1 is 0, expected > 0"),
        (break_diameter_negative, r"field 'c_diameter\[1\]' \(diameter\) of particle 1 is -1"),
        (break_pbc, r"field 'pbc' is \[True, True, False\]; mixed periodicity"),
        (break_cell, r"field 'cell' is singular"),
        (break_orientation, r"field 'c_q' \(orientation\) is missing"),
        (break_diameter_missing, r"field 'c_diameter\[2\]' \(diameter\) is missing.*diameters="),
        (break_matrix_orthonormality, r"field 'rotation_matrix' of particle 0 is not orthonormal"),
        (break_matrix_handedness, r"field 'rotation_matrix' of particle 0 has determinant -1"),
    ],
)
def test_bad_input_names_frame_and_field(damage, message):
    frames = [make_frame(seed=seed) for seed in range(3)]
    damage(frames[2])
    with pytest.raises(ValueError, match=r"^frame 2: " + message):
        validate_frames(frames)


def test_bad_diameters_argument_names_frame_and_argument():
    with pytest.raises(ValueError, match=r"^frame 1: argument 'diameters' has shape \(2, 3\)"):
        validate_frames([make_frame(2), make_frame(3)], diameters=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^frame 0: field 'diameters\[1\]' \(diameter\) of particle 0"):
        validate_frames([make_frame(2)], diameters=(1.0, 0.0, 1.0))


def test_read_errors_name_the_file(tmp_path):
    frame = make_frame()
    frame.arrays["c_q"][0] *= 2.0
    path = tmp_path / "bad.xyz"
    ase.io.write(path, [make_frame(), frame], format="extxyz")
    with pytest.raises(ValueError, match=re.escape(str(path)) + r": frame 1: field 'c_q'"):
        read_frames(path)


def test_first_bad_frame_is_reported_whatever_the_kind_of_fault():
    frames = [make_frame(seed=seed) for seed in range(4)]
    frames[1].arrays["c_diameter[3]"][2] = np.inf  # a value fault ...
    del frames[2].arrays["c_q"]  # ... before a structural one
    with pytest.raises(ValueError, match=r"^frame 1: field 'c_diameter\[3\]' \(diameter\) of particle 2 is not finite"):
        validate_frames(frames)


@pytest.mark.parametrize("item", [None, "frame.xyz", np.zeros((3, 3))])
def test_an_item_that_is_not_atoms_is_a_type_error(item):
    with pytest.raises(TypeError, match=r"^frame 1: expected an ase.Atoms, got "):
        validate_frames([make_frame(), item])


def test_frames_that_are_not_iterable_are_a_type_error():
    with pytest.raises(TypeError, match="expected an ase.Atoms or an iterable of ase.Atoms, got NoneType"):
        validate_frames(None)


def test_packed_arrays_are_the_canonical_frames():
    from anisoap_pipeline.frames import pack_frames

    frames = [make_frame(3, seed=0), make_frame(1, seed=1, periodic=True), make_frame(4, seed=2)]
    frames[1].arrays["c_q"] = frames[1].arrays["c_q"] * (1 + 1e-9)  # renormalised
    frames[2].new_array("rotation_matrix", Rotation.from_quat(frames[2].arrays["c_q"], scalar_first=True)
                        .as_matrix().reshape(4, 9))
    del frames[2].arrays["c_q"]
    packed = pack_frames(frames)
    canonical = validate_frames(frames)
    np.testing.assert_array_equal(packed["n_atoms"], [3, 1, 4])
    np.testing.assert_array_equal(packed["numbers"], np.concatenate([f.numbers for f in canonical]))
    np.testing.assert_array_equal(packed["positions"], np.concatenate([f.positions for f in canonical]))
    np.testing.assert_array_equal(packed["quaternions"], np.concatenate([get_quaternions(f) for f in canonical]))
    np.testing.assert_array_equal(packed["diameters"], np.concatenate([get_diameters(f) for f in canonical]))
    np.testing.assert_array_equal(packed["cells"], [f.cell.array for f in canonical])
    np.testing.assert_array_equal(packed["pbc"], [f.pbc for f in canonical])
    np.testing.assert_allclose(np.linalg.norm(packed["quaternions"], axis=1), 1.0, rtol=0, atol=1e-15)


def test_a_bad_rotation_matrix_among_quaternion_frames_is_named():
    frames = [make_frame(3, seed=0), make_frame(4, seed=1), make_frame(2, seed=2)]
    matrices = Rotation.from_quat(frames[1].arrays["c_q"], scalar_first=True).as_matrix()
    matrices[2] *= 1.1
    frames[1].new_array("rotation_matrix", matrices.reshape(4, 9))
    del frames[1].arrays["c_q"]
    with pytest.raises(ValueError, match=r"frame 1: field 'rotation_matrix' of particle 2 is not orthonormal"):
        validate_frames(frames)


def _damage_token(path, line, token, new):
    """Replace the token-th whitespace-separated word of a line (1-based) by bytes."""
    lines = path.read_bytes().split(b"\n")
    words = lines[line - 1].split()
    words[token] = new
    lines[line - 1] = b" ".join(words)
    path.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize(
    "damage, message",
    [
        # three frames of 3 particles: frame 1 starts at line 6, its particles at 8-10
        (lambda path: _damage_token(path, 8, 1, b"abc"),
         r"cannot read frame 1 \(starting at line 6\): ValueError: could not convert string to float: 'abc'"),
        (lambda path: _damage_token(path, 9, 2, b"1.0\xff"),
         r"cannot read line 9: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff"),
        (lambda path: path.write_bytes(path.read_bytes().rsplit(b"\n", 2)[0] + b"\n"),
         r"cannot read frame 2 \(starting at line 11\): XYZError: .*expected 3"),
    ],
)
def test_parse_errors_name_the_file_and_frame(tmp_path, damage, message):
    path = tmp_path / "frames.xyz"
    write_frames(path, [make_frame(3, seed=seed) for seed in range(3)])
    damage(path)
    with pytest.raises(ValueError, match="^" + re.escape(str(path)) + ": " + message):
        read_frames(path)


def test_missing_file_and_directory_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "none.xyz"))):
        read_frames(tmp_path / "none.xyz")
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        read_frames(tmp_path)


@pytest.mark.parametrize("index", [3, 5, "5", -4])
def test_index_past_the_end_says_how_many_frames(tmp_path, index):
    path = tmp_path / "frames.xyz"
    write_frames(path, [make_frame(2, seed=seed) for seed in range(3)])
    with pytest.raises(IndexError, match=r"frame index -?\d+ is out of range; the file holds 3 frames"):
        read_frames(path, index=index)
    np.testing.assert_array_equal(read_frames(path, index=-3)[0].positions, read_frames(path, index=0)[0].positions)


# ------------------------------------------------- lengths in another unit
def in_metres(frame):
    """The same frame with every length in metres (1 Å = 1e-10 m)."""
    scaled = frame.copy()
    scaled.set_cell(frame.cell.array * 1e-10, scale_atoms=False)
    scaled.positions = frame.positions * 1e-10
    for key in DIAMETER_KEYS:
        scaled.arrays[key] = frame.arrays[key] * 1e-10
    return scaled


def test_periodic_frames_in_metres_are_named_as_such_not_singular():
    """An absolute 1e-12 threshold on det(cell) called a 7e-10 m cell singular."""
    frames = [make_frame(seed=0, periodic=True), in_metres(make_frame(seed=1, periodic=True))]
    with pytest.raises(ValueError) as error:
        validate_frames(frames)
    message = str(error.value)
    assert message.startswith("frame 1: field 'cell' has vectors no longer than 7.1e-10: "), message
    assert "the frames seem to be in another length unit (Å expected" in message and "singular" not in message


def test_open_frames_in_metres_are_named_by_their_diameters():
    frames = [make_frame(seed=0), in_metres(make_frame(seed=1))]
    with pytest.raises(ValueError, match=r"^frame 1: field 'c_diameter\[1\.\.3\]': the largest diameter is 2\.\d+e-10: "
                                         r"the frames seem to be in another length unit \(Å expected"):
        validate_frames(frames)
    with pytest.raises(ValueError, match=r"^frame 0: argument 'diameters': the largest diameter is 3e-10: the frames seem"):
        validate_frames([make_frame()], diameters=(1e-10, 2e-10, 3e-10))


def test_reading_frames_in_metres_names_the_file(tmp_path):
    path = tmp_path / "si.xyz"
    ase.io.write(path, [in_metres(make_frame(seed=s, periodic=True)) for s in range(2)], format="extxyz")
    with pytest.raises(ValueError, match=re.escape(str(path)) + r": frame 0: field 'cell' has vectors no longer than"):
        read_frames(path)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e8])
def test_singular_cell_is_relative_to_the_cell_size(scale):
    """Degenerate at any size; a valid cell is accepted at any size (down to SMALLEST_LENGTH)."""
    good = make_frame(periodic=True)
    good.set_cell(good.cell.array * scale, scale_atoms=True)
    for key in DIAMETER_KEYS:
        good.arrays[key] = good.arrays[key] * scale
    validate_frames([good])
    flat = good.copy()
    a, b = flat.cell.array[:2]
    flat.set_cell([a, b, a + b * (1 + 1e-14)], scale_atoms=False)
    with pytest.raises(ValueError, match=r"^frame 0: field 'cell' is singular"):
        validate_frames([flat])
    sheared = good.copy()
    sheared.set_cell([a, b, a + b + 1e-6 * np.linalg.norm(a) * np.cross(a, b) / np.linalg.norm(np.cross(a, b))],
                     scale_atoms=False)
    validate_frames([sheared])


def test_zero_cell_vector_is_singular():
    frame = make_frame(periodic=True)
    frame.set_cell([[5.0, 0, 0], [0, 5.0, 0], [0, 0, 0]], scale_atoms=False)
    with pytest.raises(ValueError, match=r"^frame 0: field 'cell' is singular"):
        validate_frames([frame])
