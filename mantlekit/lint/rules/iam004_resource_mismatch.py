"""IAM004: an action and the resources of its statement can never meet."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mantlekit.catalog import get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule

_WILD = re.compile(r"[*?]|\$\{")


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    for st in policy.statements:
        if st.actions is None or st.resources is None or "*" in st.resources:
            continue
        literal = [r for r in st.resources if r.startswith("arn:") and not _WILD.search(r)]
        if len(literal) != len(st.resources):
            continue  # wildcard patterns may cover anything; only literal ARNs are judged
        for i, pattern in enumerate(st.actions):
            if "*" in pattern or "?" in pattern:
                continue
            info = cat.action(pattern)
            if info is None:
                continue
            if not info.resource_types:
                continue  # MNT005 covers the bearer-token actions; others are reported below
            svc = cat.service(info.service)
            types = [svc.resource_types.get(t) for t, _ in info.resource_types] if svc else []
            types = [t for t in types if t is not None]
            if not types:
                continue
            if not any(t.matches(arn) for t in types for arn in literal):
                yield RULE.at_statement(
                    st,
                    f"{info.full_name} acts on {', '.join(t.name for t in types)}; none of the statement's "
                    "resources is of that type, so the action is never allowed or denied here",
                    "Action",
                    i,
                    expected=[t.arn_format for t in types],
                )


RULE = Rule(
    id="IAM004",
    name="action-resource-mismatch",
    severity="warning",
    summary="A statement pairs an action with resources of a type the action never acts on.",
    rationale=(
        "IAM matches an action only against resources of the types it is defined for. s3:GetObject on a "
        "bucket ARN, or bedrock-mantle:GetReservation on a project ARN, is a statement that silently does "
        "nothing for that action."
    ),
    example='{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket"}',
    fix="Use the ARN shape the finding lists for the action, or move the action to a matching statement.",
    check_document=_check,
)
