"""``mantle-lint diff --format text``: changes of access grouped by principal, then new and fixed findings,
then one summary line.

``+`` gained (now allowed), ``-`` lost (was allowed, now denied), ``~`` any other change of verdict (allowed →
conditional, denied → conditional); each with the statement that caused it, on the side where it is written.
Input errors go to stderr only (the command prints them), so stdout stays empty when nothing was compared.
"""

from __future__ import annotations

from mantlekit.lint.report.diff_run import DiffRun, cite, partial_routes, verdict, where
from mantlekit.lint.report.text import format_finding


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(run: DiffRun) -> str:
    """``2 gained, 1 lost, 0 changed (1 accepted); 1 new finding, 0 fixed; 3 principals changed``."""
    s = run.summary()
    line = f"{s['gained']} gained, {s['lost']} lost, {s['changed']} changed"
    if s["accepted"]:
        line += f" ({s['accepted']} accepted)"
    line += f"; {_plural(s['findings_new'], 'new finding')}, {s['findings_fixed']} fixed"
    parts = [f"{s[f'principals_{k}']} {k}" for k in ("added", "removed", "changed") if s[f"principals_{k}"]]
    if parts:
        line += "; principals: " + ", ".join(parts)
    return line


def render(run: DiffRun) -> str:
    diff = run.diff
    if diff is None:
        return ""
    out: list[str] = []
    for p in diff.principals:
        kind = f"{p.kind_before} → {p.kind}" if p.kind_before else p.kind
        status = "" if p.status == "changed" else f", {p.status}"
        out.append(f"{p.name} ({kind}{status}, {p.file}:{p.line})")
        for c in p.changes:
            line = f"  {c.mark} {where(c)}: {verdict(c.before)} → {verdict(c.after)}"
            routes = partial_routes(c)
            if routes:
                line += f" [{', '.join(routes)}]"
            if c.accepted:
                line += f" (accepted: {c.accepted})"
            out.append(line)
            if c.cause is not None:
                out.append(f"      {cite(c.cause, diff)}")
        out.append("")
    for title, findings in (("new findings", diff.new_findings), ("fixed findings", diff.fixed_findings)):
        if findings:
            out.append(f"{title}:")
            for f in findings:
                out += ["  " + ln for ln in format_finding(f)]
            out.append("")
    if not out:
        out.append(f"no change of access or findings between {diff.base_label} and {diff.head_label}")
    out.append(summary_line(run))
    return "\n".join(out) + "\n"
