"""AWS global condition context keys: the keys every request may carry, whatever the service.

The Service Authorization Reference never lists them (a service page names only its own and tag keys), so
they are kept here, from the AWS global condition context keys page,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html (as of 2026-11),
with each key's value type from the same page ("Value type – Single-valued" / "Multivalued"). The engine
asks which are multivalued (a multivalued key cannot be a policy variable); the condition rules ask
which exist.
"""

from __future__ import annotations

#: When :data:`GLOBAL_KEYS` was last compared with the AWS page.
GLOBAL_KEYS_DATE = "2026-11"
#: Global keys → multivalued? (None: the page does not say; no verdict about set operators then).
#: Includes the cross-service keys that the page lists among the global keys (ec2:SourceInstanceArn,
#: lambda:SourceFunctionArn ...): they are in the request context of requests to every service.
GLOBAL_KEYS: dict[str, bool | None] = {
    # Properties of the principal
    "aws:PrincipalArn": False,
    "aws:PrincipalAccount": False,
    "aws:PrincipalOrgPaths": True,
    "aws:PrincipalOrgID": False,
    "aws:PrincipalIsAWSService": False,
    "aws:PrincipalServiceName": False,
    "aws:PrincipalServiceNamesList": True,
    "aws:PrincipalType": False,
    "aws:userid": False,
    "aws:username": False,
    # Properties of a role session
    "aws:AssumedRoot": False,
    "aws:FederatedProvider": False,
    "aws:TokenIssueTime": False,
    "aws:SignInSessionArn": False,
    "aws:MultiFactorAuthAge": False,
    "aws:MultiFactorAuthPresent": False,
    "aws:ChatbotSourceArn": False,
    "aws:Ec2InstanceSourceVpc": False,
    "aws:Ec2InstanceSourcePrivateIPv4": False,
    "aws:SourceIdentity": False,
    "ec2:RoleDelivery": False,
    "ec2:SourceInstanceArn": False,
    "glue:RoleAssumedBy": False,
    "glue:CredentialIssuingService": False,
    "codebuild:BuildArn": False,
    "codebuild:ProjectArn": False,
    "lambda:SourceFunctionArn": False,
    "ssm:SourceInstanceArn": False,
    "identitystore:UserId": False,
    # Properties of the network
    "aws:SourceIp": False,
    "aws:SourceVpc": False,
    "aws:SourceVpcArn": False,
    "aws:SourceVpce": False,
    "aws:VpceAccount": False,
    "aws:VpceOrgID": False,
    "aws:VpceOrgPaths": True,
    "aws:VpcSourceIp": False,
    # Properties of the resource
    "aws:ResourceAccount": False,
    "aws:ResourceOrgID": False,
    "aws:ResourceOrgPaths": True,
    # Properties of the request
    "aws:CalledVia": True,
    "aws:CalledViaFirst": False,
    "aws:CalledViaLast": False,
    "aws:CalledViaAWSMCP": None,
    "aws:ViaAWSService": False,
    "aws:ViaAWSMCPService": None,
    "aws:CurrentTime": False,
    "aws:EpochTime": False,
    "aws:referer": False,
    "aws:RequestedRegion": False,
    "aws:TagKeys": True,
    "aws:SecureTransport": False,
    "aws:SourceAccount": False,
    "aws:SourceArn": False,
    "aws:SourceOrgID": False,
    "aws:SourceOrgPaths": True,
    "aws:UserAgent": False,
    "aws:IsMcpServiceAction": None,
    # Not on the global page, but documented by the services that set it for every request they make
    # to a resource policy (Amazon SNS, Amazon SES, S3 event notifications) and used in AWS's examples.
    "aws:SourceOwner": False,
    # Undocumented, but AWS's own managed policy AWSSSOServiceRolePolicy conditions on it.
    "aws:PrincipalOrgMasterAccountId": False,
}
#: Families whose key names end in a tag key (any suffix); all single-valued ("aws:PrincipalTag/tag-key,
#: aws:RequestTag/tag-key, and aws:ResourceTag/tag-key are single-valued context keys", page
#: reference_policies_condition-single-vs-multi-valued-context-keys.html).
GLOBAL_FAMILIES = ("aws:PrincipalTag/", "aws:RequestTag/", "aws:ResourceTag/")
