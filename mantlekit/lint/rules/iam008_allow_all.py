"""IAM008: Allow of every action on every resource."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule


def _check(policy: Policy) -> Iterator[Finding]:
    for st in policy.statements:
        if (
            st.is_allow
            and st.actions is not None
            and "*" in st.actions
            and st.resources is not None
            and "*" in st.resources
            and not st.conditions
        ):
            yield RULE.at_statement(st, 'allows "*" on "*" without a condition: full administrator access')


RULE = Rule(
    id="IAM008",
    name="allow-all",
    severity="warning",
    summary='A statement allows Action "*" on Resource "*" with no condition.',
    rationale=(
        "Full access includes creating Bedrock API keys for any user, archiving Mantle projects and "
        "changing data retention. Outside break-glass roles it is almost never intended."
    ),
    example='{"Effect": "Allow", "Action": "*", "Resource": "*"}',
    fix="Grant the actions the principal needs on the resources it uses.",
    check_document=_check,
)
