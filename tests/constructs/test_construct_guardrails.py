"""MantleKeyGuardrails: the deny statements, the SCP and boundary forms, validation."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from construct_helpers import acknowledgements, new_stack, new_vpc, only, raises_config_error, template

from mantlekit import facts
from mantlekit.constructs import (
    MantleEndpoint,
    MantleInferenceRole,
    MantleKeyGuardrails,
    TokenType,
)

DENY_ALL_KEYS = {
    "Action": [
        "bedrock-mantle:CallWithBearerToken",
        "bedrock:CallWithBearerToken",
        "aws-external-anthropic:CallWithBearerToken",
    ],
    "Effect": "Deny",
    "Resource": "*",
    "Sid": "DenyApiKeys",
}
BEDROCK_KEYS = {facts.API_KEY_SERVICE_NAME_KEY: facts.API_KEY_SERVICE_NAME}


def _age_denies(days: str) -> list[dict]:
    return [
        {
            "Action": facts.CREATE_API_KEY_ACTION,
            "Condition": {"StringEquals": BEDROCK_KEYS, "NumericGreaterThan": {facts.API_KEY_AGE_DAYS_KEY: days}},
            "Effect": "Deny",
            "Resource": "*",
            "Sid": "DenyLongLivedApiKeys",
        },
        {
            "Action": facts.CREATE_API_KEY_ACTION,
            "Condition": {"StringEquals": BEDROCK_KEYS, "Null": {facts.API_KEY_AGE_DAYS_KEY: "true"}},
            "Effect": "Deny",
            "Resource": "*",
            "Sid": "DenyNonExpiringApiKeys",
        },
    ]


def _document(stack, guardrails) -> list[dict]:
    return stack.resolve(guardrails.document.to_json())["Statement"]


def test_defaults_deny_both_key_actions_and_long_lived_or_non_expiring_keys():
    stack = new_stack()
    guardrails = MantleKeyGuardrails(stack, "Guardrails")
    assert _document(stack, guardrails) == [DENY_ALL_KEYS, *_age_denies("90")]
    # Without a form nothing is deployed.
    tpl = template(stack)
    tpl.resource_count_is("AWS::Organizations::Policy", 0)
    tpl.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    assert guardrails.scp is None and not guardrails.has_boundary
    with raises_config_error("MantleKeyGuardrailsNoBoundary", at="Test/Guardrails") as err:
        guardrails.boundary  # noqa: B018
    assert err.value.message.startswith("MantleKeyGuardrails: `permissions_boundary` is False, so there is no boundary")


@pytest.mark.parametrize(
    ("token_type", "word"), [(TokenType.LONG_TERM, "LongTerm"), (TokenType.SHORT_TERM, "ShortTerm")]
)
def test_one_kind_of_key_is_denied_per_action_with_each_actions_own_condition_key(token_type, word):
    stack = new_stack()
    guardrails = MantleKeyGuardrails(stack, "G", deny_bearer_tokens=token_type, max_credential_age_days=None)
    value = token_type.value[0]
    assert _document(stack, guardrails) == [
        {
            "Action": "bedrock-mantle:CallWithBearerToken",
            "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": value}},
            "Effect": "Deny",
            "Resource": "*",
            "Sid": f"Deny{word}ApiKeysOnMantle",
        },
        {
            "Action": "bedrock:CallWithBearerToken",
            "Condition": {"StringEquals": {"bedrock:BearerTokenType": value}},
            "Effect": "Deny",
            "Resource": "*",
            "Sid": f"Deny{word}ApiKeysOnBedrock",
        },
        {
            "Action": "aws-external-anthropic:CallWithBearerToken",
            "Condition": {"StringEquals": {"aws-external-anthropic:BearerTokenType": value}},
            "Effect": "Deny",
            "Resource": "*",
            "Sid": f"Deny{word}ApiKeysOnClaudePlatform",
        },
    ]


def test_every_bearer_token_action_of_the_facts_is_denied():
    """Deny-all and per-kind denies cover facts.BEARER_TOKEN_ACTIONS, each with its own condition key."""
    stack = new_stack()
    both = _document(stack, MantleKeyGuardrails(stack, "Both", max_credential_age_days=None))
    assert both[0]["Action"] == list(facts.BEARER_TOKEN_ACTIONS)
    per_kind = _document(
        stack, MantleKeyGuardrails(stack, "Long", deny_bearer_tokens=TokenType.LONG_TERM, max_credential_age_days=None)
    )
    assert [(s["Action"], *s["Condition"]["StringEquals"]) for s in per_kind] == [
        (a, facts.BEARER_TOKEN_TYPE_KEYS[a]) for a in facts.BEARER_TOKEN_ACTIONS
    ]


def test_inference_outside_the_endpoints_is_denied():
    stack = new_stack()
    endpoint = MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack))
    guardrails = MantleKeyGuardrails(
        stack,
        "G",
        deny_bearer_tokens=None,
        max_credential_age_days=30,
        vpc_endpoints=[endpoint, "vpce-0123456789abcdef0"],
    )
    (endpoint_id,) = template(stack).find_resources("AWS::EC2::VPCEndpoint")
    assert _document(stack, guardrails) == [
        *_age_denies("30"),
        {
            "Action": sorted(facts.GRANTS["inference"]),
            "Condition": {"StringNotEquals": {"aws:SourceVpce": [{"Ref": endpoint_id}, "vpce-0123456789abcdef0"]}},
            "Effect": "Deny",
            "Resource": "*",
            "Sid": "DenyMantleInferenceOutsideEndpoint",
        },
    ]


def test_single_endpoint_is_a_plain_string_condition():
    stack = new_stack()
    guardrails = MantleKeyGuardrails(stack, "G", deny_bearer_tokens=None, vpc_endpoints=["vpce-0123456789abcdef0"])
    statement = _document(stack, guardrails)[-1]
    assert statement["Condition"] == {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}


def test_scp_form():
    stack = new_stack()
    MantleKeyGuardrails(
        stack,
        "G",
        deny_bearer_tokens=TokenType.LONG_TERM,
        scp_target_ids=["r-ab12", "ou-ab12-abcdefgh", "123456789012"],
        scp_name="mantle-key-guardrails",
    )
    scp = only(template(stack), "AWS::Organizations::Policy")["Properties"]
    assert scp["Type"] == "SERVICE_CONTROL_POLICY"
    assert scp["Name"] == "mantle-key-guardrails"
    assert scp["TargetIds"] == ["r-ab12", "ou-ab12-abcdefgh", "123456789012"]
    assert scp["Content"]["Version"] == "2012-10-17"
    assert [s["Sid"] for s in scp["Content"]["Statement"]] == [
        "DenyLongTermApiKeysOnMantle",
        "DenyLongTermApiKeysOnBedrock",
        "DenyLongTermApiKeysOnClaudePlatform",
        "DenyLongLivedApiKeys",
        "DenyNonExpiringApiKeys",
    ]
    assert all(s["Effect"] == "Deny" for s in scp["Content"]["Statement"])


def test_scp_gets_a_unique_default_name():
    stack = new_stack()
    MantleKeyGuardrails(stack, "G", scp_target_ids=["r-ab12"])
    name = only(template(stack), "AWS::Organizations::Policy")["Properties"]["Name"]
    assert name.startswith("TestG") and len(name) <= 128


def test_boundary_form_allows_all_but_the_guardrails_and_is_usable_as_a_boundary():
    stack = new_stack()
    guardrails = MantleKeyGuardrails(stack, "G", permissions_boundary=True, boundary_name="mantle-boundary")
    MantleInferenceRole(
        stack,
        "Role",
        assumed_by=iam.AccountRootPrincipal(),
        all_projects=True,
        permissions_boundary=guardrails.boundary,
    )
    tpl = template(stack)
    (boundary_id,) = tpl.find_resources("AWS::IAM::ManagedPolicy")
    policy = only(tpl, "AWS::IAM::ManagedPolicy")["Properties"]
    assert policy["ManagedPolicyName"] == "mantle-boundary"
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": "*", "Effect": "Allow", "Resource": "*", "Sid": "AllowAllButGuardrails"},
        DENY_ALL_KEYS,
        *_age_denies("90"),
    ]
    assert "Users" not in policy and "Roles" not in policy  # a boundary is referenced, never attached
    tpl.has_resource_properties("AWS::IAM::Role", {"PermissionsBoundary": {"Ref": boundary_id}})
    acks = acknowledgements(stack)
    assert {p: sorted(ids) for p, ids in acks.items()} == {
        "Test/G/Boundary": [
            "AwsSolutions::AwsSolutions-IAM5[Action::*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        ]
    }


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"deny_bearer_tokens": None, "max_credential_age_days": None}, "MantleKeyGuardrailsNothingToEnforce"),
        ({"deny_bearer_tokens": "BOTH"}, "MantleTokenTypeInvalid"),
        ({"max_credential_age_days": 0}, "MantleKeyGuardrailsMaxAgeRange"),
        ({"max_credential_age_days": 36601}, "MantleKeyGuardrailsMaxAgeRange"),
        ({"max_credential_age_days": 9.5}, "MantleKeyGuardrailsMaxAgeRange"),
        ({"vpc_endpoints": []}, "MantleVpcEndpointsEmpty"),
        ({"vpc_endpoints": ["endpoint-1"]}, "MantleVpcEndpointIdInvalid"),
        ({"scp_target_ids": []}, "MantleKeyGuardrailsScpTargetsEmpty"),
        ({"scp_target_ids": ["12345"]}, "MantleKeyGuardrailsScpTargetInvalid"),
        ({"scp_target_ids": "r-ab12"}, "MantleKeyGuardrailsScpTargetsEmpty"),
    ],
)
def test_bad_props_are_rejected_with_their_code_at_the_construct(kwargs, code):
    with raises_config_error(code, at="Test/G"):
        MantleKeyGuardrails(new_stack(), "G", **kwargs)


def test_nothing_to_enforce_names_the_props_to_set():
    with raises_config_error("MantleKeyGuardrailsNothingToEnforce") as err:
        MantleKeyGuardrails(new_stack(), "G", deny_bearer_tokens=None, max_credential_age_days=None)
    assert err.value.message == (
        "MantleKeyGuardrails: `deny_bearer_tokens` is None and so are `max_credential_age_days` and "
        "`vpc_endpoints`: there is nothing to enforce"
    )
