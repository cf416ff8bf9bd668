"""IAM008: Allow of every action on every resource."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import LIMITING, Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule


def _check(policy: Policy) -> Iterator[Finding]:
    if policy.kind in LIMITING:
        # A boundary, SCP, RCP, session or endpoint policy grants nothing; "Allow * on *" is its normal shape
        # (FullAWSAccess is one). The runner marks documents principals use so, see runner.boundary_documents.
        return
    denies = [st for st in policy.statements if not st.is_allow]
    if any(st.not_actions is not None for st in denies):
        return  # a Deny/NotAction ceiling: the document allows only what the ceiling leaves
    for st in policy.statements:
        if (
            st.is_allow
            and st.actions is not None
            and "*" in st.actions
            and st.resources is not None
            and "*" in st.resources
            and not st.conditions
        ):
            if denies:
                # Evaluation takes an explicit Deny over any Allow, so the document's own Denies limit it.
                lines = ", ".join(str(d.line) for d in denies)
                msg = f'allows "*" on "*" without a condition, limited only by the Deny statements at line {lines}'
            else:
                msg = 'allows "*" on "*" without a condition: full administrator access'
            yield RULE.at_statement(st, msg)


RULE = Rule(
    id="IAM008",
    name="allow-all",
    severity="warning",
    summary='A statement allows Action "*" on Resource "*" with no condition.',
    rationale=(
        "Full access includes creating Bedrock API keys for any user, archiving Mantle projects and "
        "changing data retention. Outside break-glass roles it is almost never intended. Not reported for "
        "a document used as a permissions boundary (it caps, it grants nothing) or one whose own Deny/NotAction "
        "ceiling limits it; a document with other Deny statements is reported without the words "
        '"full administrator access".'
    ),
    fix="Grant the actions the principal needs on the resources it uses.",
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html",
        "https://docs.aws.amazon.com/wellarchitected/latest/framework/sec_permissions_least_privileges",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
