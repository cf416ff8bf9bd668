"""Resource policies that must allow a request themselves: an identity-based Allow counts only where the
resource policy lets the principal's account delegate (names the account), as it does not for most
resource types within an account.

One row per kind of resource, each with the AWS sentence that says so. The decision reads this table; it
has no special case of its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mantlekit._record import FrozenRecord
from mantlekit.iam.match import action_matches
from mantlekit.iam.model import Gate


class OwnPolicyRule(FrozenRecord):
    """Requests of ``actions`` on resources matching ``resource`` need the policy of ``gate`` to allow them."""

    gate: Gate
    actions: tuple[str, ...]  # lower-case action patterns
    resource: re.Pattern[str]
    source: str
    quote: str

    __slots__ = _fields = ("gate", "actions", "resource", "source", "quote")

    def __init__(self, gate: Gate, actions: tuple[str, ...], resource: str, source: str, quote: str) -> None:
        self.gate = gate
        self.actions = actions
        self.resource = re.compile(resource)
        self.source = source
        self.quote = quote


RULES: tuple[OwnPolicyRule, ...] = (
    OwnPolicyRule(
        Gate.KEY_POLICY,
        ("kms:*",),
        r"arn:[^:]+:kms:[^:]*:[^:]*:key/.+",
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
        "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key. "
        "Without permission from the key policy, IAM policies that allow permissions have no effect.",
    ),
    OwnPolicyRule(
        Gate.TRUST_POLICY,
        (
            "sts:assumerole",
            "sts:assumerolewithsaml",
            "sts:assumerolewithwebidentity",
            "sts:tagsession",
            "sts:setsourceidentity",
            "sts:setcontext",
        ),
        r"arn:[^:]+:iam::[^:]*:role/.+",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html",
        "A role trust policy is a required resource-based policy that is attached to a role in IAM.",
    ),
)


@lru_cache(maxsize=1024)
def own_policy_rule(action: str, resource: str) -> OwnPolicyRule | None:
    """The rule that makes the resource policy of ``resource`` required for ``action``, or None."""
    low = action.lower()
    for rule in RULES:
        if any(action_matches(p, low) for p in rule.actions) and rule.resource.fullmatch(resource):
            return rule
    return None
