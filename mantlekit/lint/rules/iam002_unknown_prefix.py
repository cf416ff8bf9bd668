"""IAM002: an action's service prefix is not in the catalog."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.catalog import get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule
from mantlekit.lint.rules.mnt006_wrong_prefix import mantle_action_problem


def action_patterns(policy: Policy) -> Iterator[tuple]:
    """(statement, element key, index, lower-case pattern) of every Action/NotAction entry."""
    for st in policy.statements:
        key = "Action" if st.actions is not None else "NotAction"
        for i, pattern in enumerate(st.actions or st.not_actions or ()):
            yield st, key, i, pattern


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    prefixes = cat.prefixes()
    for st, key, i, pattern in action_patterns(policy):
        prefix = pattern.partition(":")[0]
        if pattern == "*" or "*" in prefix or "?" in prefix or prefix in prefixes:
            continue
        if mantle_action_problem(pattern, cat):
            continue  # MNT006 reports it, with the right prefix
        yield RULE.at_statement(
            st,
            f"service prefix {prefix!r} is not in the action catalog (dated {cat.date}); if the service is "
            "newer than that, run `mantle-lint catalog update`, otherwise the prefix is misspelt",
            key,
            i,
        )


RULE = Rule(
    id="IAM002",
    name="unknown-service-prefix",
    severity="warning",
    summary="An action names a service prefix the catalog does not know.",
    rationale=(
        "A misspelt prefix makes the whole action a no-op. But bundled IAM data goes stale: new services "
        "appear every month, and a linter that calls them errors trains people to ignore it. This rule is a "
        "warning kept apart from unknown actions of known services (IAM003), and names the catalog's date."
    ),
    example='"Action": "bedrok:InvokeModel"',
    fix="Fix the prefix, or refresh the catalog with `mantle-lint catalog update`.",
    check_document=_check,
)
