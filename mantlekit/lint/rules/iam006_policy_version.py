"""IAM006: Version missing, invalid, or too old for the policy variables the document uses."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule


def _uses_variables(policy: Policy) -> bool:
    for st in policy.statements:
        for v in (*(st.resources or ()), *(st.not_resources or ())):
            if "${" in v:
                return True
        for c in st.conditions:
            if any("${" in v for v in c.values):
                return True
    return False


def _check(policy: Policy) -> Iterator[Finding]:
    for p in policy.problems:
        if p.code in ("version-missing", "version-invalid"):
            sev = "warning" if p.code == "version-missing" else "error"
            if p.code == "version-missing" and _uses_variables(policy):
                continue  # reported below, as an error
            f = RULE.at_policy(policy, p.message, *p.path[len(policy.path) :])
            f.severity = sev
            yield f
    if policy.version != "2012-10-17" and _uses_variables(policy):
        yield RULE.at_policy(
            policy,
            f"uses policy variables but its Version is {policy.version or 'missing'}: "
            "IAM reads ${...} as plain text there",
            "Version" if policy.version else (),
        )


RULE = Rule(
    id="IAM006",
    name="policy-version",
    severity="error",
    summary='Version is missing, invalid, or not "2012-10-17" while the policy uses ${...} variables.',
    rationale=(
        "Without Version, or with 2008-10-17, IAM does not substitute policy variables: "
        '"project/${aws:PrincipalTag/project}" is then a literal string that matches no project.'
    ),
    fix='Add "Version": "2012-10-17" at the top of the document.',
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
