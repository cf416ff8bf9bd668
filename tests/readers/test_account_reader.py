"""Account authorization details: one file, paginated pages merged, truncated sets, extension keys."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from reader_helpers import FIXTURES

from mantlekit.iam.evaluate import Verdict
from mantlekit.iam.model import IDENTITY, RESOURCE
from mantlekit.lint.access import evaluate_principal
from mantlekit.lint.config import Config
from mantlekit.lint.inventory import MAX_KEY_AGE_DAYS
from mantlekit.lint.readers import account, read_paths
from mantlekit.lint.runner import lint_inventory

ACCOUNT = FIXTURES / "account"
PROJECT = "arn:aws:bedrock-mantle:eu-west-1:111122223333:project/proj_chat01"


def summary(inv):
    return {
        p.name: (
            p.kind,
            p.heuristic,
            [x.display for x in p.policies.identity],
            p.policies.boundary.display if p.policies.boundary else None,
        )
        for p in inv.principals
    }


EXPECTED = {
    "chat-app-key": ("long-term-key", False, ["mantle-chat"], None),
    "console-key-user": ("long-term-key", True, ["aws-managed:AmazonBedrockLimitedAccess (v9)"], None),
    "alice": ("user", False, ["projects", "MantleInference"], "DeveloperBoundary"),
    "ci-bot": ("user", False, ["deploy"], None),
    "inference-service": ("role", False, ["MantleInference", "AWSLambdaBasicExecutionRole"], None),
}
DOCUMENTS = [
    (IDENTITY, "mantle-chat"),
    (IDENTITY, "deploy"),
    (IDENTITY, "projects"),
    (RESOURCE, "inference-service trust policy"),
    (IDENTITY, "MantleInference"),
    (IDENTITY, "DeveloperBoundary"),
]  # AWS managed policies are evaluated, not linted as documents


@pytest.fixture(scope="module")
def single():
    return read_paths([str(ACCOUNT / "single")])


def test_single_file(single):
    assert single.errors == []
    assert summary(single) == EXPECTED
    assert [(d.kind, d.name) for d in single.documents] == DOCUMENTS
    lines = {p.name: p.line for p in single.principals}
    assert lines == {"chat-app-key": 3, "console-key-user": 47, "alice": 61, "ci-bot": 77, "inference-service": 129}
    p = {x.name: x for x in single.principals}
    assert p["chat-app-key"].projects == (PROJECT,)
    assert p["chat-app-key"].account == "111122223333"
    assert p["chat-app-key"].arn == "arn:aws:iam::111122223333:user/keys/chat-app-key"
    assert p["chat-app-key"].tags == {"mantlekit:api-key": "long-term", "team": "chat"}


def test_default_version_and_url_encoded_documents(single):
    docs = {d.name: d for d in single.documents}
    # v2 (IsDefaultVersion) is used, not v1 (bedrock-mantle:* on *).
    assert [s.sid for s in docs["MantleInference"].statements] == ["Inference"]
    assert docs["MantleInference"].statements[0].resources == (PROJECT,)
    # URL-encoded documents are decoded; their lines are the line of the encoded string.
    assert [s.effect for s in docs["DeveloperBoundary"].statements] == ["Allow", "Deny"]
    assert docs["deploy"].statements[0].actions == ("cloudformation:*", "s3:putobject")
    text = (ACCOUNT / "single" / "authorization-details.json").read_text().splitlines()
    assert text[docs["deploy"].statements[0].line - 1].strip().startswith('"PolicyDocument": "%7B')


def test_verdicts_use_groups_boundaries_and_the_default_version(single):
    p = {x.name: x for x in single.principals}
    alice = evaluate_principal(p["alice"], ("inference", "projects-admin"))
    assert alice.capability("inference", PROJECT).verdict is Verdict.ALLOWED  # group's managed policy
    archive = alice.decide("bedrock-mantle:ArchiveProject", PROJECT)
    assert archive.verdict is Verdict.EXPLICIT_DENY  # by the permissions boundary (URL-encoded)
    assert [s.policy.name for s in archive.deciding] == ["DeveloperBoundary"]
    update = alice.decide("bedrock-mantle:UpdateProject", PROJECT)
    assert update.verdict is Verdict.ALLOWED  # the group's inline policy, within the boundary
    role = evaluate_principal(p["inference-service"], ("inference",))
    assert role.capability("inference", PROJECT).verdict is Verdict.ALLOWED
    other = "arn:aws:bedrock-mantle:eu-west-1:111122223333:project/proj_other"
    assert role.capability("inference", other).verdict is Verdict.IMPLICIT_DENY  # v1 would allow it


def test_paginated_pages_are_merged():
    inv = read_paths([str(ACCOUNT / "paged")])
    assert inv.errors == []
    assert summary(inv) == EXPECTED
    assert [(d.kind, d.name) for d in inv.documents] == DOCUMENTS
    where = {p.name: (p.file.rsplit("/", 1)[-1], p.line) for p in inv.principals}
    assert where == {
        "chat-app-key": ("page-1.json", 3),
        "console-key-user": ("page-1.json", 47),
        "alice": ("page-2.json", 3),
        "ci-bot": ("page-2.json", 19),
        "inference-service": ("page-3.json", 39),
    }
    assert sorted(f.rsplit("/", 1)[-1] for f in inv.files) == ["page-1.json", "page-2.json", "page-3.json"]


def test_truncated_details_are_an_error_and_not_audited():
    inv = read_paths([str(ACCOUNT / "truncated"), str(ACCOUNT / "paged")])
    (err,) = inv.errors
    assert err.file.endswith("truncated/page-1.json")
    assert err.message.startswith("incomplete: account authorization details say IsTruncated true")
    assert err.line == 65  # the IsTruncated of the page
    # The complete set next to it is still audited, once.
    assert summary(inv) == EXPECTED


def test_a_missing_middle_page_is_detected_by_what_is_missing():
    inv = read_paths([str(ACCOUNT / "missing-page")])
    (err,) = inv.errors
    assert err.message.startswith("incomplete: the pages of these account authorization details")
    assert "policy arn:aws:iam::111122223333:policy/MantleInference" in err.message
    assert inv.principals == [] and inv.documents == []


def details(**extra):
    users = [
        {
            "UserName": "console-user",
            "Arn": "arn:aws:iam::111122223333:user/console-user",
            "UserPolicyList": [
                {
                    "PolicyName": "no-mantle",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Deny", "Action": "bedrock-mantle:*", "Resource": "*"}],
                    },
                }
            ],
            "GroupList": [],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": "AmazonBedrockLimitedAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess",
                }
            ],
        },
        {"UserName": "app", "Arn": "arn:aws:iam::111122223333:user/app", "GroupList": ["gone"]},
    ]
    return {"UserDetailList": users, "GroupDetailList": [], "RoleDetailList": [], "Policies": [], **extra}


def write(tmp_path, data):
    f = tmp_path / "details.json"
    f.write_text(json.dumps(data, indent=2))
    return f


def test_console_style_key_holders_are_heuristic_and_reported_as_info(tmp_path):
    inv = read_paths([str(write(tmp_path, details()))])
    p = {x.name: x for x in inv.principals}
    assert (p["console-user"].kind, p["console-user"].heuristic) == ("long-term-key", True)
    found = [f for f in lint_inventory(inv, Config()).findings if f.principal == "console-user"]
    assert {f.rule for f in found} >= {"MNT001", "MNT002", "MNT003"}
    assert {f.severity for f in found} == {"info"}


def test_console_named_key_users_and_users_with_key_policies(tmp_path):
    """A user named as the Bedrock console names key users is a guessed key holder (info) whatever it has
    attached now; a plain user whose own policy grants the bearer token by name is an inferred one (warning)."""
    key_policy = {
        "PolicyName": "key",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "bedrock:CallWithBearerToken", "Resource": "*"}],
        },
    }
    users = [
        {"UserName": "BedrockAPIKey-7mvh", "Arn": "arn:aws:iam::111122223333:user/BedrockAPIKey-7mvh"},
        {"UserName": "BedrockAPIKey-team", "Arn": "arn:aws:iam::111122223333:user/BedrockAPIKey-team"},
        {"UserName": "BedrockAPIKeys-ops", "Arn": "arn:aws:iam::111122223333:user/BedrockAPIKeys-ops"},
        {"UserName": "ci", "Arn": "arn:aws:iam::111122223333:user/ci", "UserPolicyList": [key_policy]},
    ]
    data = {"UserDetailList": users, "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    inv = read_paths([str(write(tmp_path, data))])
    assert [(p.name, p.kind, p.heuristic) for p in inv.principals] == [
        ("BedrockAPIKey-7mvh", "long-term-key", True),
        ("BedrockAPIKey-team", "long-term-key", True),
        ("BedrockAPIKeys-ops", "user", False),
        ("ci", "user", False),
    ]
    found = lint_inventory(inv, Config()).findings
    assert sorted({(f.principal, f.rule, f.severity) for f in found}) == [
        ("BedrockAPIKey-7mvh", "MNT001", "info"),
        ("BedrockAPIKey-7mvh", "MNT002", "info"),
        ("BedrockAPIKey-7mvh", "MNT003", "info"),
        ("BedrockAPIKey-team", "MNT001", "info"),
        ("BedrockAPIKey-team", "MNT002", "info"),
        ("BedrockAPIKey-team", "MNT003", "info"),
        ("ci", "MNT001", "warning"),
        ("ci", "MNT002", "warning"),
    ]
    ci = next(f for f in found if f.principal == "ci")
    assert ci.details["inferred"] == "the user's policy key allows bedrock:CallWithBearerToken"


def test_a_group_missing_from_a_single_file_is_unknown_not_an_error(tmp_path):
    inv = read_paths([str(write(tmp_path, details()))])
    assert inv.errors == []
    app = next(x for x in inv.principals if x.name == "app")
    assert [x.name for x in app.policies.identity] == ["unknown policy group gone"]


def test_extension_keys_give_credentials_and_the_age_limit(tmp_path):
    """What MNT010 makes of them: tests/lint/rules/test_mnt010_stale_long_term_key.py."""
    now = dt.datetime.now(dt.UTC)
    creds = {
        "app": [
            {
                "UserName": "app",
                "Status": "Active",
                "ServiceUserName": "app-at-111122223333",
                "CreateDate": (now - dt.timedelta(days=400)).isoformat(),
                "ServiceSpecificCredentialId": "ACCAOLDNEVEREXPIRES1",
                "ServiceName": "bedrock.amazonaws.com",
            },
            {
                "UserName": "app",
                "Status": "Inactive",
                "CreateDate": (now - dt.timedelta(days=10)).isoformat(),
                "ExpirationDate": (now + dt.timedelta(days=20)).isoformat(),
                "ServiceSpecificCredentialId": "ACCAINACTIVE00000002",
                "ServiceName": "bedrock.amazonaws.com",
            },
            {
                "UserName": "app",
                "Status": "Active",
                "CreateDate": (now - dt.timedelta(days=5)).isoformat(),
                "ExpirationDate": (now + dt.timedelta(days=25)).isoformat(),
                "ServiceSpecificCredentialId": "ACCAFRESH00000000003",
                "ServiceName": "bedrock.amazonaws.com",
            },
        ]
    }
    data = details(**{account.EXT_CREDENTIALS: creds, account.EXT_MAX_KEY_AGE: 30})
    data[account.EXT_INCOMPLETE] = ["iam:ListServiceSpecificCredentials failed for 1 user(s) (console-user): ..."]
    inv = read_paths([str(write(tmp_path, data))])
    assert [e.message for e in inv.errors] == [
        "incomplete: iam:ListServiceSpecificCredentials failed for 1 user(s) (console-user): ..."
    ]
    app = next(x for x in inv.principals if x.name == "app")
    assert (app.kind, app.heuristic) == ("long-term-key", False)
    assert [c["ServiceSpecificCredentialId"] for c in app.credentials] == [
        "ACCAOLDNEVEREXPIRES1",
        "ACCAINACTIVE00000002",
        "ACCAFRESH00000000003",
    ]
    # The limit the audit ran with is the run's option for MNT010, not a field of each credential.
    assert inv.options == {MAX_KEY_AGE_DAYS: 30}
    assert [k for c in app.credentials for k in c if k.startswith("mantlekit:")] == []


def test_documents_that_are_not_json_are_errors_at_their_line(tmp_path):
    data = details()
    data["UserDetailList"][1]["UserPolicyList"] = [{"PolicyName": "broken", "PolicyDocument": "%7Bnot-json"}]
    f = write(tmp_path, data)
    inv = read_paths([str(f)])
    (err,) = inv.errors
    line = next(i for i, t in enumerate(f.read_text().splitlines(), 1) if "%7Bnot-json" in t)
    assert (err.message, err.line) == ("broken: the policy document is not JSON", line)
    assert {p.name for p in inv.principals} == {"console-user", "app"}


def test_entry_locator_places_every_path_as_a_whole_file_scan_does():
    """The locator of account pages scans one entry, not the file; every place must stay the same."""
    from mantlekit.iam.locate import JsonLocator
    from mantlekit.lint.readers.account import _EntryLocator

    def every_path(value: object, path: tuple = ()) -> list[tuple]:
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        return [path, *(p for k, v in items for p in every_path(v, (*path, k)))]

    text = (FIXTURES / "account" / "single" / "authorization-details.json").read_text()
    whole, entry = JsonLocator(text), _EntryLocator(text)
    paths = every_path(json.loads(text))
    assert len(paths) > 100
    assert [entry(p) for p in paths] == [whole(p) for p in paths]
