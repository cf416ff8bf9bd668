"""MNT003: a principal cannot run inference on one of its projects."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.lint.access import PrincipalAccess
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import Principal
from mantlekit.lint.rules._common import capability_findings
from mantlekit.lint.rules.base import Rule


def _check(principal: Principal, access: PrincipalAccess) -> Iterator[Finding]:
    if "inference" in principal.effective_needs():
        yield from capability_findings(RULE, principal, access, "inference", "run inference")


RULE = Rule(
    id="MNT003",
    name="cannot-run-inference",
    severity="error",
    summary="A principal that needs inference is not allowed bedrock-mantle:CreateInference on its project.",
    rationale=(
        "POST /v1/responses, /v1/chat/completions, /v1/embeddings and /anthropic/v1/messages are all "
        "authorized as bedrock-mantle:CreateInference on the project the request names (the default project "
        "when none is named). bedrock:InvokeModel does not cover them."
    ),
    fix='Allow "bedrock-mantle:CreateInference" on the project ARN the principal uses.',
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/bedrock-mantle.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    ),
    tags=("security", "mantle"),
    check_principal=_check,
)
