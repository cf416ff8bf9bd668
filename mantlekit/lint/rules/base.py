"""The shape of a rule: one module each, with its id, rationale, example, fix and check functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from mantlekit._record import FrozenRecord
from mantlekit.iam.model import Policy, Statement
from mantlekit.lint.findings import Finding

if TYPE_CHECKING:
    from mantlekit.catalog import Catalog
    from mantlekit.lint.access import PrincipalAccess
    from mantlekit.lint.inventory import Principal, TemplateResource

T = TypeVar("T")
DocumentCheck = Callable[[Policy], Iterable[Finding]]
PrincipalCheck = Callable[["Principal", "PrincipalAccess"], Iterable[Finding]]
ResourceCheck = Callable[["TemplateResource"], Iterable[Finding]]
#: Whether a finding of another rule is one this rule reports itself (see ``Rule.covered_by``).
Claim = Callable[[Finding], bool]


class Rule(FrozenRecord):
    id: str
    name: str
    severity: str
    summary: str
    rationale: str
    fix: str
    #: AWS documentation the rule rests on, most relevant first (SARIF's helpUri is the first).
    references: tuple[str, ...]
    #: Categories for SARIF viewers (GitHub code scanning filters by them).
    tags: tuple[str, ...]
    check_document: DocumentCheck | None
    check_principal: PrincipalCheck | None
    #: For rules about a template resource itself (Inventory.resources), not about a policy or principal.
    check_resource: ResourceCheck | None
    #: Ids of rules that report some of this rule's findings more precisely (MNT006 says what a misplaced
    #: Mantle action should be, where IAM003 could only call it unknown). When one of them runs, the runner
    #: drops this rule's findings that it ``claims``; when none runs (``--ignore MNT006``), this rule reports
    #: them itself. Overlap is declared here rather than by one rule importing another, so every rule can be
    #: selected alone and none goes quiet because another is switched off.
    covered_by: tuple[str, ...]
    #: For a rule others name in ``covered_by``: which of their findings it reports itself.
    claims: Claim | None
    #: The rule's configuration: option name -> default. The runner passes each option to the rule's
    #: principal check (only principal rules take options so far) as a keyword argument, set by the
    #: command line (``Config.options``) or recorded by an input (``Inventory.options``: a saved live
    #: audit's key age limit), else this default.
    options: Mapping[str, Any]

    __slots__ = _fields = (
        "id",
        "name",
        "severity",
        "summary",
        "rationale",
        "fix",
        "references",
        "tags",
        "check_document",
        "check_principal",
        "check_resource",
        "covered_by",
        "claims",
        "options",
    )

    def __init__(
        self,
        id: str,
        name: str,
        severity: str,
        summary: str,
        rationale: str,
        fix: str,
        references: tuple[str, ...] = (),
        tags: tuple[str, ...] = (),
        check_document: DocumentCheck | None = None,
        check_principal: PrincipalCheck | None = None,
        check_resource: ResourceCheck | None = None,
        covered_by: tuple[str, ...] = (),
        claims: Claim | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.severity = severity
        self.summary = summary
        self.rationale = rationale
        self.fix = fix
        self.references = references
        self.tags = tags
        self.check_document = check_document
        self.check_principal = check_principal
        self.check_resource = check_resource
        self.covered_by = covered_by
        self.claims = claims
        if options and check_principal is None:
            # The runner passes options to principal checks only; any other rule would never see them.
            raise ValueError(f"rule {id}: options are passed to a principal check, and this rule has none")
        self.options = {} if options is None else options

    def explain(self, examples: Mapping[str, Mapping[str, str]] | None = None) -> str:
        """The rule's documentation, as ``mantle-lint --explain`` prints it (Markdown). Its Example and "Use
        instead" are the rule's test fixtures and the snapshot of what mantle-lint says about the bad one
        (``examples``, by default :func:`rule_examples`), so the documentation shows what the tool does."""
        ex = (rule_examples() if examples is None else examples).get(self.id, {})
        missing = "(none yet: write the rule's fixtures and run python scripts/gen_rule_docs.py)"
        return (
            f"# {self.id} {self.name}\n\nSeverity: {self.severity}\n\n{self.summary}\n\n"
            f"## Why\n\n{self.rationale}\n\n## Example\n\n{ex.get('example', missing)}\n\n"
            f"## Use instead\n\n{ex.get('use_instead', missing)}\n\n## Fix\n\n{self.fix}\n"
            + ("\n## References\n\n" + "".join(f"- <{url}>\n" for url in self.references) if self.references else "")
        )

    def at_statement(
        self,
        st: Statement,
        message: str,
        *sub: Any,
        fix: str | None = None,
        severity: str | None = None,
        **details: Any,
    ) -> Finding:
        """A finding placed on a statement (or one of its elements, ``sub`` = ("Action", 2))."""
        line, col = st.location(*sub)
        src = st.policy.source
        d = {k: v for k, v in details.items() if v is not None}
        if st.sid:
            d.setdefault("sid", st.sid)
        if src.label:
            d.setdefault("label", src.label)
        return Finding(self.id, severity or self.severity, message, src.file, line, col, None, fix or self.fix, d)

    def at_policy(self, policy: Policy, message: str, *sub: Any, fix: str | None = None, **details: Any) -> Finding:
        line, col = policy.location(*sub)
        d = {k: v for k, v in details.items() if v is not None}
        if policy.source.label:
            d.setdefault("label", policy.source.label)
        return Finding(self.id, self.severity, message, policy.source.file, line, col, None, fix or self.fix, d)

    def at_resource(self, resource: TemplateResource, message: str, **details: Any) -> Finding:
        """A finding placed on a template resource (its logical id's line)."""
        d = {k: v for k, v in details.items() if v is not None}
        d.setdefault("label", resource.label)
        if resource.construct_path:
            d.setdefault("construct_path", resource.construct_path)
        return Finding(
            self.id, self.severity, message, resource.file, resource.line, resource.column, None, self.fix, d
        )

    def at_principal(
        self,
        principal: Principal,
        message: str,
        fix: str | None = None,
        severity: str | None = None,
        **details: Any,
    ) -> Finding:
        d = {k: v for k, v in details.items() if v is not None}
        if principal.label:
            d.setdefault("label", principal.label)
        if principal.construct_path:
            d.setdefault("construct_path", principal.construct_path)
        sev = severity or self.severity
        if principal.heuristic:
            sev = "info"  # the principal's very kind is a guess
        elif principal.inferred is not None:
            # Nobody declared this principal: a policy the linter cannot see may complete it.
            sev = "warning" if sev == "error" else sev
            d.setdefault("inferred", principal.inferred)
            message = f"{message} [{inferred_note(principal)}]"
        return Finding(
            self.id,
            sev,
            message,
            principal.file,
            principal.line,
            principal.column,
            principal.name,
            fix or self.fix,
            d,
        )


#: Written by scripts/gen_rule_docs.py from tests/lint/rules/fixtures: per rule id, the Markdown of its
#: Example (the bad input and the report on it) and of its "Use instead" (the good input).
EXAMPLES_FILE = ("data", "rule-examples.json")


@lru_cache(maxsize=1)
def rule_examples() -> dict[str, dict[str, str]]:
    """The rules' documented examples; read only when a rule is explained (``--explain``, SARIF's help)."""
    import json
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), *EXAMPLES_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            data: dict[str, dict[str, str]] = json.load(f)
    except FileNotFoundError:
        return {}
    return data


def inferred_note(principal: Principal) -> str:
    """What a finding on an inferred principal says about where the principal came from and how to
    make the finding exact (or silence it)."""
    return (
        f"principal inferred: {principal.inferred}; declare it in a [[tool.mantle-lint.principal]] table "
        "to make this exact or to silence it"
    )


@lru_cache(maxsize=32)
def known_actions_memo(rule_id: str, cat: Catalog, exclude: frozenset[str] = frozenset()) -> set[str]:
    """A rule's ``clean`` set for :func:`value_problems` under ``cat``, one per rule and catalog: to begin
    with, every real action but ``exclude``, for rules that pass every real action but those."""
    return set(cat.known_actions()).difference(exclude)


def value_problems(
    policy: Policy,
    check: Callable[[str], T | None],
    clean: set[str],
    *,
    resources: bool = False,
) -> Iterator[tuple[Statement, str, int, str, T]]:
    """(statement, element, index, value, problem) for each action pattern (``resources``: each resource) of
    ``policy`` that ``check`` finds a problem with; element is "Action"/"NotAction" (or "Resource"/
    "NotResource").

    ``check`` must depend on the value alone; ``clean`` remembers the values it passed. A policy set
    repeats the same actions thousands of times, so most statements are then skipped with one set
    operation instead of a Python call per value and per rule. A rule may start ``clean`` with values
    it knows pass (every real action, for a rule about unknown actions), so even the first statements
    of a run are mostly skipped.
    """
    for st in policy.statements:
        if resources:
            if st.resources is not None:
                key, values = "Resource", st.resources
            elif st.not_resources is not None:
                key, values = "NotResource", st.not_resources
            else:
                continue
        elif st.actions is not None:
            key, values = "Action", st.actions
        elif st.not_actions is not None:
            key, values = "NotAction", st.not_actions
        else:
            continue
        if clean.issuperset(values):
            continue
        for i, v in enumerate(values):
            if v in clean:
                continue
            problem = check(v)
            if problem is None:
                clean.add(v)
            else:
                yield st, key, i, v, problem
