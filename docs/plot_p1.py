"""Draws docs/images/p1-rounds.png, the plot of P1 (listener overhead) per round on the Benchmarks page.

    .venv/bin/python docs/plot_p1.py                              # the figures of the run on the Benchmarks page
    .venv/bin/python docs/plot_p1.py --from build/bench/P1.json   # the raw runs of a new `make bench`

P1 runs the same 100 000-task job in fresh driver JVMs without a listener ("none"), with ours and with the listener of
PyPI sparkmonitor 3.3.0 ("swan"), interleaved round by round; a round's ratio is a mode's job time over that round's
run without a listener. The PNG carries no date or version, so the same figures give the same file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

OUT = Path(__file__).resolve().parent / "images" / "p1-rounds.png"
TARGET = 1.02  # ours ≤ 1.02× the job time without a listener (and ≤ sparkmonitor 3.3.0's)

# Job times (s) of the run on the Benchmarks page: make bench, 2026-12-05 11:08-11:50 UTC, build 1fa30d9.
RUN = "make bench, 2026-12-05, build 1fa30d9"
SECONDS = {
    "none": [77.9, 78.0, 76.0, 78.6, 74.5],
    "ours": [78.2, 79.7, 78.1, 77.8, 76.6],
    "swan": [81.6, 78.5, 82.6, 80.8, 83.9],
}
LABELS = {"none": "no listener", "ours": "ours", "swan": "sparkmonitor 3.3.0"}
COLOURS = {"none": "#7f7f7f", "ours": "#1f77b4", "swan": "#d62728"}


def from_json(path: Path) -> dict[str, list[float]]:
    """The job time of each run per mode, from the raw runs bench_listener.py keeps in P1.json."""
    raw = json.loads(path.read_text())["raw"]
    return {m: [r["seconds"] for r in raw[m]] for m in SECONDS}


def plot(seconds: dict[str, list[float]], run: str, out: Path) -> None:
    rounds = range(1, min(len(v) for v in seconds.values()) + 1)
    fig, (times, ratios) = plt.subplots(1, 2, figsize=(11, 3.8), dpi=100)
    for m, values in seconds.items():
        times.plot(rounds, values[: len(rounds)], marker="o", color=COLOURS[m], label=LABELS[m])
    times.set(title="Job time per round", xlabel="round", ylabel="seconds", xticks=list(rounds))
    times.legend(frameon=False)
    width = 0.38
    for i, m in enumerate(("ours", "swan")):
        r = [seconds[m][k - 1] / seconds["none"][k - 1] for k in rounds]
        ratios.bar([k + (i - 0.5) * width for k in rounds], r, width, color=COLOURS[m], label=LABELS[m])
    ratios.axhline(TARGET, color="black", linestyle="--", linewidth=1, label=f"target for the median, {TARGET:.2f}×")
    ratios.axhline(1.0, color=COLOURS["none"], linewidth=0.8)
    ratios.set(
        title="Ratio to no listener, within each round",
        xlabel="round",
        ylabel="×",
        xticks=list(rounds),
        ylim=(0.9, 1.2),
    )
    ratios.legend(frameon=False, loc="upper left")
    fig.suptitle(f"P1 listener overhead: a 100 000-task PySpark job on local[2] ({run})", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata={"Software": None})
    print(f"wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="source", type=Path, help="a P1.json written by make bench")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.source:
        plot(from_json(args.source), f"{args.source}", args.out)
    else:
        plot(SECONDS, RUN, args.out)


if __name__ == "__main__":
    main()
