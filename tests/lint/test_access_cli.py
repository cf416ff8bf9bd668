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
        (["--policy", "/no/such.json", "--action", "s3:GetObject"], "--policy: policy file '/no/such.json' not found"),
        (
            ["--policy", "arn:aws:iam::aws:policy/NoSuchPolicy", "--action", "s3:GetObject"],
            "--policy: AWS managed policy arn:aws:iam::aws:policy/NoSuchPolicy is not bundled with mantle-lint",
        ),
        (
            ["--boundary", "arn:aws:iam::123456789012:policy/Mine", "--policy", LIMITED, "--action", "s3:GetObject"],
            "--boundary: arn:aws:iam::123456789012:policy/Mine cannot be resolved offline",
        ),
        (
            ["--policy", "AmazonBedrockLimitedAccess", "--action", "s3:GetObject"],
            "not found (for the AWS managed policy write arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess)",
        ),
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


def _write(path: Path, statements: list) -> str:
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2))
    return str(path)


KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET_OBJ = "arn:aws:s3:::amzn-s3-demo-bucket/a.txt"


def test_resource_policy_kms_key_policy_must_allow(tmp_path, capsys):
    admin = _write(tmp_path / "admin.json", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    key = _write(
        tmp_path / "key.json",
        [
            {
                "Sid": "KeyAdmin",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyAdmin"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    )
    args = ["--policy", admin, "--resource-policy", key, "--action", "kms:Decrypt", "--resource", KEY]
    code, out, _ = run(capsys, *args, "--principal-arn", "arn:aws:iam::111122223333:role/App", "--format", "json")
    assert code == 1
    d = json.loads(out)
    assert d["verdict"] == "implicit-deny"
    assert d["notes"][0] == f"no statement in the KMS key policy allows kms:Decrypt on {KEY}"
    code, out, _ = run(capsys, *args, "--principal-arn", "arn:aws:iam::111122223333:role/KeyAdmin")
    assert code == 0
    assert out.splitlines()[0] == f"allowed: kms:Decrypt on {KEY}"
    assert "Sid KeyAdmin" in out


def test_session_policy_and_rcp_levels(tmp_path, capsys):
    allow_s3 = _write(tmp_path / "s3.json", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    only_sqs = _write(tmp_path / "session.json", [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}])
    session = "arn:aws:sts::111122223333:assumed-role/App/s1"
    base = ["--policy", allow_s3, "--action", "s3:GetObject", "--resource", BUCKET_OBJ, "--principal-arn", session]
    code, out, _ = run(capsys, *base, "--session-policy", only_sqs, "--format", "json")
    assert code == 1 and json.loads(out)["notes"][0].startswith("no statement in the session policy allows")
    deny = _write(
        tmp_path / "rcp.json",
        [{"Sid": "NoGet", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}],
    )
    quiet = _write(
        tmp_path / "rcp0.json", [{"Effect": "Deny", "Principal": "*", "Action": "sqs:DeleteQueue", "Resource": "*"}]
    )
    code, out, _ = run(capsys, *base, "--rcp", quiet, "--rcp", deny, "--resource-account", "111122223333")
    assert code == 1 and out.startswith("explicit-deny") and "Sid NoGet" in out  # s3 is RCP-governed
    # An RCP never decides a request to a service RCPs do not govern, and the decision says so.
    allow_mantle = _write(tmp_path / "m.json", [{"Effect": "Allow", "Action": "bedrock-mantle:*", "Resource": "*"}])
    deny_all = _write(tmp_path / "rcp1.json", [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}])
    args = ["--policy", allow_mantle, "--action", "bedrock-mantle:ListModels", "--rcp", deny_all]
    code, out, _ = run(
        capsys, *args, "--resource", "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default", "--format", "json"
    )
    assert code == 0, out
    assert any(
        "skipped: bedrock-mantle is not a service that resource control policies apply to" in n
        for n in json.loads(out)["notes"]
    )


def test_cross_account_needs_the_resource_policy(tmp_path, capsys):
    allow_s3 = _write(tmp_path / "s3.json", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    bucket = _write(
        tmp_path / "bucket.json",
        [
            {
                "Sid": "Partner",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
            }
        ],
    )
    base = ["--policy", allow_s3, "--action", "s3:GetObject", "--resource", BUCKET_OBJ]
    who = ["--principal-arn", "arn:aws:iam::444455556666:role/Partner", "--resource-account", "111122223333"]
    code, out, _ = run(capsys, *base, *who, "--format", "json")
    assert code == 1 and json.loads(out)["notes"][0].startswith("no statement in the resource-based policy allows")
    code, out, _ = run(capsys, *base, *who, "--resource-policy", bucket)
    assert code == 0 and "Sid Partner" in out
    # The principal's account alone is enough to make it cross-account.
    code, _, _ = run(capsys, *base, "--principal-account", "444455556666", "--resource-account", "111122223333")
    assert code == 1


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--principal-account", "1234", "--principal-account: expected a 12-digit account id, got '1234'"),
        ("--resource-account", "abc", "--resource-account: expected a 12-digit account id, got 'abc'"),
        ("--principal-arn", "alice", "--principal-arn: expected an ARN, got 'alice'"),
        ("--resource-policy", "/no/such.json", "--resource-policy: policy file '/no/such.json' not found"),
        ("--session-policy", "/no/such.json", "--session-policy: policy file '/no/such.json' not found"),
        ("--rcp", "/no/such.json", "--rcp: policy file '/no/such.json' not found"),
    ],
)
def test_new_flags_bad_input_exits_2(capsys, flag, value, message):
    code, _, err = run(capsys, "--policy", LIMITED, "--action", "s3:GetObject", "--resource", "*", flag, value)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_policy_file_that_is_not_utf8_says_so(tmp_path, capsys):
    p = tmp_path / "latin1.json"
    p.write_bytes(b'{"Version": "\xe9"}')
    code, _, err = run(capsys, "--policy", str(p), "--action", "s3:GetObject", "--resource", "*")
    assert code == 2
    assert err == f"mantle-lint access: --policy: cannot read policy file {str(p)!r}: not UTF-8 text\n"


def test_broken_resource_policy_names_file_and_line(tmp_path, capsys):
    p = tmp_path / "bad.json"
    p.write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": }\n  ]\n}\n')
    code, _, err = run(
        capsys, "--policy", LIMITED, "--resource-policy", str(p), "--action", "s3:GetObject", "--resource", "*"
    )
    assert code == 2
    assert f"{p}:4:" in err


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
