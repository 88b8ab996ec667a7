#!/usr/bin/env bash
# Install the project (without dependencies: the .yaml has them) into the new
# conda environment, from the checkout the workflow runs in.
set -euo pipefail
python -m pip install --no-deps "${ANISOAP_PIPELINE_SOURCE:-.}"
