"""Finding and lazily reading a catalog: the bundled one, or the user's refreshed one when it is newer."""

from __future__ import annotations

import bisect
import functools
import heapq
import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mantlekit.catalog.model import (
    INDEX_FILE,
    SERVICES_DIR,
    ActionInfo,
    CatalogFormatError,
    ResourceTypeInfo,
    ServiceInfo,
    decode_action,
    decode_resource_type,
    decode_service,
    read_condition_keys,
    read_index,
)

_T = TypeVar("_T")

#: The catalog shipped inside the package.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "catalog"
ENV_DIR = "MANTLEKIT_CATALOG_DIR"


def user_catalog_dir() -> Path:
    """Where ``mantle-lint catalog update`` writes: ``$MANTLEKIT_CATALOG_DIR``, else
    ``$XDG_DATA_HOME/mantlekit/catalog``, else ``~/.local/share/mantlekit/catalog``."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "mantlekit" / "catalog"


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard (``*`` any run, ``?`` one character), case-insensitive."""
    out = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(out, re.IGNORECASE | re.DOTALL)


def _wildcard_predicate(pattern: str) -> Callable[[str], bool] | None:
    """A test for lower-case names against a lower-case IAM wildcard; None when ``pattern`` has none.

    Most action patterns have one ``*`` (``get*``, ``*tags``); those are two string comparisons instead of
    compiling a regular expression per pattern, which cost more than everything else ``expand`` does.
    """
    stars = pattern.count("*")
    if "?" not in pattern:
        if stars == 0:
            return None
        if stars == 1:
            head, _, tail = pattern.partition("*")
            least = len(head) + len(tail)
            return lambda k: len(k) >= least and k.startswith(head) and k.endswith(tail)
    regex = _pattern_regex(pattern)
    return lambda k: regex.fullmatch(k) is not None


class Catalog:
    """An action catalog on disk. Reads ``index.json`` at construction and each service file on first use."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        index = read_index(self.directory)
        self.date: str = index["date"]
        self.source: str = index["source"]
        self.note: str = index.get("note", "") if isinstance(index.get("note"), str) else ""
        self._names: dict[str, str] = {k.lower(): str(v) for k, v in index["services"].items()}
        self._prefixes = frozenset(self._names)
        listed = index.get("actions")
        self._listed: dict[str, str] = (
            {k.lower(): v for k, v in listed.items() if isinstance(k, str) and isinstance(v, str)}
            if isinstance(listed, dict)
            else {}
        )
        origin = index.get("origin")
        #: Where the data came from: ``{"name", "version", "date"}`` ({} for catalogs that do not say).
        self.origin: dict[str, str] = (
            {k: v for k, v in origin.items() if isinstance(k, str) and isinstance(v, str)}
            if isinstance(origin, dict)
            else {}
        )
        gone = index.get("retired_services")
        self._retired_services: dict[str, str] = (
            {k.lower(): str(v) for k, v in gone.items() if isinstance(k, str)} if isinstance(gone, dict) else {}
        )
        retired = index.get("retired")
        # Kept as the raw strings: a lint run that meets no unknown action never needs them split.
        self._retired_raw: dict[str, str] = (
            {k.lower(): v for k, v in retired.items() if isinstance(k, str) and isinstance(v, str)}
            if isinstance(retired, dict)
            else {}
        )
        self._retired: dict[str, dict[str, str]] = {}
        observed = index.get("retired_observed")
        self._observed_raw: dict[str, str] = (
            {k.lower(): v for k, v in observed.items() if isinstance(k, str) and isinstance(v, str)}
            if isinstance(observed, dict)
            else {}
        )
        rcp = index.get("rcp_services")
        self._rcp: frozenset[str] | None = (
            frozenset(x.lower() for x in rcp if isinstance(x, str)) if isinstance(rcp, list) else None
        )
        self._action_names: dict[str, dict[str, str]] = {}
        self._sorted_names: dict[str, list[str]] = {}
        self._known: frozenset[str] | None = None
        self._services: dict[str, ServiceInfo] = {}
        self._docs: dict[str, dict[str, Any]] = {}
        self._actions: dict[str, ActionInfo | None] = {}
        self._resource_types: dict[tuple[str, str], ResourceTypeInfo | None] = {}
        self._keys: dict[str, dict[str, str]] | None = None
        self._keys_read = False
        self._lock = threading.Lock()
        self._suggestions: dict[str, str | None] = {}
        self._grams: dict[str, dict[str, frozenset[str]]] = {}

    def __repr__(self) -> str:
        return f"Catalog({str(self.directory)!r}, date={self.date!r}, services={len(self._names)})"

    def prefixes(self) -> frozenset[str]:
        return self._prefixes

    def service_name(self, prefix: str) -> str | None:
        """The service's name from the index (no service file read)."""
        return self._names.get(prefix.lower())

    def retired_service(self, prefix: str) -> str | None:
        """The name of a service AWS no longer lists (an earlier catalog knew it), else None."""
        return self._retired_services.get(prefix.lower())

    def retired_names(self, prefix: str) -> dict[str, str]:
        """Lower-case name → spelling of the retired actions of one service (live or retired)."""
        key = prefix.lower()
        names = self._retired.get(key)
        if names is None:
            names = self._retired[key] = {n.lower(): n for n in self._retired_raw.get(key, "").split()}
        return names

    def retired_actions(self) -> dict[str, tuple[str, ...]]:
        """Every retired action, per prefix (for ``catalog update``, which carries them over)."""
        return {p: tuple(self.retired_names(p).values()) for p in sorted(self._retired_raw)}

    def retired_services(self) -> dict[str, str]:
        return dict(self._retired_services)

    def retired_observed(self) -> dict[str, tuple[str, ...]]:
        """The retired actions no AWS reference data ever listed (known only from AWS managed policies)."""
        return {p: tuple(v.split()) for p, v in sorted(self._observed_raw.items())}

    def only_observed(self, full_names: tuple[str, ...]) -> bool:
        """True when every one of these retired ``service:Action`` names was known only from AWS managed
        policies: the linter then says "retired or never an action" rather than "no longer listed"."""
        if not full_names:
            return False
        for full in full_names:
            prefix, _, name = full.lower().partition(":")
            if name not in self._observed_raw.get(prefix, "").lower().split():
                return False
        return True

    def retired_match(self, pattern: str) -> tuple[str, ...]:
        """Canonical names of the retired actions an action pattern (wildcards allowed, one prefix) names."""
        prefix, sep, name = pattern.partition(":")
        if not sep or not name or "*" in prefix or "?" in prefix:
            return ()
        names = self.retired_names(prefix)
        if not names:
            return ()
        key = prefix.lower()
        matches = _wildcard_predicate(name.lower())
        if matches is None:
            found = names.get(name.lower())
            return (f"{key}:{found}",) if found else ()
        return tuple(f"{key}:{names[k]}" for k in sorted(names) if matches(k))

    def rcp_services(self) -> frozenset[str] | None:
        """Prefixes of the services that resource control policies (RCPs) apply to; None when the catalog
        does not say (catalogs written before mantlekit recorded it)."""
        return self._rcp

    def service(self, prefix: str) -> ServiceInfo | None:
        key = prefix.lower()
        svc = self._services.get(key)
        if svc is not None or key not in self._names:
            return svc
        svc = self._decoded(key, decode_service)
        with self._lock:
            return self._services.setdefault(key, svc)

    def _decoded(self, key: str, decode: Callable[[dict[str, Any]], _T]) -> _T:
        """``decode`` applied to the service file of ``key`` (a prefix the index lists), which is read once
        and kept as parsed JSON: single actions and resource types are built from it on demand. The file's
        path is built only to read it or to name it in an error: two pathlib joins cost more than the rest
        of a call on a decoded file (a lint of the AWS managed policies makes 592 calls for 57 files)."""
        try:
            doc = self._docs.get(key)
            if doc is None:
                text = self._service_path(key).read_text(encoding="utf-8")
                doc = self._docs.setdefault(key, json.loads(text))
            return decode(doc)
        except (OSError, ValueError) as e:
            raise CatalogFormatError(f"{self._service_path(key)}: {e}") from e

    def _service_path(self, key: str) -> Path:
        return self.directory / SERVICES_DIR / f"{key}.json"

    def condition_keys(self, prefix: str) -> dict[str, str] | None:
        """The condition keys (name -> type) that service ``prefix``'s file lists, None for a prefix the
        catalog does not know: what :meth:`service` would give as ``condition_keys``, from the catalog's
        one file of keys when it has it (read on first use), so no service file is decoded for them."""
        key = prefix.lower()
        if key not in self._names:
            return None
        if not self._keys_read:
            self._keys = read_condition_keys(self.directory)
            self._keys_read = True
        if self._keys is not None:
            found = self._keys.get(key)
            if found is not None:
                return found
        svc = self.service(key)
        return svc.condition_keys if svc is not None else None

    def services(self) -> list[ServiceInfo]:
        """Every service (reads every service file)."""
        return [s for p in sorted(self._names) if (s := self.service(p)) is not None]

    def action(self, full_name: str) -> ActionInfo | None:
        """The action ``service:Action`` (any case), None when the catalog has no such action. Built alone
        from its service file unless the whole service has been decoded already (memoised)."""
        prefix, sep, name = full_name.partition(":")
        if not sep or not name:
            return None
        key, low = prefix.lower(), name.lower()
        svc = self._services.get(key)
        if svc is not None:
            return svc.actions.get(low)
        full = f"{key}:{low}"
        if full in self._actions:
            return self._actions[full]
        canonical = self.action_names(key).get(low)
        found = None if canonical is None else self._decoded(key, lambda doc: decode_action(doc, canonical))
        self._actions[full] = found
        return found

    def resource_type(self, prefix: str, name: str) -> ResourceTypeInfo | None:
        """Resource type ``name`` (exact spelling, as an action lists it) of service ``prefix``, or None;
        built alone, like :meth:`action`."""
        key = prefix.lower()
        svc = self._services.get(key)
        if svc is not None:
            return svc.resource_types.get(name)
        if key not in self._names:
            return None
        if (key, name) not in self._resource_types:
            self._resource_types[key, name] = self._decoded(key, lambda doc: decode_resource_type(doc, name))
        return self._resource_types[key, name]

    def action_names(self, prefix: str) -> dict[str, str]:
        """Lower-case action name → the action's own spelling, for one service ({} for an unknown prefix).

        Answered from the index's name lists when it has them: a lint run asks this for hundreds of
        services and needs nothing else from most of them, so their service files are never decoded.
        """
        key = prefix.lower()
        names = self._action_names.get(key)
        if names is None:
            if key not in self._names:
                return {}
            listed = self._listed.get(key)
            if listed is not None:
                names = {n.lower(): n for n in listed.split()}
            else:
                svc = self.service(key)
                names = {k: a.name for k, a in svc.actions.items()} if svc is not None else {}
            self._action_names[key] = names
        return names

    def known_actions(self) -> frozenset[str]:
        """Every action as a lower-case ``service:action`` (about 22,000), built once per catalog.

        For large runs: one set lookup answers "is this a real action?" without a Python call, and a
        parent process builds it once before forking its workers.
        """
        if self._known is None:
            known: set[str] = set()
            for prefix in self._names:
                listed = self._listed.get(prefix)
                if listed is not None:
                    if listed:
                        known.update(f"{prefix}:{listed.lower().replace(' ', f' {prefix}:')}".split(" "))
                else:
                    known.update(f"{prefix}:{k}" for k in self.action_names(prefix))
            self._known = frozenset(known)
        return self._known

    def has_action(self, full_name: str) -> bool:
        """True when ``service:Action`` (no wildcards, any case) is an action of the catalog."""
        prefix, sep, name = full_name.partition(":")
        return bool(sep) and name.lower() in self.action_names(prefix)

    def matches_any(self, pattern: str) -> bool:
        """True when an IAM action pattern (wildcards allowed) matches at least one action: ``expand``
        without building the list, and a binary search for the common ``Prefix*`` shape."""
        prefix_pat, sep, name_pat = pattern.lower().partition(":")
        if not sep or not prefix_pat or not name_pat:
            return False
        if "*" in prefix_pat or "?" in prefix_pat:
            return bool(self.expand(pattern))
        matches = _wildcard_predicate(name_pat)
        if matches is None:
            return name_pat in self.action_names(prefix_pat)
        ordered = self._lower_names(prefix_pat)
        head = name_pat.split("*", 1)[0].split("?", 1)[0]
        if not head:
            return any(matches(k) for k in ordered)
        for k in ordered[bisect.bisect_left(ordered, head) :]:
            if not k.startswith(head):
                return False
            if matches(k):
                return True
        return False

    def _lower_names(self, prefix: str) -> list[str]:
        """A service's lower-case action names, sorted; from the index's name list when there is one,
        without building :meth:`action_names` (written sorted, so the sort is one linear pass)."""
        ordered = self._sorted_names.get(prefix)
        if ordered is None:
            listed = self._listed.get(prefix) if prefix in self._names else None
            if listed is not None:
                ordered = listed.lower().split()
                ordered.sort()
            else:
                ordered = sorted(self.action_names(prefix))
            self._sorted_names[prefix] = ordered
        return ordered

    def expand(self, pattern: str) -> tuple[str, ...]:
        """Canonical full names of the actions matching an IAM action pattern (``*`` and ``?``), sorted."""
        prefix_pat, sep, name_pat = pattern.partition(":")
        if not sep or not prefix_pat or not name_pat:
            return ()
        if "*" in prefix_pat or "?" in prefix_pat:
            prefix_re = _pattern_regex(prefix_pat)
            prefixes = sorted(p for p in self._prefixes if prefix_re.fullmatch(p))
        else:
            prefixes = [prefix_pat.lower()] if prefix_pat.lower() in self._prefixes else []
        matches = _wildcard_predicate(name_pat.lower())
        out: list[str] = []
        for p in prefixes:
            names = self.action_names(p)
            if matches is None:
                canonical = names.get(name_pat.lower())
                if canonical is not None:
                    out.append(f"{p}:{canonical}")
            else:
                out.extend(f"{p}:{names[k]}" for k in sorted(names) if matches(k))
        return tuple(out)

    def suggest(self, full_name: str) -> str | None:
        """The nearest real action to a misspelt one: same service (or, for an unknown prefix, the nearest
        prefix), closest name by :mod:`difflib`. None when nothing is close.

        Memoised per name: a large policy set repeats the same unknown actions, and difflib over a service
        of 700 actions is the most expensive thing a lint run does.
        """
        key = full_name.lower()
        if key not in self._suggestions:
            self._suggestions[key] = self._suggest(full_name)
        return self._suggestions[key]

    def _suggest(self, full_name: str) -> str | None:
        import difflib

        prefix, sep, name = full_name.partition(":")
        if not sep or not name:
            return None
        key = prefix.lower()
        if key not in self._prefixes:
            close = difflib.get_close_matches(key, sorted(self._prefixes), n=1, cutoff=0.75)
            if not close:
                return None
            key = close[0]
        names = self.action_names(key)
        if not names:
            return None
        exact = names.get(name.lower())
        if exact is not None:
            return f"{key}:{exact}"
        # difflib over every action of a large service is slow; shortlist by shared letter pairs first.
        q = _bigrams(name.lower())
        grams = self._grams.get(key)
        if grams is None:
            grams = self._grams[key] = {k: _bigrams(k) for k in names}
        shortlist = heapq.nlargest(8, grams, key=lambda k: len(q & grams[k]) / (len(q | grams[k]) or 1))
        close = difflib.get_close_matches(name.lower(), shortlist, n=1, cutoff=0.6)
        return f"{key}:{names[close[0]]}" if close else None


def _bigrams(s: str) -> frozenset[str]:
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


def _usable_user_catalog(directory: Path, bundled_date: str) -> bool:
    try:
        index = read_index(directory)
    except (OSError, CatalogFormatError):
        return False
    return index["date"] >= bundled_date and (directory / SERVICES_DIR).is_dir()


@functools.lru_cache(maxsize=8)
def _load(user_dir: str | None) -> Catalog:
    bundled = Catalog(BUNDLED_DIR)
    if user_dir is not None:
        path = Path(user_dir)
        if (path / INDEX_FILE).is_file() and _usable_user_catalog(path, bundled.date):
            return Catalog(path)
    return bundled


_default: list[Catalog] = []


def get_catalog(catalog_dir: str | os.PathLike[str] | None = None) -> Catalog:
    """The catalog in use (cached): the user catalog (``catalog_dir`` or :func:`user_catalog_dir`) when it
    is present, valid and not older than the bundled one, else the bundled catalog.
    ``get_catalog.cache_clear()`` forgets loaded catalogs (after an update, or in tests).

    Rules call this per document, so the default answer is memoised outright: resolving the user
    directory (environment, home) on every call cost more than the linting itself.
    """
    if catalog_dir is None:
        if not _default:
            _default.append(_load(str(user_catalog_dir())))
        return _default[0]
    return _load(str(Path(catalog_dir)))


def _cache_clear() -> None:
    _default.clear()
    _load.cache_clear()


def bundled_catalog() -> Catalog:
    return _load(None)


get_catalog.cache_clear = _cache_clear  # type: ignore[attr-defined]  # a function attribute, as lru_cache has
