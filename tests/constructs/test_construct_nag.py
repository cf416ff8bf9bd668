"""Every construct in one stack passes cdk-nag AwsSolutions and mantle-lint at synth.

Zero findings may remain unacknowledged, and every acknowledgement must be one the constructs make
themselves, for a specific finding, with a written reason. The expected list below is the full set; a new
acknowledgement has to be added here on purpose.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks
from construct_helpers import ACCOUNT, REGION, acknowledgements

from mantlekit.constructs import (
    MantleApiKeyUser,
    MantleEndpoint,
    MantleInferenceRole,
    MantleKeyGuardrails,
    MantleLintPlugin,
    MantleProject,
    TokenType,
)
from mantlekit.constructs.validation import PLUGIN_NAME


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "MantleAll", env=cdk.Environment(account=ACCOUNT, region=REGION))
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, ip_addresses=ec2.IpAddresses.cidr("10.30.0.0/16"))
    vpc.add_flow_log("FlowLog")  # the VPC is the test's, not a construct's: fix AwsSolutions-VPC7 here

    project = MantleProject(stack, "Search", name="search", cost_center="cc-1")
    default = MantleProject.default_project(stack, "Default")
    endpoint = MantleEndpoint(stack, "Endpoint", vpc=vpc, projects=[project, default])
    role = MantleInferenceRole(
        stack,
        "Inference",
        assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        projects=[project],
        models=["openai.gpt-oss-120b"],
        vpc_endpoint=endpoint,
        short_term_bearer_tokens=True,
    )
    project.grant_files(role)
    key_user = MantleApiKeyUser(stack, "KeyUser", projects=[project], issue_key=True, credential_age_days=30)
    key_user.grant_read_key(role)
    guardrails = MantleKeyGuardrails(
        stack,
        "Guardrails",
        deny_bearer_tokens=TokenType.LONG_TERM,
        max_credential_age_days=90,
        vpc_endpoints=[endpoint],
        scp_target_ids=["ou-ab12-abcdefgh"],
        permissions_boundary=True,
    )
    MantleInferenceRole(
        stack,
        "Bounded",
        assumed_by=iam.AccountRootPrincipal(),
        projects=[default],
        permissions_boundary=guardrails.boundary,
    )

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), MantleLintPlugin(fail_on="warning"))
    try:
        app.synth()
    except RuntimeError as err:
        report = (outdir / "validation-report.json").read_text() if (outdir / "validation-report.json").exists() else ""
        pytest.fail(f"synth with cdk-nag and mantle-lint failed: {err}\n{report}")
    return app, stack, outdir


def test_synth_passes_cdk_nag_and_mantle_lint(synthesized):
    _, _, outdir = synthesized
    report = json.loads((outdir / "validation-report.json").read_text())
    # A plugin appears in the report only when it has something to say (here: cdk-nag's suppressions).
    for plugin in report["pluginReports"]:
        assert plugin["conclusion"] == "success" and plugin["violations"] == [], plugin["pluginName"]
    # mantle-lint has nothing to say: the boundary's Allow * is a permissions boundary's normal shape, which
    # IAM008 no longer reports (the construct's IAM008 acknowledgement has nothing left to suppress).
    assert [p for p in report["pluginReports"] if p["pluginName"] == PLUGIN_NAME] == []


def test_each_acknowledgement_suppresses_a_real_finding(synthesized):
    _, _, outdir = synthesized
    template = json.loads((outdir / "MantleAll.template.json").read_text())
    (handler,) = [
        k for k, v in template["Resources"].items() if k.startswith("KeyUserHandler") and "Code" in v["Properties"]
    ]
    report = json.loads((outdir / "validation-report.json").read_text())
    (nag,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    suppressed = {
        (v["ruleName"], c["constructPath"], v["acknowledgedAt"])
        for v in nag["suppressedViolations"]
        for c in v["violatingConstructs"]
    }
    assert suppressed == {
        (
            "AwsSolutions-IAM5[Resource::*]",
            "MantleAll/Inference/MantlePolicy/Resource",
            "MantleAll/Inference/MantlePolicy",
        ),
        ("AwsSolutions-IAM5[Resource::*]", "MantleAll/KeyUser/KeyPolicy/Resource", "MantleAll/KeyUser/KeyPolicy"),
        ("AwsSolutions-SMG4", "MantleAll/KeyUser/Secret/Resource", "MantleAll/KeyUser/Secret"),
        (
            f"AwsSolutions-IAM5[Resource::<{handler}.Arn>:*]",
            "MantleAll/KeyUser/ProviderRole/DefaultPolicy/Resource",
            "MantleAll/KeyUser/ProviderRole",
        ),
        ("AwsSolutions-IAM5[Action::*]", "MantleAll/Guardrails/Boundary/Resource", "MantleAll/Guardrails/Boundary"),
        ("AwsSolutions-IAM5[Resource::*]", "MantleAll/Guardrails/Boundary/Resource", "MantleAll/Guardrails/Boundary"),
    }


def test_every_construct_is_in_the_template(synthesized):
    _, _, outdir = synthesized
    template = json.loads((outdir / "MantleAll.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {
        "AWS::BedrockMantle::Project",
        "AWS::EC2::VPCEndpoint",
        "AWS::IAM::Role",
        "AWS::IAM::User",
        "AWS::SecretsManager::Secret",
        "Custom::MantleApiKey",
        "AWS::Organizations::Policy",
        "AWS::IAM::ManagedPolicy",
    } <= types
    assert isinstance(Template.from_json(template), Template)


def test_the_only_acknowledgements_are_the_constructs_own_specific_ones(synthesized):
    _, stack, outdir = synthesized
    template = json.loads((outdir / "MantleAll.template.json").read_text())
    (handler,) = [
        k
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::Lambda::Function" and k.startswith("KeyUserHandler")
    ]
    acks = acknowledgements(stack)
    assert {path: sorted(ids) for path, ids in acks.items()} == {
        "MantleAll/Inference/MantlePolicy": ["AwsSolutions::AwsSolutions-IAM5[Resource::*]"],
        "MantleAll/KeyUser/KeyPolicy": ["AwsSolutions::AwsSolutions-IAM5[Resource::*]"],
        "MantleAll/KeyUser/Secret": ["AwsSolutions::AwsSolutions-SMG4"],
        "MantleAll/KeyUser/ProviderRole": [f"AwsSolutions::AwsSolutions-IAM5[Resource::<{handler}.Arn>:*]"],
        "MantleAll/Guardrails/Boundary": [
            "AwsSolutions::AwsSolutions-IAM5[Action::*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        ],
    }
    for ids in acks.values():
        for rule, reason in ids.items():
            assert len(reason.split()) >= 12, (rule, reason)
            if "IAM5" in rule:
                assert rule.endswith("]"), f"{rule} must name the one finding it acknowledges"
    assert acknowledgements(stack, prefix=f"{PLUGIN_NAME}::") == {
        "MantleAll/Guardrails/Boundary": {
            f"{PLUGIN_NAME}::IAM008": acks["MantleAll/Guardrails/Boundary"][
                "AwsSolutions::AwsSolutions-IAM5[Action::*]"
            ]
        }
    }


def test_no_key_material_in_the_cloud_assembly(synthesized):
    _, _, outdir = synthesized
    text = (outdir / "MantleAll.template.json").read_text()
    template = json.loads(text)
    assert "Outputs" not in template or not any("Key" in k for k in template["Outputs"])
    handler_code = [
        v["Properties"]["Code"].get("ZipFile", "")
        for v in template["Resources"].values()
        if v["Type"] == "AWS::Lambda::Function"
    ]
    # The only place the response field is named is the handler that moves it into the secret.
    assert text.count("ServiceApiKeyValue") == sum(code.count("ServiceApiKeyValue") for code in handler_code) == 1
