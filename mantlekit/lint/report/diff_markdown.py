"""``mantle-lint diff --format markdown``: a pull-request comment.

A heading with the verdict, one short table (one row per principal whose access changed), and the details
(every change with its cause, new and fixed findings) folded in ``<details>`` so a long diff does not bury
the conversation. Table cells are escaped: principal names and messages come from the repository.
"""

from __future__ import annotations

from collections import Counter

from mantlekit.lint.diff import GAINED, LOST
from mantlekit.lint.report.diff_run import DiffRun, cite, partial_routes, verdict, where

TITLE = "mantle-lint diff"
_MARK = {"+": "➕", "-": "➖", "~": "〰️"}


def cell(s: str) -> str:
    """Text safe in a table cell (and outside code spans): pipes, HTML and line breaks neutralised."""
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(s.split())


def _code(s: str) -> str:
    return "`" + s.replace("`", "'").replace("|", "\\|") + "`"


def render(run: DiffRun) -> str:
    out = [f"### {TITLE}"]
    if run.diff is None:
        out += ["", "**Nothing compared**: input that cannot be read.", ""]
        out += [f"- {cell(side.label)}: {_code(str(e))}" for side, e in run.errors]
        return "\n".join(out) + "\n"
    diff = run.diff
    s = run.summary()
    reasons = []
    if diff.gains(run.fail_on_gain):
        reasons.append("access gained")
    if diff.failing_findings(run.fail_on):
        reasons.append(f"new findings at or above {run.fail_on}")
    verdict_line = f"❌ fails: {' and '.join(reasons)}" if reasons else "✅ passes"
    out.append("")
    out.append(
        f"{_code(diff.base_label)} → {_code(diff.head_label)}: {verdict_line} "
        f"(fail-on-gain {run.fail_on_gain}, fail-on {run.fail_on})."
    )
    out.append("")
    out.append(
        f"**{s['gained']} gained**, {s['lost']} lost, {s['changed']} changed"
        + (f" ({s['accepted']} accepted)" if s["accepted"] else "")
        + f"; {s['findings_new']} new findings, {s['findings_fixed']} fixed."
    )
    if diff.principals:
        out += ["", "| principal | kind | status | gained | lost | changed |"]
        out.append("| --- | --- | --- | ---: | ---: | ---: |")
        for p in diff.principals:
            n = Counter(c.direction for c in p.changes)
            kind = f"{p.kind_before} → {p.kind}" if p.kind_before else p.kind
            out.append(
                f"| {cell(p.name)} | {cell(kind)} | {p.status} | {n.get(GAINED, 0)} | {n.get(LOST, 0)} | "
                f"{len(p.changes) - n.get(GAINED, 0) - n.get(LOST, 0)} |"
            )
    details: list[str] = []
    for p in diff.principals:
        if not p.changes:
            continue
        details += ["", f"**{cell(p.name)}** ({cell(p.kind)}, {p.status})", ""]
        details += ["| | capability | before | after | cause |", "| --- | --- | --- | --- | --- |"]
        for c in p.changes:
            what = where(c)
            routes = partial_routes(c)
            if routes:
                what += " " + ", ".join(_code(r) for r in routes)
            cause = _code(cite(c.cause, diff)) if c.cause else ""
            if c.accepted:
                cause += f" accepted: {cell(c.accepted)}"
            out_row = f"| {_MARK[c.mark]} | {cell(what) if not routes else what} | {verdict(c.before)} | "
            details.append(out_row + f"{verdict(c.after)} | {cause} |")
    for title, findings in (("New findings", diff.new_findings), ("Fixed findings", diff.fixed_findings)):
        if findings:
            details += ["", f"**{title}**", ""]
            for f in findings:
                who = f" (principal: {cell(f.principal)})" if f.principal else ""
                details.append(f"- {_code(f'{f.file}:{f.line}')} {f.rule} {f.severity}: {cell(f.message)}{who}")
    if details:
        out += ["", "<details><summary>Details</summary>", *details, "", "</details>"]
    return "\n".join(out) + "\n"
