"""``MantleLintPlugin``: run ``mantle-lint`` on the synthesized templates, as a CDK policy-validation plugin.

The same mechanism cdk-nag v3 uses: ``Validations.of(app).add_plugins(MantleLintPlugin())``. After
synthesis CDK hands the plugin the template paths; the plugin calls the linter's stable API
(:func:`mantlekit.lint.api.lint_templates`) and turns its findings into CDK violations, which fail the synth
and appear in CDK's validation report with the construct path of each resource.

This module evaluates no IAM itself: every verdict comes from the linter. The linter function is injectable
(``lint=``) so tests, or an app pinned to another linter version, can swap it.

Acknowledging a finding works like cdk-nag: on the construct (or any ancestor) of the flagged resource,
``MantleLintPlugin.acknowledge(construct, "MNT001", "why this is fine")``; CDK matches the id
``mantle-lint::MNT001`` against the violation and keeps the reason in the report and the construct metadata.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct

import mantlekit
from mantlekit.lint.findings import SEVERITIES

#: Plugin name; acknowledgement ids are ``<NAME>::<rule id>``.
PLUGIN_NAME = "mantle-lint"
#: A linter: template paths in, a ``Result`` (with ``.findings`` and ``.errors``) or a list of findings out.
LintFunction = Callable[[list[str]], Any]


def lint_with_mantle_lint(paths: list[str]) -> Any:
    """The default linter: ``mantlekit.lint.api.lint_templates`` (imported on first use)."""
    from mantlekit.lint.api import lint_templates

    return lint_templates(paths)


def _known_rule_ids() -> list[str]:
    from mantlekit.lint.rules import all_rules

    return [r.id for r in all_rules()]


@jsii.implements(cdk.IPolicyValidationPlugin)
class MantleLintPlugin:
    """Runs mantle-lint during ``cdk synth`` and fails it on findings at or above ``fail_on``.

    Props:
        fail_on: lowest severity reported as a violation (``info``, ``warning``, ``error``; default
            ``error``, like the CLI). Lower findings are only counted in the report metadata.
        lint: the linter to call (default :func:`lint_with_mantle_lint`).
    """

    def __init__(self, *, fail_on: str = "error", lint: LintFunction | None = None) -> None:
        if fail_on not in SEVERITIES:
            raise ValueError(f"MantleLintPlugin: `fail_on` must be one of {', '.join(SEVERITIES)}, got {fail_on!r}")
        self._fail_on = fail_on
        self._lint = lint or lint_with_mantle_lint

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def rule_ids(self) -> list[str] | None:
        return _known_rule_ids()

    @property
    def version(self) -> str | None:
        return mantlekit.__version__

    @staticmethod
    def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
        """Acknowledge mantle-lint rule ``rule_id`` on ``scope`` and everything below it, with a reason."""
        if not rule_id or not rule_id.strip():
            raise ValueError("MantleLintPlugin.acknowledge: `rule_id` must name a rule, e.g. MNT001")
        if not reason or not reason.strip():
            raise ValueError("MantleLintPlugin.acknowledge: `reason` must say why the finding is acceptable")
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{PLUGIN_NAME}::{rule_id}", reason=reason))

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        paths = list(context.template_paths)
        result = self._lint(paths)
        findings = list(getattr(result, "findings", result) or [])
        errors = list(getattr(result, "errors", []) or [])
        threshold = SEVERITIES.index(self._fail_on)
        reported = [f for f in findings if _severity_rank(f) >= threshold]
        resources = _ResourceIndex(paths)
        stacks = {os.path.abspath(s.template_path): s.stack_construct_path for s in context.stack_templates or []}
        violations = [_violation(f, resources, stacks) for f in reported]
        violations += [_input_error_violation(e) for e in errors]
        return cdk.PolicyValidationPluginReport(
            success=not violations,
            violations=violations,
            plugin_version=self.version,
            metadata={
                "templates": str(len(paths)),
                "findings": str(len(findings)),
                "below_fail_on": str(len(findings) - len(reported)),
                "fail_on": self._fail_on,
            },
        )


def _get(finding: Any, name: str, default: Any = None) -> Any:
    if isinstance(finding, dict):
        return finding.get(name, default)
    return getattr(finding, name, default)


def _severity_rank(finding: Any) -> int:
    severity = str(_get(finding, "severity", "error")).lower()
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES) - 1


class _ResourceIndex:
    """Logical ids of each template, so a finding can name the resource CDK should map to a construct."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._ids: dict[str, set[str]] = {}
        for path in paths:
            try:
                with open(path, encoding="utf-8") as fh:
                    self._ids[os.path.abspath(path)] = set((json.load(fh).get("Resources") or {}).keys())
            except (OSError, ValueError, AttributeError):
                self._ids[os.path.abspath(path)] = set()

    def find(self, file: str | None, candidates: Sequence[Any]) -> tuple[str | None, str | None]:
        """(template path, logical id) for the first candidate that is a resource of ``file``'s template."""
        if not file:
            return None, None
        path = os.path.abspath(file)
        ids = self._ids.get(path)
        if ids is None:
            return None, None
        for candidate in candidates:
            if isinstance(candidate, str):
                head = candidate.split("/", 1)[0].split(".", 1)[0]
                if head in ids:
                    return path, head
        return path, None


def _violation(finding: Any, resources: _ResourceIndex, stacks: dict[str, str]) -> cdk.PolicyViolation:
    details = _get(finding, "details", None) or {}
    file = _get(finding, "file")
    template, logical_id = resources.find(
        file, [details.get("logical_id"), details.get("label"), _get(finding, "principal")]
    )
    where = f"line {_get(finding, 'line', 1)}, column {_get(finding, 'column', 1)}"
    if details.get("sid"):
        where += f" (statement {details['sid']})"
    construct_path = details.get("construct_path")
    if not construct_path and file:
        construct_path = stacks.get(os.path.abspath(file))  # no resource to point at: point at the stack
    if logical_id:
        resource = cdk.PolicyViolatingResource(
            resource_logical_id=logical_id, template_path=template, locations=[where]
        )
    elif isinstance(construct_path, str) and construct_path:
        resource = cdk.PolicyViolatingResource(construct_path=construct_path, locations=[where])
    else:
        resource = cdk.PolicyViolatingResource(template_path=template or file, locations=[where])
    fix = _get(finding, "fix")
    return cdk.PolicyViolation(
        rule_name=str(_get(finding, "rule", "mantle-lint")),
        description=str(_get(finding, "message", "")),
        fix=str(fix) if fix else None,
        severity=str(_get(finding, "severity", "error")),
        violating_resources=[resource],
    )


def _input_error_violation(error: Any) -> cdk.PolicyViolation:
    file = _get(error, "file")
    return cdk.PolicyViolation(
        rule_name="input-error",
        description=f"mantle-lint could not read the input: {_get(error, 'message', error)}",
        severity="error",
        violating_resources=[
            cdk.PolicyViolatingResource(
                template_path=file, locations=[f"line {_get(error, 'line', 1)}, column {_get(error, 'column', 1)}"]
            )
        ],
    )
