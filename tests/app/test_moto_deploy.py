"""Deploy the reference app's templates into moto's CloudFormation (in-process, ``mock_aws``) and read back what
moto created, through boto3: the endpoints, the roles, the projects, and mantle-lint's verdicts on them.

The configuration is the example from cdk.json with three changes, each forced by the test bed:

* every account is moto's account (one moto serves one account; the stacks pin theirs);
* staging imports a VPC and subnets created in moto first (an import of ids that do not exist would prove
  nothing);
* dev's ``ci-bot`` does not issue its key: the key-issuing resources are beyond moto 5.2.5 (a KMS key with
  CloudFormation ``Tags`` crashes moto's KMS model, Secrets Manager secrets are skipped, and the custom
  resource would need Lambda in Docker). They are asserted at template level in test_templates.py.

Other moto gaps, also asserted at template level there and not here: user tags (so moto's account shows the
key users as plain users), security-group egress (moto keeps its default allow-all), role tags.

mantle-lint reads the account as ``mantle-lint --live`` does (its live reader; moto does not implement
``ListServiceSpecificCredentials``, which a botocore hook answers with "no keys", true here), and each verdict
is checked on those principals and on principals rebuilt by hand from the policies boto3 reads back.
"""

from __future__ import annotations

import ast
import json
import os
import warnings
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
import pytest
from app_helpers import ENVIRONMENTS, example_config, synth
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID

from mantlekit import facts
from mantlekit.iam.evaluate import Request, Verdict, decide
from mantlekit.iam.match import Context
from mantlekit.iam.model import IDENTITY, PolicySet
from mantlekit.iam.parse import load_policy
from mantlekit.lint.config import Config
from mantlekit.lint.inventory import Inventory, Principal
from mantlekit.lint.readers import live
from mantlekit.lint.runner import lint_inventory
from stacks.build import stack_names
from tests.support import moto_mantle

ACCOUNT = DEFAULT_ACCOUNT_ID
REGIONS = {"dev": "us-east-1", "staging": "us-west-2", "prod": "eu-west-1"}
CIDRS = {"dev": "10.10.0.0/16", "staging": "10.20.0.0/16", "prod": "10.30.0.0/16"}
#: What CDK's default synthesizer checks before anything is created (the ``cdk bootstrap`` stack writes it).
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"


@dataclass
class Deployment:
    templates: dict[str, dict[str, Any]]
    statuses: dict[str, str]
    outputs: dict[str, dict[str, str]]
    warnings: list[str]
    imported_subnets: list[str]

    def output(self, env: str, key: str, layer: str = "mantle") -> str:
        network, mantle = stack_names(env)
        return self.outputs[mantle if layer == "mantle" else network][key]


def moto_config(vpc_id: str, subnet_ids: list[str]) -> dict[str, Any]:
    raw = example_config()
    for env in raw["environments"].values():
        env["account"] = ACCOUNT
        for role in env.get("roles", []):
            role["assumed_by"] = [ACCOUNT if p.isdigit() else p for p in role["assumed_by"]]
        for user in env.get("key_users", []):
            user["issue_key"] = False
    imported = raw["environments"]["staging"]["vpc"]["import"]
    imported.update(vpc_id=vpc_id, private_subnet_ids=subnet_ids)
    return raw


@pytest.fixture(scope="module")
def deployed():
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    with mock.patch.dict(os.environ, credentials), mock_aws():  # patch.dict restores AWS_PROFILE on exit
        os.environ.pop("AWS_PROFILE", None)
        moto_mantle.reset()
        ec2 = boto3.client("ec2", region_name=REGIONS["staging"])
        vpc_id = ec2.create_vpc(CidrBlock=CIDRS["staging"])["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"us-west-2{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in ((1, "a"), (2, "b"))
        ]
        assembly, _ = synth(moto_config(vpc_id, subnets), validations=False)
        for region in set(REGIONS.values()):
            boto3.client("ssm", region_name=region).put_parameter(
                Name=BOOTSTRAP_VERSION_PARAMETER, Value="21", Type="String"
            )
        templates, statuses, outputs, seen = {}, {}, {}, []
        for env in ENVIRONMENTS:  # the network stack first: the Mantle stack imports its export
            cloudformation = boto3.client("cloudformation", region_name=REGIONS[env])
            for name in stack_names(env):
                templates[name] = assembly.get_stack_by_name(name).template
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    cloudformation.create_stack(
                        StackName=name,
                        TemplateBody=json.dumps(templates[name]),
                        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                    )
                seen += [str(w.message) for w in caught]
                stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
                statuses[name] = stack["StackStatus"]
                outputs[name] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        yield Deployment(templates, statuses, outputs, seen, subnets)
        moto_mantle.reset()


# --- the deployment ---------------------------------------------------------------------------------------


def test_every_stack_is_created_and_moto_skipped_nothing(deployed):
    assert deployed.statuses == {n: "CREATE_COMPLETE" for env in ENVIRONMENTS for n in stack_names(env)}
    # moto warns for each resource type it silently skips; there must be none (the Mantle project included).
    assert deployed.warnings == []
    for env in ENVIRONMENTS:
        cloudformation = boto3.client("cloudformation", region_name=REGIONS[env])
        for name in stack_names(env):
            created = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
            assert len(created) == len(deployed.templates[name]["Resources"]), name


def test_cross_stack_reference_resolves_to_the_network_stacks_endpoint(deployed):
    for env in ENVIRONMENTS:
        endpoint_id = deployed.output(env, "VpcEndpointId", "network")
        assert endpoint_id.startswith("vpce-")
        assert deployed.output(env, "VpcEndpointId") == endpoint_id
        exports = boto3.client("cloudformation", region_name=REGIONS[env]).list_exports()["Exports"]
        assert [e["Value"] for e in exports] == [endpoint_id]


def test_base_url_output(deployed):
    for env in ENVIRONMENTS:
        assert deployed.output(env, "OpenaiBaseUrl") == f"https://bedrock-mantle.{REGIONS[env]}.api.aws/v1"


def test_projects_exist_with_id_arn_and_tags_as_the_outputs_say(deployed):
    names = {"dev": ["batch-eval", "chat"], "staging": ["chat"], "prod": ["chat"]}
    for env in ENVIRONMENTS:
        projects = moto_mantle.projects(ACCOUNT, REGIONS[env])
        assert sorted(p.name for p in projects) == names[env]
        for project in projects:
            cid = "".join(part.capitalize() for part in project.name.split("-"))
            assert deployed.output(env, f"Project{cid}Id") == project.id
            assert facts.PROJECT_ID_RE.match(project.id) and project.id.startswith("proj_")
            arn = deployed.output(env, f"Project{cid}Arn")
            match = facts.PROJECT_ARN_RE.match(arn)
            assert match and (match["region"], match["account"], match["id"]) == (REGIONS[env], ACCOUNT, project.id)
            assert project.tags["mantlekit:environment"] == env
            assert project.tags["mantlekit:cost-center"].startswith("cc-1")


# --- the network, read back ---------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_endpoint_read_back(deployed, env):
    ec2 = boto3.client("ec2", region_name=REGIONS[env])
    endpoint_id = deployed.output(env, "VpcEndpointId", "network")
    (endpoint,) = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"]
    assert endpoint["ServiceName"] == f"com.amazonaws.{REGIONS[env]}.bedrock-mantle"
    assert (endpoint["VpcEndpointType"], endpoint["PrivateDnsEnabled"]) == ("Interface", True)
    assert endpoint["VpcId"] == deployed.output(env, "VpcId", "network")
    if env == "staging":
        assert endpoint["SubnetIds"] == deployed.imported_subnets
    else:
        azs = {s["AvailabilityZone"] for s in ec2.describe_subnets(SubnetIds=endpoint["SubnetIds"])["Subnets"]}
        assert len(azs) == len(endpoint["SubnetIds"]) == {"dev": 2, "prod": 3}[env]
    (group,) = ec2.describe_security_groups(GroupIds=[g["GroupId"] for g in endpoint["Groups"]])["SecurityGroups"]
    assert [
        (p["IpProtocol"], p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]])
        for p in group["IpPermissions"]
    ] == [("tcp", 443, 443, [CIDRS[env]])]
    # moto hands the endpoint policy back as the repr of a Python dict, not JSON.
    policy = ast.literal_eval(endpoint["PolicyDocument"])
    network = stack_names(env)[0]
    (expected,) = (
        r["Properties"]["PolicyDocument"]
        for r in deployed.templates[network]["Resources"].values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    )
    assert policy == expected
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}


# --- IAM, read back --------------------------------------------------------------------------------------------


def _role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def test_roles_read_back_trust_inline_policy_and_guardrails(deployed):
    iam = boto3.client("iam")
    role_arn = deployed.output("dev", "RoleChatAppArn")
    role = iam.get_role(RoleName=_role_name(role_arn))["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
    ]
    (policy_name,) = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=policy_name)["PolicyDocument"]
    chat = deployed.output("dev", "ProjectChatArn")
    assert {s["Resource"] for s in document["Statement"]} == {chat}
    (attached,) = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert attached["PolicyArn"] == deployed.output("dev", "KeyGuardrailsPolicyArn")

    runner = iam.get_role(RoleName=_role_name(deployed.output("dev", "RoleEvalRunnerArn")))["Role"]
    assert runner["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}

    staging = iam.get_role(RoleName=_role_name(deployed.output("staging", "RoleChatAppArn")))["Role"]
    (name,) = iam.list_role_policies(RoleName=staging["RoleName"])["PolicyNames"]
    statements = iam.get_role_policy(RoleName=staging["RoleName"], PolicyName=name)["PolicyDocument"]["Statement"]
    endpoint_id = deployed.output("staging", "VpcEndpointId", "network")
    assert {s["Condition"]["StringEquals"]["aws:SourceVpce"] for s in statements} == {endpoint_id}


def test_guardrails_policy_is_attached_to_every_role_and_user_of_the_mantle_stack(deployed):
    iam = boto3.client("iam")
    for env in ENVIRONMENTS:
        arn = deployed.output(env, "KeyGuardrailsPolicyArn")
        entities = iam.list_entities_for_policy(PolicyArn=arn)
        mantle = stack_names(env)[1]
        template = deployed.templates[mantle]["Resources"]
        assert len(entities["PolicyRoles"]) == sum(r["Type"] == "AWS::IAM::Role" for r in template.values())
        assert len(entities["PolicyUsers"]) == sum(r["Type"] == "AWS::IAM::User" for r in template.values())
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        assert {s["Effect"] for s in document["Statement"]} == {"Deny"}


# --- mantle-lint's evaluation of what moto holds -------------------------------------------------------------


def _no_bedrock_keys(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
    """moto does not implement ListServiceSpecificCredentials; no key was issued here, so the answer is none."""
    from botocore.awsrequest import AWSResponse

    assert params["body"]["ServiceName"] == facts.API_KEY_SERVICE_NAME
    return AWSResponse("https://iam.amazonaws.com/", 200, {}, None), {
        "ServiceSpecificCredentials": [],
        "IsTruncated": False,
    }


def read_with_mantle_lint() -> Inventory:
    """What ``mantle-lint --live`` reads from the (moto) account: its live reader, on a session whose only
    non-moto answer is the empty list of Bedrock API keys."""
    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-call.iam.ListServiceSpecificCredentials", _no_bedrock_keys)
    inventory = live.audit(session=session)
    assert inventory.errors == []
    return inventory


def principals_via_mantle_lint() -> dict[str, Principal]:
    return {p.arn: p for p in read_with_mantle_lint().principals if p.arn}


def principals_via_engine() -> dict[str, Principal]:
    """The same principals built by hand: inline and attached policies read back, parsed by the engine."""
    iam = boto3.client("iam")
    out = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        docs = [
            iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
        ]
        attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        out[role["Arn"]] = _principal(role["Arn"], "role", docs + [_managed(iam, a) for a in attached])
    for user in iam.list_users()["Users"]:
        name = user["UserName"]
        docs = [
            iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_user_policies(UserName=name)["PolicyNames"]
        ]
        attached = [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]]
        out[user["Arn"]] = _principal(user["Arn"], "user", docs + [_managed(iam, a) for a in attached])
    return out


def _managed(iam: Any, arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]


def _principal(arn: str, kind: str, documents: list[dict[str, Any]]) -> Principal:
    policies = [load_policy(json.dumps(d), f"<moto {arn}>", IDENTITY) for d in documents]
    return Principal(name=arn, kind=kind, policies=PolicySet(identity=policies), account=ACCOUNT, arn=arn)


@pytest.fixture(params=["mantle-lint-live-reader", "engine"])
def principals(deployed, request):
    """Each verdict test runs on both: the principals mantle-lint's live reader builds, and a by-hand rebuild
    from the policies read back (so a reader bug and an engine bug cannot hide each other)."""
    return principals_via_mantle_lint() if request.param == "mantle-lint-live-reader" else principals_via_engine()


def verdict(principal: Principal, action: str, resource: str = "*", context: dict[str, str] | None = None) -> Verdict:
    """The decision on one fully described request (a closed context: keys not given are absent)."""
    values = {"aws:PrincipalArn": principal.arn, "aws:PrincipalAccount": ACCOUNT, **(context or {})}
    return decide(principal.policies, Request(action, resource, Context(values, closed=True))).verdict


INFERENCE = "bedrock-mantle:CreateInference"
BEARER = facts.CALL_WITH_BEARER_TOKEN
MODEL = "bedrock-mantle:Model"
TOKEN = facts.BEARER_TOKEN_TYPE_KEY


def test_inference_role_may_call_models_in_its_project_and_nothing_in_another(deployed, principals):
    role = principals[deployed.output("dev", "RoleChatAppArn")]
    chat, batch = deployed.output("dev", "ProjectChatArn"), deployed.output("dev", "ProjectBatchEvalArn")
    prod_chat = deployed.output("prod", "ProjectChatArn")
    model = {MODEL: "openai.gpt-oss-120b"}
    assert verdict(role, INFERENCE, chat, model) is Verdict.ALLOWED
    assert verdict(role, INFERENCE, chat, {MODEL: "other.model"}) is Verdict.IMPLICIT_DENY
    assert verdict(role, "bedrock-mantle:ListModels", chat) is Verdict.ALLOWED
    for other in (batch, prod_chat):
        assert verdict(role, INFERENCE, other, model) is Verdict.IMPLICIT_DENY
        assert verdict(role, "bedrock-mantle:ListModels", other) is Verdict.IMPLICIT_DENY
    for action in sorted(facts.MANAGEMENT_ACTIONS):
        assert verdict(role, action, chat) is Verdict.IMPLICIT_DENY, action
    assert verdict(role, BEARER, context={TOKEN: "SHORT_TERM"}) is Verdict.IMPLICIT_DENY


def test_role_on_two_projects_and_key_user_on_one(deployed, principals):
    runner = principals[deployed.output("dev", "RoleEvalRunnerArn")]
    chat, batch = deployed.output("dev", "ProjectChatArn"), deployed.output("dev", "ProjectBatchEvalArn")
    assert verdict(runner, INFERENCE, chat) is Verdict.ALLOWED
    assert verdict(runner, INFERENCE, batch) is Verdict.ALLOWED
    user_name = deployed.output("dev", "KeyUserCiBotName")
    user = principals[f"arn:aws:iam::{ACCOUNT}:user/{user_name}"]
    assert verdict(user, INFERENCE, batch) is Verdict.ALLOWED
    assert verdict(user, INFERENCE, chat) is Verdict.IMPLICIT_DENY
    assert verdict(user, BEARER, context={TOKEN: "LONG_TERM"}) is Verdict.ALLOWED
    assert verdict(user, BEARER, context={TOKEN: "SHORT_TERM"}) is Verdict.IMPLICIT_DENY


def test_endpoint_only_role_and_guardrails_in_staging_and_prod(deployed, principals):
    staging = principals[deployed.output("staging", "RoleChatAppArn")]
    project = deployed.output("staging", "ProjectChatArn")
    endpoint = deployed.output("staging", "VpcEndpointId", "network")
    request = {MODEL: "openai.gpt-oss-120b", "aws:SourceVpce": endpoint}
    assert verdict(staging, INFERENCE, project, request) is Verdict.ALLOWED
    elsewhere = {**request, "aws:SourceVpce": "vpce-0123456789abcdef0"}
    assert verdict(staging, INFERENCE, project, elsewhere) is Verdict.IMPLICIT_DENY
    assert verdict(staging, BEARER, context={TOKEN: "SHORT_TERM", "aws:SourceVpce": endpoint}) is Verdict.ALLOWED
    # The staging guardrails deny long-term keys outright.
    assert verdict(staging, BEARER, context={TOKEN: "LONG_TERM", "aws:SourceVpce": endpoint}) is Verdict.EXPLICIT_DENY
    prod = principals[deployed.output("prod", "RoleChatAppArn")]
    assert verdict(prod, BEARER, context={TOKEN: "SHORT_TERM"}) is Verdict.EXPLICIT_DENY
    key_request = {facts.API_KEY_SERVICE_NAME_KEY: facts.API_KEY_SERVICE_NAME, facts.API_KEY_AGE_DAYS_KEY: "30"}
    assert verdict(prod, facts.CREATE_API_KEY_ACTION, "*", key_request) is Verdict.EXPLICIT_DENY


def test_mantle_lint_rules_find_no_errors_in_the_moto_account(deployed):
    result = lint_inventory(read_with_mantle_lint(), Config())
    assert result.errors == []
    assert [f for f in result.findings if f.severity == "error"] == []


# --- the moto model's update and delete ----------------------------------------------------------------------


def _project_template(name: str, tags: dict[str, str]) -> str:
    project = {"Type": moto_mantle.RESOURCE_TYPE}
    resources = {
        "Archived": {
            **project,
            "Properties": {"Name": name, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]},
        },
        "Kept": {**project, "DeletionPolicy": "Retain", "Properties": {"Name": "kept"}},
    }
    outputs = {"Id": {"Value": {"Fn::GetAtt": ["Archived", "Id"]}}, "Ref": {"Value": {"Ref": "Archived"}}}
    return json.dumps({"Resources": resources, "Outputs": outputs})


def test_project_model_updates_in_place_and_archives_on_delete(deployed):
    cloudformation = boto3.client("cloudformation", region_name="eu-west-2")
    cloudformation.create_stack(StackName="projects", TemplateBody=_project_template("before", {"a": "1"}))
    first = {
        o["OutputKey"]: o["OutputValue"]
        for o in cloudformation.describe_stacks(StackName="projects")["Stacks"][0]["Outputs"]
    }
    assert first["Ref"] == facts.project_arn("eu-west-2", ACCOUNT, first["Id"])
    cloudformation.update_stack(StackName="projects", TemplateBody=_project_template("after", {"b": "2"}))
    (updated,) = [p for p in moto_mantle.projects(ACCOUNT, "eu-west-2") if p.id == first["Id"]]
    assert (updated.name, updated.tags) == ("after", {"b": "2"})
    cloudformation.delete_stack(StackName="projects")
    assert [p.name for p in moto_mantle.projects(ACCOUNT, "eu-west-2")] == ["kept"]
    assert [p.id for p in moto_mantle.projects(ACCOUNT, "eu-west-2", status="archived")] == [first["Id"]]
