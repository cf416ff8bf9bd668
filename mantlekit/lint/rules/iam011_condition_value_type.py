"""IAM011: a condition value of the wrong type for its operator (a word for NumericLessThan, a
non-date for DateGreaterThan, "yes" for Bool, a host name for IpAddress ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule

# What each operator family compares, from
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# "Date condition operators ... support ... the W3C implementation of the ISO 8601 date formats", and
# "You can also use ... epoch (UNIX) time" (same page): YYYY, YYYY-MM, YYYY-MM-DD, and a time with
# minutes, seconds or fractions, and a zone. Python's fromisoformat covers a superset of the longer forms.
_W3C_DATE = re.compile(
    r"\d{4}(?:-\d{2}(?:-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)
_EPOCH = re.compile(r"\d+(?:\.\d+)?")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _is_date(v: str) -> bool:
    if _W3C_DATE.fullmatch(v) or _EPOCH.fullmatch(v):
        return True
    from datetime import datetime

    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_ip(v: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(v, strict=False)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=8192)
def value_problem(base: str, value: str) -> tuple[str, str, str] | None:
    """(what the operator wants, an example of it, severity) when ``value`` cannot be one, else None. ``base`` is the
    lower-case base operator. Memoised per (operator, value): policy sets repeat both."""
    v = value.strip()
    if "${" in v:
        # A policy variable is replaced before the comparison; what it holds is known only then.
        return None
    if base.startswith("numeric"):
        return None if _NUMBER.fullmatch(v) else ("a number", "3600", "error")
    if base.startswith("date"):
        return None if _is_date(v) else ("an ISO 8601 date or epoch seconds", "2026-01-01T00:00:00Z", "error")
    if base in ("bool", "null"):
        return None if v.lower() in ("true", "false") else ('"true" or "false"', "true", "error")
    if base in ("ipaddress", "notipaddress"):
        return None if _is_ip(v) else ("an IPv4/IPv6 address or CIDR range", "203.0.113.0/24", "error")
    if base == "binaryequals":
        return None if v and _BASE64.fullmatch(v) else ("base64-encoded bytes", "QmVkcm9jaw==", "error")
    if base.startswith("arn"):
        # ARN operators compare the six colon-separated parts of an ARN, each may hold wildcards for
        # ArnLike. A value that does not even begin as an ARN matches nothing; one that begins with a
        # wildcard may still cover "arn:", so it is not judged. A warning: only the first part is read.
        if v[:4].lower() == "arn:" or v[:1] in ("*", "?"):
            return None
        return ("an ARN", "arn:aws:iam::111122223333:role/name", "warning")
    return None


def _check(policy: Policy) -> Iterator[Finding]:
    for st in policy.statements:
        for cond in st.conditions:
            if cond.base.startswith("string"):
                continue
            raw = st.raw.get("Condition", {}).get(cond.operator, {}).get(cond.key)
            listed = isinstance(raw, list)
            for i, value in enumerate(cond.values):
                problem = value_problem(cond.base, value)
                if problem is None:
                    continue
                wants, example, severity = problem
                where = ("Condition", cond.operator, cond.key, i) if listed else ("Condition", cond.operator, cond.key)
                yield RULE.at_statement(
                    st,
                    f"{cond.operator} compares {cond.key} with {wants}, and {value!r} is not one: "
                    "this value never matches",
                    *where,
                    fix=f"write {wants}, e.g. {example}",
                    severity=severity,
                    key=cond.key,
                    value=value,
                )


RULE = Rule(
    id="IAM011",
    name="condition-value-type",
    severity="error",
    summary="A condition value that its operator cannot compare: not a number, date, boolean, IP range or ARN.",
    rationale=(
        "Each operator family compares one type: Numeric* numbers, Date* ISO 8601 dates or epoch seconds, "
        "Bool and Null `true`/`false`, IpAddress addresses or CIDR ranges, BinaryEquals base64, Arn* ARNs. "
        "A value of another type never matches, so the condition silently flips the statement: an Allow "
        "that grants nothing, or a negated Deny that denies everything. Values holding a policy variable "
        "are compared after substitution and are not judged. A value that is not an ARN is a warning "
        "(only its first part is read); the others are errors."
    ),
    fix="Write the value in the operator's type (3600, 2026-01-01T00:00:00Z, true, 203.0.113.0/24, arn:...).",
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
