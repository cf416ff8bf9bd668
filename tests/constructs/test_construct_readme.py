"""The example app in README.md's "## Constructs" section synthesizes, cdk-nag and mantle-lint included."""

from __future__ import annotations

import json
import pathlib
import re

import aws_cdk

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("\n## Constructs\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the Constructs section has a python example"
    return match.group(1)


def test_readme_example_synthesizes_cleanly(tmp_path, monkeypatch):
    # Send the example's cloud assembly to tmp_path. (CDK_OUTDIR would not do: the jsii node process keeps
    # the environment it started with, and it is shared by the whole test session.)
    real_app = aws_cdk.App
    monkeypatch.setattr(aws_cdk, "App", lambda *args, **kwargs: real_app(*args, outdir=str(tmp_path), **kwargs))
    exec(compile(_example(), "README.md#constructs", "exec"), {"__name__": "readme_example"})
    template = json.loads((tmp_path / "Mantle.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::BedrockMantle::Project", "AWS::EC2::VPCEndpoint", "Custom::MantleApiKey"} <= types
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert all(p["conclusion"] == "success" for p in report["pluginReports"])
