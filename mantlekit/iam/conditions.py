"""Condition operators, evaluated the way IAM documents them.

- A missing key makes a condition false, except for negated operators (true), ``...IfExists`` (true),
  ``ForAllValues`` (true) and ``Null`` (which tests presence).
- Several values of one key: OR; for a negated operator: NOR. Several keys or operators: AND.
- A multi-valued request key with a plain operator matches if any request value matches (negated: none).
- A key the caller did not supply is *unknown*: the result is ``None`` and the key is reported missing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from mantlekit.iam.match import UNKNOWN, Context, Tri, pattern_matches, t_all, t_any, t_not
from mantlekit.iam.model import Condition

if TYPE_CHECKING:
    import ipaddress
    from datetime import datetime

# base64, datetime and ipaddress are imported by the operators that need them: most policies never use
# Date, IpAddress or Binary conditions, and every lint run would otherwise pay for the three modules.

NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "notipaddress": "ipaddress",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
#: Operators whose values may hold policy variables.
_VARIABLE_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}


def _num(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _date(s: str) -> datetime | None:
    from datetime import UTC, datetime

    s = s.strip()
    try:
        if s.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(s), UTC)
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None


@lru_cache(maxsize=4096)
def _net(s: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    import ipaddress

    try:
        return ipaddress.ip_network(s.strip(), strict=False)
    except ValueError:
        return None


def _ip_in(value: str, cidr: str) -> bool:
    import ipaddress

    net = _net(cidr)
    if net is None:
        return False
    try:
        return ipaddress.ip_address(value.strip()) in net
    except ValueError:
        return False


def _b64(s: str) -> bytes | None:
    import base64

    try:
        return base64.b64decode(s, validate=True)
    except ValueError:
        return None


def compare(base: str, actual: str, expected: str, ctx: Context, variables: bool, missing: set[str]) -> Tri:
    """Positive (non-negated) comparison of one request value with one policy value."""
    if base in ("stringequals", "stringequalsignorecase", "stringlike"):
        return pattern_matches(
            expected,
            actual,
            ctx,
            variables,
            missing,
            arn=False,
            wildcards=base == "stringlike",
            ignore_case=base == "stringequalsignorecase",
        )
    if base in ("arnequals", "arnlike"):
        return pattern_matches(expected, actual, ctx, variables, missing, arn=True)
    if base.startswith("numeric"):
        a, e = _num(actual), _num(expected)
        if a is None or e is None:
            return False
        op = base[len("numeric") :]
    elif base.startswith("date"):
        # The pair is typed by the numeric branch; here both are datetimes, so the comparisons below still hold.
        a, e = _date(actual), _date(expected)  # type: ignore[assignment]
        if a is None or e is None:
            return False
        op = base[len("date") :]
    elif base == "bool":
        return actual.strip().lower() == expected.strip().lower()
    elif base == "binaryequals":
        x, y = _b64(actual), _b64(expected)
        return x is not None and x == y
    elif base == "ipaddress":
        return _ip_in(actual, expected)
    else:  # pragma: no cover - parse rejects unknown operators
        return False
    if op == "equals":
        return a == e
    if op == "lessthan":
        return a < e
    if op == "lessthanequals":
        return a <= e
    if op == "greaterthan":
        return a > e
    if op == "greaterthanequals":
        return a >= e
    return False  # pragma: no cover


def evaluate(cond: Condition, ctx: Context, variables: bool, missing: set[str]) -> Tri:
    """Evaluate one (operator, key, values) of a Condition block."""
    found = ctx.lookup(cond.key)
    if found is UNKNOWN:
        missing.add(cond.key)
        return None
    present = bool(found)
    if cond.base == "null":
        return any((v.strip().lower() == "true") != present for v in cond.values)
    negated = cond.base in NEGATED
    if not present:
        if cond.if_exists or cond.qualifier == "forallvalues":
            return True
        if cond.qualifier == "foranyvalue":
            return False
        return negated
    base = NEGATED.get(cond.base, cond.base)
    use_vars = variables and base in _VARIABLE_OPERATORS

    def matches(actual: str) -> Tri:
        return t_any(compare(base, actual, expected, ctx, use_vars, missing) for expected in cond.values)

    actual_values: tuple[str, ...] = found  # type: ignore[assignment]  # neither UNKNOWN nor empty/None here
    if cond.qualifier == "forallvalues":
        return t_all((t_not(matches(a)) if negated else matches(a)) for a in actual_values)
    if cond.qualifier == "foranyvalue":
        return t_any((t_not(matches(a)) if negated else matches(a)) for a in actual_values)
    m = t_any(matches(a) for a in actual_values)
    return t_not(m) if negated else m


def evaluate_all(conditions: tuple[Condition, ...], ctx: Context, variables: bool, missing: set[str]) -> Tri:
    """AND of every condition of a statement (an empty block is true)."""
    result: Tri = True
    for c in conditions:
        r = evaluate(c, ctx, variables, missing)
        if r is False:
            return False
        if r is None:
            result = None
    return result
