"""MNT002 says what the user sees; MNT001's JSON suggestion is the statement its text fix shows."""

import json

from tests.lint.rules.helpers import ALLOW_KEY, ALLOW_USE, findings, policy, principal, v1


def test_mnt002_message_names_the_404():
    [f] = findings("MNT002", principals=(principal(v1()),))
    assert (f.rule, f.severity, f.file, f.line, f.column) == ("MNT002", "error", "cfg.toml", 3, 1)
    assert f.message == (
        "bot cannot list models on project proj_abc123 (GET /v1/models → bedrock-mantle:ListModels): "
        "no statement in the identity-based policies allows it, so GET /v1/models answers HTTP 404"
    )


def test_mnt002_conditional_says_may():
    cond = {**ALLOW_USE, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}}
    [f] = findings("MNT002", principals=(principal(policy(ALLOW_KEY, cond)),))
    assert f.severity == "warning"
    assert f.message.endswith("the answer depends on aws:SourceVpce, so GET /v1/models may answer HTTP 404")


def test_mnt003_message_is_unchanged():
    [f] = findings("MNT003", principals=(principal(v1()),))
    assert f.message.endswith("no statement in the identity-based policies allows it")


def test_mnt001_structured_fix_equals_text_fix():
    for kind, token in (("long-term-key", "LONG_TERM"), ("short-term-key", "SHORT_TERM")):
        [f] = findings("MNT001", principals=(principal(v1(), kind=kind),))
        stmt = {
            "Effect": "Allow",
            "Action": "bedrock-mantle:CallWithBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": token}},
        }
        assert f.details["suggested_statement"] == stmt
        assert f.fix == f"add to the identity-based policies: {json.dumps(stmt)}"
