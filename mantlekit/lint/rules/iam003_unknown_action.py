"""IAM003: an action that the service does not have."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from mantlekit.catalog import Catalog, get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule, known_actions_memo, value_problems
from mantlekit.lint.rules.mnt006_wrong_prefix import mantle_action_problem


@lru_cache(maxsize=65536)
def unknown_action(cat: Catalog, pattern: str) -> tuple[str, str | None] | None:
    """(message, suggestion) when a lower-case action pattern names nothing in a known service.

    Memoised: a policy set repeats the same actions thousands of times.
    """
    prefix, _, name = pattern.partition(":")
    if pattern == "*" or prefix not in cat.prefixes() or name == "*":
        return None
    if "*" in name or "?" in name:
        if cat.matches_any(pattern):
            return None
        result = (f"{pattern} matches no {prefix} action", None)
    else:
        if cat.has_action(pattern):
            return None
        result = (f"{prefix} has no action {name!r}", cat.suggest(pattern))
    if mantle_action_problem(pattern, cat):
        return None  # MNT006 reports Mantle's own
    return result


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    problems = value_problems(policy, lambda p: unknown_action(cat, p), known_actions_memo(RULE.id, cat))
    for st, key, i, _, (message, suggestion) in problems:
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
