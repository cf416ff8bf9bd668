"""Read policy documents into the normalised model.

Accepts every grammar variant IAM accepts (a single statement object or a list, a string or a list for
Action/Resource/Principal values, ``Principal: "*"``, condition values as strings, numbers or booleans).
Grammar problems that IAM would reject are recorded on the policy as :class:`Problem` rows (the rules turn
them into findings) and the offending statement is left out of evaluation; text that is not a policy at
all raises :class:`PolicyError` with the place.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from mantlekit.iam.locate import JsonLocator, Path
from mantlekit.iam.model import (
    BOUNDARY,
    ENDPOINT,
    IDENTITY,
    RCP,
    RESOURCE,
    SCP,
    SESSION,
    Condition,
    Policy,
    PolicyError,
    Principals,
    Problem,
    Source,
    Statement,
)

VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_KEYS = {"Version", "Id", "Statement"}
_STMT_KEYS = {
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
}
BASE_OPERATORS = {
    s.lower(): s
    for s in (
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    )
}
_QUALIFIERS = ("forallvalues", "foranyvalue")
#: service:action, each side non-empty, one colon (checked for every action of every statement: a regex).
_ACTION_SHAPE = re.compile(r"[^:]+:[^:]+")
#: A whole Action list joined by newlines, every entry "*" or service:action (the fast path of the check).
_ACTIONS_SHAPE = re.compile(r"(?:\*|[^:\n]+:[^:\n]+)(?:\n(?:\*|[^:\n]+:[^:\n]+))*")
#: Action entries known to be of the form service:action or "*" (grown as statements pass the check; at
#: most _SHAPED_MAX). A policy set repeats its actions, and a set lookup is cheaper than the regex.
_SHAPED: set[str] = set()
_SHAPED_MAX = 1 << 16
#: Kinds whose grammar has no Principal/NotPrincipal (a boundary is a managed policy; SCPs have none either).
_NO_PRINCIPAL = {
    IDENTITY: "an identity-based policy",
    BOUNDARY: "a permissions boundary",
    SCP: "a service control policy",
    SESSION: "a session policy",
}


def load_policy(
    text: str,
    file: str = "<input>",
    kind: str = IDENTITY,
    name: str | None = None,
) -> Policy:
    """Parse JSON text into a :class:`Policy`. Raises :class:`PolicyError` for text that is not a policy."""
    locator = JsonLocator(text)
    source = Source(file, locator)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PolicyError(file, f"not valid JSON: {e.msg}", e.lineno, e.colno) from None
    except RecursionError:
        raise PolicyError(file, "document nested too deeply to be a policy") from None
    except ValueError:  # an integer literal longer than Python's int digit limit (4300 by default)
        line, col = locator.position(_long_number(text))
        raise PolicyError(file, "a number has too many digits to be read", line, col) from None
    return normalise(data, source, (), kind, name)


def _long_number(text: str) -> int:
    """Offset of the longest run of digits (where an over-long integer literal sits), 0 if none."""
    best = max(re.finditer(r"\d+", text), key=lambda m: m.end() - m.start(), default=None)
    return best.start() if best else 0


def normalise(data: Any, source: Source, path: Path = (), kind: str = IDENTITY, name: str | None = None) -> Policy:
    """Normalise an already-decoded policy document found at ``path`` in ``source``."""
    if not isinstance(data, dict):
        line, col = source.locate(path)
        raise PolicyError(source.file, f"a policy document is a JSON object, not {_type_name(data)}", line, col)
    policy = Policy((), None, source, path, kind, name, data)
    problems = policy.problems

    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem("unknown-element", f"unknown top-level element {key!r}", (*path, key)))
    version = data.get("Version")
    if version is None:
        problems.append(
            Problem(
                "version-missing",
                "no Version: IAM treats the policy as 2008-10-17, where policy variables are plain text",
                path,
                "warning",
            )
        )
    elif version not in VERSIONS:
        problems.append(Problem("version-invalid", f"Version {version!r} is not one IAM accepts", (*path, "Version")))
        version = None
    policy.version = version if isinstance(version, str) else None

    if "Statement" not in data:
        problems.append(Problem("structure", "no Statement element", path))
        return policy
    raw_statements = data["Statement"]
    spath = (*path, "Statement")
    if isinstance(raw_statements, dict):
        items = [(spath, raw_statements)]
    elif isinstance(raw_statements, list):
        items = [((*spath, i), s) for i, s in enumerate(raw_statements)]
    else:
        problems.append(Problem("structure", "Statement must be an object or a list of objects", spath))
        return policy

    out: list[Statement] = []
    for i, (p, raw) in enumerate(items):
        st = _statement(raw, i, p, kind, problems)
        if st is not None:
            st.policy = policy
            out.append(st)
    policy.statements = tuple(out)
    return policy


def _type_name(v: Any) -> str:
    return {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(v), type(v).__name__)


def _plain_strings(v: Any) -> tuple[str, ...] | None:
    """``v`` as a tuple when it is a str or a non-empty list of str (nearly every value met), else None."""
    if type(v) is str:
        return (v,)
    if type(v) is list and v:
        try:
            "".join(v)  # raises TypeError unless every item is a str: one C call instead of a loop
        except TypeError:
            return None
        return tuple(v)
    return None


def _strings(v: Any, path: Path, element: str, problems: list[Problem]) -> tuple[str, ...] | None:
    plain = _plain_strings(v)
    if plain is not None:
        return plain
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and not v:
        problems.append(Problem("structure", f"{element} is an empty list", path))
        return None
    problems.append(Problem("structure", f"{element} must be a string or a list of strings", path))
    return None


def _pair(
    raw: dict[str, Any], a: str, b: str, required: bool, path: Path, problems: list[Problem]
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, bool]:
    """(values of ``a``, values of ``b``, ok) for a pair such as Action/NotAction, of which one may be set."""
    if b not in raw:
        # The common case first, without building a path for a problem that is not there: ``a`` alone,
        # holding a string or a list of strings (18,066 calls over the AWS managed policies).
        plain = _plain_strings(raw.get(a))
        if plain is not None:
            return plain, None, True
    has_a, has_b = a in raw, b in raw
    if has_a and has_b:
        problems.append(Problem("structure", f"a statement has either {a} or {b}, not both", path))
        return None, None, False
    if not has_a and not has_b:
        if required:
            problems.append(Problem("structure", f"a statement needs {a} or {b}", path))
            return None, None, False
        return None, None, True
    key = a if has_a else b
    vals = _strings(raw[key], (*path, key), key, problems)
    if vals is None:
        return None, None, False
    return (vals, None, True) if has_a else (None, vals, True)


def _statement(raw: Any, index: int, path: Path, kind: str, problems: list[Problem]) -> Statement | None:
    if not isinstance(raw, dict):
        problems.append(Problem("structure", f"a statement is an object, not {_type_name(raw)}", path))
        return None
    ok = True
    if not _STMT_KEYS.issuperset(raw):
        for key in raw:
            if key not in _STMT_KEYS:
                problems.append(Problem("unknown-element", f"unknown statement element {key!r}", (*path, key)))
                ok = False
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        problems.append(Problem("structure", "Sid must be a string", (*path, "Sid")))
        sid = None
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        msg = "no Effect" if effect is None else f'Effect must be "Allow" or "Deny", not {effect!r}'
        problems.append(Problem("structure", msg, (*path, "Effect") if effect is not None else path))
        ok = False

    actions, not_actions, ok_a = _pair(raw, "Action", "NotAction", True, path, problems)
    if ok_a:
        written = actions or not_actions or ()
        # Only entries not already seen well-formed are checked, by one regex over them joined (the AWS
        # managed policies write 60,895 entries, 16,607 distinct; the regex over every entry was 7% of a
        # lint of them). A list with an entry that fails is walked to say which one is wrong. An entry
        # holding a newline itself would pass the regex as two entries: such a list is walked too.
        unseen = set(written).difference(_SHAPED)
        if unseen:
            joined = "\n".join(unseen)
            if joined.count("\n") != len(unseen) - 1 or _ACTIONS_SHAPE.fullmatch(joined) is None:
                for j, a in enumerate(written):
                    if a != "*" and _ACTION_SHAPE.fullmatch(a) is None:
                        key = "Action" if actions else "NotAction"
                        msg = f"{a!r} is not of the form service:action"
                        problems.append(Problem("action-syntax", msg, (*path, key, j)))
                        ok_a = False
            elif len(_SHAPED) < _SHAPED_MAX:
                _SHAPED.update(unseen)
    if ok_a:
        actions = tuple(map(str.lower, actions)) if actions else None
        not_actions = tuple(map(str.lower, not_actions)) if not_actions else None
    # Trust policies (resource policies on roles) have no Resource; identity-like documents need one.
    resources, not_resources, ok_r = _pair(raw, "Resource", "NotResource", kind != RESOURCE, path, problems)

    principal = not_principal = None
    ok_p = True
    if "Principal" in raw or "NotPrincipal" in raw:
        if kind in _NO_PRINCIPAL:
            problems.append(Problem("structure", f"{_NO_PRINCIPAL[kind]} cannot name a Principal", path))
            ok_p = False
        elif "Principal" in raw and "NotPrincipal" in raw:
            problems.append(Problem("structure", "a statement has either Principal or NotPrincipal, not both", path))
            ok_p = False
        else:
            key = "Principal" if "Principal" in raw else "NotPrincipal"
            pr = _principals(raw[key], (*path, key), problems)
            if pr is None:
                ok_p = False
            elif key == "Principal":
                principal = pr
            else:
                not_principal = pr
    elif kind in (RESOURCE, ENDPOINT, RCP):
        problems.append(Problem("structure", "a resource-based or endpoint policy statement needs a Principal", path))
        ok_p = False

    conditions = _conditions(raw.get("Condition"), (*path, "Condition"), problems) if "Condition" in raw else ()
    if conditions is None:
        ok = False
        conditions = ()
    if not (ok and ok_a and ok_r and ok_p):
        return None
    return Statement(
        cast(str, effect),  # ok: Allow or Deny
        sid,
        actions,
        not_actions,
        resources,
        not_resources,
        principal,
        not_principal,
        conditions,
        index,
        path,
        raw,
    )


def _principals(v: Any, path: Path, problems: list[Problem]) -> Principals | None:
    if v == "*":
        return Principals(any=True)
    if not isinstance(v, dict) or not v:
        problems.append(Problem("structure", 'Principal must be "*" or an object such as {"AWS": [...]}', path))
        return None
    by_type = []
    for ptype, vals in v.items():
        s = _strings(vals, (*path, ptype), f"Principal {ptype}", problems)
        if s is None:
            return None
        if ptype not in ("AWS", "Service", "Federated", "CanonicalUser"):
            problems.append(Problem("structure", f"unknown principal type {ptype!r}", (*path, ptype)))
            return None
        if ptype == "AWS" and "*" in s:
            return Principals(any=True)
        by_type.append((ptype, s))
    return Principals(False, tuple(by_type))


def _condition_value(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return json.dumps(v)
    return None


def _operator(op: str) -> tuple[str, str | None, bool] | None:
    """(lower-case base operator, qualifier, IfExists) of an operator as written, None if IAM has no such
    operator. Memoised: a policy set uses a handful of operators thousands of times."""
    parsed = _OPERATORS.get(op, False)
    if parsed is not False:
        return parsed  # type: ignore[return-value]  # False is the miss sentinel, tested above
    name = op.lower()
    qualifier = None
    for q in _QUALIFIERS:
        if name.startswith(q + ":"):
            qualifier, name = q, name[len(q) + 1 :]
    if_exists = name.endswith("ifexists")
    base = name[: -len("ifexists")] if if_exists else name
    result = None
    if base in BASE_OPERATORS and not (base == "null" and (if_exists or qualifier)):
        result = (base, qualifier, if_exists)
    if len(_OPERATORS) < 4096:
        _OPERATORS[op] = result
    return result


_OPERATORS: dict[str, tuple[str, str | None, bool] | None] = {}


def _conditions(v: Any, path: Path, problems: list[Problem]) -> tuple[Condition, ...] | None:
    if not isinstance(v, dict):
        problems.append(Problem("structure", "Condition must be an object of operators", path))
        return None
    out: list[Condition] = []
    for op, block in v.items():
        parsed = _operator(op)
        if parsed is None:
            problems.append(Problem("condition-operator", f"unknown condition operator {op!r}", (*path, op)))
            return None
        base, qualifier, if_exists = parsed
        if not isinstance(block, dict) or not block:
            problems.append(Problem("structure", f"{op} must map condition keys to values", (*path, op)))
            return None
        for key, raw_vals in block.items():
            if type(raw_vals) is str:
                conv: tuple[str | None, ...] = (raw_vals,)
            else:
                vals = raw_vals if isinstance(raw_vals, list) else [raw_vals]
                conv = tuple(_condition_value(x) for x in vals)
                if not conv or None in conv:
                    problems.append(
                        Problem(
                            "structure", f"values of {key!r} must be strings, numbers or booleans", (*path, op, key)
                        )
                    )
                    return None
            out.append(Condition(op, base, qualifier, if_exists, key, conv))  # type: ignore[arg-type]  # no None in conv
    return tuple(out)
