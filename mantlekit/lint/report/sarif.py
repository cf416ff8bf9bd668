"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Locations are relative to the current directory (``uriBaseId`` ``%SRCROOT%``), so run mantle-lint from the
repository root when uploading. Files outside it are given as absolute ``file://`` URIs. Input errors are
tool execution notifications; a run with any is not ``executionSuccessful``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
from typing import Any
from urllib.parse import quote

from mantlekit import REPOSITORY_URL, __version__
from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.report import Run
from mantlekit.lint.rules import all_rules
from mantlekit.lint.rules.base import Rule

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
#: The repository, not a package index page: the name ``mantlekit`` on PyPI is not ours.
INFORMATION_URI = REPOSITORY_URL
SRCROOT = "%SRCROOT%"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "mantleLint/v1"


def artifact_location(file: str, cwd: str | None = None) -> dict[str, Any] | None:
    """``{"uri", "uriBaseId"}`` relative to ``cwd``; an absolute file URI outside it; None for pseudo-files
    such as ``<config>`` or ``aws-managed:...`` that have no place on disk."""
    if not file or file.startswith("<") or file.startswith("aws-managed:"):
        return None
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(os.path.join(cwd, file))
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:
        rel = ".."
    if rel.startswith(".."):
        return {"uri": pathlib.Path(absolute).as_uri()}
    return {"uri": quote(pathlib.PurePath(rel).as_posix()), "uriBaseId": SRCROOT}


def _location(file: str, line: int, column: int, cwd: str) -> dict[str, Any] | None:
    art = artifact_location(file, cwd)
    if art is None:
        return None
    return {
        "physicalLocation": {
            "artifactLocation": art,
            "region": {"startLine": max(int(line), 1), "startColumn": max(int(column), 1)},
        }
    }


def fingerprint(f: Finding, cwd: str | None = None) -> str:
    """Stable across runs and line moves: rule, file, principal, the statement (Sid or logical id) and the
    message, not the line."""
    art = artifact_location(f.file, cwd)
    parts = [
        f.rule,
        art["uri"] if art else f.file,
        f.principal or "",
        str(f.details.get("sid") or f.details.get("logical_id") or f.details.get("label") or ""),
        f.message,
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _descriptor(rule: Rule, severity: str) -> dict[str, Any]:
    text = rule.explain()
    out: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale or rule.summary},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": {"tags": list(rule.tags)},
    }
    if rule.references:
        out["helpUri"] = rule.references[0]
    return out


def _notification(e: InputError, cwd: str) -> dict[str, Any]:
    out: dict[str, Any] = {"level": "error", "message": {"text": f"{e.file}: {e.message}"}}
    loc = _location(e.file, e.line, e.column, cwd)
    if loc is not None:
        out["locations"] = [loc]
    return out


def document(run: Run, cwd: str | None = None) -> dict[str, Any]:
    cwd = os.path.abspath(cwd or os.getcwd())
    rules = list(all_rules())
    index = {r.id: i for i, r in enumerate(rules)}
    descriptors = [_descriptor(r, run.config.severity.get(r.id, r.severity)) for r in rules]
    for f in run.result.findings:  # a finding from a rule not in the registry still gets a descriptor
        if f.rule not in index:
            index[f.rule] = len(descriptors)
            descriptors.append({"id": f.rule, "shortDescription": {"text": f.rule}})
    results = []
    for f in run.result.findings:
        text = f.message + (f" (principal: {f.principal})" if f.principal else "")
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": text},
            "partialFingerprints": {FINGERPRINT: fingerprint(f, cwd)},
        }
        loc = _location(f.file, f.line, f.column, cwd)
        if loc is not None:
            res["locations"] = [loc]
        props: dict[str, Any] = {}
        if f.principal:
            props["principal"] = f.principal
        if f.fix:
            props["fix"] = f.fix
        if f.details:
            props["details"] = json.loads(json.dumps(f.details, default=str))
        if f.file and artifact_location(f.file, cwd) is None:
            props["file"] = f.file
        if props:
            res["properties"] = props
        results.append(res)
    root_uri = pathlib.Path(cwd).as_uri()
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mantle-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}},
                "invocations": [
                    {
                        "executionSuccessful": not run.result.errors,
                        "exitCode": run.exit_code,
                        "toolExecutionNotifications": [_notification(e, cwd) for e in run.result.errors],
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(run: Run) -> str:
    return json.dumps(document(run), indent=2, ensure_ascii=False) + "\n"
