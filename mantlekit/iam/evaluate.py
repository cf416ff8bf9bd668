"""The decision: may this principal perform this action on this resource, in this context?

Follows the AWS policy evaluation logic (reference_policies_evaluation-logic.html and its pages on
cross-account requests, boundaries, SCPs, RCPs and session policies):

1. An explicit Deny in any policy that applies (identity, boundary, session, SCP, RCP, endpoint, resource)
   wins.
2. Every SCP level (the principal's account) and every RCP level (the resource's account, services that
   RCPs govern) must allow; a given permissions boundary, session policy and VPC endpoint policy must allow.
   None of them grants anything by itself.
3. Within one account, the identity policies must allow, or a resource-based policy that names the
   principal; a grant to the user, the session or ``*`` passes an implicit deny of the boundary and session
   policy, a grant to the role ARN does not (see :func:`_grant_same_account`). KMS key policies and role
   trust policies must allow themselves (:mod:`mantlekit.iam.own_policy`).
4. Across accounts, the identity side and the resource policy must both allow.

Every statement answers in three-valued logic, so a verdict is ``conditional`` when it depends on context
keys the caller did not supply, and the decision lists them instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from mantlekit._record import FrozenRecord, ValueRecord
from mantlekit.iam import conditions
from mantlekit.iam.arn import account_of, parse_arn
from mantlekit.iam.match import (
    Context,
    Tri,
    any_action_matches,
    pattern_matches,
    t_all,
    t_any,
    t_not,
    variable_before_fifth_colon,
)
from mantlekit.iam.model import RESOURCE, Gate, Policy, PolicySet, Principals, Statement
from mantlekit.iam.own_policy import OwnPolicyRule, own_policy_rule


class Verdict(StrEnum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"
    CONDITIONAL = "conditional"


class Request(FrozenRecord):
    """One request: the action (``service:Name``), its resource ARN (``*`` for none) and the context.

    ``principal``: the ARN the request is signed as (an IAM user, an ``assumed-role`` session, a
    ``federated-user`` session, or a role ARN standing for any of its sessions); without it,
    ``aws:PrincipalArn`` of the context. ``resource_account``: the account that owns the resource; without
    it, ``aws:ResourceAccount`` of the context, else the account field of the resource ARN. When both
    accounts are known and differ, the request is cross-account.
    """

    action: str
    resource: str
    context: Context
    principal: str | None
    resource_account: str | None

    __slots__ = _fields = ("action", "resource", "context", "principal", "resource_account")

    def __init__(
        self,
        action: str,
        resource: str = "*",
        context: Context | None = None,
        principal: str | None = None,
        resource_account: str | None = None,
    ) -> None:
        self.action = action
        self.resource = resource
        self.context = Context() if context is None else context
        self.principal = principal
        self.resource_account = resource_account


class Decision(ValueRecord):
    verdict: Verdict
    request: Request
    deciding: list[Statement]
    missing_context: list[str]
    notes: list[str]
    #: The gate of an implicit deny, and how its notes name it (an SCP gate with the policies of the level).
    failed_gate: Gate | None
    failed_layer: str | None
    suggested_statement: dict[str, Any] | None

    __slots__ = _fields = (
        "verdict",
        "request",
        "deciding",
        "missing_context",
        "notes",
        "failed_gate",
        "failed_layer",
        "suggested_statement",
    )

    def __init__(
        self,
        verdict: Verdict,
        request: Request,
        deciding: list[Statement],
        missing_context: list[str],
        notes: list[str],
        failed_gate: Gate | None = None,
        failed_layer: str | None = None,
        suggested_statement: dict[str, Any] | None = None,
    ) -> None:
        self.verdict = verdict
        self.request = request
        self.deciding = deciding
        self.missing_context = missing_context
        self.notes = notes
        self.failed_gate = failed_gate
        self.failed_layer = failed_layer
        self.suggested_statement = suggested_statement

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED

    def to_json(self, *, brief: bool = False) -> dict[str, Any]:
        """The decision as ``mantle-lint access --format json`` prints it; ``brief``: as a finding's details
        carry it, without the notes (the finding's message says why) and without an empty missing_context."""
        out: dict[str, Any] = {
            "verdict": self.verdict.value,
            "action": self.request.action,
            "resource": self.request.resource,
            "deciding": [s.ref() for s in self.deciding],
            "missing_context": self.missing_context,
            "suggested_statement": self.suggested_statement,
            "notes": self.notes,
        }
        if brief:
            del out["notes"]
            if not self.missing_context:
                del out["missing_context"]
        return out


# --- who is asking ------------------------------------------------------------------------------------

#: How a resource policy's Principal matched the caller. "direct": the user, the session, or everyone
#: ("*"); "role": the role whose session calls; "account": the caller's account (it delegates to that
#: account's identity-based policies).
DIRECT, ROLE, ACCOUNT = "direct", "role", "account"
_STRENGTH = {DIRECT: 3, ROLE: 2, ACCOUNT: 1}


class Caller:
    """What the request says of its principal: the ARNs a Principal element may name, and the account."""

    __slots__ = ("account", "arn", "kind", "role_arn")

    def __init__(self, req: Request) -> None:
        ctx = req.context
        ctx_arn = ctx.get("aws:PrincipalArn")
        arn = req.principal or ctx_arn
        self.arn = arn
        self.role_arn: str | None = None
        self.kind: str | None = None
        account = None
        parts = parse_arn(arn) if arn else None
        if parts is not None:
            account = parts.account or None
            res = parts.resource
            if parts.service == "sts" and res.startswith("assumed-role/"):
                self.kind = "session"
                name = res.split("/")[1] if res.count("/") >= 2 else ""
                if ctx_arn and ":role/" in ctx_arn:
                    self.role_arn = ctx_arn  # aws:PrincipalArn of a session is its role's ARN (with its path)
                elif name:
                    self.role_arn = f"arn:{parts.partition}:iam::{account}:role/{name}"
            elif parts.service == "sts" and res.startswith("federated-user/"):
                self.kind = "session"
            elif res.startswith("role/"):
                # A role ARN stands for its sessions: a grant to the role ARN is a grant "to the role".
                self.kind = "role"
                self.role_arn = arn
            elif res.startswith("user/"):
                self.kind = "user"
        self.account = account or ctx.get("aws:PrincipalAccount")


def _aws_principal_kind(
    values: tuple[str, ...], who: Caller, ctx: Context, missing: set[str]
) -> str | Literal[False] | None:
    """The strongest way the AWS principal ``values`` name the caller; False if they do not; None if the
    caller is not known."""
    if who.arn is None and who.account is None:
        if ctx.closed:
            return False
        missing.add("aws:PrincipalArn")
        return None
    best: str | Literal[False] = False
    for v in values:
        if v == "*":
            return DIRECT
        if who.arn is not None and v == who.arn:
            return ROLE if who.kind == "role" else DIRECT
        if who.role_arn is not None and v == who.role_arn:
            best = ROLE
        elif best is False and who.account is not None:
            root = parse_arn(v) if v.endswith(":root") else None
            if v == who.account or (root is not None and root.resource == "root" and root.account == who.account):
                best = ACCOUNT
    return best


def _principal_kind(pr: Principals, who: Caller, ctx: Context, missing: set[str]) -> str | Literal[False] | None:
    """How ``pr`` (a Principal or NotPrincipal element) matches the caller: a kind, False, or None."""
    if pr.any:
        return DIRECT
    arn_values = pr.values("AWS")
    # Several principal types in one element: the principal matches if it is any of them.
    result = _aws_principal_kind(arn_values, who, ctx, missing) if arn_values else False
    svc = pr.values("Service")
    if svc and result is not DIRECT:
        name = ctx.lookup("aws:PrincipalServiceName")
        if isinstance(name, tuple):
            if any(s in name for s in svc):
                return DIRECT
        elif name is not None:
            missing.add("aws:PrincipalServiceName")
            return None if result is False else result
    return result


def _action_applies(st: Statement, action: str) -> bool:
    """Does ``st``'s Action / NotAction cover ``action`` (lower-case)?"""
    if st.actions is not None:
        return any_action_matches(st.actions, action)
    return st.not_actions is None or not any_action_matches(st.not_actions, action)


def _match_body(st: Statement, req: Request, local: set[str]) -> Tri:
    """Resource (and NotResource) of ``st`` against the request; the action is checked by the caller."""
    variables = st.policy.supports_variables if st.policy is not None else True
    ctx = req.context
    result: Tri = True
    if st.resources is not None or st.not_resources is not None:
        pats = st.resources if st.resources is not None else st.not_resources
        hit: Tri = False
        for p in pats:  # type: ignore[union-attr]  # one of the two is set, tested above
            if variables and variable_before_fifth_colon(p):
                continue  # a variable cannot stand for the partition, service, region or account: no match
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
    return result


def _conditions(st: Statement, req: Request, local: set[str]) -> Tri:
    if not st.conditions:
        return True
    variables = st.policy.supports_variables if st.policy is not None else True
    return conditions.evaluate_all(st.conditions, req.context, variables, local)


def _applies(
    st: Statement, req: Request, who: Caller, missing: set[str], boundary: bool, checked: bool = False
) -> tuple[Tri, str | None]:
    """Does ``st`` apply to the request? With the way its Principal matched (a kind) for a Principal
    statement. ``boundary``: the caller has a permissions boundary; ``checked``: the action already matched."""
    if not checked and not _action_applies(st, req.action.lower()):
        return False, None
    local: set[str] = set()
    result = _match_body(st, req, local)
    if result is False:
        return False, None
    kind: str | None = None
    if st.principal is not None:
        k = _principal_kind(st.principal, who, req.context, local)
        if k is False:
            return False, None
        if k is None:
            result = None
        else:
            kind = k
    elif st.not_principal is not None:
        if boundary and not st.is_allow and st.policy is not None and st.policy.kind == RESOURCE:
            # "The NotPrincipal element with a Deny effect will always deny any IAM principal that has a
            # permissions boundary policy attached, regardless of the values specified in the NotPrincipal
            # element." https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
            pass
        else:
            k = _principal_kind(st.not_principal, who, req.context, local)
            if k is None:
                result = None
            elif k is not False:
                return False, None
    c = _conditions(st, req, local)
    if c is False:
        return False, None
    if c is None:
        result = None
    if result is None:
        missing.update(local)
    return result, kind


def statement_applies(st: Statement, req: Request, missing: set[str], grant: bool = False) -> Tri:
    """Does the statement match the request (action, resource, principal, conditions)?

    ``grant``: the statement is an Allow of a same-account resource-based policy, which grants by itself
    only to a principal it names (an account principal leaves the grant to identity-based policies).
    """
    r, kind = _applies(st, req, Caller(req), missing, False)
    if r is not False and grant and st.principal is not None and kind == ACCOUNT:
        return False
    return r


# --- layers -------------------------------------------------------------------------------------------


class _Layer(NamedTuple):
    """The gate a part of the verdict stands for, and how a note names it."""

    gate: Gate
    #: The policies of an SCP level, named after the gate (``SCP root.json + guard.json``); else empty.
    policies: str = ""

    @property
    def label(self) -> str:
        return f"{self.gate.label} {self.policies}" if self.policies else self.gate.label


_IDENTITY = _Layer(Gate.IDENTITY)


class _Part:
    """One condition of the verdict: its state, the statements that make it true (or may)."""

    __slots__ = ("allowing", "name", "state", "unknown")

    def __init__(self, name: _Layer, state: Tri, allowing: list[Statement], unknown: list[Statement]) -> None:
        self.name = name
        self.state = state
        self.allowing = allowing
        self.unknown = unknown


def _and(name: _Layer, parts: Sequence[_Part]) -> _Part:
    if len(parts) == 1:
        return parts[0]
    state = t_all(p.state for p in parts)
    allowing = [s for p in parts for s in p.allowing] if state is True else []
    unknown = [s for p in parts if p.state is None for s in p.unknown]
    failed = next((p for p in parts if p.state is False), None)
    return _Part(failed.name if failed is not None else name, state, allowing, unknown)


def _or(name: _Layer, parts: Sequence[_Part]) -> _Part:
    state = t_any(p.state for p in parts)
    allowing = next((p.allowing for p in parts if p.state is True), [])
    unknown = [s for p in parts if p.state is None for s in p.unknown]
    return _Part(name, state, allowing, unknown)


def _flat(name: _Layer, at: list[Statement], au: list[Statement]) -> _Part:
    """A layer: true when one statement allows for sure (the first one decides), maybe when one may."""
    return _Part(name, True if at else (None if au else False), at[:1], au)


def _keys(statements: Sequence[Statement], missing: dict[Statement, set[str]]) -> list[str]:
    """The context keys ``statements`` depend on, once each (keys are case-insensitive), sorted."""
    found: dict[str, str] = {}
    for st in statements:
        for k in missing.get(st, ()):
            found[k.lower()] = min(k, found.get(k.lower(), k))
    return sorted(found.values(), key=str.lower)


def _resource_account(req: Request) -> str | None:
    if req.resource_account:
        return req.resource_account
    owner = req.context.get("aws:ResourceAccount")
    if owner:
        return owner
    return account_of(req.resource)


def decide(policies: PolicySet, request: Request) -> Decision:
    """Evaluate ``request`` against ``policies``. Pure function; no I/O."""
    # Only the statements that could change the verdict name keys: a maybe-Allow in a layer that
    # already allows for sure depends on keys that do not matter.
    missing: dict[Statement, set[str]] = {}
    deny_true: list[Statement] = []
    deny_unknown: list[Statement] = []
    notes: list[str] = []
    who = Caller(request)
    action = request.action.lower()
    has_boundary = policies.boundary is not None

    def scan(pols: Sequence[Policy]) -> tuple[list[Statement], list[Statement], dict[Statement, str]]:
        at: list[Statement] = []
        au: list[Statement] = []
        kinds: dict[Statement, str] = {}
        for p in pols:
            for st in p.statements:
                acts = st.actions
                if acts is not None:
                    if not any_action_matches(acts, action):
                        continue
                elif st.not_actions is not None and any_action_matches(st.not_actions, action):
                    continue
                keys: set[str] = set()
                r, kind = _applies(st, request, who, keys, has_boundary, checked=True)
                if r is False:
                    continue
                if r is None:
                    missing[st] = keys
                if st.is_allow:
                    (at if r else au).append(st)
                    if kind is not None:
                        kinds[st] = kind
                else:
                    (deny_true if r else deny_unknown).append(st)
        return at, au, kinds

    def layer(name: _Layer, pols: Sequence[Policy]) -> _Part:
        at, au, _ = scan(pols)
        return _flat(name, at, au)

    identity = layer(_IDENTITY, policies.identity)
    rule = own_policy_rule(request.action, request.resource)
    res_name = _Layer(rule.gate if rule is not None else Gate.RESOURCE)
    owner = _resource_account(request)
    cross = who.account is not None and owner is not None and who.account != owner

    def by_kind(*wanted: str) -> _Part:
        at = [s for s in r_at if r_kinds.get(s) in wanted]
        au = [s for s in r_au if r_kinds.get(s, DIRECT) in wanted or s not in r_kinds]
        return _flat(res_name, at, au)

    if policies.resource is not None:
        r_at, r_au, r_kinds = scan([policies.resource])
    else:
        r_at, r_au, r_kinds = [], [], {}
        if rule is not None:
            # Every such resource has the policy (a key has exactly one key policy, a role its trust policy);
            # one that was not given allows nothing here, and the decision says why.
            notes.append(f"no {rule.gate.label} was given, and AWS allows {request.action} only where it does")
    pb = layer(_Layer(Gate.BOUNDARY), [policies.boundary]) if policies.boundary is not None else None
    session = layer(_Layer(Gate.SESSION), policies.session) if policies.session else None
    limits_identity = [p for p in (pb, session) if p is not None]

    if cross:
        # "...the identity-based policies of the principal and the resource-based policy must both allow"
        # (reference_policies_evaluation-logic-cross-account.html): any kind of principal match counts on the
        # resource side; the boundary and session policy limit the identity side.
        resource_side = by_kind(DIRECT, ROLE, ACCOUNT) if policies.resource is not None else _flat(res_name, [], [])
        grant = _and(_IDENTITY, [identity, resource_side, *limits_identity])
    else:
        grant = _grant_same_account(identity, by_kind, rule, limits_identity, policies.resource is not None)

    limits: list[_Part] = []
    for level in policies.scp_levels():
        names = " + ".join(p.display for p in level)
        limits.append(layer(_Layer(Gate.SCP, names), level))
        if not any(s.is_allow for p in level for s in p.statements):
            notes.append(
                f"{names} has no Allow statement, so it denies everything; AWS attaches FullAWSAccess "
                "to every root, OU and account by default, and an SCP level allows only what its Allows name"
            )
    if policies.rcps:
        service = request.action.partition(":")[0].lower()
        supported = policies.rcp_services
        if supported is None:
            from mantlekit.catalog.rcp import rcp_supported_services

            supported = rcp_supported_services()
        if service in supported:
            # "This policy [RCPFullAWSAccess] is automatically attached to the organization root, every OU, and
            # every account in your organization ... You cannot detach this policy." Each level therefore
            # allows; only its Denies count.
            # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
            for level in policies.rcp_levels():
                scan(level)
        else:
            names = ", ".join(p.display for lvl in policies.rcp_levels() for p in lvl)
            notes.append(
                f"RCP {names} skipped: {service} is not a service that resource control policies apply to "
                "(RCPs apply only to the services AWS lists as supporting them; "
                "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)"
            )
    if policies.endpoint is not None:
        limits.append(layer(_Layer(Gate.ENDPOINT), [policies.endpoint]))

    if deny_true:
        return Decision(Verdict.EXPLICIT_DENY, request, deny_true, [], notes)
    overall = _and(grant.name, [grant, *limits]) if limits else grant
    if overall.state is False:
        failed = grant if grant.state is False else next(p for p in limits if p.state is False)
        gate = failed.name
        if gate.gate is Gate.IDENTITY and not cross and policies.resource is not None:
            gate = _Layer(Gate.IDENTITY_OR_RESOURCE)
        notes = [f"no statement in the {gate.label} allows {request.action} on {request.resource}", *notes]
        if rule is not None and gate.gate is rule.gate:
            notes.append(f'"{rule.quote}" ({rule.source})')
        if deny_unknown:
            keys = ", ".join(_keys(deny_unknown, missing))
            notes.append("an explicit Deny may also apply, depending on: " + keys)
        return Decision(
            Verdict.IMPLICIT_DENY,
            request,
            [],
            [],
            notes,
            failed_gate=gate.gate,
            failed_layer=gate.label,
            suggested_statement=suggest_statement(request),
        )
    if not deny_unknown and overall.state is True:
        return Decision(Verdict.ALLOWED, request, grant.allowing + [p.allowing[0] for p in limits], [], notes)
    deciding = list(deny_unknown)
    deciding.extend(s for s in overall.unknown if s not in deciding)
    return Decision(Verdict.CONDITIONAL, request, deciding, _keys(deciding, missing), notes)


def _grant_same_account(
    identity: _Part, by_kind: Callable[..., _Part], rule: OwnPolicyRule | None, limits: list[_Part], has_resource: bool
) -> _Part:
    """Within one account: a resource-policy grant to the caller itself, or the identity path.

    "Within an account, an implicit deny in a permissions boundary does not limit the permissions granted to
    an IAM user by a resource-based policy." (access_policies_boundaries.html) A grant "directly to the user"
    is one that names the user's ARN or everyone (``"*"``, which names the user as much as anyone); naming the
    account delegates to identity-based policies and grants nothing by itself. For sessions, a session policy
    "limits the total permissions granted by the resource-based policy and the identity-based policy" when the
    resource-based policy names the role ARN, while permissions granted to the session ARN "are added after
    the session policy is applied" (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session);
    the same holds for the boundary. So: grants to the user, the session or ``*`` pass the boundary and the
    session policy; a grant to the role ARN is limited by them like an identity-based Allow.
    """
    if not has_resource:
        if rule is not None:
            return _and(_IDENTITY, [identity, _Part(_Layer(rule.gate), False, [], []), *limits])
        return _and(_IDENTITY, [identity, *limits])
    direct = by_kind(DIRECT)
    via_role = by_kind(ROLE)
    if rule is not None:
        # The resource policy must allow: identity-based Allows count only where it names the account.
        trust = by_kind(ACCOUNT)
        trust.name = _Layer(rule.gate)
        identity_path = _and(_IDENTITY, [identity, trust]) if identity.state is not False else identity
    else:
        identity_path = identity
    limited = _and(_IDENTITY, [_or(_IDENTITY, [identity_path, via_role]), *limits])
    if limited.state is False and identity_path.state is False and via_role.state is False and direct.state is False:
        limited.name = identity_path.name
    out = _or(limited.name, [limited, direct])
    if out.state is False:
        out.name = limited.name
    return out


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
