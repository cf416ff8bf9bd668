"""Helpers shared by the Mantle constructs.

Mantle facts (action names, condition keys, ARN shapes, regions) come from :mod:`mantlekit.facts`; this
module only holds what is about *building* CDK things: token checks, the bearer-token
statement every construct needs, and the few global IAM condition keys (``aws:*``) that are not Mantle facts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from constructs import IConstruct, IValidation

from mantlekit import facts
from mantlekit.constructs.errors import At, prop_error

#: Global condition keys. They are IAM facts, not Mantle facts, so they live here rather than in facts.py.
PRINCIPAL_ACCOUNT_KEY = "aws:PrincipalAccount"
PRINCIPAL_ORG_ID_KEY = "aws:PrincipalOrgID"
SOURCE_VPCE_KEY = "aws:SourceVpce"

#: Name under which cdk-nag's AwsSolutions pack reports; CDK acknowledgements are ``<plugin>::<rule>``.
NAG_PACK = "AwsSolutions"

_VPCE_ID_RE = re.compile(r"^vpce-[0-9a-f]{8,17}$")


def is_token(value: Any) -> bool:
    """True when ``value`` is (or contains) a CDK token whose value is only known at deploy time."""
    return cdk.Token.is_unresolved(value)


class TokenType(enum.Enum):
    """Kinds of Bedrock API keys (bearer tokens), as the ``BearerTokenType`` condition keys name them.

    ``LONG_TERM`` keys are IAM service-specific credentials of an IAM user (they live until they expire or are
    deleted); ``SHORT_TERM`` keys are presigned tokens minted client-side from a principal's own credentials
    (at most 12 hours). ``BOTH`` means either kind.
    """

    LONG_TERM = (facts.LONG_TERM,)
    SHORT_TERM = (facts.SHORT_TERM,)
    BOTH = facts.TOKEN_TYPES

    @property
    def condition_value(self) -> str | list[str]:
        """The value for a ``StringEquals`` on a ``BearerTokenType`` key: one string, or a list for BOTH."""
        return self.value[0] if len(self.value) == 1 else list(self.value)


def bearer_token_conditions(
    token_type: TokenType, extra: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Conditions limiting ``bedrock-mantle:CallWithBearerToken`` to ``token_type`` (plus ``extra``)."""
    conditions: dict[str, dict[str, Any]] = {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: token_type.condition_value}}
    for operator, block in (extra or {}).items():
        conditions.setdefault(operator, {}).update(block)
    return conditions


def bearer_token_statement(
    token_type: TokenType, *, sid: str | None = None, extra: Mapping[str, Mapping[str, Any]] | None = None
) -> iam.PolicyStatement:
    """Allow ``bedrock-mantle:CallWithBearerToken`` for one kind of key.

    The action has no resource type, so ``Resource`` must be ``*`` (a project ARN would never match); the
    ``BearerTokenType`` condition is what keeps the grant narrow.
    """
    return iam.PolicyStatement(
        sid=sid,
        actions=[facts.CALL_WITH_BEARER_TOKEN],
        resources=["*"],
        conditions=bearer_token_conditions(token_type, extra),
    )


def grant_bearer_token(grantee: iam.IGrantable, *, token_type: TokenType) -> iam.Grant:
    """Let ``grantee`` call Mantle with bearer tokens (Bedrock API keys) of ``token_type``.

    Separate from the project grants on purpose: it is not project-scoped (Resource ``*``), and it decides
    whether a principal may use API keys at all, which deserves an explicit line in the app.
    """
    if not isinstance(token_type, TokenType):
        raise prop_error(
            "grant_bearer_token",
            "token_type",
            f"must be a TokenType, got {token_type!r}",
            code="MantleTokenTypeInvalid",
        )
    return iam.Grant.add_to_principal(
        grantee=grantee,
        actions=[facts.CALL_WITH_BEARER_TOKEN],
        resource_arns=["*"],
        conditions=bearer_token_conditions(token_type),
    )


def stack_partition(stack: cdk.Stack) -> str:
    """The ARN partition: a literal when the stack's region is known (cleaner ARNs), else ``AWS::Partition``."""
    return stack.partition if is_token(stack.region) else facts.partition_of(stack.region)


class HasVpcEndpointId(Protocol):
    """Anything with a ``vpc_endpoint_id``: a :class:`MantleEndpoint`, an ``ec2.IInterfaceVpcEndpoint``."""

    @property
    def vpc_endpoint_id(self) -> str: ...


#: How a construct prop names a VPC endpoint: a MantleEndpoint, an interface endpoint, or its ``vpce-...`` id.
VpcEndpointRef = HasVpcEndpointId | str


_Construct = TypeVar("_Construct", bound=type)


def documented_construct(cls: _Construct) -> _Construct:
    """Make ``help(cls)`` and ``inspect.signature(cls)`` show the construct's own keyword arguments.

    jsii's metaclass defines ``__call__(*args, **kwargs)``, which ``inspect`` takes for the class's
    signature, and an ``__init__`` without a docstring shows the inherited one of ``aws_cdk.Resource`` or
    ``constructs.Construct`` (their ``account``/``region`` props, not ours). So the class gets the signature
    of its ``__init__`` (without ``self``), and ``__init__`` a docstring that sends the reader to the props
    documented on the class.
    """
    import inspect

    init = cls.__dict__["__init__"]
    signature = inspect.signature(init)
    cls.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]  # read by inspect; not declared on type
    if not init.__doc__:
        init.__doc__ = (
            f"Define a {cls.__name__} in ``scope`` as ``id``; the keyword arguments are documented on the class."
        )
    return cls


def vpc_endpoint_id(owner: str, prop: str, endpoint: object, at: At = None) -> str:
    """The id (``vpce-...``) of a MantleEndpoint, an interface VPC endpoint, or an id given as a string."""
    if isinstance(endpoint, str):
        if not is_token(endpoint) and not _VPCE_ID_RE.match(endpoint):
            raise prop_error(
                owner,
                prop,
                f"must be a VPC endpoint id like vpce-0123456789abcdef0, got {endpoint!r}",
                code="MantleVpcEndpointIdInvalid",
                at=at,
            )
        return endpoint
    endpoint_id = getattr(endpoint, "vpc_endpoint_id", None)
    if isinstance(endpoint_id, str):
        return endpoint_id
    raise prop_error(
        owner,
        prop,
        f"must be a MantleEndpoint, an IInterfaceVpcEndpoint or a vpce id, got {endpoint!r}",
        code="MantleVpcEndpointRefInvalid",
        at=at,
    )


def vpc_endpoint_ids(owner: str, prop: str, endpoints: object, at: At = None) -> list[str]:
    """Like :func:`vpc_endpoint_id` for one endpoint or a sequence of them (at least one)."""
    if isinstance(endpoints, str) or not isinstance(endpoints, Sequence):
        endpoints = [endpoints]
    if not endpoints or any(e is None for e in endpoints):
        raise prop_error(
            owner, prop, "must name at least one VPC endpoint (and no None)", code="MantleVpcEndpointsEmpty", at=at
        )
    return [vpc_endpoint_id(owner, prop, e, at) for e in endpoints]


def nag_acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one cdk-nag AwsSolutions finding (e.g. ``AwsSolutions-IAM5[Resource::*]``) on ``scope``.

    Used only for findings that follow from Mantle or IAM themselves, on constructs these classes own, and
    always with the specific finding id (never a bare rule id that would hide future wildcards).
    """
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{NAG_PACK}::{finding}", reason=reason))


@jsii.implements(IValidation)
class LazyValidation:
    """Adapter so a plain Python callable can be a ``constructs.IValidation`` (run at synth)."""

    def __init__(self, check: Any) -> None:
        self._check = check

    def validate(self) -> list[str]:
        return list(self._check())
