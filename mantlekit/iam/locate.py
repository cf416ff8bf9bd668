"""Find where a value sits in a JSON text, lazily.

``json.loads`` is fast but forgets positions. Most documents never need one (only those with a finding
or an error do), so positions are computed on demand by a structural scan of the raw text and cached per
document. The scan trusts that the text already parsed as JSON.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Hashable
from typing import Any

Path = tuple[Hashable, ...]
Locator = Callable[[Path], tuple[int, int]]

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


class JsonLocator:
    """Maps a path of keys and indexes (``("Statement", 2, "Action")``) to a 1-based (line, column)."""

    __slots__ = ("_index", "_newlines", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._index: dict[Path, int] | None = None
        self._newlines: list[int] | None = None

    def __call__(self, path: Path) -> tuple[int, int]:
        if self._index is None:
            self._index = _scan(self._text)
        # The nearest enclosing path that is known (a key may have been given as a scalar).
        p = tuple(path)
        while p not in self._index and p:
            p = p[:-1]
        return self.position(self._index.get(p, 0))

    def position(self, offset: int) -> tuple[int, int]:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self._text)]
        line = bisect_right(self._newlines, offset - 1)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1


def _scan(text: str) -> dict[Path, int]:
    """Offsets of every value in a JSON text, keyed by path. Iterative, so depth is no problem."""
    out: dict[Path, int] = {}
    # Each frame: [path, is_object, next_index_or_key, expecting_key]
    stack: list[list[Any]] = []
    pending_key: Hashable | None = None
    path: Path = ()
    for m in _TOKEN.finditer(text):
        tok = m.group()
        pos = m.start()
        if stack:
            frame = stack[-1]
            if frame[1]:  # inside an object
                if tok == "}":
                    stack.pop()
                    continue
                if tok in ",":
                    frame[3] = True
                    continue
                if tok == ":":
                    frame[3] = False
                    continue
                if frame[3]:
                    try:
                        pending_key = json.loads(tok)
                    except ValueError:
                        pending_key = tok
                    continue
                path = (*frame[0], pending_key)
            else:  # inside an array
                if tok == "]":
                    stack.pop()
                    continue
                if tok == ",":
                    continue
                path = (*frame[0], frame[2])
                frame[2] += 1
        else:
            path = ()
        out[path] = pos  # a duplicated key: the last one wins, as in json.loads
        if tok == "{":
            stack.append([path, True, None, True])
        elif tok == "[":
            stack.append([path, False, 0, False])
    return out


class RemapLocator:
    """Positions of a resolved document through the paths of the input it came from.

    A reader that rewrites a document before parsing it (a template's resolved intrinsics, a statement split
    into variants, a document kept as a JSON string) maps each path of the parsed document back to where
    the source text holds it: ``remap`` sends path prefixes to source paths, and a ``clamp`` prefix (a string
    document) points everything below it at the string itself.
    """

    __slots__ = ("base", "clamp", "remap")

    def __init__(self, base: Locator | None, remap: dict[Path, Path], clamp: Path | None = None) -> None:
        self.base = base
        self.remap = remap
        self.clamp = clamp

    def __call__(self, path: Path) -> tuple[int, int]:
        p = tuple(path)
        if self.clamp is not None and p[: len(self.clamp)] == self.clamp:
            p = self.clamp
        for n in range(len(p), 0, -1):
            target = self.remap.get(p[:n])
            if target is not None:
                p = target + p[n:]
                break
        return self.base(p) if self.base is not None else (1, 1)
