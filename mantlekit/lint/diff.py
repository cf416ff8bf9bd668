"""``mantle-lint diff``: what a change does to who can do what on Mantle.

A policy diff in review shows lines, not consequences. This module compares two finished lint runs (two
:class:`~mantlekit.lint.runner.Result`) of the same project at two points in time, and says, for every
principal of either side, which capabilities on which projects it gained or lost, and which findings are new
or gone. It is a consumer of the two results, like a reporter: it never changes how a side is read or
evaluated, so every reader the runner knows (templates, assemblies, account details, and whatever comes
next) is diffed without being named here.

Two design points make the comparison say "nothing changed" when nothing did:

- Principals are matched by what they are, not where they are written: kind and name (configured,
  template and account principals), then, for key principals inferred from a loose policy file (whose name
  *is* the file), by the content of their policies, so moving a policy to another file is not a new
  principal. A principal renamed in the configuration is removed + added: a name is what the
  configuration, the rules and the people reading the report know it by.
- Statements are compared by a key of their normalised content, never by line, so moving a statement
  within a file or to another file changes nothing; a finding is matched by rule, principal, file and the
  key of the statement it points into (then, left over, without the file).

Every capability of ``facts.CAPABILITY_ROUTES`` is compared for every principal, not just its needs: access a
principal gains is what a reviewer must see. Evaluation is a pure function of a principal's policies and
request context, so a pair whose policies and context are the same on both sides is not evaluated at all.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from mantlekit import facts
from mantlekit._record import ValueRecord
from mantlekit.iam.evaluate import Decision, Verdict
from mantlekit.iam.model import Policy, PolicySet, Statement
from mantlekit.lint.access import BEARER, PrincipalAccess, action_resource
from mantlekit.lint.config import FAIL_ON_GAIN, Accept
from mantlekit.lint.diff_findings import _Anchors, compare_findings
from mantlekit.lint.findings import SEVERITY_RANK, Finding
from mantlekit.lint.inventory import Principal
from mantlekit.lint.runner import Result

#: Version of the JSON report (``--format json``); bumped when a field changes meaning or goes away.
JSON_VERSION = 1
#: Capabilities whose gain ``--fail-on-gain admin`` fails on, besides any whose routes need a management action.
ADMIN_CAPABILITIES = ("projects-admin", "fine-tuning", "files", "retention-admin")

# How much access a verdict gives: both denials give none (implicit → explicit deny is not a change of who
# can do what, and a new guardrail would otherwise list every capability of every principal).
_RANK = {Verdict.EXPLICIT_DENY: 0, Verdict.IMPLICIT_DENY: 0, Verdict.CONDITIONAL: 1, Verdict.ALLOWED: 2}
_ORDER = {Verdict.EXPLICIT_DENY: 0, Verdict.IMPLICIT_DENY: 1, Verdict.CONDITIONAL: 2, Verdict.ALLOWED: 3}
GAINED, LOST, CHANGED = "gained", "lost", "changed"
MARKS = {GAINED: "+", LOST: "-", CHANGED: "~"}


def admin_capabilities() -> frozenset[str]:
    """What ``--fail-on-gain admin`` means: the named capabilities plus every capability one of whose
    routes needs an action of ``facts.MANAGEMENT_ACTIONS`` (so a new management route counts at once)."""
    management = {a.lower() for a in facts.MANAGEMENT_ACTIONS}
    out = {*ADMIN_CAPABILITIES, MANAGEMENT}
    for cap in facts.CAPABILITY_ROUTES:
        if any(f"{facts.SERVICE_PREFIX}:{r.action}".lower() in management for r in facts.capability_routes(cap)):
            out.add(cap)
    return frozenset(out)


# --- Keys ---------------------------------------------------------------------------------------------


def statement_key(st: Statement) -> str:
    """A short, stable digest of a statement's normalised content (not its file, line or position)."""
    text = "\x1f".join(
        repr(x)
        for x in (
            st.effect,
            st.sid,
            st.actions,
            st.not_actions,
            st.resources,
            st.not_resources,
            st.principal,
            st.not_principal,
            st.conditions,
        )
    )
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


#: A policy by its kind, version and statement keys.
_PolicyKey = tuple[str, str | None, tuple[str, ...]]
#: A value made comparable and hashable by ``_Keys._freeze``.
_Frozen = tuple[Hashable, ...]


class _Keys:
    """Statement and policy keys, each computed once per object (SCPs and managed policies are shared by
    many principals)."""

    def __init__(self) -> None:
        self._st: dict[int, str] = {}
        self._pol: dict[int, _PolicyKey] = {}
        self._keep: list[object] = []  # keeps ids valid while the cache lives

    def statement(self, st: Statement) -> str:
        k = self._st.get(id(st))
        if k is None:
            k = self._st[id(st)] = statement_key(st)
            self._keep.append(st)
        return k

    def policy(self, p: Policy | None) -> _PolicyKey | None:
        if p is None:
            return None
        k = self._pol.get(id(p))
        if k is None:
            k = self._pol[id(p)] = (p.kind, p.version, tuple(self.statement(s) for s in p.statements))
            self._keep.append(p)
        return k

    def policies(self, ps: PolicySet) -> _Frozen:
        """Every field of the policy set, policies by their keys: a field the engine gains later (session
        policies, RCPs) is compared without this module knowing it."""
        return tuple(self._freeze(getattr(ps, f)) for f in ps._fields)

    def _freeze(self, v: Any) -> Any:
        if isinstance(v, Policy):
            return self.policy(v)
        if isinstance(v, PolicySet):
            return self.policies(v)
        if isinstance(v, dict):
            return tuple(sorted((str(k), self._freeze(x)) for k, x in v.items()))
        if isinstance(v, list | tuple):
            return tuple(self._freeze(x) for x in v)
        if isinstance(v, set | frozenset):
            return tuple(sorted(repr(x) for x in v))
        return v

    def fingerprint(self, p: Principal) -> _Frozen:
        """Everything about ``p`` that can change a verdict: every field but where it is written and what the
        reports say about it (a new field counts until it is named here), and its projects as ARNs."""
        return (
            p.project_arns(),
            *(self._freeze(getattr(p, f)) for f in p._fields if f not in _PRESENTATION),
        )


#: Principal fields that never reach the engine: where the principal is written and how reports name it.
#: ``needs`` is here too: the diff evaluates every capability whatever the needs.
_PRESENTATION = frozenset(
    {"file", "line", "column", "label", "construct_path", "heuristic", "inferred", "needs", "credentials", "projects"}
)


def _from_file(p: Principal) -> bool:
    """An inferred principal named after the file (or template label) its policy is in."""
    if p.inferred is None:
        return False
    files = {pol.source.file for pol in p.policies.identity} | {pol.source.label for pol in p.policies.identity}
    return p.name in files


# --- Matching principals ------------------------------------------------------------------------------


class Match(ValueRecord):
    """A principal of one side and its counterpart on the other (``None``: only on one side)."""

    base: PrincipalAccess | None
    head: PrincipalAccess | None

    __slots__ = _fields = ("base", "head")

    def __init__(self, base: PrincipalAccess | None, head: PrincipalAccess | None) -> None:
        self.base = base
        self.head = head

    @property
    def principal(self) -> Principal:
        pa = self.head or self.base
        assert pa is not None
        return pa.principal


def match_principals(base: Sequence[PrincipalAccess], head: Sequence[PrincipalAccess], keys: _Keys) -> list[Match]:
    """Pairs of principals, in head order (then the removed ones, in base order).

    1. kind and name (the n-th of a repeated kind and name with the n-th: two templates may hold the same
       role name);
    2. left over, inferred principals named after their file: by the content of their policies (the file was
       moved or renamed);
    3. left over, name alone when it is unique on both sides (a user that became a key holder).
    """
    pairs: dict[int, int] = {}  # head index -> base index

    def by(key: Callable[[PrincipalAccess], object | None]) -> None:
        taken = set(pairs.values())
        pool: dict[object, list[int]] = defaultdict(list)
        for i, pa in enumerate(base):
            if i not in taken:
                k = key(pa)
                if k is not None:
                    pool[k].append(i)
        for j, pa in enumerate(head):
            if j in pairs:
                continue
            k = key(pa)
            if k is not None and pool.get(k):
                pairs[j] = pool[k].pop(0)

    by(lambda pa: (pa.principal.kind, pa.principal.name))
    by(lambda pa: (pa.principal.kind, keys.policies(pa.principal.policies)) if _from_file(pa.principal) else None)
    names_b = Counter(pa.principal.name for pa in base)
    names_h = Counter(pa.principal.name for pa in head)
    by(lambda pa: pa.principal.name if names_b[pa.principal.name] == names_h[pa.principal.name] == 1 else None)

    out = [Match(base[pairs[j]] if j in pairs else None, pa) for j, pa in enumerate(head)]
    matched = set(pairs.values())
    out += [Match(pa, None) for i, pa in enumerate(base) if i not in matched]
    return out


# --- Changes of access ---------------------------------------------------------------------------------


class Cause(ValueRecord):
    """The statement a change comes from, on the side where it is written."""

    side: str  # "base" or "head"
    file: str
    line: int
    sid: str | None
    effect: str

    __slots__ = _fields = ("side", "file", "line", "sid", "effect")

    def __init__(self, side: str, file: str, line: int, sid: str | None, effect: str) -> None:
        self.side = side
        self.file = file
        self.line = line
        self.sid = sid
        self.effect = effect

    def to_json(self) -> dict[str, Any]:
        return {"side": self.side, "file": self.file, "line": self.line, "sid": self.sid, "effect": self.effect}


class Change(ValueRecord):
    """One principal × project × capability whose verdict differs (``None``: the principal is not on
    that side)."""

    principal: str
    kind: str
    project: str
    capability: str
    #: The routes whose verdict changed, in capability order (empty for the bearer-token check).
    routes: list[str]
    before: Verdict | None
    after: Verdict | None
    cause: Cause | None
    #: The reason of the ``accept`` entry of the configuration that covers this change, if any.
    accepted: str | None

    __slots__ = _fields = (
        "principal",
        "kind",
        "project",
        "capability",
        "routes",
        "before",
        "after",
        "cause",
        "accepted",
    )

    def __init__(
        self,
        principal: str,
        kind: str,
        project: str,
        capability: str,
        routes: list[str],
        before: Verdict | None,
        after: Verdict | None,
        cause: Cause | None,
        accepted: str | None = None,
    ) -> None:
        self.principal = principal
        self.kind = kind
        self.project = project
        self.capability = capability
        self.routes = routes
        self.before = before
        self.after = after
        self.cause = cause
        self.accepted = accepted

    @property
    def direction(self) -> str:
        """``gained`` (now allowed), ``lost`` (was allowed, now denied) or ``changed`` (the rest)."""
        if self.after is Verdict.ALLOWED:
            return GAINED
        if self.before is Verdict.ALLOWED and _rank(self.after) == 0:
            return LOST
        return CHANGED

    @property
    def widens(self) -> bool:
        """More access than before (denied → conditional counts: some requests may now pass)."""
        return _rank(self.after) > _rank(self.before)

    @property
    def mark(self) -> str:
        return MARKS[self.direction]

    @property
    def route(self) -> str | None:
        return self.routes[0] if self.routes else None

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "kind": self.kind,
            "project": self.project,
            "capability": self.capability,
            "route": self.route,
            "routes": self.routes,
            "before": None if self.before is None else self.before.value,
            "after": None if self.after is None else self.after.value,
            "change": self.direction,
            "widens": self.widens,
            "cause": None if self.cause is None else self.cause.to_json(),
            "accepted": self.accepted,
        }


def _rank(v: Verdict | None) -> int:
    return 0 if v is None else _RANK[v]


class PrincipalDiff(ValueRecord):
    """What changed for one principal: ``added`` / ``removed`` (on one side only) or ``changed``."""

    name: str
    kind: str
    status: str
    #: The kind on the base side when it differs (a user that became a key holder), else None.
    kind_before: str | None
    #: Where a person edits the principal, on the side it is on (head first).
    file: str
    line: int
    changes: list[Change]

    __slots__ = _fields = ("name", "kind", "status", "kind_before", "file", "line", "changes")

    def __init__(
        self,
        name: str,
        kind: str,
        status: str,
        kind_before: str | None,
        file: str,
        line: int,
        changes: list[Change],
    ) -> None:
        self.name = name
        self.kind = kind
        self.status = status
        self.kind_before = kind_before
        self.file = file
        self.line = line
        self.changes = changes

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "kind_before": self.kind_before,
            "status": self.status,
            "file": self.file,
            "line": self.line,
        }


#: The pseudo-capability of management actions no route needs (reservations, customized models, tags):
#: ``--fail-on-gain admin`` counts them too, and the change's routes name the actions.
MANAGEMENT = "management"


def management_only_actions() -> tuple[str, ...]:
    """``facts.MANAGEMENT_ACTIONS`` that no capability's route needs, sorted."""
    routed = {a.lower() for cap in facts.CAPABILITY_ROUTES for a in facts.capability_actions(cap)}
    return tuple(sorted(a for a in facts.MANAGEMENT_ACTIONS if a.lower() not in routed))


#: One compared cell: (capability, project) -> [(route or action, decision)], worst verdict first decides.
_Checks = list[tuple[str | None, Decision]]


def _cells(pa: PrincipalAccess, projects: Iterable[str]) -> dict[tuple[str, str], _Checks]:
    """Every capability on each project, the management actions no route needs, then the bearer-token
    check of a key."""
    out: dict[tuple[str, str], _Checks] = {}
    extra = management_only_actions()
    for project in projects:
        for cap in facts.CAPABILITY_ROUTES:
            cell = pa.capability(cap, project)
            out[(cap, project)] = [(None if c.route is None else str(c.route), c.decision) for c in cell.checks]
        out[(MANAGEMENT, project)] = [(a, pa.decide(a, action_resource(a, pa.principal, project))) for a in extra]
    bearer = pa.bearer_token()
    if bearer is not None:
        out[(BEARER, bearer.project)] = [(None, c.decision) for c in bearer.checks]
    return out


def _worst(checks: _Checks) -> Verdict | None:
    """The cell's verdict as :class:`~mantlekit.lint.access.Cell` computes it: its worst route's (the
    management pseudo-capability takes :func:`_best`: any management action allowed is management power)."""
    if not checks:
        return None
    return min((d.verdict for _, d in checks), key=_ORDER.__getitem__)


def _best(checks: _Checks) -> Verdict | None:
    if not checks:
        return None
    return max((d.verdict for _, d in checks), key=_ORDER.__getitem__)


def _cause(before: Decision | None, after: Decision | None, keys: _Keys) -> Cause | None:
    """The deciding statement that is on one side only: one the head added (a new Allow or Deny), else one
    the head took away; else the head's (or base's) first deciding statement."""
    b = before.deciding if before is not None else []
    a = after.deciding if after is not None else []
    bk = {keys.statement(s) for s in b}
    ak = {keys.statement(s) for s in a}
    for side, pool, other in (("head", a, bk), ("base", b, ak)):
        for st in pool:
            if keys.statement(st) not in other:
                return _cite(side, st)
    if a:
        return _cite("head", a[0])
    if b:
        return _cite("base", b[0])
    return None


def _cite(side: str, st: Statement) -> Cause:
    return Cause(side, st.file, st.line, st.sid, st.effect)


def _pair_changes(m: Match, keys: _Keys) -> list[Change]:
    """The cells whose verdict differs between the two sides of ``m``."""
    p = m.principal
    b, h = m.base, m.head
    if b is not None and h is not None and keys.fingerprint(b.principal) == keys.fingerprint(h.principal):
        return []  # same policies, same context: the engine would answer the same
    projects: dict[str, None] = {}
    for pa in (b, h):
        if pa is not None:
            projects.update(dict.fromkeys(pa.principal.project_arns()))
    before = _cells(b, projects) if b is not None else {}
    after = _cells(h, projects) if h is not None else {}
    out: list[Change] = []
    for key in dict.fromkeys([*after, *before]):
        checks_b, checks_a = before.get(key, []), after.get(key, [])
        routes: list[str] = []
        first: tuple[Decision | None, Decision | None] | None = None
        for i in range(max(len(checks_b), len(checks_a))):
            db = checks_b[i][1] if i < len(checks_b) else None
            da = checks_a[i][1] if i < len(checks_a) else None
            if _rank(db.verdict if db else None) == _rank(da.verdict if da else None):
                continue
            route = (checks_a if i < len(checks_a) else checks_b)[i][0]
            if route is not None:
                routes.append(route)
            if first is None:
                first = (db, da)
        if first is None:
            continue
        pick = _best if key[0] == MANAGEMENT else _worst
        vb, va = pick(checks_b), pick(checks_a)
        if _rank(vb) == _rank(va):
            # The capability as a whole says the same (it was and is denied by another of its routes), but
            # some of its routes changed: report those routes' verdicts, never a silent loss or gain.
            vb = first[0].verdict if first[0] is not None else None
            va = first[1].verdict if first[1] is not None else None
        out.append(Change(p.name, p.kind, key[1], key[0], routes, vb, va, _cause(first[0], first[1], keys)))
    return out


# --- The whole comparison -----------------------------------------------------------------------------


class Diff(ValueRecord):
    base_label: str
    head_label: str
    principals: list[PrincipalDiff]
    new_findings: list[Finding]
    fixed_findings: list[Finding]
    #: How many principals each side evaluated.
    counts: tuple[int, int]

    __slots__ = _fields = ("base_label", "head_label", "principals", "new_findings", "fixed_findings", "counts")

    def __init__(
        self,
        base_label: str,
        head_label: str,
        principals: list[PrincipalDiff],
        new_findings: list[Finding],
        fixed_findings: list[Finding],
        counts: tuple[int, int],
    ) -> None:
        self.base_label = base_label
        self.head_label = head_label
        self.principals = principals
        self.new_findings = new_findings
        self.fixed_findings = fixed_findings
        self.counts = counts

    @property
    def changes(self) -> list[Change]:
        return [c for p in self.principals for c in p.changes]

    def gains(self, scope: str) -> list[Change]:
        """The widening changes not accepted that ``--fail-on-gain scope`` fails on."""
        if scope == "never":
            return []
        admin = admin_capabilities() if scope == "admin" else None
        return [c for c in self.changes if c.widens and c.accepted is None and (admin is None or c.capability in admin)]

    def failing_findings(self, fail_on: str) -> list[Finding]:
        if fail_on == "never":
            return []
        return [f for f in self.new_findings if SEVERITY_RANK.get(f.severity, 2) >= SEVERITY_RANK[fail_on]]

    def exit_code(self, fail_on: str, fail_on_gain: str) -> int:
        return 1 if self.gains(fail_on_gain) or self.failing_findings(fail_on) else 0

    def summary(self) -> dict[str, Any]:
        changes = self.changes
        by = Counter(c.direction for c in changes)
        status = Counter(p.status for p in self.principals)
        return {
            "principals": {"base": self.counts[0], "head": self.counts[1]},
            "principals_added": status.get("added", 0),
            "principals_removed": status.get("removed", 0),
            "principals_changed": status.get("changed", 0),
            "gained": by.get(GAINED, 0),
            "lost": by.get(LOST, 0),
            "changed": by.get(CHANGED, 0),
            "accepted": sum(1 for c in changes if c.accepted is not None),
            "findings_new": len(self.new_findings),
            "findings_fixed": len(self.fixed_findings),
        }


def compare(
    base: Result,
    head: Result,
    *,
    base_root: str = ".",
    head_root: str = ".",
    base_label: str = "base",
    head_label: str = "head",
    accepts: Sequence[Accept] = (),
) -> Diff:
    """The difference between two lint results of the same project. ``*_root``: the directories their
    relative file names are relative to (to read a statement again for a finding's key)."""
    keys = _Keys()
    matches = match_principals(base.access, head.access, keys)
    principals: list[PrincipalDiff] = []
    rename: dict[str, str] = {}
    for m in matches:
        if m.base is not None and m.head is not None and m.base.principal.name != m.head.principal.name:
            rename[m.base.principal.name] = m.head.principal.name
        changes = _pair_changes(m, keys)
        if m.base is not None and m.head is not None:
            status = "changed"
            kb = m.base.principal.kind
            kind_before = kb if kb != m.head.principal.kind else None
            if not changes and kind_before is None:
                continue
        else:
            status = "added" if m.head is not None else "removed"
            kind_before = None
        for c in changes:
            c.accepted = next((a.reason for a in accepts if a.covers(c.principal, c.capability, c.project)), None)
        p = m.principal
        principals.append(PrincipalDiff(p.name, p.kind, status, kind_before, p.file, p.line, changes))
    new, fixed = compare_findings(
        base.findings, head.findings, rename, _Anchors(base_root, keys), _Anchors(head_root, keys)
    )
    return Diff(base_label, head_label, principals, new, fixed, (len(base.access), len(head.access)))


__all__ = [
    "ADMIN_CAPABILITIES",
    "BEARER",
    "FAIL_ON_GAIN",
    "JSON_VERSION",
    "Accept",
    "Cause",
    "Change",
    "Diff",
    "PrincipalDiff",
    "admin_capabilities",
    "compare",
    "compare_findings",
    "match_principals",
    "statement_key",
]
