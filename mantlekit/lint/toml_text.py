"""TOML text the configuration is read from: where a key is (tomllib gives no positions) and what a value's
type is called in a message. Apart from :mod:`mantlekit.lint.config` so that loading stays one module and
the text scanning another."""

from __future__ import annotations

import re
from typing import Any

_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-.\"' ]+?)\s*\]\]?\s*(?:#.*)?$")


def _split_dotted(name: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', name))


class KeyLines:
    """Finds the line of a key in TOML text. tomllib gives no positions, so this scans the text: table
    headers, ``key =`` at the start of a line or inside an inline table, and quoted values."""

    def __init__(self, text: str, prefix: tuple[str, ...] = ()) -> None:
        self.lines = text.splitlines()
        self.prefix = prefix
        #: (1-based line, dotted parts, is array of tables)
        self.headers: list[tuple[int, tuple[str, ...], bool]] = []
        for i, line in enumerate(self.lines, 1):
            m = _HEADER_RE.match(line)
            if m:
                self.headers.append((i, _split_dotted(m[2]), m[1] == "[["))

    def _range(self, parts: tuple[str, ...], index: int | None = None) -> tuple[int, int] | None:
        full = self.prefix + parts
        if not full:
            end = self.headers[0][0] - 1 if self.headers else len(self.lines)
            return (1, max(end, 1))
        hits = [k for k, (_, p, _a) in enumerate(self.headers) if p == full]
        if not hits:
            return None
        k = hits[index] if index is not None and index < len(hits) else hits[0]
        start = self.headers[k][0]
        end = self.headers[k + 1][0] - 1 if k + 1 < len(self.headers) else len(self.lines)
        return (start, end)

    def _is_array(self, parts: tuple[str, ...]) -> bool:
        full = self.prefix + parts
        return any(p == full and a for _, p, a in self.headers)

    def _find(self, rng: tuple[int, int], pattern: re.Pattern[str]) -> int | None:
        for n in range(rng[0], min(rng[1], len(self.lines)) + 1):
            if pattern.search(self.lines[n - 1]):
                return n
        return None

    def line(self, *path: str | int, value: str | None = None) -> int:
        """Line of ``path`` (keys and array indexes, e.g. ``("principal", 2, "needs")``); with ``value``, the
        line of that quoted string at or after the key. Falls back to the nearest enclosing place found."""
        table: tuple[str, ...] = ()
        rng = self._range(()) or (1, max(len(self.lines), 1))
        line = rng[0]
        i = 0
        while i < len(path):
            key = path[i]
            nxt = path[i + 1] if i + 1 < len(path) else None
            if isinstance(key, str) and isinstance(nxt, int) and self._is_array((*table, key)):
                r = self._range((*table, key), nxt)
                if r:
                    table, rng, line = (*table, key), r, r[0]
                    i += 2
                    continue
            if isinstance(key, str) and self._range((*table, key)) is not None:
                r = self._range((*table, key))
                assert r is not None
                table, rng, line = (*table, key), r, r[0]
                i += 1
                continue
            if isinstance(key, str):
                pat = re.compile(r"(?:^|[\s{,])[\"']?" + re.escape(key) + r"[\"']?\s*=(?!=)")
                found = self._find((line, rng[1]), pat)
                if found is not None:
                    line = found
            i += 1
        if value is not None:
            quoted = re.compile(r"[\"']" + re.escape(value) + r"[\"']")
            found = self._find((line, rng[1]), quoted)
            if found is not None:
                return found
        return line


def type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def a_type(typ: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a number", list: "a list", dict: "a table"}
    if isinstance(typ, tuple):
        return " or ".join(names.get(t, t.__name__) for t in typ)
    return names.get(typ, typ.__name__)
