"""Write docs/rules.md and the examples ``mantle-lint --explain`` prints (mantlekit/data/rule-examples.json)
from the rule modules and the rules' fixtures (tests/lint/rules/fixtures/<ID>/): each rule's Example is its
bad input and the snapshot of mantle-lint's report on it, its "Use instead" the good input, so the
documentation is what the snapshot test checks.

python scripts/gen_rule_docs.py          # rewrite both
python scripts/gen_rule_docs.py --check  # exit 1 and print the difference when either is stale
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mantlekit.lint.rules import all_rules, base  # noqa: E402
from tests.lint.rules import rule_fixtures as fx  # noqa: E402

DOC = ROOT / "docs" / "rules.md"
EXAMPLES = ROOT / "mantlekit" / Path(*base.EXAMPLES_FILE)


def _files(rule_id: str, case: str) -> str:
    return "\n\n".join(
        f"`{name}`:\n\n```{fx.language(name)}\n{text.rstrip()}\n```" for name, text in fx.files(rule_id, case)
    )


def examples() -> dict[str, dict[str, str]]:
    out = {}
    for rid in fx.rule_ids():
        command = " ".join(["mantle-lint", *fx.arguments(rid, "bad")])
        report = fx.snapshot_path(rid).read_text(encoding="utf-8").rstrip()
        out[rid] = {
            "example": f"{_files(rid, 'bad')}\n\n`{command}` says:\n\n```text\n{report}\n```",
            "use_instead": _files(rid, "good"),
        }
    return out


def render_examples(data: dict[str, dict[str, str]]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def render(data: dict[str, dict[str, str]]) -> str:
    rules = all_rules()
    out = [
        "# mantle-lint rules",
        "",
        "Generated from the rule modules and their test fixtures by `python scripts/gen_rule_docs.py`; "
        "`mantle-lint --explain ID` prints one.",
        "",
        "| id | name | severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| [{r.id}](#{r.id.lower()}-{r.name}) | {r.name} | {r.severity} | {r.summary} |" for r in rules]
    for r in rules:
        out += ["", r.explain(data).replace("# ", "## ", 1).replace("\n## ", "\n### ")]
    return "\n".join(out).rstrip() + "\n"


def _stale(path: Path, text: str) -> bool:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old == text:
        return False
    name = path.relative_to(ROOT).as_posix()
    sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), name, "generated"))
    return True


def main() -> int:
    data = examples()
    outputs = {EXAMPLES: render_examples(data), DOC: render(data)}
    if "--check" in sys.argv:
        return 1 if [path for path, text in outputs.items() if _stale(path, text)] else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
