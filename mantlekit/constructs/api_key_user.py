"""``MantleApiKeyUser``: an IAM user that exists to hold one long-term Bedrock API key for Mantle.

Long-term keys are IAM service-specific credentials (ServiceName ``bedrock.amazonaws.com``) of an IAM
user. AWS recommends short-term keys; when a long-term key is unavoidable (a tool that only takes a static
``OPENAI_API_KEY``), this construct makes it as small as it can be: a user with no password and no access
keys, allowed only long-term bearer-token calls and inference in named projects, tagged so that
``mantle-lint`` and people recognise it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from constructs import Construct

from mantlekit import facts
from mantlekit.constructs._common import (
    TokenType,
    bearer_token_statement,
    documented_construct,
    is_token,
    nag_acknowledge,
)
from mantlekit.constructs.errors import At, prop_error
from mantlekit.constructs.project import IMantleProject

_OWNER = "MantleApiKeyUser"
DEFAULT_CREDENTIAL_AGE_DAYS = facts.DEFAULT_MAX_KEY_AGE_DAYS
#: Runtime of the key-issuing function: the newest Python runtime aws-cdk-lib knows.
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
LONG_TERM_TAG_VALUE = "long-term"
assert LONG_TERM_TAG_VALUE in facts.API_KEY_TAG_VALUES

# The function that issues the key. It is inline (no asset to build or upload) and short on purpose.
# It never logs, returns or raises the key: the value goes from the IAM response straight into the secret.
# Create/Update issue a new key, write it, then delete this user's other Bedrock keys (the user holds one
# key; briefly two during rotation, which is IAM's limit). Delete revokes only the key it is asked about, so
# the Delete CloudFormation sends for an old physical id after an update never touches the current key.
HANDLER_CODE = """\
import json
import time

import boto3

iam = boto3.client("iam")
secrets = boto3.client("secretsmanager")


def _keys(user, service):
    try:
        listed = iam.list_service_specific_credentials(UserName=user, ServiceName=service)
    except iam.exceptions.NoSuchEntityException:
        return []
    return [c["ServiceSpecificCredentialId"] for c in listed["ServiceSpecificCredentials"]]


def _revoke(user, key_id):
    try:
        iam.delete_service_specific_credential(UserName=user, ServiceSpecificCredentialId=key_id)
    except iam.exceptions.NoSuchEntityException:
        pass


def _issue(user, service, days):
    for attempt in range(6):  # a user created seconds ago may not be visible to IAM yet
        try:
            return iam.create_service_specific_credential(
                UserName=user, ServiceName=service, CredentialAgeDays=days
            )["ServiceSpecificCredential"]
        except iam.exceptions.NoSuchEntityException:
            if attempt == 5:
                raise
            time.sleep(5)


def on_event(event, _context):
    props = event["ResourceProperties"]
    user, service = props["UserName"], props["ServiceName"]
    if event["RequestType"] == "Delete":
        key_id = event.get("PhysicalResourceId", "")
        if key_id in _keys(user, service):
            _revoke(user, key_id)
        return {"PhysicalResourceId": key_id}
    created = _issue(user, service, int(props["CredentialAgeDays"]))
    key_id = created["ServiceSpecificCredentialId"]
    try:
        value = {
            "api_key": created["ServiceApiKeyValue"],
            "credential_id": key_id,
            "user_name": user,
            "expiration": str(created.get("ExpirationDate", "")),
        }
        secrets.put_secret_value(SecretId=props["SecretArn"], SecretString=json.dumps(value))
    except Exception:
        _revoke(user, key_id)
        raise
    for other in _keys(user, service):
        if other != key_id:
            _revoke(user, other)
    return {"PhysicalResourceId": key_id, "Data": {"CredentialId": key_id}}
"""


@jsii.implements(iam.IGrantable)
@documented_construct
class MantleApiKeyUser(Construct):
    """An IAM user meant to hold one long-term Bedrock API key, optionally issuing it.

    The user has no console password and no access keys, carries the tag ``mantlekit:api-key=long-term``
    (``facts.API_KEY_TAG``), and gets one policy ("KeyPolicy"): ``bedrock-mantle:CallWithBearerToken``
    limited to ``LONG_TERM`` keys, plus the inference capability (``facts.GRANTS["inference"]``) on
    ``projects``. The construct acknowledges cdk-nag's ``AwsSolutions-IAM5[Resource::*]`` on KeyPolicy only:
    CallWithBearerToken has no resource type and the BearerTokenType condition narrows it.

    ``issue_key=True`` also issues the key at deploy time and stores it in :attr:`secret` (Secrets Manager,
    encrypted with ``encryption_key`` or a new KMS key with rotation). The key is never in the template, a
    stack output, a log or construct metadata. ``credential_age_days`` (default 90) is capped by
    ``max_credential_age_days`` (default 90; IAM allows up to 36600). Deleting the resource revokes the key.
    Changing ``key_version`` (or the age) issues a new key, updates the secret and revokes the old key, so
    readers of the secret must re-read it after a rotation. Renaming the user while a key exists is not
    supported: set ``issue_key=False``, deploy, rename, issue again.

    Why ``custom_resources.Provider`` with our own function, not ``AwsCustomResource``: AwsCustomResource
    returns the API response to CloudFormation (the key would be readable through ``Fn::GetAtt`` and
    visible in the provider's logs) and cannot write a secret in the same call. With the Provider framework
    our function writes the secret itself and returns only the credential id, and the framework handles
    CloudFormation responses and failures (no stack hanging on a crashed function). Both functions get
    roles of our own: scoped inline policies, no AWS managed policy.

    The key-issuing function's role may only: create (for ``bedrock.amazonaws.com`` and at most
    ``max_credential_age_days``), list and delete service-specific credentials of this user; put a value
    into this secret; use this KMS key through Secrets Manager; write its own log group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        projects: Sequence[IMantleProject],
        user_name: str | None = None,
        permissions_boundary: iam.IManagedPolicy | None = None,
        issue_key: bool = False,
        credential_age_days: int = DEFAULT_CREDENTIAL_AGE_DAYS,
        max_credential_age_days: int = DEFAULT_CREDENTIAL_AGE_DAYS,
        key_version: str = "1",
        encryption_key: kms.IKey | None = None,
        secret_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not projects:
            raise prop_error(
                _OWNER,
                "projects",
                "must name at least one project the key may use",
                code="MantleApiKeyUserProjectsEmpty",
                at=self,
            )
        _check_age(credential_age_days, max_credential_age_days, self)

        self.user = iam.User(self, "User", user_name=user_name, permissions_boundary=permissions_boundary)
        cdk.Tags.of(self.user).add(facts.API_KEY_TAG, LONG_TERM_TAG_VALUE)
        self.policy = iam.Policy(
            self,
            "KeyPolicy",
            users=[self.user],
            statements=[
                bearer_token_statement(TokenType.LONG_TERM, sid="LongTermApiKey"),
                iam.PolicyStatement(
                    sid="MantleInference",
                    actions=list(facts.GRANTS["inference"]),
                    resources=[p.project_arn for p in projects],
                ),
            ],
        )
        nag_acknowledge(
            self.policy,
            "AwsSolutions-IAM5[Resource::*]",
            "bedrock-mantle:CallWithBearerToken has no resource type, so Resource must be *; the statement is "
            "limited to LONG_TERM keys by a bedrock-mantle:BearerTokenType condition.",
        )

        self.credential_age_days = credential_age_days
        self.secret: secretsmanager.ISecret | None = None
        self.encryption_key: kms.IKey | None = None
        self.key_resource: cdk.CustomResource | None = None
        if issue_key:
            self._issue_key(encryption_key, secret_name, credential_age_days, max_credential_age_days, key_version)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.user.grant_principal

    @property
    def user_name(self) -> str:
        return self.user.user_name

    @property
    def user_arn(self) -> str:
        return self.user.user_arn

    def grant_read_key(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the issued key from the secret (and decrypt it)."""
        if self.secret is None:
            raise prop_error(
                _OWNER,
                "issue_key",
                "is False: there is no secret to grant access to",
                code="MantleApiKeyUserNoKeyIssued",
                at=self,
            )
        return self.secret.grant_read(grantee)

    # --- key issuing --------------------------------------------------------------------------------------

    def _issue_key(
        self,
        encryption_key: kms.IKey | None,
        secret_name: str | None,
        age_days: int,
        max_age_days: int,
        key_version: str,
    ) -> None:
        stack = cdk.Stack.of(self)
        key = encryption_key or kms.Key(
            self,
            "SecretKey",
            enable_key_rotation=True,
            description="Encrypts a long-term Bedrock API key (mantlekit MantleApiKeyUser)",
        )
        secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=secret_name,
            encryption_key=key,
            description=(
                "Long-term Bedrock API key for Mantle (JSON: api_key, credential_id, user_name, expiration). "
                "Written by the key-issuing custom resource; the initial value is a placeholder."
            ),
        )
        nag_acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "The value is an IAM service-specific credential that Secrets Manager rotation cannot mint. It "
            "expires after credential_age_days; changing key_version issues a new key, rewrites this secret "
            "and revokes the old key.",
        )

        handler_logs = logs.LogGroup(self, "HandlerLogs", retention=logs.RetentionDays.ONE_YEAR)
        handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Issues and revokes one Bedrock API key (mantlekit MantleApiKeyUser)",
            inline_policies={
                "IssueKey": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            sid="CreateBoundedBedrockKey",
                            actions=[facts.CREATE_API_KEY_ACTION],
                            resources=[self.user.user_arn],
                            conditions={
                                "StringEquals": {facts.API_KEY_SERVICE_NAME_KEY: facts.API_KEY_SERVICE_NAME},
                                "NumericLessThanEquals": {facts.API_KEY_AGE_DAYS_KEY: str(max_age_days)},
                            },
                        ),
                        iam.PolicyStatement(
                            sid="ListAndRevokeKeys",
                            actions=[facts.LIST_API_KEYS_ACTION, facts.DELETE_API_KEY_ACTION],
                            resources=[self.user.user_arn],
                        ),
                        iam.PolicyStatement(
                            sid="WriteSecret",
                            actions=["secretsmanager:PutSecretValue"],
                            resources=[secret.secret_arn],
                        ),
                        iam.PolicyStatement(
                            sid="EncryptSecret",
                            actions=["kms:GenerateDataKey", "kms:Decrypt"],
                            resources=[key.key_arn],
                            conditions={
                                "StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.{stack.url_suffix}"}
                            },
                        ),
                        iam.PolicyStatement(
                            sid="WriteOwnLogs",
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[handler_logs.log_group_arn],
                        ),
                    ]
                )
            },
        )
        handler = lambda_.Function(
            self,
            "Handler",
            runtime=HANDLER_RUNTIME,
            handler="index.on_event",
            code=lambda_.Code.from_inline(HANDLER_CODE),
            role=handler_role,
            log_group=handler_logs,
            timeout=cdk.Duration.minutes(1),
            description="Issues a long-term Bedrock API key into a secret (mantlekit MantleApiKeyUser)",
        )

        framework_logs = logs.LogGroup(self, "ProviderLogs", retention=logs.RetentionDays.ONE_YEAR)
        framework_role = iam.Role(
            self,
            "ProviderRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Custom-resource framework for the Bedrock API key (mantlekit MantleApiKeyUser)",
        )
        framework_logs.grant_write(framework_role)
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=handler,
            framework_on_event_role=framework_role,
            log_group=framework_logs,
        )
        function = cast(cdk.CfnElement, handler.node.default_child)  # a Function's default child is its CfnFunction
        handler_id = stack.resolve(stack.get_logical_id(function))
        nag_acknowledge(
            framework_role,
            f"AwsSolutions-IAM5[Resource::<{handler_id}.Arn>:*]",
            "The Provider framework may invoke any version of the key-issuing function (lambda:InvokeFunction "
            "on <function ARN>:*); it is the one function this construct defines.",
        )

        self.key_resource = cdk.CustomResource(
            self,
            "ApiKey",
            service_token=provider.service_token,
            resource_type="Custom::MantleApiKey",
            properties={
                "UserName": self.user.user_name,
                "ServiceName": facts.API_KEY_SERVICE_NAME,
                "CredentialAgeDays": age_days,
                "SecretArn": secret.secret_arn,
                "KeyVersion": key_version,
            },
        )
        self.secret = secret
        self.encryption_key = key

    @property
    def credential_id(self) -> str:
        """Id of the issued service-specific credential (not secret; needed to revoke it by hand)."""
        if self.key_resource is None:
            raise prop_error(
                _OWNER, "issue_key", "is False: no credential is issued", code="MantleApiKeyUserNoKeyIssued", at=self
            )
        return self.key_resource.get_att_string("CredentialId")


def _check_age(age_days: int, max_age_days: int, at: At) -> None:
    low, high = facts.API_KEY_AGE_DAYS_RANGE
    for prop, value in (("max_credential_age_days", max_age_days), ("credential_age_days", age_days)):
        if is_token(value) or isinstance(value, bool) or not isinstance(value, int):
            raise prop_error(
                _OWNER,
                prop,
                f"must be a whole number of days, got {value!r}",
                code="MantleApiKeyUserAgeNotWholeDays",
                at=at,
            )
    if not low <= max_age_days <= high:
        raise prop_error(
            _OWNER,
            "max_credential_age_days",
            f"must be {low}-{high} days, got {max_age_days}",
            code="MantleApiKeyUserMaxAgeRange",
            at=at,
        )
    if not low <= age_days <= max_age_days:
        raise prop_error(
            _OWNER,
            "credential_age_days",
            f"must be {low}-{max_age_days} days (max_credential_age_days), got {age_days}",
            code="MantleApiKeyUserAgeRange",
            at=at,
        )
