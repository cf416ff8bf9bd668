"""IAM009: a condition key that does not exist (a global key not on AWS's list, or a key of a known
service that the catalog does not list)."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.catalog import Catalog, get_catalog
from mantlekit.iam.global_keys import GLOBAL_KEYS_DATE
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules._condition_keys import (
    absent_result,
    action_prefixes,
    known_prefix,
    lookup_memo,
    near_miss,
    suggest_key,
)
from mantlekit.lint.rules.base import Rule


def _unknown(cat: Catalog, key: str, also: tuple[str, ...]) -> tuple[str, bool] | None:
    """(why ``key`` names no key, whether only dated reference data says so). None when the key is real, or
    belongs to a service the catalog does not know: that is not this rule's business."""
    if ":" not in key:
        return f"{key!r} is not a condition key (a key is service:name)", False
    if lookup_memo(cat, key) is not None:
        return None
    if also and lookup_memo(cat, key, also) is not None:
        return None
    if key[:4].lower() == "aws:":
        return f"{key} is not an AWS global condition key (list of {GLOBAL_KEYS_DATE})", True
    prefix = known_prefix(cat, key)
    if prefix is None:
        return None  # an identity provider's keys (accounts.google.com:aud) or a service unknown to the catalog
    return f"{prefix} has no condition key {key} in the catalog of {cat.date}", True


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    for st in policy.statements:
        if not st.conditions:
            continue
        also: tuple[str, ...] | None = None
        for cond in st.conditions:
            if lookup_memo(cat, cond.key) is not None:
                continue
            if also is None:
                also = action_prefixes(st.actions or st.not_actions)
            found = _unknown(cat, cond.key, also)
            if found is None:
                continue
            why, by_data = found
            outcome = "true" if absent_result(cond) else "false"
            suggestion = suggest_key(cat, cond.key)
            # A key that is one or two letters from a real one is a typo. A key far from every key the
            # catalog lists is as likely newer than the catalog: a warning that says so, not an error.
            typo = ":" not in cond.key or near_miss(cond.key, suggestion)
            if typo or not by_data:
                message = f"{why}; no request carries it, so {cond.operator} on it is always {outcome}"
            else:
                message = (
                    f"{why}: unless the key is newer than that, no request carries it and {cond.operator} "
                    f"on it is always {outcome}"
                )
            if typo and suggestion:
                fix = f'did you mean "{suggestion}"?'
            else:
                fix = (f'did you mean "{suggestion}"? ' if suggestion else "") + (
                    "If the key is newer than the catalog, run `mantle-lint catalog update`."
                    if by_data and cond.key[:4].lower() != "aws:"
                    else "The AWS global condition context keys page lists the global keys."
                )
            yield RULE.at_statement(
                st,
                message,
                "Condition",
                cond.operator,
                cond.key,
                fix=fix,
                severity=None if typo else "warning",
                suggestion=suggestion,
                key=cond.key,
            )


RULE = Rule(
    id="IAM009",
    name="unknown-condition-key",
    severity="error",
    summary="A condition key that no request carries: not an AWS global key, or not a key of its service.",
    rationale=(
        "IAM accepts any condition key and evaluates a key missing from the request context as absent. A "
        "misspelt key therefore turns the condition into a constant: `StringEquals` on "
        "`bedrock-mantle:Modle` is always false, so the Allow grants nothing (or the Deny never denies), "
        "and a negated or `...IfExists` operator is always true, so the statement applies to every request. "
        "Keys are compared case-insensitively, and tag keys (`aws:ResourceTag/<key>`, "
        "`s3:ExistingObjectTag/<key>`) take any suffix. Service keys are checked against the catalog, "
        "whose date the finding names; keys of services the catalog does not know are left alone. An error "
        "when a real key is one or two letters away (a typo); a warning when no key is close, since the "
        "key may be newer than the reference data."
    ),
    fix="Use the key the finding suggests; `mantle-lint catalog show SERVICE` lists a service's keys.",
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
