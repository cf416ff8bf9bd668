"""``mantle-lint access``: one decision, explained; or, without ``--action``, the capability matrix.

One decision::

    mantle-lint access --policy key.json --action bedrock-mantle:ListModels \\
        --context aws:RequestedRegion=us-east-1 --context aws:PrincipalAccount=111122223333

The caller (``--principal-arn``, ``--principal-account``) and the resource's account
(``--resource-account``) are given separately: when they differ the request is cross-account, and the
``--resource-policy`` must allow it too. ``--session-policy`` and ``--rcp`` (one level each) limit it.

Exit 0 when allowed, 1 for any other verdict, 2 for bad input. Without ``--action`` it prints, for every
principal in the configuration (and every principal found in the given paths), principal × capability
(× project), each cell allowed / denied / conditional; it exits 1 when a capability some principal needs
is not allowed (denied or conditional: the cells marked ``!``), 2 for bad input, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn, TypedDict

from mantlekit import facts
from mantlekit.iam.arn import parse_arn
from mantlekit.iam.evaluate import Decision, Request, decide
from mantlekit.iam.match import Context
from mantlekit.iam.model import (
    BOUNDARY,
    ENDPOINT,
    IDENTITY,
    RCP,
    RESOURCE,
    SCP,
    SESSION,
    Policy,
    PolicyError,
    PolicySet,
)
from mantlekit.iam.parse import load_policy
from mantlekit.lint.findings import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError
from mantlekit.lint.policy_ref import PolicyRefError, managed_policy_ref, policy_file_text

if TYPE_CHECKING:
    from mantlekit.lint.config import Config

EXIT_ALLOWED, EXIT_NOT_ALLOWED = EXIT_OK, EXIT_FINDINGS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's default exits 2 too, but prints usage noise first
        sys.stderr.write(f"mantle-lint access: {message}\n")
        raise SystemExit(EXIT_USAGE)


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="mantle-lint access",
        description=__doc__.split("\n\n")[0],
        epilog="Exit status: with --action, 0 allowed, 1 any other verdict; without it (the matrix), 1 when a "
        "capability a principal needs is not allowed (denied or conditional, marked !), else 0; 2 for bad input.",
    )
    p.add_argument("paths", nargs="*", help="for the matrix: files or directories with principals")
    p.add_argument("--policy", action="append", default=[], help="identity policy file or AWS managed policy ARN")
    p.add_argument("--boundary", help="permissions boundary (file or managed policy ARN)")
    p.add_argument("--scp", action="append", default=[], help="one SCP level (file); repeatable, each must allow")
    p.add_argument("--endpoint-policy", help="VPC endpoint policy file")
    p.add_argument("--resource-policy", help="the resource's policy (bucket policy, KMS key policy, trust policy ...)")
    p.add_argument(
        "--session-policy", action="append", default=[], help="a session policy (file or managed ARN); repeatable"
    )
    p.add_argument(
        "--rcp", action="append", default=[], help="one RCP level of the resource's account (file); repeatable"
    )
    p.add_argument("--principal-arn", help="the caller: user, role, assumed-role session or federated user ARN")
    p.add_argument("--principal-account", help="the caller's account (default: from --principal-arn)")
    p.add_argument("--resource-account", help="the account that owns the resource (default: from its ARN)")
    p.add_argument("--action", help="the action, e.g. bedrock-mantle:CreateInference")
    p.add_argument("--resource", help="the resource ARN (default: see README)")
    p.add_argument("--context", action="append", default=[], metavar="KEY=VALUE", help="a context key; repeatable")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--config", help="configuration file (for the matrix)")
    return p


#: The flag that gives a policy of each kind, which a reference that names no policy is reported at.
_FLAGS = {
    IDENTITY: "--policy",
    BOUNDARY: "--boundary",
    SCP: "--scp",
    ENDPOINT: "--endpoint-policy",
    RESOURCE: "--resource-policy",
    SESSION: "--session-policy",
    RCP: "--rcp",
}


def _load(ref: str, kind: str) -> Policy:
    """A policy from a file, or an AWS managed policy by ARN (resolved from the bundled copy); unlike a
    configuration, a policy given here must be valid, since the one decision asked for rests on it."""
    try:
        found = managed_policy_ref(ref, kind)
        if found is not None:
            return found
        text = policy_file_text(ref, ref)
    except PolicyRefError as e:
        raise InputError(_FLAGS[kind], e.message) from None
    policy = load_policy(text, ref, kind)
    bad = [p for p in policy.problems if p.severity == "error"]
    if bad:
        line, col = policy.location(*bad[0].path)
        raise InputError(ref, f"not a valid policy: {bad[0].message}", line, col)
    return policy


def _context(pairs: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError("--context", f"expected KEY=VALUE, got {pair!r}")
        out.setdefault(key, []).append(value)
    return out


def default_resource(action: str, ctx: Context) -> str:
    """The resource an action is evaluated on when none is given.

    An action with no resource type is evaluated against "*". A bedrock-mantle project action defaults to
    the default project of the region and account in the context.
    """
    from mantlekit.catalog import get_catalog

    info = get_catalog().action(action)
    if info is None:
        raise InputError("--action", f"unknown action {action!r}; give --resource explicitly to evaluate it anyway")
    if not info.resource_types:
        return "*"
    if info.service == facts.SERVICE_PREFIX and any(t == "project" for t, _ in info.resource_types):
        region, account = ctx.get("aws:RequestedRegion"), ctx.get("aws:PrincipalAccount")
        if not region or not account:
            raise InputError(
                "--resource",
                f"{info.full_name} acts on a project: give --resource, or --context aws:RequestedRegion=... and "
                "--context aws:PrincipalAccount=... for the default project",
            )
        return facts.project_arn(region, account)
    raise InputError("--resource", f"{info.full_name} acts on {info.resource_types[0][0]}: give --resource ARN")


def _text(d: Decision) -> str:
    lines = [f"{d.verdict.value}: {d.request.action} on {d.request.resource}"]
    for st in d.deciding:
        sid = f" Sid {st.sid}" if st.sid else ""
        lines.append(f"  {st.effect:<5} {st.file}:{st.line}{sid}")
    if d.missing_context:
        lines.append("  depends on: " + ", ".join(d.missing_context))
    for n in d.notes:
        lines.append(f"  note: {n}")
    if d.suggested_statement:
        lines.append("  would be allowed by: " + json.dumps(d.suggested_statement))
    return "\n".join(lines)


def _account(flag: str, value: str | None) -> str | None:
    if value is not None and not (len(value) == 12 and value.isdigit()):
        raise InputError(flag, f"expected a 12-digit account id, got {value!r}")
    return value


def run_decision(ns: argparse.Namespace) -> int:
    pairs = _context(ns.context)
    principal_account = _account("--principal-account", ns.principal_account)
    resource_account = _account("--resource-account", ns.resource_account)
    arn = ns.principal_arn
    parsed = parse_arn(arn) if arn is not None else None
    if arn is not None and parsed is None:
        raise InputError("--principal-arn", f"expected an ARN, got {arn!r}")
    # The caller's ARN and account are what aws:PrincipalArn / aws:PrincipalAccount say, unless given there.
    if arn is not None and "aws:PrincipalArn" not in pairs and ":assumed-role/" not in arn:
        pairs["aws:PrincipalArn"] = [arn]
    if principal_account is None and parsed is not None:
        principal_account = parsed.account or None
    if principal_account is not None and "aws:PrincipalAccount" not in pairs:
        pairs["aws:PrincipalAccount"] = [principal_account]
    ctx = Context(pairs)
    policies = PolicySet(
        identity=[_load(p, IDENTITY) for p in ns.policy],
        boundary=_load(ns.boundary, BOUNDARY) if ns.boundary else None,
        scps=[_load(p, SCP) for p in ns.scp],
        endpoint=_load(ns.endpoint_policy, ENDPOINT) if ns.endpoint_policy else None,
        resource=_load(ns.resource_policy, RESOURCE) if ns.resource_policy else None,
        session=[_load(p, SESSION) for p in ns.session_policy],
        rcps=[_load(p, RCP) for p in ns.rcp],
    )
    if ":" not in ns.action or ns.action.count(":") != 1:
        raise InputError("--action", f"expected service:Action, got {ns.action!r}")
    resource = ns.resource or default_resource(ns.action, ctx)
    d = decide(policies, Request(ns.action, resource, ctx, principal=arn, resource_account=resource_account))
    if ns.format == "json":
        print(json.dumps(d.to_json(), indent=2))
    else:
        print(_text(d))
    return EXIT_ALLOWED if d.allowed else EXIT_NOT_ALLOWED


class _Row(TypedDict):
    """One row of the capability matrix: a principal on a project (also a row of its JSON)."""

    principal: str
    kind: str
    project: str
    bearer_token: str | None
    capabilities: dict[str, str]
    needs: list[str]


def run_matrix(ns: argparse.Namespace) -> int:
    from mantlekit.lint.access import evaluate_principal, short_project
    from mantlekit.lint.inventory import Principal

    principals: list[Principal] = []
    errors: list[InputError] = []
    config = _config(ns)
    principals += config.principals
    errors += config.errors
    if ns.paths:
        from mantlekit.lint.readers import read_paths

        inv = read_paths(ns.paths)
        principals += inv.principals
        errors += inv.errors
    for e in errors:
        sys.stderr.write(f"{e}\n")
    caps = tuple(facts.CAPABILITY_ROUTES)
    rows: list[_Row] = []
    for p in principals:
        access = evaluate_principal(p, caps)
        bearer = access.bearer_token()
        for project in p.project_arns():
            cells = {c: access.capability(c, project).verdict.value for c in caps}
            rows.append(
                {
                    "principal": p.name,
                    "kind": p.kind,
                    "project": project,
                    "bearer_token": bearer.verdict.value if bearer else None,
                    "capabilities": cells,
                    "needs": list(p.effective_needs()),
                }
            )
    if ns.format == "json":
        print(json.dumps({"version": 1, "capabilities": list(caps), "rows": rows}, indent=2))
    elif not rows:
        print("no principals: declare them in [tool.mantle-lint] or give templates / account details")
    else:
        print(_matrix_text(rows, caps, short_project))
    if errors:
        return EXIT_USAGE
    failing = any(c in r["needs"] and r["capabilities"][c] != "allowed" for r in rows for c in caps)
    return EXIT_NOT_ALLOWED if failing else EXIT_ALLOWED


def _matrix_text(rows: list[_Row], caps: tuple[str, ...], short: Callable[[str], str]) -> str:
    marks = {"allowed": "✓", "implicit-deny": "✗", "explicit-deny": "⛔", "conditional": "?", None: "-"}
    heads = ["principal", "project", "key", *caps]
    table = []
    for r in rows:
        cells = [r["principal"], short(r["project"]), marks[r["bearer_token"]]]
        for c in caps:
            mark = marks[r["capabilities"][c]]
            # A needed capability that fails is what matters: make it stand out.
            if c in r["needs"] and r["capabilities"][c] != "allowed":
                mark += "!"
            cells.append(mark)
        table.append(cells)
    widths = [max(len(str(x)) for x in col) for col in zip(heads, *table, strict=False)]
    out = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=False))]
    for cells in table:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)))
    out.append("✓ allowed  ✗ denied  ⛔ explicitly denied  ? conditional  - not a key  ! needed but not allowed")
    return "\n".join(out)


def _config(ns: argparse.Namespace) -> Config:
    from mantlekit.lint.config import discover_config, load_config

    return load_config(ns.config) if ns.config else discover_config(ns.paths)


def main(argv: Sequence[str]) -> int:
    try:
        ns = parser().parse_args(list(argv))
    except SystemExit as e:
        return int(e.code or 0)
    try:
        if ns.action:
            if not ns.policy and not ns.resource_policy:
                raise InputError("--policy", "give at least one --policy FILE or managed policy ARN")
            return run_decision(ns)
        return run_matrix(ns)
    except (InputError, PolicyError) as e:
        sys.stderr.write(f"mantle-lint access: {e}\n")
        return EXIT_USAGE
