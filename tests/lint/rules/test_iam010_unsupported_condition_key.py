"""IAM010: a real key that none of the statement's actions supports."""

import pytest

from mantlekit.catalog import get_catalog
from tests.lint.rules.helpers import findings, policy


def stmt(action, condition, key="Action"):
    return {"Effect": "Allow", key: action, "Resource": "*", "Condition": condition}


def test_key_of_another_service():
    doc = policy(stmt("s3:GetObject", {"StringEquals": {"bedrock-mantle:Model": "openai.gpt-oss-120b"}}))
    [f] = findings("IAM010", docs=(doc,))
    assert (f.rule, f.severity, f.line, f.column) == ("IAM010", "warning", 10, 35)
    assert f.message == (
        f"the catalog of {get_catalog().date} lists bedrock-mantle:Model for none of this statement's actions "
        "(s3:GetObject); for them the key is absent, so StringEquals on it is always false"
    )
    assert f.details["actions"] == ["s3:GetObject"]


def test_key_of_the_same_service_on_the_wrong_actions():
    doc = policy(stmt(["s3:GetObject", "s3:PutObject"], {"StringLike": {"s3:prefix": "home/*"}}))
    [f] = findings("IAM010", docs=(doc,))
    assert (f.line, f.column) == (13, 24)
    assert "lists s3:prefix for none of this statement's actions (s3:GetObject, s3:PutObject)" in f.message
    many = policy(stmt("s3:Get*", {"StringLike": {"s3:prefix": "home/*"}}))
    [g] = findings("IAM010", docs=(many,))
    assert "(s3:GetAccelerateConfiguration, s3:GetAccessGrant, s3:GetAccessGrantsInstance and " in g.message


@pytest.mark.parametrize(
    "statement",
    [
        stmt("s3:ListBucket", {"StringLike": {"s3:prefix": "home/*"}}),
        stmt("s3:*", {"StringLike": {"s3:prefix": "home/*"}}),  # the wildcard covers ListBucket
        stmt("s3:List*", {"StringLike": {"S3:Prefix": "home/*"}}),  # keys are case-insensitive
        stmt(["s3:GetObject", "s3:ListBucket"], {"StringLike": {"s3:prefix": "home/*"}}),  # one action suffices
        stmt("ec2:RunInstances", {"StringEquals": {"ec2:InstanceType": "t3.micro"}}),  # a resource type's key
        stmt("s3:GetObject", {"StringEquals": {"aws:SourceVpce": "vpce-1"}}),  # global keys apply everywhere
        stmt("s3:GetObject", {"StringEquals": {"bedrock-mantle:Model": "x"}}, key="NotAction"),
        stmt("*", {"StringEquals": {"bedrock-mantle:Model": "x"}}),
        stmt(["s3:GetObject", "s3:GetObjectz"], {"StringEquals": {"bedrock-mantle:Model": "x"}}),  # unknown action
        stmt("s3:GetObject", {"StringEquals": {"bedrock-mantle:Modle": "x"}}),  # unknown key: IAM009's
        # The catalog defines aws-marketplace:AgreementType but ties it to no action: no verdict.
        stmt("aws-marketplace:SearchAgreements", {"StringEquals": {"aws-marketplace:AgreementType": "x"}}),
    ],
)
def test_no_finding(statement):
    assert findings("IAM010", docs=(policy(statement),)) == []
