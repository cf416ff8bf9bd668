"""``MantleInferenceRole``: an IAM role that can call models in named Mantle projects, nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from constructs import Construct

from mantlekit import facts
from mantlekit.constructs._common import (
    SOURCE_VPCE_KEY,
    TokenType,
    VpcEndpointRef,
    bearer_token_statement,
    documented_construct,
    nag_acknowledge,
    stack_partition,
    vpc_endpoint_id,
)
from mantlekit.constructs.errors import At, prop_error
from mantlekit.constructs.project import IMantleProject

_OWNER = "MantleInferenceRole"


def mantle_condition_key(name: str) -> str:
    """``bedrock-mantle:<name>``, checked against the condition-key table of :mod:`mantlekit.facts`."""
    key = f"{facts.SERVICE_PREFIX}:{name}"
    if key not in facts.CONDITION_KEYS:
        raise KeyError(key)
    return key


@jsii.implements(iam.IGrantable)
@documented_construct
class MantleInferenceRole(Construct):
    """A role for calling Mantle models: ``facts.GRANTS["inference"]`` on the given projects.

    Why a dedicated construct: the managed ``AmazonBedrockMantleInferenceAccess`` policy grants on every
    project (``project/*``) and allows every kind of API key. This role is scoped to named projects, and
    ``project/*`` only with an explicit ``all_projects=True`` (never together with ``projects``).

    Optional narrowing, each an extra condition:

    * ``models``: ``bedrock-mantle:Model`` allowlist. Mantle evaluates that key only on actions that choose a
      model (CreateInference, CountTokens); the other inference actions (list models, read a response) go
      in a statement without it, otherwise an absent key would make them always fail.
    * ``service_tiers``: ``bedrock-mantle:ServiceTier`` allowlist, on CreateInference only (same reason).
    * ``vpc_endpoint``: ``aws:SourceVpce`` = that endpoint on every statement, so the role works only
      through it. AWS documents no Mantle example for this global key: test it before relying on it.
    * ``short_term_bearer_tokens``: also allow short-term API keys minted from this role's session
      (``CallWithBearerToken`` with ``BearerTokenType = SHORT_TERM``); off by default, SigV4 needs none.

    The Mantle statements live in their own ``iam.Policy`` ("MantlePolicy"); ``role.add_to_policy`` adds to
    the role's default policy as usual. When ``short_term_bearer_tokens`` is on, the construct acknowledges
    cdk-nag's ``AwsSolutions-IAM5[Resource::*]`` on MantlePolicy only: CallWithBearerToken has no resource
    type, so ``*`` is the only resource that works, and the BearerTokenType condition is what narrows it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        assumed_by: iam.IPrincipal,
        projects: Sequence[IMantleProject] | None = None,
        all_projects: bool = False,
        models: Sequence[str] | None = None,
        service_tiers: Sequence[str] | None = None,
        vpc_endpoint: VpcEndpointRef | None = None,
        short_term_bearer_tokens: bool = False,
        role_name: str | None = None,
        description: str | None = None,
        max_session_duration: cdk.Duration | None = None,
        permissions_boundary: iam.IManagedPolicy | None = None,
    ) -> None:
        super().__init__(scope, id)
        if all_projects and projects:
            raise prop_error(
                _OWNER,
                "all_projects",
                "conflicts with `projects`: give one or the other",
                code="MantleInferenceRoleProjectsConflict",
                at=self,
            )
        if not all_projects and not projects:
            raise prop_error(
                _OWNER,
                "projects",
                "must name at least one project (or set all_projects=True)",
                code="MantleInferenceRoleProjectsEmpty",
                at=self,
            )
        requested: dict[str, list[str]] = {}
        if models is not None:
            requested[mantle_condition_key("Model")] = _non_empty_strings("models", models, self)
        if service_tiers is not None:
            requested[mantle_condition_key("ServiceTier")] = _non_empty_strings("service_tiers", service_tiers, self)
        network: dict[str, Any] = {}
        if vpc_endpoint is not None:
            network = {SOURCE_VPCE_KEY: vpc_endpoint_id(_OWNER, "vpc_endpoint", vpc_endpoint, self)}

        stack = cdk.Stack.of(self)
        if all_projects:
            resources = [facts.project_arn(stack.region, stack.account, "*", partition=stack_partition(stack))]
        else:
            resources = [p.project_arn for p in projects or ()]

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=assumed_by,
            role_name=role_name,
            description=description or f"Calls {facts.SERVICE_PREFIX} models in chosen projects (mantlekit)",
            max_session_duration=max_session_duration,
            permissions_boundary=permissions_boundary,
        )
        statements = _inference_statements(resources, requested, network)
        if short_term_bearer_tokens:
            extra = {"StringEquals": network} if network else None
            statements.append(bearer_token_statement(TokenType.SHORT_TERM, sid="ShortTermApiKeys", extra=extra))
        self.policy = iam.Policy(self, "MantlePolicy", statements=statements, roles=[self.role])
        if short_term_bearer_tokens:
            nag_acknowledge(
                self.policy,
                "AwsSolutions-IAM5[Resource::*]",
                "bedrock-mantle:CallWithBearerToken has no resource type, so Resource must be *; the statement "
                "is limited to SHORT_TERM keys by a bedrock-mantle:BearerTokenType condition.",
            )

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role.grant_principal

    @property
    def role_arn(self) -> str:
        return self.role.role_arn

    @property
    def role_name(self) -> str:
        return self.role.role_name


def _non_empty_strings(prop: str, values: Sequence[str], at: At) -> list[str]:
    if isinstance(values, str) or len(values) == 0:
        raise prop_error(
            _OWNER,
            prop,
            "must be a non-empty list of strings when given",
            code="MantleInferenceRoleConditionValuesEmpty",
            at=at,
        )
    for v in values:
        if not isinstance(v, str) or not v:
            raise prop_error(
                _OWNER,
                prop,
                f"must contain non-empty strings, got {v!r}",
                code="MantleInferenceRoleConditionValueInvalid",
                at=at,
            )
    return list(dict.fromkeys(values))


def _inference_statements(
    resources: list[str], requested: dict[str, list[str]], network: dict[str, Any]
) -> list[iam.PolicyStatement]:
    """One statement per set of requested condition keys the actions support (facts.ACTIONS knows which)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for action in facts.GRANTS["inference"]:
        supported = facts.ACTIONS[action.split(":", 1)[1]].condition_keys
        applicable = tuple(k for k in requested if k in supported)
        groups.setdefault(applicable, []).append(action)
    statements = []
    for keys, actions in sorted(groups.items(), key=lambda kv: len(kv[0])):
        equals: dict[str, Any] = {k: requested[k] if len(requested[k]) > 1 else requested[k][0] for k in keys}
        equals.update(network)
        statements.append(
            iam.PolicyStatement(
                sid="MantleInference" + "".join(k.split(":", 1)[1] for k in keys),
                actions=actions,
                resources=resources,
                conditions={"StringEquals": equals} if equals else None,
            )
        )
    return statements
