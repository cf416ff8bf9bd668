"""MNT009: a principal lacks a capability it declares it needs (other than list-models and inference)."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.lint.access import PrincipalAccess
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import Principal
from mantlekit.lint.rules._common import capability_findings
from mantlekit.lint.rules.base import Rule

#: Covered by their own rules.
_OWN_RULES = {"list-models", "inference"}


def _check(principal: Principal, access: PrincipalAccess) -> Iterator[Finding]:
    for cap in principal.effective_needs():
        if cap not in _OWN_RULES:
            yield from capability_findings(RULE, principal, access, cap, f"use {cap}")


RULE = Rule(
    id="MNT009",
    name="missing-declared-capability",
    severity="error",
    summary="A principal is denied a route of a capability its configuration says it needs.",
    rationale=(
        "Capabilities group the Mantle routes a client uses together (responses-state for background mode "
        "and stored responses, files, fine-tuning, count-tokens, projects-read, projects-admin). A missing "
        "action fails only when that feature is first used in production; declaring needs lets CI catch it."
    ),
    fix="Allow the missing action on the project ARN (the finding names the route and the action).",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    ),
    tags=("security", "mantle"),
    check_principal=_check,
)
