"""The Mantle stack of one environment: projects, inference roles, API-key users and key guardrails."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from mantlekit import facts
from mantlekit.constructs import (
    MantleApiKeyUser,
    MantleInferenceRole,
    MantleKeyGuardrails,
    MantleProject,
)
from stacks.config import EnvironmentConfig, RoleConfig, construct_id
from stacks.network import API_KEY_TOKENS, NetworkStack


def principal_of(entry: str) -> iam.IPrincipal:
    """An ``assumed_by`` entry (checked by stacks.config) as a CDK principal."""
    if entry.isdigit():
        return iam.AccountPrincipal(entry)
    if entry.startswith("arn:"):
        return iam.ArnPrincipal(entry)
    return iam.ServicePrincipal(entry)


class MantleStack(cdk.Stack):
    """Everything Mantle in one environment, wired to the environment's network stack.

    The endpoint id comes from ``network`` (a cross-stack reference, exported by the network stack): it is
    an output here, and the ``aws:SourceVpce`` value of roles and guardrails configured ``endpoint_only``.
    Guardrails become a deny-only managed policy attached to every IAM role and user of this stack (the
    inference roles, the key users and the roles of the key-issuing functions), and an SCP when
    ``scp_target_ids`` is configured.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, network: NetworkStack, **kwargs: object
    ) -> None:
        super().__init__(
            scope,
            id,
            env=cdk.Environment(account=config.account, region=config.region),
            description=f"mantlekit {config.name}: bedrock-mantle projects, inference roles and API-key users",
            **kwargs,  # type: ignore[arg-type]
        )
        self.config = config
        endpoint_id = network.endpoint.vpc_endpoint_id

        self.projects: dict[str, MantleProject] = {}
        for p in config.projects:
            self.projects[p.name] = MantleProject(
                self,
                f"Project{construct_id(p.name)}",
                name=p.name,
                tags=p.tags,
                cost_center=p.cost_center or config.cost_center,
                removal_policy=cdk.RemovalPolicy.RETAIN if p.retain else None,
            )

        self.guardrails: MantleKeyGuardrails | None = None
        g = config.guardrails
        if g is not None:
            self.guardrails = MantleKeyGuardrails(
                self,
                "KeyGuardrails",
                deny_bearer_tokens=API_KEY_TOKENS[g.deny_api_keys],
                max_credential_age_days=g.max_credential_age_days,
                vpc_endpoints=[endpoint_id] if g.endpoint_only else None,
                scp_target_ids=list(g.scp_target_ids) if g.scp_target_ids else None,
            )

        self.roles: dict[str, MantleInferenceRole] = {}
        for r in config.roles:
            self.roles[r.name] = self._role(r, endpoint_id)

        self.key_users: dict[str, MantleApiKeyUser] = {}
        max_age = g.max_credential_age_days if g is not None else None
        for u in config.key_users:
            self.key_users[u.name] = MantleApiKeyUser(
                self,
                f"KeyUser{construct_id(u.name)}",
                projects=[self.projects[name] for name in u.projects],
                issue_key=u.issue_key,
                credential_age_days=u.credential_age_days,
                max_credential_age_days=max_age or max(u.credential_age_days, 90),
            )

        self.guardrails_policy: iam.ManagedPolicy | None = None
        if self.guardrails is not None and g is not None and g.attach_to_principals:
            self.guardrails_policy = self._attach_guardrails(self.guardrails)
        self._outputs(endpoint_id)

    def _attach_guardrails(self, guardrails: MantleKeyGuardrails) -> iam.ManagedPolicy:
        """The guardrails as a deny-only managed policy attached to every IAM role and user of this stack.

        For the principals it is attached to, an explicit Deny in any identity policy wins, so this has the
        effect a permissions boundary holding the same denies would have, without the boundary's
        ``Allow * on *`` ceiling (which linters rightly report wherever it appears).
        """
        policy = iam.ManagedPolicy(
            self,
            "KeyGuardrailsPolicy",
            description=f"mantlekit {self.config.name}: Bedrock API-key guardrails (Deny statements only)",
            document=guardrails.document,
        )
        for node in self.node.find_all():
            if isinstance(node, iam.Role):
                policy.attach_to_role(node)
            elif isinstance(node, iam.User):
                policy.attach_to_user(node)
        return policy

    def _role(self, r: RoleConfig, endpoint_id: str) -> MantleInferenceRole:
        principals = [principal_of(e) for e in r.assumed_by]
        return MantleInferenceRole(
            self,
            f"Role{construct_id(r.name)}",
            assumed_by=principals[0] if len(principals) == 1 else iam.CompositePrincipal(*principals),
            projects=[self.projects[name] for name in r.projects],
            models=list(r.models) if r.models else None,
            short_term_bearer_tokens=r.short_term_keys,
            vpc_endpoint=endpoint_id if r.endpoint_only else None,
            description=f"mantlekit {self.config.name}: {r.name} calls bedrock-mantle models in "
            + ", ".join(r.projects),
        )

    def _outputs(self, endpoint_id: str) -> None:
        env = self.config.name
        cdk.CfnOutput(
            self,
            "OpenaiBaseUrl",
            value=facts.base_url(self.config.region),
            description=f"OPENAI_BASE_URL for {env} (private DNS resolves it to the VPC endpoint inside the VPC)",
        )
        cdk.CfnOutput(self, "VpcEndpointId", value=endpoint_id, description=f"bedrock-mantle endpoint of {env}")
        for name, project in self.projects.items():
            cid = construct_id(name)
            cdk.CfnOutput(
                self,
                f"Project{cid}Id",
                value=project.project_id,
                description=f"Mantle project {name}: OpenAI(project=...) / OpenAI-Project header",
            )
            cdk.CfnOutput(self, f"Project{cid}Arn", value=project.project_arn, description=f"ARN of project {name}")
        for name, role in self.roles.items():
            cdk.CfnOutput(self, f"Role{construct_id(name)}Arn", value=role.role_arn, description=f"Role {name}")
        for name, user in self.key_users.items():
            cid = construct_id(name)
            cdk.CfnOutput(self, f"KeyUser{cid}Name", value=user.user_name, description=f"IAM user of key {name}")
            if user.secret is not None:
                cdk.CfnOutput(
                    self,
                    f"KeyUser{cid}SecretArn",
                    value=user.secret.secret_arn,
                    description=f"Secret holding API key {name} (JSON field api_key); the key itself is never output",
                )
        if self.guardrails_policy is not None:
            cdk.CfnOutput(
                self,
                "KeyGuardrailsPolicyArn",
                value=self.guardrails_policy.managed_policy_arn,
                description="API-key guardrails (Deny only), attached to every IAM role and user of this stack",
            )
