"""The capability matrix: for one principal, which Mantle capabilities work on which projects.

A capability is a named group of Mantle routes (``facts.CAPABILITY_ROUTES``); each route needs one IAM
action on the project. A key additionally needs ``bedrock-mantle:CallWithBearerToken`` for its token type.
The principal rules (MNT001-003, MNT008, MNT009) and ``mantle-lint access`` read this, so every verdict
comes from the one engine.
"""

from __future__ import annotations

from mantlekit import facts
from mantlekit._record import ValueRecord
from mantlekit.iam.arn import account_of, parse_arn
from mantlekit.iam.evaluate import Decision, Request, Verdict, decide
from mantlekit.iam.match import Context
from mantlekit.lint.inventory import Principal

BEARER = "bearer-token"
_ORDER = {Verdict.EXPLICIT_DENY: 0, Verdict.IMPLICIT_DENY: 1, Verdict.CONDITIONAL: 2, Verdict.ALLOWED: 3}


class RouteCheck(ValueRecord):
    route: facts.Route | None  # None for the bearer-token check
    decision: Decision

    __slots__ = _fields = ("route", "decision")

    def __init__(self, route: facts.Route | None, decision: Decision) -> None:
        self.route = route
        self.decision = decision


class Cell(ValueRecord):
    """One capability on one project (or the bearer-token check): the worst verdict of its routes."""

    capability: str
    project: str
    checks: list[RouteCheck]

    __slots__ = _fields = ("capability", "project", "checks")

    def __init__(self, capability: str, project: str, checks: list[RouteCheck]) -> None:
        self.capability = capability
        self.project = project
        self.checks = checks

    @property
    def verdict(self) -> Verdict:
        return min((c.decision.verdict for c in self.checks), key=_ORDER.__getitem__)

    @property
    def failing(self) -> list[RouteCheck]:
        v = self.verdict
        return [c for c in self.checks if c.decision.verdict is v] if v is not Verdict.ALLOWED else []


class PrincipalAccess(ValueRecord):
    principal: Principal
    cells: dict[tuple[str, str], Cell]
    bearer: Cell | None
    _cache: dict[tuple[str, str], Decision]

    __slots__ = _fields = ("principal", "cells", "bearer", "_cache")

    def __init__(
        self,
        principal: Principal,
        cells: dict[tuple[str, str], Cell] | None = None,
        bearer: Cell | None = None,
        _cache: dict[tuple[str, str], Decision] | None = None,
    ) -> None:
        self.principal = principal
        self.cells = {} if cells is None else cells
        self.bearer = bearer
        self._cache = {} if _cache is None else _cache

    def context(self, action: str, resource: str = "*") -> Context:
        """What is known about a request of this principal: account, region, ARN, token type, and the account
        that owns the resource."""
        p = self.principal
        values: dict[str, str | None] = {}
        owner = account_of(resource)
        if owner is not None:
            # "aws:ResourceAccount ... This key is equal to the AWS account ID for the account with the resources
            # evaluated in the request." (reference_policies_condition-keys.html): a project's is in its ARN.
            values["aws:ResourceAccount"] = owner
        if p.account:
            values["aws:PrincipalAccount"] = p.account
        if p.region:
            values["aws:RequestedRegion"] = p.region
        if p.arn:
            values["aws:PrincipalArn"] = p.arn
        if p.kind == "user" or p.is_key:
            values["aws:username"] = p.name if p.arn is None else p.arn.rsplit("/", 1)[-1]
        for k, v in p.tags.items():
            values[f"aws:PrincipalTag/{k}"] = v
        if action.lower() == facts.CALL_WITH_BEARER_TOKEN.lower():
            values[facts.BEARER_TOKEN_TYPE_KEY] = p.token_type
        return Context(values)

    def decide(self, action: str, resource: str) -> Decision:
        key = (action, resource)
        d = self._cache.get(key)
        if d is None:
            d = decide(self.principal.policies, Request(action, resource, self.context(action, resource)))
            self._cache[key] = d
        return d

    def capability(self, capability: str, project: str) -> Cell:
        key = (capability, project)
        cell = self.cells.get(key)
        if cell is None:
            # Account-wide routes (data retention) are authorized on "*", whatever the project.
            checks = [
                RouteCheck(r, self.decide(f"{facts.SERVICE_PREFIX}:{r.action}", facts.route_resource(r, project)))
                for r in facts.capability_routes(capability)
            ]
            cell = self.cells[key] = Cell(capability, project, checks)
        return cell

    def bearer_token(self) -> Cell | None:
        """The CallWithBearerToken check of a key principal (None for roles and users)."""
        if not self.principal.is_key:
            return None
        if self.bearer is None:
            self.bearer = Cell(BEARER, "*", [RouteCheck(None, self.decide(facts.CALL_WITH_BEARER_TOKEN, "*"))])
        return self.bearer


def evaluate_principal(principal: Principal, capabilities: tuple[str, ...] | None = None) -> PrincipalAccess:
    """Evaluate the principal's needs (or the given capabilities) on each of its projects."""
    access = PrincipalAccess(principal)
    access.bearer_token()
    for cap in capabilities if capabilities is not None else principal.effective_needs():
        for project in principal.project_arns():
            access.capability(cap, project)
    return access


def action_resource(action: str, principal: Principal, project: str) -> str:
    """What a bedrock-mantle ``action`` is asked about for ``project``: the project, ``*`` for an action with
    no resource type, else an example ARN of its required type in the project's account and region (a
    reservation or customized model the principal could name there)."""
    info = facts.ACTIONS[action.split(":", 1)[1]]
    required = [t for t, req in info.resources if req]
    if not info.resources:
        return "*"
    if "project" in required or not required:
        return project
    a = parse_arn(project)
    if a is None:  # pragma: no cover - a principal's projects are project ARNs (facts.project_arn)
        raise ValueError(f"not a project ARN: {project!r}")
    region = principal.region or a.region
    account = principal.account or a.account
    return facts.RESOURCE_TYPES[required[0]].format(
        partition=facts.partition_of(region), region=region, account=account, id="example"
    )


def short_project(arn: str) -> str:
    """``proj_abc`` for a project ARN, for compact display."""
    return arn.rsplit("/", 1)[-1] if ":project/" in arn else arn
