"""Write docs/rules.md from the rule modules (the single source of each rule's text).

python scripts/gen_rule_docs.py          # rewrite docs/rules.md
python scripts/gen_rule_docs.py --check  # exit 1 and print the difference when docs/rules.md is stale
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from mantlekit.lint.rules import all_rules

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def render() -> str:
    rules = all_rules()
    out = [
        "# mantle-lint rules",
        "",
        "Generated from the rule modules by `python scripts/gen_rule_docs.py`; `mantle-lint --explain ID` prints one.",
        "",
        "| id | name | severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| [{r.id}](#{r.id.lower()}-{r.name}) | {r.name} | {r.severity} | {r.summary} |" for r in rules]
    for r in rules:
        out += ["", r.explain().replace("# ", "## ", 1).replace("\n## ", "\n### ")]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        old = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if old == text:
            return 0
        diff = difflib.unified_diff(old.splitlines(True), text.splitlines(True), "docs/rules.md", "generated")
        sys.stdout.writelines(diff)
        return 1
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
