"""Cloud assemblies (cdk.out): every stack template, construct paths, stages, missing templates.

One CDK app is synthesized per module (jsii starts one node process per pytest process).
"""

from __future__ import annotations

import pytest
from reader_helpers import FIXTURES

from mantlekit.iam.evaluate import Verdict
from mantlekit.lint.access import evaluate_principal
from mantlekit.lint.config import Config
from mantlekit.lint.readers import read_paths
from mantlekit.lint.runner import lint_inventory


@pytest.fixture(scope="module")
def assembly(tmp_path_factory):
    """A small app: a stack and a stage with a stack, each with a Mantle project, an inference role whose
    policy names the project, and a user tagged as a long-term key holder with no Mantle permission."""
    import aws_cdk as cdk
    from aws_cdk import aws_bedrockmantle as mantle
    from aws_cdk import aws_iam as iam

    out = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(out))
    stage = cdk.Stage(app, "Prod", env=cdk.Environment(account="444455556666", region="eu-west-1"))
    for scope, name in ((app, "Chat"), (stage, "Chat")):
        stack = cdk.Stack(scope, name)
        project = mantle.CfnProject(stack, "Project", name="chat")
        role = iam.Role(stack, "InferenceRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["bedrock-mantle:ListModels", "bedrock-mantle:CreateInference"],
                resources=[project.attr_arn],
            )
        )
        user = iam.User(stack, "KeyUser")
        cdk.Tags.of(user).add("mantlekit:api-key", "long-term")
        user.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    app.synth()
    return out


@pytest.fixture(scope="module")
def inv(assembly):
    return read_paths([str(assembly)])


def test_every_stack_of_the_assembly_and_its_stage_is_read(inv, assembly):
    assert inv.errors == []
    (stage_template,) = (assembly / "assembly-Prod").glob("*.template.json")
    files = sorted(type(assembly)(f).relative_to(assembly).as_posix() for f in inv.files)
    assert files == sorted(
        [
            "manifest.json",
            "Chat.template.json",
            "assembly-Prod/manifest.json",
            f"assembly-Prod/{stage_template.name}",
        ]
    )
    got = sorted((p.construct_path, p.kind, len(p.policies.identity)) for p in inv.principals)
    assert got == [
        ("Chat/InferenceRole/Resource", "role", 1),
        ("Chat/KeyUser/Resource", "long-term-key", 1),
        ("Prod/Chat/InferenceRole/Resource", "role", 1),
        ("Prod/Chat/KeyUser/Resource", "long-term-key", 1),
    ]
    # Documents: per stack the role's trust policy and the two DefaultPolicy resources.
    assert len(inv.documents) == 6
    labels = sorted(d.source.label.split(" ", 1)[1] for d in inv.documents)
    assert labels == [
        "(Chat/InferenceRole/DefaultPolicy/Resource)",
        "(Chat/InferenceRole/Resource)",
        "(Chat/KeyUser/DefaultPolicy/Resource)",
        "(Prod/Chat/InferenceRole/DefaultPolicy/Resource)",
        "(Prod/Chat/InferenceRole/Resource)",
        "(Prod/Chat/KeyUser/DefaultPolicy/Resource)",
    ]


def test_lines_point_into_the_synthesized_templates(inv):
    for p in inv.principals:
        text = open(p.file, encoding="utf-8").read().splitlines()
        assert text[p.line - 1].strip().startswith(f'"{p.label}"')


def test_the_stage_environment_pins_account_and_region(inv):
    roles = {p.construct_path: p for p in inv.principals if p.kind == "role"}
    prod = roles["Prod/Chat/InferenceRole/Resource"]
    assert prod.account == "444455556666"
    assert prod.projects == ("arn:aws:bedrock-mantle:eu-west-1:444455556666:project/proj_cfnproject",)
    unpinned = roles["Chat/InferenceRole/Resource"]
    assert unpinned.account is None
    assert unpinned.projects == ("arn:aws:bedrock-mantle:us-east-1:123456789012:project/proj_cfnproject",)
    for role in (prod, unpinned):
        assert evaluate_principal(role, ("inference",)).capability("inference", role.projects[0]).verdict is (
            Verdict.ALLOWED
        )


def test_findings_carry_the_construct_path_and_template_line(inv):
    result = lint_inventory(inv, Config())
    key_findings = [f for f in result.findings if f.details.get("construct_path") == "Chat/KeyUser/Resource"]
    assert {f.rule for f in key_findings} == {"MNT001", "MNT002", "MNT003"}
    assert all(f.file.endswith("Chat.template.json") and f.severity == "error" for f in key_findings)
    user = next(p for p in inv.principals if p.construct_path == "Chat/KeyUser/Resource")
    assert {f.line for f in key_findings} == {user.line}


def test_a_missing_template_is_named_and_the_rest_is_read():
    inv = read_paths([str(FIXTURES / "cdk-missing")])
    (err,) = inv.errors
    assert err.file.endswith("cdk-missing/manifest.json")
    assert (err.line, err.column) == (17, 25)
    assert err.message.startswith("template of stack Gone: Gone.template.json is missing")
    got = sorted((p.name, p.kind, p.construct_path, p.account, p.projects) for p in inv.principals)
    assert got == [
        ("ChatKeyUser3F2A1B7C", "long-term-key", "Present/ChatKey/User/Resource", None, ()),
        (
            "Reader5D1E2F3A",
            "role",
            "Beta/Mantle/Reader/Resource",  # from the manifest's logicalId metadata
            "444455556666",
            ("arn:aws:bedrock-mantle:eu-west-1:444455556666:project/default",),
        ),
    ]
    assert [d.statements[0].resources for d in inv.documents if d.name == "list"] == [
        ("arn:aws:bedrock-mantle:eu-west-1:444455556666:project/*",)
    ]
