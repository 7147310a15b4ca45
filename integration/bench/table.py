"""Writes build/bench/table.md from what one `make bench` left in build/bench: P1, P2, P4, P5, P6 (<id>.json) and the Go
benchmarks (go.txt, P3). Each figure of the Go benchmarks is the median of its -count runs.

    .venv/bin/python integration/bench/table.py
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import OUT, Result, Row, machine  # noqa: E402

ORDER = ("P1", "P2", "P3", "P4", "P4base", "P4b", "P5", "P6")


def go_result(path: Path) -> Result | None:
    """P3 from `go test -bench` output: the median of each benchmark's reported metrics."""
    if not path.is_file():
        return None
    metrics: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for line in path.read_text().splitlines():
        m = re.match(r"^(Benchmark[\w/.]+?)(?:-\d+)?\s+\d+\s+(.*)$", line)  # sub-benchmarks too
        if not m:
            continue
        for value, unit in re.findall(r"([\d.]+) (\S+)", m.group(2)):
            metrics[m.group(1)][unit].append(float(value))
    med = {b: {u: statistics.median(v) for u, v in units.items()} for b, units in metrics.items()}

    def get(bench: str, unit: str) -> float | None:
        return med.get(bench, {}).get(unit)

    rows = []
    for bench, what in (
        ("BenchmarkDecode", "decode: wire frames → events"),
        ("BenchmarkDecodeApply", "decode + apply to the live state"),
    ):
        v = get(bench, "events/s")
        if v is not None:
            rows.append(Row(f"{what}, one core", f"{v / 1e6:.2f}M events/s", "≥ 1M events/s", v >= 1e6))
    applied = get("BenchmarkRetainedTasks", "applied-events/s")
    if applied is not None:
        rows.append(Row("apply alone (the state's owner goroutine), one core", f"{applied / 1e6:.2f}M events/s"))
    at1, at2 = get("BenchmarkRetainedTasks", "MB@1M-tasks"), get("BenchmarkRetainedTasks", "MB@2M-tasks")
    if at1 is not None and at2 is not None:
        rows.append(Row("live heap with 1M tasks retained", f"{at1:.1f} MB", "≤ 100 MB", at1 <= 100))
        rows.append(
            Row(
                "live heap with 2M tasks retained (flat once the retention bounds are reached)",
                f"{at2:.1f} MB",
                "≤ 1.25× the 1M figure",
                at2 <= 1.25 * at1,
            )
        )
    sub = {k: v for k, v in med.items() if k.startswith("BenchmarkProxy/")}  # BenchmarkProxy/{page}/{path}
    if sub:
        rows.append(
            Row(
                "BenchmarkProxy (ns/op per case, 50 KB page, loopback)",
                ", ".join(
                    f"{k.removeprefix('BenchmarkProxy')}: {v['ns/op'] / 1000:.0f} µs"
                    for k, v in sub.items()
                    if "ns/op" in v
                ),
            )
        )
    return Result(
        id="P3",
        title="ingest: recorded real streams decoded and applied (Go benchmarks)",
        rows=rows,
        command="make bench (go test -run '^$' -bench . -benchmem -cpu 1 -count 3 ./...)",
        notes="Median of 3 runs, one core (-cpu 1), replaying spark/event/testdata/tiny_tasks.jsonl.",
    )


def main() -> None:
    results: dict[str, dict] = {}
    for path in sorted(OUT.glob("P*.json")):
        data = json.loads(path.read_text())
        results[data["id"]] = data
    go = go_result(OUT / "go.txt")
    if go is not None:
        results["P3"] = {
            "id": "P3",
            "title": go.title,
            "command": go.command,
            "notes": go.notes,
            "rows": [r.__dict__ for r in go.rows],
            "machine": machine(),
        }
    lines = []
    machines = sorted({d.get("machine", "") for d in results.values()} - {""})
    lines.append(f"Machine: {'; '.join(machines)}.")
    lines.append("")
    lines.append("| | measure | figure | target | met |")
    lines.append("|---|---|---|---|---|")
    for id_ in ORDER:
        d = results.get(id_)
        if d is None:
            lines.append(f"| **{id_}** | not measured in this run | | | |")
            continue
        first = True
        for r in d["rows"]:
            met = {True: "yes", False: "**no**", None: ""}[r["met"]]
            label = f"**{id_}** {d['title']}" if first else ""
            lines.append(f"| {label} | {r['measure']} | {r['value']} | {r['target']} | {met} |")
            first = False
    lines.append("")
    for id_ in ORDER:
        d = results.get(id_)
        if d is not None:
            when = f", measured {d['measured_at']}" if d.get("measured_at") else ""
            lines.append(f"- **{id_}** (`{d['command']}`{when}): {d['notes']}")
    out = OUT / "table.md"
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
