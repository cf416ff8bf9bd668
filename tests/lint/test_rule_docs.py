"""Every rule is documented, and docs/rules.md says what the rule modules say."""

import subprocess
import sys
from pathlib import Path

from mantlekit.lint.rules import all_rules, rule_module_names
from mantlekit.lint.rules.base import rule_examples

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_defines_a_complete_rule():
    rules = all_rules()
    assert len(rules) == len(rule_module_names())
    ids = [r.id for r in rules]
    assert len(set(ids)) == len(ids)
    for r in rules:
        assert r.severity in ("info", "warning", "error"), r.id
        assert all((r.summary, r.rationale, r.fix)), r.id
        assert set(rule_examples()[r.id]) == {"example", "use_instead"}, r.id
        checks = (r.check_document, r.check_principal, r.check_resource)
        assert sum(c is not None for c in checks) == 1, r.id


def test_docs_are_current():
    script = str(ROOT / "scripts" / "gen_rule_docs.py")
    run = subprocess.run([sys.executable, script, "--check"], cwd=ROOT, capture_output=True, text=True)
    assert (run.returncode, run.stderr) == (0, ""), f"stale: run python scripts/gen_rule_docs.py\n{run.stdout}"


def test_readme_rule_table_lists_every_rule_with_its_severity():
    """The README's table is written by hand (its descriptions say more than the summaries); this keeps it
    from missing a rule, naming one that is gone, or giving a default severity the rule does not have."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n| id | severity | what it finds |\n| --- | --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(" | ") for line in table.splitlines()]
    ids = [row[0].removeprefix("| ") for row in rows]
    rules = {r.id: r for r in all_rules()}
    assert sorted(ids) == sorted(rules) and len(ids) == len(set(ids))
    for rid, severity, *_ in rows:
        rule = rules[rid.removeprefix("| ")]
        assert rule.severity in severity.split("/"), (rule.id, severity)
