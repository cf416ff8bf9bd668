"""Values of a template being resolved: the unresolved marker, ``AWS::NoValue``, undecided ``Fn::If``
(:class:`_Branch`) and the guards that record which branch a value came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from mantlekit.iam.locate import Path
from mantlekit.lint.iamgraph import Guards
from mantlekit.lint.inventory import UNRESOLVED

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-/]")


def unresolved(what: str) -> str:
    """The marker put where a value could not be resolved: ``${mantlekit:unresolved/<what>}``."""
    return "${" + UNRESOLVED + _UNSAFE.sub("_", what)[:200] + "}"


def is_unresolved(value: Any) -> bool:
    """True when a resolved value contains an unresolved marker anywhere."""
    if isinstance(value, str):
        return "${" + UNRESOLVED in value
    if isinstance(value, dict):
        return any(is_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unresolved(v) for v in value)
    return isinstance(value, _Branch)


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "AWS::NoValue"


NOVALUE: Any = _NoValue()


@dataclass(frozen=True, slots=True)
class _Branch:
    """An Fn::If whose condition cannot be decided: both resolved branches."""

    cond: str
    t: Any
    f: Any


def _add_guard(guards: Guards, cond: str, flag: bool) -> Guards | None:
    for c, f in guards:
        if c == cond:
            return guards if f == flag else None
    return (*guards, (cond, flag))


def _guard_value(guards: Guards, cond: str) -> bool | None:
    for c, f in guards:
        if c == cond:
            return f
    return None


def _find_branch(v: Any, at: Path = ()) -> Path | None:
    if isinstance(v, _Branch):
        return at
    if isinstance(v, dict):
        for k, x in v.items():
            r = _find_branch(x, (*at, k))
            if r is not None:
                return r
    elif isinstance(v, list):
        for i, x in enumerate(v):
            r = _find_branch(x, (*at, i))
            if r is not None:
                return r
    return None


def _replace(v: Any, at: Path, new: Any) -> Any:
    """A copy of ``v`` with the value at ``at`` replaced (removed when ``new`` is NOVALUE)."""
    if not at:
        return new
    head, rest = at[0], at[1:]
    if isinstance(v, dict):
        out = dict(v)
        r = _replace(v[head], rest, new)
        if r is NOVALUE:
            del out[head]
        else:
            out[head] = r
        return out
    out_l = list(v)
    i = cast(int, head)  # a path step into a list is its index
    r = _replace(v[i], rest, new)
    if r is NOVALUE:
        del out_l[i]
    else:
        out_l[i] = r
    return out_l


def _collapse(v: Any) -> Any:
    """Replace every undecided Fn::If by its common value or an unresolved marker."""
    if isinstance(v, _Branch):
        t, f = _collapse(v.t), _collapse(v.f)
        return t if t == f else unresolved(f"If/{v.cond}")
    if isinstance(v, dict):
        return {k: _collapse(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_collapse(x) for x in v]
    return v


def _text(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return str(v)
    return None


def _get(v: Any, at: Path) -> Any:
    for k in at:
        v = v[k]
    return v


def _canon(v: Any) -> Any:
    if isinstance(v, list):
        return [_canon(x) for x in v]
    t = _text(v)
    return t if t is not None else v


def _tname(v: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(v), "null" if v is None else "a mapping" if isinstance(v, dict) else type(v).__name__
    )
