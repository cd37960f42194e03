"""Paste the eval runner's own output into README.md, between the eval markers.

Usage: python scripts/readme_scores.py FILE...  (markdown files written by `summarizer eval`)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- eval:start -->", "<!-- eval:end -->"


def main(paths: list[str]) -> None:
    blocks = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").strip()
        blocks.append(re.sub(r"^# ", "#### ", text, flags=re.MULTILINE))
    readme = README.read_text(encoding="utf-8")
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    body = "\n\n".join(blocks)
    README.write_text(f"{before}{START}\n{body}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
