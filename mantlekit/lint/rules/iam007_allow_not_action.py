"""IAM007: Allow with NotAction."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule


def _check(policy: Policy) -> Iterator[Finding]:
    for st in policy.statements:
        if st.is_allow and st.not_actions is not None:
            yield RULE.at_statement(
                st,
                "Allow with NotAction grants every action not listed, in every service, including actions "
                "AWS adds later (bedrock-mantle:* among them)",
                "NotAction",
            )


RULE = Rule(
    id="IAM007",
    name="allow-not-action",
    severity="warning",
    summary="An Allow statement uses NotAction.",
    rationale=(
        "NotAction in an Allow is an allow-list of everything else; it silently grew to cover every new "
        "service, Mantle included. Some peers even evaluate it backwards. Prefer listing what is allowed, "
        "or pair NotAction with Deny."
    ),
    fix="List the allowed actions in Action, or turn the statement into a Deny with NotAction.",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html",),
    tags=("security", "iam"),
    check_document=_check,
)
