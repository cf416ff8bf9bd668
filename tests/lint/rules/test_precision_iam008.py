"""IAM008 does not call a document "full administrator access" when its own Denies limit it or when it is
used as a permissions boundary (template, account details, configuration; sequential and parallel runs)."""

import json
import textwrap

import pytest

from mantlekit.iam.model import BOUNDARY
from mantlekit.lint import parallel
from mantlekit.lint.config import Config, load_config
from mantlekit.lint.runner import lint_paths
from tests.lint.rules.helpers import findings, policy

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
ADMIN = 'allows "*" on "*" without a condition: full administrator access'


def test_plain_allow_all_is_full_admin():
    [f] = findings("IAM008", docs=(policy(ALLOW_ALL),))
    assert (f.rule, f.severity, f.line, f.column, f.message) == ("IAM008", "warning", 4, 5, ADMIN)


def test_deny_not_action_ceiling_limits_it():
    ceiling = {"Effect": "Deny", "NotAction": ["bedrock-mantle:*", "s3:GetObject"], "Resource": "*"}
    assert findings("IAM008", docs=(policy(ALLOW_ALL, ceiling),)) == []


def test_other_denies_are_named_instead_of_full_admin():
    deny = {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
    [f] = findings("IAM008", docs=(policy(ALLOW_ALL, deny),))
    assert (f.severity, f.line, f.column) == ("warning", 4, 5)
    assert f.message == 'allows "*" on "*" without a condition, limited only by the Deny statements at line 9'


def test_boundary_document_is_not_reported():
    assert findings("IAM008", docs=(policy(ALLOW_ALL, kind=BOUNDARY),)) == []


def _template(tmp_path, boundary: bool):
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        },
    }
    if boundary:
        role["Properties"]["PermissionsBoundary"] = {"Ref": "Boundary"}
    doc = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Boundary": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [ALLOW_ALL]}},
            },
            "Role": role,
        },
    }
    path = tmp_path / "stack.template.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


def test_template_boundary_is_not_reported(tmp_path):
    path = _template(tmp_path, boundary=False)
    assert [f.message for f in lint_paths([str(path)], Config(select=("IAM008",))).findings] == [ADMIN]
    path = _template(tmp_path, boundary=True)
    assert lint_paths([str(path)], Config(select=("IAM008",))).findings == []


def _configured(tmp_path):
    (tmp_path / "policies").mkdir()
    for i in range(4):
        (tmp_path / "policies" / f"p{i}.json").write_text(
            json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_ALL]})
        )
    cfg = tmp_path / "mantle-lint.toml"
    cfg.write_text(
        textwrap.dedent(
            """
            select = ["IAM008"]

            [[principal]]
            name = "dev"
            kind = "role"
            policies = ["policies/p0.json"]
            boundary = "policies/p1.json"
            """
        )
    )
    return load_config(str(cfg))


@pytest.mark.parametrize("jobs", [1, 2])
def test_configured_boundary_file_is_not_reported(tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(parallel, "MIN_FILES_PER_JOB", 1)
    config = _configured(tmp_path)
    result = lint_paths([str(tmp_path / "policies")], config, jobs=jobs)
    assert sorted(f.file.rsplit("/", 1)[1] for f in result.findings) == ["p0.json", "p2.json", "p3.json"]
    assert {f.message for f in result.findings} == {ADMIN}


@pytest.mark.parametrize("jobs", [1, 2])
def test_loose_files_the_configuration_uses_as_scp_session_or_endpoint_policy_are_not_reported(tmp_path, jobs):
    """An allow-all SCP (FullAWSAccess saved to a file), session or endpoint policy grants nothing."""
    pol = tmp_path / "policies"
    pol.mkdir()
    for name in ("scp", "session", "endpoint", "mine"):
        (pol / f"{name}.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_ALL]}, indent=2))
    for i in range(120):  # enough loose files for worker processes
        (pol / f"other{i:03}.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    (tmp_path / "mantle-lint.toml").write_text(
        textwrap.dedent(
            """\
            [[principal]]
            name = "app"
            kind = "role"
            policies = ["policies/mine.json"]
            scps = ["policies/scp.json"]
            session-policies = ["policies/session.json"]
            endpoint-policy = "policies/endpoint.json"
            """
        )
    )
    config = load_config(str(tmp_path / "mantle-lint.toml"))
    result = lint_paths([str(pol)], config, jobs=jobs)
    assert [(f.rule, f.file.rsplit("/", 1)[-1], f.line, f.message) for f in result.findings if f.rule == "IAM008"] == [
        ("IAM008", "mine.json", 4, ADMIN)
    ]


def test_template_scp_that_allows_everything_is_not_reported(tmp_path):
    scp = {
        "Type": "AWS::Organizations::Policy",
        "Properties": {
            "Name": "all",
            "Type": "SERVICE_CONTROL_POLICY",
            "Content": {"Version": "2012-10-17", "Statement": [ALLOW_ALL]},
        },
    }
    (tmp_path / "t.json").write_text(json.dumps({"Resources": {"Scp": scp}}, indent=2))
    assert [f for f in lint_paths([str(tmp_path)], Config()).findings if f.rule == "IAM008"] == []
