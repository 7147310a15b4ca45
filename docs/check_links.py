"""Checks the relative links of Markdown files outside the docs site (README.md, jupyter_config/README.md): each target
file exists, and a `#anchor` names a heading of the target (or of the file itself), slugged as GitHub slugs it.

    python docs/check_links.py README.md jupyter_config/README.md

External links (with a scheme) are not checked: the build runs offline. Exits 1 with every broken link, `file:line`.
The pages of docs/ are checked by the Sphinx build itself (`make docs`, nitpicky, warnings as errors).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes."""
    text = re.sub(r"`|\*\*|__", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def lines_outside_fences(path: Path):
    fenced = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, line in lines_outside_fences(path):
        m = HEADING.match(line)
        if not m:
            continue
        s = slug(m.group(1))
        k = seen.get(s, 0)
        seen[s] = k + 1
        out.add(s if k == 0 else f"{s}-{k}")
    return out


def check(path: Path) -> list[str]:
    problems = []
    for n, line in lines_outside_fences(path):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue  # external: not checked offline
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path.resolve()
            if not dest.exists():
                problems.append(f"{path}:{n}: {target}: no such file {dest}")
                continue
            if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{path}:{n}: {target}: no heading #{anchor} in {dest.name}")
    return problems


def main(argv: list[str]) -> int:
    problems = [p for arg in argv for p in check(Path(arg))]
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
