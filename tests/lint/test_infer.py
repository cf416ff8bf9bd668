"""Zero-configuration principals: key policies nobody declared, and key users in templates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mantlekit import facts
from mantlekit.lint.cli import main
from mantlekit.lint.config import Config
from mantlekit.lint.infer import key_needs, key_token_type
from mantlekit.lint.runner import lint_paths
from tests.lint.rules.helpers import policy

V1 = Path(__file__).resolve().parents[1] / "fixtures" / "AmazonBedrockLimitedAccess-v1.json"
NOTE = (
    "[principal inferred: long-term key, as the policy allows bedrock:CallWithBearerToken; declare it in a "
    "[[tool.mantle-lint.principal]] table to make this exact or to silence it]"
)
KEY = {"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"}


@pytest.fixture
def keys(tmp_path, monkeypatch):
    """A folder holding the headline story's policy, as a new user would lint it; cwd = its parent."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keys").mkdir()
    shutil.copy(V1, tmp_path / "keys" / "ci-key.json")
    return tmp_path / "keys"


def _lint(*args: str) -> tuple[int, dict]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--no-config", "--format", "json", *args])
    return code, json.loads(out.getvalue())


def _rows(doc: dict) -> list[tuple]:
    return [(f["rule"], f["severity"], f["file"], f["line"], f["column"]) for f in doc["findings"]]


def test_limited_access_v1_copy_is_reported_without_configuration(keys, capsys):
    code = main(["--no-config", "keys/"])
    out = capsys.readouterr().out
    assert code == 0  # warnings: an inferred principal may be completed by a policy the run does not see
    lines = out.splitlines()
    heads = [ln for ln in lines if not ln.startswith(" ") and ln]
    assert heads == [
        "keys/ci-key.json:10:9: MNT001 warning keys/ci-key.json (long-term-key) cannot call Mantle with its "
        "LONG_TERM bearer token (bedrock-mantle:CallWithBearerToken): no statement in the identity-based "
        f"policies allows it {NOTE} (principal: keys/ci-key.json)",
        heads[1],
        heads[2],
        "3 findings (3 warnings) in 1 file",
    ]
    assert heads[1].startswith("keys/ci-key.json:10:9: MNT002 warning keys/ci-key.json cannot list models on project ")
    assert heads[2].startswith("keys/ci-key.json:10:9: MNT003 warning keys/ci-key.json cannot run inference on ")
    assert all(h.endswith(f"{NOTE} (principal: keys/ci-key.json)") for h in heads[:3])


def test_inferred_key_details_say_why(keys):
    _, doc = _lint("keys/")
    assert {f["details"]["inferred"] for f in doc["findings"]} == {
        "long-term key, as the policy allows bedrock:CallWithBearerToken"
    }
    assert doc["summary"]["principals"] == 1


def test_declared_principal_is_not_inferred_again(keys):
    (keys.parent / "pyproject.toml").write_text(
        '[tool.mantle-lint]\n[[tool.mantle-lint.principal]]\nname = "ci"\nkind = "long-term-key"\n'
        'policies = ["keys/ci-key.json"]\naccount = "111122223333"\nregion = "us-east-1"\n'
    )
    code = main(["--format", "json", "keys/"])
    assert code == 1
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--format", "json", "keys/"])
    doc = json.loads(out.getvalue())
    assert {(f["rule"], f["severity"], f["principal"]) for f in doc["findings"]} == {
        ("MNT001", "error", "ci"),
        ("MNT002", "error", "ci"),
        ("MNT003", "error", "ci"),
    }
    assert all("inferred" not in f.get("details", {}) for f in doc["findings"])


def test_bearer_only_policy_cannot_do_anything_on_mantle(tmp_path):
    (tmp_path / "k.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [KEY]}, indent=2))
    _, doc = _lint(str(tmp_path / "k.json"))
    assert _rows(doc) == [("MNT002", "warning", str(tmp_path / "k.json"), 6, 17)]


def test_read_only_key_is_not_told_it_cannot_run_inference(tmp_path):
    read = {"Effect": "Allow", "Action": "bedrock-mantle:List*", "Resource": "arn:aws:bedrock-mantle:*:*:project/*"}
    (tmp_path / "k.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [read, KEY]}))
    _, doc = _lint(str(tmp_path / "k.json"))
    assert doc["findings"] == [] and doc["summary"]["principals"] == 1


def test_account_condition_of_the_managed_inference_policies_is_decided():
    """``aws:ResourceAccount`` is the project's account: a same-account grant is allowed, not conditional."""
    path = Path("/nonexistent")
    grant = {
        "Effect": "Allow",
        "Action": "bedrock-mantle:CreateInference",
        "Resource": "arn:aws:bedrock-mantle:*:*:project/*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
    }
    doc = policy(grant, KEY, name=str(path))
    assert key_needs([doc]) == ("inference",)
    from mantlekit.lint.access import evaluate_principal
    from mantlekit.lint.infer import key_principals

    [p] = key_principals([doc], set())
    access = evaluate_principal(p)
    assert [c.verdict.value for c in access.cells.values()] == ["allowed"]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (KEY, facts.LONG_TERM),
        ({**KEY, "Action": "bedrock:CallWithBearerToken"}, facts.LONG_TERM),
        ({**KEY, "Action": "Bedrock-Mantle:Call*"}, facts.LONG_TERM),
        ({**KEY, "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "SHORT_TERM"}}}, facts.SHORT_TERM),
        (
            {**KEY, "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": ["SHORT_TERM", "LONG_TERM"]}}},
            "LONG_TERM",
        ),
        ({**KEY, "Action": "bedrock:*"}, None),  # grants it, but says nothing about keys
        ({**KEY, "Action": "*"}, None),
        ({**KEY, "Effect": "Deny"}, None),
        ({**KEY, "Action": "aws-external-anthropic:CallWithBearerToken"}, None),  # Claude Platform, not Mantle
    ],
)
def test_what_makes_a_key_policy(statement, expected):
    assert key_token_type(policy(statement)) == expected


def test_short_term_grant_is_a_short_term_key(tmp_path):
    short = {**KEY, "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "SHORT_TERM"}}}
    (tmp_path / "k.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [short]}))
    r = lint_paths([str(tmp_path)], Config())
    assert [(a.principal.kind, a.bearer.verdict.value) for a in r.access] == [("short-term-key", "allowed")]


def test_parallel_run_infers_the_same_principals(tmp_path):
    for i in range(120):
        (tmp_path / f"p{i:03}.json").write_text(
            json.dumps(json.loads(V1.read_text()) if i == 57 else {"Statement": []})
        )
    seq = lint_paths([str(tmp_path)], Config(), jobs=1)
    par = lint_paths([str(tmp_path)], Config(), jobs=2)
    assert [f.to_json() for f in par.findings] == [f.to_json() for f in seq.findings]
    assert [a.principal.name for a in par.access] == [str(tmp_path / "p057.json")]
    assert {f.rule for f in par.findings} >= {"MNT001", "MNT002", "MNT003"}


TEMPLATE_USER = """\
Resources:
  CiUser:
    Type: AWS::IAM::User
    Properties:
      Policies:
        - PolicyName: key
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: bedrock:CallWithBearerToken
                Resource: "*"
              - Effect: Allow
                Action: bedrock:InvokeModel
                Resource: "*"
"""


def test_template_user_with_a_key_policy_is_a_key_holder(tmp_path):
    (tmp_path / "t.yaml").write_text(TEMPLATE_USER)
    _, doc = _lint(str(tmp_path / "t.yaml"))
    assert [(f["rule"], f["severity"], f["line"], f["principal"]) for f in doc["findings"]] == [
        ("MNT001", "warning", 2, "CiUser"),
        ("MNT002", "warning", 2, "CiUser"),  # nothing on Mantle at all: not even GET /v1/models
        ("MNT003", "warning", 2, "CiUser"),
    ]
    assert doc["findings"][0]["details"]["inferred"] == "the user's policy key allows bedrock:CallWithBearerToken"


ROLE_TEMPLATE = """\
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: ecs-tasks.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: bedrock:InvokeModel
                Resource: "*"
"""
DECLARED = """\
[[principal]]
name = "app"
template = "infra/t.yaml"
resource = "AppRole"
needs = ["list-models", "inference"]
account = "111122223333"
"""


@pytest.fixture
def declared(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "t.yaml").write_text(ROLE_TEMPLATE)
    (tmp_path / "mantle-lint.toml").write_text(DECLARED)
    return tmp_path


def _lint_cfg(*args: str) -> tuple[int, dict, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--format", "json", *args])
    return code, json.loads(out.getvalue()), err.getvalue()


def test_template_role_declared_in_the_configuration(declared):
    code, doc, _ = _lint_cfg("infra")
    assert code == 1
    assert [(f["rule"], f["severity"], f["file"], f["line"], f["principal"]) for f in doc["findings"]] == [
        ("MNT002", "error", "infra/t.yaml", 2, "app"),
        ("MNT003", "error", "infra/t.yaml", 2, "app"),
    ]
    assert doc["findings"][0]["details"]["label"] == "AppRole"
    assert doc["findings"][0]["details"]["resource"] == (
        "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default"
    )


def test_declared_template_outside_the_linted_paths_is_read(declared):
    (declared / "other.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    code, doc, _ = _lint_cfg("other.json")
    assert code == 1 and {f["rule"] for f in doc["findings"]} == {"MNT002", "MNT003"}
    assert doc["summary"]["files"] == 2


def test_declared_resource_missing_from_its_template_is_an_input_error(declared):
    (declared / "mantle-lint.toml").write_text(DECLARED.replace('"AppRole"', '"ApRole"'))
    code, doc, err = _lint_cfg("infra")
    assert code == 2 and doc["findings"] == []
    assert err == "mantle-lint.toml:1:1: error: no role or user 'ApRole' in template infra/t.yaml\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'policies = ["p.json"]\n',
            "mantle-lint.toml:7:1: error: policies of a template's principal come from the template; "
            "remove policies or template",
        ),
        (
            "",
            'mantle-lint.toml:3:1: error: a principal with a template needs resource = "LogicalId" (or a '
            "construct path) of its role or user",
        ),
    ],
)
def test_declaration_errors(declared, extra, message):
    text = DECLARED + extra if extra else DECLARED.replace('resource = "AppRole"\n', "")
    (declared / "mantle-lint.toml").write_text(text)
    code, _, err = _lint_cfg("infra")
    assert code == 2 and err.splitlines()[0] == message


def test_construct_paths_match_with_or_without_resource():
    from mantlekit.iam.model import PolicySet
    from mantlekit.lint.infer import _names
    from mantlekit.lint.inventory import Principal

    p = Principal("r", "role", PolicySet(), label="AppRole1234", construct_path="Stack/App/Role/Resource")
    assert _names(p, "Stack/App/Role") and _names(p, "Stack/App/Role/Resource") and _names(p, "AppRole1234")
    assert not _names(p, "Stack/App") and not _names(p, "AppRole")
