"""Condition keys as the condition rules (IAM009, IAM010, IAM012) need them: the global keys, and a
service's keys from the catalog, looked up case-insensitively and with key templates expanded.

Global keys come from :mod:`mantlekit.iam.global_keys` rather than the catalog: the Service Authorization
Reference never lists them (a service page names only the tag keys), and they apply to every action.

Everything here is memoised per key (and per catalog): a policy set repeats the same handful of keys
thousands of times, and the lint path stays one dictionary lookup per repeated key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from mantlekit.iam.conditions import NEGATED
from mantlekit.iam.global_keys import GLOBAL_FAMILIES, GLOBAL_KEYS

if TYPE_CHECKING:
    from mantlekit.catalog import Catalog
    from mantlekit.iam.model import Condition

_GLOBAL_LOWER = {k.lower(): k for k in GLOBAL_KEYS}
_FAMILIES_LOWER = tuple(f.lower() for f in GLOBAL_FAMILIES)
#: A placeholder in a catalog key name: ``${TagKey}``, ``<key>``, or the way some reference data writes a
#: tag key: ``secretsmanager:ResourceTag/tag-key`` (the docs' own spelling) or ``glacier:ResourceTag/``.
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>|(?<=/)tag-key$|(?<=/)$")


class KeyInfo:
    """A known condition key: its canonical spelling, catalog type ("String", "ArrayOfString" ...;
    "" when unknown) and whether it is global (applies to every action)."""

    __slots__ = ("global_key", "multivalued", "name", "type")

    def __init__(self, name: str, type: str, global_key: bool, multivalued: bool | None) -> None:
        self.name = name
        self.type = type
        self.global_key = global_key
        self.multivalued = multivalued

    def __repr__(self) -> str:
        return f"KeyInfo({self.name!r}, {self.type!r}, global_key={self.global_key})"


def global_key(key: str) -> KeyInfo | None:
    """The global key ``key`` names (any case), or None. A tag family needs a non-empty suffix."""
    low = key.lower()
    name = _GLOBAL_LOWER.get(low)
    if name is not None:
        return KeyInfo(name, "", True, GLOBAL_KEYS[name])
    for family, written in zip(_FAMILIES_LOWER, GLOBAL_FAMILIES, strict=True):
        if low.startswith(family) and len(low) > len(family):
            return KeyInfo(written + key[len(family) :], "String", True, False)
    return None


@lru_cache(maxsize=4096)
def _template_matcher(name: str) -> Callable[[str], bool]:
    """A test of a lower-case key against a key template such as ``ec2:ResourceTag/${TagKey}``, in which
    each placeholder is any non-empty text (tag keys may hold ``/`` and ``:``). One placeholder (nearly
    every template) is two string comparisons; more need a regular expression."""
    pieces = _PLACEHOLDER.split(name.lower())
    if len(pieces) == 2:
        head, tail = pieces
        least = len(head) + len(tail)
        return lambda k: len(k) > least and k.startswith(head) and k.endswith(tail)
    regex = re.compile(".+".join(map(re.escape, pieces)), re.DOTALL)
    return lambda k: regex.fullmatch(k) is not None


class KeyTable:
    """Some condition keys (a service's, or an action's) for case-insensitive lookup with templates.

    Templates are compiled on the first lookup that the exact names miss: most lookups hit."""

    __slots__ = ("_compiled", "_raw_templates", "exact")

    def __init__(self, keys: dict[str, str]) -> None:
        search = _PLACEHOLDER.search
        self.exact: dict[str, tuple[str, str]] = {}
        self._raw_templates: list[tuple[str, str]] = []
        for name, type_ in keys.items():
            if "$" in name or "<" in name or name.endswith(("/", "/tag-key")):
                if search(name):
                    self._raw_templates.append((name, type_))
                    continue
            self.exact[name.lower()] = (name, type_)
        self._compiled: list[tuple[Callable[[str], bool], str, str]] | None = None

    def find(self, key: str) -> tuple[str, str] | None:
        """(canonical name, type) of the entry ``key`` names, else None."""
        hit = self.exact.get(key.lower())
        if hit is not None or not self._raw_templates:
            return hit
        if self._compiled is None:
            self._compiled = [(_template_matcher(n), n, t) for n, t in self._raw_templates]
        low = key.lower()
        for matches, name, type_ in self._compiled:
            if matches(low):
                return name, type_
        return None

    def names(self) -> list[str]:
        return [n for n, _ in self.exact.values()] + [n for n, _ in self._raw_templates]


@lru_cache(maxsize=1024)
def service_keys(cat: Catalog, prefix: str) -> KeyTable | None:
    """Every condition key that the catalog lists in service ``prefix``'s file, None for a service the
    catalog does not know. A service file may list another prefix's keys (sts lists ``saml:`` keys)."""
    keys = cat.condition_keys(prefix)
    return None if keys is None else KeyTable(keys)


def known_prefix(cat: Catalog, key: str) -> str | None:
    """The lower-case service prefix of a ``service:key`` whose service the catalog knows, else None."""
    prefix, sep, rest = key.partition(":")
    if not sep or not rest:
        return None
    low = prefix.lower()
    return low if low in cat.prefixes() else None


def lookup(cat: Catalog, key: str, also: tuple[str, ...] = ()) -> KeyInfo | None:
    """The key ``key`` names: a global key, else a key of its own service in the catalog, else one that
    the service files of ``also`` (the statement's action prefixes) list. None when none knows it.

    ``also`` matters for the few keys the catalog lists only under the service that uses them
    (``ec2:osuser`` under ec2-instance-connect, ``identitystore:GroupId`` under q).
    """
    found = global_key(key)
    if found is not None:
        return found
    prefix = known_prefix(cat, key)
    own = (prefix,) if prefix is not None else ()
    if not own and key[:4].lower() != "aws:":
        return None
    for p in (*own, *also):
        table = service_keys(cat, p)
        hit = table.find(key) if table is not None else None
        if hit is not None:
            return KeyInfo(hit[0], hit[1], False, hit[1].startswith("ArrayOf") if hit[1] else None)
    return None


_MEMO: dict[tuple[Catalog, tuple[str, ...]], dict[str, KeyInfo | None]] = {}
_PLAIN: dict[Catalog, dict[str, KeyInfo | None]] = {}
_MISSING = object()


def lookup_memo(cat: Catalog, key: str, also: tuple[str, ...] = ()) -> KeyInfo | None:
    """:func:`lookup`, memoised per (catalog, other prefixes) in a plain dictionary keyed by the key as
    written: rules ask this for every condition of every statement, and a str lookup is the cheapest."""
    if not also:
        plain = _PLAIN.get(cat)
        if plain is not None:
            found = plain.get(key, _MISSING)
            if found is not _MISSING:
                return found  # type: ignore[return-value]  # not the _MISSING sentinel
    memo = _MEMO.get((cat, also))
    if memo is None:
        if len(_MEMO) > 4096:
            _MEMO.clear()
            _PLAIN.clear()
        memo = _MEMO[(cat, also)] = {}
        if not also:
            _PLAIN[cat] = memo
    found = memo.get(key, _MISSING)
    if found is _MISSING:
        found = memo[key] = lookup(cat, key, also)
    return found  # type: ignore[return-value]  # not the _MISSING sentinel


def action_prefixes(actions: tuple[str, ...] | None) -> tuple[str, ...]:
    """The distinct service prefixes (without wildcards) of a statement's lower-case action patterns."""
    if not actions:
        return ()
    out: list[str] = []
    for a in actions:
        p = a.partition(":")[0]
        if p and "*" not in p and "?" not in p and p not in out:
            out.append(p)
    return tuple(out)


def _candidates(cat: Catalog, key: str) -> list[str]:
    """Key names a misspelling of ``key`` may have meant: the global keys for ``aws:`` (tag families as
    templates), else the keys of the key's own service."""
    prefix = key.partition(":")[0].lower()
    if prefix == "aws" or ":" not in key:
        return [*GLOBAL_KEYS, *(f + "${TagKey}" for f in GLOBAL_FAMILIES)]
    table = service_keys(cat, prefix)
    if table is None:
        return []
    return [n for n in table.names() if n.lower().startswith(prefix + ":")]


@lru_cache(maxsize=4096)
def suggest_key(cat: Catalog, key: str) -> str | None:
    """The nearest real key to a misspelt one, or None. A template keeps the key's own suffix:
    ``aws:ResourceTags/team`` → ``aws:ResourceTag/team``. Memoised: difflib is the slow part."""
    import difflib

    if ":" not in key and global_key("aws:" + key) is not None:
        return global_key("aws:" + key).name  # type: ignore[union-attr]  # not None: tested just above
    candidates = _candidates(cat, key)
    low = key.lower()
    head, slash, tail = low.partition("/")
    if slash and tail:
        heads: dict[str, str] = {}
        for c in candidates:
            m = _PLACEHOLDER.search(c)
            if m is not None and c[: m.start()].endswith("/"):
                heads.setdefault(c[: m.start()].lower(), c[: m.start()])
        close = difflib.get_close_matches(head + "/", list(heads), n=1, cutoff=0.75)
        if close:
            return heads[close[0]] + key[len(head) + 1 :]
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(low, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


class _Supporters:
    """For one service: which of its actions support each key they list (their own keys and their
    resource types' keys), and which actions the catalog knows by name only."""

    __slots__ = ("exact", "observed", "templates")

    def __init__(self, cat: Catalog, prefix: str) -> None:
        svc = cat.service(prefix)
        by_key: dict[str, set[str]] = {}
        self.observed: frozenset[str] = frozenset()
        if svc is not None:
            rt_keys = {name: rt.condition_keys for name, rt in svc.resource_types.items()}
            observed = []
            for low, a in svc.actions.items():
                if a.observed:
                    observed.append(low)
                    continue
                for k in a.condition_keys:
                    by_key.setdefault(k, set()).add(low)
                for rt, _required in a.resource_types:
                    for k in rt_keys.get(rt, ()):
                        by_key.setdefault(k, set()).add(low)
            self.observed = frozenset(observed)
        self.exact: dict[str, frozenset[str]] = {}
        self.templates: list[tuple[Callable[[str], bool], frozenset[str]]] = []
        for k, actions in by_key.items():
            if _PLACEHOLDER.search(k):
                self.templates.append((_template_matcher(k), frozenset(actions)))
            else:
                self.exact[k.lower()] = self.exact.get(k.lower(), frozenset()) | actions

    def of(self, key: str) -> frozenset[str]:
        """Lower-case names of the actions that support ``key`` (every entry it matches, exact or template)."""
        low = key.lower()
        out = self.exact.get(low, frozenset())
        for matches, actions in self.templates:
            if matches(low):
                out = out | actions
        return out


@lru_cache(maxsize=1024)
def supporters(cat: Catalog, prefix: str) -> _Supporters:
    """:class:`_Supporters` of service ``prefix`` (empty for a service the catalog does not know)."""
    return _Supporters(cat, prefix)


def near_miss(key: str, suggestion: str | None) -> bool:
    """True when ``suggestion`` is so close to ``key`` that ``key`` is a typo of it rather than a key
    newer than the reference data (a new key is rarely one or two letters away from an old one)."""
    import difflib

    if suggestion is None:
        return False
    return difflib.SequenceMatcher(None, key.lower(), suggestion.lower()).ratio() >= 0.85


def absent_result(cond: Condition) -> bool:
    """What the condition evaluates to when its key is not in the request, as IAM documents it (and as
    :func:`mantlekit.iam.conditions.evaluate` implements it): a key nobody sends is always absent."""
    if cond.base == "null":
        return any(v.strip().lower() == "true" for v in cond.values)
    if cond.if_exists or cond.qualifier == "forallvalues":
        return True
    if cond.qualifier == "foranyvalue":
        return False
    return cond.base in NEGATED
