"""MantleLintPlugin: the CDK policy-validation plugin around mantle-lint's stable API."""

from __future__ import annotations

import json
import pathlib

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from construct_helpers import raises_config_error

import mantlekit
import mantlekit.lint.api
from mantlekit.constructs import MantleApiKeyUser, MantleLintPlugin, MantleProject
from mantlekit.constructs.validation import PLUGIN_NAME, SUBJECTS, lint_with_mantle_lint


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
    violation = _report(tmp_path / "strict")["violations"][0]
    assert (violation["severity"], violation["ruleMetadata"]) == ("error", {"mantle-lint severity": "warning"})


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
    with raises_config_error("MantleLintPluginFailOnInvalid", at=None):
        MantleLintPlugin(fail_on="fatal")
    stack = cdk.Stack(cdk.App(), "S")
    with raises_config_error("MantleLintAckReasonMissing", at="S") as err:
        MantleLintPlugin.acknowledge(stack, "MNT001", "  ")
    assert isinstance(err.value, ValueError)  # as before the codes
    with raises_config_error("MantleLintAckRuleUnknown", at="S"):
        MantleLintPlugin.acknowledge(stack, "", "why")


# --- granular acknowledgements, on real synthesis with the real linter ------------------------------------

MANAGE = ["bedrock-mantle:CreateProject", "bedrock-mantle:ArchiveProject"]
#: The violations of the user "Other", which no acknowledgement on "Tool" may touch.
OTHER = [
    ("MNT008[bedrock-mantle:ArchiveProject]", "Keys/Other/User/Resource"),
    ("MNT008[bedrock-mantle:CreateProject]", "Keys/Other/User/Resource"),
]


def _keys_app(tmp_path) -> tuple[cdk.App, MantleApiKeyUser, MantleApiKeyUser]:
    """Two long-term-key users that may also create and archive projects: one MNT008 warning each, about
    both actions. fail_on="warning" makes them violations."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Keys", env=cdk.Environment(account="111111111111", region="us-east-1"))
    project = MantleProject(stack, "Chat", name="chat")
    users = []
    for name in ("Tool", "Other"):
        user = MantleApiKeyUser(stack, name, projects=[project])
        user.user.add_to_policy(iam.PolicyStatement(actions=MANAGE, resources=["*"]))
        users.append(user)
    cdk.Validations.of(app).add_plugins(MantleLintPlugin(fail_on="warning"))
    return app, users[0], users[1]


def _outcome(tmp_path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str]]]:
    """(reported (rule, construct), suppressed (rule, construct, acknowledged at, reason)), sorted."""
    report = _report(tmp_path)
    reported = sorted(
        (v["ruleName"], c["constructPath"]) for v in report["violations"] for c in v["violatingConstructs"]
    )
    suppressed = sorted(
        (v["ruleName"], c["constructPath"], v.get("acknowledgedAt", ""), v["reason"])  # "" (the app): left out
        for v in report.get("suppressedViolations", [])
        for c in v["violatingConstructs"]
    )
    return reported, suppressed


def _synth(app: cdk.App) -> None:
    """Synthesize, which fails while a finding at or above fail_on is left unacknowledged. CDK decides
    success again after acknowledgements, counting only "error" and "fatal" violations: the plugin reports
    a warning under fail_on="warning" as "error" so that the unacknowledged one still fails."""
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_unacknowledged_findings_name_each_action_in_brackets(tmp_path):
    app, _, _ = _keys_app(tmp_path)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    reported, suppressed = _outcome(tmp_path)
    tool = [(rule, path.replace("Other", "Tool")) for rule, path in OTHER]
    assert reported == sorted([*OTHER, *tool])
    assert suppressed == []


def test_a_granular_acknowledgement_suppresses_only_that_actions_finding_on_that_construct(tmp_path):
    app, tool, _ = _keys_app(tmp_path)
    MantleLintPlugin.acknowledge(tool, "MNT008[bedrock-mantle:CreateProject]", "This tool creates projects.")
    _synth(app)
    reported, suppressed = _outcome(tmp_path)
    # The same user's other action, and the other user's findings, stay.
    assert reported == sorted([*OTHER, ("MNT008[bedrock-mantle:ArchiveProject]", "Keys/Tool/User/Resource")])
    assert suppressed == sorted(
        [
            (
                "MNT008[bedrock-mantle:CreateProject]",
                "Keys/Tool/User/Resource",
                "Keys/Tool",
                "This tool creates projects.",
            )
        ]
    )


def test_a_bare_acknowledgement_still_suppresses_every_finding_of_the_rule(tmp_path):
    app, tool, _ = _keys_app(tmp_path)
    MantleLintPlugin.acknowledge(tool, "MNT008", "This tool manages projects.")
    _synth(app)
    reported, suppressed = _outcome(tmp_path)
    assert reported == OTHER
    assert suppressed == sorted(
        [
            ("MNT008", "Keys/Tool/User/Resource", "Keys/Tool", "This tool manages projects."),
            ("MNT008", "Keys/Tool/User/Resource", "Keys/Tool", "This tool manages projects."),
        ]
    )


def test_granular_acknowledgements_ignore_case_keep_their_spelling_and_work_from_the_app(tmp_path):
    app, tool, _ = _keys_app(tmp_path)
    MantleLintPlugin.acknowledge(tool, "MNT008[Bedrock-Mantle:createproject]", "Creating is its job.")
    MantleLintPlugin.acknowledge(app, "MNT008[bedrock-mantle:ArchiveProject]", "Nobody archives by accident.")
    _synth(app)
    reported, suppressed = _outcome(tmp_path)
    assert reported == [("MNT008[bedrock-mantle:CreateProject]", "Keys/Other/User/Resource")]
    assert suppressed == sorted(
        [
            ("MNT008[Bedrock-Mantle:createproject]", "Keys/Tool/User/Resource", "Keys/Tool", "Creating is its job."),
            ("MNT008[bedrock-mantle:ArchiveProject]", "Keys/Other/User/Resource", "", "Nobody archives by accident."),
            ("MNT008[bedrock-mantle:ArchiveProject]", "Keys/Tool/User/Resource", "", "Nobody archives by accident."),
        ]
    )


def test_the_synth_passes_once_every_finding_is_acknowledged(tmp_path):
    app, tool, other = _keys_app(tmp_path)
    MantleLintPlugin.acknowledge(tool, "MNT008", "This tool manages projects.")
    MantleLintPlugin.acknowledge(other, "MNT008[bedrock-mantle:CreateProject]", "It creates projects.")
    MantleLintPlugin.acknowledge(other, "MNT008[bedrock-mantle:ArchiveProject]", "It archives them.")
    app.synth()
    reported, suppressed = _outcome(tmp_path)
    assert (reported, len(suppressed)) == ([], 4)


def test_sid_subjects_are_exact(tmp_path):
    def lint(paths):
        (policy,) = _policies(paths[0])
        return [_finding(paths[0], policy, rule="IAM013", details={"label": policy, "sid": "S1"})]

    app, _, user = _app(tmp_path, MantleLintPlugin(lint=lint))
    MantleLintPlugin.acknowledge(user, "IAM013[s1]", "Wrong case: does not match.")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert [v["ruleName"] for v in _report(tmp_path)["violations"]] == ["IAM013[S1]"]
    app2, _, user2 = _app(tmp_path / "exact", MantleLintPlugin(lint=lint))
    MantleLintPlugin.acknowledge(user2, "IAM013[S1]", "The duplicate is merged by CloudFormation.")
    app2.synth()
    assert _report(tmp_path / "exact")["violations"] == []


@pytest.mark.parametrize(
    ("rule_id", "code", "says"),
    [
        ("MNT999", "MantleLintAckRuleUnknown", "'MNT999' names no mantle-lint rule"),
        ("mnt008", "MantleLintAckRuleUnknown", "did you mean MNT008?"),
        ("MNT008 [bedrock-mantle:CreateProject]", "MantleLintAckRuleUnknown", "names no mantle-lint rule"),
        ("MNT005[bedrock-mantle:CallWithBearerToken]", "MantleLintAckBracketNeverMatches", "take no brackets"),
        ("MNT008[bedrock-mantle:ListModels]", "MantleLintAckBracketNeverMatches", "not an action a MNT008"),
        ("MNT008[CreateProject]", "MantleLintAckBracketNeverMatches", "'CreateProject' is not an action"),
        ("MNT008[]", "MantleLintAckBracketNeverMatches", "can never match"),
        (
            "MNT001[bedrock:CallWithBearerToken]",
            "MantleLintAckBracketNeverMatches",
            "(one of: bedrock-mantle:CallWithBearerToken; case does not matter)",
        ),
        ("IAM009[BearerTokenType]", "MantleLintAckBracketNeverMatches", "is not a condition key"),
        ("IAM013[]", "MantleLintAckBracketNeverMatches", "is not a sid"),
    ],
)
def test_acknowledgements_that_can_never_match_are_refused(rule_id, code, says):
    stack = cdk.Stack(cdk.App(), "S")
    with raises_config_error(code, at="S") as err:
        MantleLintPlugin.acknowledge(stack, rule_id, "A reason.")
    assert says in err.value.message
    assert not [m for m in stack.node.metadata if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY]


@pytest.mark.parametrize(
    "rule_id",
    [
        "MNT008[bedrock-mantle:createproject]",
        "MNT004[aws-external-anthropic:CallWithBearerToken]",
        "IAM003[s3:GetObjekt*]",
        "IAM012[aws:PrincipalTag/team]",
        "IAM014[My Sid]",
        "input-error",
    ],
)
def test_acknowledgements_that_can_match_are_recorded(rule_id):
    stack = cdk.Stack(cdk.App(), "S")
    MantleLintPlugin.acknowledge(stack, rule_id, "A reason.")
    (entry,) = [m for m in stack.node.metadata if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY]
    assert list(entry.data) == [f"{PLUGIN_NAME}::{rule_id.replace(' ', '-')}"]  # CDK's own normalisation


def test_every_rule_with_a_subject_exists():
    assert sorted(set(SUBJECTS) - set(MantleLintPlugin().rule_ids or [])) == []
