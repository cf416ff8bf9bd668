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
        'aws_iam_user.keys["app"]': ("app", "long-term-key", 12, None),
        "aws_iam_role.worker[0]": ("worker-0", "role", 143, None),
        "module.keys.aws_iam_user.ci": ("ci", "long-term-key", 200, "./modules/keys"),
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
        ("MNT004", "keys.plan.json", 70, "aws_organizations_policy.no_keys"),
        ("MNT002", "keys.plan.json", 143, "aws_iam_role.worker[0]"),
        ("MNT003", "keys.plan.json", 143, "aws_iam_role.worker[0]"),
        ("MNT011", "keys.plan.json", 182, "awscc_bedrockmantle_project.chat"),
        ("MNT001", "keys.plan.json", 200, "module.keys.aws_iam_user.ci"),
        ("MNT002", "keys.plan.json", 200, "module.keys.aws_iam_user.ci"),
        ("MNT003", "keys.plan.json", 200, "module.keys.aws_iam_user.ci"),
        ("MNT010", "keys.plan.json", 200, "module.keys.aws_iam_user.ci"),
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


def _project_findings(plan, tmp_path, name="p.json"):
    (tmp_path / name).write_text(json.dumps(plan, indent=2))
    inv = read_paths([str(tmp_path / name)])
    _found, result = _findings(tmp_path / name)
    return [(r.logical_id, r.region) for r in inv.resources], [f for f in result.findings if f.rule == "MNT011"]


def test_a_project_takes_the_region_of_its_awscc_provider_configuration(tmp_path):
    """The configuration names each resource's provider configuration (provider_config_key); a project is
    an awscc resource, so the aws provider's region says nothing about it. The aws region may be a root
    variable, whose value is in the plan's variables."""
    plan = json.loads(PLAN.read_text())
    providers = plan["configuration"]["provider_config"]
    assert providers["aws"]["expressions"]["region"] == {"references": ["var.region"]}
    providers["awscc"]["expressions"]["region"] = {"constant_value": "us-east-1"}
    regions, found = _project_findings(plan, tmp_path)
    assert (regions, found) == ([("awscc_bedrockmantle_project.chat", "us-east-1")], [])
    # aws in Virginia, awscc in Frankfurt: the project is in Frankfurt
    plan["variables"]["region"]["value"] = "us-east-1"
    providers["awscc"]["expressions"]["region"] = {"constant_value": "eu-central-1"}
    regions, found = _project_findings(plan, tmp_path)
    assert regions == [("awscc_bedrockmantle_project.chat", "eu-central-1")]
    assert [f.message for f in found] == [
        "awscc_bedrockmantle_project.chat cannot be created in eu-central-1: the awscc provider creates it through "
        "Cloud Control, which has no AWS::BedrockMantle::Project in eu-central-1, although Mantle serves the region; "
        "use the default project, or create the project with the Projects API (POST /v1/organization/projects) and "
        "pass its id to the configuration as a variable"
    ]


def test_a_project_in_a_state_is_placed_by_its_arn(tmp_path):
    plan = json.loads(PLAN.read_text())
    state = {"format_version": "1.0", "terraform_version": "1.9.8", "values": plan["planned_values"]}
    project = state["values"]["root_module"]["resources"][-1]
    assert project["type"] == "awscc_bedrockmantle_project"
    project["values"].update(
        arn="arn:aws:bedrock-mantle:eu-central-1:111122223333:project/proj_5kq2x8v1m3",
        id="arn:aws:bedrock-mantle:eu-central-1:111122223333:project/proj_5kq2x8v1m3",
        project_id="proj_5kq2x8v1m3",
    )
    regions, found = _project_findings(state, tmp_path, "state.json")
    assert regions == [("awscc_bedrockmantle_project.chat", "eu-central-1")]
    assert len(found) == 1


def test_tags_all_carries_the_provider_default_tags(tmp_path):
    """A tag set through the provider's default_tags is in tags_all only (tags holds the resource's own)."""
    plan = json.loads(PLAN.read_text())
    app = plan["planned_values"]["root_module"]["resources"][0]
    app["values"]["tags_all"] = {"mantlekit:api-key": "short-term", "team": "chat"}
    del plan["resource_changes"][0]["change"]["after_unknown"]["tags_all"]  # known: constant default_tags
    (tmp_path / "p.json").write_text(json.dumps(plan))
    inv = read_paths([str(tmp_path / "p.json")])
    p = {x.label: x for x in inv.principals}['aws_iam_user.keys["app"]']
    assert (p.kind, p.tags) == ("short-term-key", {"mantlekit:api-key": "short-term", "team": "chat"})


def test_references_pick_the_instance_they_name_once(tmp_path):
    """Terraform lists every traversal step of a reference (aws_iam_role.worker[1].name, then
    aws_iam_role.worker[1], then aws_iam_role.worker): a literal index picks that instance, and the steps of
    one reference attach the policy once."""
    plan = json.loads(PLAN.read_text())
    rs = plan["planned_values"]["root_module"]["resources"]
    worker = next(r for r in rs if r["address"] == "aws_iam_role.worker[0]")
    second = json.loads(json.dumps(worker))
    second.update(address="aws_iam_role.worker[1]", index=1)
    second["values"]["name"] = "worker-1"
    rs.append(second)
    attach = next(r for r in rs if r["address"] == "aws_iam_role_policy_attachment.worker[0]")
    attach.update(address="aws_iam_role_policy_attachment.worker")
    del attach["index"]
    del attach["values"]["role"]  # unknown: found by the configuration's references
    conf = plan["configuration"]["root_module"]["resources"]
    c = next(r for r in conf if r["address"] == "aws_iam_role_policy_attachment.worker")
    del c["count_expression"]
    c["expressions"]["role"] = {
        "references": ["aws_iam_role.worker[1].name", "aws_iam_role.worker[1]", "aws_iam_role.worker"]
    }
    for rc in plan["resource_changes"]:
        if rc["address"] == "aws_iam_role_policy_attachment.worker[0]":
            rc["address"] = "aws_iam_role_policy_attachment.worker"
            rc["change"]["after_unknown"]["role"] = True
    (tmp_path / "p.json").write_text(json.dumps(plan))
    inv = read_paths([str(tmp_path / "p.json")])
    got = {p.name: [d.name for d in p.policies.identity] for p in inv.principals if p.kind == "role"}
    assert got == {"worker-0": [], "worker-1": ["invoke"]}


def _state(resources):
    return {"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {"resources": resources}}}


def _r(address, values):
    typ, name = address.split(".")
    return {
        "address": address,
        "mode": "managed",
        "type": typ,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": values,
        "sensitive_values": {},
    }


def test_a_state_lists_a_roles_policies_on_the_role_too_and_they_count_once(tmp_path):
    """inline_policy and managed_policy_arns are computed: in a state they repeat what aws_iam_role_policy
    and aws_iam_role_policy_attachment attach."""
    doc = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    )
    arn = "arn:aws:iam::111122223333:policy/invoke"
    state = _state(
        [
            _r(
                "aws_iam_role.app",
                {
                    "arn": "arn:aws:iam::111122223333:role/app",
                    "assume_role_policy": json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "lambda.amazonaws.com"},
                                    "Action": "sts:AssumeRole",
                                }
                            ],
                        }
                    ),
                    "id": "app",
                    "inline_policy": [{"name": "read", "policy": doc}],
                    "managed_policy_arns": [arn],
                    "name": "app",
                    "tags": {},
                    "tags_all": {},
                },
            ),
            _r("aws_iam_role_policy.read", {"id": "app:read", "name": "read", "policy": doc, "role": "app"}),
            _r("aws_iam_policy.invoke", {"arn": arn, "id": arn, "name": "invoke", "policy": doc}),
            _r("aws_iam_role_policy_attachment.invoke", {"id": "app-20251002", "policy_arn": arn, "role": "app"}),
        ]
    )
    (tmp_path / "state.json").write_text(json.dumps(state, indent=2))
    inv = read_paths([str(tmp_path / "state.json")])
    (role,) = inv.principals
    assert [d.name for d in role.policies.identity] == ["read", "invoke"]
    assert [d.source.label for d in inv.documents] == [
        "aws_iam_policy.invoke",
        "aws_iam_role.app",
        "aws_iam_role_policy.read",
    ]


def test_an_endpoint_without_a_policy_is_not_linted_for_the_default_aws_gives_it(tmp_path):
    default = {
        "Statement": [{"Action": "*", "Effect": "Allow", "Principal": "*", "Resource": "*"}],
        "Version": "2008-10-17",
    }
    state = _state(
        [
            _r(
                "aws_vpc_endpoint.s3",
                {
                    "policy": json.dumps(default, separators=(",", ":")),
                    "region": "eu-central-1",
                    "service_name": "com.amazonaws.eu-central-1.s3",
                    "vpc_endpoint_type": "Gateway",
                },
            ),
            _r("aws_iam_user.u", {"name": "u"}),
        ]
    )
    (tmp_path / "state.json").write_text(json.dumps(state))
    _found, result = _findings(tmp_path / "state.json")
    assert result.findings == []
