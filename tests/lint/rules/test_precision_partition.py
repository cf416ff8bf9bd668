"""MNT007 and facts.partition_of: a bedrock-mantle ARN's partition must be its region's partition."""

import pytest

from mantlekit import facts
from tests.lint.rules.helpers import findings, policy


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-central-1", "aws"),
        ("il-central-1", "aws"),
        ("mx-central-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-iso-west-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("us-isof-east-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_partition_of_every_partition(region, partition):
    assert facts.partition_of(region) == partition


def test_partition_of_every_mantle_region():
    assert {r: facts.partition_of(r) for r in facts.REGIONS} == {
        r: ("aws-us-gov" if r == "us-gov-west-1" else "aws") for r in facts.REGIONS
    }


def _allow(resource):
    return policy({"Effect": "Allow", "Action": "bedrock-mantle:CreateInference", "Resource": resource})


def test_aws_partition_in_govcloud_region():
    arn = "arn:aws:bedrock-mantle:us-gov-west-1:111122223333:project/default"
    [f] = findings("MNT007", docs=(_allow(arn),))
    assert (f.rule, f.severity, f.line, f.column) == ("MNT007", "error", 7, 19)
    assert f.message == (
        f"{arn}: region us-gov-west-1 is in partition aws-us-gov, not aws: the ARN never matches "
        "(use arn:aws-us-gov:bedrock-mantle:us-gov-west-1:111122223333:project/default)"
    )


def test_govcloud_partition_in_commercial_region():
    arn = "arn:aws-us-gov:bedrock-mantle:us-east-1:111122223333:project/default"
    [f] = findings("MNT007", docs=(_allow(arn),))
    assert f.message.endswith(
        "region us-east-1 is in partition aws, not aws-us-gov: the ARN never matches "
        "(use arn:aws:bedrock-mantle:us-east-1:111122223333:project/default)"
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws-us-gov:bedrock-mantle:us-gov-west-1:111122223333:project/default",
        "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default",
        "arn:*:bedrock-mantle:us-gov-west-1:111122223333:project/default",
        "arn:aws:bedrock-mantle:*:111122223333:project/default",
        "arn:${AWS::Partition}:bedrock-mantle:us-gov-west-1:111122223333:project/default",
    ],
)
def test_matching_or_wildcard_partition_passes(arn):
    assert findings("MNT007", docs=(_allow(arn),)) == []
