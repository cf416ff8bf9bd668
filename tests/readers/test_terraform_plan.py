"""Terraform plan JSON: principals, documents and findings of a plan written for each resource kind."""

from __future__ import annotations

import json
import subprocess
import sys

from reader_helpers import FIXTURES, ROOT

from mantlekit.lint.config import Config
from mantlekit.lint.readers import read_paths
from mantlekit.lint.runner import lint_paths

PLAN = FIXTURES / "terraform" / "plan" / "keys.plan.json"


def _findings(path):
    result = lint_paths([str(path)], Config())
    return [(f.rule, f.file.rsplit("/", 1)[-1], f.line, f.details.get("label")) for f in result.findings], result


def test_plan_principals_modules_instances_and_keys():
    inv = read_paths([str(PLAN)])
    assert inv.errors == []
    assert inv.files == [str(PLAN)]
    got = {p.label: (p.name, p.kind, p.line, p.construct_path) for p in inv.principals}
    assert got == {
        'aws_iam_user.keys["app"]': ("app", "long-term-key", 7, None),
        "aws_iam_role.worker[0]": ("worker-0", "role", 120, None),
        "module.keys.aws_iam_user.ci": ("ci", "long-term-key", 158, "./modules/keys"),
    }
    p = {x.name: x for x in inv.principals}
    assert [d.name for d in p["ci"].policies.identity] == ["bedrock-v1"]
    assert [d.name for d in p["app"].policies.identity] == ["aws-managed:AmazonBedrockLimitedAccess (v9)"]
    # policy_arn is unknown until apply: the configuration's reference finds the plan's policy
    assert [d.name for d in p["worker-0"].policies.identity] == ["invoke"]
    assert p["app"].credentials[0]["CredentialAgeDays"] == 30
    assert [(d.kind, d.source.label) for d in inv.documents] == [
        ("identity", "aws_iam_policy.invoke"),
        ("scp", "aws_organizations_policy.no_keys"),
        ("resource", "aws_iam_role.worker[0]"),
        ("endpoint", "aws_vpc_endpoint.mantle"),
        ("identity", "module.keys.aws_iam_user_policy.ci"),
    ]
    assert [(r.type, r.logical_id, r.region) for r in inv.resources] == [
        ("AWS::BedrockMantle::Project", "awscc_bedrockmantle_project.chat", "eu-central-1")
    ]


def test_plan_findings():
    found, result = _findings(PLAN)
    assert result.errors == []
    assert found == [
        ("MNT004", "keys.plan.json", 62, "aws_organizations_policy.no_keys"),
        ("MNT002", "keys.plan.json", 120, "aws_iam_role.worker[0]"),
        ("MNT003", "keys.plan.json", 120, "aws_iam_role.worker[0]"),
        ("MNT011", "keys.plan.json", 141, "awscc_bedrockmantle_project.chat"),
        ("MNT001", "keys.plan.json", 158, "module.keys.aws_iam_user.ci"),
        ("MNT002", "keys.plan.json", 158, "module.keys.aws_iam_user.ci"),
        ("MNT003", "keys.plan.json", 158, "module.keys.aws_iam_user.ci"),
        ("MNT010", "keys.plan.json", 158, "module.keys.aws_iam_user.ci"),
    ]
    by_rule = {(f.rule, f.details.get("label")): f for f in result.findings}
    mnt010 = by_rule[("MNT010", "module.keys.aws_iam_user.ci")]
    assert mnt010.message == "ci's Bedrock API key module.keys.aws_iam_service_specific_credential.ci never expires"
    assert by_rule[("MNT002", "aws_iam_role.worker[0]")].severity == "warning"  # inferred from the Lambda


def test_key_age_over_the_limit_and_unknown(tmp_path):
    plan = json.loads(PLAN.read_text())
    cred = plan["planned_values"]["root_module"]["resources"][2]
    cred["values"]["credential_age_days"] = 365
    (tmp_path / "long.json").write_text(json.dumps(plan, indent=2))
    _found, result = _findings(tmp_path / "long.json")
    msgs = [
        f.message for f in result.findings if f.rule == "MNT010" and f.details["label"] == 'aws_iam_user.keys["app"]'
    ]
    key = 'aws_iam_service_specific_credential.keys["app"]'
    assert msgs == [f"app's Bedrock API key {key} is issued for 365 days, longer than the limit of 90 days"]
    del cred["values"]["credential_age_days"]
    plan["resource_changes"].append(
        {
            "address": cred["address"],
            "change": {"actions": ["create"], "after": {}, "after_unknown": {"credential_age_days": True}},
        }
    )
    (tmp_path / "unknown.json").write_text(json.dumps(plan, indent=2))
    _found, result = _findings(tmp_path / "unknown.json")
    assert [f for f in result.findings if f.rule == "MNT010" and f.details["label"] == 'aws_iam_user.keys["app"]'] == []


def test_unknown_document_is_conditional_not_an_error(tmp_path):
    plan = json.loads(PLAN.read_text())
    module = plan["planned_values"]["root_module"]["child_modules"][0]["resources"]
    del module[1]["values"]["policy"]
    plan["resource_changes"].append(
        {
            "address": module[1]["address"],
            "change": {"actions": ["create"], "after": {}, "after_unknown": {"policy": True}},
        }
    )
    (tmp_path / "p.json").write_text(json.dumps(plan))
    inv = read_paths([str(tmp_path / "p.json")])
    ci = next(p for p in inv.principals if p.name == "ci")
    assert [d.name for d in ci.policies.identity] == ["unknown policy module.keys.aws_iam_user_policy.ci"]
    _found, result = _findings(tmp_path / "p.json")
    ci_findings = [f for f in result.findings if f.details.get("label") == "module.keys.aws_iam_user.ci"]
    # conditional verdicts: warnings that name the unknown, never errors
    assert [(f.rule, f.severity) for f in ci_findings] == [
        ("MNT001", "warning"),
        ("MNT002", "warning"),
        ("MNT003", "warning"),
        ("MNT010", "warning"),
    ]
    assert "may not be able to" in ci_findings[0].message
    assert "mantlekit:unresolved/Policy/module.keys.aws_iam_user_policy.ci" in ci_findings[0].message


def test_state_json_and_plans_without_iam(tmp_path):
    plan = json.loads(PLAN.read_text())
    state = {"format_version": "1.0", "values": plan["planned_values"]}
    (tmp_path / "state.json").write_text(json.dumps(state))
    inv = read_paths([str(tmp_path / "state.json")])
    assert sorted(p.name for p in inv.principals) == ["app", "ci", "worker-0"]
    empty = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket.b",
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "b",
                        "values": {},
                    }
                ]
            }
        },
    }
    (tmp_path / "empty.json").write_text(json.dumps(empty))
    inv = read_paths([str(tmp_path / "empty.json")])
    assert (inv.files, inv.errors, inv.principals, inv.documents) == ([], [], [], [])


def test_cli_no_longer_fails_open_on_a_plan():
    out = subprocess.run(
        [sys.executable, "-m", "mantlekit.lint.cli", "--no-config", str(PLAN)], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 1
    assert out.stdout.strip().splitlines()[-1] == "8 findings (5 errors, 3 warnings) in 1 file"
