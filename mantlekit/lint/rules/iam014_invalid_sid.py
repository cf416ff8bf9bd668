"""IAM014: a Sid with characters other than A-Z, a-z and 0-9 in a policy whose service rejects them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules._sids import REJECTING_KINDS, raw_sids, sid_path
from mantlekit.lint.rules.base import Rule

# "The Sid element supports ASCII uppercase letters (A-Z), lowercase letters (a-z), and numbers (0-9)."
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
# IAM enforces it ("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular
# expression [0-9A-Za-z]*"), and so do AWS Organizations for SCPs. Resource policies are another matter:
# S3 bucket and KMS key policies accept spaces and hyphens (AWS's own examples use "Enable IAM User
# Permissions" and "Access-to-specific-VPC-only"), SNS generates "__default_statement_ID". A policy of kind
# resource may be any of those, or an IAM role trust policy, so resource and endpoint policies are not judged.
_SID = re.compile(r"[0-9A-Za-z]*")


def _check(policy: Policy) -> Iterator[Finding]:
    if policy.kind not in REJECTING_KINDS:
        return
    if not policy.problems and _SID.fullmatch("".join(st.sid for st in policy.statements if st.sid)):
        return  # every statement was read and every Sid is clean: one regex call for the policy
    for index, sid in raw_sids(policy):
        if _SID.fullmatch(sid):
            continue
        bad = "".join(dict.fromkeys(c for c in sid if not _SID.fullmatch(c)))
        suggestion = re.sub(r"[^0-9A-Za-z]", "", sid) or None
        yield RULE.at_policy(
            policy,
            f"Sid {sid!r} has characters IAM refuses ({bad!r}); a Sid is letters A-Z, a-z and digits only",
            *sid_path(index),
            fix=f'rename it "{suggestion}"' if suggestion else None,
            sid=sid,
            suggestion=suggestion,
        )


RULE = Rule(
    id="IAM014",
    name="invalid-sid",
    severity="error",
    summary="A Sid with characters other than ASCII letters and digits, in an identity policy, boundary or SCP.",
    rationale=(
        "IAM accepts only A-Z, a-z and 0-9 in a Sid and refuses the whole policy otherwise, so a Sid such as "
        "`Allow-Mantle` or `read_only` fails the deployment (a CloudFormation stack rolls back). AWS "
        "Organizations checks SCPs the same way. Resource policies of other services (S3, KMS, SNS) accept "
        "more and are not judged."
    ),
    fix="Remove the other characters: AllowMantleInference.",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html",),
    tags=("security", "iam"),
    check_document=_check,
)
