"""Workloads that call Mantle (Lambda, ECS, App Runner, Batch, AgentCore, EC2): their roles need list-models and
inference, and findings on those roles point at the variable that shows it."""

from __future__ import annotations

import textwrap

import pytest
from reader_helpers import FIXTURES

from mantlekit.lint.config import Config
from mantlekit.lint.readers import read_paths
from mantlekit.lint.runner import lint_inventory

WORKLOADS = FIXTURES / "workloads"
BUG = WORKLOADS / "ecs-bedrock-actions.yaml"
CLEAN = WORKLOADS / "ecs-mantle-actions.yaml"
MANY = WORKLOADS / "many.yaml"
ASSEMBLY = FIXTURES / "cdk-regions"
ACCOUNT = "123456789012"
NOTE = "declare it in a [[tool.mantle-lint.principal]] table to make this exact or to silence it"
BUG_WHY = "ECS task definition ChatTask's environment variable OPENAI_BASE_URL names the Mantle endpoint"


def arn(pid: str, region: str = "us-east-1", account: str = ACCOUNT) -> str:
    return f"arn:aws:bedrock-mantle:{region}:{account}:project/{pid}"


def lint(*paths, select=("MNT",)):
    return lint_inventory(read_paths([str(p) for p in paths]), Config(select=select))


def by_name(inv):
    return {p.name: p for p in inv.principals}


def test_ecs_task_role_with_only_bedrock_actions_cannot_use_mantle():
    """The shipped bug: bedrock:InvokeModel does not authorize any Mantle route."""
    result = lint(BUG)
    assert result.errors == []
    got = [(f.rule, f.severity, f.file, f.line, f.column, f.principal, f.message) for f in result.findings]
    assert got == [
        (
            "MNT002",
            "warning",
            str(BUG),
            56,
            15,
            "ChatTaskRole",
            "ChatTaskRole cannot list models on project default (GET /v1/models → bedrock-mantle:ListModels): "
            "no statement in the identity-based policies allows it, so GET /v1/models answers HTTP 404 "
            f"[principal inferred: {BUG_WHY}; {NOTE}]",
        ),
        (
            "MNT003",
            "warning",
            str(BUG),
            56,
            15,
            "ChatTaskRole",
            "ChatTaskRole cannot run inference on project default (POST /v1/responses → "
            "bedrock-mantle:CreateInference): no statement in the identity-based policies allows it "
            f"[principal inferred: {BUG_WHY}; {NOTE}]",
        ),
    ]
    details = result.findings[1].details
    assert details["label"] == "ChatTaskRole"
    assert details["inferred"] == BUG_WHY
    assert details["project"] == arn("default")
    assert details["suggested_statement"] == {
        "Effect": "Allow",
        "Action": "bedrock-mantle:CreateInference",
        "Resource": arn("default"),
    }


def test_the_execution_role_pulls_images_and_is_not_a_workload_role():
    roles = by_name(read_paths([str(BUG)]))
    assert (roles["ChatTaskRole"].needs, roles["ChatTaskRole"].projects) == (
        ("list-models", "inference"),
        (arn("default"),),
    )
    assert roles["ChatExecutionRole"].needs == () and roles["ChatExecutionRole"].inferred is None
    assert (roles["ChatExecutionRole"].line, roles["ChatTaskRole"].label) == (28, "ChatTaskRole")


def test_ecs_task_role_with_mantle_actions_on_its_project_is_clean():
    inv = read_paths([str(CLEAN)])
    role = by_name(inv)["ChatTaskRole"]
    assert (role.needs, role.projects, role.line) == (("list-models", "inference"), (arn("proj_cfnchatproject"),), 44)
    assert lint(CLEAN).findings == []


def test_every_kind_of_workload():
    inv = read_paths([str(MANY)])
    assert inv.errors == []
    got = {p.name: (p.needs, p.projects, p.line, p.inferred) for p in inv.principals}
    assert got == {
        # Fn::Join URL (no project: the default one) and the AgentCore runtime's project id share a role.
        "AgentRole": (
            ("list-models", "inference"),
            (arn("default"), arn("proj_cfnproject")),
            45,
            "Lambda function ChatFn's environment variable OPENAI_BASE_URL names the Mantle endpoint; "
            "the role also runs AgentCore runtime Agent",
        ),
        "WebRole": (
            ("list-models", "inference"),
            (arn("proj_cfnproject"),),
            85,
            "App Runner service Web's environment variable OPENAI_BASE_URL names the Mantle endpoint",
        ),
        # A project ARN alone is enough; its region is the ARN's.
        "JobRole": (
            ("list-models", "inference"),
            (arn("proj_batch1", "eu-west-1"),),
            119,
            "Batch job definition Job's environment variable PROJECT_ARN names Mantle project proj_batch1",
        ),
        # User data of a launch template and of an instance, both through the instance profile.
        "WorkerRole": (
            ("list-models", "inference"),
            (arn("proj_worker7"), arn("default")),
            144,
            "EC2 launch template WorkerTemplate's user data names the Mantle endpoint; "
            "the role also runs EC2 instance Box",
        ),
        # bedrock-runtime URL, an OpenAI project id next to an OpenAI base URL, an unresolvable project: no.
        "RuntimeRole": ((), (), 159, None),
    }


def test_findings_on_every_kind_of_workload_are_warnings_at_the_variable():
    got = [(f.rule, f.severity, f.line, f.principal, f.details.get("project")) for f in lint(MANY).findings]
    assert got == [
        ("MNT003", "warning", 45, "AgentRole", arn("default")),
        ("MNT003", "warning", 45, "AgentRole", arn("proj_cfnproject")),
        # JobRole has bedrock-mantle:* on the project: it can do its job. Its other needs are unknown (only
        # what the workload calls is inferred), so MNT008 does not call the rest too much power.
        ("MNT002", "warning", 144, "WorkerRole", arn("default")),
        ("MNT002", "warning", 144, "WorkerRole", arn("proj_worker7")),
        ("MNT003", "warning", 144, "WorkerRole", arn("default")),
        ("MNT003", "warning", 144, "WorkerRole", arn("proj_worker7")),
    ]


def test_cloud_assembly_workload_role_keeps_its_construct_path_and_pinned_region():
    inv = read_paths([str(ASSEMBLY)])
    roles = [p for p in inv.principals if p.inferred]
    got = [(p.label, p.construct_path, p.projects, p.file.rsplit("/", 1)[-1], p.line) for p in roles]
    assert got == [
        (
            "ChatFnServiceRole6A1D2B10",
            f"{stack}/ChatFn/ServiceRole/Resource",
            (arn("proj_cfnprojectc3a8a2e5", region, account),),
            f"{stack}.template.json",
            72,
        )
        for stack, region, account in (
            ("ChatFrankfurt", "eu-central-1", "111122223333"),
            ("ChatVirginia", "us-east-1", "111122223333"),
            ("ChatAnywhere", "us-east-1", ACCOUNT),
        )
    ]
    assert [f.rule for f in lint(ASSEMBLY, select=("MNT002", "MNT003")).findings] == []


def _template(tmp_path, body: str):
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(body))
    return path


NEEDS = ("list-models", "inference")
MANTLE_URL = "OPENAI_BASE_URL: https://bedrock-mantle.us-east-1.api.aws/v1"


def _role(name: str, extra: str = "") -> str:
    return f"""\
  {name}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]
{extra}"""


def _fn(name: str, env: str, role: str, typ: str = "AWS::Lambda::Function") -> str:
    return f"""\
  {name}:
    Type: {typ}
    Properties:
      Role: !GetAtt {role}.Arn
      Runtime: python3.13
      Handler: index.handler
      Environment:
        Variables:
{textwrap.indent(textwrap.dedent(env), " " * 10)}
"""


def _pair(env: str, head: str = "") -> str:
    """A role whose function has ``env``, and a control role whose function names the Mantle endpoint."""
    return (
        head
        + "Resources:\n"
        + _role("Role")
        + _fn("Fn", env, "Role")
        + _role("Control")
        + _fn("ControlFn", MANTLE_URL, "Control")
    )


def test_a_short_term_key_role_is_not_weakened(tmp_path):
    tag = "      Tags: [{Key: mantlekit:api-key, Value: short-term}]\n"
    path = _template(tmp_path, _pair(MANTLE_URL).replace(_role("Role"), _role("Role", tag)))
    got = {p.name: (p.kind, p.needs, p.inferred is None, p.line) for p in read_paths([str(path)]).principals}
    assert got == {"Role": ("short-term-key", (), True, 2), "Control": ("role", NEEDS, False, 32)}
    assert {(f.principal, f.severity) for f in lint(path).findings} == {("Role", "error"), ("Control", "warning")}


@pytest.mark.parametrize(
    ("env", "needs"),
    [
        # An undecided Fn::If whose branches differ is no evidence.
        (
            "OPENAI_BASE_URL: !If [Mantle, https://bedrock-mantle.us-east-1.api.aws/v1, https://api.openai.com/v1]",
            (),
        ),
        ("OPENAI_BASE_URL: https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1", ()),
        ("MODE: default", ()),
        ("OPENAI_PROJECT: default", ()),
        ("OPENAI_PROJECT: proj_Abc123", ()),  # not a Mantle id (upper case): an OpenAI one
        ("NOTE: proj_abc123", ()),  # not named like a project
        ("OPENAI_PROJECT: proj_abc123", NEEDS),
        ("ANTHROPIC_BASE_URL: https://bedrock-mantle.eu-west-1.api.aws/anthropic", NEEDS),
        ("HOST: vpce-0a1b-c2d3.bedrock-mantle.us-east-1.vpce.amazonaws.com", NEEDS),
    ],
)
def test_what_counts_as_mantle(tmp_path, env, needs):
    head = "Conditions:\n  Mantle: !Equals [!Ref AWS::AccountId, '1']\n"
    got = {p.name: p.needs for p in read_paths([str(_template(tmp_path, _pair(env, head)))]).principals}
    assert got == {"Role": needs, "Control": NEEDS}


def test_untransformed_sam_function(tmp_path):
    body = "Transform: AWS::Serverless-2016-10-31\nResources:\n" + _role("Role")
    body += _fn("Fn", MANTLE_URL, "Role", typ="AWS::Serverless::Function")
    (p,) = read_paths([str(_template(tmp_path, body))]).principals
    assert p.inferred == "Serverless function Fn's environment variable OPENAI_BASE_URL names the Mantle endpoint"


@pytest.mark.parametrize(
    ("resource", "project"),
    [
        # The policy spells the URL's region: that is where the project is.
        ("arn:aws:bedrock-mantle:eu-west-1:123456789012:project/*", arn("default", "eu-west-1")),
        # The policy says ${AWS::Region}: the stack's region, which the URL names too.
        (
            "!Sub arn:aws:bedrock-mantle:${AWS::Region}:${AWS::AccountId}:project/*",
            arn("default", "us-east-1"),
        ),
    ],
)
def test_a_spelled_endpoint_region_in_a_plain_template(tmp_path, resource, project):
    policies = textwrap.indent(
        textwrap.dedent(f"""\
        Policies:
          - PolicyName: mantle
            PolicyDocument:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Action: [bedrock-mantle:ListModels, bedrock-mantle:CreateInference]
                  Resource: {resource}
        """),
        " " * 6,
    )
    env = "OPENAI_BASE_URL: https://bedrock-mantle.eu-west-1.api.aws/v1"
    path = _template(tmp_path, "Resources:\n" + _role("Role", policies) + _fn("Fn", env, "Role"))
    (p,) = read_paths([str(path)]).principals
    assert (p.needs, p.projects) == (NEEDS, (project,))
    assert lint(path).findings == []
