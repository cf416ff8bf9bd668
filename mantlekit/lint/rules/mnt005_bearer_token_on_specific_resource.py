"""MNT005: CallWithBearerToken allowed only on specific resources never applies."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit import facts
from mantlekit.catalog import get_catalog
from mantlekit.iam.match import action_matches, pattern_matches
from mantlekit.iam.model import Policy, Statement
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule, known_actions_memo, value_problems

_ACTIONS = (facts.CALL_WITH_BEARER_TOKEN, facts.BEDROCK_CALL_WITH_BEARER_TOKEN)
#: The only real actions this rule does not pass unseen.
_BEARER = frozenset(a.lower() for a in _ACTIONS)
#: The prefixes of those actions: a pattern under another one (not a wildcard) is not written for them.
_PREFIXES = frozenset(a.partition(":")[0] for a in _BEARER)


def bearer_action(pattern: str) -> str | None:
    """The bearer-token action a lower-case pattern is written for, or None.

    A service-wide wildcard on a project ARN is a normal statement; it simply does not cover the
    bearer-token action. Only patterns that name it (fully or by a narrower pattern) are meant for it.
    """
    prefix = pattern.partition(":")[0]
    if pattern == "*" or pattern.endswith(":*"):
        return None
    if prefix not in _PREFIXES and "*" not in prefix and "?" not in prefix:
        return None
    return next((a for a in _ACTIONS if action_matches(pattern, a.lower())), None)


def _check(policy: Policy) -> Iterator[Finding]:
    reported: Statement | None = None
    for st, key, i, _, hit in value_problems(
        policy, bearer_action, known_actions_memo(RULE.id, get_catalog(), _BEARER)
    ):
        if key != "Action" or not st.is_allow or st is reported:
            continue
        reported = st  # one finding per statement, on its first bearer-token action
        if _resource_excludes_star(st):
            yield RULE.at_statement(
                st,
                f'{hit} has no resource type, so it is only ever authorized on Resource "*"; '
                "this statement names specific resources and never applies to it",
                "Action",
                i,
            )


def _resource_excludes_star(st: Statement) -> bool:
    """True when neither Resource nor NotResource lets the statement apply to "*"."""
    if st.resources is not None:
        return not any(pattern_matches(p, "*") is not False for p in st.resources)
    return any(pattern_matches(p, "*") is True for p in st.not_resources or ())


RULE = Rule(
    id="MNT005",
    name="bearer-token-on-specific-resource",
    severity="error",
    summary="CallWithBearerToken is allowed only on specific resource ARNs, so the statement never applies.",
    rationale=(
        "bedrock-mantle:CallWithBearerToken and bedrock:CallWithBearerToken are permission-only actions with "
        'no resource type: IAM evaluates them against "*". A statement that lists model or project ARNs '
        "looks like it allows the key but never matches, so every call with the key is denied."
    ),
    fix=(
        'Put CallWithBearerToken in its own statement with "Resource": "*" and narrow it with a '
        "StringEquals condition on bedrock-mantle:BearerTokenType instead."
    ),
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-permissions.html",
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html",
    ),
    tags=("security", "mantle"),
    check_document=_check,
)
