"""``MantleKeyGuardrails``: deny statements that bound what Bedrock API keys can do, as an SCP or a boundary.

Identity policies say what a principal may do; guardrails say what nobody may do whatever their policies
say. For API keys on Mantle the classic mistakes are a deny on ``bedrock:CallWithBearerToken`` alone (which
leaves the Mantle endpoint open, it checks ``bedrock-mantle:CallWithBearerToken``, and Claude Platform on AWS,
which checks ``aws-external-anthropic:CallWithBearerToken``) and an age limit that forgets keys created
without an age (they never expire). This construct writes the statements once, right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from mantlekit import facts
from mantlekit.constructs._common import (
    SOURCE_VPCE_KEY,
    TokenType,
    VpcEndpointRef,
    documented_construct,
    is_token,
    nag_acknowledge,
    vpc_endpoint_ids,
)
from mantlekit.constructs.errors import At, prop_error
from mantlekit.constructs.validation import MantleLintPlugin

_OWNER = "MantleKeyGuardrails"
SCP_TYPE = "SERVICE_CONTROL_POLICY"
_TARGET_RE = re.compile(r"^(r-[0-9a-z]{4,32}|[0-9]{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
_TOKEN_WORDS = {TokenType.LONG_TERM: "LongTerm", TokenType.SHORT_TERM: "ShortTerm"}


@documented_construct
class MantleKeyGuardrails(Construct):
    """Guardrails for Bedrock API keys on Mantle, as a policy document and, when asked, as deployable policies.

    Statements (all ``Deny``, all optional):

    * ``deny_bearer_tokens`` (default ``TokenType.BOTH``): deny API-key use wherever a Bedrock API key is
      accepted, i.e. every action of ``facts.BEARER_TOKEN_ACTIONS``: ``bedrock-mantle:CallWithBearerToken``
      (the Mantle endpoint), ``bedrock:CallWithBearerToken`` (``bedrock`` / ``bedrock-runtime``) and
      ``aws-external-anthropic:CallWithBearerToken`` (Claude Platform on AWS). Denying fewer leaves a door
      open: a key refused on one host still works on the others. With ``LONG_TERM`` (or ``SHORT_TERM``) only
      that kind is denied, through one statement per action, each conditioned on its own key
      (``facts.BEARER_TOKEN_TYPE_KEYS``): one statement carrying all keys would never match, since each
      request carries only one of them. AWS documents the ``SHORT_TERM`` / ``LONG_TERM`` values for the
      bedrock and bedrock-mantle keys only; the Claude Platform statement uses the same values, which at
      worst matches nothing (a Deny that never applies), never more. ``None``: no such deny.
      The list is ``facts.BEARER_TOKEN_ACTIONS`` alone, not the action catalog: what a stack synthesizes
      must not depend on which catalog the machine running ``cdk synth`` has.
    * ``max_credential_age_days`` (default 90): deny ``iam:CreateServiceSpecificCredential`` for
      ``bedrock.amazonaws.com`` when ``iam:ServiceSpecificCredentialAgeDays`` is greater than that, **and**
      when the age is missing (``Null``), because a key created without an age never expires.
      ``None``: no such deny.
    * ``vpc_endpoints``: deny Mantle inference (``facts.GRANTS["inference"]``) unless the request comes
      through one of these interface endpoints (``aws:SourceVpce``). AWS documents no Mantle example for
      this global key: test before relying on it.

    Forms:

    * :attr:`document` is always built (an ``iam.PolicyDocument``), to use however you like.
    * ``scp_target_ids`` (root ``r-...``, OU ``ou-...`` or account ids): an ``AWS::Organizations::Policy`` of
      type SERVICE_CONTROL_POLICY attached to them (:attr:`scp`). Deploy it from the management account or
      a delegated administrator. SCPs never affect the management account itself.
    * ``permissions_boundary=True``: a managed policy usable as a permissions boundary (:attr:`boundary`).
      A boundary only *caps* permissions, and a principal can do only what both its policies and its
      boundary allow; a boundary with only Deny statements would therefore block everything. So the
      boundary is "allow everything except the guardrails": one ``Allow * on *`` statement (it grants
      nothing by itself) plus the denies. cdk-nag reports that Allow as IAM5 ``Action::*`` and
      ``Resource::*`` (and mantle-lint as IAM008); the construct acknowledges exactly those findings on the
      boundary, with this reason. Note: whoever may edit the boundary or detach it can lift the guardrails;
      an SCP cannot be lifted from inside the account.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        deny_bearer_tokens: TokenType | None = TokenType.BOTH,
        max_credential_age_days: int | None = facts.DEFAULT_MAX_KEY_AGE_DAYS,
        vpc_endpoints: Sequence[VpcEndpointRef] | None = None,
        scp_target_ids: Sequence[str] | None = None,
        scp_name: str | None = None,
        permissions_boundary: bool = False,
        boundary_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        if deny_bearer_tokens is not None and not isinstance(deny_bearer_tokens, TokenType):
            raise prop_error(
                _OWNER,
                "deny_bearer_tokens",
                f"must be a TokenType or None, got {deny_bearer_tokens!r}",
                code="MantleTokenTypeInvalid",
                at=self,
            )
        if max_credential_age_days is not None:
            low, high = facts.API_KEY_AGE_DAYS_RANGE
            if (
                isinstance(max_credential_age_days, bool)
                or not isinstance(max_credential_age_days, int)
                or not low <= max_credential_age_days <= high
            ):
                raise prop_error(
                    _OWNER,
                    "max_credential_age_days",
                    f"must be {low}-{high} days or None, got {max_credential_age_days!r}",
                    code="MantleKeyGuardrailsMaxAgeRange",
                    at=self,
                )
        endpoint_ids = []
        if vpc_endpoints is not None:
            endpoint_ids = vpc_endpoint_ids(_OWNER, "vpc_endpoints", vpc_endpoints, self)
        if deny_bearer_tokens is None and max_credential_age_days is None and not endpoint_ids:
            raise prop_error(
                _OWNER,
                "deny_bearer_tokens",
                "is None and so are `max_credential_age_days` and `vpc_endpoints`: there is nothing to enforce",
                code="MantleKeyGuardrailsNothingToEnforce",
                at=self,
            )
        if scp_target_ids is not None:
            _check_targets(scp_target_ids, self)

        statements = [
            *_bearer_token_denies(deny_bearer_tokens),
            *_key_age_denies(max_credential_age_days),
            *_endpoint_denies(endpoint_ids),
        ]
        #: The guardrails as a policy document (Deny statements only).
        self.document = iam.PolicyDocument(statements=statements)
        self.statements = statements

        self.scp: organizations.CfnPolicy | None = None
        if scp_target_ids is not None:
            self.scp = organizations.CfnPolicy(
                self,
                "Scp",
                name=scp_name or cdk.Names.unique_resource_name(self, max_length=128),
                type=SCP_TYPE,
                content=self.document,
                target_ids=list(scp_target_ids),
                description="Guardrails for Bedrock API keys on Mantle (mantlekit MantleKeyGuardrails)",
            )

        self._boundary: iam.ManagedPolicy | None = None
        if permissions_boundary:
            self._boundary = iam.ManagedPolicy(
                self,
                "Boundary",
                managed_policy_name=boundary_name,
                description="Permissions boundary: everything except the Bedrock API-key guardrails (mantlekit)",
                statements=[
                    iam.PolicyStatement(sid="AllowAllButGuardrails", actions=["*"], resources=["*"]),
                    *statements,
                ],
            )
            reason = (
                "Permissions boundary: the Allow * on * is the ceiling a boundary needs so that it only "
                "subtracts the Deny guardrails; it grants nothing by itself."
            )
            nag_acknowledge(self._boundary, "AwsSolutions-IAM5[Action::*]", reason)
            nag_acknowledge(self._boundary, "AwsSolutions-IAM5[Resource::*]", reason)
            # mantle-lint reports the same statement as IAM008 (allow-all without condition).
            MantleLintPlugin.acknowledge(self._boundary, "IAM008", reason)

    @property
    def has_boundary(self) -> bool:
        """Whether ``permissions_boundary=True`` made :attr:`boundary`."""
        return self._boundary is not None

    @property
    def boundary(self) -> iam.ManagedPolicy:
        """The permissions boundary (made with ``permissions_boundary=True``): an ``iam.ManagedPolicy``, so
        it goes wherever an ``iam.IManagedPolicy`` is expected (``PermissionsBoundary.of(x).apply(...)``,
        ``permissions_boundary=``) without a check for None at every use. Without ``permissions_boundary``
        asking for it is a :class:`MantleConfigError` naming that prop."""
        if self._boundary is None:
            raise prop_error(
                _OWNER,
                "permissions_boundary",
                "is False, so there is no boundary: set it to True",
                code="MantleKeyGuardrailsNoBoundary",
                at=self,
            )
        return self._boundary


#: Sid suffix of the per-kind deny of each bearer-token action (the endpoint family it closes).
_ENDPOINT_WORDS = {
    facts.CALL_WITH_BEARER_TOKEN: "Mantle",
    facts.BEDROCK_CALL_WITH_BEARER_TOKEN: "Bedrock",
    facts.EXTERNAL_ANTHROPIC_CALL_WITH_BEARER_TOKEN: "ClaudePlatform",
}


def _endpoint_word(action: str) -> str:
    """``Mantle`` for bedrock-mantle:..., and a CamelCase prefix for an action facts may add later."""
    return _ENDPOINT_WORDS.get(action) or "".join(w.title() for w in re.split(r"[^A-Za-z0-9]+", action.split(":")[0]))


def _bearer_token_denies(token_type: TokenType | None) -> list[iam.PolicyStatement]:
    if token_type is None:
        return []
    actions = facts.BEARER_TOKEN_ACTIONS
    if token_type is TokenType.BOTH:
        return [iam.PolicyStatement(sid="DenyApiKeys", effect=iam.Effect.DENY, actions=list(actions), resources=["*"])]
    word = _TOKEN_WORDS[token_type]
    return [
        iam.PolicyStatement(
            sid=f"Deny{word}ApiKeysOn{_endpoint_word(action)}",
            effect=iam.Effect.DENY,
            actions=[action],
            resources=["*"],
            conditions={"StringEquals": {facts.BEARER_TOKEN_TYPE_KEYS[action]: token_type.condition_value}},
        )
        for action in actions
    ]


def _key_age_denies(max_days: int | None) -> list[iam.PolicyStatement]:
    if max_days is None:
        return []
    bedrock = {facts.API_KEY_SERVICE_NAME_KEY: facts.API_KEY_SERVICE_NAME}
    return [
        iam.PolicyStatement(
            sid="DenyLongLivedApiKeys",
            effect=iam.Effect.DENY,
            actions=[facts.CREATE_API_KEY_ACTION],
            resources=["*"],
            conditions={"StringEquals": bedrock, "NumericGreaterThan": {facts.API_KEY_AGE_DAYS_KEY: str(max_days)}},
        ),
        iam.PolicyStatement(
            sid="DenyNonExpiringApiKeys",
            effect=iam.Effect.DENY,
            actions=[facts.CREATE_API_KEY_ACTION],
            resources=["*"],
            conditions={"StringEquals": bedrock, "Null": {facts.API_KEY_AGE_DAYS_KEY: "true"}},
        ),
    ]


def _endpoint_denies(endpoint_ids: list[str]) -> list[iam.PolicyStatement]:
    if not endpoint_ids:
        return []
    return [
        iam.PolicyStatement(
            sid="DenyMantleInferenceOutsideEndpoint",
            effect=iam.Effect.DENY,
            actions=list(facts.GRANTS["inference"]),
            resources=["*"],
            conditions={
                "StringNotEquals": {SOURCE_VPCE_KEY: endpoint_ids[0] if len(endpoint_ids) == 1 else endpoint_ids}
            },
        )
    ]


def _check_targets(targets: Sequence[str], at: At) -> None:
    if isinstance(targets, str) or len(targets) == 0:
        raise prop_error(
            _OWNER,
            "scp_target_ids",
            "must list at least one root, OU or account id",
            code="MantleKeyGuardrailsScpTargetsEmpty",
            at=at,
        )
    for target in targets:
        if not is_token(target) and not _TARGET_RE.match(target):
            raise prop_error(
                _OWNER,
                "scp_target_ids",
                f"must be root (r-...), OU (ou-...-...) or 12-digit account ids, got {target!r}",
                code="MantleKeyGuardrailsScpTargetInvalid",
                at=at,
            )
