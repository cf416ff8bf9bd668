"""CDK cloud assemblies (``cdk.out``): every stack template, with construct paths.

The walk hands this reader a directory's ``manifest.json`` (``artifacts`` and ``version``) and skips the
rest of the directory. Each artifact of type ``aws:cloudformation:stack`` is read from its
``properties.templateFile`` with the CloudFormation reader; ``cdk:cloud-assembly`` artifacts (stages) are
followed into their ``properties.directoryName`` manifests; nested stacks (``AWS::CloudFormation::Stack``
resources whose ``aws:asset:path`` metadata names a template file in the assembly) are read too.

Construct paths come from each resource's ``aws:cdk:path`` metadata, else from the manifest's
``aws:cdk:logicalId`` metadata entries; they end up in ``Source.label`` (``LogicalId (Stack/Role/Resource)``)
and ``Principal.construct_path``. A stack environment ``aws://<account>/<region>`` that is not
``unknown-account`` / ``unknown-region`` pins the pseudo parameters (see :mod:`.cfn`).

A template named by the manifest but missing is an InputError on the manifest (the line of its
``templateFile``) naming the file; the other stacks are still read.
"""

from __future__ import annotations

import json
import os
from typing import Any

from mantlekit.iam.arn import is_account_id
from mantlekit.iam.locate import JsonLocator
from mantlekit.lint.findings import InputError
from mantlekit.lint.inventory import Inventory
from mantlekit.lint.readers import cfn

STACK = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
_MAX_DEPTH = 16


def sniff(data: Any, path: str) -> bool:
    return (
        os.path.basename(path) == "manifest.json"
        and isinstance(data, dict)
        and isinstance(data.get("artifacts"), dict)
        and "version" in data
    )


def read(data: Any, text: str, path: str) -> Inventory:
    inv = Inventory()
    _assembly(data, text, path, inv, set(), 0)
    return inv


def _environment(env: Any) -> tuple[str | None, str | None]:
    if not isinstance(env, str) or not env.startswith("aws://"):
        return None, None
    account: str | None
    region: str | None
    account, _, region = env[len("aws://") :].partition("/")
    account = account if is_account_id(account) else None
    region = region if region and not region.startswith("unknown") else None
    return account, region


def construct_paths_of(metadata: Any) -> dict[str, str]:
    """Construct path by logical id, from a stack artifact's ``aws:cdk:logicalId`` metadata entries. Public:
    the CDK validation plugin maps its findings to constructs with it."""
    out: dict[str, str] = {}
    if not isinstance(metadata, dict):
        return out
    for cpath, entries in metadata.items():
        if not isinstance(entries, list):
            continue
        for e in entries:
            if isinstance(e, dict) and e.get("type") == "aws:cdk:logicalId" and isinstance(e.get("data"), str):
                out.setdefault(e["data"], str(cpath).lstrip("/"))
    return out


def artifact_metadata(art: dict[str, Any], base: str) -> dict[str, Any]:
    """The artifact's metadata, including its ``additionalMetadataFile`` (newer CDK versions)."""
    out = dict(art["metadata"]) if isinstance(art.get("metadata"), dict) else {}
    extra = art.get("additionalMetadataFile")
    if isinstance(extra, str):
        try:
            with open(os.path.join(base, extra), encoding="utf-8") as fh:
                more = json.load(fh)
        except (OSError, ValueError, RecursionError):
            more = None  # construct paths are a nicety; the template is what is linted
        if isinstance(more, dict):
            for k, v in more.items():
                out.setdefault(k, v)
    return out


def _assembly(data: dict[str, Any], text: str, path: str, inv: Inventory, seen: set[str], depth: int) -> None:
    real = os.path.realpath(path)
    if real in seen or depth > _MAX_DEPTH:
        return
    seen.add(real)
    inv.files.append(path)
    base = os.path.dirname(path)
    locator = JsonLocator(text)
    for art_id, art in data["artifacts"].items():
        if not isinstance(art, dict):
            continue
        props = art["properties"] if isinstance(art.get("properties"), dict) else {}
        where = ("artifacts", art_id, "properties")
        if art.get("type") == STACK:
            template = props.get("templateFile")
            if not isinstance(template, str):
                line, col = locator((*where,))
                inv.errors.append(InputError(path, f"stack {art_id} names no templateFile", line, col))
                continue
            account, region = _environment(art.get("environment"))
            stack = cfn.StackInfo(
                name=props.get("stackName") if isinstance(props.get("stackName"), str) else str(art_id),
                account=account,
                region=region,
                construct_paths=construct_paths_of(artifact_metadata(art, base)),
            )
            _stack(os.path.join(base, template), stack, inv, path, locator((*where, "templateFile")), art_id, seen)
        elif art.get("type") == NESTED_ASSEMBLY:
            directory = props.get("directoryName")
            if not isinstance(directory, str):
                continue
            manifest = os.path.join(base, directory, "manifest.json")
            nested = _load(manifest, inv, path, locator((*where, "directoryName")), f"assembly {art_id}")
            if nested is not None:
                ndata, ntext = nested
                if sniff(ndata, manifest):
                    _assembly(ndata, ntext, manifest, inv, seen, depth + 1)
                else:
                    inv.errors.append(InputError(manifest, "not a cloud assembly manifest"))


def _load(file: str, inv: Inventory, manifest: str, at: tuple[int, int], what: str) -> tuple[Any, str] | None:
    from mantlekit.lint.readers import load_text

    if not os.path.isfile(file):
        rel = os.path.relpath(file, os.path.dirname(manifest))
        inv.errors.append(InputError(manifest, f"{what}: {rel} is missing ({file})", *at))
        return None
    try:
        return load_text(file)
    except InputError as e:
        inv.errors.append(e)
        return None


def _stack(
    template: str,
    stack: cfn.StackInfo,
    inv: Inventory,
    manifest: str,
    at: tuple[int, int],
    art_id: str,
    seen: set[str],
) -> None:
    real = os.path.realpath(template)
    if real in seen:
        return
    seen.add(real)
    loaded = _load(template, inv, manifest, at, f"template of stack {art_id}")
    if loaded is None:
        return
    data, text = loaded
    if not cfn.sniff(data, template):
        inv.errors.append(InputError(template, f"the template of stack {art_id} is not a CloudFormation template"))
        return
    inv.extend(cfn.read_template(data, text, template, stack))
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return
    locator = JsonLocator(text) if text.lstrip().startswith("{") else None
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        meta = resource.get("Metadata")
        asset = meta.get("aws:asset:path") if isinstance(meta, dict) else None
        if not isinstance(asset, str) or not asset.endswith((".json", ".yaml", ".yml")):
            continue
        where = locator(("Resources", logical_id)) if locator is not None else (1, 1)
        nested = cfn.StackInfo(name=f"{stack.name}-{logical_id}", account=stack.account, region=stack.region)
        path = os.path.join(os.path.dirname(template), asset)
        _stack(path, nested, inv, template, where, f"{stack.name}/{logical_id}", seen)
