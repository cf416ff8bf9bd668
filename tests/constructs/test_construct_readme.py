"""The example app in README.md's "## Constructs" section synthesizes as written, cdk-nag and mantle-lint
included: in-process (the validation report), as ``python app.py`` and through the pinned CDK CLI, each
without AWS credentials and without a node banner."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

import aws_cdk

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("\n## Constructs\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the Constructs section has a python example"
    return match.group(1)


def test_readme_example_synthesizes_cleanly(tmp_path, monkeypatch):
    # Send the example's cloud assembly to tmp_path. (CDK_OUTDIR would not do: the jsii node process keeps
    # the environment it started with, and it is shared by the whole test session.)
    real_app = aws_cdk.App
    monkeypatch.setattr(aws_cdk, "App", lambda *args, **kwargs: real_app(*args, **{**kwargs, "outdir": str(tmp_path)}))
    exec(compile(_example(), "README.md#constructs", "exec"), {"__name__": "readme_example"})
    template = json.loads((tmp_path / "Mantle.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::BedrockMantle::Project", "AWS::EC2::VPCEndpoint", "Custom::MantleApiKey"} <= types
    azs = sorted(
        {r["Properties"]["AvailabilityZone"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::Subnet"}
    )
    assert azs == ["us-east-1a", "us-east-1b"]
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert all(p["conclusion"] == "success" for p in report["pluginReports"])


def _user_env(tmp_path: pathlib.Path) -> dict[str, str]:
    """What the Makefile sets (the venv's bin, with node 24, and node_modules/.bin first on PATH; caches in
    the project; no version check or telemetry), no AWS credentials of any kind, and no JSII_NODE: PATH
    alone must pick node 24, as it does for a user after ``make env``; and no ``CI`` (see below)."""
    # CI too: with CI=true the CDK CLI prints its own notes (feature flags) on stdout instead of stderr, so
    # a test run in CI would not see what a user at a terminal sees.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "JSII_")) and k != "CI"}
    env.update(
        PATH=os.pathsep.join([str(ROOT / ".venv" / "bin"), str(ROOT / "node_modules" / ".bin"), env.get("PATH", "")]),
        CDK_HOME=str(ROOT / ".cache" / "cdk"),
        JSII_RUNTIME_PACKAGE_CACHE_ROOT=str(ROOT / ".cache" / "jsii"),
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_DISABLE_CLI_TELEMETRY="true",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _stacks(outdir: pathlib.Path) -> list[str]:
    return sorted(p.name for p in outdir.glob("*.template.json"))


def test_readme_example_as_python_app_py(tmp_path):
    (tmp_path / "app.py").write_text(_example())
    proc = subprocess.run(
        ["python", "app.py"], cwd=tmp_path, env=_user_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")  # no node banner, no warning
    assert _stacks(tmp_path / "cdk.out") == ["Mantle.template.json"]


def test_readme_example_through_the_cdk_cli(tmp_path):
    (tmp_path / "app.py").write_text(_example())
    cdk = str(ROOT / "node_modules" / ".bin" / "cdk")
    proc = subprocess.run(
        [cdk, "synth", "--app", "python app.py", "--quiet", "--no-notices"],
        cwd=tmp_path,
        env=_user_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "node" not in proc.stderr.lower() and "jsii" not in proc.stderr.lower()  # no end-of-life banner
    assert _stacks(tmp_path / "cdk.out") == ["Mantle.template.json"]
