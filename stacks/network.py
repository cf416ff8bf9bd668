"""The network stack of one environment: its VPC (created or imported) and the Mantle PrivateLink endpoint."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from mantlekit.constructs import MantleEndpoint, TokenType
from stacks.config import CreateVpc, EnvironmentConfig

#: ``api_keys`` / ``deny_api_keys`` choices -> the constructs' key types (None: no API keys at all).
API_KEY_TOKENS = {
    "all": TokenType.BOTH,
    "long-term": TokenType.LONG_TERM,
    "short-term": TokenType.SHORT_TERM,
    "none": None,
}
FLOW_LOG_RETENTION = logs.RetentionDays.ONE_YEAR


class NetworkStack(cdk.Stack):
    """VPC plus ``MantleEndpoint``.

    A created VPC gets the availability zones named in the configuration (no lookup, and the us-east-1 Mantle
    endpoint service is not offered in every AZ), private subnets for the endpoint (with egress through NAT
    when ``nat_gateways`` > 0, isolated otherwise) and VPC flow logs to CloudWatch Logs. An imported VPC is
    described by attributes (``Vpc.from_vpc_attributes``), so synthesis needs no AWS account.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, **kwargs: object) -> None:
        super().__init__(
            scope,
            id,
            env=cdk.Environment(account=config.account, region=config.region),
            description=f"mantlekit {config.name}: VPC and bedrock-mantle PrivateLink endpoint",
            **kwargs,  # type: ignore[arg-type]
        )
        self.config = config
        if isinstance(config.vpc, CreateVpc):
            self.vpc: ec2.IVpc = self._create_vpc(config.vpc)
        else:
            self.vpc = ec2.Vpc.from_vpc_attributes(
                self,
                "Vpc",
                vpc_id=config.vpc.vpc_id,
                vpc_cidr_block=config.vpc.cidr,
                availability_zones=list(config.vpc.availability_zones),
                private_subnet_ids=list(config.vpc.private_subnet_ids),
            )
            cdk.Annotations.of(self.vpc).acknowledge_warning(
                "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                "Only the interface endpoint is placed in these subnets; nothing here reads their route tables.",
            )
        self.endpoint = MantleEndpoint(
            self,
            "MantleEndpoint",
            vpc=self.vpc,
            bearer_tokens=API_KEY_TOKENS[config.endpoint.api_keys],
            organization_id=config.endpoint.organization_id,
        )
        cdk.CfnOutput(self, "VpcId", value=self.vpc.vpc_id, description="VPC of the Mantle endpoint")
        cdk.CfnOutput(
            self, "VpcEndpointId", value=self.endpoint.vpc_endpoint_id, description="bedrock-mantle interface endpoint"
        )

    @property
    def availability_zones(self) -> list[str]:
        """The configured AZs. CDK would otherwise look the account's AZs up (an AWS call at synth) to check
        the VPC's AZs against them; here the configuration is the source of truth and synth stays offline."""
        return list(self.config.vpc.availability_zones)

    def _create_vpc(self, spec: CreateVpc) -> ec2.Vpc:
        if spec.nat_gateways > 0:
            subnets = [
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ]
        else:
            subnets = [ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)]
        flow_logs = logs.LogGroup(self, "FlowLogs", retention=FLOW_LOG_RETENTION)
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(spec.cidr),
            availability_zones=list(spec.availability_zones),
            nat_gateways=spec.nat_gateways,
            subnet_configuration=subnets,
            restrict_default_security_group=False,
            flow_logs={
                "FlowLog": ec2.FlowLogOptions(destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs))
            },
        )
        cdk.Validations.of(vpc).acknowledge(
            cdk.Acknowledgment(
                id="CloudFormation-Validate::W3010",
                reason="The configuration names the AZs on purpose: the bedrock-mantle endpoint service is not "
                "offered in every AZ of a region, and naming them keeps synthesis free of AWS lookups.",
            )
        )
        return vpc
