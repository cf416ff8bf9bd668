"""Find where a value sits in a JSON text, lazily.

``json.loads`` is fast but forgets positions. Most documents never need one (only those with a finding
or an error do), so positions are found on demand and cached per document. The text is trusted to have
parsed as JSON already.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Hashable
from itertools import accumulate

Path = tuple[Hashable, ...]
Locator = Callable[[Path], tuple[int, int]]

#: Decodes one value and says where it ends: skipping a value this way runs in C.
_SKIP = json.JSONDecoder().raw_decode
#: JSON whitespace. It matches at every offset (possibly empty), so ``_BLANK.match(...)`` is never None: the
#: ``union-attr`` ignores on its ``.end()`` below rest on that.
_BLANK = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_PLUS_ONE = (1).__add__


def _ends(text: str, sep: str) -> list[int]:
    """For each ``sep`` in ``text``, the offset just past it (then ``len(text) + 1``), by C calls only."""
    return list(accumulate(map(_PLUS_ONE, map(len, text.split(sep)))))


class JsonLocator:
    """Maps a path of keys and indexes (``("Statement", 2, "Action")``) to a 1-based (line, column).

    Only the containers on the asked path are indexed, each once: a key's value or an array's element is
    skipped by the C decoder rather than walked token by token, and a list of strings is indexed by where
    its quotes are. A policy with findings in a large file (ReadOnlyAccess: 1,800 actions) used to pay for
    a Python loop over every token of the text, which made placing findings a quarter of the rules' time
    on the AWS managed policies.
    """

    __slots__ = ("_index", "_lines", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        #: Container offset -> where the value of each of its keys (an object) or indexes (an array) starts.
        self._index: dict[int, dict[Hashable, int] | _Strings] = {}
        self._lines: list[int] | None = None

    def __call__(self, path: Path) -> tuple[int, int]:
        # The nearest enclosing path that is there (a key may have been given as a scalar).
        offset = _BLANK.match(self._text).end()  # type: ignore[union-attr]  # _BLANK always matches
        for step in path:
            children = self._index.get(offset)
            if children is None:
                children = self._index[offset] = _children(self._text, offset)
            found = children.get(step)
            if found is None:
                break
            offset = found
        return self.position(offset if offset < len(self._text) else 0)

    def position(self, offset: int) -> tuple[int, int]:
        if self._lines is None:
            self._lines = _ends(self._text, "\n")[:-1]  # where the second and later lines start
        line = bisect_right(self._lines, offset)
        return line + 1, offset - (self._lines[line - 1] if line else 0) + 1


class _Strings:
    """The elements of a list of strings without escapes, from where its quotes are: every quote in it
    opens or closes one of them."""

    __slots__ = ("_ends", "_offset")

    def __init__(self, text: str, offset: int, end: int) -> None:
        self._offset = offset
        self._ends = _ends(text[offset:end], '"')

    def get(self, step: Hashable) -> int | None:
        if isinstance(step, int) and 0 <= step < len(self._ends) // 2:
            return self._offset + self._ends[2 * step] - 1
        return None


def _children(text: str, offset: int) -> dict[Hashable, int] | _Strings:
    """Where the values inside the object or array at ``offset`` start ({} for a scalar). Of a key written
    twice, the last (the one ``json.loads`` keeps)."""
    out: dict[Hashable, int] = {}
    blank = _BLANK.match
    opening = text[offset : offset + 1]
    if opening not in ("{", "["):
        return out
    if opening == "[":
        items, end = _SKIP(text, offset)
        try:
            "".join(items)  # a TypeError unless every element is a string: one C call instead of a loop
        except TypeError:
            pass
        else:
            if "\\" not in text[offset:end]:
                return _Strings(text, offset, end)
            return dict(enumerate([m.start() for m in _STRING.finditer(text, offset, end)]))
    closing = "}" if opening == "{" else "]"
    i = blank(text, offset + 1).end()  # type: ignore[union-attr]  # _BLANK always matches
    n = 0
    while text[i] != closing:
        if opening == "{":
            key, i = _SKIP(text, i)
            i = blank(text, blank(text, i).end() + 1).end()  # type: ignore[union-attr]  # past the colon
            out[key] = i
        else:
            out[n] = i
            n += 1
        i = blank(text, _SKIP(text, i)[1]).end()  # type: ignore[union-attr]  # _BLANK always matches
        if text[i] == ",":
            i = blank(text, i + 1).end()  # type: ignore[union-attr]  # _BLANK always matches
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
