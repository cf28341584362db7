#!/usr/bin/env bash
# A user's view of the installed package: from a temporary folder outside the project, run
# the example of docs/how-to/type-checking.md (its first ```python block), then check it with
# mypy --strict and pyright in strict mode. Needs the README's install in .venv first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
page="$root/docs/how-to/type-checking.md"
work="$(mktemp -d "${TMPDIR:-/tmp}/ftorm-outside-XXXXXX")"
trap 'rm -rf "$work"' EXIT

awk '/^```python$/ { inside = 1; next } inside && /^```$/ { exit } inside' "$page" >"$work/example.py"
if [ ! -s "$work/example.py" ]; then
    echo "no \`\`\`python block in $page" >&2
    exit 1
fi
echo '{"typeCheckingMode": "strict"}' >"$work/pyrightconfig.json"

cd "$work"
export PATH="$root/.venv/bin:$PATH"  # as an activated virtual environment would
export PYRIGHT_PYTHON_IGNORE_WARNINGS=1  # no version check against the package index
python example.py
mypy --strict example.py
pyright
