"""IAM003: an action that the service does not have."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.catalog import get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule
from mantlekit.lint.rules.iam002_unknown_prefix import action_patterns
from mantlekit.lint.rules.mnt006_wrong_prefix import mantle_action_problem


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    prefixes = cat.prefixes()
    for st, key, i, pattern in action_patterns(policy):
        prefix, _, name = pattern.partition(":")
        if pattern == "*" or prefix not in prefixes or name == "*":
            continue
        if "*" in name or "?" in name:
            if cat.expand(pattern):
                continue
            message, suggestion = f"{pattern} matches no {prefix} action", None
        else:
            if cat.action(pattern) is not None:
                continue
            message, suggestion = f"{prefix} has no action {name!r}", cat.suggest(pattern)
        if mantle_action_problem(pattern, cat):
            continue  # MNT006 reports Mantle's own
        fix = f'did you mean "{suggestion}"?' if suggestion else RULE.fix
        yield RULE.at_statement(st, message, key, i, fix=fix, suggestion=suggestion)


RULE = Rule(
    id="IAM003",
    name="unknown-action",
    severity="error",
    summary="An action (or action pattern) matches nothing in a service the catalog knows.",
    rationale=(
        "IAM accepts unknown actions silently; the statement then grants or denies nothing for that entry. "
        "A Deny with a misspelt action is the dangerous case: the guardrail looks present and blocks nothing."
    ),
    example='"Action": "s3:GetObjects"',
    fix="Use the action the finding suggests; `mantle-lint catalog show SERVICE` lists them all.",
    check_document=_check,
)
