"""``MantleProject``: an L2 over ``AWS::BedrockMantle::Project`` with project-scoped grants.

A Mantle project is the unit of isolation on the Mantle endpoint: stored responses, files and fine-tuning
jobs belong to one project, and IAM can scope every data-plane action to its ARN. Granting on project ARNs
(never ``project/*``) is therefore the main thing these classes are for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import aws_cdk as cdk
from aws_cdk import aws_bedrockmantle as bedrockmantle
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from mantlekit import facts
from mantlekit.constructs._common import (
    LazyValidation,
    TokenType,
    documented_construct,
    grant_bearer_token,
    is_token,
    stack_partition,
)
from mantlekit.constructs.errors import At, MantleConfigError, config_error, construct_path, prop_error

#: Tag key of the cost-allocation convention: ``MantleProject(cost_center="...")`` writes it. Activate it
#: once per payer account (Billing > Cost allocation tags) to see Mantle spend per cost center in Cost
#: Explorer; Mantle meters usage per project, so a project tag is all cost allocation needs.
COST_CENTER_TAG_KEY = "mantlekit:cost-center"

# Limits of the CloudFormation schema of AWS::BedrockMantle::Project.
NAME_MAX = 128
TAGS_MAX = 200
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256


@runtime_checkable
class IMantleProject(Protocol):
    """A Mantle project, defined in this app or imported. Everything a grant needs is its ARN."""

    @property
    def project_arn(self) -> str: ...

    @property
    def project_id(self) -> str: ...

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant: ...

    def grant_inference(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_files(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_fine_tuning(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_admin(self, grantee: iam.IGrantable) -> iam.Grant: ...


class _ProjectBase(cdk.Resource):
    """Grants shared by owned and imported projects. Every grant is on this project's ARN only."""

    @property
    def project_arn(self) -> str:
        raise NotImplementedError

    @property
    def project_id(self) -> str:
        raise NotImplementedError

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``actions`` (full names, ``bedrock-mantle:...``) on this project to ``grantee``."""
        for action in actions:
            if not action.startswith(facts.SERVICE_PREFIX + ":"):
                raise prop_error(
                    "MantleProject.grant",
                    "actions",
                    f"must be {facts.SERVICE_PREFIX} actions, got {action!r}",
                    code="MantleProjectGrantActionInvalid",
                    at=self,
                )
        return iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=[self.project_arn])

    def grant_inference(self, grantee: iam.IGrantable) -> iam.Grant:
        """Call models in this project: list/get models, create/read/cancel/delete responses, count tokens,
        read the project (``facts.GRANTS["inference"]``). Bearer-token use is a separate grant."""
        return self.grant(grantee, *facts.GRANTS["inference"])

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read everything in this project, change nothing (``facts.GRANTS["read"]``)."""
        return self.grant(grantee, *facts.GRANTS["read"])

    def grant_files(self, grantee: iam.IGrantable) -> iam.Grant:
        """Upload, list, read and delete files in this project (``facts.GRANTS["files"]``)."""
        return self.grant(grantee, *facts.GRANTS["files"])

    def grant_fine_tuning(self, grantee: iam.IGrantable) -> iam.Grant:
        """Run fine-tuning jobs and manage their files in this project (``facts.GRANTS["fine-tuning"]``)."""
        return self.grant(grantee, *facts.GRANTS["fine-tuning"])

    def grant_admin(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read, update and archive this project (``facts.GRANTS["admin"]``)."""
        return self.grant(grantee, *facts.GRANTS["admin"])

    @staticmethod
    def grant_bearer_token(grantee: iam.IGrantable, *, token_type: TokenType) -> iam.Grant:
        """Let ``grantee`` use Bedrock API keys of ``token_type`` on Mantle.

        Not project-scoped: ``bedrock-mantle:CallWithBearerToken`` has no resource type, so the statement is
        on ``Resource: "*"`` with a ``StringEquals bedrock-mantle:BearerTokenType`` condition. A key can only
        do what its principal's other grants (e.g. :meth:`grant_inference`) allow. cdk-nag reports
        ``AwsSolutions-IAM5[Resource::*]`` for it; acknowledge that on the grantee with this reason.
        """
        return grant_bearer_token(grantee, token_type=token_type)


class _ImportedProject(_ProjectBase):
    def __init__(self, scope: Construct, id: str, *, arn: str, project_id: str, from_arn: bool) -> None:
        # An ARN given by the caller may name another account/region; one built here is the stack's own.
        super().__init__(scope, id, environment_from_arn=arn if from_arn else None)
        self._arn = arn
        self._id = project_id

    @property
    def project_arn(self) -> str:
        return self._arn

    @property
    def project_id(self) -> str:
        return self._id


@documented_construct
class MantleProject(_ProjectBase):
    """A Mantle project (``AWS::BedrockMantle::Project``).

    Deleting the resource (removing it from the stack, or deleting the stack) **archives** the project:
    CloudFormation calls ``ArchiveProject``. Archived projects take no new inference; their history and
    metrics stay readable for about 30 days. Pass ``removal_policy=RemovalPolicy.RETAIN`` to keep the project
    active when it leaves the stack. ``name`` and ``tags`` update in place (no replacement).

    Grants (also on imported projects) return an ``iam.Grant`` and give exactly one action set of
    ``facts.GRANTS`` on this project's ARN: :meth:`grant_inference`, :meth:`grant_read`, :meth:`grant_files`,
    :meth:`grant_fine_tuning`, :meth:`grant_admin`. API-key use is a separate, explicit
    :meth:`grant_bearer_token` because it cannot be scoped to a project.

    CloudFormation has no ``AWS::BedrockMantle::Project`` in some Mantle regions
    (``facts.CFN_PROJECT_UNSUPPORTED_REGIONS``: ap-southeast-2, eu-central-1, eu-south-1): a stack whose
    ``env.region`` is one of them is refused at synth, with the alternatives (:meth:`default_project`, or a
    project created through the Projects API and imported with :meth:`from_project_id`). An env-agnostic
    stack (region token) cannot be checked before deployment; deploying it there fails with "Unrecognized
    resource types".

    Props:
        name: project name, 1-128 characters (checked at synth unless it is a token).
        tags: up to 200 tags, key 1-128 and value 0-256 characters; ``aws:`` keys are reserved. Tags added
            with ``Tags.of(...)`` count toward the 200 and are checked at synth too.
        cost_center: written as tag ``mantlekit:cost-center`` (:data:`COST_CENTER_TAG_KEY`), the
            cost-allocation convention of mantlekit: one key across all projects, activated once in Billing.
        removal_policy: what deleting the resource does (default: archive the project).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        tags: Mapping[str, str] | None = None,
        cost_center: str | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        super().__init__(scope, id)
        _check_region(cdk.Stack.of(self).region, self)
        _check_name(name, self)
        all_tags = dict(tags or {})
        _check_tags("tags", all_tags, self)
        if cost_center is not None:
            _check_tags("cost_center", {COST_CENTER_TAG_KEY: cost_center}, self)
            if all_tags.get(COST_CENTER_TAG_KEY, cost_center) != cost_center:
                raise prop_error(
                    "MantleProject",
                    "cost_center",
                    f"conflicts with tag {COST_CENTER_TAG_KEY!r} given in `tags`",
                    code="MantleProjectCostCenterConflict",
                    at=self,
                )
            all_tags[COST_CENTER_TAG_KEY] = cost_center
            _check_tags("tags", all_tags, self)

        self._resource = bedrockmantle.CfnProject(
            self,
            "Resource",
            name=name,
            tags=[cdk.CfnTag(key=k, value=v) for k, v in all_tags.items()] or None,
        )
        if removal_policy is not None:
            self._resource.apply_removal_policy(removal_policy)
        # Tags.of(...) aspects add tags after construction; the final set is checked when the app synthesizes.
        self.node.add_validation(LazyValidation(self._validate_final_tags))
        self._initial_tags = all_tags
        self.project_name = name
        self.cost_center = cost_center

    @property
    def project_arn(self) -> str:
        """ARN of the project (``Fn::GetAtt Arn``)."""
        return self._resource.attr_arn

    @property
    def project_id(self) -> str:
        """Id of the project (``proj_...``), the value of the ``OpenAI-Project`` request header."""
        return self._resource.attr_id

    @property
    def project_created_at(self) -> str:
        return self._resource.attr_created_at

    @property
    def cfn_project(self) -> bedrockmantle.CfnProject:
        """The L1 resource, for escape hatches."""
        return self._resource

    def _validate_final_tags(self) -> list[str]:
        # Tags given to the constructor plus those Tags.of(...) aspects added (the tag manager holds those).
        tags = {**self._initial_tags, **(self._resource.cdk_tag_manager.tag_values() or {})}
        try:
            _check_tags("tags", tags, self)
        except MantleConfigError as err:
            # CDK prefixes the construct path itself; the code stays, so the message can be searched for.
            return [f"{err.message} (after Tags.of(...) were applied) [{err.code}]"]
        return []

    # --- imports ------------------------------------------------------------------------------------

    @staticmethod
    def from_project_arn(scope: Construct, id: str, project_arn: str) -> IMantleProject:
        """Reference an existing project by ARN (any account or region the ARN names)."""
        if is_token(project_arn):
            project_id = cdk.Arn.split(project_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name or ""
        else:
            match = facts.PROJECT_ARN_RE.match(project_arn)
            if not match:
                raise prop_error(
                    "MantleProject.from_project_arn",
                    "project_arn",
                    f"is not a Mantle project ARN ({facts.RESOURCE_TYPES['project']}), got {project_arn!r}",
                    code="MantleProjectArnInvalid",
                    at=construct_path(scope, id),
                )
            project_id = match["id"]
        return _ImportedProject(scope, id, arn=project_arn, project_id=project_id, from_arn=True)

    @staticmethod
    def from_project_id(scope: Construct, id: str, project_id: str) -> IMantleProject:
        """Reference a project of this stack's account and region by id (``proj_...`` or ``default``)."""
        if not is_token(project_id) and not facts.PROJECT_ID_RE.match(project_id):
            raise prop_error(
                "MantleProject.from_project_id",
                "project_id",
                f"must match {facts.PROJECT_ID_RE.pattern}, got {project_id!r}",
                code="MantleProjectIdInvalid",
                at=construct_path(scope, id),
            )
        stack = cdk.Stack.of(scope)
        arn = facts.project_arn(stack.region, stack.account, project_id, partition=stack_partition(stack))
        return _ImportedProject(scope, id, arn=arn, project_id=project_id, from_arn=False)

    @staticmethod
    def default_project(scope: Construct, id: str) -> IMantleProject:
        """The account's default project in this stack's region (``.../project/default``).

        Every account has one; requests without an ``OpenAI-Project`` header land in it. It cannot be
        created, tagged or archived, so it can only be referenced, never defined.
        """
        return MantleProject.from_project_id(scope, id, facts.DEFAULT_PROJECT_ID)


def _check_region(region: str, at: IConstruct) -> None:
    """Refuse a concrete region whose CloudFormation cannot create Mantle projects (Mantle serves there)."""
    if is_token(region) or region not in facts.CFN_PROJECT_UNSUPPORTED_REGIONS:
        return
    raise config_error(
        f"MantleProject: region {region!r} (the stack's env.region) has no {facts.PROJECT_RESOURCE_TYPE} in "
        "CloudFormation, although Mantle serves there; use the default project "
        "(MantleProject.default_project), or create the project through the Projects API "
        "(POST /v1/organization/projects) and reference it with MantleProject.from_project_id",
        code="MantleProjectRegionUnsupported",
        at=at,
    )


def _check_name(name: str, at: At) -> None:
    if is_token(name):
        return
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX:
        length = len(name) if isinstance(name, str) else "not a string"
        raise prop_error(
            "MantleProject",
            "name",
            f"must be 1-{NAME_MAX} characters (got {length})",
            code="MantleProjectNameLength",
            at=at,
        )


def _check_tags(prop: str, tags: Mapping[str, str], at: At) -> None:
    if len(tags) > TAGS_MAX:
        raise prop_error(
            "MantleProject",
            prop,
            f"allows at most {TAGS_MAX} tags per project (got {len(tags)})",
            code="MantleProjectTagCount",
            at=at,
        )
    for key, value in tags.items():
        if is_token(key) or is_token(value):
            continue
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            raise prop_error(
                "MantleProject",
                prop,
                f"tag keys must be 1-{TAG_KEY_MAX} characters (key {key!r})",
                code="MantleProjectTagKeyLength",
                at=at,
            )
        if key.lower().startswith("aws:"):
            raise prop_error(
                "MantleProject",
                prop,
                f"tag keys starting with 'aws:' are reserved by AWS (key {key!r})",
                code="MantleProjectTagKeyReserved",
                at=at,
            )
        if not isinstance(value, str) or len(value) > TAG_VALUE_MAX:
            raise prop_error(
                "MantleProject",
                prop,
                f"tag values must be 0-{TAG_VALUE_MAX} characters (tag {key!r})",
                code="MantleProjectTagValueLength",
                at=at,
            )
