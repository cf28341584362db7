"""Fail when ftorm's public interface is less than MIN_SCORE percent typed.

Runs ``pyright --verifytypes ftorm --ignoreexternal --outputjson`` in the environment of the
Python that runs this script (its ``bin`` folder first on PATH, which is where pyright looks
for the interpreter), from a temporary folder so that ftorm is found the way a user's project
finds it: installed. Prints the score and every public symbol that still lacks a type or a
docstring, grouped by module; exits 1 below the threshold.

Usage: ``.venv/bin/python .ci/verify_types.py [--min PERCENT] [--package NAME]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

MIN_SCORE = 95.0


def run_pyright(package: str) -> dict[str, Any]:
    """pyright's JSON report of the type completeness of ``package``."""
    bin_dir = Path(sys.executable).parent
    pyright = shutil.which("pyright", path=str(bin_dir)) or shutil.which("pyright")
    if pyright is None:
        sys.exit("verify_types: pyright is not installed (pip install pyright)")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1",  # no version check against the package index
    }
    command = [pyright, "--outputjson", "--verifytypes", package, "--ignoreexternal"]
    with tempfile.TemporaryDirectory(prefix="ftorm-verifytypes-") as folder:
        # pyright exits 1 whenever anything is incomplete: the JSON is the answer, not the code.
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"verify_types: pyright gave no JSON report:\n{done.stdout}{done.stderr}")
    return report


def missing_by_module(report: dict[str, Any]) -> dict[str, list[str]]:
    """Each module's exported symbols that still have a diagnostic, as "name: message"."""
    found: dict[str, list[str]] = defaultdict(list)
    for symbol in report["typeCompleteness"]["symbols"]:
        if not symbol.get("isExported") or not symbol.get("diagnostics"):
            continue
        name: str = symbol["name"]
        module = _module_of(name, report)
        for diagnostic in symbol["diagnostics"]:
            line = f"{name}: {diagnostic['message'].splitlines()[0]}"
            if line not in found[module]:  # overloads repeat their diagnostics
                found[module].append(line)
    return dict(found)


def _module_of(name: str, report: dict[str, Any]) -> str:
    modules = sorted(
        (m["name"] for m in report["typeCompleteness"]["modules"]), key=len, reverse=True
    )
    return next((m for m in modules if name.startswith(f"{m}.")), name.rpartition(".")[0])


def main(argv: list[str] | None = None) -> int:
    """Print the score and what is missing; 0 when the score reaches ``--min``, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=MIN_SCORE, help="lowest passing percent")
    parser.add_argument("--package", default="ftorm")
    args = parser.parse_args(argv)
    report = run_pyright(args.package)
    completeness = report["typeCompleteness"]
    for diagnostic in report.get("generalDiagnostics", []):
        print(f"pyright: {diagnostic.get('severity')}: {diagnostic.get('message')}")
    for module, lines in sorted(missing_by_module(report).items()):
        print(f"{module}:")
        for line in lines:
            print(f"    {line}")
    score = 100.0 * float(completeness["completenessScore"])
    verdict = "ok" if score >= args.min else "FAIL"
    print(f"type completeness of {args.package}: {score:.1f}% (minimum {args.min:g}%): {verdict}")
    return 0 if score >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
