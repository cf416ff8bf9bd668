"""IAM011: condition values of the wrong type for their operator."""

from tests.lint.rules.helpers import findings, policy


def test_each_operator_family():
    doc = policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "NumericLessThan": {"aws:MultiFactorAuthAge": "one hour"},
                "DateGreaterThan": {"aws:CurrentTime": ["2026-01-01T00:00:00Z", "yesterday", "1767225600"]},
                "Bool": {"aws:SecureTransport": "yes"},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "10.0.0.300", "2001:DB8::/32"]},
                "ArnLike": {"aws:PrincipalArn": ["123456789012", "arn:aws:iam::*:role/x", "${aws:PrincipalArn}"]},
                "NumericEquals": {"s3:max-keys": "${aws:x}"},
            },
        }
    )
    got = [(f.severity, f.line, f.column, f.message, f.fix) for f in findings("IAM011", docs=(doc,))]
    assert got == [
        (
            "error",
            10,
            37,
            "NumericLessThan compares aws:MultiFactorAuthAge with a number, and 'one hour' is not one: "
            "this value never matches",
            "write a number, e.g. 3600",
        ),
        (
            "error",
            15,
            13,
            "DateGreaterThan compares aws:CurrentTime with an ISO 8601 date or epoch seconds, and 'yesterday' "
            "is not one: this value never matches",
            "write an ISO 8601 date or epoch seconds, e.g. 2026-01-01T00:00:00Z",
        ),
        (
            "error",
            20,
            34,
            'Bool compares aws:SecureTransport with "true" or "false", and \'yes\' is not one: this value never '
            "matches",
            'write "true" or "false", e.g. true',
        ),
        (
            "error",
            25,
            13,
            "IpAddress compares aws:SourceIp with an IPv4/IPv6 address or CIDR range, and '10.0.0.300' is not "
            "one: this value never matches",
            "write an IPv4/IPv6 address or CIDR range, e.g. 203.0.113.0/24",
        ),
        (
            "warning",
            31,
            13,
            "ArnLike compares aws:PrincipalArn with an ARN, and '123456789012' is not one: this value never matches",
            "write an ARN, e.g. arn:aws:iam::111122223333:role/name",
        ),
    ]


def test_valid_values_pass():
    doc = policy(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "NumericGreaterThan": {"aws:MultiFactorAuthAge": [3600, "1.5", "-2"]},
                "DateLessThan": {"aws:TokenIssueTime": ["2026-01-01", "2026-01-01T10:00Z", 1767225600]},
                "BoolIfExists": {"aws:MultiFactorAuthPresent": [False, "TRUE"]},
                "NotIpAddress": {"aws:SourceIp": ["203.0.113.7", "2001:db8::1"]},
                "Null": {"aws:TokenIssueTime": "false"},
                "ArnNotLike": {"aws:SourceArn": ["*", "arn:aws:sns:*:*:topic"]},
                "StringEquals": {"aws:MultiFactorAuthAge": "anything goes for strings"},
            },
        }
    )
    assert findings("IAM011", docs=(doc,)) == []
