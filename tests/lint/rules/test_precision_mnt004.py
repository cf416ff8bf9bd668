"""MNT004 fires only for a Deny aimed at API keys, says the statement's real condition, and its fix names
every bearer-token action the document leaves open."""

from mantlekit.lint.rules import rule_by_id
from tests.lint.rules.helpers import findings, policy

MSG_TAIL = (
    " but not bedrock-mantle:CallWithBearerToken: those keys still work on the Mantle endpoint "
    "(bedrock-mantle.<region>.api.aws)"
)
BOTH_OPEN_FIX = (
    "Also deny bedrock-mantle:CallWithBearerToken and aws-external-anthropic:CallWithBearerToken (with the same "
    "conditions, using bedrock-mantle:BearerTokenType for bedrock-mantle:CallWithBearerToken, "
    "aws-external-anthropic:BearerTokenType for aws-external-anthropic:CallWithBearerToken); denying all Bedrock "
    "API keys takes every bearer-token action: bedrock-mantle:CallWithBearerToken, bedrock:CallWithBearerToken, "
    "aws-external-anthropic:CallWithBearerToken."
)


def deny(action, condition=None, key="Action"):
    st = {"Sid": "Keys", "Effect": "Deny", key: action, "Resource": "*"}
    if condition:
        st["Condition"] = condition
    return policy(st)


def test_unconditional_guardrail_says_every_key_and_names_the_open_actions():
    [f] = findings("MNT004", docs=(deny(["iam:CreateServiceSpecificCredential", "bedrock:CallWithBearerToken"]),))
    assert (f.rule, f.severity, f.line, f.column) == ("MNT004", "error", 4, 5)
    assert (
        f.message == "denies bedrock:CallWithBearerToken for every API key (the statement has no condition)" + MSG_TAIL
    )
    assert f.fix == BOTH_OPEN_FIX
    assert f.details["open_actions"] == [
        "bedrock-mantle:CallWithBearerToken",
        "aws-external-anthropic:CallWithBearerToken",
    ]


def test_message_quotes_the_condition():
    cond = {"StringEquals": {"bedrock:BearerTokenType": "LONG_TERM"}}
    [f] = findings("MNT004", docs=(deny("bedrock:CallWithBearerToken", cond),))
    assert (
        f.message
        == 'denies bedrock:CallWithBearerToken when {"StringEquals": {"bedrock:BearerTokenType": "LONG_TERM"}}'
        + MSG_TAIL
    )
    assert f.details["token_type"] == "LONG_TERM"
    tag = {"StringEquals": {"aws:PrincipalTag/keys": "blocked"}}
    [g] = findings("MNT004", docs=(deny("bedrock:CallWithBearerToken", tag),))
    assert (
        g.message
        == 'denies bedrock:CallWithBearerToken when {"StringEquals": {"aws:PrincipalTag/keys": "blocked"}}' + MSG_TAIL
    )


def test_wildcard_naming_the_action_is_a_guardrail():
    [f] = findings("MNT004", docs=(deny("bedrock:Call*"),))
    assert (
        f.message == "denies bedrock:CallWithBearerToken for every API key (the statement has no condition)" + MSG_TAIL
    )


def test_token_type_condition_makes_a_blanket_deny_a_guardrail():
    [f] = findings("MNT004", docs=(deny("*", {"StringEquals": {"bedrock:BearerTokenType": "SHORT_TERM"}}),))
    assert f.details["token_type"] == "SHORT_TERM"


def test_blanket_bedrock_quarantine_is_not_a_key_guardrail():
    assert findings("MNT004", docs=(deny("bedrock:*"),)) == []
    assert findings("MNT004", docs=(deny(["bedrock:*", "s3:*"]),)) == []


def test_not_action_ceiling_exempting_mantle_keys_is_deliberate():
    ceiling = ["bedrock-mantle:CallWithBearerToken", "bedrock-mantle:CreateInference", "bedrock-mantle:ListModels"]
    assert findings("MNT004", docs=(deny(ceiling, key="NotAction"),)) == []


def test_only_the_claude_platform_action_open_is_not_mnt004():
    both = ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"]
    assert findings("MNT004", docs=(deny(both),)) == []


def test_rule_fix_and_rationale_cover_every_bearer_token_action():
    rule = rule_by_id("MNT004")
    for action in (
        "bedrock:CallWithBearerToken",
        "bedrock-mantle:CallWithBearerToken",
        "aws-external-anthropic:CallWithBearerToken",
    ):
        assert action in rule.fix and action in rule.rationale
    assert "Claude Platform on AWS" in rule.rationale
