"""What the readers hand to the rules: policy documents, principals and read errors.

Data flows one way: readers fill an :class:`Inventory` (read + normalise), the capability matrix asks the
engine about each principal (evaluate), rules turn both into findings, reporters print them.
"""

from __future__ import annotations

from typing import Any

from mantlekit import facts
from mantlekit._record import ValueRecord
from mantlekit.iam.model import Policy, PolicySet
from mantlekit.lint.findings import InputError

KEY_KINDS = ("long-term-key", "short-term-key")
#: What a principal whose account or region nobody pinned is evaluated in (and what templates' pseudo
#: parameters stand for when the stack does not pin them).
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
#: Prefix of the markers readers put where a value could not be resolved (``${mantlekit:unresolved/...}``):
#: policy-variable keys, so verdicts that depend on them are conditional, never guessed.
UNRESOLVED = "mantlekit:unresolved/"
PRINCIPAL_KINDS = (*KEY_KINDS, "role", "user")
#: Keys of a credential in ``Principal.credentials`` that a Terraform plan or configuration issues (not
#: yet created): its ``credential_age_days``, or that its lifetime is known only at apply.
CREDENTIAL_AGE_DAYS = "CredentialAgeDays"
AGE_UNKNOWN = "mantlekit:AgeUnknown"
#: The option (``Inventory.options``, ``Config.options``) of rule MNT010: keys older than this many days
#: are reported. Named here, where readers and the command line set it without importing the rule.
MAX_KEY_AGE_DAYS = "max_key_age_days"


class Principal(ValueRecord):
    """A key holder, role or user, with the policies that decide its requests."""

    name: str
    kind: str  # one of PRINCIPAL_KINDS
    policies: PolicySet
    account: str | None
    region: str | None
    #: Project ids (``default``, ``proj_...``) or full project ARNs; empty = the default project.
    projects: tuple[str, ...]
    #: Capability names (facts.CAPABILITY_ROUTES); empty = the default for the kind.
    needs: tuple[str, ...]
    #: Where a person edits this principal: a config entry, a template resource.
    file: str
    line: int
    column: int
    #: Logical id, construct path or ARN, for reports.
    label: str | None
    construct_path: str | None
    #: True when the key-holder status is a guess (e.g. console-style AmazonBedrockLimitedAccess).
    heuristic: bool
    #: Why the linter believes this principal exists when nobody declared it (e.g. "the document allows
    #: bedrock:CallWithBearerToken"); None for configured principals and the IAM entities of a template or
    #: account. Findings on an inferred principal are at most warnings: another policy may complete it.
    inferred: str | None
    #: The principal ARN, if known (for resource/endpoint policies that name principals).
    arn: str | None
    #: Tags, e.g. {"mantlekit:api-key": "long-term"}.
    tags: dict[str, str]
    #: Bedrock service-specific credentials (ListServiceSpecificCredentials entries) of a live or saved
    #: account, or planned by Terraform (with :data:`CREDENTIAL_AGE_DAYS` or :data:`AGE_UNKNOWN`). Facts
    #: only: the age limit they are held to is rule MNT010's option.
    credentials: list[dict[str, Any]]

    __slots__ = _fields = (
        "name",
        "kind",
        "policies",
        "account",
        "region",
        "projects",
        "needs",
        "file",
        "line",
        "column",
        "label",
        "construct_path",
        "heuristic",
        "inferred",
        "arn",
        "tags",
        "credentials",
    )

    def __init__(
        self,
        name: str,
        kind: str,
        policies: PolicySet,
        account: str | None = None,
        region: str | None = None,
        projects: tuple[str, ...] = (),
        needs: tuple[str, ...] = (),
        file: str = "<config>",
        line: int = 1,
        column: int = 1,
        label: str | None = None,
        construct_path: str | None = None,
        heuristic: bool = False,
        inferred: str | None = None,
        arn: str | None = None,
        tags: dict[str, str] | None = None,
        credentials: list[dict[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.policies = policies
        self.account = account
        self.region = region
        self.projects = projects
        self.needs = needs
        self.file = file
        self.line = line
        self.column = column
        self.label = label
        self.construct_path = construct_path
        self.heuristic = heuristic
        self.inferred = inferred
        self.arn = arn
        self.tags = {} if tags is None else tags
        self.credentials = [] if credentials is None else credentials

    @property
    def is_key(self) -> bool:
        return self.kind in KEY_KINDS

    @property
    def token_type(self) -> str | None:
        return {"long-term-key": facts.LONG_TERM, "short-term-key": facts.SHORT_TERM}.get(self.kind)

    def effective_needs(self) -> tuple[str, ...]:
        if self.needs:
            return self.needs
        return facts.DEFAULT_KEY_NEEDS if self.is_key else ()

    def project_arns(self) -> tuple[str, ...]:
        """Full ARNs of the principal's projects (the default project when none is named)."""
        region = self.region or DEFAULT_REGION
        account = self.account or DEFAULT_ACCOUNT
        out = []
        for p in self.projects or (facts.DEFAULT_PROJECT_ID,):
            out.append(p if p.startswith("arn:") else facts.project_arn(region, account, p))
        return tuple(out)


class TemplateResource(ValueRecord):
    """A template resource that a rule checks by itself, not through a policy (e.g. where a Mantle project
    resource can be deployed). The reader records only the types some rule looks at."""

    type: str
    logical_id: str
    file: str
    line: int
    column: int
    #: Logical id, plus `` (construct/path)`` from a cloud assembly, for reports.
    label: str
    construct_path: str | None
    #: The stack's region when it is known (a cloud assembly with an environment); None for a bare template.
    region: str | None
    #: What deploys it: None for CloudFormation (a template, a cloud assembly), "terraform" for a Terraform
    #: resource (the awscc provider, which goes through Cloud Control), so rules can say it in its terms.
    tool: str | None

    __slots__ = _fields = ("type", "logical_id", "file", "line", "column", "label", "construct_path", "region", "tool")

    def __init__(
        self,
        type: str,
        logical_id: str,
        file: str,
        line: int = 1,
        column: int = 1,
        label: str | None = None,
        construct_path: str | None = None,
        region: str | None = None,
        tool: str | None = None,
    ) -> None:
        self.type = type
        self.logical_id = logical_id
        self.file = file
        self.line = line
        self.column = column
        self.label = label or logical_id
        self.construct_path = construct_path
        self.region = region
        self.tool = tool


class Inventory(ValueRecord):
    """Everything read from the inputs of one run."""

    #: Every policy document found, each once (document rules run on these).
    documents: list[Policy]
    principals: list[Principal]
    errors: list[InputError]
    #: Files that were read and recognised (for the summary).
    files: list[str]
    #: Template resources that resource rules check (see :class:`TemplateResource`).
    resources: list[TemplateResource]
    #: What readers gather across the files of one run until the walk finalizes them (reader key ->
    #: items, e.g. pages of paginated account details); empty once the run's readers are finalized.
    pending: dict[str, list[Any]]
    #: Rule options an input recorded (option name -> value, see ``Rule.options``): a saved live audit
    #: keeps the key age limit it ran with, so reading it again repeats the audit. The first input wins.
    options: dict[str, Any]

    __slots__ = _fields = ("documents", "principals", "errors", "files", "resources", "pending", "options")

    def __init__(
        self,
        documents: list[Policy] | None = None,
        principals: list[Principal] | None = None,
        errors: list[InputError] | None = None,
        files: list[str] | None = None,
        resources: list[TemplateResource] | None = None,
        pending: dict[str, list[Any]] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.documents = [] if documents is None else documents
        self.principals = [] if principals is None else principals
        self.errors = [] if errors is None else errors
        self.files = [] if files is None else files
        self.resources = [] if resources is None else resources
        self.pending = {} if pending is None else pending
        self.options = {} if options is None else options

    def extend(self, other: Inventory) -> None:
        self.documents += other.documents
        self.principals += other.principals
        self.errors += other.errors
        self.files += other.files
        self.resources += other.resources
        for key, items in other.pending.items():
            self.pending.setdefault(key, []).extend(items)
        for name, value in other.options.items():
            self.options.setdefault(name, value)
