"""Finding and lazily reading a catalog: the bundled one, or the user's refreshed one when it is newer."""

from __future__ import annotations

import functools
import heapq
import json
import os
import re
import threading
from pathlib import Path

from mantlekit.catalog.model import (
    INDEX_FILE,
    SERVICES_DIR,
    ActionInfo,
    CatalogFormatError,
    ServiceInfo,
    decode_service,
    read_index,
)

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
        self._services: dict[str, ServiceInfo] = {}
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

    def service(self, prefix: str) -> ServiceInfo | None:
        key = prefix.lower()
        svc = self._services.get(key)
        if svc is not None or key not in self._names:
            return svc
        path = self.directory / SERVICES_DIR / f"{key}.json"
        try:
            svc = decode_service(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as e:
            raise CatalogFormatError(f"{path}: {e}") from e
        with self._lock:
            return self._services.setdefault(key, svc)

    def services(self) -> list[ServiceInfo]:
        """Every service (reads every service file)."""
        return [s for p in sorted(self._names) if (s := self.service(p)) is not None]

    def action(self, full_name: str) -> ActionInfo | None:
        prefix, sep, name = full_name.partition(":")
        if not sep or not name:
            return None
        svc = self.service(prefix)
        return svc.actions.get(name.lower()) if svc is not None else None

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
        plain = "*" not in name_pat and "?" not in name_pat
        name_re = None if plain else _pattern_regex(name_pat)
        out: list[str] = []
        for p in prefixes:
            svc = self.service(p)
            if svc is None:
                continue
            if name_re is None:
                a = svc.actions.get(name_pat.lower())
                if a is not None:
                    out.append(a.full_name)
            else:
                out.extend(sorted((a.full_name for k, a in svc.actions.items() if name_re.fullmatch(k)), key=str.lower))
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
        svc = self.service(key)
        if svc is None or not svc.actions:
            return None
        exact = svc.actions.get(name.lower())
        if exact is not None:
            return exact.full_name
        # difflib over every action of a large service is slow; shortlist by shared letter pairs first.
        q = _bigrams(name.lower())
        grams = self._grams.get(svc.prefix)
        if grams is None:
            grams = self._grams[svc.prefix] = {k: _bigrams(k) for k in svc.actions}
        shortlist = heapq.nlargest(8, grams, key=lambda k: len(q & grams[k]) / (len(q | grams[k]) or 1))
        close = difflib.get_close_matches(name.lower(), shortlist, n=1, cutoff=0.6)
        return svc.actions[close[0]].full_name if close else None


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


get_catalog.cache_clear = _cache_clear  # type: ignore[attr-defined]
