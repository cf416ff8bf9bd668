"""IAM005: a Resource that is not an ARN."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.arn import arn_fields
from mantlekit.iam.match import open_ended_arn
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule, value_problems


def arn_syntax_problem(value: str) -> str | None:
    if value == "*" or value.startswith("${"):
        return None
    parts = arn_fields(value)
    if parts is None:
        return 'not an ARN (an ARN starts with "arn:"; use "*" for all resources)'
    if not all(parts[1:3]):  # a segment that is present; an open-ended ARN may stop before the service
        return "the partition and service parts of an ARN cannot be empty"
    if len(parts) < 6:
        if open_ended_arn(value):
            return None  # IAM completes arn:aws:bedrock:* with wildcards (see open_ended_arn)
        return "an ARN has six colon-separated parts: arn:partition:service:region:account:resource"
    if not parts[5]:
        return "the resource part of an ARN cannot be empty"
    return None


_CLEAN: set[str] = set()


def _check(policy: Policy) -> Iterator[Finding]:
    for st, key, i, value, problem in value_problems(policy, arn_syntax_problem, _CLEAN, resources=True):
        yield RULE.at_statement(st, f"{value}: {problem}", key, i)


RULE = Rule(
    id="IAM005",
    name="invalid-arn",
    severity="error",
    summary="A Resource or NotResource entry is not a well-formed ARN.",
    rationale="A malformed resource matches nothing; IAM rejects some forms outright and ignores others.",
    fix='Write a full ARN (arn:partition:service:region:account:resource) or "*".',
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
