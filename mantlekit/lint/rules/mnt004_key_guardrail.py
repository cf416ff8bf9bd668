"""MNT004: a guardrail denies bedrock:CallWithBearerToken but leaves Mantle keys working."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit import facts
from mantlekit.iam.evaluate import Request, statement_applies
from mantlekit.iam.match import Context
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule

_BEDROCK_TOKEN_KEY = "bedrock:BearerTokenType"


def _check(policy: Policy) -> Iterator[Finding]:
    denies = [s for s in policy.statements if not s.is_allow]
    if not denies:
        return
    for token in facts.TOKEN_TYPES:
        # Each endpoint sets only its own token-type key; the other one is absent from the request.
        bedrock = Request(
            facts.BEDROCK_CALL_WITH_BEARER_TOKEN,
            "*",
            Context({_BEDROCK_TOKEN_KEY: token, facts.BEARER_TOKEN_TYPE_KEY: None}),
        )
        mantle = Request(
            facts.CALL_WITH_BEARER_TOKEN, "*", Context({facts.BEARER_TOKEN_TYPE_KEY: token, _BEDROCK_TOKEN_KEY: None})
        )
        blocking = [s for s in denies if statement_applies(s, bedrock, set()) is not False]
        # Flag only a sure gap: a Deny that may apply to Mantle (its condition unknown here) is given the
        # same benefit of the doubt as the bedrock one.
        if not blocking or any(statement_applies(s, mantle, set()) is not False for s in denies):
            continue
        st = blocking[0]
        yield RULE.at_statement(
            st,
            f"denies {facts.BEDROCK_CALL_WITH_BEARER_TOKEN} for {token} keys but not "
            f"{facts.CALL_WITH_BEARER_TOKEN}: those keys still work on the Mantle endpoint "
            f"(bedrock-mantle.<region>.api.aws)",
            token_type=token,
        )
        return  # one finding per statement set is enough; the fix covers both token types


RULE = Rule(
    id="MNT004",
    name="key-guardrail-leaves-mantle-open",
    severity="error",
    summary="A Deny meant to block Bedrock API keys does not deny bedrock-mantle:CallWithBearerToken.",
    rationale=(
        "API keys are authorized per endpoint: bedrock:CallWithBearerToken for bedrock and bedrock-runtime, "
        "bedrock-mantle:CallWithBearerToken for Mantle. AWS's own earlier example guardrail denies only the "
        "first, so keys blocked on bedrock-runtime keep working on Mantle. This applies to identity "
        "policies, permission boundaries and SCPs alike."
    ),
    example=(
        '{"Effect": "Deny", "Action": ["iam:CreateServiceSpecificCredential", '
        '"bedrock:CallWithBearerToken"], "Resource": "*"}'
    ),
    fix=(
        'Deny both actions: "Action": ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"] '
        "(with the same BearerTokenType conditions, using bedrock-mantle:BearerTokenType for the Mantle action)."
    ),
    check_document=_check,
)
