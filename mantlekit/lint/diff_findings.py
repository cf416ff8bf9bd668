"""The findings half of ``mantle-lint diff``: which findings of two lint runs are new and which are fixed.

Split from :mod:`mantlekit.lint.diff`, which compares access and calls :func:`compare_findings` once with two
:class:`_Anchors`. A finding is matched across the sides by what it says and the statement it points into,
never by its line alone, so moving a statement within a file or to another file changes no finding.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mantlekit.iam.locate import Path
from mantlekit.lint.findings import Finding

if TYPE_CHECKING:
    from mantlekit.lint.diff import _Keys

_NUMBERS = re.compile(r"(?<=[:\s])\d+(?=[:\s,)]|$)|\bline \d+")


def _norm_message(message: str) -> str:
    """A message with line and column numbers taken out (messages cite other statements' lines)."""
    return _NUMBERS.sub("#", message)


class _Anchors:
    """The stable key of the place a finding points at: the statement whose lines hold it (its normalised
    content), else the stripped text of its line. Files are read again only for findings left over after
    the exact match, so a large unchanged tree costs nothing here."""

    def __init__(self, root: str, keys: _Keys) -> None:
        self.root = root
        self.keys = keys
        self._spans: dict[str, tuple[list[tuple[int, int, str]], list[str]]] = {}

    def _load(self, file: str) -> tuple[list[tuple[int, int, str]], list[str]]:
        import os

        from mantlekit.lint.readers import read_file

        path = file if os.path.isabs(file) else os.path.join(self.root, file)
        spans: list[tuple[int, int, str]] = []
        try:
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            return spans, []
        for doc in read_file(path).documents:
            for st in doc.statements:
                start = st.line
                end = max([start, *(st.location(*sub)[0] for sub in _leaf_paths(st.raw))])
                spans.append((start, end, self.keys.statement(st)))
        return spans, lines

    def __call__(self, f: Finding) -> str:
        if f.file.startswith("<"):
            return ""
        if f.file not in self._spans:
            self._spans[f.file] = self._load(f.file)
        spans, lines = self._spans[f.file]
        inside = [s for s in spans if s[0] <= f.line <= s[1]]
        if inside:
            return "st:" + min(inside, key=lambda s: s[1] - s[0])[2]  # the innermost
        text = lines[f.line - 1].strip() if 0 < f.line <= len(lines) else ""
        return "line:" + text


def _leaf_paths(raw: Any, prefix: Path = ()) -> Iterable[Path]:
    if isinstance(raw, dict):
        for k, v in raw.items():
            yield (*prefix, k)
            yield from _leaf_paths(v, (*prefix, k))
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            yield (*prefix, i)
            yield from _leaf_paths(v, (*prefix, i))


def compare_findings(
    base: Sequence[Finding],
    head: Sequence[Finding],
    rename: dict[str, str],
    anchors_base: Callable[[Finding], str],
    anchors_head: Callable[[Finding], str],
) -> tuple[list[Finding], list[Finding]]:
    """(new, fixed): head findings with no counterpart in base, and base findings with none in head.

    Matched in rounds, each on what is left: exactly (same place, same message); by rule, principal, file,
    message without numbers and the key of the statement it points into (the statement moved within the
    file); the same without the file (it moved to another file). ``rename`` maps base principal names to
    their head counterparts (an inferred key is named after its file).
    """

    def who(f: Finding, side_base: bool) -> str | None:
        return rename.get(f.principal, f.principal) if side_base and f.principal is not None else f.principal

    rounds: list[Callable[[Finding, bool], tuple[Hashable, ...]]] = [
        lambda f, sb: (f.rule, who(f, sb), f.file, f.line, f.column, f.message),
        lambda f, sb: (f.rule, who(f, sb), f.file, _norm_message(f.message), (anchors_base if sb else anchors_head)(f)),
        lambda f, sb: (f.rule, who(f, sb), _norm_message(f.message), (anchors_base if sb else anchors_head)(f)),
    ]
    left_b, left_h = list(base), list(head)
    for key in rounds:
        if not left_b or not left_h:
            break
        pool: dict[tuple[Hashable, ...], list[Finding]] = defaultdict(list)
        for f in left_b:
            pool[key(f, True)].append(f)
        rest_h = []
        for f in left_h:
            bucket = pool.get(key(f, False))
            if bucket:
                bucket.pop()
            else:
                rest_h.append(f)
        left_b = [f for fs in pool.values() for f in fs]
        left_h = rest_h
    return sorted(left_h, key=Finding.sort_key), sorted(left_b, key=Finding.sort_key)
