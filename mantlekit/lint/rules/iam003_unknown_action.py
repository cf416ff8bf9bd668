"""IAM003: an action that the service does not have."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from mantlekit.catalog import Catalog, get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules._retired import RETIRED_FIX, RETIRED_SEVERITY
from mantlekit.lint.rules.base import Rule, known_actions_memo, value_problems


@lru_cache(maxsize=65536)
def unknown_action(cat: Catalog, pattern: str) -> tuple[str, str | None, str | None] | None:
    """(message, suggestion, severity) when a lower-case action pattern names nothing in a known service;
    severity is "info" when it names only retired actions, else None (the rule's error). The message holds
    ``{action}`` and ``{name}`` for the pattern as its author wrote it (statements keep actions lower-cased).

    Memoised: a policy set repeats the same actions thousands of times.
    """
    prefix, _, name = pattern.partition(":")
    if pattern == "*" or prefix not in cat.prefixes() or name == "*":
        return None
    wildcard = "*" in name or "?" in name
    if cat.matches_any(pattern) if wildcard else cat.has_action(pattern):
        return None
    retired = cat.retired_match(pattern)
    if retired:
        what = f"{{action}} matches only retired {prefix} actions" if wildcard else f"{retired[0]} is retired"
        them = "them" if len(retired) > 1 else "it"
        if cat.only_observed(retired):
            never = ", or names that never were IAM actions" if wildcard else " or never was an IAM action"
            message = (
                f"{what}{never}: AWS's Service Authorization Reference (catalog dated {cat.date}) does not "
                f"list {them}; only AWS managed policies name {them}, so the entry most likely grants and "
                "denies nothing"
            )
        else:
            message = (
                f"{what}: AWS's Service Authorization Reference no longer lists {them} (catalog dated "
                f"{cat.date}), so the entry grants and denies nothing"
            )
        return (message, None, RETIRED_SEVERITY)
    if wildcard:
        return (f"{{action}} matches no {prefix} action", None, None)
    return (f"{prefix} has no action '{{name}}'", cat.suggest(pattern), None)


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    problems = value_problems(policy, lambda p: unknown_action(cat, p), known_actions_memo(RULE.id, cat))
    for st, key, i, action, (template, suggestion, severity) in problems:
        raw = st.raw.get(key)
        written = raw[i] if isinstance(raw, list) and i < len(raw) and isinstance(raw[i], str) else raw
        written = written if isinstance(written, str) and written.lower() == action else action
        message = template.format(action=written, name=written.partition(":")[2])
        if severity is not None:
            yield RULE.at_statement(st, message, key, i, fix=RETIRED_FIX, severity=severity, action=action)
            continue
        fix = f'did you mean "{suggestion}"?' if suggestion else RULE.fix
        yield RULE.at_statement(st, message, key, i, fix=fix, suggestion=suggestion, action=action)


RULE = Rule(
    id="IAM003",
    name="unknown-action",
    severity="error",
    summary="An action (or action pattern) matches nothing in a service the catalog knows.",
    rationale=(
        "IAM accepts unknown actions silently; the statement then grants or denies nothing for that entry. "
        "A Deny with a misspelt action is the dangerous case: the guardrail looks present and blocks nothing. "
        "An action AWS has retired (an earlier catalog knew it, the current reference does not) is info "
        "instead: the policy was right when written and the entry now matches no request, so it is dead "
        "weight to remove, not a mistake that should fail CI."
    ),
    fix="Use the action the finding suggests; `mantle-lint catalog show SERVICE` lists them all.",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
    covered_by=("MNT006",),  # Mantle's own actions, misspelt or under bedrock:
)
