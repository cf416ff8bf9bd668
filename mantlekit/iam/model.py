"""The normalised policy model every reader produces and the engine and rules consume.

One shape for identity policies, boundaries, SCPs, endpoint and resource policies, wherever they came
from (a loose JSON file, a CloudFormation template, account authorization details). Each statement
remembers its document and path so a finding can name the file, line and Sid a person would edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from mantlekit._record import FrozenRecord, Record, ValueRecord
from mantlekit.iam.locate import Locator, Path

# Kinds of policy documents (what they are used as, which changes how the engine combines them).
IDENTITY = "identity"
BOUNDARY = "boundary"
SCP = "scp"
ENDPOINT = "endpoint"
RESOURCE = "resource"
#: A session policy passed to AssumeRole* or GetFederationToken (inline or managed).
SESSION = "session"
#: A resource control policy (AWS Organizations); like a resource policy it names a Principal.
RCP = "rcp"
#: Kinds that only limit what other policies grant (each must allow; none grants): "Allow * on *" is the
#: normal shape of such a policy (FullAWSAccess, the default endpoint policy, an open boundary).
LIMITING = (BOUNDARY, SCP, RCP, SESSION, ENDPOINT)
KINDS = (IDENTITY, BOUNDARY, SCP, ENDPOINT, RESOURCE, SESSION, RCP)


class Gate(Enum):
    """A layer of evaluation a request must pass, as a decision names the one that denied it implicitly.

    Code compares members; ``label`` is how notes, findings and fixes name the layer to a person. An SCP
    gate's display also names the policies of its level (``Decision.failed_layer``).
    """

    IDENTITY = "identity-based policies"
    #: Within one account with a resource policy: neither side allowed.
    IDENTITY_OR_RESOURCE = "identity- or resource-based policies"
    RESOURCE = "resource-based policy"
    #: Resource policies that must allow a request themselves (:mod:`mantlekit.iam.own_policy`).
    KEY_POLICY = "KMS key policy"
    TRUST_POLICY = "role trust policy"
    BOUNDARY = "permissions boundary"
    SESSION = "session policy"
    SCP = "SCP"
    ENDPOINT = "VPC endpoint policy"

    @property
    def label(self) -> str:
        return str(self.value)


class PolicyError(Exception):
    """Input that cannot be read as a policy. Carries the place, so the CLI can say file:line:col. Its
    arguments are in the order of the linter's ``InputError`` (``InputError.of`` converts one)."""

    def __init__(self, file: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class Source(ValueRecord):
    """Where a document came from: a file (or a display name such as ``aws-managed:X (v9)``)."""

    file: str
    locator: Locator | None
    #: Extra words for reports, e.g. a CloudFormation logical id or a CDK construct path.
    label: str | None

    __slots__ = _fields = ("file", "locator", "label")

    def __init__(self, file: str, locator: Locator | None = None, label: str | None = None) -> None:
        self.file = file
        self.locator = locator
        self.label = label

    def locate(self, path: Path) -> tuple[int, int]:
        if self.locator is None:
            return 1, 1
        try:
            return self.locator(path)
        except Exception:  # a locator must never turn a finding into a crash
            return 1, 1


class Condition(FrozenRecord):
    """One (operator, key) pair of a Condition block, with its values as strings."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str  # lower-case base operator, e.g. "stringlike"
    qualifier: str | None  # "forallvalues" | "foranyvalue" | None
    if_exists: bool
    key: str  # as written
    values: tuple[str, ...]

    __slots__ = _fields = ("operator", "base", "qualifier", "if_exists", "key", "values")

    def __init__(
        self, operator: str, base: str, qualifier: str | None, if_exists: bool, key: str, values: tuple[str, ...]
    ) -> None:
        self.operator = operator
        self.base = base
        self.qualifier = qualifier
        self.if_exists = if_exists
        self.key = key
        self.values = values

    @property
    def key_lower(self) -> str:
        return self.key.lower()


class Principals(FrozenRecord):
    """A Principal / NotPrincipal element: ``any`` for ``"*"`` (or ``{"AWS": "*"}``), else by type."""

    any: bool
    by_type: tuple[tuple[str, tuple[str, ...]], ...]

    __slots__ = _fields = ("any", "by_type")

    def __init__(self, any: bool = False, by_type: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> None:
        self.any = any
        self.by_type = by_type

    def values(self, ptype: str) -> tuple[str, ...]:
        for t, v in self.by_type:
            if t == ptype:
                return v
        return ()


class Statement(Record):
    """A normalised statement. Action patterns are lower-case; resource patterns keep their case."""

    effect: str  # "Allow" | "Deny"
    sid: str | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principal: Principals | None
    not_principal: Principals | None
    conditions: tuple[Condition, ...]
    index: int
    path: Path
    raw: dict[str, Any]
    policy: Policy

    __slots__ = _fields = (
        "effect",
        "sid",
        "actions",
        "not_actions",
        "resources",
        "not_resources",
        "principal",
        "not_principal",
        "conditions",
        "index",
        "path",
        "raw",
        "policy",
    )
    _hidden = ("policy",)

    def __init__(
        self,
        effect: str,
        sid: str | None,
        actions: tuple[str, ...] | None,
        not_actions: tuple[str, ...] | None,
        resources: tuple[str, ...] | None,
        not_resources: tuple[str, ...] | None,
        principal: Principals | None,
        not_principal: Principals | None,
        conditions: tuple[Condition, ...],
        index: int,
        path: Path,
        raw: dict[str, Any],
        policy: Policy | None = None,
    ) -> None:
        self.effect = effect
        self.sid = sid
        self.actions = actions
        self.not_actions = not_actions
        self.resources = resources
        self.not_resources = not_resources
        self.principal = principal
        self.not_principal = not_principal
        self.conditions = conditions
        self.index = index
        self.path = path
        self.raw = raw
        self.policy = policy  # type: ignore[assignment]  # None until parse attaches it to its policy

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    def location(self, *sub: Any) -> tuple[int, int]:
        """(line, column) of this statement, or of one of its elements (``location("Action", 0)``)."""
        return self.policy.source.locate((*self.path, *sub))

    @property
    def line(self) -> int:
        return self.location()[0]

    @property
    def file(self) -> str:
        return self.policy.source.file

    def ref(self) -> dict[str, Any]:
        """How reports cite a statement."""
        return {"file": self.file, "line": self.line, "sid": self.sid, "effect": self.effect}


class Problem(Record):
    """A grammar problem found while normalising (the statement may have been skipped)."""

    code: str
    message: str
    path: Path
    severity: str

    __slots__ = _fields = ("code", "message", "path", "severity")

    def __init__(self, code: str, message: str, path: Path, severity: str = "error") -> None:
        self.code = code
        self.message = message
        self.path = path
        self.severity = severity


class Policy(Record):
    """A policy document in normalised form."""

    statements: tuple[Statement, ...]
    version: str | None
    source: Source
    path: Path
    kind: str
    name: str | None
    raw: Any
    problems: list[Problem]

    __slots__ = _fields = ("statements", "version", "source", "path", "kind", "name", "raw", "problems")

    def __init__(
        self,
        statements: tuple[Statement, ...],
        version: str | None,
        source: Source,
        path: Path = (),
        kind: str = IDENTITY,
        name: str | None = None,
        raw: Any | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.statements = statements
        self.version = version
        self.source = source
        self.path = path
        self.kind = kind
        self.name = name
        self.raw = raw
        self.problems = [] if problems is None else problems

    @property
    def display(self) -> str:
        return self.name or self.source.file

    @property
    def supports_variables(self) -> bool:
        """Policy variables are only substituted in version 2012-10-17 documents."""
        return self.version == "2012-10-17"

    def location(self, *sub: Any) -> tuple[int, int]:
        return self.source.locate((*self.path, *sub))

    def with_kind(self, kind: str) -> Policy:
        """The same statements used as another kind of policy (e.g. a managed policy as a boundary)."""
        return Policy(self.statements, self.version, self.source, self.path, kind, self.name, self.raw, self.problems)


class PolicySet(ValueRecord):
    """The policies that apply to one principal's request, by the role each plays in evaluation."""

    identity: Sequence[Policy]
    boundary: Policy | None
    #: One entry per level of the organization (root, OU, ..., account); each level must allow. A level is
    #: one SCP or a sequence of the SCPs attached there (they are united, as AWS does: FullAWSAccess plus a
    #: deny-list guardrail is the usual pair).
    scps: Sequence[Policy | Sequence[Policy]]
    endpoint: Policy | None
    resource: Policy | None
    #: Session policies of an AssumeRole* / GetFederationToken session (inline and managed, united); the
    #: session's permissions are the intersection with the identity side. A short-term Bedrock API key
    #: carries exactly its session's permissions, so it takes the same policies.
    session: Sequence[Policy]
    #: Resource control policies of the resource's account, one entry per level like ``scps``. AWS keeps
    #: RCPFullAWSAccess attached at every level, so a level denies only by its Deny statements.
    rcps: Sequence[Policy | Sequence[Policy]]
    #: Service prefixes RCPs apply to; None reads them from the catalog.
    rcp_services: frozenset[str] | None

    __slots__ = _fields = (
        "identity",
        "boundary",
        "scps",
        "endpoint",
        "resource",
        "session",
        "rcps",
        "rcp_services",
    )

    def __init__(
        self,
        identity: Sequence[Policy] = (),
        boundary: Policy | None = None,
        scps: Sequence[Policy | Sequence[Policy]] = (),
        endpoint: Policy | None = None,
        resource: Policy | None = None,
        session: Sequence[Policy] = (),
        rcps: Sequence[Policy | Sequence[Policy]] = (),
        rcp_services: frozenset[str] | None = None,
    ) -> None:
        self.identity = identity
        self.boundary = boundary
        self.scps = scps
        self.endpoint = endpoint
        self.resource = resource
        self.session = session
        self.rcps = rcps
        self.rcp_services = rcp_services

    def all_policies(self) -> list[Policy]:
        out = list(self.identity)
        out += [p for p in (self.boundary, *self.scp_policies(), self.endpoint, self.resource) if p is not None]
        out += list(self.session)
        for level in self.rcp_levels():
            out += level
        return out

    def scp_levels(self) -> list[list[Policy]]:
        return [[lvl] if isinstance(lvl, Policy) else list(lvl) for lvl in self.scps]

    def rcp_levels(self) -> list[list[Policy]]:
        return [[lvl] if isinstance(lvl, Policy) else list(lvl) for lvl in self.rcps]

    def scp_policies(self) -> list[Policy]:
        out = []
        for level in self.scp_levels():
            out += level
        return out
