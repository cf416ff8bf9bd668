"""What the readers hand to the rules: policy documents, principals and read errors.

Data flows one way: readers fill an :class:`Inventory` (read + normalise), the capability matrix asks the
engine about each principal (evaluate), rules turn both into findings, reporters print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mantlekit import facts
from mantlekit.iam.evaluate import PolicySet
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import InputError

KEY_KINDS = ("long-term-key", "short-term-key")
PRINCIPAL_KINDS = (*KEY_KINDS, "role", "user")


@dataclass(slots=True)
class Principal:
    """A key holder, role or user, with the policies that decide its requests."""

    name: str
    kind: str  # one of PRINCIPAL_KINDS
    policies: PolicySet
    account: str | None = None
    region: str | None = None
    #: Project ids (``default``, ``proj_...``) or full project ARNs; empty = the default project.
    projects: tuple[str, ...] = ()
    #: Capability names (facts.CAPABILITY_ROUTES); empty = the default for the kind.
    needs: tuple[str, ...] = ()
    #: Where a person edits this principal: a config entry, a template resource.
    file: str = "<config>"
    line: int = 1
    column: int = 1
    #: Logical id, construct path or ARN, for reports.
    label: str | None = None
    construct_path: str | None = None
    #: True when the key-holder status is a guess (e.g. console-style AmazonBedrockLimitedAccess).
    heuristic: bool = False
    #: The principal ARN, if known (for resource/endpoint policies that name principals).
    arn: str | None = None
    #: Tags, e.g. {"mantlekit:api-key": "long-term"}.
    tags: dict[str, str] = field(default_factory=dict)
    #: Bedrock service-specific credentials (ListServiceSpecificCredentials entries) of a live or saved account.
    credentials: list[dict] = field(default_factory=list)

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
        region = self.region or "us-east-1"
        account = self.account or "123456789012"
        out = []
        for p in self.projects or (facts.DEFAULT_PROJECT_ID,):
            out.append(p if p.startswith("arn:") else facts.project_arn(region, account, p))
        return tuple(out)


@dataclass(slots=True)
class Inventory:
    """Everything read from the inputs of one run."""

    #: Every policy document found, each once (document rules run on these).
    documents: list[Policy] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    #: Files that were read and recognised (for the summary).
    files: list[str] = field(default_factory=list)

    def extend(self, other: Inventory) -> None:
        self.documents += other.documents
        self.principals += other.principals
        self.errors += other.errors
        self.files += other.files
