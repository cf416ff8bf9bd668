"""Intrinsic functions, pseudo parameters, parameters and conditions of a template (see the package
docstring for what each resolves to)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mantlekit.lint.inventory import DEFAULT_ACCOUNT, DEFAULT_REGION
from mantlekit.lint.readers.cfn.values import (
    _SUB_VAR,
    NOVALUE,
    _Branch,
    _canon,
    _find_branch,
    _text,
    is_unresolved,
    unresolved,
)

#: Pseudo parameters -> the value used when the stack does not pin it (see the package docstring).
PSEUDO_PLACEHOLDERS: dict[str, str] = {
    "AWS::AccountId": DEFAULT_ACCOUNT,
    "AWS::Region": DEFAULT_REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}


class Intrinsics:
    """Resolution of values (a mixin of the template: it reads ``pseudo``, ``pinned``, ``params``,
    ``mappings``, ``conditions`` and ``resources``, and names resources through :class:`~.names.Names`)."""

    pseudo: dict[str, str]
    pinned: dict[str, bool]
    params: dict[str, Any]
    mappings: dict[str, Any]
    conditions: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    _cond_cache: dict[str, bool | None]

    resource_ref: Callable[[str], Any]  # from Names
    getatt: Callable[[str, str], Any]  # from Names

    def resolve(self, v: Any, in_cond: bool = False) -> Any:
        """``v`` with intrinsic functions resolved (see the module docstring)."""
        if isinstance(v, dict):
            if len(v) == 1:
                k, a = next(iter(v.items()))
                if k == "Ref":
                    return self.ref(a, in_cond)
                if isinstance(k, str) and k.startswith("Fn::"):
                    return self.fn(k[4:], a, in_cond)
            out = {}
            for k, x in v.items():
                r = self.resolve(x, in_cond)
                if r is not NOVALUE:
                    out[k] = r
            return out
        if isinstance(v, list):
            return [r for r in (self.resolve(x, in_cond) for x in v) if r is not NOVALUE]
        return v

    def ref(self, name: Any, in_cond: bool = False) -> Any:
        if not isinstance(name, str):
            return unresolved("Ref")
        if name == "AWS::NoValue":
            return NOVALUE
        if name in self.pseudo:
            if in_cond and not self.pinned.get(name):
                return unresolved(name.replace("::", "."))
            return self.pseudo[name]
        if name == "AWS::StackId":
            return unresolved("AWS.StackId")
        if name == "AWS::NotificationARNs":
            return [unresolved("AWS.NotificationARNs")]
        if name in self.params:
            return self.param(name)
        if name in self.resources:
            return self.resource_ref(name)
        return unresolved(f"Ref/{name}")

    def param(self, name: str) -> Any:
        p = self.params[name]
        if not isinstance(p, dict):
            return unresolved(f"Parameter/{name}")
        typ = str(p.get("Type", "String"))
        is_list = typ.startswith("List<") or typ == "CommaDelimitedList"
        if "Default" not in p or typ.startswith("AWS::SSM::Parameter::Value"):
            v = unresolved(f"Parameter/{name}")
            return [v] if is_list else v
        d = p["Default"]
        if is_list:
            if isinstance(d, list):
                return [_text(x) or unresolved(f"Parameter/{name}") for x in d]
            return [s.strip() for s in (_text(d) or "").split(",")]
        t = _text(d)
        return t if t is not None else unresolved(f"Parameter/{name}")

    def fn(self, name: str, a: Any, in_cond: bool = False) -> Any:
        handler = getattr(self, f"_fn_{name}", None)
        if handler is None:
            return unresolved(f"Fn::{name}")
        return handler(a, in_cond)

    def _str(self, v: Any, what: str) -> str:
        t = _text(v)
        return t if t is not None else unresolved(what)

    def _lift(self, values: list[Any], combine: Any) -> Any:
        """``combine(values)``, or a branch of the results when a value is an undecided Fn::If."""
        for i, v in enumerate(values):
            if isinstance(v, _Branch):
                t = self._lift([*values[:i], v.t, *values[i + 1 :]], combine)
                f = self._lift([*values[:i], v.f, *values[i + 1 :]], combine)
                return t if t == f else _Branch(v.cond, t, f)
        return combine([x for x in values if x is not NOVALUE])

    def _fn_Sub(self, a: Any, in_cond: bool) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(a, list) and len(a) == 2 and isinstance(a[1], dict):
            tmpl = a[0]
            variables = {k: self.resolve(v, in_cond) for k, v in a[1].items()}
        else:
            tmpl = a
        if not isinstance(tmpl, str):
            return unresolved("Sub")
        pieces: list[Any] = []
        pos = 0
        for m in _SUB_VAR.finditer(tmpl):
            pieces.append(tmpl[pos : m.start()])
            inner = m.group(1)
            pos = m.end()
            if inner.startswith("!"):
                pieces.append("${" + inner[1:] + "}")
                continue
            name = inner.strip()
            if name in variables:
                pieces.append(variables[name])
            elif name in self.pseudo or name in self.params or name in self.resources or name.startswith("AWS::"):
                pieces.append(self.ref(name, in_cond))
            elif "." in name and name.split(".", 1)[0] in self.resources:
                logical_id, attr = name.split(".", 1)
                pieces.append(self.getatt(logical_id, attr))
            elif ":" in name:
                pieces.append("${" + inner + "}")  # an IAM policy variable written without the ! escape
            else:
                pieces.append(unresolved(f"Sub/{name}"))
        pieces.append(tmpl[pos:])
        return self._lift(pieces, lambda ps: "".join(self._str(p, "Sub") for p in ps))

    def _fn_Join(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 2):
            return unresolved("Join")
        delim = self.resolve(a[0], in_cond)
        items = self.resolve(a[1], in_cond)
        if isinstance(items, _Branch):
            return self._lift([items], lambda ps: self._fn_Join([delim, ps[0]], in_cond) if ps else "")
        if not isinstance(items, list):
            return unresolved("Join")
        return self._lift(
            [delim, *items], lambda ps: self._str(ps[0], "Join").join(self._str(x, "Join") for x in ps[1:])
        )

    def _fn_Select(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 2):
            return unresolved("Select")
        idx, items = self.resolve(a[0], in_cond), self.resolve(a[1], in_cond)
        try:
            i = int(idx)
        except (TypeError, ValueError):
            return unresolved("Select")
        if isinstance(items, list) and 0 <= i < len(items):
            return items[i]
        return unresolved("Select")

    def _fn_Split(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 2):
            return [unresolved("Split")]
        delim, s = self.resolve(a[0], in_cond), self.resolve(a[1], in_cond)
        if isinstance(delim, str) and delim and isinstance(s, str):
            return s.split(delim)
        return [unresolved("Split")]

    def _fn_ImportValue(self, a: Any, in_cond: bool) -> Any:
        name = self.resolve(a, in_cond)
        return unresolved(f"ImportValue/{name if isinstance(name, str) and '${' not in name else 'name'}")

    def _fn_FindInMap(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) in (3, 4)):
            return unresolved("FindInMap")
        keys = [self.resolve(x, in_cond) for x in a[:3]]
        default = None
        if len(a) == 4 and isinstance(a[3], dict) and "DefaultValue" in a[3]:
            default = self.resolve(a[3]["DefaultValue"], in_cond)
        if any(isinstance(k, _Branch) for k in keys):
            return self._lift(keys, lambda ks: self._fn_FindInMap(ks + ([a[3]] if len(a) == 4 else []), in_cond))
        names = [_text(k) for k in keys]
        if any(n is None or "${" in n for n in names):
            return default if default is not None else unresolved(f"FindInMap/{names[0] or 'map'}")
        try:
            value = self.mappings[names[0]][names[1]][names[2]]  # type: ignore[index]  # no None: tested above
        except (KeyError, TypeError):
            return default if default is not None else unresolved(f"FindInMap/{names[0]}")
        return self.resolve(value, in_cond)

    def _fn_Base64(self, a: Any, in_cond: bool) -> Any:
        return self.resolve(a, in_cond)

    def _fn_GetAZs(self, a: Any, in_cond: bool) -> Any:
        return [unresolved("GetAZs")]

    def _fn_Cidr(self, a: Any, in_cond: bool) -> Any:
        return [unresolved("Cidr")]

    def _fn_ToJsonString(self, a: Any, in_cond: bool) -> Any:
        v = self.resolve(a, in_cond)
        if _find_branch(v) is not None:
            return unresolved("ToJsonString")
        return json.dumps(v, separators=(",", ":"))

    def _fn_Length(self, a: Any, in_cond: bool) -> Any:
        v = self.resolve(a, in_cond)
        return len(v) if isinstance(v, list) and not is_unresolved(v) else unresolved("Length")

    def _fn_GetAtt(self, a: Any, in_cond: bool) -> Any:
        if isinstance(a, str) and "." in a:
            a = a.split(".", 1)
        if not (isinstance(a, list) and len(a) == 2 and isinstance(a[0], str)):
            return unresolved("GetAtt")
        attr = self.resolve(a[1], in_cond)
        if not isinstance(attr, str):
            return unresolved(f"GetAtt/{a[0]}")
        return self.getatt(a[0], attr)

    def _fn_If(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 3 and isinstance(a[0], str)):
            return unresolved("If")
        c = self.cond(a[0])
        if c is True:
            return self.resolve(a[1], in_cond)
        if c is False:
            return self.resolve(a[2], in_cond)
        t, f = self.resolve(a[1], in_cond), self.resolve(a[2], in_cond)
        return t if t == f else _Branch(a[0], t, f)

    # --- conditions -------------------------------------------------------------------------------------

    def cond(self, name: str) -> bool | None:
        """The value of a named condition: True, False, or None when it depends on unknown values."""
        if name in self._cond_cache:
            return self._cond_cache[name]
        self._cond_cache[name] = None  # a cycle is undecidable
        value = self._cexpr(self.conditions.get(name)) if name in self.conditions else None
        self._cond_cache[name] = value
        return value

    def _cexpr(self, e: Any) -> bool | None:
        if not (isinstance(e, dict) and len(e) == 1):
            return None
        k, a = next(iter(e.items()))
        if k == "Condition" and isinstance(a, str):
            return self.cond(a)
        if k == "Fn::Equals" and isinstance(a, list) and len(a) == 2:
            x, y = (self.resolve(v, in_cond=True) for v in a)
            if is_unresolved(x) or is_unresolved(y):
                return None
            equal: bool = _canon(x) == _canon(y)
            return equal
        if k == "Fn::Not" and isinstance(a, list) and len(a) == 1:
            v = self._cexpr(a[0])
            return None if v is None else not v
        if k in ("Fn::And", "Fn::Or") and isinstance(a, list):
            vals = [self._cexpr(x) for x in a]
            if k == "Fn::And":
                return False if False in vals else (None if None in vals else True)
            return True if True in vals else (None if None in vals else False)
        return None
