"""Liquid-crystal analysis: PCA maps and their scores, the representation comparison,
the figures (paper Figs. 1, 2, S2, S3), the summary rows and the CLI steps."""

import csv
import json

import numpy as np
import pytest

from anisoap_pipeline import summary, tracking
from anisoap_pipeline.steps import registry
from anisoap_pipeline.studies.liquid_crystals import figures
from anisoap_pipeline.studies.liquid_crystals.analysis import (
    REPRESENTATIONS,
    compare_representations,
)
from anisoap_pipeline.studies.liquid_crystals.summary import liquid_crystal_rows
from anisoap_pipeline.analysis.pca import order_correlation, pca_map, separation_scores


def synthetic_frames(n=120, seed=0):
    """Phase labels, order S and representations with known relations.

    ``nu2`` holds S linearly (plus the phase), ``nu1`` only S² and the phase,
    ``sop`` only the phase, ``oop`` is S.
    """
    rng = np.random.default_rng(seed)
    phase = np.where(np.arange(n) < n // 2, "nematic", "smectic")
    S = np.tile(np.linspace(0.0, 1.0, n // 2), 2)
    smectic = (phase == "smectic").astype(float)
    noise = 1e-3 * rng.normal(size=(n, 4))
    nu2 = np.column_stack([3 * smectic, S, S**2, smectic * S]) + noise
    nu1 = np.column_stack([3 * smectic, S**2]) + noise[:, :2]
    sop = np.column_stack([np.ones(n), 2 * smectic + 1e-3 * rng.normal(size=n), 1e-3 * rng.normal(size=n)])
    return phase, S, {"nu1": nu1, "nu2": nu2, "sop": sop, "oop": S}


# ---------------------------------------------------------------------- PCA maps


def test_pca_map_finds_the_known_axis_and_ignores_overall_scale():
    rng = np.random.default_rng(1)
    t = rng.normal(size=200)
    direction = np.array([3.0, 4.0, 0.0]) / 5.0
    X = np.outer(t, direction) + 1e-3 * rng.normal(size=(200, 3)) + 7.0
    coordinates, explained = pca_map(X, n_components=2)
    assert coordinates.shape == (200, 2) and explained.shape == (2,)
    assert explained[0] > 0.999
    # PC1 is t up to scale (whole-matrix scaling: unit total variance), sign fixed by the loading
    assert abs(np.corrcoef(coordinates[:, 0], t)[0, 1]) > 0.9999
    assert np.isclose(coordinates.var(axis=0).sum(), explained.sum(), rtol=1e-6)
    again, _ = pca_map(1e4 * X, n_components=2)
    np.testing.assert_allclose(again, coordinates, atol=1e-9)
    flipped, _ = pca_map(-X, n_components=2)  # the sign convention follows the largest loading
    np.testing.assert_allclose(np.abs(flipped), np.abs(coordinates), atol=1e-9)


def test_pca_map_keeps_relative_variance_of_columns():
    # whole-matrix scaling: a column with 10x the spread dominates PC1 (column-wise would not)
    rng = np.random.default_rng(2)
    X = np.column_stack([10 * rng.normal(size=300), rng.normal(size=300)])
    _, explained = pca_map(X)
    assert explained[0] == pytest.approx(100 / 101, abs=0.02)


@pytest.mark.parametrize("X, n_components, match", [
    (np.ones((1, 3)), 1, "at least 2 samples"),
    (np.ones((5, 2)), 3, "n_components"),
    (np.full((5, 2), np.nan), 1, "non-finite"),
    (np.ones((2, 2, 2)), 1, "matrix"),
])
def test_pca_map_errors(X, n_components, match):
    with pytest.raises(ValueError, match=match):
        pca_map(X, n_components)


def test_separation_scores_of_separated_and_mixed_classes():
    rng = np.random.default_rng(3)
    labels = np.repeat(["nematic", "smectic"], 50)
    separated = rng.normal(size=(100, 2)) + np.where(labels == "smectic", 10.0, 0.0)[:, None]
    scores = separation_scores(separated, labels)
    assert scores["accuracy"] == 1.0 and scores["silhouette"] > 0.8 and scores["folds"] == 5
    mixed = separation_scores(rng.normal(size=(100, 2)), labels)
    assert mixed["accuracy"] < 0.75 and abs(mixed["silhouette"]) < 0.1
    with pytest.raises(ValueError, match="two classes"):
        separation_scores(separated, np.repeat("nematic", 100))
    with pytest.raises(ValueError, match="at least 2 samples"):
        separation_scores(separated, np.array(["a"] + ["b"] * 99))


def test_order_correlation_per_group():
    S = np.linspace(0, 1, 40)
    groups = np.repeat(["nematic", "smectic"], 20)
    rng = np.random.default_rng(4)
    coordinates = np.column_stack([rng.normal(size=40), np.where(groups == "nematic", S, -S**3)])
    result = order_correlation(coordinates, S, groups)
    assert set(result) == {"all", "nematic", "smectic"}
    assert result["nematic"]["best_component"] == 1 and result["nematic"]["best_abs_rho"] == pytest.approx(1.0)
    assert result["smectic"]["rho"][1] == pytest.approx(-1.0)  # monotonic, decreasing
    constant = order_correlation(np.column_stack([np.ones(40), S]), S)
    assert constant["all"]["rho"][0] == 0.0  # a constant axis counts as uncorrelated
    with pytest.raises(ValueError, match="shape"):
        order_correlation(coordinates, S[:-1])


# ------------------------------------------------------ representation comparison


def test_compare_representations_known_answers():
    phase, S, reps = synthetic_frames()
    result = compare_representations(reps, phase, S, seed=3)
    assert result["names"] == list(REPRESENTATIONS)
    G = dict(zip(result["names"], result["gfre"]))
    names = result["names"]
    assert G["nu2"][names.index("oop")] < 0.02  # S is a column of nu2
    assert G["nu1"][names.index("oop")] > 0.1  # only S² in nu1: the S/S² nonlinearity remains
    assert G["sop"][names.index("oop")] > 0.9  # SOP knows only the phase
    assert G["oop"][names.index("nu2")] > G["nu2"][names.index("oop")]
    assert np.all(np.diag(result["gfre"]) < 1e-3)
    assert len(result["train_idx"]) == len(result["test_idx"]) == 60 and result["seed"] == 3
    assert result["phase_separation_nu2"]["accuracy"] == 1.0
    assert result["order_correlation_nu2"]["nematic"]["best_abs_rho"] > 0.99
    assert "shape_separation_nu2" not in result
    # the split is seeded: same seed, same matrix
    np.testing.assert_array_equal(compare_representations(reps, phase, S, seed=3)["gfre"], result["gfre"])
    # over splits seed + k: split 0 is the matrix above; the mean lies within the splits' range
    two = compare_representations(reps, phase, S, seed=3, n_splits=2)
    other = compare_representations(reps, phase, S, seed=4)["gfre"]
    np.testing.assert_allclose(two["gfre_mean"], (result["gfre"] + other) / 2, atol=1e-14)
    np.testing.assert_allclose(two["gfre_sd"], np.abs(result["gfre"] - other) / np.sqrt(2), atol=1e-14)
    # one split has no spread (NaN), not a spread of 0
    assert np.all(np.isnan(result["gfre_sd"])) and result["n_splits"] == 1


def test_compare_representations_scores_shapes_and_rejects_bad_input():
    phase, S, reps = synthetic_frames()
    shape = np.where(np.arange(len(S)) % 2 == 0, 3.0, 2.0)
    reps = dict(reps, nu2=np.column_stack([reps["nu2"], 5 * shape]))
    result = compare_representations(reps, phase, S, shape)
    assert result["shape_separation_nu2"]["accuracy"] == 1.0
    with pytest.raises(ValueError, match="unknown"):
        compare_representations({**reps, "soap": reps["sop"]}, phase, S)
    with pytest.raises(ValueError, match="missing"):
        compare_representations({"nu2": reps["nu2"], "oop": S}, phase, S)
    with pytest.raises(ValueError, match="row counts"):
        compare_representations({**reps, "sop": reps["sop"][:-1]}, phase, S)


def test_radial_spectrum_is_independent_of_max_angular():
    # the workflow featurises nu = 1 with max_angular = 0: it must equal the l = 0 part at max_angular = 6
    from anisoap_pipeline.anisoap import EllipsoidalDensityProjection
    from anisoap_pipeline.studies.liquid_crystals.data import generate_configuration

    frames = [generate_configuration(phase, 0.6, n_particles=40, seed=2) for phase in ("nematic", "smectic")]
    spectra = [
        EllipsoidalDensityProjection(max_angular=lmax, cutoff=3.0, radial_gaussian_width=3.0,
                                     max_radial=3).radial_spectrum(frames)
        for lmax in (0, 6)
    ]
    np.testing.assert_allclose(spectra[0], spectra[1], rtol=1e-12, atol=0)


# ------------------------------------------------------------------------ figures


def test_figures_are_written(tmp_path):
    phase, S, _ = synthetic_frames(40)
    rng = np.random.default_rng(5)
    maps = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
    figures.lc_pca_plot(*maps, phase, S, tmp_path / "pca.png", explained={"anisoap": [0.8, 0.1]})
    shape = np.repeat([3.0, 2.0], 20)
    figures.lc_pca_plot(*maps, phase, S, tmp_path / "pca_mixed.png", aspect_ratio=shape, title="S2")
    figures.gfre_heatmap(rng.random((4, 4)), list(REPRESENTATIONS.values()), tmp_path / "gfre.png",
                         title="GFRE", subtitle="seed 0")
    for name in ("pca.png", "pca_mixed.png", "gfre.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # atomic writes
    with pytest.raises(ValueError, match="unknown phases"):
        figures.lc_pca_plot(*maps, np.repeat("isotropic", 40), S, tmp_path / "x.png")
    with pytest.raises(ValueError, match="square"):
        figures.gfre_heatmap(np.ones((2, 3)), ["a", "b"], tmp_path / "x.png")


# ---------------------------------------------------------------------- summary


def analysis_metrics(gfre, n_frames=1000, rho=0.9, accuracy=1.0, job="a" * 32):
    names = ["nu1", "nu2", "sop", "oop"]
    scores = {"accuracy": accuracy, "silhouette": 0.7}
    correlation = {phase: {"best_abs_rho": rho} for phase in ("nematic", "smectic")}
    return {
        "job": job, "names": names, "gfre": gfre, "n_frames": n_frames, "seed": 0,
        "phase_separation_nu2": scores, "order_correlation_nu2": correlation,
        "phase_separation_sop": scores,
        "order_correlation_sop": {"nematic": {"best_abs_rho": 0.2}, "smectic": {"best_abs_rho": 0.9}},
        "shape_separation_nu2": scores, "shape_separation_sop": scores,
    }


PAPER_LIKE = [  # rows = input, columns = target: nu1, nu2, sop, oop
    [0.0, 0.1, 0.07, 0.24],
    [0.05, 0.0, 0.07, 0.06],
    [0.13, 0.13, 0.0, 0.39],
    [0.9, 0.9, 0.9, 0.0],
]


def test_liquid_crystal_rows_verdicts():
    rows = liquid_crystal_rows(analysis_metrics(PAPER_LIKE))
    assert [row["reproduces"] for row in rows] == ["yes"] * 6
    ours = liquid_crystal_rows(analysis_metrics(
        [[0, 0.08, 0.25, 0.7], [0.03, 0, 0.2, 0.27], [0.31, 0.33, 0, 0.61], [0.93, 0.93, 0.98, 0]],
        rho=0.3,
    ))
    assert [row["reproduces"] for row in ours] == ["qualitative", "qualitative", "no", "no", "qualitative", "yes"]
    small = liquid_crystal_rows(analysis_metrics(PAPER_LIKE, n_frames=12))
    assert {row["reproduces"] for row in small} == {"n/a"}
    worse = [[v + 0.1 if i >= 2 and j < 2 else v for j, v in enumerate(r)] for i, r in enumerate(PAPER_LIKE)]
    mixed = liquid_crystal_rows(analysis_metrics(PAPER_LIKE),
                                analysis_metrics(worse, n_frames=2000, job="b" * 32))
    assert len(mixed) == 8 and mixed[-1]["reproduces"] == "yes" and mixed[-1]["jobs"] == ["a" * 32, "b" * 32]
    text = summary.render(mixed)
    assert text.count("| liquid_crystals |") == 8 and "Criteria:" in text
    # with statistics over splits the verdicts use the mean and the text carries ± sd
    spread = {**analysis_metrics(worse), "gfre_mean": PAPER_LIKE, "gfre_sd": [[0.01] * 4] * 4, "n_splits": 10}
    rows = liquid_crystal_rows(spread)
    assert [row["reproduces"] for row in rows] == ["yes"] * 6
    assert "ν=2 → SOP 0.07 ± 0.01" in rows[0]["ours"] and "over 10 splits" in rows[0]["quantity"]
    assert rows[0]["headline"]["liquid_crystals.gfre.nu2_sop"] == {"mean": 0.07, "sd": 0.01, "n": 10}
    # a second cutoff adds its AniSOAP <-> SOP row; every row states packing and cutoff
    setting = {"packing_fraction": [0.3], "cutoff": 5.0}
    other = {**analysis_metrics(worse, job="c" * 32), "packing_fraction": [0.3], "cutoff": 7.0}
    rows = liquid_crystal_rows({**analysis_metrics(PAPER_LIKE), **setting}, other_cutoffs=[other])
    assert len(rows) == 7 and [row["jobs"] for row in rows[:2]] == [["a" * 32], ["c" * 32]]
    assert "packing 0.3, cutoff 5 D" in rows[0]["quantity"] and "packing 0.3, cutoff 7 D" in rows[1]["quantity"]
    assert [row["reproduces"] for row in rows[:2]] == ["yes", "qualitative"]  # SOP -> AniSOAP 0.23: far off
    assert set(rows[1]["headline"]) == {f"liquid_crystals.gfre.{k}@7" for k in ("nu1_sop", "nu2_sop", "sop_nu1",
                                                                                 "sop_nu2")}
    assert all("cutoff 5 D" in row["quantity"] for row in rows[2:])


# --------------------------------------------------------------- CLI steps, tiny


@pytest.mark.slow
def test_cli_steps_on_a_tiny_project(tmp_path, monkeypatch):
    from anisoap_pipeline.cli import main

    monkeypatch.chdir(tmp_path)

    def state_point(step, **parameters):
        return {"study": "liquid_crystals", "step": step, "numerics": registry()[step].numerics, **parameters}

    dataset_sp = state_point("configurations_shard", n_nematic=4, n_smectic=4, aspect_ratio=3.0, n_particles=40,
                             packing_fraction=0.12, s_max=1.0, seed=0, layer_gap=0.2, shard=[0, 8])
    dataset = tracking.state_point_id(dataset_sp)
    order_sp = state_point("order_parameters", dataset=dataset, cutoff=3.0, max_angular=4, weighted=True)
    hypers = {"cutoff": 3.0, "max_radial": 2, "radial_gaussian_width": 3.0}
    nu1_sp = state_point("featurize", dataset=dataset, kind="radial_spectrum", max_angular=0, **hypers)
    nu2_sp = {**nu1_sp, "kind": "power_spectrum", "max_angular": 2}
    ids = [tracking.state_point_id(sp) for sp in (order_sp, nu1_sp, nu2_sp)]
    analysis_sp = state_point("compare_representations", order=[ids[0]], radial_spectrum=[ids[1]],
                              power_spectrum=[ids[2]], seed=0, train_fraction=0.5, n_splits=1)
    tracking.init_jobs([dataset_sp, order_sp, nu1_sp, nu2_sp, analysis_sp])
    analysis = tracking.state_point_id(analysis_sp)

    main(["configurations_shard", dataset])
    main(["order_parameters", ids[0]])
    for job in ids[1:]:
        main(["featurize", job, "--no-progress"])
    main(["compare_representations", analysis])
    # the same set at a second cutoff (AniSOAP and Steinhardt)
    order_2 = {**order_sp, "cutoff": 2.5}
    spectra_2 = [{**sp, "cutoff": 2.5} for sp in (nu1_sp, nu2_sp)]
    ids_2 = [tracking.state_point_id(sp) for sp in (order_2, *spectra_2)]
    analysis_2_sp = {**analysis_sp, "order": [ids_2[0]], "radial_spectrum": [ids_2[1]],
                     "power_spectrum": [ids_2[2]]}
    tracking.init_jobs([order_2, *spectra_2, analysis_2_sp])
    analysis_2 = tracking.state_point_id(analysis_2_sp)
    main(["order_parameters", ids_2[0]])
    for job in ids_2[1:]:
        main(["featurize", job, "--no-progress"])
    main(["compare_representations", analysis_2])
    # a job of another step is refused, naming both steps
    with pytest.raises(SystemExit, match="is a order_parameters job, not a compare_representations job"):
        main(["compare_representations", ids[0]])
    # the L/D = 3 set at two cutoffs, no mixed set (an empty group, as the workflow passes it)
    main(["liquid_crystals_report", "results", "--group", "main", analysis, analysis_2, "--group", "mixed"])

    order = np.load(tracking.open_job(ids[0]).fn("order.npz"))
    assert order["sop"].shape == (8, 5) and order["oop"].shape == (8,)
    assert np.all(order["layer_order"][order["phase"] == "smectic"] > 0.7)
    metrics = json.loads((tmp_path / "workspace" / analysis / "metrics.json").read_text())["metrics"]
    assert metrics["names"] == ["nu1", "nu2", "sop", "oop"] and metrics["n_frames"] == 8
    assert metrics["seed"] == 0 and np.shape(metrics["gfre"]) == (4, 4)
    for name in ("pca.png", "gfre.png", "gfre_cutoffs.png", "gfre.csv", "summary_rows.json"):
        assert (tmp_path / "results" / name).stat().st_size > 0
    rows = json.loads((tmp_path / "results" / "summary_rows.json").read_text())
    assert len(rows) == 7 and [row["jobs"] for row in rows] == [[analysis], [analysis_2]] + [[analysis]] * 5
    assert "packing 0.12, cutoff 3 D" in rows[0]["quantity"] and "cutoff 2.5 D" in rows[1]["quantity"]
    with open(tmp_path / "results" / "gfre.csv") as handle:
        table = list(csv.DictReader(handle))
    assert {(row["cutoff"], row["job"]) for row in table} == {("3.0", analysis), ("2.5", analysis_2)}
    assert all(row["packing_fraction"] == "0.12" for row in table)
    other = np.load(tracking.open_job(ids_2[0]).fn("order.npz"))["sop"]
    assert not np.allclose(other, order["sop"])  # the second cutoff is a different neighbourhood

    # a wrong state point fails naming the job
    bad_sp = {**analysis_sp, "radial_spectrum": [ids[2]], "power_spectrum": [ids[1]]}
    tracking.init_jobs([bad_sp])
    with pytest.raises(SystemExit, match="failed"):
        main(["compare_representations", tracking.state_point_id(bad_sp)])
