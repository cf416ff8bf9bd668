"""Reporters of ``mantle-lint diff``: what they share, and the choice of ``--format``.

Like the lint reporters they only format: the comparison is :mod:`mantlekit.lint.diff`, the exit status the
command's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mantlekit._record import ValueRecord
from mantlekit.iam.evaluate import Verdict
from mantlekit.lint.access import short_project

if TYPE_CHECKING:
    from mantlekit.lint.diff import Cause, Change, Diff
    from mantlekit.lint.diff_cli import Side
    from mantlekit.lint.findings import InputError


class DiffRun(ValueRecord):
    """A finished diff (``None`` when a side could not be read: then only ``errors``), the thresholds it was
    judged by and the exit status."""

    diff: Diff | None
    fail_on: str
    fail_on_gain: str
    exit_code: int
    errors: list[tuple[Side, InputError]]

    __slots__ = _fields = ("diff", "fail_on", "fail_on_gain", "exit_code", "errors")

    def __init__(
        self,
        diff: Diff | None,
        fail_on: str,
        fail_on_gain: str,
        exit_code: int,
        errors: list[tuple[Side, InputError]] | None = None,
    ) -> None:
        self.diff = diff
        self.fail_on = fail_on
        self.fail_on_gain = fail_on_gain
        self.exit_code = exit_code
        self.errors = [] if errors is None else errors

    def summary(self) -> dict[str, Any]:
        out = self.diff.summary() if self.diff is not None else {}
        out.update(
            {
                "input_errors": len(self.errors),
                "fail_on": self.fail_on,
                "fail_on_gain": self.fail_on_gain,
                "exit_code": self.exit_code,
            }
        )
        return out


def verdict(v: Verdict | None) -> str:
    """A verdict as reports write it; ``absent`` where the principal is not on that side."""
    return "absent" if v is None else v.value


def where(c: Change) -> str:
    """``projects-admin on proj_abc123``; the bearer-token check and account-wide capabilities have no
    project to name."""
    from mantlekit.lint.access import BEARER

    if c.capability == BEARER:
        return "bearer token"
    return f"{c.capability} on {short_project(c.project)}"


def cite(cause: Cause | None, diff: Diff) -> str:
    """``policies/ci.json:5 Sid AdminAll (Allow)``, with `` in BASE`` when the statement is only there."""
    if cause is None:
        return ""
    sid = f" Sid {cause.sid}" if cause.sid else ""
    side = f" in {diff.base_label}" if cause.side == "base" else ""
    return f"{cause.file}:{cause.line}{sid} ({cause.effect}){side}"


def partial_routes(c: Change) -> list[str]:
    """The changed routes when they are not all of the capability's (else nothing worth listing)."""
    from mantlekit import facts
    from mantlekit.lint.diff import MANAGEMENT

    if c.capability == MANAGEMENT:  # its "routes" are the actions: always worth naming
        return [r.split(":", 1)[-1] for r in c.routes]
    all_routes = facts.CAPABILITY_ROUTES.get(c.capability, ())
    return c.routes if c.routes and len(c.routes) < len(all_routes) else []


def render(fmt: str, run: DiffRun) -> str:
    if fmt == "text":
        from mantlekit.lint.report.diff_text import render as text

        return text(run)
    if fmt == "json":
        from mantlekit.lint.report.diff_json import render as json_

        return json_(run)
    if fmt == "markdown":
        from mantlekit.lint.report.diff_markdown import render as markdown

        return markdown(run)
    if fmt == "github":
        from mantlekit.lint.report.diff_github import render as github

        return github(run)
    raise ValueError(f"unknown format {fmt!r}")
