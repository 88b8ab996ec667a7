"""chemiscope files with ellipsoids (anisoap_pipeline.chemiscope_io)."""

import gzip
import json
import time

import numpy as np
import pytest
from ase import Atoms
from scipy.spatial.transform import Rotation

from anisoap_pipeline.chemiscope_io import (
    SHAPE,
    write_coarse_grained_map,
    write_ellipsoid_map,
    write_input,
    write_parity_map,
)
from anisoap_pipeline.frames import DIAMETER_KEYS

chemiscope = pytest.importorskip("chemiscope")

Z_ONTO_X = Rotation.from_rotvec([0.0, np.pi / 2, 0.0])  # body z -> lab x


def ellipsoid_frame(rotations, diameters=(1.0, 2.0, 6.0), positions=None, cell=None):
    n = len(rotations)
    positions = np.arange(3 * n, dtype=float).reshape(n, 3) if positions is None else positions
    frame = Atoms(numbers=np.zeros(n, int), positions=positions,
                  cell=np.zeros((3, 3)) if cell is None else cell, pbc=cell is not None)
    frame.new_array("c_q", rotations.as_quat(scalar_first=True))  # (w, x, y, z)
    for key, value in zip(DIAMETER_KEYS, diameters):
        frame.new_array(key, np.full(n, value))
    return frame


def drawn_tensors(data):
    """Each written ellipsoid as the tensor R diag(semiaxes²) Rᵀ, reading the
    orientation as chemiscope documents it: a quaternion in (x, y, z, w) order."""
    tensors = []
    for atom in data["shapes"][SHAPE]["parameters"]["atom"]:
        rotation = Rotation.from_quat(atom["orientation"]).as_matrix()  # scalar last
        tensors.append(atom.get("scale", 1.0) ** 2 * rotation @ np.diag(np.square(atom["semiaxes"])) @ rotation.T)
    return np.array(tensors)


def test_long_axis_is_drawn_along_the_lab_direction_of_the_quaternion(tmp_path):
    rotations = Rotation.concatenate([Z_ONTO_X, Rotation.identity(), Rotation.random(random_state=3)])
    path = tmp_path / "lc.json"
    write_ellipsoid_map(path, [ellipsoid_frame(rotations)], [[0.1, 0.2]], {"S": [0.8]})
    data = json.loads(path.read_text())
    assert data["shapes"][SHAPE]["kind"] == "ellipsoid"

    atom = data["shapes"][SHAPE]["parameters"]["atom"][0]
    long_axis = Rotation.from_quat(atom["orientation"]).apply([0.0, 0.0, atom["semiaxes"][2]])
    np.testing.assert_allclose(long_axis, [3.0, 0.0, 0.0], atol=1e-12)
    tensors = drawn_tensors(data)
    np.testing.assert_allclose(tensors[0], np.diag([9.0, 1.0, 0.25]), atol=1e-12)
    np.testing.assert_allclose(tensors[1], np.diag([0.25, 1.0, 9.0]), atol=1e-12)
    # chemiscope's own helper draws the same tensor with the same reading of "orientation"
    expected = rotations[2].as_matrix() @ np.diag([0.25, 1.0, 9.0]) @ rotations[2].as_matrix().T
    theirs = chemiscope.ellipsoid_from_tensor(expected)
    rotation = Rotation.from_quat(theirs["orientation"]).as_matrix()
    np.testing.assert_allclose(rotation @ np.diag(np.square(theirs["semiaxes"])) @ rotation.T, expected, atol=1e-12)
    np.testing.assert_allclose(tensors[2], expected, atol=1e-12)


def test_ellipsoid_map_writes_the_map_and_properties(tmp_path):
    frames = [ellipsoid_frame(Rotation.random(n, random_state=n), cell=np.eye(3) * 9.0) for n in (2, 3)]
    path = tmp_path / "lc.json.gz"
    write_ellipsoid_map(path, frames, [[1.0, 2.0], [3.0, 4.0]], {"S": [0.1, 0.9], "phase": ["isotropic", "nematic"]})
    with gzip.open(path, "rt") as stream:
        data = json.load(stream)
    assert data["properties"]["PCA[1]"]["values"] == [1.0, 3.0]
    assert data["properties"]["PCA[2]"]["values"] == [2.0, 4.0]
    assert data["properties"]["phase"]["values"] == ["isotropic", "nematic"]
    assert data["settings"]["map"]["color"]["property"] == "S"
    assert len(data["shapes"][SHAPE]["parameters"]["atom"]) == 5
    with pytest.raises(ValueError, match=r"property 'S' has 1 rows, expected one per frame \(2\)"):
        write_ellipsoid_map(tmp_path / "bad.json", frames, [[1.0, 2.0], [3.0, 4.0]], {"S": [0.1]})
    with pytest.raises(ValueError, match=r"frame 1: field 'c_q'"):
        del frames[1].arrays["c_q"]
        write_ellipsoid_map(tmp_path / "bad.json", frames, [[1.0, 2.0], [3.0, 4.0]])


def test_a_map_written_twice_is_byte_identical(tmp_path, monkeypatch):
    # chemiscope's own gzip header carries the time of writing: two runs differed in it
    frames = [ellipsoid_frame(Rotation.random(2, random_state=0), cell=np.eye(3) * 9.0)]
    paths = [tmp_path / "a" / "map.json.gz", tmp_path / "b" / "map.json.gz"]
    for second, path in enumerate(paths):
        monkeypatch.setattr(time, "time", lambda: 1.7e9 + 3600 * second)  # what gzip stamps
        write_ellipsoid_map(path, frames, [[1.0, 2.0]], {"S": [0.5]})
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes()[4:8] == b"\0\0\0\0"  # gzip MTIME: none
    with gzip.open(paths[0], "rt") as stream:
        assert json.load(stream)["properties"]["S"]["values"] == [0.5]
    with pytest.raises(ValueError, match=r"\.json or \.json\.gz"):
        write_input(tmp_path / "map.txt", structures=[])


def test_parity_map_places_frames_at_target_and_prediction(tmp_path):
    dimers = [ellipsoid_frame(Rotation.random(2, random_state=k)) for k in range(3)]
    path = tmp_path / "gb.json"
    write_parity_map(path, dimers, [-1.0, 0.5, 2.0], [-0.9, 0.4, 2.5], units="ε", properties={"set": ["train", "test", "test"]})
    data = json.loads(path.read_text())
    assert data["settings"]["map"]["x"]["property"] == "energy (target)"
    assert data["settings"]["map"]["y"]["property"] == "energy (predicted)"
    np.testing.assert_allclose(data["properties"]["energy error"]["values"], [0.1, -0.1, 0.5], atol=1e-12)
    assert data["properties"]["energy (target)"]["units"] == "ε"
    assert len(data["structures"]) == 3


def test_coarse_grained_ellipsoids_are_drawn_with_the_atoms(tmp_path):
    cell = np.eye(3) * 8.0
    atoms = Atoms("C2H2", positions=[[0, 0, 0], [1.4, 0, 0], [-1, 0, 0], [2.4, 0, 0]], cell=cell, pbc=True)
    coarse = ellipsoid_frame(Rotation.concatenate([Z_ONTO_X]), diameters=(4.0, 4.0, 0.5), positions=[[0.7, 0.0, 0.0]], cell=cell)
    path = tmp_path / "bz.json"
    write_coarse_grained_map(path, [atoms], [coarse], [[0.3, -0.2]], {"energy": [-1.5]})
    data = json.loads(path.read_text())
    structure = data["structures"][0]
    assert structure["names"] == ["C", "C", "H", "H", "X"]
    assert structure["x"][4] == 0.7
    shapes = data["shapes"][SHAPE]["parameters"]["atom"]
    assert [shape.get("scale", 1.0) for shape in shapes] == [0.0] * 4 + [1.0]
    np.testing.assert_allclose(drawn_tensors(data)[4], np.diag([0.25 ** 2, 4.0, 4.0]), atol=1e-12)
    assert data["properties"]["PCovR[1]"]["values"] == [0.3]
    with pytest.raises(ValueError, match="frame 0: the ellipsoid frame's cell"):
        write_coarse_grained_map(path, [atoms], [ellipsoid_frame(Rotation.concatenate([Z_ONTO_X]), cell=cell * 2)], [[0.3, -0.2]])
