"""``mantle-lint diff --format github``: workflow commands that annotate the changed lines of a pull request.

A change whose cause is written in the head is annotated at that statement: ``::warning`` for gained access
that fails the run under ``--fail-on-gain``, ``::notice`` for the rest. One whose cause is only in the base
(a removed statement) is annotated at the principal's place in the head, or without a place for a principal
the head no longer has. New findings are annotated as the lint report does. The last line is the summary.
"""

from __future__ import annotations

from mantlekit.lint.report.diff_run import DiffRun, cite, verdict, where
from mantlekit.lint.report.diff_text import summary_line
from mantlekit.lint.report.github import COMMANDS, _finding, command

TITLE = "mantle-lint diff"


def render(run: DiffRun) -> str:
    lines: list[str] = []
    for side, e in run.errors:
        message = f"{side.label}: {e.message}"
        lines.append(command("error", message, file=e.file, line=e.line, col=e.column, title=TITLE))
    diff = run.diff
    if diff is None:
        return "\n".join(lines) + "\n"
    failing = {id(c) for c in diff.gains(run.fail_on_gain)}
    for p in diff.principals:
        for c in p.changes:
            message = f"{c.principal} {c.direction} {where(c)}: {verdict(c.before)} → {verdict(c.after)}"
            if c.cause is not None:
                message += f"\ncause: {cite(c.cause, diff)}"
            if c.accepted:
                message += f"\naccepted: {c.accepted}"
            kind = "warning" if id(c) in failing else "notice"
            if c.cause is not None and c.cause.side == "head":
                lines.append(command(kind, message, file=c.cause.file, line=c.cause.line, title=TITLE))
            elif p.status != "removed":
                lines.append(command(kind, message, file=p.file, line=p.line, title=TITLE))
            else:
                lines.append(command(kind, message, title=TITLE))
    lines += [_finding(f) for f in diff.new_findings]
    lines.append(summary_line(run))
    return "\n".join(lines) + "\n"


__all__ = ["COMMANDS", "render"]
