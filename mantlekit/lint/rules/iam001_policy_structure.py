"""IAM001: structural errors that IAM would reject."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import Policy, Problem
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule

#: Problem codes from the parser that this rule reports (others belong to IAM006).
CODES = {"structure", "unknown-element", "condition-operator", "action-syntax"}


_STATEMENT_ELEMENTS = "Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition"


def fix_for(p: Problem) -> str:
    """The fix for one problem: about the element it names, so a finding on a Principal never tells the
    reader to check the case of Effect."""
    element = next((k for k in reversed(p.path) if isinstance(k, str)), "")
    if p.code == "unknown-element":
        if p.message.startswith("unknown top-level"):
            return f"Remove {element} or correct its name: a policy has Version, Id and Statement (case-sensitive)."
        return f"Remove {element} or correct its name: a statement has {_STATEMENT_ELEMENTS} (case-sensitive)."
    if p.code == "condition-operator":
        return (
            "Use an operator IAM knows (StringEquals, StringLike, ArnLike, NumericLessThan, DateGreaterThan, Bool, "
            "IpAddress, ...), with ForAnyValue: or ForAllValues: before it and IfExists after it if needed."
        )
    if p.code == "action-syntax":
        return 'Write the action as service:ActionName, e.g. "s3:GetObject" (or "*" for every action).'
    if "Effect" in p.message:
        return 'Write Effect as "Allow" or "Deny" (case-sensitive).'
    if p.message == "no Statement element":
        return 'Add a "Statement" list; a policy without statements is refused.'
    return "Correct the element the finding points at as the message says; IAM refuses the document as it is."


def _check(policy: Policy) -> Iterator[Finding]:
    for p in policy.problems:
        if p.code in CODES:
            yield RULE.at_policy(policy, p.message, *p.path[len(policy.path) :], fix=fix_for(p))


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
    fix="Correct the element the finding points at; each finding's fix says how for that element.",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html",),
    tags=("security", "iam"),
    check_document=_check,
)
