#!/bin/sh
# Build a virtual environment with the official ftrack client and run the tests that need it
# against `ftorm serve`.
#
#   tests/compat/run.sh [VENV_PATH [pytest args...]]     (VENV_PATH default: <project>/.venv-compat)
#
# The client pins arrow<1, so it cannot share ftorm's environment. `ftorm serve` runs from
# ftorm's own environment: FTORM_PYTHON (default: <project>/.venv/bin/python).
# The client's version is pinned (FTRACK_API_VERSION): the one these tests were last run with.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FTRACK_API_VERSION=3.1.0
VENV=${1:-$ROOT/.venv-compat}
[ $# -gt 0 ] && shift
FTORM_PYTHON=${FTORM_PYTHON:-$ROOT/.venv/bin/python}
export FTORM_PYTHON
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# ftorm installs beside the client too (it accepts the arrow<1 the client pins), so the test
# of the client building its classes from ftorm's standard schema runs here as well.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "ftrack-python-api==$FTRACK_API_VERSION" pytest \
    -e "$ROOT"
cd "$ROOT"
# Every test runs here: any skip fails (tests/skip_policy.py).
exec "$VENV/bin/python" -m pytest --confcutdir="$HERE" -p no:cacheprovider \
    -p tests.skip_policy --strict-skips -rs \
    "$HERE/test_official_client.py" "$HERE/test_official_custom_attributes.py" \
    "$HERE/test_custom_attributes_e2e.py" "$HERE/test_clone_official_client.py" \
    "$HERE/test_official_events.py" \
    "$HERE/test_official_rules.py" "$HERE/test_official_files.py" \
    "$ROOT/tests/schema/test_schema_official_client.py" "$@"
