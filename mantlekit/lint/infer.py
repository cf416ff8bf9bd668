"""Principals and needs inferred from what the inputs already say, so a run with no configuration still
evaluates the principals it can see.

Readers find IAM entities (template and account users and roles); the configuration declares principals.
What neither does is said by the documents themselves:

- A policy that allows ``bedrock:CallWithBearerToken`` or ``bedrock-mantle:CallWithBearerToken`` by name is
  written for Bedrock API keys. A document that no principal uses becomes an *inferred* key principal; a
  reader's plain IAM user whose own policies allow it is taken as a long-term key holder.
- What such a key needs follows from what its document shows it is for: listing models when it allows any
  list/read operation of Bedrock or Mantle (or nothing on Mantle at all, the bearer-only policy), inference
  when it allows any model-invocation action. A read-only key is not told that it cannot run inference.

An inferred principal carries the reason in :attr:`Principal.inferred`; its findings are at most warnings
(another policy may complete it) and say how to declare it (:meth:`Rule.at_principal`).

This module also holds :func:`infer_projects`, which every reader uses to name a principal's projects from
its policies' ARNs.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from mantlekit import facts
from mantlekit.iam.arn import is_wild, parse_arn
from mantlekit.iam.match import action_matches
from mantlekit.iam.model import IDENTITY, Policy, PolicySet, Statement
from mantlekit.lint.config import display_path, file_identity, within
from mantlekit.lint.findings import InputError
from mantlekit.lint.inventory import DEFAULT_ACCOUNT, DEFAULT_REGION, UNRESOLVED, Inventory, Principal

if TYPE_CHECKING:
    from mantlekit.lint.config_principals import Declaration

#: The bearer-token actions that make a document a Mantle key policy (lower case, as statements hold them).
#: ``aws-external-anthropic:CallWithBearerToken`` is left out: such a key is for Claude Platform on AWS.
_KEY_ACTIONS = (facts.CALL_WITH_BEARER_TOKEN.lower(), facts.BEDROCK_CALL_WITH_BEARER_TOKEN.lower())
_TYPE_KEYS = (facts.BEARER_TOKEN_TYPE_KEY.lower(), facts.BEDROCK_BEARER_TOKEN_TYPE_KEY.lower())
#: Actions whose grant shows a document is meant to run models (Bedrock runtime or Mantle).
_INFERENCE_ACTIONS = tuple(
    a.lower()
    for a in (
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:Converse",
        "bedrock:ConverseStream",
        *facts.capability_actions("inference"),
    )
)
#: Actions whose grant shows a document is meant to discover models.
_LIST_ACTIONS = tuple(
    a.lower()
    for a in ("bedrock:ListFoundationModels", "bedrock:GetFoundationModel", *facts.capability_actions("list-models"))
)
#: Condition keys that pin the account of the principal or the resource to values of the document's own.
_ACCOUNT_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:PrincipalAccount",
        "aws:ResourceAccount",
        "aws:PrincipalOrgID",
        "aws:ResourceOrgID",
        "aws:SourceAccount",
    )
)


def _names_key_action(st: Statement) -> bool:
    """An Allow that grants a bearer-token action *by name*: ``bedrock:CallWithBearerToken`` or a pattern such
    as ``bedrock-mantle:Call*``; ``*`` and ``bedrock:*`` grant it too, but say nothing about keys."""
    return st.is_allow and st.actions is not None and _any_key_action(st.actions)


@lru_cache(maxsize=16384)
def _any_key_action(actions: tuple[str, ...]) -> bool:
    """Memoised per Action list: a policy set repeats the same lists, and most statements of a large run
    are then one dictionary lookup. Only a pattern starting with "b", "*" or "?" can match a bedrock
    action, so one character test skips nearly every action before any matching; that test runs over the
    whole list in C first, since in one pass over a policy set most lists are new to the memo (over the AWS
    managed policies: 9,075 such tests instead of about 55,600 generator steps)."""
    if _FIRST.isdisjoint(map(_HEAD, actions)):
        return False
    return any(p[:1] in _FIRST and _names_key_action_pattern(p) for p in actions)


_FIRST = frozenset("b*?")
#: A pattern's first character ("" for an empty one), as ``p[:1]``.
_HEAD = operator.itemgetter(slice(0, 1))


@lru_cache(maxsize=4096)
def _names_key_action_pattern(pattern: str) -> bool:
    _, _, name = pattern.partition(":")
    return bool(name) and name != "*" and any(action_matches(pattern, a) for a in _KEY_ACTIONS)


def key_token_type(policy: Policy) -> str | None:
    """The token type a key policy is written for (LONG_TERM unless every bearer-token grant is limited to
    SHORT_TERM), or None when ``policy`` is not an identity policy that grants a bearer-token action by name."""
    if policy.kind != IDENTITY:
        return None
    grants = [st for st in policy.statements if _names_key_action(st)]
    if not grants:
        return None
    for st in grants:
        types = {
            v.upper()
            for c in st.conditions
            if c.key_lower in _TYPE_KEYS and c.base in ("stringequals", "stringlike", "stringequalsignorecase")
            for v in c.values
        }
        if facts.SHORT_TERM not in types or facts.LONG_TERM in types:
            return facts.LONG_TERM
    return facts.SHORT_TERM


def _grants_any(policies: Iterable[Policy], actions: Sequence[str]) -> bool:
    for p in policies:
        for st in p.statements:
            if st.is_allow and st.actions is not None:
                if any(action_matches(pat, a) for pat in st.actions for a in actions):
                    return True
    return False


def key_needs(policies: Sequence[Policy]) -> tuple[str, ...]:
    """What an inferred key is for, judged by what its policies grant (see the module docstring)."""
    mantle = facts.SERVICE_PREFIX + ":"
    bearer = facts.CALL_WITH_BEARER_TOKEN.lower()
    on_mantle = any(
        st.is_allow and st.actions is not None and any(a.startswith(mantle) and a != bearer for a in st.actions)
        for p in policies
        for st in p.statements
    )
    needs = []
    if _grants_any(policies, _LIST_ACTIONS) or not on_mantle:
        needs.append("list-models")
    if _grants_any(policies, _INFERENCE_ACTIONS):
        needs.append("inference")
    return tuple(needs)


def _pins_account(policy: Policy) -> bool:
    return any(
        c.key_lower in _ACCOUNT_KEYS and any("${" not in v for v in c.values)
        for st in policy.statements
        for c in st.conditions
    )


def _identities() -> Callable[[Policy], tuple[object, object]]:
    """Which document of which file a policy is, whichever path or reader produced it; one stat per file
    (an account's thousand principals share one file)."""
    files: dict[str, object] = {}

    def identity(policy: Policy) -> tuple[object, object]:
        file = policy.source.file
        if file not in files:
            files[file] = file_identity(file)
        return files[file], policy.path

    return identity


def claimed(principals: Iterable[Principal]) -> set[tuple[object, object]]:
    """The documents that some principal already uses."""
    identity = _identities()
    return {identity(p) for pr in principals for p in pr.policies.all_policies()}


def key_principals(documents: Iterable[Policy], taken: set[tuple[object, object]]) -> list[Principal]:
    """An inferred key principal for each key policy among ``documents`` that no principal uses."""
    identity = _identities()
    out = []
    for doc in documents:
        token = key_token_type(doc)
        if token is None:
            continue
        ident = identity(doc)
        if ident in taken:
            continue
        taken.add(ident)
        grant = _key_grant(doc)
        line, col = grant[0].location(*grant[1:]) if grant else doc.location()
        kind = "short-term-key" if token == facts.SHORT_TERM else "long-term-key"
        projects = infer_projects([doc])
        region = _only({a.region for a in map(parse_arn, projects) if a is not None})
        out.append(
            Principal(
                name=doc.source.label or doc.display,
                kind=kind,
                policies=PolicySet(identity=[doc]),
                # Unknown account: evaluated as one account (the placeholder of the default project), unless
                # the document compares accounts with values of its own, which a placeholder would falsify.
                account=None if _pins_account(doc) else DEFAULT_ACCOUNT,
                region=region,
                projects=projects,
                needs=key_needs([doc]),
                file=doc.source.file,
                line=line,
                column=col,
                label=doc.source.label,
                inferred=f"{kind.replace('-key', ' key')}, as the policy allows {_granted_key_action(doc, grant)}",
            )
        )
    return out


def _key_grant(policy: Policy) -> tuple[Statement, str, int] | None:
    """Where a key policy grants a bearer-token action by name: (statement, "Action", index)."""
    for st in policy.statements:
        if _names_key_action(st):
            for i, pattern in enumerate(st.actions or ()):
                if _names_key_action_pattern(pattern):
                    return st, "Action", i
    return None


def _granted_key_action(policy: Policy, grant: tuple[Statement, str, int] | None = None) -> str:
    """The bearer-token grant of a key policy as its author wrote it (statements keep actions lower-cased);
    ``grant``: :func:`_key_grant` of it, when the caller has it already."""
    grant = grant or _key_grant(policy)
    if grant is not None:
        raw = grant[0].raw.get("Action")
        written = raw[grant[2]] if isinstance(raw, list) else raw
        if isinstance(written, str):
            return written
    return facts.BEDROCK_CALL_WITH_BEARER_TOKEN


def promote_key_users(principals: Iterable[Principal], declared: Collection[Principal] = ()) -> None:
    """A template's or account's plain IAM user whose own policies grant a bearer-token action by name is a
    long-term key holder (a user cannot make short-term keys of its own without console or SigV4
    credentials, which a key policy rarely allows); needs follow :func:`key_needs`. What the configuration
    ``declared`` about a principal is never second-guessed."""
    skip = {id(p) for p in declared}
    for pr in principals:
        if pr.kind != "user" or pr.inferred is not None or pr.needs or id(pr) in skip:
            continue
        granting = [p for p in pr.policies.identity if key_token_type(p) is not None]
        if not granting:
            continue
        pr.kind = "long-term-key"
        pr.needs = key_needs(list(pr.policies.identity))
        pr.inferred = f"the user's policy {granting[0].display} allows {_granted_key_action(granting[0])}"


def apply_declarations(declared: Sequence[Declaration], inv: Inventory) -> list[Principal]:
    """Give each role or user that the configuration declares on a template resource what the entry says
    (name, kind, needs, projects, account, region, SCPs, endpoint policy); the template keeps deciding its
    policies and boundary. A template outside the linted paths is read (and linted) here. An entry that
    names no principal of its template is an input error at the entry's line. Returns the principals
    declared, which inference leaves alone."""
    out: list[Principal] = []
    for d in declared:
        if not any(_under(f, d.template) for f in inv.files):
            from mantlekit.lint.readers import read_paths  # only for a template outside the linted paths

            inv.extend(read_paths([d.template]))
        found = [p for p in inv.principals if _under(p.file, d.template) and _names(p, d.resource)]
        if len(found) != 1:
            what = "no role or user" if not found else f"{len(found)} roles or users (name the template file)"
            where = display_path(d.template)
            inv.errors.append(InputError(d.file, f"{what} {d.resource!r} in template {where}", d.line))
            continue
        p, want = found[0], d.principal
        p.name = want.name
        if d.kind_given:
            p.kind = want.kind
        p.needs = want.needs or p.needs
        p.projects = want.projects or p.projects
        p.account = want.account or p.account
        p.region = want.region or p.region
        ps = p.policies
        p.policies = PolicySet(
            identity=ps.identity,
            boundary=ps.boundary,
            scps=want.policies.scps or ps.scps,
            endpoint=want.policies.endpoint or ps.endpoint,
            resource=ps.resource,
        )
        p.heuristic = False
        p.inferred = None
        out.append(p)
    return out


def _under(file: str, top: str) -> bool:
    """``file`` is ``top`` or lies in the directory ``top``."""
    return within(os.path.realpath(file), os.path.realpath(top))


def _names(p: Principal, resource: str) -> bool:
    """A logical id, or a construct path with or without the L2's trailing ``/Resource``."""
    path = p.construct_path or ""
    return resource in (p.label, path) or (bool(path) and path == resource.rstrip("/") + "/Resource")


def _only(values: set[str]) -> str | None:
    return next(iter(values)) if len(values) == 1 else None


# --- principals' projects -------------------------------------------------------------------------------------


def _concrete(s: str) -> bool:
    return bool(s) and not is_wild(s)


def infer_projects(policies: list[Policy], account: str | None = None, region: str | None = None) -> tuple[str, ...]:
    """Project ARNs named by the Allow statements (with bedrock-mantle or ``*`` actions) of ``policies``.

    A wildcard project id counts as the default project of the ARN's region and account; wildcard region or
    account parts take ``region``/``account`` (else the principal defaults). Empty when only the default
    project of the default region and account is named, or nothing is.
    """
    dregion = region or DEFAULT_REGION
    daccount = account or DEFAULT_ACCOUNT
    out: dict[str, None] = {}
    prefix = facts.SERVICE_PREFIX + ":"
    for p in policies:
        for st in p.statements:
            if not st.is_allow or st.actions is None:
                continue
            if not any(a == "*" or a.startswith(prefix) or a == facts.SERVICE_PREFIX + "*" for a in st.actions):
                continue
            for r in st.resources or ():
                a = parse_arn(r)
                if a is None or a.service != facts.SERVICE_PREFIX or not a.resource.startswith("project/"):
                    continue
                pid = a.resource[len("project/") :]
                if "${" + UNRESOLVED in pid:
                    continue  # some project, but not one we can name
                if not _concrete(pid) or not facts.PROJECT_ID_RE.match(pid):
                    pid = facts.DEFAULT_PROJECT_ID
                reg = a.region if _concrete(a.region) else dregion
                acc = a.account if _concrete(a.account) else daccount
                part = a.partition if _concrete(a.partition) else None
                out[facts.project_arn(reg, acc, pid, part)] = None
    default = facts.project_arn(dregion, daccount)
    if list(out) in ([], [default]):
        # What the principal assumes anyway, unless a pinned region differs from its default.
        return (default,) if region is not None else ()
    return tuple(out)
