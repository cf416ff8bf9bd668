"""Helpers for the reference-app tests (importable because conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

import aws_cdk as cdk
from aws_cdk import cx_api

from stacks.build import EnvironmentStacks, build_app
from stacks.config import CONTEXT_KEY, parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
CDK_JSON = ROOT / "cdk.json"
ENVIRONMENTS = ("dev", "staging", "prod")


def cdk_json_context() -> dict[str, Any]:
    return json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]


def example_config() -> dict[str, Any]:
    """A fresh copy of the example configuration in cdk.json (the ``mantlekit`` context value)."""
    return copy.deepcopy(cdk_json_context()[CONTEXT_KEY])


def synth(
    raw: dict[str, Any], *, validations: bool = True, outdir: str | None = None
) -> tuple[cx_api.CloudAssembly, dict[str, EnvironmentStacks]]:
    """Build the reference app from ``raw`` (with the rest of cdk.json's context) and synthesize it."""
    context = {k: v for k, v in cdk_json_context().items() if k != CONTEXT_KEY}
    app = cdk.App(context=context, outdir=outdir)
    stacks = build_app(app, parse(raw), validations=validations)
    return app.synth(), stacks


def resources(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def only(template: dict[str, Any], cfn_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, cfn_type)
    assert len(found) == 1, f"expected one {cfn_type}, found {sorted(found)}"
    return next(iter(found.items()))


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Properties", {}).get("Tags", [])}
