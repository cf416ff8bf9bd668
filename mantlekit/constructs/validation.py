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

Granular acknowledgements, as cdk-nag's ``AwsSolutions-IAM5[Action::s3:*]``: ``MNT008[bedrock-mantle:CreateProject]``
acknowledges only the MNT008 finding about that action; a bare ``MNT008`` still acknowledges every MNT008
finding. What goes in the brackets depends on the rule (:data:`SUBJECTS`): an action for the rules about
actions, a condition key for those about condition keys, a Sid for those about Sids; the other rules take
no brackets. A finding about several actions (MNT008 lists every management action a key holds) becomes
one violation per action, so each can be acknowledged on its own.

CDK matches an acknowledgement to a violation by exact rule name, so the plugin names each violation after
the acknowledgement that covers it: the granular id when a granular acknowledgement on the resource or an
ancestor matches, else the bare id when a bare one does, else the granular id (which tells the reader what
to write). The acknowledgements come from the construct tree (``context.app_construct``), as CDK's own do.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct

import mantlekit
from mantlekit import facts
from mantlekit.constructs.errors import config_error, construct_path
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


#: Rule name of the violations for input mantle-lint could not read (not a rule of the linter).
INPUT_ERROR = "input-error"
_ACTION_RE = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_CONDITION_KEY_RE = re.compile(r"^[A-Za-z0-9-]+:\S+$")


@dataclass(frozen=True)
class Subject:
    """What the brackets of a granular acknowledgement hold for one rule, and where its findings say it.

    ``kind``: ``action`` (compared case-insensitively, as IAM compares actions), ``condition key``
    (case-insensitively too) or ``sid`` (exactly). ``field``: the key of the finding's ``details`` holding
    it, a string or a list of them. ``values``: every value the rule can report, when the Mantle facts fix
    them (an acknowledgement for another value could never match, so it is refused).
    """

    kind: str
    field: str
    values: frozenset[str] | None = None

    def accepts(self, value: str) -> bool:
        if self.kind == "sid":
            return bool(value)
        shape = _ACTION_RE if self.kind == "action" else _CONDITION_KEY_RE
        if not shape.match(value):
            return False
        return self.values is None or value.lower() in {v.lower() for v in self.values}

    def same(self, acknowledged: str, reported: str) -> bool:
        # CDK records acknowledgement ids, and compares rule names, with spaces turned into "-".
        acknowledged, reported = acknowledged.replace(" ", "-"), reported.replace(" ", "-")
        return acknowledged == reported if self.kind == "sid" else acknowledged.lower() == reported.lower()


_MANTLE_ACTIONS = frozenset(a.full_name for a in facts.ACTIONS.values())
_ANY_ACTION = Subject("action", "action")
_CONDITION_KEY = Subject("condition key", "key")
_SID = Subject("sid", "sid")

#: The rules whose acknowledgements may name a subject in brackets. Rules not listed take only the bare id.
SUBJECTS: dict[str, Subject] = {
    "IAM002": _ANY_ACTION,  # the unknown action pattern, as the policy writes it
    "IAM003": _ANY_ACTION,
    "IAM009": _CONDITION_KEY,
    "IAM010": _CONDITION_KEY,
    "IAM011": _CONDITION_KEY,
    "IAM012": _CONDITION_KEY,
    "IAM013": _SID,
    "IAM014": _SID,
    "MNT001": Subject("action", "action", frozenset([facts.CALL_WITH_BEARER_TOKEN])),
    "MNT002": Subject("action", "action", _MANTLE_ACTIONS),  # the action the failing route needs
    "MNT003": Subject("action", "action", _MANTLE_ACTIONS),
    "MNT004": Subject("action", "open_actions", frozenset(facts.BEARER_TOKEN_ACTIONS)),
    "MNT008": Subject("action", "management_actions", frozenset(facts.MANAGEMENT_ACTIONS)),
    "MNT009": Subject("action", "action", _MANTLE_ACTIONS),
}

_ACK_RE = re.compile(r"^(?P<rule>[^\[\]]+?)(?:\[(?P<subject>.*)\])?$", re.S)


def parse_acknowledgement(rule_id: str) -> tuple[str, str | None]:
    """(rule, bracket or None) of ``MNT008`` or ``MNT008[bedrock-mantle:CreateProject]``; (id, None) when
    ``rule_id`` has neither form."""
    match = _ACK_RE.match(rule_id)
    return (match["rule"], match["subject"]) if match else (rule_id, None)


def check_acknowledgement(rule_id: str, at: str | None = None) -> None:
    """Refuse an acknowledgement that can never match: an unknown rule, or brackets its rule cannot report."""
    rule, subject = parse_acknowledgement(rule_id)
    known = [*_known_rule_ids(), INPUT_ERROR]
    if rule not in known:
        hint = next((f"; did you mean {k}?" for k in known if k.lower() == rule.lower()), "")
        raise config_error(
            f"MantleLintPlugin.acknowledge: {rule_id!r} names no mantle-lint rule (known: {', '.join(known)}){hint}",
            code="MantleLintAckRuleUnknown",
            at=at,
        )
    if subject is None:
        return
    spec = SUBJECTS.get(rule)
    if spec is None:
        problem = f"{rule} findings are about no action, condition key or Sid, so they take no brackets; use {rule}"
    elif not spec.accepts(subject):
        article = "an" if spec.kind[0] in "aeiou" else "a"
        problem = f"{subject!r} is not {article} {spec.kind} a {rule} finding can be about"
        if spec.values is not None:
            problem += f" (one of: {', '.join(sorted(spec.values))}; case does not matter)"
    else:
        return
    raise config_error(
        f"MantleLintPlugin.acknowledge: {rule_id!r} can never match: {problem}",
        code="MantleLintAckBracketNeverMatches",
        at=at,
    )


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
            raise config_error(
                f"MantleLintPlugin: `fail_on` must be one of {', '.join(SEVERITIES)}, got {fail_on!r}",
                code="MantleLintPluginFailOnInvalid",
            )
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
        """Acknowledge mantle-lint findings on ``scope`` and everything below it, with a reason.

        ``rule_id`` is a rule (``MNT008``: all its findings) or a rule with the one subject it accepts
        (``MNT008[bedrock-mantle:CreateProject]``: only the finding about that action); see :data:`SUBJECTS`.
        An unknown rule, or brackets that can never match, is a :class:`MantleConfigError`.
        """
        at = construct_path(scope)
        if not rule_id or not rule_id.strip():
            raise config_error(
                "MantleLintPlugin.acknowledge: `rule_id` must name a rule, e.g. MNT001",
                code="MantleLintAckRuleUnknown",
                at=at,
            )
        check_acknowledgement(rule_id, at)
        if not reason or not reason.strip():
            raise config_error(
                "MantleLintPlugin.acknowledge: `reason` must say why the finding is acceptable",
                code="MantleLintAckReasonMissing",
                at=at,
            )
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
        app = getattr(context, "app_construct", None)
        acks = _Acknowledgements(app) if app is not None else None
        violations = [v for f in reported for v in _violations(f, resources, stacks, acks)]
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
        self._paths: dict[str, dict[str, str]] = {}
        for path in paths:
            try:
                with open(path, encoding="utf-8") as fh:
                    self._ids[os.path.abspath(path)] = set((json.load(fh).get("Resources") or {}).keys())
            except (OSError, ValueError, AttributeError):
                self._ids[os.path.abspath(path)] = set()

    def construct_path(self, template: str | None, logical_id: str | None) -> str | None:
        """The construct path of resource ``logical_id`` of ``template``, from its stack's cloud-assembly
        metadata (the ``aws:cdk:logicalId`` entries), or None when the assembly does not say."""
        if not template or not logical_id:
            return None
        if template not in self._paths:
            self._paths[template] = _assembly_construct_paths(template)
        return self._paths[template].get(logical_id)

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


class _Acknowledgements:
    """mantle-lint acknowledgements of the app, by construct path, read from the tree as CDK reads them."""

    def __init__(self, app: IConstruct) -> None:
        key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        prefix = f"{PLUGIN_NAME}::"
        self._by_path: dict[str, list[str]] = {}
        for node in app.node.find_all():
            for entry in node.node.metadata:
                if entry.type == key and isinstance(entry.data, dict):
                    ids = [k[len(prefix) :] for k in entry.data if isinstance(k, str) and k.startswith(prefix)]
                    if ids:
                        self._by_path.setdefault(node.node.path, []).extend(ids)

    def rule_name(self, rule: str, subject: str | None, path: str | None) -> str:
        """The rule name to report a finding of ``rule`` about ``subject`` on ``path`` under (module docs)."""
        spec = SUBJECTS.get(rule)
        if subject is None or spec is None:
            return rule
        for ancestor in _ancestors(path or ""):
            ids = self._by_path.get(ancestor, ())
            for ack in ids:
                ack_rule, ack_subject = parse_acknowledgement(ack)
                if ack_rule == rule and ack_subject is not None and spec.same(ack_subject, subject):
                    return ack  # exactly as acknowledged: CDK compares the spelling
            if rule in ids:
                return rule
        return f"{rule}[{subject}]"


def _ancestors(path: str) -> Iterator[str]:
    """``path``, its parents, and the root (``""``), closest first (as CDK looks for acknowledgements)."""
    while path:
        yield path
        path = path.rpartition("/")[0]
    yield ""


def _subjects(finding: Any) -> list[str | None]:
    """What each violation of ``finding`` is about (one per action of a finding about several), or [None]."""
    spec = SUBJECTS.get(str(_get(finding, "rule", "")))
    details = _get(finding, "details", None) or {}
    value = details.get(spec.field) if spec else None
    values = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if value else []
    return list(dict.fromkeys(values)) or [None]


def _violations(
    finding: Any, resources: _ResourceIndex, stacks: dict[str, str], acks: _Acknowledgements | None
) -> Iterator[cdk.PolicyViolation]:
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
    resource_path = resources.construct_path(template, logical_id) or construct_path
    fix = _get(finding, "fix")
    rule = str(_get(finding, "rule", "mantle-lint"))
    for subject in _subjects(finding):
        if logical_id:
            resource = cdk.PolicyViolatingResource(
                resource_logical_id=logical_id, template_path=template, locations=[where]
            )
        elif isinstance(construct_path, str) and construct_path:
            resource = cdk.PolicyViolatingResource(construct_path=construct_path, locations=[where])
        else:
            resource = cdk.PolicyViolatingResource(template_path=template or file, locations=[where])
        yield cdk.PolicyViolation(
            rule_name=acks.rule_name(rule, subject, resource_path) if acks else rule,
            description=str(_get(finding, "message", "")),
            fix=str(fix) if fix else None,
            # Every violation this plugin reports is at or above ``fail_on``, so it must fail the synth. CDK
            # decides that by the violation's severity once any violation of the report is acknowledged: it
            # then sets "success" to whether every violation left has a severity other than "error" or
            # "fatal" (aws-cdk-lib 2.275, core/lib/private/synthesis-validation.js, collectSuppressions). A
            # finding that is a mantle-lint warning under fail_on="warning" is therefore an "error" to CDK;
            # its own severity is kept in the rule metadata.
            severity="error",
            rule_metadata={"mantle-lint severity": str(_get(finding, "severity", "error"))},
            violating_resources=[resource],
        )


def _input_error_violation(error: Any) -> cdk.PolicyViolation:
    file = _get(error, "file")
    return cdk.PolicyViolation(
        rule_name=INPUT_ERROR,
        description=f"mantle-lint could not read the input: {_get(error, 'message', error)}",
        severity="error",
        violating_resources=[
            cdk.PolicyViolatingResource(
                template_path=file, locations=[f"line {_get(error, 'line', 1)}, column {_get(error, 'column', 1)}"]
            )
        ],
    )


def _assembly_construct_paths(template: str) -> dict[str, str]:
    """{logical id: construct path} of the stack whose template is ``template``, from the manifest beside it."""
    # The cloud-assembly reader of the linter knows the manifest's shape; only its metadata helpers are used.
    from mantlekit.lint.readers.cdk_out import STACK, artifact_metadata, construct_paths_of

    base = os.path.dirname(template)
    try:
        with open(os.path.join(base, "manifest.json"), encoding="utf-8") as fh:
            artifacts = json.load(fh).get("artifacts") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    name = os.path.basename(template)
    for art in artifacts.values() if isinstance(artifacts, dict) else ():
        if not isinstance(art, dict) or art.get("type") != STACK:
            continue
        props = art.get("properties")
        if isinstance(props, dict) and props.get("templateFile") == name:
            return construct_paths_of(artifact_metadata(art, base))
    return {}
