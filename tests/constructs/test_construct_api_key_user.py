"""MantleApiKeyUser: the user, its policy, the key-issuing custom resource, and the handler's behaviour."""

from __future__ import annotations

import json
import sys
import types

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match
from construct_helpers import acknowledgements, new_stack, only, policy_statements, raises_config_error, template

from mantlekit import facts
from mantlekit.constructs import MantleApiKeyUser, MantleProject
from mantlekit.constructs.api_key_user import HANDLER_CODE


@pytest.fixture(scope="module")
def issued():
    stack = new_stack()
    project = MantleProject(stack, "Project", name="p")
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    user = MantleApiKeyUser(stack, "Key", projects=[project], issue_key=True, credential_age_days=30)
    user.grant_read_key(reader)
    tpl = template(stack)
    return stack, user, tpl


def _logical_id(tpl, cfn_type: str, prefix: str) -> str:
    (found,) = [k for k in tpl.find_resources(cfn_type) if k.startswith(prefix)]
    return found


def test_user_has_no_password_no_access_keys_and_the_api_key_tag(issued):
    _, _, tpl = issued
    user = only(tpl, "AWS::IAM::User")
    assert user["Properties"] == {"Tags": [{"Key": facts.API_KEY_TAG, "Value": "long-term"}]}
    tpl.resource_count_is("AWS::IAM::AccessKey", 0)
    assert "LoginProfile" not in json.dumps(tpl.to_json())


def test_key_policy_allows_long_term_keys_and_inference_on_the_projects_only(issued):
    _, _, tpl = issued
    project = _logical_id(tpl, "AWS::BedrockMantle::Project", "Project")
    user = _logical_id(tpl, "AWS::IAM::User", "KeyUser")
    policy = tpl.find_resources("AWS::IAM::Policy", {"Properties": {"Users": [{"Ref": user}]}})
    assert len(policy) == 1
    assert policy_statements(tpl, "KeyKeyPolicy") == [
        {
            "Action": facts.CALL_WITH_BEARER_TOKEN,
            "Condition": {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: facts.LONG_TERM}},
            "Effect": "Allow",
            "Resource": "*",
            "Sid": "LongTermApiKey",
        },
        {
            "Action": sorted(facts.GRANTS["inference"]),
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [project, "Arn"]},
            "Sid": "MantleInference",
        },
    ]


def test_secret_is_encrypted_with_a_rotating_kms_key(issued):
    _, _, tpl = issued
    key = _logical_id(tpl, "AWS::KMS::Key", "KeySecretKey")
    assert only(tpl, "AWS::KMS::Key")["Properties"]["EnableKeyRotation"] is True
    tpl.has_resource_properties(
        "AWS::SecretsManager::Secret", {"KmsKeyId": {"Fn::GetAtt": [key, "Arn"]}, "GenerateSecretString": {}}
    )


def test_custom_resource_gets_only_references_never_the_key(issued):
    _, _, tpl = issued
    user = _logical_id(tpl, "AWS::IAM::User", "KeyUser")
    secret = _logical_id(tpl, "AWS::SecretsManager::Secret", "KeySecret")
    resource = only(tpl, "Custom::MantleApiKey")
    props = dict(resource["Properties"])
    assert props.pop("ServiceToken")["Fn::GetAtt"][0].startswith("KeyProviderframeworkonEvent")
    assert props == {
        "UserName": {"Ref": user},
        "ServiceName": facts.API_KEY_SERVICE_NAME,
        "CredentialAgeDays": 30,
        "SecretArn": {"Ref": secret},
        "KeyVersion": "1",
    }
    assert "Outputs" not in tpl.to_json()


def test_handler_role_is_least_privilege(issued):
    _, _, tpl = issued
    user = _logical_id(tpl, "AWS::IAM::User", "KeyUser")
    secret = _logical_id(tpl, "AWS::SecretsManager::Secret", "KeySecret")
    key = _logical_id(tpl, "AWS::KMS::Key", "KeySecretKey")
    logs = _logical_id(tpl, "AWS::Logs::LogGroup", "KeyHandlerLogs")
    role_id = _logical_id(tpl, "AWS::IAM::Role", "KeyHandlerRole")
    role = tpl.find_resources("AWS::IAM::Role")[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    (inline,) = role["Policies"]
    assert inline["PolicyDocument"]["Statement"] == [
        {
            "Action": facts.CREATE_API_KEY_ACTION,
            "Condition": {
                "StringEquals": {facts.API_KEY_SERVICE_NAME_KEY: facts.API_KEY_SERVICE_NAME},
                "NumericLessThanEquals": {facts.API_KEY_AGE_DAYS_KEY: "90"},
            },
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [user, "Arn"]},
            "Sid": "CreateBoundedBedrockKey",
        },
        {
            "Action": [facts.LIST_API_KEYS_ACTION, facts.DELETE_API_KEY_ACTION],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [user, "Arn"]},
            "Sid": "ListAndRevokeKeys",
        },
        {
            "Action": "secretsmanager:PutSecretValue",
            "Effect": "Allow",
            "Resource": {"Ref": secret},
            "Sid": "WriteSecret",
        },
        {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": {"Fn::Join": ["", ["secretsmanager.eu-west-1.", {"Ref": "AWS::URLSuffix"}]]}
                }
            },
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [key, "Arn"]},
            "Sid": "EncryptSecret",
        },
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logs, "Arn"]},
            "Sid": "WriteOwnLogs",
        },
    ]
    # Nothing else is attached to the handler's role.
    attached = [
        p
        for p in tpl.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"].get("Roles", [])
    ]
    assert attached == []


def test_handler_function_runs_on_a_current_runtime_with_inline_code(issued):
    _, _, tpl = issued
    tpl.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Handler": "index.on_event",
            "Code": {"ZipFile": HANDLER_CODE},
            "Timeout": 60,
            "LoggingConfig": {"LogGroup": {"Ref": Match.string_like_regexp("^KeyHandlerLogs")}},
        },
    )
    assert len(HANDLER_CODE) < 4096  # CloudFormation's limit for inline (ZipFile) code


def test_provider_framework_role_has_no_managed_policy(issued):
    _, _, tpl = issued
    role_id = _logical_id(tpl, "AWS::IAM::Role", "KeyProviderRole")
    assert "ManagedPolicyArns" not in tpl.find_resources("AWS::IAM::Role")[role_id]["Properties"]


def test_reader_gets_read_access_to_the_secret(issued):
    _, _, tpl = issued
    statements = policy_statements(tpl, "ReaderDefaultPolicy")
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert "secretsmanager:GetSecretValue" in actions
    # Decrypting goes into the key policy (same stack), only through Secrets Manager.
    reader = _logical_id(tpl, "AWS::IAM::Role", "Reader")
    key_policy = only(tpl, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    assert {
        "Action": "kms:Decrypt",
        "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
        "Effect": "Allow",
        "Principal": {"AWS": {"Fn::GetAtt": [reader, "Arn"]}},
        "Resource": "*",
    } in key_policy


def test_nag_acknowledgements_are_specific_and_explained(issued):
    stack, _, tpl = issued
    handler = _logical_id(tpl, "AWS::Lambda::Function", "KeyHandler")
    acks = acknowledgements(stack)
    assert {path: sorted(ids) for path, ids in acks.items()} == {
        "Test/Key/KeyPolicy": ["AwsSolutions::AwsSolutions-IAM5[Resource::*]"],
        "Test/Key/Secret": ["AwsSolutions::AwsSolutions-SMG4"],
        "Test/Key/ProviderRole": [f"AwsSolutions::AwsSolutions-IAM5[Resource::<{handler}.Arn>:*]"],
    }
    assert all(len(reason) > 40 for ids in acks.values() for reason in ids.values())


def test_without_issue_key_there_is_no_secret_and_no_custom_resource():
    stack = new_stack()
    boundary = iam.ManagedPolicy.from_managed_policy_name(stack, "Boundary", "mantle-boundary")
    project = MantleProject.from_project_id(stack, "P", "proj_abc")
    user = MantleApiKeyUser(stack, "Key", projects=[project], user_name="mantle-key", permissions_boundary=boundary)
    tpl = template(stack)
    for absent in ("AWS::SecretsManager::Secret", "AWS::KMS::Key", "AWS::Lambda::Function", "Custom::MantleApiKey"):
        tpl.resource_count_is(absent, 0)
    assert only(tpl, "AWS::IAM::User")["Properties"]["UserName"] == "mantle-key"
    assert only(tpl, "AWS::IAM::User")["Properties"]["PermissionsBoundary"]["Fn::Join"][1][-1].endswith(
        ":policy/mantle-boundary"
    )
    assert user.secret is None
    with raises_config_error("MantleApiKeyUserNoKeyIssued", at="Test/Key"):
        user.grant_read_key(iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal()))
    with raises_config_error("MantleApiKeyUserNoKeyIssued", at="Test/Key"):
        _ = user.credential_id


def test_given_encryption_key_and_higher_cap():
    stack = new_stack()
    key = kms.Key(stack, "Mine", enable_key_rotation=True)
    project = MantleProject.from_project_id(stack, "P", "proj_abc")
    user = MantleApiKeyUser(
        stack,
        "Key",
        projects=[project],
        issue_key=True,
        credential_age_days=180,
        max_credential_age_days=365,
        key_version="2",
        encryption_key=key,
        secret_name="mantle/api-key",
    )
    tpl = template(stack)
    tpl.resource_count_is("AWS::KMS::Key", 1)
    tpl.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"Name": "mantle/api-key", "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^Mine"), "Arn"]}},
    )
    tpl.has_resource_properties("Custom::MantleApiKey", {"CredentialAgeDays": 180, "KeyVersion": "2"})
    role = next(r for k, r in tpl.find_resources("AWS::IAM::Role").items() if k.startswith("KeyHandlerRole"))
    create = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert create["Condition"]["NumericLessThanEquals"] == {facts.API_KEY_AGE_DAYS_KEY: "365"}
    assert stack.resolve(user.credential_id) == {
        "Fn::GetAtt": [_logical_id(tpl, "Custom::MantleApiKey", "KeyApiKey"), "CredentialId"]
    }


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"credential_age_days": 91}, "MantleApiKeyUserAgeRange"),
        ({"credential_age_days": 0}, "MantleApiKeyUserAgeRange"),
        ({"credential_age_days": 30.5}, "MantleApiKeyUserAgeNotWholeDays"),
        ({"credential_age_days": True}, "MantleApiKeyUserAgeNotWholeDays"),
        ({"max_credential_age_days": 36601}, "MantleApiKeyUserMaxAgeRange"),
        ({"max_credential_age_days": 0}, "MantleApiKeyUserMaxAgeRange"),
        ({"credential_age_days": 120, "max_credential_age_days": 100}, "MantleApiKeyUserAgeRange"),
        ({"projects": []}, "MantleApiKeyUserProjectsEmpty"),
    ],
)
def test_bad_props_are_rejected_with_their_code_at_the_construct(kwargs, code):
    stack = new_stack()
    kwargs.setdefault("projects", [MantleProject.from_project_id(stack, "P", "proj_abc")])
    with raises_config_error(code, at="Test/Key"):
        MantleApiKeyUser(stack, "Key", issue_key=True, **kwargs)


def test_an_age_above_the_cap_names_both_props():
    stack = new_stack()
    project = MantleProject.from_project_id(stack, "P", "proj_abc")
    with raises_config_error("MantleApiKeyUserAgeRange") as err:
        MantleApiKeyUser(stack, "Key", projects=[project], credential_age_days=91)
    assert err.value.message == (
        "MantleApiKeyUser: `credential_age_days` must be 1-90 days (max_credential_age_days), got 91"
    )


def test_age_is_validated_even_without_issuing():
    stack = new_stack()
    project = MantleProject.from_project_id(stack, "P", "proj_abc")
    with raises_config_error("MantleApiKeyUserAgeNotWholeDays") as err:
        MantleApiKeyUser(stack, "Key", projects=[project], credential_age_days=cdk.Duration.days(30))
    assert err.value.message.startswith("MantleApiKeyUser: `credential_age_days` ")


# --- the handler, run against fake AWS clients ---------------------------------------------------------------

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:k"
KEY_VALUE = "bedrock-api-key-SECRETVALUE"


class _NoSuchEntity(Exception):
    pass


class _FakeIam:
    exceptions = types.SimpleNamespace(NoSuchEntityException=_NoSuchEntity)

    def __init__(self, users=("u",), existing=()):
        self.users = set(users)
        self.keys = {u: list(existing) for u in self.users}
        self.calls = []
        self.counter = 0

    def create_service_specific_credential(self, UserName, ServiceName, CredentialAgeDays):
        self.calls.append(("create", UserName, ServiceName, CredentialAgeDays))
        if UserName not in self.users:
            raise _NoSuchEntity(UserName)
        self.counter += 1
        key_id = f"ACCA{self.counter}"
        self.keys[UserName].append(key_id)
        return {
            "ServiceSpecificCredential": {
                "ServiceSpecificCredentialId": key_id,
                "ServiceApiKeyValue": KEY_VALUE,
                "ExpirationDate": "2027-01-01",
            }
        }

    def list_service_specific_credentials(self, UserName, ServiceName):
        self.calls.append(("list", UserName, ServiceName))
        if UserName not in self.users:
            raise _NoSuchEntity(UserName)
        return {"ServiceSpecificCredentials": [{"ServiceSpecificCredentialId": k} for k in self.keys[UserName]]}

    def delete_service_specific_credential(self, UserName, ServiceSpecificCredentialId):
        self.calls.append(("delete", UserName, ServiceSpecificCredentialId))
        if ServiceSpecificCredentialId not in self.keys.get(UserName, []):
            raise _NoSuchEntity(ServiceSpecificCredentialId)
        self.keys[UserName].remove(ServiceSpecificCredentialId)


class _FakeSecrets:
    def __init__(self, fail=False):
        self.fail = fail
        self.values = []

    def put_secret_value(self, SecretId, SecretString):
        if self.fail:
            raise RuntimeError("AccessDenied on kms:GenerateDataKey")
        self.values.append((SecretId, json.loads(SecretString)))


def _load_handler(monkeypatch, fake_iam, fake_secrets):
    boto3 = types.ModuleType("boto3")
    boto3.client = lambda name: {"iam": fake_iam, "secretsmanager": fake_secrets}[name]
    monkeypatch.setitem(sys.modules, "boto3", boto3)
    namespace: dict = {}
    exec(compile(HANDLER_CODE, "index.py", "exec"), namespace)
    namespace["time"].sleep = lambda _s: None
    return namespace["on_event"]


def _event(kind, physical_id=None, user="u", days="30"):
    event = {
        "RequestType": kind,
        "ResourceProperties": {
            "ServiceToken": "x",
            "UserName": user,
            "ServiceName": facts.API_KEY_SERVICE_NAME,
            "CredentialAgeDays": days,
            "SecretArn": SECRET_ARN,
            "KeyVersion": "1",
        },
    }
    if physical_id:
        event["PhysicalResourceId"] = physical_id
    return event


def test_handler_create_writes_the_key_to_the_secret_and_returns_only_its_id(monkeypatch, capsys):
    fake_iam, secrets = _FakeIam(), _FakeSecrets()
    on_event = _load_handler(monkeypatch, fake_iam, secrets)
    response = on_event(_event("Create"), None)
    assert response == {"PhysicalResourceId": "ACCA1", "Data": {"CredentialId": "ACCA1"}}
    assert fake_iam.calls[0] == ("create", "u", facts.API_KEY_SERVICE_NAME, 30)
    assert secrets.values == [
        (
            SECRET_ARN,
            {"api_key": KEY_VALUE, "credential_id": "ACCA1", "user_name": "u", "expiration": "2027-01-01"},
        )
    ]
    assert KEY_VALUE not in json.dumps(response)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_handler_update_issues_a_new_key_and_revokes_the_old_one(monkeypatch):
    fake_iam, secrets = _FakeIam(existing=("ACCAold",)), _FakeSecrets()
    on_event = _load_handler(monkeypatch, fake_iam, secrets)
    response = on_event(_event("Update", "ACCAold"), None)
    assert response["PhysicalResourceId"] == "ACCA1"
    assert fake_iam.keys["u"] == ["ACCA1"]
    # CloudFormation then sends Delete for the old physical id: nothing left to do, the new key stays.
    assert on_event(_event("Delete", "ACCAold"), None) == {"PhysicalResourceId": "ACCAold"}
    assert fake_iam.keys["u"] == ["ACCA1"]


def test_handler_delete_revokes_its_key(monkeypatch):
    fake_iam = _FakeIam(existing=("ACCA7",))
    on_event = _load_handler(monkeypatch, fake_iam, _FakeSecrets())
    on_event(_event("Delete", "ACCA7"), None)
    assert fake_iam.keys["u"] == []


def test_handler_delete_after_a_failed_create_or_of_a_gone_user_is_a_no_op(monkeypatch):
    fake_iam = _FakeIam(users=())
    on_event = _load_handler(monkeypatch, fake_iam, _FakeSecrets())
    assert on_event(_event("Delete", "2f1c-request-id"), None) == {"PhysicalResourceId": "2f1c-request-id"}
    assert [c[0] for c in fake_iam.calls] == ["list"]


def test_handler_revokes_the_new_key_when_the_secret_cannot_be_written(monkeypatch):
    fake_iam = _FakeIam()
    on_event = _load_handler(monkeypatch, fake_iam, _FakeSecrets(fail=True))
    with pytest.raises(RuntimeError) as err:
        on_event(_event("Create"), None)
    assert KEY_VALUE not in str(err.value)
    assert fake_iam.keys["u"] == []


def test_handler_retries_while_a_new_user_is_not_yet_visible(monkeypatch):
    fake_iam = _FakeIam(users=())
    original = fake_iam.create_service_specific_credential

    def appears_on_third_try(**kwargs):
        if len([c for c in fake_iam.calls if c[0] == "create"]) == 2:
            fake_iam.users.add("u")
            fake_iam.keys["u"] = []
        return original(**kwargs)

    fake_iam.create_service_specific_credential = appears_on_third_try
    on_event = _load_handler(monkeypatch, fake_iam, _FakeSecrets())
    assert on_event(_event("Create"), None)["PhysicalResourceId"] == "ACCA1"
    assert len([c for c in fake_iam.calls if c[0] == "create"]) == 3
