"""Live audits (``mantle-lint --live``) against moto 5.2.5 with ``mock_aws``.

IAM state is seeded through the IAM API. moto implements neither ``ListServiceSpecificCredentials`` nor
user permission boundaries, so: the credentials are answered by a botocore
``before-call.iam.ListServiceSpecificCredentials`` hook registered on the boto3 Session the audit is given
(every other call reaches moto), and a user's boundary is set directly on moto's IAM backend. Throttling,
AccessDenied and credentials that do not work are simulated with before-call hooks as well. Fake
credentials in the environment and ``mock_aws`` keep every call off the network.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from mantlekit.lint import cli
from mantlekit.lint.config import Config
from mantlekit.lint.readers import live, read_paths
from mantlekit.lint.runner import lint_inventory

ACCOUNT = "123456789012"  # moto's account
PROJECT = f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT}:project/proj_chat01"
NOW = dt.datetime.now(dt.UTC)


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def response(status: int, parsed: dict[str, Any]):
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://iam.amazonaws.com/", status, {}, None), parsed


def error(code: str, message: str, status: int = 400):
    return response(status, {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {}})


class Account:
    """The mocked account: a session, the credentials the hook answers, and helpers to add hooks."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.credentials: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[str] = []
        session.events.register("before-call.iam.ListServiceSpecificCredentials", self._list_credentials)

    def _list_credentials(self, params: dict[str, Any], **_: Any):
        user = params["body"]["UserName"]
        assert params["body"]["ServiceName"] == "bedrock.amazonaws.com"
        self.calls.append(user)
        return response(200, {"ServiceSpecificCredentials": self.credentials.get(user, []), "IsTruncated": False})

    def hook(self, operation: str, handler: Any) -> None:
        service = "sts" if operation == "GetCallerIdentity" else "iam"
        self.session.events.register_first(f"before-call.{service}.{operation}", handler)


def credential(user: str, key_id: str, age_days: int, status: str = "Active", expires_in: int | None = None):
    c = {
        "UserName": user,
        "Status": status,
        "ServiceUserName": f"{user}-at-{ACCOUNT}",
        "CreateDate": NOW - dt.timedelta(days=age_days),
        "ServiceSpecificCredentialId": key_id,
        "ServiceName": "bedrock.amazonaws.com",
    }
    if expires_in is not None:
        c["ExpirationDate"] = NOW + dt.timedelta(days=expires_in)
    return c


@pytest.fixture
def aws(monkeypatch, tmp_path):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    sleeps: list[float] = []
    monkeypatch.setattr(live, "sleep", sleeps.append)
    import boto3
    from moto import mock_aws
    from moto.iam.models import iam_backends

    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        chat = iam.create_policy(
            PolicyName="MantleChat",
            PolicyDocument=doc(
                {
                    "Effect": "Allow",
                    "Action": ["bedrock-mantle:ListModels", "bedrock-mantle:CreateInference"],
                    "Resource": PROJECT,
                }
            ),
        )["Policy"]["Arn"]
        boundary = iam.create_policy(
            PolicyName="ListOnlyBoundary",
            PolicyDocument=doc(
                {
                    "Effect": "Allow",
                    "Action": ["bedrock-mantle:CallWithBearerToken", "bedrock-mantle:List*"],
                    "Resource": "*",
                }
            ),
        )["Policy"]["Arn"]
        iam.create_group(GroupName="mantle-keys")
        iam.put_group_policy(
            GroupName="mantle-keys",
            PolicyName="bearer",
            PolicyDocument=doc({"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"}),
        )
        iam.attach_group_policy(GroupName="mantle-keys", PolicyArn=chat)
        iam.create_user(UserName="chat-key", Tags=[{"Key": "mantlekit:api-key", "Value": "long-term"}])
        iam.create_user(UserName="batch")
        iam.create_user(UserName="old-key")
        iam.create_user(UserName="human")
        for user in ("chat-key", "batch"):
            iam.add_user_to_group(GroupName="mantle-keys", UserName=user)
        iam.create_role(
            RoleName="inference-service",
            AssumeRolePolicyDocument=doc(
                {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ),
        )
        iam.attach_role_policy(RoleName="inference-service", PolicyArn=chat)
        # Not supported through moto's API: the boundary of a user.
        iam_backends[ACCOUNT]["global"].users["batch"].permissions_boundary = {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": boundary,
        }
        account = Account(session)
        account.sleeps = sleeps  # type: ignore[attr-defined]
        account.credentials = {
            "chat-key": [credential("chat-key", "ACCACHATNEVEREXPIRE1", 200)],
            "batch": [credential("batch", "ACCABATCHFRESH000001", 3, expires_in=27)],
            "old-key": [credential("old-key", "ACCAOLDINACTIVE00001", 20, status="Inactive", expires_in=10)],
        }
        yield account


def summary(inv):
    return {
        p.name: (
            p.kind,
            sorted(x.display for x in p.policies.identity),
            p.policies.boundary.display if p.policies.boundary else None,
            [c["ServiceSpecificCredentialId"] for c in p.credentials],
        )
        for p in inv.principals
    }


EXPECTED = {
    "chat-key": ("long-term-key", ["MantleChat", "bearer"], None, ["ACCACHATNEVEREXPIRE1"]),
    "batch": ("long-term-key", ["MantleChat", "bearer"], "ListOnlyBoundary", ["ACCABATCHFRESH000001"]),
    "old-key": ("long-term-key", [], None, ["ACCAOLDINACTIVE00001"]),
    "human": ("user", [], None, []),
    "inference-service": ("role", ["MantleChat"], None, []),
}


def findings(inv):
    return sorted((f.rule, f.severity, f.principal, f.message) for f in lint_inventory(inv, Config()).findings)


def test_live_audit(aws):
    inv = live.audit(session=aws.session)
    assert inv.errors == []
    assert summary(inv) == EXPECTED
    assert sorted(aws.calls) == ["batch", "chat-key", "human", "old-key"]
    assert {p.file for p in inv.principals} == {f"aws://{ACCOUNT}"}
    got = {(rule, sev, who) for rule, sev, who, _ in findings(inv)}
    assert ("MNT003", "error", "batch") in got  # its boundary allows no inference
    assert ("MNT002", "error", "batch") not in got
    assert {(r, s, w) for r, s, w in got if r == "MNT010"} == {
        ("MNT010", "warning", "chat-key"),  # never expires, and 200 days old
        ("MNT010", "info", "old-key"),  # inactive
    }
    assert not {w for r, _, w in got if w == "chat-key" and r != "MNT010"}


def test_save_writes_details_that_repeat_the_audit_offline(aws, tmp_path):
    saved = tmp_path / "account.json"
    inv = live.audit(session=aws.session, save=str(saved), max_key_age_days=30)
    assert inv.errors == [] and str(saved) in inv.files
    data = json.loads(saved.read_text())
    assert data["IsTruncated"] is False
    assert set(data["mantlekit:ServiceSpecificCredentials"]) == {"chat-key", "batch", "old-key", "human"}
    assert data["mantlekit:MaxKeyAgeDays"] == 30
    offline = read_paths([str(saved)])
    assert offline.errors == []
    assert summary(offline) == summary(inv) == EXPECTED
    assert findings(offline) == findings(inv)
    # Findings point at the user entries of the saved file.
    lines = saved.read_text().splitlines()
    for p in offline.principals:
        assert p.file == str(saved)
        assert lines[p.line - 1].strip() == "{" and p.name in "".join(lines[p.line : p.line + 3])


def test_throttling_is_retried_with_backoff(aws):
    left = [3]

    def throttle(**_: Any):
        if left[0]:
            left[0] -= 1
            return error("Throttling", "Rate exceeded")
        return None

    aws.hook("GetAccountAuthorizationDetails", throttle)
    inv = live.audit(session=aws.session)
    assert inv.errors == []
    assert summary(inv) == EXPECTED
    assert len(aws.sleeps) == 3
    assert aws.sleeps[0] <= live.BASE_DELAY and aws.sleeps[2] >= 2 * live.BASE_DELAY  # exponential, with jitter


def test_throttling_that_does_not_stop_is_an_input_error(aws):
    aws.hook("GetAccountAuthorizationDetails", lambda **_: error("Throttling", "Rate exceeded"))
    inv = live.audit(session=aws.session)
    (err,) = inv.errors
    assert err.file == f"aws://{ACCOUNT}"
    assert err.message.startswith("iam:GetAccountAuthorizationDetails failed: Throttling: Rate exceeded")
    assert str(err).startswith(f"aws://{ACCOUNT}: iam:GetAccountAuthorizationDetails failed")
    assert inv.principals == []
    assert len(aws.sleeps) == live.MAX_ATTEMPTS - 1


def test_access_denied_for_one_user_names_the_call_and_audits_the_rest(aws):
    def deny_batch(params: dict[str, Any], **_: Any):
        if params["body"]["UserName"] == "batch":
            return error("AccessDenied", "not authorized to perform iam:ListServiceSpecificCredentials", 403)
        return None

    aws.hook("ListServiceSpecificCredentials", deny_batch)
    inv = live.audit(session=aws.session)
    (err,) = inv.errors
    assert err.message.startswith(
        "incomplete: iam:ListServiceSpecificCredentials failed for 1 user(s) (batch): AccessDenied"
    )
    got = summary(inv)
    assert got["chat-key"] == EXPECTED["chat-key"]
    assert got["batch"][0] == "user"  # its keys are unknown; the error says so
    assert set(got) == set(EXPECTED)


def test_credentials_that_do_not_work(aws):
    aws.hook("GetCallerIdentity", lambda **_: error("InvalidClientTokenId", "The security token is invalid", 403))
    inv = live.audit(session=aws.session)
    (err,) = inv.errors
    assert err.message == (
        "sts:GetCallerIdentity failed: InvalidClientTokenId: The security token is invalid; "
        "the credentials do not work, nothing was audited"
    )
    assert inv.principals == [] and inv.documents == []


def test_no_network_is_not_called_bad_credentials(aws):
    from botocore.exceptions import EndpointConnectionError

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com/")

    aws.hook("GetCallerIdentity", unreachable)
    inv = live.audit(session=aws.session)
    assert [(e.file, e.message) for e in inv.errors] == [
        (
            "aws://live",
            "sts:GetCallerIdentity failed: EndpointConnectionError: Could not connect to the endpoint URL: "
            '"https://sts.us-east-1.amazonaws.com/"; AWS could not be reached (check the network, a proxy or '
            "AWS_ENDPOINT_URL), nothing was audited",
        )
    ]


def test_no_credentials_at_all_says_so(aws):
    from botocore.exceptions import NoCredentialsError

    def none(**_: Any) -> None:
        raise NoCredentialsError()

    aws.hook("GetCallerIdentity", none)
    (err,) = live.audit(session=aws.session).errors
    assert err.message == (
        "sts:GetCallerIdentity failed: NoCredentialsError: Unable to locate credentials; no AWS credentials were "
        "found (give --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID), nothing was audited"
    )


def test_authorization_details_denied_is_not_audited(aws):
    aws.hook("GetAccountAuthorizationDetails", lambda **_: error("AccessDenied", "no", 403))
    inv = live.audit(session=aws.session)
    (err,) = inv.errors
    assert err.message == "iam:GetAccountAuthorizationDetails failed: AccessDenied: no; the account was not audited"
    assert inv.principals == []


def test_unknown_profile_is_an_input_error(aws):
    inv = live.audit(profile="does-not-exist")
    (err,) = inv.errors
    assert err.file == "--profile"
    assert "does-not-exist" in err.message


def test_cli_options_and_audit(aws, tmp_path):
    parser = cli._lint_parser()
    ns = parser.parse_args([])
    # None when not given: the CLI refuses it without --live, and the audit then takes the default of 90.
    assert (ns.live, ns.profile, ns.region, ns.save, ns.max_key_age_days) == (False, None, None, None, None)
    ns = parser.parse_args(
        ["--live", "--region", "eu-west-1", "--save", str(tmp_path / "a.json"), "--max-key-age-days", "7"]
    )
    inv = live.audit(aws.session, ns.profile, ns.region, ns.save, ns.max_key_age_days)
    assert inv.errors == []
    assert inv.options == {"max_key_age_days": 7}  # rule MNT010's option, as the saved file records it
    assert (tmp_path / "a.json").exists()


def test_mantle_lint_live_on_the_command_line(aws, tmp_path, monkeypatch, capsys):
    import boto3

    from mantlekit.lint.cli import main

    monkeypatch.setattr(boto3, "Session", lambda **_: aws.session)  # the hooks live on the fixture's session
    saved = tmp_path / "account.json"
    code = main(["--live", "--no-config", "--format", "json", "--save", str(saved), "--max-key-age-days", "365"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # the keys without permissions are errors
    assert report["summary"]["input_errors"] == 0
    got = {(f["rule"], f["principal"]) for f in report["findings"]}
    assert ("MNT003", "batch") in got and ("MNT010", "old-key") in got
    assert ("MNT010", "chat-key") in got  # never expires (200 days is within 365)
    assert {f["file"] for f in report["findings"]} == {str(saved)}
    # The saved file alone repeats the audit.
    assert main(["--no-config", "--format", "json", str(saved)]) == 1
    offline = json.loads(capsys.readouterr().out)
    assert offline["findings"] == report["findings"]


def test_credentials_that_do_not_work_exit_2(aws, monkeypatch, capsys):
    import boto3

    from mantlekit.lint.cli import main

    aws.hook(
        "GetCallerIdentity", lambda **_: error("ExpiredToken", "The security token included in the request is expired")
    )
    monkeypatch.setattr(boto3, "Session", lambda **_: aws.session)
    assert main(["--live", "--no-config"]) == 2
    assert capsys.readouterr().err.startswith("aws://live: error: sts:GetCallerIdentity failed: ExpiredToken")


def test_an_unknown_profile_on_the_command_line_has_no_line_numbers(aws, capsys):
    from mantlekit.lint.cli import main

    assert main(["--live", "--no-config", "--profile", "does-not-exist"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--profile: error: cannot start an AWS session: The config profile (does-not-exist)")
    assert ":1:1:" not in err
