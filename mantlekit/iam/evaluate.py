"""The decision: may this principal perform this action on this resource, in this context?

Follows the AWS policy evaluation logic for requests within one account:

1. An explicit Deny in any policy that applies (identity, boundary, SCP, endpoint, resource) wins.
2. Every SCP level given must allow; a given permission boundary must allow; a given VPC endpoint
   policy must allow. None of them grants anything by itself.
3. The identity policies (inline, attached managed, group) must allow, or (same account) a resource-based
   policy that names the principal.

Every statement answers in three-valued logic, so a verdict is ``conditional`` when it depends on context
keys the caller did not supply, and the decision lists them instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from mantlekit._record import FrozenRecord, ValueRecord
from mantlekit.iam import conditions
from mantlekit.iam.match import Context, Tri, any_action_matches, pattern_matches, t_not
from mantlekit.iam.model import Policy, Principals, Statement


class Verdict(StrEnum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"
    CONDITIONAL = "conditional"


class Request(FrozenRecord):
    """One request: the action (``service:Name``), its resource ARN (``*`` for none) and the context."""

    action: str
    resource: str
    context: Context

    __slots__ = _fields = ("action", "resource", "context")

    def __init__(self, action: str, resource: str = "*", context: Context | None = None) -> None:
        self.action = action
        self.resource = resource
        self.context = Context() if context is None else context


class PolicySet(ValueRecord):
    """The policies that apply to one principal's request, by the role each plays in evaluation."""

    identity: Sequence[Policy]
    boundary: Policy | None
    #: One entry per level of the organization (root, OU, ..., account); each level must allow. A level is
    #: one SCP or a sequence of the SCPs attached there (they are united, as AWS does: FullAWSAccess plus a
    #: deny-list guardrail is the usual pair).
    scps: Sequence[Policy | Sequence[Policy]]
    endpoint: Policy | None
    resource: Policy | None

    __slots__ = _fields = ("identity", "boundary", "scps", "endpoint", "resource")

    def __init__(
        self,
        identity: Sequence[Policy] = (),
        boundary: Policy | None = None,
        scps: Sequence[Policy | Sequence[Policy]] = (),
        endpoint: Policy | None = None,
        resource: Policy | None = None,
    ) -> None:
        self.identity = identity
        self.boundary = boundary
        self.scps = scps
        self.endpoint = endpoint
        self.resource = resource

    def all_policies(self) -> list[Policy]:
        out = list(self.identity)
        out += [p for p in (self.boundary, *self.scp_policies(), self.endpoint, self.resource) if p is not None]
        return out

    def scp_levels(self) -> list[list[Policy]]:
        return [[lvl] if isinstance(lvl, Policy) else list(lvl) for lvl in self.scps]

    def scp_policies(self) -> list[Policy]:
        out = []
        for level in self.scp_levels():
            out += level
        return out


class Gate(ValueRecord):
    """What one required layer said: the allowing statements, or why it allowed nothing."""

    name: str  # "identity", "permission boundary", "SCP <file>", "VPC endpoint policy"
    state: Tri
    allowing: list[Statement]
    unknown: list[Statement]
    policies: list[Policy]

    __slots__ = _fields = ("name", "state", "allowing", "unknown", "policies")

    def __init__(
        self, name: str, state: Tri, allowing: list[Statement], unknown: list[Statement], policies: list[Policy]
    ) -> None:
        self.name = name
        self.state = state
        self.allowing = allowing
        self.unknown = unknown
        self.policies = policies


class Decision(ValueRecord):
    verdict: Verdict
    request: Request
    deciding: list[Statement]
    missing_context: list[str]
    notes: list[str]
    failed_gate: str | None
    suggested_statement: dict[str, Any] | None

    __slots__ = _fields = (
        "verdict",
        "request",
        "deciding",
        "missing_context",
        "notes",
        "failed_gate",
        "suggested_statement",
    )

    def __init__(
        self,
        verdict: Verdict,
        request: Request,
        deciding: list[Statement],
        missing_context: list[str],
        notes: list[str],
        failed_gate: str | None = None,
        suggested_statement: dict[str, Any] | None = None,
    ) -> None:
        self.verdict = verdict
        self.request = request
        self.deciding = deciding
        self.missing_context = missing_context
        self.notes = notes
        self.failed_gate = failed_gate
        self.suggested_statement = suggested_statement

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "action": self.request.action,
            "resource": self.request.resource,
            "deciding": [s.ref() for s in self.deciding],
            "missing_context": self.missing_context,
            "suggested_statement": self.suggested_statement,
            "notes": self.notes,
        }


def _principal_matches(pr: Principals, ctx: Context, missing: set[str], direct: bool = False) -> Tri:
    """Does the request's principal match ``pr``? With ``direct``, an account (or its ``:root``) does
    not count: naming the account delegates to that account's own identity-based policies."""
    if pr.any:
        return True
    arn_values = pr.values("AWS")
    if direct:
        arn_values = tuple(v for v in arn_values if not (v.isdigit() or v.endswith(":root")))
    # Several principal types in one element: the principal matches if it is any of them.
    result = _aws_principal_matches(arn_values, ctx, missing) if arn_values else False
    svc = pr.values("Service")
    if svc and result is not True:
        name = ctx.lookup("aws:PrincipalServiceName")
        if isinstance(name, tuple):
            if any(s in name for s in svc):
                return True
        elif name is not None:
            missing.add("aws:PrincipalServiceName")
            return None
    return result


def _aws_principal_matches(arn_values: tuple[str, ...], ctx: Context, missing: set[str]) -> Tri:
    principal_arn = ctx.get("aws:PrincipalArn")
    account = ctx.get("aws:PrincipalAccount")
    if principal_arn is None and account is None:
        if ctx.closed:
            return False
        missing.add("aws:PrincipalArn")
        return None
    if account is None and principal_arn and principal_arn.count(":") >= 5:
        account = principal_arn.split(":")[4]
    for v in arn_values:
        if v.isdigit() and v == account:
            return True
        if v.endswith(":root") and v.count(":") == 5 and v.split(":")[4] == account:
            return True
        if principal_arn is not None and v == principal_arn:
            return True
    return False


def _names_user(st: Statement, ctx: Context) -> bool:
    """Does the statement's Principal name the request's principal, an IAM user, by its ARN?"""
    arn = ctx.get("aws:PrincipalArn")
    return bool(arn) and ":user/" in arn and st.principal is not None and arn in st.principal.values("AWS")


def statement_applies(st: Statement, req: Request, missing: set[str], grant: bool = False) -> Tri:
    """Does the statement match the request (action, resource, principal, conditions)?

    ``grant``: the statement is an Allow of a same-account resource-based policy, which grants by itself
    only to a principal it names (an account principal leaves the grant to identity-based policies).
    """
    action = req.action.lower()
    if st.actions is not None:
        if not any_action_matches(st.actions, action):
            return False
    elif st.not_actions is not None and any_action_matches(st.not_actions, action):
        return False
    variables = st.policy.supports_variables if st.policy is not None else True
    ctx = req.context
    local: set[str] = set()
    result: Tri = True
    if st.resources is not None or st.not_resources is not None:
        pats = st.resources if st.resources is not None else st.not_resources
        hit: Tri = False
        for p in pats:  # type: ignore[union-attr]
            m = pattern_matches(p, req.resource, ctx, variables, local, arn=True)
            if m is True:
                hit = True
                break
            if m is None:
                hit = None
        res = hit if st.resources is not None else t_not(hit)
        if res is False:
            return False
        if res is None:
            result = None
    if st.principal is not None or st.not_principal is not None:
        pr = st.principal or st.not_principal
        m = _principal_matches(pr, ctx, local, grant and st.principal is not None)  # type: ignore[arg-type]
        pm = m if st.principal is not None else t_not(m)
        if pm is False:
            return False
        if pm is None:
            result = None
    if st.conditions:
        c = conditions.evaluate_all(st.conditions, ctx, variables, local)
        if c is False:
            return False
        if c is None:
            result = None
    if result is None:
        missing.update(local)
    return result


def _scan(
    policies: Sequence[Policy], req: Request, missing: dict[Statement, set[str]], grant: bool = False
) -> tuple[list, list, list, list]:
    """Statements of ``policies`` that apply: (allow true, allow unknown, deny true, deny unknown).

    ``missing`` receives, for each statement that applies only maybe, the keys it depends on.
    """
    at: list[Statement] = []
    au: list[Statement] = []
    dt: list[Statement] = []
    du: list[Statement] = []
    for p in policies:
        for st in p.statements:
            keys: set[str] = set()
            r = statement_applies(st, req, keys, grant and st.is_allow)
            if r is False:
                continue
            if r is None:
                missing[st] = keys
            if st.is_allow:
                (at if r else au).append(st)
            else:
                (dt if r else du).append(st)
    return at, au, dt, du


def _gate(name: str, policies: list[Policy], at: list, au: list) -> Gate:
    state: Tri = True if at else (None if au else False)
    return Gate(name, state, at, au, policies)


def _keys(statements: Sequence[Statement], missing: dict[Statement, set[str]]) -> list[str]:
    """The context keys ``statements`` depend on, once each (keys are case-insensitive), sorted."""
    found: dict[str, str] = {}
    for st in statements:
        for k in missing.get(st, ()):
            found[k.lower()] = min(k, found.get(k.lower(), k))
    return sorted(found.values(), key=str.lower)


def decide(policies: PolicySet, request: Request) -> Decision:
    """Evaluate ``request`` against ``policies``. Pure function; no I/O."""
    # Only the statements that could change the verdict name keys: a maybe-Allow in a layer that
    # already allows for sure depends on keys that do not matter.
    missing: dict[Statement, set[str]] = {}
    deny_true: list[Statement] = []
    deny_unknown: list[Statement] = []
    notes: list[str] = []

    def layer(name: str, pols: list[Policy], grant: bool = False) -> Gate:
        at, au, dt, du = _scan(pols, request, missing, grant)
        deny_true.extend(dt)
        deny_unknown.extend(du)
        return _gate(name, pols, at, au)

    identity = layer("identity-based policies", list(policies.identity))
    resource = layer("resource-based policy", [policies.resource], True) if policies.resource else None
    gates: list[Gate] = []
    # Identity and (same-account) resource policies grant; the rest only limit.
    if resource is not None:
        granting = Gate(
            "identity- or resource-based policies",
            True
            if (identity.state or resource.state)
            else (None if None in (identity.state, resource.state) else False),
            identity.allowing + resource.allowing,
            identity.unknown + resource.unknown,
            identity.policies + resource.policies,
        )
    else:
        granting = identity
    gates.append(granting)
    if policies.boundary is not None:
        pb: Gate | None = layer("permissions boundary", [policies.boundary])
        if resource is not None and pb is not None and pb.state is not True:
            # Within an account, an implicit deny in a permissions boundary does not limit what a resource-based
            # policy grants to an IAM user ARN directly (it does limit what it grants to a role ARN).
            sure = [s for s in resource.allowing if _names_user(s, request.context)]
            maybe = [s for s in resource.unknown if _names_user(s, request.context)]
            if sure:
                pb = None
            elif maybe:
                pb = Gate(pb.name, None, pb.allowing, pb.unknown + maybe, pb.policies)
        if pb is not None:
            gates.append(pb)
    for level in policies.scp_levels():
        names = " + ".join(p.display for p in level)
        g = layer(f"SCP {names}", level)
        if not any(s.is_allow for p in level for s in p.statements):
            notes.append(
                f"{names} has no Allow statement, so it denies everything; AWS attaches FullAWSAccess "
                "to every root, OU and account by default, and an SCP level allows only what its Allows name"
            )
        gates.append(g)
    if policies.endpoint is not None:
        gates.append(layer("VPC endpoint policy", [policies.endpoint]))

    if deny_true:
        return Decision(Verdict.EXPLICIT_DENY, request, deny_true, [], notes)
    failed = [g for g in gates if g.state is False]
    if failed:
        g = failed[0]
        notes = [f"no statement in the {g.name} allows {request.action} on {request.resource}", *notes]
        if deny_unknown:
            keys = ", ".join(_keys(deny_unknown, missing))
            notes.append("an explicit Deny may also apply, depending on: " + keys)
        return Decision(
            Verdict.IMPLICIT_DENY,
            request,
            [],
            [],
            notes,
            failed_gate=g.name,
            suggested_statement=suggest_statement(request),
        )
    if not deny_unknown and all(g.state is True for g in gates):
        deciding = [g.allowing[0] for g in gates]
        return Decision(Verdict.ALLOWED, request, deciding, [], notes)
    deciding = list(deny_unknown)
    for g in gates:
        if g.state is None:
            deciding.extend(s for s in g.unknown if s not in deciding)
    return Decision(Verdict.CONDITIONAL, request, deciding, _keys(deciding, missing), notes)


def suggest_statement(request: Request) -> dict[str, Any]:
    """The smallest statement that would allow the request in a policy that currently allows nothing."""
    action = request.action
    try:  # canonical spelling from the catalog when it knows the action
        from mantlekit.catalog import get_catalog

        info = get_catalog().action(action)
        if info is not None:
            action = info.full_name
    except Exception:  # the catalog is a nicety here, never a reason to fail
        pass
    return {"Effect": "Allow", "Action": action, "Resource": request.resource}
