"""``MantleConfigError`` and its stable codes: what the constructs raise when a prop cannot work.

Like aws-cdk-lib's ``ValidationError``, every error carries a stable, PascalCase code (the CDK calls it the
error's name, e.g. ``InvalidBucketNameValue``) and, when it is about a construct being built, that
construct's path. Code a program or a test against ``.code``, not the wording of the message, which may be
improved; the README lists every code (``README.md``, "Configuration error codes"), and a test keeps that
list, this table and the raise sites in step.
"""

from __future__ import annotations

from constructs import IConstruct

#: Every code a construct of mantlekit raises, with when. Codes are never renamed or reused; a new
#: problem gets a new code. They start with the class that raises them (or ``Mantle`` for shared checks).
ERROR_CODES: dict[str, str] = {
    # MantleProject
    "MantleProjectRegionUnsupported": "the stack's region has no AWS::BedrockMantle::Project in CloudFormation",
    "MantleProjectNameLength": "`name` is not 1-128 characters",
    "MantleProjectTagCount": "more than 200 tags (`tags`, `cost_center` and Tags.of(...) together)",
    "MantleProjectTagKeyLength": "a tag key is not 1-128 characters",
    "MantleProjectTagKeyReserved": "a tag key starts with `aws:`",
    "MantleProjectTagValueLength": "a tag value is longer than 256 characters",
    "MantleProjectCostCenterConflict": "`cost_center` differs from the `mantlekit:cost-center` tag in `tags`",
    "MantleProjectGrantActionInvalid": "`grant()` was given an action outside bedrock-mantle",
    "MantleProjectArnInvalid": "`from_project_arn` was given something that is not a Mantle project ARN",
    "MantleProjectIdInvalid": "`from_project_id` was given something that is not a project id",
    # MantleEndpoint
    "MantleEndpointRegionUnsupported": "the stack's region has no bedrock-mantle PrivateLink service",
    "MantleEndpointOrganizationIdInvalid": "`organization_id` is not an organization id (o-...)",
    "MantleEndpointProjectsEmpty": "`projects` is an empty list",
    "MantleEndpointPeersEmpty": "`allowed_peers` is an empty list",
    "MantleEndpointPeerOpenToWorld": "`allowed_peers` has a /0 CIDR",
    "MantleEndpointActionsEmpty": "`actions` is an empty list",
    "MantleEndpointActionNotMantle": "`actions` has an action outside bedrock-mantle",
    "MantleEndpointActionBearerToken": "`actions` lists CallWithBearerToken (that is `bearer_tokens`)",
    "MantleEndpointActionUnknown": "`actions` names a bedrock-mantle action that does not exist",
    "MantleEndpointNoPrivateSubnets": "no `subnets` given and the VPC has no private or isolated subnets",
    # MantleInferenceRole
    "MantleInferenceRoleProjectsConflict": "both `projects` and `all_projects=True`",
    "MantleInferenceRoleProjectsEmpty": "neither `projects` nor `all_projects=True`",
    "MantleInferenceRoleConditionValuesEmpty": "`models` or `service_tiers` is empty or a bare string",
    "MantleInferenceRoleConditionValueInvalid": "`models` or `service_tiers` has an empty or non-string entry",
    # MantleApiKeyUser
    "MantleApiKeyUserProjectsEmpty": "`projects` names no project",
    "MantleApiKeyUserNoKeyIssued": "the secret or credential id of a user made with `issue_key=False`",
    "MantleApiKeyUserAgeNotWholeDays": "`credential_age_days` or `max_credential_age_days` is not an int",
    "MantleApiKeyUserMaxAgeRange": "`max_credential_age_days` is outside `facts.API_KEY_AGE_DAYS_RANGE`",
    "MantleApiKeyUserAgeRange": "`credential_age_days` is outside 1-`max_credential_age_days`",
    # MantleKeyGuardrails
    "MantleKeyGuardrailsMaxAgeRange": "`max_credential_age_days` is outside `facts.API_KEY_AGE_DAYS_RANGE`",
    "MantleKeyGuardrailsNothingToEnforce": "no key type, age limit or endpoint to enforce",
    "MantleKeyGuardrailsNoBoundary": "`boundary` of guardrails made with `permissions_boundary=False`",
    "MantleKeyGuardrailsScpTargetsEmpty": "`scp_target_ids` is empty or a bare string",
    "MantleKeyGuardrailsScpTargetInvalid": "`scp_target_ids` has something other than a root, OU or account id",
    # Shared by several constructs
    "MantleTokenTypeInvalid": "a token-type prop is not a TokenType",
    "MantleVpcEndpointIdInvalid": "a VPC endpoint id is not vpce-...",
    "MantleVpcEndpointRefInvalid": "a VPC endpoint prop is not a MantleEndpoint, an interface endpoint or an id",
    "MantleVpcEndpointsEmpty": "a VPC endpoints prop names no endpoint, or has None",
    # MantleLintPlugin
    "MantleLintPluginFailOnInvalid": "`fail_on` is not info, warning or error",
    "MantleLintAckRuleUnknown": "an acknowledgement names no mantle-lint rule",
    "MantleLintAckBracketNeverMatches": "an acknowledgement's [...] can never match a finding of its rule",
    "MantleLintAckReasonMissing": "an acknowledgement has no reason",
}


class MantleConfigError(ValueError):
    """A construct prop has a value that CloudFormation, IAM or Mantle would reject.

    Raised while the app is built (i.e. during ``cdk synth``), never at deploy time. ``message`` names the
    prop in backquotes (``MantleProject: `name` must be 1-128 characters``); ``code`` is stable (see
    :data:`ERROR_CODES`); ``construct_path`` is the path of the construct being built, or None when the
    check is not about one (e.g. :func:`grant_bearer_token`). ``str()`` is the message followed by the code
    and path, so a traceback or ``app.py``'s error line says all three. Still a ``ValueError``, as before.
    """

    def __init__(self, message: str, *, code: str, construct_path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.construct_path = construct_path

    def __str__(self) -> str:
        where = f" at {self.construct_path}" if self.construct_path else ""
        return f"{self.message} [{self.code}{where}]"

    def __reduce__(self) -> tuple[object, ...]:
        # The keyword-only arguments would otherwise be lost when the error is pickled or copied.
        return (_rebuild, (self.message, self.code, self.construct_path))


def _rebuild(message: str, code: str, construct_path: str | None) -> MantleConfigError:
    return MantleConfigError(message, code=code, construct_path=construct_path)


#: Where an error is: the construct being built, the path a construct is about to get, or nowhere.
At = IConstruct | str | None


def construct_path(scope: IConstruct, id: str | None = None) -> str:
    """``scope``'s path, or the path a child ``id`` of ``scope`` gets (for checks made before it exists)."""
    path = scope.node.path
    if id is None:
        return path
    return f"{path}/{id}" if path else id


def config_error(message: str, *, code: str, at: At = None) -> MantleConfigError:
    """A :class:`MantleConfigError` at ``at`` (a construct or a path)."""
    where = at if isinstance(at, str) or at is None else construct_path(at)
    return MantleConfigError(message, code=code, construct_path=where or None)


def prop_error(owner: str, prop: str, problem: str, *, code: str, at: At = None) -> MantleConfigError:
    """The error for prop ``prop`` of ``owner``: ``"<owner>: `<prop>` <problem>"``."""
    return config_error(f"{owner}: `{prop}` {problem}", code=code, at=at)


def markdown_table() -> str:
    """The README's list of codes (a test compares the two)."""
    rows = "".join(f"| `{code}` | {when} |\n" for code, when in ERROR_CODES.items())
    return "| code | raised when |\n| --- | --- |\n" + rows
