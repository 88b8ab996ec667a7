"""Workflow steps of the studies: ``add_parsers(subparsers)`` per module, called by :mod:`anisoap_pipeline.cli`."""
