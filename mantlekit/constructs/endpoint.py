"""``MantleEndpoint``: a PrivateLink (interface VPC) endpoint for the Mantle API.

With private DNS on, ``bedrock-mantle.<region>.api.aws`` resolves inside the VPC to the endpoint, so the
usual ``OPENAI_BASE_URL`` keeps working and traffic never leaves the AWS network. The endpoint policy is a
second lock: even a leaked key or role of another account cannot be used through this network path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from mantlekit import facts
from mantlekit.constructs._common import (
    PRINCIPAL_ACCOUNT_KEY,
    PRINCIPAL_ORG_ID_KEY,
    TokenType,
    bearer_token_conditions,
    documented_construct,
    is_token,
    nag_acknowledge,
)
from mantlekit.constructs.errors import At, config_error, prop_error
from mantlekit.constructs.project import IMantleProject

HTTPS = 443
_ORG_ID_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
_OWNER = "MantleEndpoint"


@documented_construct
class MantleEndpoint(Construct):
    """Interface VPC endpoint for ``com.amazonaws.<region>.bedrock-mantle``, locked down by default.

    Secure defaults, and why:

    * private DNS on, so clients use the normal ``base_url`` and cannot silently bypass the endpoint;
    * private subnets (with egress, else isolated) unless ``subnets`` says otherwise: an endpoint in a public
      subnet buys nothing;
    * its own security group: HTTPS (443) from ``allowed_peers`` (default: the VPC's CIDR) and no other
      ingress, no egress (endpoint network interfaces never open connections);
    * an endpoint policy that allows only principals of this stack's account (``aws:PrincipalAccount``), or
      of ``organization_id`` (``aws:PrincipalOrgID``), optionally only on ``projects`` and ``actions``.

    API keys: a bearer-token call needs ``bedrock-mantle:CallWithBearerToken`` in the endpoint policy too
    (on ``Resource: "*"``, it has no resource type). ``bearer_tokens`` chooses which key types may pass;
    ``None`` blocks API keys through this endpoint (SigV4 still works).

    The stack's region must offer the Mantle PrivateLink service (``facts.PRIVATELINK_REGIONS``); a concrete
    region that does not is an error at synth, a region token (env-agnostic stack) is not checked.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection | None = None,
        allowed_peers: Sequence[ec2.IPeer] | None = None,
        organization_id: str | None = None,
        projects: Sequence[IMantleProject] | None = None,
        actions: Sequence[str] | None = None,
        bearer_tokens: TokenType | None = TokenType.BOTH,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        region = stack.region
        if not is_token(region) and region not in facts.PRIVATELINK_REGIONS:
            raise config_error(
                f"{_OWNER}: region {region!r} (the stack's env.region) has no {facts.SERVICE_PREFIX} PrivateLink "
                f"service; supported regions: {', '.join(sorted(facts.PRIVATELINK_REGIONS))}",
                code="MantleEndpointRegionUnsupported",
                at=self,
            )
        if organization_id is not None and not is_token(organization_id) and not _ORG_ID_RE.match(organization_id):
            raise prop_error(
                _OWNER,
                "organization_id",
                f"must look like o-abc123def4, got {organization_id!r}",
                code="MantleEndpointOrganizationIdInvalid",
                at=self,
            )
        if projects is not None and len(projects) == 0:
            raise prop_error(
                _OWNER,
                "projects",
                "must name at least one project when given (omit it for all)",
                code="MantleEndpointProjectsEmpty",
                at=self,
            )
        if actions is not None:
            _check_actions(actions, self)
        if bearer_tokens is not None and not isinstance(bearer_tokens, TokenType):
            raise prop_error(
                _OWNER,
                "bearer_tokens",
                f"must be a TokenType or None, got {bearer_tokens!r}",
                code="MantleTokenTypeInvalid",
                at=self,
            )

        self.vpc = vpc
        self.region = region
        #: ``https://bedrock-mantle.<region>.api.aws/v1``: with private DNS on, this resolves to the endpoint.
        self.base_url = facts.base_url(region)
        #: The regional host name private DNS maps to the endpoint.
        self.hostname = facts.endpoint_hostname(region)

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"{facts.SERVICE_PREFIX} interface endpoint: HTTPS from allowed peers only",
            allow_all_outbound=False,
        )
        peers, cidr_is_token = self._peers(vpc, allowed_peers, self)
        for peer in peers:
            self.security_group.add_ingress_rule(peer, ec2.Port.tcp(HTTPS), f"HTTPS to {facts.SERVICE_PREFIX}")
        if cidr_is_token:
            nag_acknowledge(
                self.security_group,
                "AwsSolutions-EC23",
                "The only ingress rule is tcp/443 from this VPC's own CIDR block, a CloudFormation expression that "
                "cdk-nag cannot resolve at synth; MantleEndpoint itself rejects /0 peers.",
            )

        self.endpoint = ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointService(facts.endpoint_service_name(region), HTTPS),
            private_dns_enabled=True,
            subnets=subnets or _private_subnets(vpc, self),
            security_groups=[self.security_group],
            open=False,
        )
        for statement in self._policy_statements(stack, organization_id, projects, actions, bearer_tokens):
            self.endpoint.add_to_policy(statement)

    # --- attributes -------------------------------------------------------------------------------------

    @property
    def vpc_endpoint_id(self) -> str:
        """The endpoint id (``vpce-...``), e.g. for ``aws:SourceVpce`` conditions."""
        return self.endpoint.vpc_endpoint_id

    @property
    def dns_entries(self) -> list[str]:
        """``hostedZoneId:dnsName`` entries of the endpoint (regional first, then zonal)."""
        return self.endpoint.vpc_endpoint_dns_entries

    @property
    def endpoint_dns_name(self) -> str:
        """The endpoint-specific regional name (``vpce-....bedrock-mantle.<region>.vpce.amazonaws.com``)."""
        return cdk.Fn.select(1, cdk.Fn.split(":", cdk.Fn.select(0, self.dns_entries)))

    @property
    def connections(self) -> ec2.Connections:
        """Allow more clients with ``endpoint.connections.allow_default_port_from(...)``."""
        return self.endpoint.connections

    def add_to_policy(self, statement: iam.PolicyStatement) -> None:
        """Add a statement to the endpoint policy."""
        self.endpoint.add_to_policy(statement)

    # --- internals ----------------------------------------------------------------------------------------

    @staticmethod
    def _peers(vpc: ec2.IVpc, allowed_peers: Sequence[ec2.IPeer] | None, at: At) -> tuple[list[ec2.IPeer], bool]:
        if allowed_peers is not None:
            if len(allowed_peers) == 0:
                raise prop_error(
                    _OWNER,
                    "allowed_peers",
                    "must name at least one peer (omit it for the VPC CIDR)",
                    code="MantleEndpointPeersEmpty",
                    at=at,
                )
            for peer in allowed_peers:
                config = peer.to_ingress_rule_config()
                cidr = config.cidr_ip or config.cidr_ipv6
                if isinstance(cidr, str) and not is_token(cidr) and cidr.endswith("/0"):
                    raise prop_error(
                        _OWNER,
                        "allowed_peers",
                        f"must not open the endpoint to {cidr}",
                        code="MantleEndpointPeerOpenToWorld",
                        at=at,
                    )
            return list(allowed_peers), False
        # Prefer the literal CIDR of a VPC defined in this app (cdk-nag can check a literal); fall back to
        # the VPC's CidrBlock attribute.
        cfn_vpc = vpc.node.default_child
        cidr = getattr(cfn_vpc, "cidr_block", None) if isinstance(cfn_vpc, ec2.CfnVPC) else None
        if not isinstance(cidr, str) or is_token(cidr):
            cidr = vpc.vpc_cidr_block
        return [ec2.Peer.ipv4(cidr)], is_token(cidr)

    @staticmethod
    def _policy_statements(
        stack: cdk.Stack,
        organization_id: str | None,
        projects: Sequence[IMantleProject] | None,
        actions: Sequence[str] | None,
        bearer_tokens: TokenType | None,
    ) -> list[iam.PolicyStatement]:
        if organization_id is not None:
            who = {PRINCIPAL_ORG_ID_KEY: organization_id}
        else:
            who = {PRINCIPAL_ACCOUNT_KEY: stack.account}
        anyone = [iam.StarPrincipal()]
        api_actions = list(actions) if actions is not None else [f"{facts.SERVICE_PREFIX}:*"]
        resources = [p.project_arn for p in projects] if projects is not None else ["*"]
        statements = [
            iam.PolicyStatement(
                sid="AllowMantleApi",
                principals=anyone,
                actions=api_actions,
                resources=resources,
                conditions={"StringEquals": dict(who)},
            )
        ]
        first_covers_bearer = actions is None and projects is None
        if first_covers_bearer:
            # bedrock-mantle:* on * already allows CallWithBearerToken; narrow it with a deny if asked to.
            if bearer_tokens is None:
                statements.append(
                    iam.PolicyStatement(
                        sid="DenyBearerTokens",
                        effect=iam.Effect.DENY,
                        principals=anyone,
                        actions=[facts.CALL_WITH_BEARER_TOKEN],
                        resources=["*"],
                    )
                )
            elif bearer_tokens is not TokenType.BOTH:
                statements.append(
                    iam.PolicyStatement(
                        sid="DenyOtherBearerTokens",
                        effect=iam.Effect.DENY,
                        principals=anyone,
                        actions=[facts.CALL_WITH_BEARER_TOKEN],
                        resources=["*"],
                        conditions={"StringNotEquals": {facts.BEARER_TOKEN_TYPE_KEY: bearer_tokens.condition_value}},
                    )
                )
        elif bearer_tokens is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="AllowBearerTokens",
                    principals=anyone,
                    actions=[facts.CALL_WITH_BEARER_TOKEN],
                    resources=["*"],
                    conditions=bearer_token_conditions(bearer_tokens, {"StringEquals": who}),
                )
            )
        return statements


def _check_actions(actions: Sequence[str], at: At) -> None:
    if len(actions) == 0:
        raise prop_error(
            _OWNER,
            "actions",
            "must name at least one action when given (omit it for all)",
            code="MantleEndpointActionsEmpty",
            at=at,
        )
    known = {a.full_name.lower() for a in facts.ACTIONS.values()}
    for action in actions:
        if not isinstance(action, str) or not action.startswith(facts.SERVICE_PREFIX + ":"):
            raise prop_error(
                _OWNER,
                "actions",
                f"must be {facts.SERVICE_PREFIX} actions, got {action!r}",
                code="MantleEndpointActionNotMantle",
                at=at,
            )
        if action.lower() == facts.CALL_WITH_BEARER_TOKEN.lower():
            raise prop_error(
                _OWNER,
                "actions",
                f"must not list {action}; use `bearer_tokens` for API keys",
                code="MantleEndpointActionBearerToken",
                at=at,
            )
        if "*" not in action and "?" not in action and action.lower() not in known:
            raise prop_error(
                _OWNER,
                "actions",
                f"names an action {facts.SERVICE_PREFIX} does not have: {action!r}",
                code="MantleEndpointActionUnknown",
                at=at,
            )


def _private_subnets(vpc: ec2.IVpc, at: At) -> ec2.SubnetSelection:
    if vpc.private_subnets:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    if vpc.isolated_subnets:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    raise prop_error(
        _OWNER,
        "subnets",
        "has no default: the VPC has no private or isolated subnets; choose subnets",
        code="MantleEndpointNoPrivateSubnets",
        at=at,
    )
