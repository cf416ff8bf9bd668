"""Every rule's bad and good input (tests/lint/rules/fixtures/<ID>/), run as a user runs mantle-lint: the bad
one's text report is its snapshot (``bad.snap``: each finding's file, line, column, message and fix), the good
one has no finding. ``MANTLEKIT_UPDATE_SNAPSHOTS=1 pytest tests/lint/rules/test_rule_fixtures.py`` rewrites
the snapshots; review the diff. The documentation's Example and "Use instead" are these files
(scripts/gen_rule_docs.py)."""

from __future__ import annotations

import json
import os

import pytest

from mantlekit.lint.cli import main
from mantlekit.lint.rules import all_rules
from tests.lint.rules import rule_fixtures as fx

UPDATE = os.environ.get("MANTLEKIT_UPDATE_SNAPSHOTS") == "1"
RULES = [r.id for r in all_rules()]


def _run(rule_id: str, case: str, capsys, *extra: str, select: str | None = None) -> tuple[int, str]:
    code = main([*extra, *fx.arguments(rule_id, case, select)])
    out, err = capsys.readouterr()
    assert err == "", err
    return code, out


def test_every_rule_has_fixtures_and_nothing_else_does():
    assert fx.rule_ids() == sorted(RULES)
    for rid in RULES:
        names = sorted(p.name for p in (fx.FIXTURES / rid).iterdir())
        assert [n for n in names if not n.startswith(("bad", "good"))] == [], rid
        assert fx.snapshot_path(rid).is_file() or UPDATE, f"{rid}: no bad.snap; run with MANTLEKIT_UPDATE_SNAPSHOTS=1"


@pytest.mark.parametrize("rule_id", RULES)
def test_bad_input_matches_its_snapshot(rule_id, capsys, monkeypatch):
    monkeypatch.chdir(fx.FIXTURES / rule_id)
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, report = _run(rule_id, "bad", capsys)
    report, ages = fx.redact(rule_id, report)
    if rule_id in fx.AGE_FROM:
        now = fx.age_now(rule_id)
        assert ages and set(ages) <= {now - 1, now}, ages  # the rule counted a moment before this did
    snap = fx.snapshot_path(rule_id)
    if UPDATE:
        snap.write_text(report, encoding="utf-8")
    assert report == snap.read_text(encoding="utf-8")


@pytest.mark.parametrize("rule_id", RULES)
def test_bad_input_has_only_findings_of_its_rule_and_good_input_none(rule_id, capsys, monkeypatch):
    monkeypatch.chdir(fx.FIXTURES / rule_id)
    _, out = _run(rule_id, "bad", capsys, "--format", "json")
    bad = json.loads(out)
    assert bad["findings"] and {f["rule"] for f in bad["findings"]} == {rule_id}
    assert bad["errors"] == []
    code, out = _run(rule_id, "good", capsys, "--format", "json")
    good = json.loads(out)
    assert (code, good["findings"], good["errors"]) == (0, [], [])
    # The good input is clean of every rule, not only of its own: it is the documented "Use instead".
    code, out = _run(rule_id, "good", capsys, "--format", "json", select="MNT,IAM")
    assert [f["rule"] + " " + f["message"] for f in json.loads(out)["findings"]] == []
