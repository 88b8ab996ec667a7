"""Shared pytest fixtures, and the opt-in of tests that change the system."""

import os
from pathlib import Path

import pytest

#: The environment variable that lets tests marked ``cluster`` run: they install
#: packages and start Slurm daemons as root. A marker alone is not enough, since
#: ``-m`` on the command line replaces the ``-m 'not cluster'`` of addopts.
CLUSTER_OPT_IN = "ANISOAP_CLUSTER_TEST"


def cluster_opted_in():
    """True when the user asked for the cluster tests (``ANISOAP_CLUSTER_TEST=1``)."""
    return os.environ.get(CLUSTER_OPT_IN) == "1"


CLUSTER_SKIP_REASON = (
    f"installs packages and starts Slurm daemons as root: runs only with {CLUSTER_OPT_IN}=1 "
    f"(e.g. `{CLUSTER_OPT_IN}=1 python -m pytest -m cluster`, as .ci/run does; tests/cluster/README.md)"
)


def pytest_collection_modifyitems(config, items):
    if cluster_opted_in():
        return
    skip = pytest.mark.skip(reason=CLUSTER_SKIP_REASON)
    for item in items:
        if item.get_closest_marker("cluster") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir():
    """The project's shared material at ``../shared``; skip when it is absent."""
    path = (Path(__file__).resolve().parents[1] / ".." / "shared").resolve()
    if not path.is_dir():
        pytest.skip(f"shared folder {path} is absent")
    return path
