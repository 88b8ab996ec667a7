"""anisoap-pipeline: AniSOAP dataset studies, reproducibly and fast.

The featuriser lives in :mod:`anisoap_pipeline.anisoap`; the ellipsoid frame
convention in :mod:`anisoap_pipeline.frames`.
"""

__version__ = "0.1.0"
