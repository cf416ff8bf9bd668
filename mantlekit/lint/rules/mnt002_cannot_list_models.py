"""MNT002: a principal cannot list models on one of its projects."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.lint.access import PrincipalAccess
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import Principal
from mantlekit.lint.rules._common import capability_findings
from mantlekit.lint.rules.base import Rule


def _check(principal: Principal, access: PrincipalAccess) -> Iterator[Finding]:
    if "list-models" in principal.effective_needs():
        # The symptom, not the cause, is what the user sees: Mantle answers 404 for a denied ListModels.
        yield from capability_findings(RULE, principal, access, "list-models", "list models", answers="HTTP 404")


RULE = Rule(
    id="MNT002",
    name="cannot-list-models",
    severity="error",
    summary="A principal that needs to list models is not allowed bedrock-mantle:ListModels on its project.",
    rationale=(
        "GET /v1/models is the first call most OpenAI-compatible clients make, and Mantle authorizes it with "
        "bedrock-mantle:ListModels on the project. When that is not allowed, Mantle answers HTTP 404 rather "
        "than 403, which sends people looking for a wrong base URL instead of a missing permission."
    ),
    fix=(
        'Allow "bedrock-mantle:ListModels" on the project ARN '
        "(arn:aws:bedrock-mantle:<region>:<account>:project/<id>), or attach the current "
        "AmazonBedrockMantleInferenceAccess or AmazonBedrockLimitedAccess (v2 or later) by ARN."
    ),
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/bedrock-mantle.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    ),
    tags=("security", "mantle"),
    check_principal=_check,
)
