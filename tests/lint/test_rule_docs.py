"""Every rule is documented, and docs/rules.md says what the rule modules say."""

import subprocess
import sys
from pathlib import Path

from mantlekit.lint.rules import RULE_MODULES, all_rules

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_defines_a_complete_rule():
    rules = all_rules()
    assert len(rules) == len(RULE_MODULES)
    ids = [r.id for r in rules]
    assert len(set(ids)) == len(ids)
    for r in rules:
        assert r.severity in ("info", "warning", "error"), r.id
        assert all((r.summary, r.rationale, r.example, r.fix)), r.id
        checks = (r.check_document, r.check_principal, r.check_resource)
        assert sum(c is not None for c in checks) == 1, r.id


def test_docs_are_current():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"], cwd=ROOT)
    assert run.returncode == 0, "docs/rules.md is stale: run python scripts/gen_rule_docs.py"
