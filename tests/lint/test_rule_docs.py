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
