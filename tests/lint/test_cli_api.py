"""The stable Python API (``mantlekit.lint.api``) and the pre-commit hook definition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mantlekit.lint import api
from mantlekit.lint.config import Config
from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.inventory import Inventory
from mantlekit.lint.runner import Result

ROOT = Path(__file__).resolve().parents[2]
NOT_ACTION = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}


def test_lint_templates_and_lint_paths(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(NOT_ACTION))
    (tmp_path / "bad.json").write_text('{"Statement": [')  # looks like a policy: an error, not skipped
    result = api.lint_templates([str(tmp_path)])
    assert isinstance(result, Result)
    assert [f.rule for f in result.findings] == ["IAM007"]
    assert [e.file for e in result.errors] == [str(tmp_path / "bad.json")]
    assert api.exit_code(result) == 2
    again = api.lint_paths([str(tmp_path / "p.json")], Config(select=("IAM007",)))
    assert [f.rule for f in again.findings] == ["IAM007"] and api.exit_code(again) == 0
    assert api.exit_code(again, "warning") == 1


def test_lint_templates_with_discovered_config(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(NOT_ACTION))
    (tmp_path / "mantle-lint.toml").write_text('ignore = [{rule = "IAM007", reason = "test"}]\n')
    cfg = api.discover_config([str(tmp_path / "p.json")])
    assert api.lint_templates([str(tmp_path)], cfg).findings == []


@pytest.mark.parametrize(
    ("severities", "errors", "fail_on", "code"),
    [
        ((), 0, "error", 0),
        (("info",), 0, "info", 1),
        (("info",), 0, "warning", 0),
        (("warning",), 0, "warning", 1),
        (("warning",), 0, "error", 0),
        (("error",), 0, "error", 1),
        (("error",), 0, "never", 0),
        (("error",), 1, "error", 2),
        ((), 1, "never", 2),
    ],
)
def test_exit_code(severities, errors, fail_on, code):
    findings = [Finding("X", s, "m", "f") for s in severities]
    result = Result(findings, [InputError("f", "bad")] * errors, Inventory())
    assert api.exit_code(result, fail_on) == code


def test_failing():
    findings = [Finding("A", "info", "m", "f"), Finding("B", "warning", "m", "f"), Finding("C", "error", "m", "f")]
    assert [f.rule for f in api.failing(findings, "info")] == ["A", "B", "C"]
    assert [f.rule for f in api.failing(findings, "warning")] == ["B", "C"]
    assert [f.rule for f in api.failing(findings)] == ["C"]
    assert api.failing(findings, "never") == []


def test_api_names_are_stable():
    for name in api.__all__:
        assert hasattr(api, name), name


def test_pre_commit_hook_definition():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "mantle-lint" and hook["entry"] == "mantle-lint --changed-only"
    assert hook["language"] == "python" and hook["pass_filenames"] is True and hook["require_serial"] is True
    assert sorted(hook["types_or"]) == ["json", "toml", "yaml"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'mantle-lint = "mantlekit.lint.cli:run"' in pyproject
