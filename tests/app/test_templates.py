"""The reference app synthesized from the example configuration: every stack's template, the validation report,
and the parts moto cannot show (asserted here, at template level, instead).

One synth for the module, with both validation plugins (cdk-nag AwsSolutions and mantle-lint) on, as
``cdk synth`` runs them: a violation would make the synth itself fail.
"""

from __future__ import annotations

import json
import pathlib
from collections import Counter

import pytest
from app_helpers import ENVIRONMENTS, example_config, only, resources, synth, tags_of
from aws_cdk.assertions import Match, Template

from mantlekit import facts
from mantlekit.constructs import COST_CENTER_TAG_KEY
from stacks.build import stack_names
from stacks.config import COST_CENTER_TAG

NETWORK_COUNTS = {
    "dev": {
        "AWS::EC2::EIP": 1,
        "AWS::EC2::FlowLog": 1,
        "AWS::EC2::InternetGateway": 1,
        "AWS::EC2::NatGateway": 1,
        "AWS::EC2::Route": 4,
        "AWS::EC2::RouteTable": 4,
        "AWS::EC2::SecurityGroup": 1,
        "AWS::EC2::Subnet": 4,
        "AWS::EC2::SubnetRouteTableAssociation": 4,
        "AWS::EC2::VPC": 1,
        "AWS::EC2::VPCEndpoint": 1,
        "AWS::EC2::VPCGatewayAttachment": 1,
        "AWS::IAM::Policy": 1,
        "AWS::IAM::Role": 1,
        "AWS::Logs::LogGroup": 1,
    },
    "staging": {"AWS::EC2::SecurityGroup": 1, "AWS::EC2::VPCEndpoint": 1},
    "prod": {
        "AWS::EC2::EIP": 2,
        "AWS::EC2::FlowLog": 1,
        "AWS::EC2::InternetGateway": 1,
        "AWS::EC2::NatGateway": 2,
        "AWS::EC2::Route": 6,
        "AWS::EC2::RouteTable": 6,
        "AWS::EC2::SecurityGroup": 1,
        "AWS::EC2::Subnet": 6,
        "AWS::EC2::SubnetRouteTableAssociation": 6,
        "AWS::EC2::VPC": 1,
        "AWS::EC2::VPCEndpoint": 1,
        "AWS::EC2::VPCGatewayAttachment": 1,
        "AWS::IAM::Policy": 1,
        "AWS::IAM::Role": 1,
        "AWS::Logs::LogGroup": 1,
    },
}
MANTLE_COUNTS = {
    "dev": {
        "AWS::BedrockMantle::Project": 2,
        "AWS::IAM::ManagedPolicy": 1,
        # two MantlePolicy, two KeyPolicy, the key-issuing Provider's default policy
        "AWS::IAM::Policy": 5,
        # two inference roles, the key-issuing function's role, the Provider framework's role
        "AWS::IAM::Role": 4,
        "AWS::IAM::User": 2,
        "AWS::KMS::Key": 1,
        "AWS::Lambda::Function": 2,
        "AWS::Logs::LogGroup": 2,
        "AWS::SecretsManager::Secret": 1,
        "Custom::MantleApiKey": 1,
    },
    "staging": {
        "AWS::BedrockMantle::Project": 1,
        "AWS::IAM::ManagedPolicy": 1,
        "AWS::IAM::Policy": 1,
        "AWS::IAM::Role": 1,
    },
    "prod": {
        "AWS::BedrockMantle::Project": 1,
        "AWS::IAM::ManagedPolicy": 1,
        "AWS::IAM::Policy": 1,
        "AWS::IAM::Role": 1,
    },
}
REGIONS = {"dev": "us-east-1", "staging": "us-west-2", "prod": "eu-west-1"}
ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
#: Taggable types that carry no Tags property in CloudFormation, or are CDK's own.
UNTAGGED = {
    "AWS::CDK::Metadata",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "Custom::MantleApiKey",
}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("cdk.out")
    assembly, stacks = synth(example_config(), validations=True, outdir=str(outdir))
    templates = {}
    for env in ENVIRONMENTS:
        network, mantle = stack_names(env)
        templates[env] = (
            assembly.get_stack_by_name(network).template,
            assembly.get_stack_by_name(mantle).template,
        )
    return assembly, stacks, templates, pathlib.Path(outdir)


def network_template(synthesized, env: str) -> dict:
    return synthesized[2][env][0]


def mantle_template(synthesized, env: str) -> dict:
    return synthesized[2][env][1]


# --- the app as a whole ----------------------------------------------------------------------------------


def test_two_stacks_per_environment_in_its_account_and_region(synthesized):
    assembly = synthesized[0]
    names = sorted(s.stack_name for s in assembly.stacks)
    assert names == sorted(n for env in ENVIRONMENTS for n in stack_names(env))
    for env in ENVIRONMENTS:
        network, mantle = (assembly.get_stack_by_name(n) for n in stack_names(env))
        for stack in (network, mantle):
            assert (stack.environment.account, stack.environment.region) == (ACCOUNTS[env], REGIONS[env])
        stack_deps = [d.id for d in mantle.dependencies if not d.id.endswith(".assets")]
        assert stack_deps == [network.id]
        assert [d.id for d in network.dependencies if not d.id.endswith(".assets")] == []


def test_synthesis_needs_no_aws_lookups(synthesized):
    """No context provider was consulted: ``cdk synth`` works offline, with no credentials."""
    manifest = json.loads((synthesized[3] / "manifest.json").read_text())
    assert manifest.get("missing") is None


def type_counts(template: dict) -> dict[str, int]:
    """Resources by type, without CDK's own AWS::CDK::Metadata (only the CDK CLI asks for it)."""
    return dict(Counter(r["Type"] for r in template["Resources"].values() if r["Type"] != "AWS::CDK::Metadata"))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_exact_resource_counts(synthesized, env):
    network, mantle = synthesized[2][env]
    assert type_counts(network) == NETWORK_COUNTS[env]
    assert type_counts(mantle) == MANTLE_COUNTS[env]


def test_validation_report_cdk_nag_and_mantle_lint_pass_with_reasoned_acknowledgements_only(synthesized):
    report = json.loads((synthesized[3] / "validation-report.json").read_text())
    plugins = {p["pluginName"]: p for p in report["pluginReports"]}
    assert plugins["AwsSolutions"]["conclusion"] == "success"
    assert all(p["violations"] == [] for p in plugins.values())
    acknowledged = [
        (v["ruleName"], v["acknowledgedId"], v["reason"]) for v in plugins["AwsSolutions"]["suppressedViolations"]
    ]
    for rule, ack_id, reason in acknowledged:
        # The acknowledgement names the exact finding (IAM5[...]), never the bare rule or a wildcard finding id.
        assert ack_id == f"AwsSolutions::{rule}"
        assert not rule.endswith("IAM5") and len(reason) > 60
    assert sorted({rule for rule, _, _ in acknowledged}) == [
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-IAM5[Resource::<KeyUserCiBotHandler08733317.Arn>:*]",
        "AwsSolutions-SMG4",
    ]


def test_every_acknowledgement_in_the_app_has_a_specific_reason(synthesized):
    for path in synthesized[3].glob("*.metadata.json"):
        for construct_path, entries in json.loads(path.read_text()).items():
            for entry in entries:
                if entry["type"] != "aws:cdk:acknowledged-rules":
                    continue
                for ack_id, reason in entry["data"].items():
                    assert not ack_id.endswith(("::*", "[*]")), (construct_path, ack_id)
                    assert len(reason) > 40, (construct_path, ack_id, reason)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_cost_allocation_tags_on_every_taggable_resource(synthesized, env):
    config = example_config()["environments"][env]
    for template in synthesized[2][env]:
        for lid, res in template["Resources"].items():
            if res["Type"] in UNTAGGED:
                continue
            tags = tags_of(res)
            assert tags.get("mantlekit:environment") == env, lid
            assert tags.get("mantlekit:app") == "reference", lid
            for key, value in config.get("tags", {}).items():
                assert tags.get(key) == value, lid
            if res["Type"] != "AWS::BedrockMantle::Project":
                assert tags.get(COST_CENTER_TAG_KEY) == config["cost_center"], lid


def test_cost_center_tag_key_is_the_constructs_one():
    assert COST_CENTER_TAG == COST_CENTER_TAG_KEY


# --- network stacks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_mantle_endpoint_service_private_dns_and_https_only(synthesized, env):
    tpl = network_template(synthesized, env)
    _, endpoint = only(tpl, "AWS::EC2::VPCEndpoint")
    props = endpoint["Properties"]
    assert (
        props["ServiceName"]
        == facts.endpoint_service_name(REGIONS[env])
        == f"com.amazonaws.{REGIONS[env]}.bedrock-mantle"
    )
    assert (props["VpcEndpointType"], props["PrivateDnsEnabled"]) == ("Interface", True)
    _, group = only(tpl, "AWS::EC2::SecurityGroup")
    cidr = {"dev": "10.10.0.0/16", "staging": "10.20.0.0/16", "prod": "10.30.0.0/16"}[env]
    assert group["Properties"]["SecurityGroupIngress"] == [
        {"CidrIp": cidr, "Description": "HTTPS to bedrock-mantle", "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}
    ]
    # moto keeps its default allow-all egress whatever the template says: the no-egress rule is checked here.
    assert group["Properties"]["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]


def test_endpoint_policies_follow_the_api_keys_setting(synthesized):
    def statements(env):
        return only(network_template(synthesized, env), "AWS::EC2::VPCEndpoint")[1]["Properties"]["PolicyDocument"][
            "Statement"
        ]

    allow = {
        "Sid": "AllowMantleApi",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "bedrock-mantle:*",
        "Resource": "*",
    }
    dev, staging, prod = (statements(e) for e in ENVIRONMENTS)
    assert dev == [{**allow, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNTS["dev"]}}}]
    assert staging[1] == {
        "Sid": "DenyOtherBearerTokens",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "bedrock-mantle:CallWithBearerToken",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"bedrock-mantle:BearerTokenType": "SHORT_TERM"}},
    }
    assert prod[1] == {
        "Sid": "DenyBearerTokens",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "bedrock-mantle:CallWithBearerToken",
        "Resource": "*",
    }


@pytest.mark.parametrize(
    ("env", "cidr", "azs", "nats"),
    [
        ("dev", "10.10.0.0/16", ["us-east-1a", "us-east-1b"], 1),
        ("prod", "10.30.0.0/16", ["eu-west-1a", "eu-west-1b", "eu-west-1c"], 2),
    ],
)
def test_created_vpcs_use_the_configured_azs_with_flow_logs(synthesized, env, cidr, azs, nats):
    raw = network_template(synthesized, env)
    tpl = Template.from_json(raw)
    tpl.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": cidr})
    subnets = resources(raw, "AWS::EC2::Subnet")
    assert sorted({s["Properties"]["AvailabilityZone"] for s in subnets.values()}) == azs
    assert len(resources(raw, "AWS::EC2::NatGateway")) == nats
    tpl.has_resource_properties("AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "ALL"})
    tpl.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})
    # The endpoint sits in the private subnets, one per AZ.
    endpoint = only(raw, "AWS::EC2::VPCEndpoint")[1]["Properties"]
    placed = [ref["Ref"] for ref in endpoint["SubnetIds"]]
    assert len(placed) == len(azs) and all(lid.startswith("VpcPrivateSubnet") for lid in placed)
    assert sorted(subnets[lid]["Properties"]["AvailabilityZone"] for lid in placed) == azs


def test_imported_vpc_is_referenced_by_id_not_created(synthesized):
    tpl = network_template(synthesized, "staging")
    endpoint = only(tpl, "AWS::EC2::VPCEndpoint")[1]["Properties"]
    assert endpoint["VpcId"] == "vpc-0a1b2c3d4e5f60718"
    assert endpoint["SubnetIds"] == ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    assert tpl["Outputs"]["VpcId"]["Value"] == "vpc-0a1b2c3d4e5f60718"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_network_exports_the_endpoint_id_the_mantle_stack_imports(synthesized, env):
    network, mantle = synthesized[2][env]
    exports = {o["Export"]["Name"]: o["Value"] for o in network["Outputs"].values() if "Export" in o}
    endpoint_lid = only(network, "AWS::EC2::VPCEndpoint")[0]
    assert list(exports.values()) == [{"Ref": endpoint_lid}]
    (export_name,) = exports
    assert mantle["Outputs"]["VpcEndpointId"]["Value"] == {"Fn::ImportValue": export_name}
    assert network["Outputs"]["VpcEndpointId"]["Value"] == {"Ref": endpoint_lid}


# --- Mantle stacks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_outputs_base_url_projects_roles(synthesized, env):
    tpl = mantle_template(synthesized, env)
    outputs = tpl["Outputs"]
    assert (
        outputs["OpenaiBaseUrl"]["Value"]
        == facts.base_url(REGIONS[env])
        == f"https://bedrock-mantle.{REGIONS[env]}.api.aws/v1"
    )
    assert "OPENAI_BASE_URL" in outputs["OpenaiBaseUrl"]["Description"]
    projects = resources(tpl, "AWS::BedrockMantle::Project")
    names = {p["Properties"]["Name"]: lid for lid, p in projects.items()}
    config = example_config()["environments"][env]
    assert sorted(names) == sorted(p["name"] for p in config["projects"])
    for name, lid in names.items():
        cid = "".join(part.capitalize() for part in name.split("-"))
        assert outputs[f"Project{cid}Id"]["Value"] == {"Fn::GetAtt": [lid, "Id"]}
        assert outputs[f"Project{cid}Arn"]["Value"] == {"Fn::GetAtt": [lid, "Arn"]}
    for role in config.get("roles", []):
        cid = "".join(part.capitalize() for part in role["name"].split("-"))
        assert outputs[f"Role{cid}Arn"]["Value"]["Fn::GetAtt"][1] == "Arn"


def test_projects_carry_their_cost_center(synthesized):
    projects = {
        p["Properties"]["Name"]: tags_of(p)
        for p in resources(mantle_template(synthesized, "dev"), "AWS::BedrockMantle::Project").values()
    }
    assert projects["chat"] == {
        "app": "chat",
        "mantlekit:app": "reference",
        COST_CENTER_TAG_KEY: "cc-1001",
        "mantlekit:environment": "dev",
        "owner": "ml-platform",
    }
    assert projects["batch-eval"][COST_CENTER_TAG_KEY] == "cc-1002"


def test_prod_project_is_retained_and_the_others_archive_on_delete(synthesized):
    (prod,) = resources(mantle_template(synthesized, "prod"), "AWS::BedrockMantle::Project").values()
    assert (prod.get("DeletionPolicy"), prod.get("UpdateReplacePolicy")) == ("Retain", "Retain")
    for project in resources(mantle_template(synthesized, "dev"), "AWS::BedrockMantle::Project").values():
        assert "DeletionPolicy" not in project


def test_inference_roles_trust_and_project_scoped_grants(synthesized):
    tpl = mantle_template(synthesized, "dev")
    roles = resources(tpl, "AWS::IAM::Role")
    chat = roles[tpl["Outputs"]["RoleChatAppArn"]["Value"]["Fn::GetAtt"][0]]
    runner = roles[tpl["Outputs"]["RoleEvalRunnerArn"]["Value"]["Fn::GetAtt"][0]]
    assert chat["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
    ]
    assert runner["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:root"]]}
    }
    policies = {
        p["Properties"]["Roles"][0]["Ref"]: p
        for p in resources(tpl, "AWS::IAM::Policy").values()
        if "Roles" in p["Properties"]
    }
    chat_lid = tpl["Outputs"]["RoleChatAppArn"]["Value"]["Fn::GetAtt"][0]
    chat_project = tpl["Outputs"]["ProjectChatArn"]["Value"]
    statements = policies[chat_lid]["Properties"]["PolicyDocument"]["Statement"]
    assert {s["Sid"] for s in statements} == {"MantleInference", "MantleInferenceModel"}
    for s in statements:
        assert s["Resource"] == chat_project
    model = next(s for s in statements if s["Sid"] == "MantleInferenceModel")
    assert sorted(model["Action"]) == ["bedrock-mantle:CountTokens", "bedrock-mantle:CreateInference"]
    assert model["Condition"] == {
        "StringEquals": {"bedrock-mantle:Model": ["openai.gpt-oss-120b", "openai.gpt-oss-20b"]}
    }
    granted = sorted(a for s in statements for a in s["Action"])
    assert granted == sorted(facts.GRANTS["inference"])


def test_endpoint_only_role_is_conditioned_on_the_imported_endpoint_id(synthesized):
    tpl = mantle_template(synthesized, "staging")
    (policy,) = resources(tpl, "AWS::IAM::Policy").values()
    imported = tpl["Outputs"]["VpcEndpointId"]["Value"]
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Condition"]["StringEquals"]["aws:SourceVpce"] == imported
    short = next(s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "ShortTermApiKeys")
    assert short["Condition"]["StringEquals"]["bedrock-mantle:BearerTokenType"] == "SHORT_TERM"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_guardrails_are_a_deny_only_policy_attached_to_every_role_and_user(synthesized, env):
    tpl = mantle_template(synthesized, env)
    lid, policy = only(tpl, "AWS::IAM::ManagedPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {s["Effect"] for s in statements} == {"Deny"}
    attached_roles = sorted(r["Ref"] for r in policy["Properties"].get("Roles", []))
    attached_users = sorted(u["Ref"] for u in policy["Properties"].get("Users", []))
    assert attached_roles == sorted(resources(tpl, "AWS::IAM::Role"))
    assert attached_users == sorted(resources(tpl, "AWS::IAM::User"))
    assert tpl["Outputs"]["KeyGuardrailsPolicyArn"]["Value"] == {"Ref": lid}
    sids = [s["Sid"] for s in statements]
    expected = {
        "dev": ["DenyLongLivedApiKeys", "DenyNonExpiringApiKeys"],
        "staging": [
            "DenyLongTermApiKeysOnMantle",
            "DenyLongTermApiKeysOnBedrock",
            "DenyLongTermApiKeysOnClaudePlatform",
            "DenyLongLivedApiKeys",
            "DenyNonExpiringApiKeys",
        ],
        "prod": ["DenyApiKeys", "DenyLongLivedApiKeys", "DenyNonExpiringApiKeys"],
    }[env]
    assert sids == expected
    key_denies = [s for s in statements if s["Sid"].startswith(("DenyApiKeys", "DenyLongTermApiKeysOn"))]
    key_actions = [a for s in key_denies for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    # Every key-denying guardrail closes all three bearer-token doors (Mantle, bedrock, Claude Platform).
    assert sorted(key_actions) == ([] if env == "dev" else sorted(facts.BEARER_TOKEN_ACTIONS))
    age = next(s for s in statements if s["Sid"] == "DenyLongLivedApiKeys")
    assert age["Condition"]["NumericGreaterThan"] == {
        "iam:ServiceSpecificCredentialAgeDays": {"dev": "30", "staging": "1", "prod": "1"}[env]
    }


def test_key_users_moto_cannot_show(synthesized):
    """What moto drops or cannot run: user tags, the secret, the KMS key, the key-issuing custom resource."""
    tpl = mantle_template(synthesized, "dev")
    users = resources(tpl, "AWS::IAM::User")
    assert [tags_of(u)[facts.API_KEY_TAG] for u in users.values()] == ["long-term", "long-term"]
    assert all("LoginProfile" not in u["Properties"] for u in users.values())
    assert resources(tpl, "AWS::IAM::AccessKey") == {}
    (key_lid, api_key) = only(tpl, "Custom::MantleApiKey")
    ci_bot = tpl["Outputs"]["KeyUserCiBotName"]["Value"]["Ref"]
    secret_lid = tpl["Outputs"]["KeyUserCiBotSecretArn"]["Value"]["Ref"]
    assert api_key["Properties"]["UserName"] == {"Ref": ci_bot}
    assert api_key["Properties"]["ServiceName"] == facts.API_KEY_SERVICE_NAME
    assert api_key["Properties"]["CredentialAgeDays"] == 30
    assert api_key["Properties"]["SecretArn"] == {"Ref": secret_lid}
    secret = resources(tpl, "AWS::SecretsManager::Secret")[secret_lid]
    kms_lid = secret["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]
    assert resources(tpl, "AWS::KMS::Key")[kms_lid]["Properties"]["EnableKeyRotation"] is True
    # Only the issued key has a secret; the key itself is in no output and no property.
    assert "KeyUserNotebookSecretArn" not in tpl["Outputs"] and "KeyUserNotebookName" in tpl["Outputs"]
    text = json.dumps(tpl["Outputs"])
    assert key_lid not in text and 'api_key"' not in text


def test_template_level_assertions_with_the_cdk_assertions_module(synthesized):
    tpl = Template.from_json(mantle_template(synthesized, "prod"))
    tpl.resource_count_is("AWS::BedrockMantle::Project", 1)
    tpl.has_resource_properties(
        "AWS::BedrockMantle::Project",
        {"Name": "chat", "Tags": Match.array_with([{"Key": COST_CENTER_TAG_KEY, "Value": "cc-1001"}])},
    )
    tpl.has_output("OpenaiBaseUrl", {"Value": "https://bedrock-mantle.eu-west-1.api.aws/v1"})
