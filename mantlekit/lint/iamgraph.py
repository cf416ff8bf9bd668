"""A format-neutral IAM graph, and the one place that turns it into :class:`~mantlekit.lint.inventory.Principal`\\ s.

Readers of different inputs (CloudFormation templates, account authorization details, Terraform plans and
configurations) each resolve their own syntax, then describe what they found the same way: IAM users, roles
and groups (:class:`Entity`), the policy documents that apply to each (inline or attached, already parsed),
group memberships, permissions boundaries, tags, Bedrock service-specific credentials and where each entity
is written. :func:`principals` decides from that alone who is a key holder and which policies decide each
principal's requests, so the three readers cannot drift apart on what a principal is.

Also here, because every reader needs them: the bundled AWS managed policies (:func:`aws_managed_policy`),
the stand-in for a policy that cannot be read (:func:`unknown_policy`), and guards, the unknown conditions
under which a document applies (an undecided CloudFormation ``Fn::If`` or resource ``Condition``):
:func:`guarded_policy` adds one ``StringEquals`` on an unresolved key per guard, so verdicts that depend
on it are conditional.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mantlekit import facts
from mantlekit.iam.locate import Path
from mantlekit.iam.model import IDENTITY, Policy, PolicySet, Source
from mantlekit.iam.parse import normalise
from mantlekit.lint.infer import infer_projects
from mantlekit.lint.inventory import UNRESOLVED, Principal

#: Unknown conditions a document applies under: (condition name, the value it needs).
Guards = tuple[tuple[str, bool], ...]
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-/]")

# --- AWS managed and unknown policies -------------------------------------------------------------------------


def aws_managed_policy(arn: str) -> Policy | None:
    """The bundled copy of an AWS managed policy (:func:`mantlekit.iam.managed.managed_policy`), or None;
    imported on first use, so a run that meets no managed policy does not read the manifest."""
    from mantlekit.iam.managed import managed_policy

    return managed_policy(arn)


def is_aws_managed(arn: str) -> bool:
    from mantlekit.iam.managed import is_aws_managed_arn

    return is_aws_managed_arn(arn)


def unknown_policy(what: str, source: Source, path: Path) -> Policy:
    """A stand-in for a policy that cannot be read (attached from elsewhere, not bundled): it may allow
    anything, depending on an unknown key, so the verdicts it could change are ``conditional``. (It is
    not assumed to deny: managed policies rarely do.)"""
    m = re.fullmatch(r"\$\{" + re.escape(UNRESOLVED) + r"([^}]*)\}", what)
    what = m.group(1) if m else what
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UnknownPolicy",
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {f"{UNRESOLVED}Policy/{_UNSAFE.sub('_', what)}": "allows"}},
            }
        ],
    }
    return normalise(doc, source, path, IDENTITY, f"unknown policy {what}")


def is_unknown_policy(policy: Policy) -> bool:
    """True for a stand-in made by :func:`unknown_policy`."""
    return str(policy.name or "").startswith("unknown policy")


# --- guards ----------------------------------------------------------------------------------------------------


def guard_statement(st: Any, guards: Guards) -> Any:
    """The statement with one StringEquals condition per unknown condition it depends on."""
    if not guards or not isinstance(st, dict):
        return st
    cond = st.get("Condition", {})
    if not isinstance(cond, dict):
        return st
    eq = cond.get("StringEquals", {})
    if not isinstance(eq, dict):
        return st
    eq = dict(eq)
    for name, flag in guards:
        eq[f"{UNRESOLVED}Condition/{_UNSAFE.sub('_', name)}"] = "true" if flag else "false"
    out = dict(st)
    out["Condition"] = {**cond, "StringEquals": eq}
    return out


def guard_document(doc: Any, guards: Guards) -> Any:
    """Every statement of the document guarded (see :func:`guard_statement`)."""
    if not guards or not isinstance(doc, dict):
        return doc
    st = doc.get("Statement")
    out = dict(doc)
    if isinstance(st, list):
        out["Statement"] = [guard_statement(s, guards) for s in st]
    elif isinstance(st, dict):
        out["Statement"] = guard_statement(st, guards)
    return out


def guarded_policy(policy: Policy, guards: Guards) -> Policy:
    """The same document with every statement guarded (for a conditional attachment)."""
    if not guards or not isinstance(policy.raw, dict):
        return policy
    return normalise(guard_document(policy.raw, guards), policy.source, policy.path, policy.kind, policy.name)


# --- the graph ---------------------------------------------------------------------------------------------------

USER, ROLE, GROUP = "user", "role", "group"


@dataclass(slots=True)
class Membership:
    """A user's membership of a group: the group's key in the graph, or ``stand_in``, a policy that stands
    for a group the input does not hold (already carrying ``guards``)."""

    group: str | None
    guards: Guards = ()
    stand_in: Policy | None = None


@dataclass(slots=True)
class Entity:
    """An IAM user, role or group as a reader found it."""

    key: str  # the reader's identifier: logical id, ARN, resource address
    kind: str  # USER | ROLE | GROUP
    name: str  # what reports call it (the physical name when known)
    file: str
    line: int = 1
    column: int = 1
    label: str | None = None
    construct_path: str | None = None
    arn: str | None = None
    account: str | None = None
    #: Identity policies that apply to it directly (inline, attached), in the order they are written,
    #: each already guarded by the conditions under which it applies.
    policies: list[Policy] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    boundary: Policy | None = None
    #: Conditions under which the entity exists (applied to what reaches it through its groups).
    guards: Guards = ()
    tags: dict[str, str] = field(default_factory=dict)
    #: Bedrock service-specific credentials (ListServiceSpecificCredentials-shaped dicts).
    credentials: list[dict[str, Any]] = field(default_factory=list)
    #: The input issues it a Bedrock long-term key without listing the credential (a custom resource).
    issues_key: bool = False
    #: A guess that it holds a long-term key (the console's naming or policy): findings at severity info.
    key_guess: bool = False


@dataclass(slots=True)
class Graph:
    """The IAM entities of one input (a template, an account, a Terraform plan or module)."""

    entities: dict[str, Entity] = field(default_factory=dict)
    #: The region the input pins (principals' projects are named in it), or None.
    region: str | None = None
    #: Which of a principal's policies are its input's own (their project ARNs name its projects).
    own: Callable[[Policy], bool] = lambda p: not is_unknown_policy(p)

    def add(self, entity: Entity) -> Entity:
        self.entities.setdefault(entity.key, entity)
        return self.entities[entity.key]


def principal_kind(e: Entity) -> tuple[str, bool]:
    """The principal kind of a user or role, and whether it is a guess."""
    tag = e.tags.get(facts.API_KEY_TAG)
    if e.kind == ROLE:
        return ("short-term-key" if tag == "short-term" else "role"), False
    if tag in facts.API_KEY_TAG_VALUES:
        return f"{tag}-key", False
    if e.credentials or e.issues_key:
        return "long-term-key", False
    if e.key_guess:
        return "long-term-key", True
    return "user", False


def effective_policies(graph: Graph, e: Entity) -> list[Policy]:
    """The identity policies of a user or role: its own, then those reaching it through its groups."""
    out = list(e.policies)
    for m in e.memberships:
        if m.stand_in is not None:
            out.append(guarded_policy(m.stand_in, e.guards))
            continue
        group = graph.entities.get(m.group) if m.group is not None else None
        if group is not None:
            gg = (*e.guards, *m.guards)
            out += [guarded_policy(p, gg) for p in group.policies]
    return out


def principals(
    graph: Graph, on_principal: Callable[[Entity, Principal, list[Policy]], None] | None = None
) -> list[Principal]:
    """One :class:`Principal` per user and role of the graph, in the graph's order (groups are not
    principals: nobody signs requests as a group; their policies reach their members).
    ``on_principal(entity, principal, own policies)`` may refine each (e.g. a workload's needs)."""
    out = []
    for e in graph.entities.values():
        if e.kind == GROUP:
            continue
        identity = effective_policies(graph, e)
        kind, guess = principal_kind(e)
        own = [p for p in identity if graph.own(p)]
        principal = Principal(
            name=e.name,
            kind=kind,
            policies=PolicySet(identity=identity, boundary=e.boundary),
            account=e.account,
            projects=infer_projects(own, e.account, graph.region),
            file=e.file,
            line=e.line,
            column=e.column,
            label=e.label,
            construct_path=e.construct_path,
            heuristic=guess,
            arn=e.arn,
            tags=e.tags,
            credentials=e.credentials,
        )
        out.append(principal)
        if on_principal is not None:
            on_principal(e, principal, own)
    return out
