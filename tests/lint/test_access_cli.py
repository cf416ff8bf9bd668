"""`mantle-lint access`: one decision (exit 0/1/2, text and JSON) and the capability matrix."""

import json
from pathlib import Path

import pytest

from mantlekit.lint.cli import main

ROOT = Path(__file__).resolve().parents[2]
V1 = str(ROOT / "tests" / "fixtures" / "AmazonBedrockLimitedAccess-v1.json")
LIMITED = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"
CTX = ["--context", "aws:RequestedRegion=us-east-1", "--context", "aws:PrincipalAccount=111122223333"]
DEFAULT = "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default"


def run(capsys, *args):
    code = main(["access", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_v1_cannot_list_models_on_the_default_project(capsys):
    code, out, _ = run(capsys, "--policy", V1, "--action", "bedrock-mantle:ListModels", *CTX, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["verdict"] == "implicit-deny"
    assert doc["resource"] == DEFAULT
    assert doc["deciding"] == []
    assert doc["missing_context"] == []
    assert doc["suggested_statement"] == {"Effect": "Allow", "Action": "bedrock-mantle:ListModels", "Resource": DEFAULT}


def test_managed_policy_by_arn_allows_bearer_token(capsys):
    args = ["--policy", LIMITED, "--action", "bedrock-mantle:CallWithBearerToken"]
    code, out, _ = run(capsys, *args, "--context", "bedrock-mantle:BearerTokenType=LONG_TERM", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["verdict"], doc["resource"]) == ("allowed", "*")  # no resource type: evaluated against "*"
    assert [(d["sid"], d["effect"]) for d in doc["deciding"]] == [("BedrockMantleAPIs", "Allow")]
    assert doc["deciding"][0]["file"] == "aws-managed:AmazonBedrockLimitedAccess (v9)"


def test_conditional_lists_missing_keys(tmp_path, capsys):
    p = tmp_path / "p.json"
    p.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "OnlyViaEndpoint",
                        "Effect": "Allow",
                        "Action": "bedrock-mantle:CreateInference",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
                    }
                ],
            }
        )
    )
    code, out, _ = run(capsys, "--policy", str(p), "--action", "bedrock-mantle:CreateInference", *CTX)
    assert code == 1
    assert out.splitlines()[0] == f"conditional: bedrock-mantle:CreateInference on {DEFAULT}"
    assert "  depends on: aws:SourceVpce" in out.splitlines()


def test_scp_without_allow_says_so_and_names_full_aws_access(tmp_path, capsys):
    scp = tmp_path / "scp.json"
    scp.write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}')
    code, out, _ = run(capsys, "--policy", LIMITED, "--scp", str(scp), "--action", "bedrock-mantle:ListModels", *CTX)
    assert code == 1
    assert out.startswith("implicit-deny:")
    assert "has no Allow statement" in out and "FullAWSAccess" in out


def test_several_scps_each_must_allow(tmp_path, capsys):
    allow_all = tmp_path / "root.json"
    allow_all.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
    )
    only_s3 = tmp_path / "ou.json"
    only_s3.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    )
    args = ["--policy", LIMITED, "--action", "bedrock-mantle:ListModels", *CTX]
    assert run(capsys, *args, "--scp", str(allow_all))[0] == 0
    code, out, _ = run(capsys, *args, "--scp", str(allow_all), "--scp", str(only_s3))
    assert code == 1 and f"no statement in the SCP {only_s3} allows" in out


def test_boundary_and_endpoint_policy(tmp_path, capsys):
    boundary = tmp_path / "b.json"
    boundary.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]}'
    )
    code, out, _ = run(
        capsys, "--policy", LIMITED, "--boundary", str(boundary), "--action", "bedrock-mantle:ListModels", *CTX
    )
    assert code == 1 and "permissions boundary" in out
    vpce = ROOT / "policies" / "mantle-endpoint-policy.json"
    args = ["--policy", LIMITED, "--endpoint-policy", str(vpce), "--action", "bedrock-mantle:ListModels", *CTX]
    assert run(capsys, *args)[0] == 0  # the endpoint policy allows principals of 111122223333
    other = ["--context", "aws:RequestedRegion=us-east-1", "--context", "aws:PrincipalAccount=444455556666"]
    assert (
        run(
            capsys,
            "--policy",
            LIMITED,
            "--endpoint-policy",
            str(vpce),
            "--action",
            "bedrock-mantle:ListModels",
            "--resource",
            DEFAULT,
            *other,
        )[0]
        == 1
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", LIMITED, "--action", "bedrock-mantle:ListModels"], "aws:RequestedRegion"),
        (["--policy", LIMITED, "--action", "ListModels"], "expected service:Action"),
        (["--policy", "/no/such.json", "--action", "s3:GetObject"], "cannot read"),
        (["--policy", "arn:aws:iam::aws:policy/NoSuchPolicy", "--action", "s3:GetObject"], "not an AWS managed policy"),
        (["--action", "s3:GetObject"], "--policy"),
        (["--policy", LIMITED, "--action", "s3:GetObject", "--context", "novalue"], "KEY=VALUE"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_broken_policy_file_names_file_and_line(tmp_path, capsys):
    p = tmp_path / "bad.json"
    p.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": }\n  ]\n}\n')
    code, _, err = run(capsys, "--policy", str(p), "--action", "s3:GetObject", "--resource", "*")
    assert code == 2
    assert f"{p}:4:" in err


def test_matrix_of_the_reference_principals(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["capabilities"] == [
        "list-models",
        "get-model",
        "inference",
        "responses-state",
        "count-tokens",
        "files",
        "fine-tuning",
        "projects-read",
        "projects-admin",
        "retention-read",
        "retention-admin",
    ]
    rows = {r["principal"]: r for r in doc["rows"]}
    assert set(rows) == {"inference-role", "reader", "project-admin", "ci-bot", "app-short-term"}
    assert rows["ci-bot"]["bearer_token"] == "allowed"
    assert rows["inference-role"]["bearer_token"] is None
    assert rows["inference-role"]["capabilities"]["inference"] == "allowed"
    assert rows["inference-role"]["capabilities"]["projects-admin"] == "implicit-deny"
    assert rows["reader"]["capabilities"]["inference"] == "implicit-deny"
    # The account-wide retention routes are authorized on "*": a grant on project ARNs never covers them.
    assert {r["capabilities"]["retention-read"] for r in rows.values()} == {"implicit-deny"}
    code, text, _ = run(capsys)
    assert text.splitlines()[0].split()[:4] == ["principal", "project", "key", "list-models"]
    assert text.splitlines()[0].split()[-2:] == ["retention-read", "retention-admin"]


def test_matrix_exits_1_when_a_needed_capability_is_not_allowed(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reader.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "bedrock-mantle:ListModels", "Resource": "*"}],
            }
        )
    )
    config = (
        '[[principal]]\nname = "app"\nkind = "role"\naccount = "111122223333"\nregion = "us-east-1"\n'
        'policies = ["reader.json"]\nneeds = ["{need}"]\n'
    )
    (tmp_path / "mantle-lint.toml").write_text(config.format(need="list-models"))
    assert run(capsys, "--config", "mantle-lint.toml")[0] == 0
    (tmp_path / "mantle-lint.toml").write_text(config.format(need="inference"))
    code, out, _ = run(capsys, "--config", "mantle-lint.toml")
    assert code == 1
    assert "✗!" in out  # the needed cell that fails, as the legend explains


def test_access_help_documents_the_exit_status(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert " ".join(out.split()).endswith(
        "Exit status: with --action, 0 allowed, 1 any other verdict; without it (the matrix), 1 when a capability "
        "a principal needs is not allowed (denied or conditional, marked !), else 0; 2 for bad input."
    )
