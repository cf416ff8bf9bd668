"""Helpers shared by rules: how a decision is described and how a fix statement is written."""

from __future__ import annotations

import json
from collections.abc import Iterator

from mantlekit import facts
from mantlekit.iam.evaluate import Decision, Verdict
from mantlekit.iam.model import Gate, Statement
from mantlekit.lint.access import Cell, PrincipalAccess, short_project
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import Principal
from mantlekit.lint.rules.base import Rule


def cite(st: Statement) -> str:
    sid = f" (Sid {st.sid})" if st.sid else ""
    return f"{st.file}:{st.line}{sid}"


def why(d: Decision) -> str:
    """One clause saying why a decision is not ``allowed``."""
    if d.verdict is Verdict.EXPLICIT_DENY:
        return "explicitly denied by " + ", ".join(cite(s) for s in d.deciding)
    if d.verdict is Verdict.IMPLICIT_DENY:
        return f"no statement in the {d.failed_layer or 'policies'} allows it"
    keys = ", ".join(d.missing_context) or "unresolved values"
    return f"the answer depends on {keys}"


def fix_for(d: Decision, where: str | None = None) -> str | None:
    """A fix: remove the Deny, or add the smallest allowing statement to the layer that lacks it."""
    if d.verdict is Verdict.EXPLICIT_DENY:
        return "narrow or remove the denying statement " + ", ".join(cite(s) for s in d.deciding)
    if d.verdict is Verdict.IMPLICIT_DENY and d.suggested_statement:
        target = where or f"the {d.failed_layer}"
        return f"add to {target}: {json.dumps(d.suggested_statement)}"
    if d.verdict is Verdict.CONDITIONAL:
        return "supply the context keys (mantle-lint access --context KEY=VALUE) or make the conditions explicit"
    return None


def severity_for(rule: Rule, verdict: Verdict) -> str:
    """A conditional verdict is a warning: it may work, depending on the request."""
    return "warning" if verdict is Verdict.CONDITIONAL and rule.severity == "error" else rule.severity


def capability_findings(
    rule: Rule,
    principal: Principal,
    access: PrincipalAccess,
    capability: str,
    what: str,
    *,
    answers: str | None = None,
) -> Iterator[Finding]:
    """Findings for each project of the principal on which ``capability`` is not allowed; for an account-wide
    capability (data retention) one finding, since every project gets the same answer.

    ``answers``: what the failing route answers when its action is not allowed (``"HTTP 404"``), for a rule
    whose users see a symptom that does not point at IAM; the message then ends with it.
    """
    projects = principal.project_arns()
    if all(r.account_wide for r in facts.capability_routes(capability)):
        projects = projects[:1]
    for project in projects:
        cell: Cell = access.capability(capability, project)
        if cell.verdict is Verdict.ALLOWED:
            continue
        yield _cell_finding(rule, principal, cell, what, project, answers)


def _cell_finding(
    rule: Rule, principal: Principal, cell: Cell, what: str, project: str, answers: str | None = None
) -> Finding:
    check = cell.failing[0]
    d = check.decision
    route = f"{check.route} → {d.request.action}" if check.route else d.request.action
    conditional = d.verdict is Verdict.CONDITIONAL
    verb = "may not be able to" if conditional else "cannot"
    account_wide = check.route is not None and check.route.account_wide
    where = "in the account" if account_wide else f"on project {short_project(project)}"
    msg = f"{principal.name} {verb} {what} {where} ({route}): {why(d)}"
    if answers and check.route:
        msg += f", so {check.route} {'may answer' if conditional else 'answers'} {answers}"
    return rule.at_principal(
        principal,
        msg,
        fix=fix_for(d, "one of its identity policies" if d.failed_gate is Gate.IDENTITY else None),
        severity=severity_for(rule, d.verdict),
        capability=cell.capability,
        route=str(check.route) if check.route else None,
        project=project,
        **d.to_json(brief=True),
    )
