"""Write README.md's Python examples to a directory as modules, one per section, and print their paths.

``make test`` type-checks them with ``mypy --strict`` (with ``mantlekit``), so an example cannot
drift from the typed API it shows. The examples of one section are joined in order, since a later one may
use the names of an earlier one (as the two OpenAI clients of "## Deploy" do).

    python scripts/readme_snippets.py OUTDIR
"""

from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def snippets(readme: str) -> dict[str, str]:
    """Section slug -> the section's ```python blocks, joined."""
    out: dict[str, str] = {}
    for section in re.split(r"^## ", readme, flags=re.M)[1:]:
        title = section.splitlines()[0]
        blocks = re.findall(r"^```python\n(.*?)^```", section, re.S | re.M)
        if blocks:
            slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
            out[slug] = "\n".join(blocks)
    return out


def main(argv: list[str]) -> int:
    outdir = pathlib.Path(argv[0])
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("readme_*.py"):
        old.unlink()
    for slug, code in snippets((ROOT / "README.md").read_text(encoding="utf-8")).items():
        path = outdir / f"readme_{slug}.py"
        path.write_text(code, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
