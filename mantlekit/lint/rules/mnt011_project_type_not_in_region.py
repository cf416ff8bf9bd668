"""MNT011: a Mantle project resource in a stack whose region CloudFormation serves without that type."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit import facts
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import TemplateResource
from mantlekit.lint.rules.base import Rule

PROJECT_TYPE = facts.PROJECT_RESOURCE_TYPE


def _check(resource: TemplateResource) -> Iterator[Finding]:
    # Only where the stack's region is known: a bare template can be deployed anywhere.
    if resource.type != PROJECT_TYPE or resource.region not in facts.CFN_PROJECT_UNSUPPORTED_REGIONS:
        return
    if resource.tool == "terraform":
        # awscc creates resources through Cloud Control, which serves only the CloudFormation registry's types
        message = (
            f"{resource.logical_id} cannot be created in {resource.region}: the awscc provider creates it through "
            f"Cloud Control, which has no {PROJECT_TYPE} in {resource.region}, although Mantle serves the region; "
            "use the default project, or create the project with the Projects API "
            "(POST /v1/organization/projects) and pass its id to the configuration as a variable"
        )
    else:
        message = (
            f"{PROJECT_TYPE} {resource.logical_id} cannot be deployed in {resource.region}: CloudFormation has no "
            f"{PROJECT_TYPE} resource type there, although Mantle serves the region; use the default project, or "
            "create the project with the Projects API (POST /v1/organization/projects) and pass its id to the stack"
        )
    yield RULE.at_resource(resource, message, region=resource.region, resource_type=resource.type)


RULE = Rule(
    id="MNT011",
    name="project-type-not-in-region",
    severity="error",
    summary=(
        "A stack with an AWS::BedrockMantle::Project resource targets a region where Mantle serves but "
        "CloudFormation does not register that resource type (ap-southeast-2, eu-central-1, eu-south-1)."
    ),
    rationale=(
        "CloudFormation resource types are registered region by region, and AWS::BedrockMantle::Project is "
        "missing from three regions that have the bedrock-mantle endpoint. A stack that declares a project "
        "there fails validation when it is created or changed ('Unrecognized resource types'), so nothing in "
        "it is deployed. The rule fires only when the stack's region is known: a cloud assembly stack with an "
        "explicit environment (aws://<account>/<region>); a bare template can be deployed anywhere. Terraform's "
        "awscc_bedrockmantle_project fails there too: the awscc provider creates it through Cloud Control, which "
        "serves the registry's types; its region is that of the awscc provider configuration it uses (or of its "
        "ARN in a state)."
    ),
    fix=(
        "Use the account's default project there (no resource: requests without an OpenAI-Project header go "
        "to it), or create the project outside CloudFormation with the Projects API "
        '(POST https://bedrock-mantle.<region>.api.aws/v1/organization/projects {"name": ...}) and pass its id '
        "and ARN to the stack as parameters; grant on arn:aws:bedrock-mantle:<region>:<account>:project/<id>."
    ),
    references=(
        "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_bedrockmantle.CfnProject.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/projects.html",
    ),
    tags=("security", "mantle"),
    check_resource=_check,
)
