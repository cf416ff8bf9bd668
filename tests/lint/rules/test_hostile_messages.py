"""Messages and fixes that read as sentences (issue #13): MNT006 names the action it means, IAM001's fix is
about the element at fault, IAM004's fix gives the ARN shape it refers to."""

from __future__ import annotations

import pytest

from tests.lint.rules.helpers import findings, policy


@pytest.mark.parametrize(
    ("action", "message", "fix"),
    [
        (
            "bedrock:CreateInference",
            "bedrock:CreateInference: bedrock:CreateInference does not exist; the Mantle endpoint authorizes this "
            "as bedrock-mantle:CreateInference",
            'use "bedrock-mantle:CreateInference"',
        ),
        (
            "bedrock-runtime:Converse",
            "bedrock-runtime:Converse: IAM has no bedrock-runtime prefix: the runtime APIs are authorized under the "
            "bedrock prefix",
            'use "bedrock:Converse"',
        ),
    ],
)
def test_mnt006_names_the_action_it_means(action, message, fix):
    [f] = findings("MNT006", docs=(policy({"Effect": "Allow", "Action": action, "Resource": "*"}),))
    assert (f.message, f.fix, f.line, f.column) == (message, fix, 6, 17)


@pytest.mark.parametrize(
    ("statement", "message", "fix"),
    [
        (
            {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"},
            'Effect must be "Allow" or "Deny", not \'allow\'',
            'Write Effect as "Allow" or "Deny" (case-sensitive).',
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Resources": "*"},
            "unknown statement element 'Resources'",
            "Remove Resources or correct its name: a statement has Sid, Effect, Principal, NotPrincipal, Action, "
            "NotAction, Resource, NotResource and Condition (case-sensitive).",
        ),
        (
            {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"},
            "'s3GetObject' is not of the form service:action",
            'Write the action as service:ActionName, e.g. "s3:GetObject" (or "*" for every action).',
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqual": {"a:b": "c"}}},
            "unknown condition operator 'StringEqual'",
            "Use an operator IAM knows (StringEquals, StringLike, ArnLike, NumericLessThan, DateGreaterThan, Bool, "
            "IpAddress, ...), with ForAnyValue: or ForAllValues: before it and IfExists after it if needed.",
        ),
        (
            {"Effect": "Allow", "Action": [], "Resource": "*"},
            "Action is an empty list",
            "Correct the element the finding points at as the message says; IAM refuses the document as it is.",
        ),
    ],
)
def test_iam001_fix_is_about_the_element_at_fault(statement, message, fix):
    [f] = findings("IAM001", docs=(policy(statement),))
    assert (f.message, f.fix) == (message, fix)
    assert "Effect" in f.fix or "Effect" not in message


def test_iam004_fix_gives_the_arn_shape():
    [f] = findings(
        "IAM004", docs=(policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"}),)
    )
    assert f.message == (
        "s3:GetObject acts on accesspointobject, object; none of the statement's resources is of that type, so the "
        "action is never "
        "allowed or denied here"
    )
    assert f.fix == (
        "Give s3:GetObject a resource of the shape "
        "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName} or "
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}, or move it to a statement with such resources."
    )
