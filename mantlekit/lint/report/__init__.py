"""Reporters: turn a finished run into text for stdout. One module per ``--format``.

Reporters only format; they never decide the exit status or read files. Input errors are also printed on
stderr by the CLI whatever the format; the machine-readable formats carry them too.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from mantlekit._record import ValueRecord
from mantlekit.lint.config import Config
from mantlekit.lint.findings import FORMATS as FORMATS
from mantlekit.lint.findings import SEVERITIES
from mantlekit.lint.runner import Result


class Run(ValueRecord):
    """What a reporter needs: the result, the configuration it ran with and the exit status it ends in."""

    result: Result
    config: Config
    exit_code: int
    fail_on: str

    __slots__ = _fields = ("result", "config", "exit_code", "fail_on")

    def __init__(self, result: Result, config: Config, exit_code: int, fail_on: str = "error") -> None:
        self.result = result
        self.config = config
        self.exit_code = exit_code
        self.fail_on = fail_on

    @property
    def files(self) -> int:
        """Files read and recognised, plus policy files read only for configured principals."""
        files = self.result.inventory.files
        extra = {p.source.file for p in self.config.documents_not_in(files)}
        return len({os.path.abspath(f) for f in files}) + len(extra)

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.result.findings)
        return {s: c.get(s, 0) for s in reversed(SEVERITIES)}

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "findings": len(self.result.findings),
            "by_severity": self.counts(),
            "input_errors": len(self.result.errors),
            "principals": len(self.result.access),
            "fail_on": self.fail_on,
            "exit_code": self.exit_code,
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(run: Run) -> str:
    """``3 findings (2 errors, 1 warning) in 12 files`` (``; 1 input error`` when some input was unreadable)."""
    counts = run.counts()
    parts = [_plural(n, s) for s, n in counts.items() if n]
    line = _plural(len(run.result.findings), "finding")
    if parts:
        line += f" ({', '.join(parts)})"
    line += f" in {_plural(run.files, 'file')}"
    if run.result.errors:
        line += f"; {_plural(len(run.result.errors), 'input error')}"
    return line


def render(fmt: str, run: Run, color: bool = False) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`), ending in a newline."""
    if fmt == "text":
        from mantlekit.lint.report.text import render as text

        return text(run, color=color)
    if fmt == "json":
        from mantlekit.lint.report.json_ import render as json_

        return json_(run)
    if fmt == "sarif":
        from mantlekit.lint.report.sarif import render as sarif

        return sarif(run)
    if fmt == "github":
        from mantlekit.lint.report.github import render as github

        return github(run)
    raise ValueError(f"unknown format {fmt!r}")
