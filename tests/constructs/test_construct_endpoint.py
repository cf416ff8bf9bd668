"""MantleEndpoint: the endpoint, its security group, its policy, attributes and validation."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match
from construct_helpers import ACCOUNT, REGION, acknowledgements, new_stack, new_vpc, only, raises_config_error, template

from mantlekit import facts
from mantlekit.constructs import MantleEndpoint, MantleProject, TokenType

ANYONE = "*"
THIS_ACCOUNT = {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}


def _policy(tpl) -> list[dict]:
    return only(tpl, "AWS::EC2::VPCEndpoint")["Properties"]["PolicyDocument"]["Statement"]


@pytest.fixture(scope="module")
def default_endpoint():
    stack = new_stack()
    vpc = new_vpc(stack)
    endpoint = MantleEndpoint(stack, "Mantle", vpc=vpc)
    return stack, endpoint, template(stack)


def test_interface_endpoint_for_the_mantle_service_with_private_dns_in_private_subnets(default_endpoint):
    _, _, tpl = default_endpoint
    tpl.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": facts.endpoint_service_name(REGION),
            "VpcEndpointType": "Interface",
            "PrivateDnsEnabled": True,
            "SubnetIds": [
                {"Ref": Match.string_like_regexp("^VpcPrivateSubnet1")},
                {"Ref": Match.string_like_regexp("^VpcPrivateSubnet2")},
            ],
            "SecurityGroupIds": [{"Fn::GetAtt": [Match.string_like_regexp("^MantleSecurityGroup"), "GroupId"]}],
        },
    )


def test_security_group_allows_only_https_from_the_vpc_cidr_and_no_egress(default_endpoint):
    _, _, tpl = default_endpoint
    props = only(tpl, "AWS::EC2::SecurityGroup")["Properties"]
    assert props["SecurityGroupIngress"] == [
        {
            "CidrIp": "10.20.0.0/16",
            "Description": "HTTPS to bedrock-mantle",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    # CDK's marker rule for "no egress at all" (matches nothing).
    assert props["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]
    tpl.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)


def test_default_policy_allows_mantle_to_this_account_only(default_endpoint):
    _, _, tpl = default_endpoint
    assert _policy(tpl) == [
        {
            "Action": "bedrock-mantle:*",
            "Condition": THIS_ACCOUNT,
            "Effect": "Allow",
            "Principal": ANYONE,
            "Resource": "*",
            "Sid": "AllowMantleApi",
        }
    ]


def test_attributes(default_endpoint):
    stack, endpoint, tpl = default_endpoint
    (logical_id,) = tpl.find_resources("AWS::EC2::VPCEndpoint")
    assert endpoint.base_url == facts.base_url(REGION) == "https://bedrock-mantle.eu-west-1.api.aws/v1"
    assert endpoint.hostname == facts.endpoint_hostname(REGION)
    assert stack.resolve(endpoint.vpc_endpoint_id) == {"Ref": logical_id}
    assert stack.resolve(endpoint.dns_entries) == {"Fn::GetAtt": [logical_id, "DnsEntries"]}
    assert stack.resolve(endpoint.endpoint_dns_name) == {
        "Fn::Select": [1, {"Fn::Split": [":", {"Fn::Select": [0, {"Fn::GetAtt": [logical_id, "DnsEntries"]}]}]}]
    }
    (group,) = endpoint.connections.security_groups
    assert stack.resolve(group.security_group_id) == stack.resolve(endpoint.security_group.security_group_id)


def test_default_has_no_nag_acknowledgement_when_the_cidr_is_literal(default_endpoint):
    stack, _, _ = default_endpoint
    assert acknowledgements(stack) == {}


def test_organization_projects_and_actions_narrow_the_policy_and_keep_api_keys_working():
    stack = new_stack()
    project = MantleProject(stack, "Project", name="p")
    MantleEndpoint(
        stack,
        "Mantle",
        vpc=new_vpc(stack),
        organization_id="o-abcdef1234",
        projects=[project],
        actions=["bedrock-mantle:CreateInference", "bedrock-mantle:List*"],
    )
    org = {"aws:PrincipalOrgID": "o-abcdef1234"}
    (project_id,) = template(stack).find_resources("AWS::BedrockMantle::Project")
    assert _policy(template(stack)) == [
        {
            "Action": ["bedrock-mantle:CreateInference", "bedrock-mantle:List*"],
            "Condition": {"StringEquals": org},
            "Effect": "Allow",
            "Principal": ANYONE,
            "Resource": {"Fn::GetAtt": [project_id, "Arn"]},
            "Sid": "AllowMantleApi",
        },
        {
            "Action": facts.CALL_WITH_BEARER_TOKEN,
            "Condition": {"StringEquals": {**org, facts.BEARER_TOKEN_TYPE_KEY: [facts.LONG_TERM, facts.SHORT_TERM]}},
            "Effect": "Allow",
            "Principal": ANYONE,
            "Resource": "*",
            "Sid": "AllowBearerTokens",
        },
    ]


def test_narrowed_policy_with_short_term_keys_only():
    stack = new_stack()
    MantleEndpoint(
        stack, "Mantle", vpc=new_vpc(stack), actions=["bedrock-mantle:ListModels"], bearer_tokens=TokenType.SHORT_TERM
    )
    bearer = _policy(template(stack))[1]
    assert bearer["Condition"] == {
        "StringEquals": {"aws:PrincipalAccount": ACCOUNT, facts.BEARER_TOKEN_TYPE_KEY: facts.SHORT_TERM}
    }


def test_narrowed_policy_without_api_keys_has_no_bearer_statement():
    stack = new_stack()
    MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack), actions=["bedrock-mantle:ListModels"], bearer_tokens=None)
    assert [s["Sid"] for s in _policy(template(stack))] == ["AllowMantleApi"]


def test_default_actions_with_long_term_keys_only_deny_the_other_kind():
    stack = new_stack()
    MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack), bearer_tokens=TokenType.LONG_TERM)
    assert _policy(template(stack))[1] == {
        "Action": facts.CALL_WITH_BEARER_TOKEN,
        "Condition": {"StringNotEquals": {facts.BEARER_TOKEN_TYPE_KEY: facts.LONG_TERM}},
        "Effect": "Deny",
        "Principal": ANYONE,
        "Resource": "*",
        "Sid": "DenyOtherBearerTokens",
    }


def test_default_actions_without_api_keys_deny_bearer_tokens():
    stack = new_stack()
    MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack), bearer_tokens=None)
    assert _policy(template(stack))[1] == {
        "Action": facts.CALL_WITH_BEARER_TOKEN,
        "Effect": "Deny",
        "Principal": ANYONE,
        "Resource": "*",
        "Sid": "DenyBearerTokens",
    }


def test_allowed_peers_replace_the_vpc_cidr():
    stack = new_stack()
    vpc = new_vpc(stack)
    clients = ec2.SecurityGroup(stack, "Clients", vpc=vpc)
    MantleEndpoint(stack, "Mantle", vpc=vpc, allowed_peers=[clients, ec2.Peer.ipv4("10.99.0.0/24")])
    groups = template(stack).find_resources("AWS::EC2::SecurityGroup")
    (mantle_sg,) = [v for k, v in groups.items() if k.startswith("MantleSecurityGroup")]
    assert mantle_sg["Properties"]["SecurityGroupIngress"] == [
        {
            "CidrIp": "10.99.0.0/24",
            "Description": "HTTPS to bedrock-mantle",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    template(stack).has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "SourceSecurityGroupId": {"Fn::GetAtt": [Match.string_like_regexp("^Clients"), "GroupId"]},
        },
    )


def test_explicit_subnets_are_used():
    stack = new_stack()
    vpc = new_vpc(stack)
    MantleEndpoint(stack, "Mantle", vpc=vpc, subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC))
    subnets = only(template(stack), "AWS::EC2::VPCEndpoint")["Properties"]["SubnetIds"]
    assert [s["Ref"][: len("VpcPublicSubnet")] for s in subnets] == ["VpcPublicSubnet"] * 2


def test_isolated_subnets_are_the_fallback():
    stack = new_stack()
    vpc = new_vpc(
        stack,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    MantleEndpoint(stack, "Mantle", vpc=vpc)
    subnets = only(template(stack), "AWS::EC2::VPCEndpoint")["Properties"]["SubnetIds"]
    assert all(s["Ref"].startswith("VpcIsolatedSubnet") for s in subnets) and len(subnets) == 2


def test_environment_agnostic_stack_is_not_region_checked_and_uses_tokens():
    stack = new_stack(region=None)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-1234",
        availability_zones=["a", "b"],
        private_subnet_ids=["subnet-1", "subnet-2"],
        vpc_cidr_block=cdk.Fn.import_value("VpcCidr"),
    )
    endpoint = MantleEndpoint(stack, "Mantle", vpc=vpc)
    tpl = template(stack)
    props = only(tpl, "AWS::EC2::VPCEndpoint")["Properties"]
    assert props["ServiceName"] == {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".bedrock-mantle"]]}
    assert props["Policy" + "Document"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}
    }
    assert stack.resolve(endpoint.base_url) == {
        "Fn::Join": ["", ["https://bedrock-mantle.", {"Ref": "AWS::Region"}, ".api.aws/v1"]]
    }
    ingress = only(tpl, "AWS::EC2::SecurityGroup")["Properties"]["SecurityGroupIngress"]
    assert ingress[0]["CidrIp"] == {"Fn::ImportValue": "VpcCidr"}
    # cdk-nag's EC23 cannot resolve the CIDR expression; the construct acknowledges exactly that, with why.
    acks = acknowledgements(stack)
    assert list(acks) == ["Test/Mantle/SecurityGroup"]
    assert list(acks["Test/Mantle/SecurityGroup"]) == ["AwsSolutions::AwsSolutions-EC23"]
    assert "own CIDR block" in acks["Test/Mantle/SecurityGroup"]["AwsSolutions::AwsSolutions-EC23"]


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-west-1", "us-gov-west-1", "ca-central-1"])
def test_unsupported_region_is_an_error_naming_the_supported_regions(region):
    stack = new_stack(region=region)
    with raises_config_error("MantleEndpointRegionUnsupported", at="Test/Mantle") as err:
        MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack))
    message = err.value.message
    assert f"region {region!r}" in message and "env.region" in message
    assert ", ".join(sorted(facts.PRIVATELINK_REGIONS)) in message


@pytest.mark.parametrize("region", sorted(facts.PRIVATELINK_REGIONS))
def test_every_privatelink_region_is_accepted(region):
    stack = new_stack(region=region)
    endpoint = MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack))
    assert endpoint.base_url == facts.base_url(region)


@pytest.mark.parametrize(
    ("kwargs", "prop", "code"),
    [
        ({"organization_id": "org-1"}, "organization_id", "MantleEndpointOrganizationIdInvalid"),
        ({"projects": []}, "projects", "MantleEndpointProjectsEmpty"),
        ({"actions": []}, "actions", "MantleEndpointActionsEmpty"),
        ({"actions": ["bedrock:InvokeModel"]}, "actions", "MantleEndpointActionNotMantle"),
        ({"actions": ["bedrock-mantle:InvokeModel"]}, "actions", "MantleEndpointActionUnknown"),
        ({"actions": ["bedrock-mantle:CallWithBearerToken"]}, "actions", "MantleEndpointActionBearerToken"),
        ({"allowed_peers": []}, "allowed_peers", "MantleEndpointPeersEmpty"),
        ({"allowed_peers": [ec2.Peer.any_ipv4()]}, "allowed_peers", "MantleEndpointPeerOpenToWorld"),
        ({"allowed_peers": [ec2.Peer.any_ipv6()]}, "allowed_peers", "MantleEndpointPeerOpenToWorld"),
        ({"bearer_tokens": "LONG_TERM"}, "bearer_tokens", "MantleTokenTypeInvalid"),
    ],
)
def test_bad_props_are_rejected_naming_the_prop(kwargs, prop, code):
    stack = new_stack()
    with raises_config_error(code, at="Test/Mantle") as err:
        MantleEndpoint(stack, "Mantle", vpc=new_vpc(stack), **kwargs)
    assert err.value.message.startswith(f"MantleEndpoint: `{prop}` ")


def test_vpc_without_private_subnets_needs_explicit_subnets():
    stack = new_stack()
    vpc = new_vpc(stack, subnet_configuration=[ec2.SubnetConfiguration(name="Pub", subnet_type=ec2.SubnetType.PUBLIC)])
    with raises_config_error("MantleEndpointNoPrivateSubnets", at="Test/Mantle"):
        MantleEndpoint(stack, "Mantle", vpc=vpc)
