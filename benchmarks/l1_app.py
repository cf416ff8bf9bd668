#!/usr/bin/env python3
"""The reference app written with L1 constructs only (``Cfn*`` classes and ``CfnResource``), for
``benchmarks/synth_time.py``.

It reads the same configuration (cdk.json) and synthesizes, per environment, stacks with the same names and
the same resources by type and count as ``app.py`` (synth_time.py checks that before timing anything): VPC,
subnets, routes, NAT, flow logs, the bedrock-mantle endpoint and its security group; projects, inference
roles and their policies, key users, the key-issuing function, secret, KMS key and custom resource, the
guardrails policy; the same outputs and the same cross-stack reference. Differences that do not change the
resource set: the custom-resource framework function gets a stub inline body instead of CDK's bundled
framework asset (so this app copies no asset into cdk.out). With ``--plugins`` it runs cdk-nag's
AwsSolutions pack and mantle-lint at synth as app.py does, acknowledging the same findings the constructs
acknowledge.

    python benchmarks/l1_app.py [--plugins]     # writes to $CDK_OUTDIR or a temporary directory
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import sys
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrockmantle as bedrockmantle
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from mantlekit import facts  # noqa: E402
from stacks.config import CONTEXT_KEY, CreateVpc, EnvironmentConfig, construct_id, parse  # noqa: E402

V = "2012-10-17"
ONE_YEAR = 365
BEARER_REASON = "bedrock-mantle:CallWithBearerToken has no resource type; a BearerTokenType condition narrows it."
HANDLER_STUB = "def on_event(event, context):\n    return {'PhysicalResourceId': 'stub'}\n"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def trust(principal: dict[str, Any]) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal})


def principal_of(entry: str) -> dict[str, Any]:
    if entry.isdigit():
        return {"AWS": f"arn:aws:iam::{entry}:root"}
    if entry.startswith("arn:"):
        return {"AWS": entry}
    return {"Service": entry}


class L1Network(cdk.Stack):
    def __init__(self, scope: cdk.App, id: str, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, env=cdk.Environment(account=config.account, region=config.region))
        spec = config.vpc
        if isinstance(spec, CreateVpc):
            vpc_id, cidr, private_subnets = self._vpc(spec)
        else:
            vpc_id, cidr, private_subnets = spec.vpc_id, spec.cidr, list(spec.private_subnet_ids)
        group = ec2.CfnSecurityGroup(
            self,
            "EndpointSecurityGroup",
            group_description="bedrock-mantle interface endpoint: HTTPS from allowed peers only",
            vpc_id=vpc_id,
            security_group_ingress=[
                ec2.CfnSecurityGroup.IngressProperty(
                    ip_protocol="tcp", from_port=443, to_port=443, cidr_ip=cidr, description="HTTPS to bedrock-mantle"
                )
            ],
            security_group_egress=[
                ec2.CfnSecurityGroup.EgressProperty(
                    ip_protocol="icmp", from_port=252, to_port=86, cidr_ip="255.255.255.255/32"
                )
            ],
        )
        statements = [
            {
                "Sid": "AllowMantleApi",
                "Effect": "Allow",
                "Principal": "*",
                "Action": f"{facts.SERVICE_PREFIX}:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": config.account}},
            }
        ]
        tokens = {"long-term": facts.LONG_TERM, "short-term": facts.SHORT_TERM}
        if config.endpoint.api_keys == "none":
            statements.append(
                {"Effect": "Deny", "Principal": "*", "Action": facts.CALL_WITH_BEARER_TOKEN, "Resource": "*"}
            )
        elif config.endpoint.api_keys in tokens:
            statements.append(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": facts.CALL_WITH_BEARER_TOKEN,
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {facts.BEARER_TOKEN_TYPE_KEY: tokens[config.endpoint.api_keys]}},
                }
            )
        self.endpoint = ec2.CfnVPCEndpoint(
            self,
            "Endpoint",
            vpc_id=vpc_id,
            service_name=facts.endpoint_service_name(config.region),
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=private_subnets,
            security_group_ids=[group.attr_group_id],
            policy_document=doc(*statements),
        )
        cdk.CfnOutput(self, "VpcId", value=vpc_id)
        cdk.CfnOutput(self, "VpcEndpointId", value=self.endpoint.ref)

    def _vpc(self, spec: CreateVpc) -> tuple[str, str, list[str]]:
        vpc = ec2.CfnVPC(self, "Vpc", cidr_block=spec.cidr, enable_dns_hostnames=True, enable_dns_support=True)
        groups = 2 if spec.nat_gateways else 1
        n = len(spec.availability_zones)
        net = ipaddress.IPv4Network(spec.cidr)
        blocks = list(net.subnets(new_prefix=net.prefixlen + math.ceil(math.log2(groups * n))))
        public, private, nats = [], [], []
        gateway = None
        if spec.nat_gateways:
            igw = ec2.CfnInternetGateway(self, "IGW")
            gateway = ec2.CfnVPCGatewayAttachment(self, "VPCGW", vpc_id=vpc.ref, internet_gateway_id=igw.ref)
            for i, az in enumerate(spec.availability_zones):
                subnet = ec2.CfnSubnet(
                    self,
                    f"Public{i}",
                    vpc_id=vpc.ref,
                    cidr_block=str(blocks[i]),
                    availability_zone=az,
                    map_public_ip_on_launch=True,
                )
                table = ec2.CfnRouteTable(self, f"Public{i}Table", vpc_id=vpc.ref)
                ec2.CfnSubnetRouteTableAssociation(
                    self, f"Public{i}Assoc", subnet_id=subnet.ref, route_table_id=table.ref
                )
                route = ec2.CfnRoute(
                    self,
                    f"Public{i}Default",
                    route_table_id=table.ref,
                    destination_cidr_block="0.0.0.0/0",
                    gateway_id=igw.ref,
                )
                route.node.add_dependency(gateway)
                public.append(subnet)
                if i < spec.nat_gateways:
                    eip = ec2.CfnEIP(self, f"Public{i}EIP", domain="vpc")
                    nats.append(
                        ec2.CfnNatGateway(
                            self, f"Public{i}NAT", allocation_id=eip.attr_allocation_id, subnet_id=subnet.ref
                        )
                    )
        for i, az in enumerate(spec.availability_zones):
            block = blocks[(n if spec.nat_gateways else 0) + i]
            subnet = ec2.CfnSubnet(
                self,
                f"Private{i}",
                vpc_id=vpc.ref,
                cidr_block=str(block),
                availability_zone=az,
                map_public_ip_on_launch=False,
            )
            table = ec2.CfnRouteTable(self, f"Private{i}Table", vpc_id=vpc.ref)
            ec2.CfnSubnetRouteTableAssociation(self, f"Private{i}Assoc", subnet_id=subnet.ref, route_table_id=table.ref)
            if nats:
                ec2.CfnRoute(
                    self,
                    f"Private{i}Default",
                    route_table_id=table.ref,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nats[i % len(nats)].ref,
                )
            private.append(subnet.ref)
        log_group = logs.CfnLogGroup(self, "FlowLogs", retention_in_days=ONE_YEAR)
        role = iam.CfnRole(
            self, "FlowLogRole", assume_role_policy_document=trust({"Service": "vpc-flow-logs.amazonaws.com"})
        )
        iam.CfnPolicy(
            self,
            "FlowLogPolicy",
            policy_name="FlowLogPolicy",
            roles=[role.ref],
            policy_document=doc(
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": log_group.attr_arn,
                }
            ),
        )
        ec2.CfnFlowLog(
            self,
            "FlowLog",
            resource_id=vpc.ref,
            resource_type="VPC",
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_group_name=log_group.ref,
            deliver_logs_permission_arn=role.attr_arn,
        )
        cdk.Validations.of(self).acknowledge(
            cdk.Acknowledgment(id="CloudFormation-Validate::W3010", reason="AZs are named by the configuration.")
        )
        return vpc.ref, spec.cidr, private


class L1Mantle(cdk.Stack):
    def __init__(self, scope: cdk.App, id: str, config: EnvironmentConfig, network: L1Network) -> None:
        super().__init__(scope, id, env=cdk.Environment(account=config.account, region=config.region))
        endpoint_id = network.endpoint.ref
        projects = {}
        for p in config.projects:
            tags = {**p.tags, "mantlekit:cost-center": p.cost_center or config.cost_center or ""}
            project = bedrockmantle.CfnProject(
                self,
                f"Project{construct_id(p.name)}",
                name=p.name,
                tags=[cdk.CfnTag(key=k, value=v) for k, v in tags.items()],
            )
            if p.retain:
                project.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            projects[p.name] = project
        roles: list[iam.CfnRole] = []
        users: list[iam.CfnUser] = []
        for r in config.roles:
            principals = [principal_of(e) for e in r.assumed_by]
            merged: dict[str, list[str]] = {}
            for pr in principals:
                for k, v in pr.items():
                    merged.setdefault(k, []).append(v)
            role = iam.CfnRole(
                self,
                f"Role{construct_id(r.name)}",
                assume_role_policy_document=trust({k: v[0] if len(v) == 1 else v for k, v in merged.items()}),
            )
            roles.append(role)
            resources = [projects[n].attr_arn for n in r.projects]
            network_cond = {"aws:SourceVpce": endpoint_id} if r.endpoint_only else {}
            chosen = {f"{facts.SERVICE_PREFIX}:CreateInference", f"{facts.SERVICE_PREFIX}:CountTokens"}
            plain = [a for a in facts.GRANTS["inference"] if not (r.models and a in chosen)]
            statements = [{"Sid": "MantleInference", "Effect": "Allow", "Action": plain, "Resource": resources}]
            if network_cond:
                statements[0]["Condition"] = {"StringEquals": dict(network_cond)}
            if r.models:
                statements.append(
                    {
                        "Sid": "MantleInferenceModel",
                        "Effect": "Allow",
                        "Action": sorted(chosen),
                        "Resource": resources,
                        "Condition": {"StringEquals": {"bedrock-mantle:Model": list(r.models), **network_cond}},
                    }
                )
            if r.short_term_keys:
                statements.append(
                    {
                        "Sid": "ShortTermApiKeys",
                        "Effect": "Allow",
                        "Action": facts.CALL_WITH_BEARER_TOKEN,
                        "Resource": "*",
                        "Condition": {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: facts.SHORT_TERM, **network_cond}},
                    }
                )
            role_policy = iam.CfnPolicy(
                self,
                f"Role{construct_id(r.name)}Policy",
                policy_name=f"Role{construct_id(r.name)}Policy",
                roles=[role.ref],
                policy_document=doc(*statements),
            )
            if r.short_term_keys:
                acknowledge(role_policy, "AwsSolutions-IAM5[Resource::*]", BEARER_REASON)
            cdk.CfnOutput(self, f"Role{construct_id(r.name)}Arn", value=role.attr_arn)
        for u in config.key_users:
            cid = construct_id(u.name)
            user = iam.CfnUser(self, f"KeyUser{cid}", tags=[cdk.CfnTag(key=facts.API_KEY_TAG, value="long-term")])
            users.append(user)
            key_policy = iam.CfnPolicy(
                self,
                f"KeyUser{cid}Policy",
                policy_name=f"KeyUser{cid}Policy",
                users=[user.ref],
                policy_document=doc(
                    {
                        "Sid": "LongTermApiKey",
                        "Effect": "Allow",
                        "Action": facts.CALL_WITH_BEARER_TOKEN,
                        "Resource": "*",
                        "Condition": {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: facts.LONG_TERM}},
                    },
                    {
                        "Sid": "MantleInference",
                        "Effect": "Allow",
                        "Action": list(facts.GRANTS["inference"]),
                        "Resource": [projects[n].attr_arn for n in u.projects],
                    },
                ),
            )
            acknowledge(key_policy, "AwsSolutions-IAM5[Resource::*]", BEARER_REASON)
            cdk.CfnOutput(self, f"KeyUser{cid}Name", value=user.ref)
            if u.issue_key:
                roles += self._issue_key(cid, user, u.credential_age_days, config)
        if config.guardrails is not None:
            g = config.guardrails
            statements = []
            if g.deny_api_keys == "all":
                statements.append(
                    {
                        "Sid": "DenyApiKeys",
                        "Effect": "Deny",
                        "Action": list(facts.BEARER_TOKEN_ACTIONS),
                        "Resource": "*",
                    }
                )
            elif g.deny_api_keys != "none":
                value = facts.LONG_TERM if g.deny_api_keys == "long-term" else facts.SHORT_TERM
                for action, key in facts.BEARER_TOKEN_TYPE_KEYS.items():
                    statements.append(
                        {
                            "Effect": "Deny",
                            "Action": action,
                            "Resource": "*",
                            "Condition": {"StringEquals": {key: value}},
                        }
                    )
            if g.max_credential_age_days is not None:
                bedrock = {facts.API_KEY_SERVICE_NAME_KEY: facts.API_KEY_SERVICE_NAME}
                for condition in (
                    {"NumericGreaterThan": {facts.API_KEY_AGE_DAYS_KEY: str(g.max_credential_age_days)}},
                    {"Null": {facts.API_KEY_AGE_DAYS_KEY: "true"}},
                ):
                    statements.append(
                        {
                            "Effect": "Deny",
                            "Action": facts.CREATE_API_KEY_ACTION,
                            "Resource": "*",
                            "Condition": {"StringEquals": bedrock, **condition},
                        }
                    )
            policy = iam.CfnManagedPolicy(
                self,
                "KeyGuardrailsPolicy",
                policy_document=doc(*statements),
                roles=[r.ref for r in roles],
                users=[u.ref for u in users],
            )
            cdk.CfnOutput(self, "KeyGuardrailsPolicyArn", value=policy.ref)
        cdk.CfnOutput(self, "OpenaiBaseUrl", value=facts.base_url(config.region))
        cdk.CfnOutput(self, "VpcEndpointId", value=endpoint_id)
        for name, project in projects.items():
            cdk.CfnOutput(self, f"Project{construct_id(name)}Id", value=project.attr_id)
            cdk.CfnOutput(self, f"Project{construct_id(name)}Arn", value=project.attr_arn)

    def _issue_key(self, cid: str, user: iam.CfnUser, age: int, config: EnvironmentConfig) -> list[iam.CfnRole]:
        root = {"AWS": f"arn:aws:iam::{config.account}:root"}
        via = {"StringEquals": {"kms:ViaService": f"secretsmanager.{config.region}.amazonaws.com"}}
        key = kms.CfnKey(
            self,
            f"KeyUser{cid}SecretKey",
            enable_key_rotation=True,
            key_policy=doc(
                {"Effect": "Allow", "Principal": root, "Action": "kms:*", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Principal": root,
                    "Action": ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": via,
                },
            ),
        )
        key.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        secret = secretsmanager.CfnSecret(
            self,
            f"KeyUser{cid}Secret",
            kms_key_id=key.attr_arn,
            generate_secret_string=secretsmanager.CfnSecret.GenerateSecretStringProperty(),
        )
        acknowledge(secret, "AwsSolutions-SMG4", "An IAM service-specific credential; rotation cannot mint one.")
        handler_logs = logs.CfnLogGroup(self, f"KeyUser{cid}HandlerLogs", retention_in_days=ONE_YEAR)
        framework_logs = logs.CfnLogGroup(self, f"KeyUser{cid}ProviderLogs", retention_in_days=ONE_YEAR)
        lambda_trust = trust({"Service": "lambda.amazonaws.com"})
        handler_role = iam.CfnRole(
            self,
            f"KeyUser{cid}HandlerRole",
            assume_role_policy_document=lambda_trust,
            policies=[
                iam.CfnRole.PolicyProperty(
                    policy_name="IssueKey",
                    policy_document=doc(
                        {
                            "Effect": "Allow",
                            "Action": facts.CREATE_API_KEY_ACTION,
                            "Resource": user.attr_arn,
                            "Condition": {
                                "StringEquals": {facts.API_KEY_SERVICE_NAME_KEY: facts.API_KEY_SERVICE_NAME},
                                "NumericLessThanEquals": {facts.API_KEY_AGE_DAYS_KEY: str(age)},
                            },
                        },
                        {
                            "Effect": "Allow",
                            "Action": [facts.LIST_API_KEYS_ACTION, facts.DELETE_API_KEY_ACTION],
                            "Resource": user.attr_arn,
                        },
                        {"Effect": "Allow", "Action": "secretsmanager:PutSecretValue", "Resource": secret.ref},
                        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key.attr_arn},
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": handler_logs.attr_arn,
                        },
                    ),
                )
            ],
        )
        handler = lambda_.CfnFunction(
            self,
            f"KeyUser{cid}Handler",
            runtime="python3.14",
            handler="index.on_event",
            role=handler_role.attr_arn,
            timeout=60,
            code=lambda_.CfnFunction.CodeProperty(zip_file=HANDLER_STUB),
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=handler_logs.ref),
        )
        framework_role = iam.CfnRole(self, f"KeyUser{cid}ProviderRole", assume_role_policy_document=lambda_trust)
        iam.CfnPolicy(
            self,
            f"KeyUser{cid}ProviderPolicy",
            policy_name=f"KeyUser{cid}ProviderPolicy",
            roles=[framework_role.ref],
            policy_document=doc(
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": framework_logs.attr_arn,
                },
                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [handler.attr_arn]},
            ),
        )
        framework = lambda_.CfnFunction(
            self,
            f"KeyUser{cid}Framework",
            runtime="nodejs24.x",
            handler="index.onEvent",
            role=framework_role.attr_arn,
            timeout=900,
            code=lambda_.CfnFunction.CodeProperty(zip_file="exports.onEvent = async () => ({});\n"),
            environment=lambda_.CfnFunction.EnvironmentProperty(
                variables={"USER_ON_EVENT_FUNCTION_ARN": handler.attr_arn}
            ),
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=framework_logs.ref),
        )
        api_key = cdk.CfnResource(
            self,
            f"KeyUser{cid}ApiKey",
            type="Custom::MantleApiKey",
            properties={
                "ServiceToken": framework.attr_arn,
                "UserName": user.ref,
                "ServiceName": facts.API_KEY_SERVICE_NAME,
                "CredentialAgeDays": age,
                "SecretArn": secret.ref,
                "KeyVersion": "1",
            },
        )
        api_key.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
        cdk.CfnOutput(self, f"KeyUser{cid}SecretArn", value=secret.ref)
        return [handler_role, framework_role]


def acknowledge(scope: Any, finding: str, reason: str) -> None:
    """The acknowledgements the constructs make, for a run with the validation plugins (``--plugins``)."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"AwsSolutions::{finding}", reason=reason))


def build(app: cdk.App, raw: dict[str, Any], plugins: bool = False) -> None:
    """The stacks of every environment; ``plugins``: also cdk-nag and mantle-lint, as app.py runs them."""
    if plugins:
        from cdk_nag import AwsSolutionsChecks

        from mantlekit.constructs.validation import MantleLintPlugin

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), MantleLintPlugin())
    for env in parse(raw).environments:
        network = L1Network(app, f"mantlekit-{env.name}-network", env)
        mantle = L1Mantle(app, f"mantlekit-{env.name}-mantle", env, network)
        for stack in (network, mantle):
            cdk.Tags.of(stack).add("mantlekit:app", "reference")
            cdk.Tags.of(stack).add("mantlekit:environment", env.name)
            for k, v in env.tags.items():
                cdk.Tags.of(stack).add(k, v)
            if env.cost_center:
                cdk.Tags.of(stack).add(
                    "mantlekit:cost-center", env.cost_center, exclude_resource_types=["AWS::BedrockMantle::Project"]
                )


def main() -> int:
    with open(os.path.join(ROOT, "cdk.json"), encoding="utf-8") as fh:
        context = json.load(fh)["context"]
    app = cdk.App(context=context)
    build(app, context[CONTEXT_KEY], plugins="--plugins" in sys.argv)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
