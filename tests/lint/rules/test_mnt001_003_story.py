"""MNT001-MNT003, and the LimitedAccess v1 story end to end."""

from tests.lint.rules.helpers import (
    ALLOW_KEY,
    ALLOW_USE,
    OTHER_PROJECT,
    PROJECT,
    findings,
    managed,
    policy,
    principal,
    v1,
)


def rules_hit(p) -> list[str]:
    out = []
    for rule in ("MNT001", "MNT002", "MNT003"):
        out += [f.rule for f in findings(rule, principals=(p,))]
    return out


def test_v1_copy_fails_all_three_with_exact_messages():
    p = principal(v1())
    f1, f2, f3 = (findings(r, principals=(p,)) for r in ("MNT001", "MNT002", "MNT003"))
    assert [f.message for f in f1] == [
        "bot (long-term-key) cannot call Mantle with its LONG_TERM bearer token "
        "(bedrock-mantle:CallWithBearerToken): no statement in the identity-based policies allows it"
    ]
    assert f1[0].severity == "error" and f1[0].file == "cfg.toml" and f1[0].line == 3 and f1[0].principal == "bot"
    assert '"bedrock-mantle:BearerTokenType": "LONG_TERM"' in f1[0].fix
    assert [f.message for f in f2] == [
        "bot cannot list models on project proj_abc123 (GET /v1/models → bedrock-mantle:ListModels): "
        "no statement in the identity-based policies allows it, so GET /v1/models answers HTTP 404"
    ]
    assert f2[0].details["suggested_statement"] == {
        "Effect": "Allow",
        "Action": "bedrock-mantle:ListModels",
        "Resource": PROJECT,
    }
    assert [f.details["route"] for f in f3] == ["POST /v1/responses"]


def test_same_key_with_managed_policy_by_arn_v9_is_clean():
    assert rules_hit(principal(managed("arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"))) == []


def test_short_term_key_needs_short_term_type():
    p = principal(policy(ALLOW_KEY, ALLOW_USE), kind="short-term-key")
    assert rules_hit(p) == ["MNT001"]
    assert "SHORT_TERM" in findings("MNT001", principals=(p,))[0].message
    assert rules_hit(principal(policy(ALLOW_KEY, ALLOW_USE))) == []


def test_role_needs_no_bearer_token_and_has_no_default_needs():
    role = principal(policy(ALLOW_USE), kind="role")
    assert rules_hit(role) == []
    role_needing = principal(
        policy({**ALLOW_USE, "Action": "bedrock-mantle:ListModels"}), kind="role", needs=("inference",)
    )
    assert rules_hit(role_needing) == ["MNT003"]


def test_bedrock_prefix_bearer_token_does_not_count():
    p = principal(policy({**ALLOW_KEY, "Action": "bedrock:CallWithBearerToken", "Condition": {}}, ALLOW_USE))
    assert rules_hit(p) == ["MNT001"]


def test_explicit_deny_in_another_policy_is_cited():
    deny = policy(
        {"Sid": "NoKeys", "Effect": "Deny", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"},
        name="deny.json",
    )
    p = principal(policy(ALLOW_KEY, ALLOW_USE), deny)
    [f] = findings("MNT001", principals=(p,))
    assert f.message.endswith("explicitly denied by deny.json:4 (Sid NoKeys)")
    assert f.details["verdict"] == "explicit-deny"


def test_not_action_deny_covers_mantle():
    deny = policy({"Sid": "OnlyS3", "Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}, name="deny.json")
    p = principal(policy(ALLOW_KEY, ALLOW_USE), deny)
    assert rules_hit(p) == ["MNT001", "MNT002", "MNT003"]


def test_boundary_without_mantle_blocks():
    boundary = policy({"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}, name="b.json", kind="boundary")
    p = principal(policy(ALLOW_KEY, ALLOW_USE), boundary=boundary)
    assert rules_hit(p) == ["MNT001", "MNT002", "MNT003"]
    [f] = findings("MNT002", principals=(p,))
    assert "no statement in the permissions boundary allows it" in f.message


def test_scp_denying_long_term_only():
    scp = policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Sid": "NoLongTerm",
            "Effect": "Deny",
            "Action": "bedrock-mantle:CallWithBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "LONG_TERM"}},
        },
        name="scp.json",
        kind="scp",
    )
    both = policy(ALLOW_USE, {**ALLOW_KEY, "Condition": {}})
    assert rules_hit(principal(both, scps=[scp])) == ["MNT001"]
    assert rules_hit(principal(both, scps=[scp], kind="short-term-key")) == []


def test_condition_excluding_token_type_and_unknown_condition_is_warning():
    p = principal(
        policy(
            {**ALLOW_KEY, "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "SHORT_TERM"}}}, ALLOW_USE
        )
    )
    assert [f.severity for f in findings("MNT001", principals=(p,))] == ["error"]
    cond = policy(
        {**ALLOW_KEY},
        {**ALLOW_USE, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}},
    )
    [f] = findings("MNT003", principals=(principal(cond),))
    assert f.severity == "warning"
    assert f.message.endswith("the answer depends on aws:SourceVpce")


def test_every_project_is_checked():
    p = principal(policy(ALLOW_KEY, ALLOW_USE), projects=("proj_abc123", OTHER_PROJECT))
    assert [f.details["project"] for f in findings("MNT003", principals=(p,))] == [OTHER_PROJECT]


def test_heuristic_key_holders_are_info():
    p = principal(v1(), heuristic=True)
    assert {f.severity for f in findings("MNT002", principals=(p,))} == {"info"}
