"""Overlapping rules (``Rule.covered_by``): a value two rules would report is reported once, by the more
precise rule, while that rule runs; when it does not run (``--ignore``, ``--select``, a per-path ignore)
the other rule reports it, so no problem goes unreported because a rule was switched off."""

from __future__ import annotations

import json

import pytest

from mantlekit.lint.cli import main
from mantlekit.lint.config import Config, PathIgnore
from mantlekit.lint.runner import lint_paths

#: One action MNT006 knows under a wrong prefix, one misspelt bedrock-mantle action, one bedrock-runtime
#: action: MNT006 says what each should be; without it IAM003 and IAM002 still say they are wrong.
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["bedrock:CreateInference", "bedrock-mantle:ListTagsForResources", "bedrock-runtime:InvokeModel"],
            "Resource": "*",
        }
    ],
}
MNT006 = [("MNT006", 72), ("MNT006", 99), ("MNT006", 138)]
GENERAL = [("IAM003", 72), ("IAM003", 99), ("IAM002", 138)]


@pytest.fixture
def policy_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(json.dumps(POLICY))
    return "p.json"


def _found(capsys, *args: str) -> tuple[int, list[tuple[str, int]], str]:
    code = main(["--no-config", "--format", "json", *args])
    out = json.loads(capsys.readouterr().out)
    return code, [(f["rule"], f["column"]) for f in out["findings"]], out["summary"]["findings"]


def test_the_covering_rule_reports_alone_when_it_runs(policy_file, capsys):
    assert _found(capsys, policy_file) == (1, MNT006, 3)
    assert _found(capsys, "--select", "IAM002,IAM003,MNT006", policy_file) == (1, MNT006, 3)


@pytest.mark.parametrize("args", [("--ignore", "MNT006"), ("--select", "IAM"), ("--ignore", "MNT")])
def test_the_covered_rules_report_when_the_covering_rule_does_not_run(policy_file, capsys, args):
    """The bug this design fixes: IAM002/IAM003 used to skip these values whether MNT006 ran or not, so
    ``--ignore MNT006`` printed ``0 findings``."""
    assert _found(capsys, *args, policy_file) == (1, GENERAL, 3)


def test_the_covered_rules_say_what_is_wrong(policy_file, capsys):
    assert main(["--no-config", "--ignore", "MNT006", policy_file]) == 1
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("p.json:")]
    assert lines == [
        "p.json:1:72: IAM003 error bedrock has no action 'CreateInference'",
        "p.json:1:99: IAM003 error bedrock-mantle has no action 'ListTagsForResources'",
        "p.json:1:138: IAM002 warning service prefix 'bedrock-runtime' is not in the action catalog "
        f"(dated {_catalog_date()}); if the service is newer than that, run `mantle-lint catalog update`, "
        "otherwise the prefix is misspelt",
    ]


def test_a_per_path_ignore_of_the_covering_rule_hands_its_values_back(policy_file):
    ignore = [PathIgnore("p.json", ("MNT006",), "generated")]
    result = lint_paths([policy_file], Config(per_path_ignores=ignore))
    assert [(f.rule, f.column) for f in result.findings] == GENERAL
    other = [PathIgnore("other/*.json", ("MNT006",), "generated")]
    result = lint_paths([policy_file], Config(per_path_ignores=other))
    assert [(f.rule, f.column) for f in result.findings] == MNT006


def test_worker_processes_apply_the_same_overlap(tmp_path, monkeypatch):
    """Document findings made in worker processes reach the same filter as those made here."""
    monkeypatch.chdir(tmp_path)
    for i in range(120):
        (tmp_path / f"p{i:03}.json").write_text(json.dumps(POLICY))
    both = lint_paths(["."], Config(), jobs=2).findings
    assert len(both) == 360 and {f.rule for f in both} == {"MNT006"}
    alone = lint_paths(["."], Config(ignore=("MNT006",)), jobs=2).findings
    assert len(alone) == 360 and [(f.rule, f.column) for f in alone[:3]] == GENERAL


def _catalog_date() -> str:
    from mantlekit.catalog import get_catalog

    return get_catalog().date
