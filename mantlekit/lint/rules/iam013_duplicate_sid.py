"""IAM013: two statements of one policy with the same Sid."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules._sids import REJECTING_KINDS, raw_sids, sid_path
from mantlekit.lint.rules.base import Rule


def _check(policy: Policy) -> Iterator[Finding]:
    if not policy.problems:
        # Every statement was read (none left out for a grammar error): the parsed Sids tell at once.
        sids = [st.sid for st in policy.statements if st.sid]
        if len(sids) == len(set(sids)):
            return
    first: dict[str, int] = {}
    for index, sid in raw_sids(policy):
        if index is None or not sid:
            continue
        if sid not in first:
            first[sid] = index
            continue
        line = policy.location(*sid_path(first[sid]))[0]
        rejected = policy.kind in REJECTING_KINDS
        finding = RULE.at_policy(
            policy,
            f"Sid {sid!r} is already used by the statement on line {line}"
            + ("; IAM rejects a policy whose Sids are not unique" if rejected else ""),
            *sid_path(index),
            sid=sid,
        )
        if not rejected:
            finding.severity = "warning"
        yield finding


RULE = Rule(
    id="IAM013",
    name="duplicate-sid",
    severity="error",
    summary="Two statements of one policy share a Sid.",
    rationale=(
        "IAM requires a policy's Sids to be unique and refuses the document otherwise (\"The Statement Ids "
        'in the policy are not unique"); AWS Organizations does the same for SCPs. In resource and endpoint '
        "policies it depends on the service, so there it is a warning: a reader who looks a statement up by "
        "its Sid finds the wrong one."
    ),
    fix="Give each statement its own Sid.",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html",),
    tags=("security", "iam"),
    check_document=_check,
)
