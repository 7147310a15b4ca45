"""Where each benchmark of `make bench` leaves its figures: build/bench/<id>.json, one file per benchmark.

`table.py` turns those files into build/bench/table.md. A row is one measured figure with the target it is held to
(issue 5); `met` is None when the figure has no target of its own.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "build" / "bench"


@dataclass
class Row:
    measure: str  # what was measured, e.g. "freshness p95: task end → DOM"
    value: str  # the figure as shown, e.g. "183 ms" or "1.01×"
    target: str = ""  # e.g. "≤ 250 ms"; empty when none
    met: bool | None = None


@dataclass
class Result:
    id: str  # "P1".."P6"
    title: str
    rows: list[Row] = field(default_factory=list)
    command: str = ""
    notes: str = ""
    raw: dict = field(default_factory=dict)  # the samples behind the figures, kept for later reading

    def write(self) -> Path:
        OUT.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        data["machine"] = machine()
        path = OUT / f"{self.id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
        os.replace(tmp, path)
        return path


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPU {cpu}, {platform.system()} {platform.release()}".strip()


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(samples)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def median(samples: list[float]) -> float:
    return statistics.median(samples)
