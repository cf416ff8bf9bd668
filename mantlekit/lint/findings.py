"""What a rule reports, and what a reader reports when it cannot read something."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mantlekit._record import Record, ValueRecord

if TYPE_CHECKING:
    from mantlekit.iam.model import PolicyError

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
#: What ``--fail-on`` and ``fail-on`` accept: the lowest severity that fails a run, or never.
FAIL_ON = (*SEVERITIES, "never")
#: Report formats (``--format``), one module of :mod:`mantlekit.lint.report` each. Here rather than there
#: because the CLI needs the names to build its parser, and importing the reporters would slow start-up.
FORMATS = ("text", "json", "sarif", "github")
#: Report formats of ``mantle-lint diff`` (:mod:`mantlekit.lint.report.diff_run`), here for the same reason.
DIFF_FORMATS = ("text", "json", "markdown", "github")
#: Exit statuses of ``mantle-lint`` and ``mantle-lint access``: clean (allowed), findings at or above
#: ``--fail-on`` (not allowed), usage, configuration or unreadable input (wins over findings).
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Finding(ValueRecord):
    """One finding. ``file``/``line``/``column`` point at the place a person would edit."""

    rule: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    principal: str | None
    fix: str | None
    #: Extra facts for machine-readable output: logical_id, construct_path, capability, route, project,
    #: deciding (statement refs), missing_context, suggested_statement; action (the lower-case action pattern
    #: a finding of IAM002/IAM003 is about, which a covering rule's ``claims`` looks at).
    details: dict[str, Any]

    __slots__ = _fields = ("rule", "severity", "message", "file", "line", "column", "principal", "fix", "details")

    def __init__(
        self,
        rule: str,
        severity: str,
        message: str,
        file: str,
        line: int = 1,
        column: int = 1,
        principal: str | None = None,
        fix: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.rule = rule
        self.severity = severity
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.principal = principal
        self.fix = fix
        self.details = {} if details is None else details

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line, self.column, self.rule, self.principal or "", self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "principal": self.principal,
            "fix": self.fix,
        }
        if self.details:
            out["details"] = self.details
        return out


class InputError(Record, Exception):
    """Input that could not be read (exit status 2). The rest of the run goes on.

    Readers collect these in the inventory; it is an exception too, so a helper deep in a reader can raise
    it and the reader's caller records it and moves on to the next file.
    """

    file: str
    message: str
    line: int
    column: int

    _fields = ("file", "message", "line", "column")

    def __init__(self, file: str, message: str, line: int = 1, column: int = 1) -> None:
        self.file = file
        self.message = message
        self.line = line
        self.column = column

    @classmethod
    def of(cls, e: PolicyError, file: str | None = None, prefix: str = "") -> InputError:
        """The engine's :class:`~mantlekit.iam.model.PolicyError` as an input error, at its place; ``file``
        replaces its file, ``prefix`` (a logical id, a policy name) goes before its message."""
        return cls(e.file if file is None else file, prefix + e.message, e.line, e.column)

    def __str__(self) -> str:
        if self.file.startswith("--") or "://" in self.file:  # an option or a URL has no lines
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column}: {self.message}"
