"""The workflow's config: YAML files merged in order, validated by ``config/schema.yaml``.

The schema is the one home of defaults: validation fills every key the files
leave out. :func:`load_config` is what the Snakefile, the benchmarks and the
tests read a config with; the Snakefile, whose files Snakemake merges itself,
calls :func:`validate_config` on the result.
"""

from pathlib import Path

__all__ = ["ROOT", "SCHEMA", "load_config", "validate_config"]

#: The repository (the Snakefile's folder).
ROOT = Path(__file__).resolve().parent.parent
#: The config's JSON schema.
SCHEMA = ROOT / "config" / "schema.yaml"


def validate_config(config, schema=SCHEMA):
    """Validate a merged config against the schema, filling its defaults in place; return it.

    Raises
    ------
    anisoap_pipeline.plan.ConfigError
        One line naming the offending key and what is wrong (for a misspelt
        key, the keys allowed there), not the whole schema.
    """
    import jsonschema
    import yaml
    from snakemake.utils import validate

    from .plan import ConfigError

    rules = yaml.safe_load(Path(schema).read_text())
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(rules).iter_errors(config))
    if error is not None:
        key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        allowed = sorted(error.schema.get("properties", {})) if error.validator == "additionalProperties" else []
        raise ConfigError(key, error.message + (f"; allowed here: {', '.join(allowed)}" if allowed else ""))
    validate(config, str(schema), set_default=True)
    return config


def load_config(*files, overrides=None, schema=SCHEMA):
    """The config of ``config/config.yaml`` with ``files`` merged over it, as Snakemake merges them.

    Parameters
    ----------
    *files : str or os.PathLike
        Further config files (``--configfile``), later ones taking precedence.
    overrides : dict, optional
        Merged last (``--config``).
    schema : str or os.PathLike, optional

    Returns
    -------
    dict
        The validated config, defaults filled.
    """
    import yaml
    from snakemake.utils import update_config

    config = {}
    for path in (ROOT / "config" / "config.yaml", *files):
        update_config(config, yaml.safe_load(Path(path).read_text()) or {})
    update_config(config, overrides or {})
    return validate_config(config, schema)
