"""IAM005 / MNT007 accept what IAM accepts: a short ARN whose last segment ends in * is completed with
wildcards; the engine's matcher treats it the same way."""

import pytest

from mantlekit.iam.match import pattern_matches
from tests.lint.rules.helpers import findings, policy


def _allow(resource, action="bedrock:InvokeModel"):
    return policy({"Effect": "Allow", "Action": action, "Resource": resource})


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:bedrock:*", "arn:aws:bedrock:us-east-1:*", "arn:aws:bedrock:us-east-1:111122223333*", "arn:aws:s3*"],
)
def test_iam005_accepts_open_ended_arn(arn):
    assert findings("IAM005", docs=(_allow(arn),)) == []


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("arn:aws:bedrock", "an ARN has six colon-separated parts: arn:partition:service:region:account:resource"),
        (
            "arn:aws:bedrock:us-east-1",
            "an ARN has six colon-separated parts: arn:partition:service:region:account:resource",
        ),
        (
            "arn:aws:bedrock:*:111122223333",
            "an ARN has six colon-separated parts: arn:partition:service:region:account:resource",
        ),
        ("arn::bedrock:*", "the partition and service parts of an ARN cannot be empty"),
        ("arn:aws::*", "the partition and service parts of an ARN cannot be empty"),
        ("arn:aws:bedrock:us-east-1:111122223333:", "the resource part of an ARN cannot be empty"),
    ],
)
def test_iam005_still_flags_garbage(arn, message):
    [f] = findings("IAM005", docs=(_allow(arn),))
    assert (f.rule, f.severity, f.line, f.column) == ("IAM005", "error", 7, 19)
    assert f.message == f"{arn}: {message}"


def test_mnt007_accepts_open_ended_mantle_arn():
    doc = _allow("arn:aws:bedrock-mantle:*", "bedrock-mantle:CreateInference")
    assert findings("MNT007", docs=(doc,)) == []
    [f] = findings("MNT007", docs=(_allow("arn:aws:bedrock-mantle:us-east-1", "bedrock-mantle:CreateInference"),))
    assert f.message == (
        "arn:aws:bedrock-mantle:us-east-1: an ARN has six colon-separated parts "
        "(arn:partition:bedrock-mantle:region:account:type/id)"
    )


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("arn:aws:bedrock:*", "arn:aws:bedrock:us-east-1:111122223333:foundation-model/x", True),
        ("arn:aws:bedrock:*", "arn:aws:bedrock::aws:foundation-model/x", True),
        ("arn:aws:bedrock:*", "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default", False),
        ("arn:aws:bedrock*", "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default", True),
        ("arn:aws:bedrock:us-east-1:*", "arn:aws:bedrock:us-east-1:111122223333:foundation-model/x", True),
        ("arn:aws:bedrock:us-east-1:*", "arn:aws:bedrock:us-west-2:111122223333:foundation-model/x", False),
        # Inside a segment a * stays in its segment.
        ("arn:aws:bedrock:us-*-1:*", "arn:aws:bedrock:us-east-1:111122223333:x", True),
        ("arn:aws:bedrock:*-1:1*:x", "arn:aws:bedrock:us:east-1:111122223333:x", False),
    ],
)
def test_matcher_completes_open_ended_arn(pattern, arn, expected):
    assert pattern_matches(pattern, arn) is expected
