"""IAM013: two statements of one policy with the same Sid."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import BOUNDARY, IDENTITY, SCP, Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule

#: Kinds whose service rejects a duplicate (IAM for identity policies and boundaries, Organizations for
#: SCPs): "In IAM, the Sid value must be unique within a JSON policy."
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
#: Resource and endpoint policies belong to many services, and the same page says only that "Some AWS
#: services (for example, Amazon SQS or Amazon SNS) might require this element and have uniqueness
#: requirements for it": there a duplicate is a warning.
REJECTING_KINDS = frozenset({IDENTITY, BOUNDARY, SCP})


def raw_sids(policy: Policy) -> Iterator[tuple[int | None, str]]:
    """(statement index, Sid) of every statement with a string Sid, read from the document itself so that
    statements left out for grammar errors count too. The index is None for a lone Statement object."""
    raw = policy.raw
    statements = raw.get("Statement") if isinstance(raw, dict) else None
    if isinstance(statements, dict):
        sid = statements.get("Sid")
        if isinstance(sid, str):
            yield None, sid
    elif isinstance(statements, list):
        for i, s in enumerate(statements):
            sid = s.get("Sid") if isinstance(s, dict) else None
            if isinstance(sid, str):
                yield i, sid


def sid_path(index: int | None) -> tuple[object, ...]:
    return ("Statement", "Sid") if index is None else ("Statement", index, "Sid")


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
    example='[{"Sid": "Read", ...}, {"Sid": "Read", ...}]',
    fix="Give each statement its own Sid.",
    check_document=_check,
)
