"""MNT004 (key guardrail leaves Mantle open) and MNT005 (bearer token on specific resources)."""

from tests.lint.rules.helpers import PROJECT, findings, policy

AWS_EXAMPLE = {
    "Sid": "DenyBedrockShortAndLongTermAPIKeys",
    "Effect": "Deny",
    "Action": ["iam:CreateServiceSpecificCredential", "bedrock:CallWithBearerToken"],
    "Resource": ["*"],
}


def test_aws_example_guardrail_is_flagged_at_its_statement():
    [f] = findings("MNT004", docs=(policy(AWS_EXAMPLE),))
    assert (f.file, f.line, f.severity) == ("p.json", 4, "error")
    assert "bedrock-mantle:CallWithBearerToken" in f.message and f.details["sid"] == AWS_EXAMPLE["Sid"]


def test_both_actions_denied_is_clean():
    fixed = {**AWS_EXAMPLE, "Action": ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"]}
    assert findings("MNT004", docs=(policy(fixed),)) == []


def test_mantle_denied_in_a_separate_statement_is_clean():
    other = {"Effect": "Deny", "Action": "bedrock-mantle:*", "Resource": "*"}
    assert findings("MNT004", docs=(policy(AWS_EXAMPLE, other),)) == []


def test_long_term_only_guardrail_needs_the_mantle_key_condition():
    bedrock_only = {
        "Effect": "Deny",
        "Action": ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"],
        "Resource": "*",
        "Condition": {"StringEquals": {"bedrock:BearerTokenType": "LONG_TERM"}},
    }
    [f] = findings("MNT004", docs=(policy(bedrock_only),))
    assert f.details["token_type"] == "LONG_TERM"
    # Both keys in one condition block are ANDed, and each endpoint sets only its own key: this statement
    # blocks neither endpoint, which is not the Mantle-only gap MNT004 is about.
    both_keys = {
        **bedrock_only,
        "Condition": {
            "StringEquals": {"bedrock:BearerTokenType": "LONG_TERM", "bedrock-mantle:BearerTokenType": "LONG_TERM"}
        },
    }
    assert findings("MNT004", docs=(policy(both_keys),)) == []
    mantle = {
        "Effect": "Deny",
        "Action": "bedrock-mantle:CallWithBearerToken",
        "Resource": "*",
        "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "LONG_TERM"}},
    }
    assert findings("MNT004", docs=(policy(bedrock_only, mantle),)) == []


def test_scp_and_not_action_deny():
    scp = policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, AWS_EXAMPLE, kind="scp")
    assert len(findings("MNT004", docs=(scp,))) == 1
    # A Deny with NotAction that leaves only s3 covers both bearer-token actions.
    assert findings("MNT004", docs=(policy({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}),)) == []


def test_allow_only_is_not_a_guardrail():
    assert (
        findings(
            "MNT004", docs=(policy({"Effect": "Allow", "Action": "bedrock:CallWithBearerToken", "Resource": "*"}),)
        )
        == []
    )


def test_bearer_token_on_project_arn_never_applies():
    st = {
        "Effect": "Allow",
        "Action": ["bedrock-mantle:ListModels", "bedrock-mantle:CallWithBearerToken"],
        "Resource": PROJECT,
    }
    [f] = findings("MNT005", docs=(policy(st),))
    assert (f.line, f.column) == (8, 9)  # the CallWithBearerToken entry of Action
    assert f.message.startswith("bedrock-mantle:CallWithBearerToken has no resource type")


def test_bedrock_prefix_on_model_arn_and_wildcard_patterns():
    st = {"Effect": "Allow", "Action": "bedrock:CallWith*", "Resource": "arn:aws:bedrock:*::foundation-model/*"}
    assert [f.rule for f in findings("MNT005", docs=(policy(st),))] == ["MNT005"]
    # bedrock-mantle:* on a project is a normal statement: it just does not cover the bearer token
    assert (
        findings("MNT005", docs=(policy({"Effect": "Allow", "Action": "bedrock-mantle:*", "Resource": PROJECT}),)) == []
    )
    # Resource "*" or a NotResource that leaves "*" in: fine
    assert (
        findings(
            "MNT005",
            docs=(policy({"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"}),),
        )
        == []
    )
    nr = {"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "NotResource": PROJECT}
    assert findings("MNT005", docs=(policy(nr),)) == []
    # Deny on a specific resource is not this rule's business
    assert findings("MNT005", docs=(policy({**st, "Effect": "Deny"}),)) == []


def test_unknown_condition_on_both_actions_is_not_a_gap():
    st = {
        "Effect": "Deny",
        "Action": ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/keys": "blocked"}},
    }
    assert findings("MNT004", docs=(policy(st),)) == []
    bedrock_only = {**st, "Action": "bedrock:CallWithBearerToken"}
    assert len(findings("MNT004", docs=(policy(bedrock_only),))) == 1
