"""Bar charts of benchmark figures (PNG), drawn with matplotlib from the ``bench`` extra.

matplotlib is a tool of the benchmarks, never a dependency of ftorm. `bar_chart` draws in
this interpreter when matplotlib imports here; otherwise it builds a virtual environment of
its own under ``.bench-envs/charts`` (``pip install matplotlib``, once) and draws there, by
running this file with the chart as JSON on its standard input. So every benchmark that
writes a chart writes it wherever it runs, and says so only when neither way works.

Run directly: ``python benchmarks/_charts.py < chart.json`` (what `bar_chart` does in the
charts environment).
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENV = ROOT / ".bench-envs" / "charts"
PACKAGES = ("matplotlib",)


def bar_chart(
    path: Path,
    title: str,
    labels: Sequence[str],
    series: dict[str, list[float]],
    *,
    unit: str,
    log: bool = False,
    digits: int = 0,
    note: str = "",
    target: float | None = None,
) -> bool:
    """A grouped bar chart: one group per label, one bar per series (the first series is
    ftorm's, the others its baselines), each bar labelled with its value in ``unit``
    (``digits`` after the point); the y axis reads ``unit``. ``note`` goes under the chart
    (the method, the load); ``target``, when given, is a dashed line across every group
    (a label may hold line breaks). True when the file was written."""
    spec = {
        "target": target,
        "path": str(path),
        "title": title,
        "labels": list(labels),
        "series": series,
        "unit": unit,
        "log": log,
        "digits": digits,
        "note": note,
    }
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return _draw_elsewhere(spec)
    _draw(spec)
    return True


def _draw_elsewhere(spec: dict[str, Any]) -> bool:
    """Draw ``spec`` with the charts environment's python (made on first use)."""
    python = ENV / "bin" / "python"
    try:
        if not python.exists():
            print(f"  creating {ENV} ({' '.join(PACKAGES)})", flush=True)
            venv.EnvBuilder(with_pip=True).create(ENV)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
        subprocess.run(
            [str(python), str(Path(__file__).resolve())],
            input=json.dumps(spec),
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"  chart {spec['path']} not drawn: {error}", file=sys.stderr)
        return False
    return True


def _draw(spec: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, NullFormatter, ScalarFormatter

    labels: list[str] = spec["labels"]
    series: dict[str, list[float]] = spec["series"]
    digits: int = spec["digits"]
    figure, axes = plt.subplots(figsize=(max(8, 1.15 * len(labels)), 4.4), dpi=110)
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series.items()):
        positions = [i + (index - (len(series) - 1) / 2) * width for i in range(len(labels))]
        bars = axes.bar(positions, values, width, label=name)
        texts = [f"{value:,.{digits}f}" for value in values]
        axes.bar_label(bars, labels=texts, padding=2, fontsize=9)
    axes.set_xticks(range(len(labels)), labels, fontsize=9)
    axes.set_ylabel(spec["unit"])
    top = max(max(values) for values in series.values())
    target = spec.get("target")
    if target is not None:
        axes.axhline(target, color="0.3", linestyle="--", linewidth=1, label=f"target {target:g}")
        top = max(top, target) * 1.12  # room for the legend above the line
    if spec["log"]:
        axes.set_yscale("log")
        axes.set_ylim(bottom=min(1, top), top=top * 3)
        axes.yaxis.set_major_formatter(ScalarFormatter())
        axes.yaxis.set_minor_formatter(NullFormatter())
    else:
        axes.set_ylim(bottom=0, top=top * 1.3)  # room for the legend above the bars
        if digits == 0:  # counts (requests): whole ticks only
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(spec["title"])
    axes.legend(loc="upper left", fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    if spec["note"]:
        figure.text(0.01, 0.01, spec["note"], fontsize=7.5, color="0.35", va="bottom")
        figure.tight_layout(rect=(0, 0.05, 1, 1))
    else:
        figure.tight_layout()
    path = Path(spec["path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    _draw(json.loads(sys.stdin.read()))
