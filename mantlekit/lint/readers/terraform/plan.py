"""Terraform plan and state JSON (``terraform show -json PLANFILE``, ``terraform show -json``).

Values: ``planned_values`` (a plan) or ``values`` (a state), root module and ``child_modules``; a plan's
``resource_changes[].change.after_unknown`` says which are unknown until apply, and those become
``${mantlekit:unresolved/<address>.<attribute>}`` markers. References between resources whose values are
unknown come from ``configuration`` (``expressions.<attr>.references``), as do module sources
(``module_calls.<name>.source``) and regions: each resource's ``provider_config_key`` names its entry in
``provider_config`` (``aws``, ``aws.west``, ``awscc``, ``module.m:aws``), whose ``expressions.region`` is a
``constant_value`` or a reference to a root variable (its value is in the plan's ``variables``). A
resource's own ``region`` value (hashicorp/aws 6.x) comes first.
Positions: the resource's entry in ``planned_values`` / ``values``; a document kept as a JSON string is
placed on its attribute.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mantlekit.iam.locate import JsonLocator, Path
from mantlekit.lint.inventory import Inventory
from mantlekit.lint.readers.terraform.resources import IAM_TYPES, Config, TfResource, build, unresolved

_INDEX = re.compile(r"\[[^\]]*\]")


def sniff(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "format_version" in data
        and (isinstance(data.get("planned_values"), dict) or isinstance(data.get("values"), dict))
    )


def read(data: dict[str, Any], text: str, path: str) -> Inventory:
    locator = JsonLocator(text) if text.lstrip().startswith("{") else None
    top = "planned_values" if isinstance(data.get("planned_values"), dict) else "values"
    unknown = _unknowns(data)
    config = data["configuration"] if isinstance(data.get("configuration"), dict) else {}
    modules = _module_configs(config.get("root_module"), "")
    regions = _provider_regions(config, data.get("variables"))
    resources: list[TfResource] = []
    root = data[top].get("root_module")
    for module, rpath, raw in _resources(root, (top, "root_module"), ""):
        typ, name = raw.get("type"), raw.get("name")
        if not isinstance(typ, str) or typ not in IAM_TYPES or not isinstance(name, str):
            continue
        address = str(raw.get("address") or f"{typ}.{name}")
        values = raw.get("values") if isinstance(raw.get("values"), dict) else {}
        values = _mark_unknown(values, unknown.get(address), address)
        mconf = modules.get(_INDEX.sub("", module), {})
        refs = mconf.get("refs", {}).get(f"{typ}.{name}", {})
        region = values.get("region") if isinstance(values.get("region"), str) else None
        if region is None or "${" in region:
            region = regions.get(mconf.get("providers", {}).get(f"{typ}.{name}", ""))
        resources.append(
            TfResource(
                address,
                module,
                typ,
                name,
                raw.get("index"),
                values,
                path,
                locator,
                rpath,
                refs=refs,
                source=mconf.get("source"),
                mode=str(raw.get("mode") or "managed"),
                region=region,
            )
        )
    return build(resources, Config(region=regions.get("aws")), path)


def _resources(m: Any, at: Path, module: str) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    if not isinstance(m, dict):
        return
    for i, r in enumerate(m.get("resources") or ()):
        if isinstance(r, dict):
            yield module, (*at, "resources", i), r
    for j, child in enumerate(m.get("child_modules") or ()):
        if isinstance(child, dict):
            yield from _resources(child, (*at, "child_modules", j), str(child.get("address") or module))


def _unknowns(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for rc in data.get("resource_changes") or ():
        if isinstance(rc, dict) and isinstance(rc.get("change"), dict):
            au = rc["change"].get("after_unknown")
            if au:
                out[str(rc.get("address"))] = au
    return out


def _mark_unknown(values: Any, unknown: Any, what: str) -> Any:
    """``values`` with every attribute ``after_unknown`` marks as unknown replaced by a marker (an unknown
    value is absent from ``planned_values``)."""
    if unknown is True:
        return unresolved(f"Terraform/{what}")
    if isinstance(unknown, dict):
        out = dict(values) if isinstance(values, dict) else {}
        for k, u in unknown.items():
            if u is not False and u is not None:
                out[k] = _mark_unknown(out.get(k), u, f"{what}.{k}")
        return out
    if isinstance(unknown, list):
        out_l = list(values) if isinstance(values, list) else []
        for i, u in enumerate(unknown):
            if u is not False and u is not None:
                while len(out_l) <= i:
                    out_l.append(None)
                out_l[i] = _mark_unknown(out_l[i], u, f"{what}.{i}")
        return out_l
    return values


def _module_configs(m: Any, module: str, source: str | None = None) -> dict[str, dict[str, Any]]:
    """Module address -> {"source": ..., "refs": {type.name: {attr: [references]}}} (count/for_each
    instances of a module share its configuration; their addresses are matched without the index)."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(m, dict):
        return out
    refs: dict[str, dict[str, list[str]]] = {}
    providers: dict[str, str] = {}
    for r in m.get("resources") or ():
        if not isinstance(r, dict):
            continue
        if isinstance(r.get("provider_config_key"), str):
            providers[str(r.get("address"))] = r["provider_config_key"]
        exprs = r["expressions"] if isinstance(r.get("expressions"), dict) else {}
        refs[str(r.get("address"))] = {
            str(k): [x for x in v.get("references", []) if isinstance(x, str)]
            for k, v in exprs.items()
            if isinstance(v, dict)
        }
    out[module] = {"source": source, "refs": refs, "providers": providers}
    for name, call in (m.get("module_calls") or {}).items():
        if isinstance(call, dict):
            child = f"{module}.module.{name}" if module else f"module.{name}"
            out.update(_module_configs(call.get("module"), child, call.get("source")))
    return out


def _provider_regions(config: dict[str, Any], variables: Any) -> dict[str, str]:
    """provider_config key -> the region its configuration names (a constant, or a root module variable
    whose value the plan records)."""
    out: dict[str, str] = {}
    pcs = config.get("provider_config")
    for key, pc in pcs.items() if isinstance(pcs, dict) else ():
        exprs = pc.get("expressions") if isinstance(pc, dict) else None
        expr = exprs.get("region") if isinstance(exprs, dict) else None
        if not isinstance(expr, dict):
            continue
        value = expr.get("constant_value")
        refs = expr.get("references")
        if value is None and isinstance(refs, list) and not pc.get("module_address") and isinstance(variables, dict):
            var = next((x[4:] for x in refs if isinstance(x, str) and x.startswith("var.") and "." not in x[4:]), None)
            entry = variables.get(var) if var else None
            value = entry.get("value") if isinstance(entry, dict) else None
        if isinstance(value, str) and value:
            out[str(key)] = value
    return out
