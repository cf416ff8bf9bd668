"""Alternatives of raw values and the documents of a property: a decided ``Fn::If`` is followed, an
undecided one splits the statement (or document, or list entry) into guarded variants."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from mantlekit.iam.locate import Path, RemapLocator
from mantlekit.iam.model import Policy, PolicyError, Source
from mantlekit.iam.parse import normalise
from mantlekit.lint.findings import InputError
from mantlekit.lint.iamgraph import Guards, guard_document, guard_statement
from mantlekit.lint.readers.cfn.values import (
    NOVALUE,
    _add_guard,
    _Branch,
    _collapse,
    _find_branch,
    _get,
    _guard_value,
    _replace,
)

if TYPE_CHECKING:
    from mantlekit.iam.locate import Locator
    from mantlekit.lint.inventory import Inventory

_MAX_VARIANTS = 16


class Variants:
    """Structural ``Fn::If`` and documents (a mixin of the template)."""

    file: str
    locator: Locator | None
    inv: Inventory
    resource_guards: dict[str, Guards]
    # Provided by the other mixins and the template.
    cond: Callable[[str], bool | None]
    resolve: Callable[..., Any]
    error: Callable[[str, Path], None]
    label: Callable[[str], str]

    def alts(self, raw: Any, path: Path, guards: Guards) -> Iterator[tuple[Any, Path, Guards]]:
        """The alternatives of a value: decided Fn::If followed, undecided ones both (guarded)."""
        if isinstance(raw, dict) and len(raw) == 1 and "Fn::If" in raw:
            a = raw["Fn::If"]
            if isinstance(a, list) and len(a) == 3 and isinstance(a[0], str):
                c = self.cond(a[0])
                for idx, flag in ((1, True), (2, False)):
                    if c is not None and c != flag:
                        continue
                    g = guards if c is not None else _add_guard(guards, a[0], flag)
                    if g is not None:
                        yield from self.alts(a[idx], (*path, "Fn::If", idx), g)
                return
        if isinstance(raw, _Branch):
            for side, flag, idx in ((raw.t, True, 1), (raw.f, False, 2)):
                g = _add_guard(guards, raw.cond, flag)
                if g is not None:
                    yield from self.alts(side, (*path, "Fn::If", idx), g)
            return
        if raw is NOVALUE or raw == {"Ref": "AWS::NoValue"}:
            return
        yield raw, path, guards

    def items(self, raw: Any, path: Path, guards: Guards) -> Iterator[tuple[Any, Path, Guards]]:
        """The entries of a list-valued property, each with its path and guards."""
        for v, p, g in self.alts(raw, path, guards):
            if isinstance(v, list):
                for i, item in enumerate(v):
                    yield from self.alts(item, (*p, i), g)
            elif isinstance(v, dict) and len(v) == 1 and str(next(iter(v))).startswith(("Ref", "Fn::")):
                r = self.resolve(v)
                if isinstance(r, list):
                    for item in r:
                        yield from self.alts(item, p, g)
                elif r is not NOVALUE:
                    yield r, p, g

    # --- documents --------------------------------------------------------------------------------------------

    def documents(
        self, raw: Any, path: Path, kind: str, name: str | None, logical_id: str, guards: Guards
    ) -> list[Policy]:
        """The policy documents of a property value (one per undecided document-level Fn::If branch)."""
        out = []
        guards = (*self.resource_guards.get(logical_id, ()), *guards)
        for v, p, g in self.alts(raw, path, guards):
            doc = self.resolve(v)
            clamp = None
            if isinstance(doc, str):
                try:
                    doc = json.loads(doc)
                    clamp = p
                except ValueError:
                    self.error(f"the policy document of {logical_id} is a string that is not JSON", p)
                    continue
            policy = self._document(doc, p, kind, name, logical_id, g, clamp)
            if policy is not None:
                out.append(policy)
                self.inv.documents.append(policy)
        return out

    def _document(
        self, doc: Any, path: Path, kind: str, name: str | None, logical_id: str, guards: Guards, clamp: Path | None
    ) -> Policy | None:
        remap: dict[Path, Path] = {}
        if isinstance(doc, dict):
            doc = {k: (_collapse(v) if k != "Statement" else v) for k, v in doc.items()}
            st = doc.get("Statement")
            if _find_branch(st) is not None:
                stmts: list[Any] = []
                for raw_st, spath, g in self._statement_items(st, (*path, "Statement"), guards):
                    for variant, vg in self._variants(raw_st, g):
                        remap[(*path, "Statement", len(stmts))] = spath
                        stmts.append(guard_statement(variant, vg))
                doc["Statement"] = stmts
            else:
                doc = guard_document(doc, guards)
        source = Source(self.file, RemapLocator(self.locator, remap, clamp), self.label(logical_id))
        try:
            return normalise(doc, source, path, kind, name)
        except PolicyError as e:
            self.inv.errors.append(InputError.of(e, self.file, f"{logical_id}: "))
            return None

    def _statement_items(self, st: Any, path: Path, guards: Guards) -> Iterator[tuple[Any, Path, Guards]]:
        for v, p, g in self.alts(st, path, guards):
            if isinstance(v, list):
                for i, item in enumerate(v):
                    for w, q, h in self.alts(item, (*p, i), g):
                        if isinstance(w, list):  # a branch that is a list of statements
                            for j, x in enumerate(w):
                                yield x, (*q, j), h
                        else:
                            yield w, q, h
            else:
                yield v, p, g

    def _variants(self, st: Any, guards: Guards, budget: list[int] | None = None) -> list[tuple[Any, Guards]]:
        """One statement per combination of the undecided Fn::If inside it (at most _MAX_VARIANTS)."""
        budget = budget if budget is not None else [_MAX_VARIANTS]
        at = _find_branch(st)
        if at is None:
            return [(st, guards)]
        if budget[0] <= 1:
            return [(_collapse(st), guards)]
        b = _get(st, at)
        known = _guard_value(guards, b.cond)
        out: list[tuple[Any, Guards]] = []
        sides = [(b.t, True), (b.f, False)]
        if known is not None:
            sides = [s for s in sides if s[1] == known]
        else:
            budget[0] -= 1
        for side, flag in sides:
            g = guards if known is not None else (*guards, (b.cond, flag))
            out += self._variants(_replace(st, at, side), g, budget)
        return out
