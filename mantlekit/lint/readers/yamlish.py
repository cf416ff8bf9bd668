"""YAML for CloudFormation: short-form intrinsics (``!Ref``, ``!Sub``, ...) become their long forms, and
every value keeps its place in the text.

The text is composed into PyYAML nodes (libyaml when available) and turned into plain Python data here,
so that each value's path (``("Resources", "Role", "Properties", "Policies", 0)``) is recorded with its
1-based line and column. The top-level mapping is a :class:`LocatedDict` that carries a
:class:`YamlLocator`; :func:`locator_of` returns it (readers pass it to ``Source`` so findings in YAML
templates point at real lines).

Positions: a mapping value that starts on a later line than its key (a block mapping or list) is placed
on the key's line, so ``MyRole:`` is where a resource is; other values are placed where they start. A
value reached through an alias (``*anchor``) is placed on the line that uses the alias.

Hostile input: a text with anchors is checked before it is composed (:func:`_check_aliases`): the
nodes its aliases stand for may add at most :data:`MAX_ALIAS_NODES` to what is written, and an alias may
not stand for a node that contains it (a cycle JSON cannot hold). The composed graph of an alias bomb is
small, but every reader after this one walks the data as a tree: a 700-byte template of 9 levels of 9
aliases is 387 million nodes. A key written twice in one mapping is an error naming both lines (a
reviewer reads the first, a dict keeps the last), except keys brought in by a merge (``<<``), which the
mapping's own keys override by design. Values JSON cannot hold (``.nan``, ``.inf``, ``!!binary``,
``!!timestamp``, ...) are errors too: CloudFormation and IAM read JSON.

Short forms: ``!Ref X`` -> ``{"Ref": X}``, ``!Condition X`` -> ``{"Condition": X}``, ``!GetAtt A.B`` ->
``{"Fn::GetAtt": ["A", "B"]}``, any other ``!Name v`` -> ``{"Fn::Name": v}``; the value inside a short
form is at path ``(..., "Fn::Name", i)`` as in the long form. Timestamps stay strings (a policy
``Version: 2012-10-17`` must not become a date).

PyYAML is imported only here, so JSON-only runs never pay for it.
"""

from __future__ import annotations

import math
from typing import Any

from mantlekit.iam.locate import Path
from mantlekit.lint.findings import InputError

#: How many nodes the aliases of one document may add to those written in it. A legitimate template
#: shares a few tags or statements; a billion-laughs bomb passes this within its first few levels, long
#: before the template reader (which expands aliases as it resolves intrinsics) would spend seconds.
MAX_ALIAS_NODES = 100_000
#: Scalar types that JSON can hold (a float only when finite).
_JSON_SCALARS = (str, int, bool, type(None))


class YamlLocator:
    """Maps a path of keys and indexes to a 1-based (line, column); the nearest known enclosing path."""

    __slots__ = ("positions",)

    def __init__(self, positions: dict[Path, tuple[int, int]]) -> None:
        self.positions = positions

    def __call__(self, path: Path) -> tuple[int, int]:
        p = tuple(path)
        while p not in self.positions and p:
            p = p[:-1]
        return self.positions.get(p, (1, 1))


class LocatedDict(dict[Any, Any]):
    """The top-level mapping of a YAML document, with the locator of its text."""

    __slots__ = ("locator",)
    locator: YamlLocator


def locator_of(data: Any) -> YamlLocator | None:
    """The locator of data returned by :func:`load`, or None (e.g. for JSON data)."""
    return getattr(data, "locator", None)


_LOADER: type | None = None


def _loader() -> type:
    global _LOADER
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class Loader(base):  # type: ignore[valid-type, misc]  # base: the C loader when PyYAML has it
            pass

        Loader.yaml_implicit_resolvers = {
            k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
            for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        _LOADER = Loader
    return _LOADER


class _Builder:
    """Turns composed nodes into Python data, recording positions by path."""

    def __init__(self, loader: Any, path: str) -> None:
        import yaml

        self.yaml = yaml
        self.loader = loader
        self.path = path
        self.positions: dict[Path, tuple[int, int]] = {}
        self.memo: dict[int, Any] = {}

    @staticmethod
    def _pos(node: Any) -> tuple[int, int]:
        m = node.start_mark
        return (m.line + 1, m.column + 1)

    def _refuse(self, node: Any, message: str) -> InputError:
        line, col = self._pos(node)
        return InputError(self.path, message, line, col)

    def scalar(self, node: Any) -> Any:
        """A scalar node's value; one that Python cannot convert is an error at its place."""
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError as e:
            digits = sum(c.isdigit() for c in node.value) if isinstance(node.value, str) else 0
            if "digits" in str(e) and digits:
                raise self._refuse(node, f"a number of {digits:,} digits, longer than any IAM value") from None
            raise self._refuse(node, f"not readable as YAML: {e}") from None

    def build(self, node: Any, path: Path, place: tuple[int, int] | None = None) -> Any:
        self.positions.setdefault(path, place or self._pos(node))
        key = id(node)
        if key in self.memo:  # an alias: the same object, placed where the alias is used
            return self.memo[key]
        tag = node.tag or ""
        value: Any  # the JSON value the node stands for
        if tag.startswith("!") and not tag.startswith("!!") and len(tag) > 1:
            value = self._intrinsic(node, tag[1:], path)
        elif isinstance(node, self.yaml.MappingNode):
            value = self._mapping(node, path)
        elif isinstance(node, self.yaml.SequenceNode):
            value = []
            self.memo[key] = value
            for i, child in enumerate(node.value):
                value.append(self.build(child, (*path, i)))
        else:
            value = self.scalar(node)
            if not isinstance(value, _JSON_SCALARS) and not (type(value) is float and math.isfinite(value)):
                written = node.value if isinstance(node.value, str) else ""
                shown = f"{written[:40]!r} " if written else ""
                raise self._refuse(node, f"{shown}({tag.rsplit(':', 1)[-1]}) is not a value JSON can hold")
        self.memo[key] = value
        return value

    def _mapping(self, node: Any, path: Path) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        self.memo[id(node)] = out
        written = {id(k) for k, _ in node.value}
        self.loader.flatten_mapping(node)  # merge keys (<<): merged pairs come first, written keys override them
        first: dict[Any, Any] = {}  # key -> its key node, for the keys written in this mapping
        for key_node, value_node in node.value:
            if isinstance(key_node, self.yaml.ScalarNode):
                k = self.scalar(key_node)
                if not isinstance(k, str):
                    k = key_node.value  # 123456789012: or On: as written, as CloudFormation reads it
            else:
                k = str(self.build(key_node, (*path, "<key>")))
            kpos = self._pos(key_node)
            if id(key_node) in written:
                if k in first:
                    shown = k if isinstance(k, str) else str(k)
                    raise self._refuse(key_node, f'duplicate key "{shown}" (first at line {self._pos(first[k])[0]})')
                first[k] = key_node
            vpos = self._pos(value_node)
            place = kpos if vpos[0] != kpos[0] else vpos  # block value, or an alias to an earlier node
            out[k] = self.build(value_node, (*path, k), place)
        return out

    def _intrinsic(self, node: Any, suffix: str, path: Path) -> dict[str, Any]:
        name = "Ref" if suffix == "Ref" else "Condition" if suffix == "Condition" else f"Fn::{suffix}"
        inner: Path = (*path, name)
        if isinstance(node, self.yaml.ScalarNode):
            self.positions.setdefault(inner, self._pos(node))
            value: Any = node.value
            if suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, self.yaml.SequenceNode):
            self.positions.setdefault(inner, self._pos(node))
            value = [self.build(child, (*inner, i)) for i, child in enumerate(node.value)]
        else:
            self.positions.setdefault(inner, self._pos(node))
            value = self._mapping(node, inner)
            self.memo.pop(id(node), None)
        return {name: value}


def load(text: str, path: str) -> Any:
    """Parse YAML text; errors name the file, line and column. A top-level mapping is a LocatedDict."""
    import yaml

    loader = _loader()(text)
    try:
        if "&" in text and "*" in text:  # anchors and aliases (costs a second parse, so only then)
            _check_aliases(text, path)
        node = loader.get_single_node()
        if node is None:
            return None
        builder = _Builder(loader, path)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError(path, f"not valid YAML: {e.problem or e.context}", line, col) from None
    except yaml.YAMLError as e:
        raise InputError(path, f"not valid YAML: {e}") from None
    except RecursionError:
        raise InputError(path, "nested too deeply to be read") from None
    except ValueError as e:  # a scalar PyYAML cannot convert, e.g. an integer longer than Python allows
        raise InputError(path, f"not readable as YAML: {e}") from None
    finally:
        loader.dispose()
    if isinstance(data, dict):
        located = LocatedDict(data)
        located.locator = YamlLocator(builder.positions)
        return located
    return data


def _check_aliases(text: str, path: str) -> None:
    """Raise InputError at the first alias that takes the document past :data:`MAX_ALIAS_NODES` added
    nodes, or that stands for a node containing it.

    Works on parser events, before anything is composed: each anchored node's expanded size (itself, what
    it holds, and what its own aliases stand for) is known when it ends, and an alias adds that size where
    it is used. Stops at the first offence, so a bomb costs a few thousand events, not its expansion.
    """
    import yaml

    alias_event, scalar_event = yaml.AliasEvent, yaml.ScalarEvent
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, nodes so far] of each open collection
    open_anchors: list[str] = []
    added = 0
    ev: Any  # the branches test its exact type through ``t``, which mypy does not narrow
    for ev in yaml.parse(text, Loader=_loader()):
        t = type(ev)
        if t is scalar_event:
            if ev.anchor:
                sizes[ev.anchor] = 1
            if stack:
                stack[-1][1] += 1
        elif t is alias_event:
            mark = ev.start_mark
            if ev.anchor in open_anchors:
                raise InputError(
                    path,
                    f"alias *{ev.anchor} stands for a node that contains it; a policy or template cannot be cyclic",
                    mark.line + 1,
                    mark.column + 1,
                )
            n = sizes.get(ev.anchor, 1)  # an undefined alias: the composer says so
            added += n
            if added > MAX_ALIAS_NODES:
                raise InputError(
                    path,
                    f"aliases add more than {MAX_ALIAS_NODES:,} nodes to the document by here (*{ev.anchor} "
                    f"stands for {n:,}); refused as an alias bomb",
                    mark.line + 1,
                    mark.column + 1,
                )
            if stack:
                stack[-1][1] += n
        elif t in starts:
            stack.append([ev.anchor, 1])
            if ev.anchor:
                open_anchors.append(ev.anchor)
        elif t in ends:
            anchor, n = stack.pop()
            if anchor:
                sizes[anchor] = n
                open_anchors.remove(anchor)
            if stack:
                stack[-1][1] += n
