"""MNT004: a guardrail denies bedrock:CallWithBearerToken but leaves Mantle keys working."""

from __future__ import annotations

import json
from collections.abc import Iterator

from mantlekit import facts
from mantlekit.iam.evaluate import Request, statement_applies
from mantlekit.iam.match import Context, action_matches
from mantlekit.iam.model import Policy, Statement
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule

_TOKEN_ACTIONS = tuple(a.lower() for a in facts.BEARER_TOKEN_ACTIONS)
_TOKEN_KEYS = frozenset(k.lower() for k in facts.BEARER_TOKEN_TYPE_KEYS.values())
_MANTLE_ACTION = facts.CALL_WITH_BEARER_TOKEN.lower()


def _request(action: str, token: str) -> Request:
    """A request made with a ``token`` key on the endpoint of ``action``: each endpoint sets only its own
    BearerTokenType key, the others are absent."""
    own = facts.BEARER_TOKEN_TYPE_KEYS[action]
    return Request(
        action, "*", Context({k: (token if k == own else None) for k in facts.BEARER_TOKEN_TYPE_KEYS.values()})
    )


def _aims_at_keys(st: Statement) -> bool:
    """A Deny written against API keys: it names a bearer-token action (``bedrock:Call*`` counts, a whole
    service such as ``bedrock:*`` or ``*`` does not: that is a quarantine of the service, not a key
    guardrail) or it conditions on a BearerTokenType key."""
    if any(c.key_lower in _TOKEN_KEYS for c in st.conditions):
        return True
    return any(
        p != "*" and p.partition(":")[2] != "*" and any(action_matches(p, a) for a in _TOKEN_ACTIONS)
        for p in st.actions or ()
    )


def _exempts_mantle_keys(st: Statement) -> bool:
    """A Deny/NotAction ceiling whose NotAction leaves bedrock-mantle:CallWithBearerToken out: its author
    allows Mantle keys on purpose."""
    return st.not_actions is not None and any(action_matches(p, _MANTLE_ACTION) for p in st.not_actions)


def _condition_text(st: Statement) -> str:
    if not st.conditions:
        return "for every API key (the statement has no condition)"
    raw = st.raw.get("Condition") if isinstance(st.raw, dict) else None
    return "when " + json.dumps(raw, separators=(", ", ": ")) if raw is not None else "under its condition"


def _check(policy: Policy) -> Iterator[Finding]:
    denies = [s for s in policy.statements if not s.is_allow]
    if not denies or any(_exempts_mantle_keys(s) for s in denies):
        return
    aimed = [s for s in denies if _aims_at_keys(s)]
    if not aimed:
        return
    for token in facts.TOKEN_TYPES:
        blocking = [
            s
            for s in aimed
            if statement_applies(s, _request(facts.BEDROCK_CALL_WITH_BEARER_TOKEN, token), set()) is not False
        ]
        # Flag only a sure gap: a Deny that may apply to Mantle (its condition unknown here) is given the
        # same benefit of the doubt as the bedrock one.
        if not blocking or _covered(denies, facts.CALL_WITH_BEARER_TOKEN, token):
            continue
        st = blocking[0]
        open_ = [a for a in facts.BEARER_TOKEN_ACTIONS if not _covered(denies, a, token)]
        yield RULE.at_statement(
            st,
            f"denies {facts.BEDROCK_CALL_WITH_BEARER_TOKEN} {_condition_text(st)} but not "
            f"{facts.CALL_WITH_BEARER_TOKEN}: those keys still work on the Mantle endpoint "
            f"({facts.endpoint_hostname('<region>')})",
            fix=_fix(open_),
            token_type=token,
            open_actions=open_,
        )
        return  # one finding per statement set is enough; the fix covers both token types


def _covered(denies: list[Statement], action: str, token: str) -> bool:
    """Some Deny of the document may apply to a ``token`` request authorized by ``action``."""
    req = _request(action, token)
    return any(statement_applies(s, req, set()) is not False for s in denies)


def _keys_text(actions: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"{facts.BEARER_TOKEN_TYPE_KEYS[a]} for {a}" for a in actions)


def _fix(open_actions: list[str]) -> str:
    return (
        f"Also deny {' and '.join(open_actions)} (with the same conditions, using {_keys_text(open_actions)}); "
        f"denying all Bedrock API keys takes every bearer-token action: {', '.join(facts.BEARER_TOKEN_ACTIONS)}."
    )


RULE = Rule(
    id="MNT004",
    name="key-guardrail-leaves-mantle-open",
    severity="error",
    summary="A Deny meant to block Bedrock API keys does not deny bedrock-mantle:CallWithBearerToken.",
    rationale=(
        "API keys are authorized per endpoint family: bedrock:CallWithBearerToken for bedrock and "
        "bedrock-runtime, bedrock-mantle:CallWithBearerToken for Mantle, and "
        "aws-external-anthropic:CallWithBearerToken for Claude Platform on AWS. AWS's own earlier example "
        "guardrail denies only the first, so keys blocked on bedrock-runtime keep working on Mantle. This "
        "applies to identity policies, permission boundaries and SCPs alike. Only a Deny aimed at keys is "
        "checked: one that names a CallWithBearerToken action or conditions on a BearerTokenType key. A "
        "blanket Deny of bedrock:* and a Deny/NotAction ceiling that exempts "
        "bedrock-mantle:CallWithBearerToken are not key guardrails."
    ),
    fix=(
        "Deny every bearer-token action: "
        f'"Action": [{", ".join(json.dumps(a) for a in facts.BEARER_TOKEN_ACTIONS)}] (with the same '
        f"BearerTokenType conditions, each action with its own key: {_keys_text(facts.BEARER_TOKEN_ACTIONS)})."
    ),
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-permissions.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html",
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
    ),
    tags=("security", "mantle"),
    check_document=_check,
)
