"""IAM012: ForAllValues / ForAnyValue on a single-valued condition key."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.catalog import get_catalog
from mantlekit.iam.conditions import NEGATED
from mantlekit.iam.model import Condition, Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules._condition_keys import action_prefixes, lookup_memo
from mantlekit.lint.rules.base import Rule

# "Do not use condition set operators ForAllValues or ForAnyValue with single-valued context keys. Using
# condition set operators with single-valued context keys can lead to overly permissive policies."
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
# Single-valued: a global key the global-keys page calls so, or a service key whose catalog type has no
# "ArrayOf" prefix ("multivalued context keys in the Service Authorization Reference use an ArrayOf
# prefix", same page). Keys whose value type is not known are not judged.


def _consequence(cond: Condition, allow: bool) -> str:
    """What the qualifier changes against the plain operator, for a key with at most one value."""
    if cond.qualifier == "forallvalues":
        if cond.if_exists:
            return "the plain operator with IfExists says the same without the set semantics"
        # "ForAllValues ... also returns true if there are no context keys in the request" (same page).
        what = "also matches requests without the key" if cond.base not in NEGATED else "matches requests without it"
        effect = ", so the Allow grants more than it appears to" if allow else ""
        return f"ForAllValues is true when the key is absent: the condition {what}{effect}"
    if cond.base in NEGATED:
        return "with a negated operator ForAnyValue is false when the key is absent, unlike the plain operator"
    return "with a positive operator ForAnyValue means the same as the plain operator, which says it plainly"


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    for st in policy.statements:
        for cond in st.conditions:
            if cond.qualifier is None:
                continue
            info = lookup_memo(cat, cond.key)
            if info is None:
                info = lookup_memo(cat, cond.key, action_prefixes(st.actions or st.not_actions))
            if info is None or info.multivalued is not False:
                continue
            qualifier = cond.operator.partition(":")[0]
            # Where the qualifier changes nothing (ForAnyValue with a positive operator, ForAllValues with
            # IfExists) the policy means what it seems to: a note on style, not a warning for CI.
            harmless = (cond.qualifier == "foranyvalue" and cond.base not in NEGATED) or (
                cond.qualifier == "forallvalues" and cond.if_exists
            )
            yield RULE.at_statement(
                st,
                f"{qualifier} on single-valued key {cond.key}: {_consequence(cond, st.is_allow)}",
                "Condition",
                cond.operator,
                cond.key,
                fix=f"use {cond.operator.partition(':')[2]} without {qualifier}",
                severity="info" if harmless else None,
                key=cond.key,
            )


RULE = Rule(
    id="IAM012",
    name="set-operator-on-single-valued-key",
    severity="warning",
    summary="ForAllValues or ForAnyValue on a condition key that has at most one value in a request.",
    rationale=(
        "The set qualifiers are for multivalued keys such as aws:TagKeys or aws:CalledVia. AWS says not to "
        "use them with single-valued keys: ForAllValues is true when the key is absent from the request, "
        "so an Allow meant for requests from one VPC endpoint also allows requests with no endpoint at all; "
        "ForAnyValue with a negated operator is false when the key is absent, unlike the plain operator. "
        "Single-valued means so on AWS's global-keys page or a catalog type without the ArrayOf prefix."
    ),
    fix="Drop the qualifier and use the plain operator (with IfExists if the key may be absent).",
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
