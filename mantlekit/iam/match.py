"""Matching of actions, ARNs and strings, with policy variables, in three-valued logic.

``True``/``False`` are definite answers; ``None`` means "depends on a context key that was not supplied".
The missing keys are collected in a set passed by the caller, so a ``conditional`` verdict can name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

Tri = bool | None

#: Sentinel: the caller did not say whether the key is in the request.
UNKNOWN = object()

_VAR = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class Context:
    """Request context: condition keys (case-insensitive) to their values.

    A key mapped to ``None`` or ``[]`` is known to be absent from the request. Keys not given at all are
    unknown, unless ``closed`` is set, in which case they are absent too (the caller vouches that the
    context is complete, as a simulation of one concrete request does).
    """

    __slots__ = ("_values", "closed")

    def __init__(self, values: Mapping[str, str | Sequence[str] | None] | None = None, closed: bool = False):
        self._values: dict[str, tuple[str, ...] | None] = {}
        self.closed = closed
        for k, v in (values or {}).items():
            self._values[k.lower()] = (v,) if isinstance(v, str) else (tuple(v) if v else None)

    def lookup(self, key: str) -> tuple[str, ...] | object | None:
        """The values of ``key``; ``None`` when absent; :data:`UNKNOWN` when not supplied."""
        k = key.lower()
        if k in self._values:
            return self._values[k]
        return None if self.closed else UNKNOWN

    def get(self, key: str) -> str | None:
        v = self._values.get(key.lower())
        return v[0] if v else None

    def items(self) -> Iterable[tuple[str, tuple[str, ...] | None]]:
        return self._values.items()


# --- actions ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _glob_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(parts), flags | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """``pattern`` and ``action`` are both lower-case ``service:name`` (or ``*``)."""
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern == action
    return _glob_regex(pattern).fullmatch(action) is not None


def any_action_matches(patterns: Iterable[str], action: str) -> bool:
    # A loop with the exact-name case inline: this runs for every statement of every decision.
    for p in patterns:
        if p == action or p == "*":
            return True
        if ("*" in p or "?" in p) and _glob_regex(p).fullmatch(action) is not None:
            return True
    return False


# --- variables and patterns ------------------------------------------------------------------------------


def open_ended_arn(pattern: str) -> bool:
    """True for an ARN pattern with fewer than six colon-separated segments whose last segment ends in ``*``
    (``arn:aws:bedrock:*``, ``arn:aws:s3*``): IAM completes it with wildcards instead of rejecting it.

    "If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the
    colon boundaries." (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)
    :func:`pattern_matches` already treats such a ``*`` as running past colons, so the pattern matches every
    ARN that begins with its text; this only tells the ARN-shape rules not to call it malformed.
    """
    return pattern.startswith("arn:") and pattern.count(":") < 5 and pattern.endswith("*")


def _pieces(pattern: str, ctx: Context | None, variables: bool, missing: set[str]) -> list[tuple[str, str]] | None:
    """Split a pattern into ("lit", text) and ("wild", "*"|"?") pieces, substituting policy variables.

    Returns ``None`` when a variable's key is not supplied (its name is added to ``missing``); a variable
    whose key is known to be absent makes the pattern match nothing (AWS leaves it unresolved).
    """
    out: list[tuple[str, str]] = []

    def add_text(text: str) -> None:
        buf: list[str] = []
        for ch in text:
            if ch in "*?":
                if buf:
                    out.append(("lit", "".join(buf)))
                    buf = []
                out.append(("wild", ch))
            else:
                buf.append(ch)
        if buf:
            out.append(("lit", "".join(buf)))

    if not variables or "${" not in pattern:
        add_text(pattern)
        return out
    pos = 0
    unresolved = False
    for m in _VAR.finditer(pattern):
        add_text(pattern[pos : m.start()])
        pos = m.end()
        inner = m.group(1).strip()
        if inner in _ESCAPES:
            out.append(("lit", _ESCAPES[inner]))
            continue
        default = None
        if "," in inner:
            inner, _, d = inner.partition(",")
            inner, d = inner.strip(), d.strip()
            if len(d) >= 2 and d[0] == d[-1] == "'":
                default = d[1:-1]
        vals = ctx.lookup(inner) if ctx is not None else UNKNOWN
        if vals is not UNKNOWN and vals and (len(vals) > 1 or multivalued_key(inner)):  # type: ignore[arg-type]  # vals: a tuple once not UNKNOWN
            # "You can use any available single-valued context key as a policy variable, but you can't use a
            # multivalued context key as a policy variable." The variable stays unresolved: nothing matches.
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
            return [("never", "")]
        if vals is UNKNOWN:
            # The default applies only when the key is absent; a key not supplied may be present.
            missing.add(inner)
            unresolved = True
            continue
        if not vals:
            if default is None:
                return [("never", "")]
            vals = (default,)
        out.append(("lit", vals[0]))  # type: ignore[index]  # lookup() is typed object for UNKNOWN; a tuple here
    add_text(pattern[pos:])
    return None if unresolved else out


def multivalued_key(key: str) -> bool:
    """Is ``key`` a global key that AWS documents as multivalued (``aws:TagKeys``, ``aws:CalledVia`` ...)?"""
    return _multivalued_global().get(key.lower(), False)


@lru_cache(maxsize=1)
def _multivalued_global() -> dict[str, bool]:
    # The global-key table (AWS's page, kept in one place); read the first time a variable resolves.
    from mantlekit.iam.global_keys import GLOBAL_KEYS

    return {k.lower(): bool(v) for k, v in GLOBAL_KEYS.items()}


@lru_cache(maxsize=4096)
def variable_before_fifth_colon(pattern: str) -> bool:
    """Does the ARN pattern hold a policy variable before its fifth colon (partition, service, region,
    account)? Colons inside ``${...}`` do not count; the escapes ``${*}``, ``${?}``, ``${$}`` are characters.

    "You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or
    account." (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)
    """
    if "${" not in pattern or not pattern.startswith("arn:"):
        return False
    colons = 0
    pos = 0
    for m in _VAR.finditer(pattern):
        colons += pattern.count(":", pos, m.start())
        if colons >= 5:
            return False
        if m.group(1).strip() not in _ESCAPES:
            return True
        pos = m.end()
    return False


def _regex(pieces: list[tuple[str, str]], arn: bool) -> str:
    rx = []
    for i, (kind, text) in enumerate(pieces):
        if kind == "never":
            return r"(?!)"
        if kind == "lit":
            rx.append(re.escape(text))
        elif text == "?":
            rx.append("[^:]" if arn else ".")
        else:
            # In an ARN a * that ends a segment may run past colons; inside a segment it may not.
            nxt = pieces[i + 1] if i + 1 < len(pieces) else None
            ends_segment = nxt is None or (nxt[0] == "lit" and nxt[1].startswith(":"))
            rx.append(".*" if (not arn or ends_segment) else "[^:]*")
    return "".join(rx)


@lru_cache(maxsize=16384)
def _static(pattern: str, arn: bool, ignore_case: bool) -> re.Pattern[str] | str:
    pieces = _pieces(pattern, None, False, set())
    assert pieces is not None
    if all(k == "lit" for k, _ in pieces):
        return pattern.lower() if ignore_case else pattern
    return re.compile(_regex(pieces, arn), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def pattern_matches(
    pattern: str,
    value: str,
    ctx: Context | None = None,
    variables: bool = False,
    missing: set[str] | None = None,
    arn: bool = True,
    wildcards: bool = True,
    ignore_case: bool = False,
) -> Tri:
    """Does ``value`` match ``pattern`` (an ARN or string pattern, possibly with policy variables)?"""
    if pattern == "*" and wildcards:
        return True
    if not (variables and "${" in pattern):
        if not wildcards:
            return (pattern.lower() == value.lower()) if ignore_case else pattern == value
        compiled = _static(pattern, arn, ignore_case)
        if isinstance(compiled, str):
            return compiled == (value.lower() if ignore_case else value)
        return compiled.fullmatch(value) is not None
    miss: set[str] = set()
    pieces = _pieces(pattern, ctx, True, miss)
    if pieces is None:
        if missing is not None:
            missing.update(miss)
        return None
    if not wildcards:
        text = "".join(t for k, t in pieces)
        if any(k == "never" for k, _ in pieces):
            return False
        return text.lower() == value.lower() if ignore_case else text == value
    # Wildcards introduced by substitution are literal: only the policy's own * and ? are wild.
    rx = re.compile(_regex(pieces, arn), re.DOTALL | (re.IGNORECASE if ignore_case else 0))
    return rx.fullmatch(value) is not None


# --- three-valued helpers -----------------------------------------------------------------------


def t_any(values: Iterable[Tri]) -> Tri:
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def t_all(values: Iterable[Tri]) -> Tri:
    unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            unknown = True
    return None if unknown else True


def t_not(v: Tri) -> Tri:
    return None if v is None else not v
