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
                     "allowed here: only, studies"),
    ({"studies": {"gay_berne": {"dataset": {"n_dimer": 3}}}}, "config studies.gay_berne.dataset: "
                                                              "Additional properties are not allowed ('n_dimer'"),
    ({"studies": {"gay_berne": {"dataset": {"n_dimers": "x"}}}}, "config studies.gay_berne.dataset.n_dimers: 'x' "
                                                                 "is not of type 'integer'"),
])
def test_a_schema_error_is_one_line_naming_the_key(overrides, message):
    with pytest.raises(ConfigError) as error:
        load_config(overrides=overrides)
    assert str(error.value).startswith(message) and "\n" not in str(error.value) and len(str(error.value)) < 400
