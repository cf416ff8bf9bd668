"""MantleInferenceRole: project scoping, conditions, bearer tokens, validation."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from construct_helpers import (
    ACCOUNT,
    REGION,
    acknowledgements,
    new_stack,
    new_vpc,
    policy_statements,
    raises_config_error,
    template,
)

from mantlekit import facts
from mantlekit.constructs import MantleEndpoint, MantleInferenceRole, MantleProject

INFERENCE = sorted(facts.GRANTS["inference"])
MODEL_KEY = "bedrock-mantle:Model"
TIER_KEY = "bedrock-mantle:ServiceTier"


def _role(stack, **kwargs) -> MantleInferenceRole:
    kwargs.setdefault("assumed_by", iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    return MantleInferenceRole(stack, "Inference", **kwargs)


@pytest.fixture(scope="module")
def scoped():
    stack = new_stack()
    project = MantleProject(stack, "Project", name="p")
    default = MantleProject.default_project(stack, "Default")
    role = _role(stack, projects=[project, default], role_name="mantle-inference")
    tpl = template(stack)
    (project_id,) = tpl.find_resources("AWS::BedrockMantle::Project")
    return stack, role, tpl, [{"Fn::GetAtt": [project_id, "Arn"]}, facts.project_arn(REGION, ACCOUNT)]


def test_role_trusts_the_given_principal(scoped):
    _, _, tpl, _ = scoped
    tpl.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "mantle-inference",
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
                ],
                "Version": "2012-10-17",
            },
        },
    )


def test_inference_actions_only_on_the_given_projects(scoped):
    _, _, tpl, project_arns = scoped
    assert policy_statements(tpl, "InferenceMantlePolicy") == [
        {"Action": INFERENCE, "Effect": "Allow", "Resource": project_arns, "Sid": "MantleInference"}
    ]
    tpl.resource_count_is("AWS::IAM::Policy", 1)
    tpl.resource_count_is("AWS::IAM::ManagedPolicy", 0)


def test_no_nag_acknowledgement_without_bearer_tokens(scoped):
    stack, _, _, _ = scoped
    assert acknowledgements(stack) == {}


def test_role_is_a_grantee_for_project_grants(scoped):
    stack = new_stack()
    project = MantleProject(stack, "Project", name="p")
    role = _role(stack, projects=[project])
    project.grant_files(role)
    statements = policy_statements(template(stack), "InferenceRoleDefaultPolicy")
    assert sorted(statements[0]["Action"]) == sorted(facts.GRANTS["files"])
    assert stack.resolve(role.role_arn)["Fn::GetAtt"][1] == "Arn"
    assert stack.resolve(role.role_name)["Ref"].startswith("InferenceRole")


def test_all_projects_is_explicit_and_uses_project_star():
    stack = new_stack()
    _role(stack, all_projects=True)
    statement = policy_statements(template(stack), "InferenceMantlePolicy")[0]
    assert statement["Resource"] == f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/*"


def test_models_and_tiers_apply_only_to_actions_that_support_the_keys():
    stack = new_stack()
    project = MantleProject.from_project_id(stack, "P", "proj_abc")
    _role(stack, projects=[project], models=["openai.gpt-oss-120b", "qwen.q3"], service_tiers=["default"])
    arn = f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/proj_abc"
    models = ["openai.gpt-oss-120b", "qwen.q3"]
    no_model_key = sorted(
        a
        for a in facts.GRANTS["inference"]
        if a not in ("bedrock-mantle:CreateInference", "bedrock-mantle:CountTokens")
    )
    assert policy_statements(template(stack), "InferenceMantlePolicy") == [
        {"Action": no_model_key, "Effect": "Allow", "Resource": arn, "Sid": "MantleInference"},
        {
            "Action": "bedrock-mantle:CountTokens",
            "Condition": {"StringEquals": {MODEL_KEY: models}},
            "Effect": "Allow",
            "Resource": arn,
            "Sid": "MantleInferenceModel",
        },
        {
            "Action": "bedrock-mantle:CreateInference",
            "Condition": {"StringEquals": {MODEL_KEY: models, TIER_KEY: "default"}},
            "Effect": "Allow",
            "Resource": arn,
            "Sid": "MantleInferenceModelServiceTier",
        },
    ]


def test_vpc_endpoint_condition_is_on_every_statement_including_short_term_keys():
    stack = new_stack()
    project = MantleProject.from_project_id(stack, "P", "proj_abc")
    endpoint = MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack))
    role = _role(stack, projects=[project], vpc_endpoint=endpoint, short_term_bearer_tokens=True)
    tpl = template(stack)
    (endpoint_id,) = tpl.find_resources("AWS::EC2::VPCEndpoint")
    via = {"aws:SourceVpce": {"Ref": endpoint_id}}
    statements = policy_statements(tpl, "InferenceMantlePolicy")
    assert statements[0]["Condition"] == {"StringEquals": via}
    assert statements[1] == {
        "Action": facts.CALL_WITH_BEARER_TOKEN,
        "Condition": {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: facts.SHORT_TERM, **via}},
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "ShortTermApiKeys",
    }
    assert len(statements) == 2
    # The one Resource "*" is acknowledged for cdk-nag on the Mantle policy only, not on the role.
    acks = acknowledgements(stack)
    assert list(acks) == ["Test/Inference/MantlePolicy"]
    assert list(acks["Test/Inference/MantlePolicy"]) == ["AwsSolutions::AwsSolutions-IAM5[Resource::*]"]
    assert role.policy.node.path == "Test/Inference/MantlePolicy"


def test_vpc_endpoint_given_as_id_string():
    stack = new_stack()
    _role(stack, all_projects=True, vpc_endpoint="vpce-0123456789abcdef0")
    statement = policy_statements(template(stack), "InferenceMantlePolicy")[0]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}


def test_short_term_keys_without_endpoint():
    stack = new_stack()
    _role(stack, all_projects=True, short_term_bearer_tokens=True)
    statement = policy_statements(template(stack), "InferenceMantlePolicy")[1]
    assert statement["Condition"] == {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: facts.SHORT_TERM}}


def test_role_props_pass_through():
    stack = new_stack()
    boundary = iam.ManagedPolicy.from_managed_policy_name(stack, "B", "boundary")
    _role(stack, all_projects=True, permissions_boundary=boundary, description="d")
    template(stack).has_resource_properties(
        "AWS::IAM::Role",
        {
            "Description": "d",
            "PermissionsBoundary": {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{ACCOUNT}:policy/boundary"]]
            },
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "prop", "code"),
    [
        ({}, "projects", "MantleInferenceRoleProjectsEmpty"),
        ({"projects": []}, "projects", "MantleInferenceRoleProjectsEmpty"),
        ({"all_projects": True, "projects": ["x"]}, "all_projects", "MantleInferenceRoleProjectsConflict"),
        ({"all_projects": True, "models": []}, "models", "MantleInferenceRoleConditionValuesEmpty"),
        ({"all_projects": True, "models": "gpt"}, "models", "MantleInferenceRoleConditionValuesEmpty"),
        ({"all_projects": True, "models": [""]}, "models", "MantleInferenceRoleConditionValueInvalid"),
        ({"all_projects": True, "service_tiers": []}, "service_tiers", "MantleInferenceRoleConditionValuesEmpty"),
        ({"all_projects": True, "vpc_endpoint": "vpc-123"}, "vpc_endpoint", "MantleVpcEndpointIdInvalid"),
        ({"all_projects": True, "vpc_endpoint": 42}, "vpc_endpoint", "MantleVpcEndpointRefInvalid"),
    ],
)
def test_bad_props_are_rejected_naming_the_prop(kwargs, prop, code):
    with raises_config_error(code) as err:
        _role(new_stack(), **kwargs)
    assert err.value.message.startswith(f"MantleInferenceRole: `{prop}` ")
