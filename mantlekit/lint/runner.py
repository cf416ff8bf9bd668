"""One lint run: read → normalise → evaluate → rules → (the caller reports).

Pure orchestration; knows nothing about output formats or the command line.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mantlekit._record import ValueRecord
from mantlekit.catalog import get_catalog
from mantlekit.iam.locate import Path
from mantlekit.iam.model import BOUNDARY, ENDPOINT, IDENTITY, RCP, SCP, SESSION, Policy
from mantlekit.lint.config import Config, file_identity
from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.inventory import Inventory, Principal
from mantlekit.lint.rules import all_rules
from mantlekit.lint.rules.base import Rule

if TYPE_CHECKING:
    from mantlekit.lint.access import PrincipalAccess


class Result(ValueRecord):
    findings: list[Finding]
    errors: list[InputError]
    inventory: Inventory
    access: list[PrincipalAccess]

    __slots__ = _fields = ("findings", "errors", "inventory", "access")

    def __init__(
        self,
        findings: list[Finding],
        errors: list[InputError],
        inventory: Inventory,
        access: list[PrincipalAccess] | None = None,
    ) -> None:
        self.findings = findings
        self.errors = errors
        self.inventory = inventory
        self.access = [] if access is None else access


def _selected(rule: Rule, config: Config) -> bool:
    rid = rule.id.upper()
    if config.select and not any(rid.startswith(s.upper()) for s in config.select):
        return False
    return not any(rid.startswith(s.upper()) for s in config.ignore)


def _path_ignored(f: Finding, config: Config, rule: str | None = None) -> bool:
    """Whether a per-path ignore drops ``f`` (or would drop a finding of ``rule`` in the same file)."""
    if not config.per_path_ignores:
        return False
    rule = (rule or f.rule).upper()
    base = os.path.dirname(os.path.abspath(config.file)) if config.file else os.getcwd()
    rel = os.path.relpath(os.path.abspath(f.file), base) if not f.file.startswith("<") else f.file
    for ig in config.per_path_ignores:
        if fnmatch.fnmatch(rel, ig.pattern) and any(rule.startswith(r.upper()) for r in ig.rules):
            return True
    return False


def selected_rules(config: Config) -> list[Rule]:
    """The rules this configuration runs (``select`` and ``ignore`` applied), ordered by id."""
    return [r for r in all_rules() if _selected(r, config)]


def uncovered(findings: list[Finding], rules: Sequence[Rule], config: Config) -> list[Finding]:
    """``findings`` without those a covering rule reports itself (:attr:`Rule.covered_by`).

    Only a covering rule among ``rules`` (the selected ones) counts, and only where no per-path ignore
    drops its findings: a finding is left out because another rule says it better, never because of
    a rule that is not running.
    """
    by_id = {r.id: r for r in rules}
    covering = {
        r.id: cover
        for r in rules
        if (cover := [c for c in map(by_id.get, r.covered_by) if c is not None and c.claims is not None])
    }
    if not covering:
        return findings
    return [
        f
        for f in findings
        if f.rule not in covering
        or not any(c.claims(f) and not _path_ignored(f, config, c.id) for c in covering[f.rule])  # type: ignore[misc]  # claims: not None, filtered above
    ]


#: How the principals of a run use documents that are not identity policies: (file identity, path of the
#: document in the file) -> the kind it plays (boundary, SCP, RCP, session or VPC endpoint policy).
Boundaries = Mapping[tuple[object, Path], str]


def boundary_documents(principals: Iterable[Principal]) -> Boundaries:
    """Every document some principal uses as a permissions boundary, SCP, RCP, session or endpoint policy
    (a template's or account's ``PermissionsBoundary``, a configuration's ``boundary``/``scps``/...).

    Document rules see one document at a time, and a loose file or a template's managed policy is read as
    an identity policy; what it is used as shows only in the principals. Such a policy caps permissions and
    grants nothing, so rules that judge what a document grants (IAM008) must know.
    """
    out: dict[tuple[object, Path], str] = {}
    for p in principals:
        ps = p.policies
        used = [(BOUNDARY, ps.boundary), (ENDPOINT, ps.endpoint)]
        used += [(SCP, x) for x in ps.scp_policies()] + [(SESSION, x) for x in ps.session]
        used += [(RCP, x) for level in ps.rcp_levels() for x in level]
        for kind, doc in used:
            if doc is not None:
                out.setdefault((file_identity(doc.source.file), doc.path), kind)
    return out


def as_used(policies: Iterable[Policy], boundaries: Boundaries) -> list[Policy]:
    """``policies`` as the document rules should see them: an identity document that principals use in a
    limiting role has that kind. Without such uses nothing is looked up (a stat per file costs more than the
    rules on a small file)."""
    if not boundaries:
        return list(policies)
    ids: dict[str, object] = {}
    out = []
    for p in policies:
        if p.kind == IDENTITY:
            file = p.source.file
            ident = ids[file] if file in ids else ids.setdefault(file, file_identity(file))
            kind = boundaries.get((ident, p.path))
            if kind is not None:
                p = p.with_kind(kind)
        out.append(p)
    return out


def rule_options(rule: Rule, config: Config, inv: Inventory) -> dict[str, Any]:
    """The value of each of ``rule``'s options in this run: set for the run, else recorded by an input, else
    the rule's default."""
    return {name: config.options.get(name, inv.options.get(name, default)) for name, default in rule.options.items()}


def lint_inventory(
    inv: Inventory, config: Config, *, done: Sequence[Finding] = (), linted: Sequence[Policy] = ()
) -> Result:
    """Apply every selected rule to what the readers found (and the configured principals).

    ``done``: document findings already made for files in ``inv.files`` whose documents are not in
    ``inv.documents`` (linted by worker processes, see :mod:`mantlekit.lint.parallel`); ``linted``: those
    of their documents that may stand for a principal (key policies), for the inference below.
    """
    rules = selected_rules(config)
    doc_rules = [r for r in rules if r.check_document is not None]
    principal_rules = [r for r in rules if r.check_principal is not None]
    resource_rules = [r for r in rules if r.check_resource is not None]
    declared: list[Principal] = []
    if config.declared:
        from mantlekit.lint.infer import apply_declarations

        declared = apply_declarations(config.declared, inv)
    findings: list[Finding] = list(done)
    linted_files = [*inv.files, *(p.source.file for p in inv.documents)]
    documents = [*config.documents_not_in(linted_files), *inv.documents]
    principals = [*config.principals, *inv.principals]
    boundaries = boundary_documents(principals)
    for policy in as_used(documents, boundaries):
        for r in doc_rules:
            findings.extend(r.check_document(policy))  # type: ignore[misc]  # only rules that have it
    for resource in inv.resources:
        for r in resource_rules:
            findings.extend(r.check_resource(resource))  # type: ignore[misc]  # only rules that have it
    accesses = []
    options = {r.id: rule_options(r, config, inv) for r in principal_rules}
    if principal_rules:
        # Principals nobody declared, from what the documents say (a key policy no principal uses; a
        # template's or account's user whose policy is a key policy).
        from mantlekit.lint import infer

        infer.promote_key_users(inv.principals, declared)
        principals += infer.key_principals([*documents, *linted], infer.claimed(principals))
    if principals:
        from mantlekit.lint.access import evaluate_principal  # the capability matrix, only with principals
    for principal in principals:
        access = evaluate_principal(principal)
        accesses.append(access)
        for r in principal_rules:
            findings.extend(r.check_principal(principal, access, **options[r.id]))  # type: ignore[misc]  # only rules that have it
    out = []
    for f in uncovered(findings, rules, config):
        if f.rule in config.severity:
            f.severity = config.severity[f.rule]
        if not _path_ignored(f, config):
            out.append(f)
    out.sort(key=Finding.sort_key)
    return Result(out, [*config.errors, *inv.errors], inv, accesses)


def lint_paths(paths: Sequence[str], config: Config | None = None, jobs: int = 1) -> Result:
    """Read and lint everything under ``paths``.

    ``jobs`` > 1 (or 0: one per core) lints loose policy files in worker processes when there are enough
    of them; the findings and errors are the same, but ``result.inventory.documents`` then holds only the
    documents read in this process (templates, assemblies, account details).
    """
    from mantlekit.lint.readers import POLICY_READER, finalize, read_file, read_files, readers, walk_paths

    config = config or Config()
    inv = Inventory()
    files = walk_paths(paths, inv.errors)
    workers = 1
    if jobs != 1:
        from mantlekit.lint.parallel import usable_jobs

        workers = usable_jobs(jobs, len(files))
    if workers == 1:
        return lint_inventory(read_files(files, inv), config)

    from mantlekit.lint.parallel import lint_files

    chain = readers()
    done: list[Finding] = []
    linted: list[Policy] = []
    doc_rules = [r for r in selected_rules(config) if r.check_document is not None]
    get_catalog().known_actions()  # built once, before the fork, for every worker
    # Workers lint loose files only; of the principals only the configured ones can name a loose file
    # as their boundary (a template's or account's principals use documents of their own file).
    boundaries = boundary_documents(config.principals)
    try:
        for path, res in zip(files, lint_files(files, doc_rules, workers, boundaries), strict=True):
            if res is None:
                inv.extend(read_file(path, chain))
                continue
            done += res.findings
            inv.errors += res.errors
            if res.recognised:
                inv.files.append(path)
            if res.key_policy:  # rare: read again here rather than send documents through a pipe
                linted += read_file(path, [POLICY_READER]).documents
    finally:
        finalize(inv)
    return lint_inventory(inv, config, done=done, linted=linted)
