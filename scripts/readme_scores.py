"""Paste the eval runner's own output into README.md, between the eval markers.

Usage: python scripts/readme_scores.py FILE...  (markdown files written by `summarizer eval`)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import paste_in_readme


def main(paths: list[str]) -> None:
    blocks = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").strip()
        blocks.append(re.sub(r"^# ", "#### ", text, flags=re.MULTILINE))
    paste_in_readme("eval", "\n\n".join(blocks))


if __name__ == "__main__":
    main(sys.argv[1:])
