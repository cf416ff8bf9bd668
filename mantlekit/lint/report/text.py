"""``--format text``: findings grouped by file, one clickable ``file:line:col:`` line each, then a summary.

Nothing else is printed: no banner, no progress (that goes to stderr, and only on a terminal).
"""

from __future__ import annotations

from itertools import groupby

from mantlekit.lint.findings import Finding
from mantlekit.lint.report import Run, summary_line
from mantlekit.lint.runner import selected_rules

#: Said when no principal was evaluated although a principal rule ran, so that silence is not taken for a
#: clean bill of health. With only document rules selected (``--select IAM``) nobody asked, so it is noise.
NO_PRINCIPALS = (
    "no principals evaluated: no configured principal, API-key policy, template or account user or role among "
    "the inputs; see --explain MNT001"
)
_RESET = "\033[0m"
_BOLD = "\033[1m"
_DIM = "\033[2m"
_SEVERITY_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}


def _paint(s: str, code: str, color: bool) -> str:
    return f"{code}{s}{_RESET}" if color else s


def format_finding(f: Finding, color: bool = False) -> list[str]:
    loc = _paint(f"{f.file}:{f.line}:{f.column}:", _BOLD, color)
    sev = _SEVERITY_COLOURS.get(f.severity, "")
    head = f"{loc} {_paint(f.rule, sev, color)} {_paint(f.severity, sev, color)} {f.message}"
    if f.principal:
        head += f" (principal: {f.principal})"
    lines = [head]
    if f.fix:
        fix_lines = f.fix.splitlines() or [""]
        lines.append(_paint(f"    fix: {fix_lines[0]}", _DIM, color))
        lines += [_paint(f"         {rest}", _DIM, color) for rest in fix_lines[1:]]
    return lines


def render(run: Run, color: bool = False) -> str:
    out: list[str] = []
    for _file, group in groupby(sorted(run.result.findings, key=Finding.sort_key), key=lambda f: f.file):
        for f in group:
            out += format_finding(f, color)
        out.append("")
    if not run.result.access and any(r.check_principal is not None for r in selected_rules(run.config)):
        out.append(NO_PRINCIPALS)
    out.append(summary_line(run))
    return "\n".join(out) + "\n"
