"""``--format github``: GitHub Actions workflow commands, one annotation per finding and input error.

``::error file=F,line=L,col=C,title=RULE::message``; ``info`` findings become ``::notice``. Values are escaped
as the runner expects: ``%``, CR and LF everywhere, and ``:`` and ``,`` in properties as well.
"""

from __future__ import annotations

from mantlekit.lint.findings import Finding
from mantlekit.lint.report import Run, summary_line

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: object) -> str:
    ps = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind} {ps}::{escape_data(message)}" if ps else f"::{kind}::{escape_data(message)}"


def _finding(f: Finding) -> str:
    message = f.message
    if f.principal:
        message += f"\nprincipal: {f.principal}"
    if f.fix:
        message += f"\nfix: {f.fix}"
    return command(COMMANDS.get(f.severity, "warning"), message, file=f.file, line=f.line, col=f.column, title=f.rule)


def render(run: Run) -> str:
    lines = [_finding(f) for f in sorted(run.result.findings, key=Finding.sort_key)]
    lines += [
        command("error", e.message, file=e.file, line=e.line, col=e.column, title="mantle-lint")
        for e in run.result.errors
    ]
    lines.append(summary_line(run))
    return "\n".join(lines) + "\n"
