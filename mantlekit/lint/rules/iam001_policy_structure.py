"""IAM001: structural errors that IAM would reject."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule

#: Problem codes from the parser that this rule reports (others belong to IAM006).
CODES = {"structure", "unknown-element", "condition-operator", "action-syntax"}


def _check(policy: Policy) -> Iterator[Finding]:
    for p in policy.problems:
        if p.code in CODES:
            yield RULE.at_policy(policy, p.message, *p.path[len(policy.path) :])


RULE = Rule(
    id="IAM001",
    name="policy-structure",
    severity="error",
    summary="The document breaks the IAM policy grammar (IAM would refuse it).",
    rationale=(
        "IAM rejects a policy with a missing Effect, both Action and NotAction, an unknown element or "
        "condition operator, or an action that is not service:name. mantle-lint leaves such a statement out "
        "of every verdict, so the rest of the report stays meaningful."
    ),
    fix="Correct the element the finding points at (Effect is case-sensitive: Allow or Deny).",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html",),
    tags=("security", "iam"),
    check_document=_check,
)
