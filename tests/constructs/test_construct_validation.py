"""MantleLintPlugin: the CDK policy-validation plugin around mantle-lint's stable API."""

from __future__ import annotations

import json
import pathlib

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

import mantlekit
import mantlekit.lint.api
from mantlekit.constructs import MantleLintPlugin
from mantlekit.constructs.validation import PLUGIN_NAME, lint_with_mantle_lint


def _finding(path: str, logical_id: str, rule="MNT005", severity="error", **extra) -> dict:
    finding = {
        "rule": rule,
        "severity": severity,
        "message": f"{rule} says no",
        "file": path,
        "line": 7,
        "column": 3,
        "fix": "grant it on *",
        "details": {"label": logical_id, "sid": "S1"},
    }
    finding.update(extra)
    return finding


def _policies(path: str) -> list[str]:
    resources = json.loads(pathlib.Path(path).read_text())["Resources"]
    return sorted(k for k, v in resources.items() if v["Type"] == "AWS::IAM::Policy")


def _app(tmp_path, plugin) -> tuple[cdk.App, cdk.Stack, iam.User]:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Lint")
    user = iam.User(stack, "Holder")
    user.add_to_policy(iam.PolicyStatement(actions=["bedrock-mantle:ListModels"], resources=["*"]))
    cdk.Validations.of(app).add_plugins(plugin)
    return app, stack, user


def _report(tmp_path) -> dict:
    (plugin_report,) = [
        r
        for r in json.loads((tmp_path / "validation-report.json").read_text())["pluginReports"]
        if r["pluginName"] == PLUGIN_NAME
    ]
    return plugin_report


def test_findings_become_violations_on_the_construct_of_the_resource(tmp_path):
    seen = []

    def lint(paths):
        seen.append(list(paths))
        return [_finding(p, lid) for p in paths for lid in _policies(p)]

    app, _, _ = _app(tmp_path, MantleLintPlugin(lint=lint))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert [pathlib.Path(p).name for p in seen[0]] == ["Lint.template.json"]
    report = _report(tmp_path)
    assert report["conclusion"] == "failure"
    assert report["pluginVersion"] == mantlekit.__version__
    assert report["metadata"] == {"templates": "1", "findings": "1", "below_fail_on": "0", "fail_on": "error"}
    (violation,) = report["violations"]
    assert violation["ruleName"] == "MNT005"
    assert violation["description"] == "MNT005 says no"
    assert violation["suggestedFix"] == "grant it on *"
    assert violation["severity"] == "error"
    (where,) = violation["violatingConstructs"]
    assert where["constructPath"] == "Lint/Holder/DefaultPolicy/Resource"
    assert where["cloudFormationResource"]["propertyPaths"] == ["line 7, column 3 (statement S1)"]


def test_an_acknowledged_finding_does_not_fail_the_synth(tmp_path):
    app, _, user = _app(tmp_path, MantleLintPlugin(lint=lambda paths: [_finding(p, _policies(p)[0]) for p in paths]))
    MantleLintPlugin.acknowledge(user, "MNT005", "The holder lists models of every project on purpose.")
    app.synth()
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    (entry,) = [m for m in user.node.metadata if m.type == key]
    assert entry.data == {f"{PLUGIN_NAME}::MNT005": "The holder lists models of every project on purpose."}


def test_acknowledging_another_rule_does_not_hide_this_one(tmp_path):
    app, _, user = _app(tmp_path, MantleLintPlugin(lint=lambda paths: [_finding(p, _policies(p)[0]) for p in paths]))
    MantleLintPlugin.acknowledge(user, "MNT001", "Unrelated.")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_findings_below_fail_on_are_only_counted(tmp_path):
    def lint(paths):
        return [_finding(p, _policies(p)[0], severity="warning") for p in paths]

    app, _, _ = _app(tmp_path, MantleLintPlugin(lint=lint))
    app.synth()
    app2, _, _ = _app(tmp_path / "strict", MantleLintPlugin(lint=lint, fail_on="warning"))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app2.synth()
    assert _report(tmp_path / "strict")["violations"][0]["severity"] == "warning"


def test_result_objects_input_errors_and_findings_without_a_resource(tmp_path):
    class Result:
        def __init__(self, paths):
            self.findings = [
                _finding(paths[0], "NotAResource", rule="IAM001", details={"construct_path": "Lint/Holder"}),
                _finding(paths[0], "NotAResource", rule="IAM002", details={}),
            ]
            self.errors = [{"file": paths[0], "message": "cannot parse", "line": 2, "column": 1}]

    app, _, _ = _app(tmp_path, MantleLintPlugin(lint=Result))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    violations = {v["ruleName"]: v for v in _report(tmp_path)["violations"]}
    assert sorted(violations) == ["IAM001", "IAM002", "input-error"]
    assert violations["IAM001"]["violatingConstructs"][0]["constructPath"] == "Lint/Holder"
    assert violations["IAM002"]["violatingConstructs"][0]["constructPath"] == "Lint"
    assert violations["input-error"]["description"] == "mantle-lint could not read the input: cannot parse"


def test_default_linter_is_the_stable_api(tmp_path, monkeypatch):
    calls = []

    def fake_lint_templates(paths, config=None):
        calls.append(paths)
        return mantlekit.lint.api.Result([], [], None)

    monkeypatch.setattr(mantlekit.lint.api, "lint_templates", fake_lint_templates)
    app, _, _ = _app(tmp_path, MantleLintPlugin())
    app.synth()
    assert len(calls) == 1 and calls[0][0].endswith("Lint.template.json")


def test_real_linter_runs_on_a_synthesized_template(tmp_path):
    results = []

    def spy(paths):
        results.append(lint_with_mantle_lint(paths))
        return results[-1]

    app, _, _ = _app(tmp_path, MantleLintPlugin(lint=spy))
    app.synth()  # a ListModels grant on * is not an error-level finding
    (result,) = results
    assert isinstance(result, mantlekit.lint.api.Result)
    assert result.errors == []
    assert not [f for f in result.findings if f.severity == "error"]


def test_plugin_identity():
    plugin = MantleLintPlugin()
    assert plugin.name == "mantle-lint"
    assert plugin.version == mantlekit.__version__
    assert plugin.rule_ids and all(isinstance(r, str) for r in plugin.rule_ids)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`fail_on`"):
        MantleLintPlugin(fail_on="fatal")
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match="`reason`"):
        MantleLintPlugin.acknowledge(stack, "MNT001", "  ")
    with pytest.raises(ValueError, match="`rule_id`"):
        MantleLintPlugin.acknowledge(stack, "", "why")
