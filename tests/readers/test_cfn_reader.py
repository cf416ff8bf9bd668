"""CloudFormation templates: documents, principals and their policy sets, lines, labels, verdicts."""

from __future__ import annotations

import json

import pytest
from reader_helpers import FIXTURES

from mantlekit.iam.evaluate import Verdict
from mantlekit.iam.model import ENDPOINT, IDENTITY, RESOURCE, SCP
from mantlekit.lint.access import evaluate_principal
from mantlekit.lint.config import Config
from mantlekit.lint.readers import cfn, read_paths
from mantlekit.lint.runner import lint_inventory

YAML = FIXTURES / "cfn" / "mantle-team.yaml"
JSON = FIXTURES / "cfn" / "org-guardrails.template"
PROJECT = "arn:aws:bedrock-mantle:us-east-1:123456789012:project/proj_cfnteamproject"


@pytest.fixture(scope="module")
def yaml_inv():
    return read_paths([str(YAML)])


@pytest.fixture(scope="module")
def json_inv():
    return read_paths([str(JSON)])


def by_name(inv):
    return {p.name: p for p in inv.principals}


def test_yaml_template_principals(yaml_inv):
    assert yaml_inv.errors == []
    got = {
        p.name: (
            p.kind,
            p.line,
            p.label,
            [x.display for x in p.policies.identity],
            p.policies.boundary.display if p.policies.boundary else None,
        )
        for p in yaml_inv.principals
    }
    assert got == {
        "search-inference": (
            "role",
            29,
            "InferenceRole",
            ["mantle-inference", "aws-managed:AWSLambdaBasicExecutionRole (v1)"],
            "search-boundary",
        ),
        "search-key": ("long-term-key", 68, "KeyUser", ["bearer-token", "KeyInference"], None),
        # No tag: the custom resource that issues a bedrock.amazonaws.com credential for it says so.
        "BatchKeyUser": ("long-term-key", 78, "BatchKeyUser", ["bearer-token", "KeyInference"], None),
        "search-auditor": ("user", 135, "Auditor", ["mantle-read-only", "no-inference"], None),
    }
    for p in yaml_inv.principals:
        assert p.file == str(YAML)
        assert p.account is None and p.region is None  # unknown: conditions on them stay unknown
    assert by_name(yaml_inv)["search-key"].projects == (PROJECT,)
    assert by_name(yaml_inv)["search-key"].tags == {"mantlekit:api-key": "long-term", "team": "search"}


def test_yaml_template_documents(yaml_inv):
    docs = [(d.kind, d.name, d.source.label, d.location()[0]) for d in yaml_inv.documents]
    assert docs == [
        (RESOURCE, "InferenceRole trust policy", "InferenceRole", 33),
        (IDENTITY, "mantle-inference", "InferenceRole", 44),
        (IDENTITY, "search-boundary", "TeamBoundary", 60),
        (IDENTITY, "bearer-token", "MantleUsers", 96),
        (IDENTITY, "KeyInference", "KeyInference", 115),
        (IDENTITY, "mantle-read-only", "ReadOnlyUsers", 127),
        (IDENTITY, "no-inference", "AuditorDeny", 146),
        (ENDPOINT, "MantleEndpoint endpoint policy", "MantleEndpoint", 161),
        (RESOURCE, "LogsBucketPolicy PolicyDocument", "LogsBucketPolicy", 178),
    ]
    # Each document once, even when attached to several principals.
    assert len({id(d) for d in yaml_inv.documents}) == 9
    inference = yaml_inv.documents[1]
    assert inference.statements[0].line == 47
    assert inference.statements[0].sid == "UseTheTeamProject"
    assert inference.statements[0].resources == (PROJECT,)
    bucket = yaml_inv.documents[-1].statements[0]
    assert bucket.resources == ("arn:aws:s3:::stack-logsbucket", "arn:aws:s3:::stack-logsbucket/*")


def test_yaml_template_verdicts(yaml_inv):
    p = by_name(yaml_inv)
    key = evaluate_principal(p["search-key"])
    assert key.bearer_token().verdict is Verdict.ALLOWED
    assert key.capability("inference", PROJECT).verdict is Verdict.ALLOWED
    role = evaluate_principal(p["search-inference"], ("inference",))
    assert role.capability("inference", PROJECT).verdict is Verdict.ALLOWED
    auditor = evaluate_principal(p["search-auditor"], ("inference", "list-models"))
    assert auditor.capability("inference", PROJECT).verdict is Verdict.EXPLICIT_DENY
    assert auditor.capability("list-models", PROJECT).verdict is Verdict.ALLOWED


def test_json_template_principals_and_documents(json_inv):
    assert json_inv.errors == []
    got = {p.name: (p.kind, p.line, len(p.policies.identity)) for p in json_inv.principals}
    assert got == {
        "ShortKeyRole": ("short-term-key", 47, 1),
        "storage-key": ("long-term-key", 74, 2),  # inline + the imported managed policy (unknown)
        "dev-1": ("user", 110, 3),  # a group from elsewhere (unknown), group policy, AWS managed
    }
    docs = [(d.kind, d.name, d.location()[0]) for d in json_inv.documents]
    assert docs == [
        (SCP, "deny-long-term-mantle-keys", 25),
        (RESOURCE, "ShortKeyRole trust policy", 50),  # a JSON string: every line is the string's
        (IDENTITY, "mantle", 59),
        (IDENTITY, "objects", 83),
        (IDENTITY, "frankfurt-only", 100),
        (RESOURCE, "KeysKey KeyPolicy", 117),
        (RESOURCE, "EventsPolicy PolicyDocument", 130),
    ]  # the TAG_POLICY is not an IAM policy
    kms = json_inv.documents[5].statements[0]
    assert kms.principal.values("AWS") == ("arn:aws:iam::123456789012:root",)
    sqs = json_inv.documents[6].statements[0]
    assert sqs.resources == ("arn:aws:sqs:us-east-1:123456789012:stack-Events",)


def test_undecidable_if_splits_the_statement_into_guarded_variants(json_inv):
    mantle = json_inv.documents[2]
    assert [(s.line, s.resources) for s in mantle.statements] == [
        (62, ("*",)),
        (62, ("arn:aws:bedrock-mantle:us-east-1:123456789012:project/proj_dev1",)),
    ]
    guards = [[(c.key, c.values) for c in s.conditions] for s in mantle.statements]
    assert guards == [
        [("mantlekit:unresolved/Condition/IsProd", ("true",))],
        [("mantlekit:unresolved/Condition/IsProd", ("false",))],
    ]
    role = by_name(json_inv)["ShortKeyRole"]
    access = evaluate_principal(role)
    cell = access.bearer_token()
    assert cell.verdict is Verdict.CONDITIONAL
    assert cell.checks[0].decision.missing_context == ["mantlekit:unresolved/Condition/IsProd"]


def test_statement_level_if_with_novalue(json_inv):
    (frankfurt,) = json_inv.documents[4].statements
    assert frankfurt.line == 104
    assert [(c.key, c.values) for c in frankfurt.conditions] == [
        ("mantlekit:unresolved/Condition/InFrankfurt", ("true",))
    ]


def test_unknown_managed_policy_makes_verdicts_conditional_not_findings(json_inv):
    key = by_name(json_inv)["storage-key"]
    assert key.policies.identity[1].name == "unknown policy ImportValue/shared-storage-policy-arn"
    access = evaluate_principal(key)
    d = access.bearer_token().checks[0].decision
    assert d.verdict is Verdict.CONDITIONAL
    assert d.missing_context == ["mantlekit:unresolved/Policy/ImportValue/shared-storage-policy-arn"]
    findings = [f for f in lint_inventory(json_inv, Config()).findings if f.principal == "storage-key"]
    assert findings and {f.severity for f in findings} == {"warning"}
    assert {f.line for f in findings} == {74}


def test_findings_in_yaml_templates_point_at_template_lines(tmp_path):
    f = tmp_path / "key.yaml"
    f.write_text(
        "Resources:\n"
        "  Key:\n"
        "    Type: AWS::IAM::User\n"
        "    Properties:\n"
        "      Tags: [{Key: 'mantlekit:api-key', Value: long-term}]\n"
        "      Policies:\n"
        "        - PolicyName: wrong-prefix\n"
        "          PolicyDocument:\n"
        "            Version: '2012-10-17'\n"
        "            Statement:\n"
        "              - Effect: Allow\n"
        "                Action: bedrock-runtime:InvokeModel\n"
        "                Resource: '*'\n"
    )
    result = lint_inventory(read_paths([str(tmp_path)]), Config())
    by_rule = {f.rule: f for f in result.findings}
    assert by_rule["MNT001"].line == 2 and by_rule["MNT001"].details["label"] == "Key"
    assert by_rule["MNT006"].line == 12  # the Action element, in the YAML text


def test_recognised_by_content_not_name(tmp_path):
    (tmp_path / "infra.json").write_text(json.dumps({"Resources": {"U": {"Type": "AWS::IAM::User"}}}))
    (tmp_path / "not-cfn.json").write_text(json.dumps({"Resources": {"cpu": 2, "memory": "1Gi"}}))
    inv = read_paths([str(tmp_path)])
    assert [p.name for p in inv.principals] == ["U"]
    assert inv.errors == []
    assert cfn.sniff({"AWSTemplateFormatVersion": "2010-09-09", "Resources": []}, "x")
    assert not cfn.sniff({"Resources": {"a": 1}}, "x")


def test_invalid_templates_are_input_errors_and_the_rest_is_read():
    inv = read_paths([str(FIXTURES / "cfn-bad"), str(YAML)])
    errors = sorted((e.file.rsplit("/", 1)[-1], e.line, e.message) for e in inv.errors)
    assert errors == [
        (
            "no-type.json",
            10,
            "not a valid CloudFormation template: resource Untyped has no Type",
        ),
        (
            "no-type.json",
            11,
            "not a valid CloudFormation template: resource Broken must be a mapping, not a string",
        ),
        (
            "resources-list.yaml",
            2,
            "not a valid CloudFormation template: Resources must be a mapping of logical ids to resources, not a list",
        ),
    ]
    # The valid resources of the broken template are still read, and so is the other template.
    assert {p.name for p in inv.principals} >= {"still-read", "search-key"}
