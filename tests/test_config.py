"""The one config loader: files merged over config/config.yaml, defaults from the schema, short errors."""

import pytest

from anisoap_pipeline.config import load_config
from anisoap_pipeline.plan import ConfigError


def test_defaults_come_from_the_schema():
    config = load_config(overrides={"studies": {"gay_berne": {"ridge": {"seed": 3}}}})
    ridge = config["studies"]["gay_berne"]["ridge"]
    assert ridge["seed"] == 3 and ridge["cv_folds"] == 5  # given, and filled in by the schema
    assert list(config["studies"])[:3] == ["gay_berne", "liquid_crystals", "benzene"]  # the order studies run in


@pytest.mark.parametrize("overrides, message", [
    ({"studes": {}}, "config (top level): Additional properties are not allowed ('studes' was unexpected); "
                     "allowed here: only, results, studies"),
    ({"studies": {"gay_berne": {"dataset": {"n_dimer": 3}}}}, "config studies.gay_berne.dataset: "
                                                              "Additional properties are not allowed ('n_dimer'"),
    ({"studies": {"gay_berne": {"dataset": {"n_dimers": "x"}}}}, "config studies.gay_berne.dataset.n_dimers: 'x' "
                                                                 "is not of type 'integer'"),
])
def test_a_schema_error_is_one_line_naming_the_key(overrides, message):
    with pytest.raises(ConfigError) as error:
        load_config(overrides=overrides)
    assert str(error.value).startswith(message) and "\n" not in str(error.value) and len(str(error.value)) < 400


def test_a_sweep_grid_above_max_points_is_refused_before_any_job():
    from anisoap_pipeline import studies

    config = load_config(overrides={"only": ["sweep"], "studies": {"sweep": {
        "enabled": True, "max_points": 5, "only": ["gay_berne_dimers"]}}})  # its default grid: 3 x 2 x 2 = 12
    with pytest.raises(ConfigError, match=r"studies.sweep.sweeps.gay_berne_dimers.features: the grid has 12 "
                                          r"points, more than studies.sweep.max_points \(5\)"):
        studies.plan(config)


def test_sweep_max_angular_is_bounded_by_the_schema():
    with pytest.raises(ConfigError, match="studies.sweep.sweeps.gay_berne_dimers.features.max_angular"):
        load_config(overrides={"studies": {"sweep": {"sweeps": {"gay_berne_dimers": {"features": {
            "max_angular": 25}}}}}})
