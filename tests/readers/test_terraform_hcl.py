"""Terraform configurations (*.tf): resolution, positions, and a broken file."""

from __future__ import annotations

import subprocess
import sys

import pytest
from reader_helpers import FIXTURES, ROOT

from mantlekit.lint.config import Config
from mantlekit.lint.readers import read_paths
from mantlekit.lint.runner import lint_paths

pytest.importorskip("hcl2")
HCL = FIXTURES / "terraform" / "hcl"
BAD = FIXTURES / "terraform" / "hcl-bad"


def test_hcl_findings_point_at_statements_and_resources():
    result = lint_paths([str(HCL)], Config())
    assert result.errors == []
    found = [(f.rule, f.file.rsplit("/", 1)[-1], f.line, f.details.get("label")) for f in result.findings]
    assert found == [
        ("MNT001", "main.tf", 14, "aws_iam_user.ci"),
        ("MNT002", "main.tf", 14, "aws_iam_user.ci"),
        ("MNT003", "main.tf", 14, "aws_iam_user.ci"),
        ("MNT010", "main.tf", 14, "aws_iam_user.ci"),
        ("MNT006", "main.tf", 72, "aws_iam_policy.mantle"),  # the second statement block of the data source
        ("MNT004", "main.tf", 90, "aws_organizations_policy.no_keys"),  # the statement inside jsonencode
    ]


def test_hcl_principals_for_each_count_variables_locals_and_references():
    inv = read_paths([str(HCL)])
    got = {p.label: (p.name, p.kind, [d.name for d in p.policies.identity]) for p in inv.principals}
    assert got == {
        "aws_iam_user.ci": ("ci-build", "long-term-key", ["bedrock-v1"]),  # var default, heredoc policy in keys.tf
        'aws_iam_user.keys["app"]': ("app", "long-term-key", ["aws-managed:AmazonBedrockLimitedAccess (v9)"]),
        'aws_iam_user.keys["web"]': ("web", "long-term-key", ["aws-managed:AmazonBedrockLimitedAccess (v9)"]),
        "aws_iam_role.worker[0]": ("worker-0", "role", ["mantle"]),  # policy_arn = aws_iam_policy.mantle.arn
    }
    p = {x.name: x for x in inv.principals}
    assert p["app"].credentials[0]["CredentialAgeDays"] == 30
    assert p["ci-build"].tags == {"team": "build"}
    assert sorted(inv.files) == [str(HCL / "keys.tf"), str(HCL / "main.tf")]
    docs = {d.source.label: d for d in inv.documents}
    mantle = docs["aws_iam_policy.mantle"]
    # data.aws_caller_identity gives the pseudo account, as AWS::AccountId does in a template
    assert mantle.statements[0].resources == ("arn:aws:bedrock-mantle:eu-west-1:123456789012:project/default",)
    trust = docs["aws_iam_role.worker[0]"]
    assert trust.raw["Statement"][0]["Principal"] == {"Service": ["lambda.amazonaws.com"]}


def test_unresolved_references_become_markers(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "u"\n  tags = { "mantlekit:api-key" = "long-term" }\n}\n'
        'resource "aws_iam_user_policy" "p" {\n  user = aws_iam_user.u.name\n'
        '  policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{\n'
        '      Effect = "Allow", Action = "bedrock-mantle:*", Resource = module.shared.project_arn\n    }]\n  })\n}\n'
    )
    inv = read_paths([str(tmp_path)])
    (u,) = inv.principals
    assert u.kind == "long-term-key"
    assert inv.documents[0].statements[0].resources == ("${mantlekit:unresolved/HCL/module.shared.project_arn}",)


def test_broken_tf_is_an_input_error_and_the_rest_is_linted():
    out = subprocess.run(
        [sys.executable, "-m", "mantlekit.lint.cli", "--no-config", str(BAD)], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 2
    assert f"{BAD / 'broken.tf'}:2:10: error: not valid Terraform (HCL): Unexpected token" in out.stdout + out.stderr
    assert "0 findings in 1 file; 1 input error" in out.stdout


def test_tf_without_iam_is_skipped_quietly(tmp_path):
    (tmp_path / "s3.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (tmp_path / "notes.tf").write_text("just text\n")
    inv = read_paths([str(tmp_path)])
    assert (inv.files, inv.errors, inv.principals) == ([], [], [])


def test_lint_path_does_not_import_hcl2_without_tf_files():
    code = (
        "import sys; from mantlekit.lint.runner import lint_paths; from mantlekit.lint.config import Config;"
        f"lint_paths([{str(FIXTURES / 'terraform' / 'plan')!r}], Config());"
        "print('hcl2' in sys.modules, 'lark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_a_project_takes_the_region_of_the_awscc_provider_it_uses(tmp_path):
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\n'
        'provider "awscc" {\n  region = "eu-central-1"\n}\n\n'
        'provider "awscc" {\n  alias  = "virginia"\n  region = "us-east-1"\n}\n\n'
        'resource "awscc_bedrockmantle_project" "eu" {\n  name = "chat"\n}\n\n'
        'resource "awscc_bedrockmantle_project" "us" {\n  provider = awscc.virginia\n  name     = "chat-us"\n}\n'
    )
    inv = read_paths([str(tmp_path)])
    assert [(r.logical_id, r.region) for r in inv.resources] == [
        ("awscc_bedrockmantle_project.eu", "eu-central-1"),
        ("awscc_bedrockmantle_project.us", "us-east-1"),
    ]
    result = lint_paths([str(tmp_path)], Config(select=("MNT011",)))
    assert [(f.line, f.message.split(":")[0]) for f in result.findings] == [
        (14, "awscc_bedrockmantle_project.eu cannot be created in eu-central-1")
    ]
