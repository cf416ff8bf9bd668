"""IAM010: a real service condition key that none of the statement's actions supports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from mantlekit.catalog import Catalog, get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules._condition_keys import KeyTable, absent_result, action_prefixes, lookup_memo, supporters
from mantlekit.lint.rules.base import Rule

#: Listing more actions than this in a message helps nobody; the details carry them all.
_NAMED = 3


@lru_cache(maxsize=4096)
def _name_regex(name_pattern: str) -> re.Pattern[str]:
    """The action-name part of a lower-case IAM action pattern (``get*``, ``list?``) as a regex."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name_pattern))


def _matches(name_pattern: str, names: frozenset[str]) -> bool:
    if "*" not in name_pattern and "?" not in name_pattern:
        return name_pattern in names
    regex = _name_regex(name_pattern)
    return any(regex.fullmatch(n) for n in names)


@lru_cache(maxsize=8192)
def _action_keys(cat: Catalog, full_name: str) -> KeyTable | None:
    """An action's keys: its own and its resource types'. None for an action the catalog does not know
    or knows by name only (its keys are unknown)."""
    info = cat.action(full_name)
    if info is None or info.observed:
        return None
    keys = dict.fromkeys(info.condition_keys, "")
    for rt, _required in info.resource_types:
        rti = cat.resource_type(info.service, rt)
        if rti is not None:
            keys.update(dict.fromkeys(rti.condition_keys, ""))
    return KeyTable(keys)


@lru_cache(maxsize=8192)
def unsupported(cat: Catalog, key: str, actions: tuple[str, ...]) -> tuple[str, ...] | None:
    """The statement's actions, when none of the lower-case action patterns ``actions`` supports the
    service key ``key``. None when one does, or when there is no answer: a global or unknown key, a key
    the catalog ties to no action at all, a ``*`` action, a pattern that matches nothing the catalog
    knows, or an action the catalog knows by name only (its keys are unknown).

    The Service Authorization Reference lists an action's keys in two places ("Resource condition keys
    are listed in the Resource types table"), both count:
    https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    Memoised per (catalog, key, action list): a policy set repeats both. Exact actions are asked first;
    the per-service index that wildcards need is built only when they do not settle it.
    """
    prefixes = action_prefixes(actions)
    info = lookup_memo(cat, key, prefixes)
    if info is None or info.global_key:
        return None
    wildcards = []
    for pattern in actions:
        prefix, _, name = pattern.partition(":")
        if pattern == "*" or prefix not in prefixes:  # "*", or a wildcard in the service prefix
            return None
        if "*" in name or "?" in name:
            wildcards.append((prefix, name, pattern))
            continue
        table = _action_keys(cat, pattern)
        if table is None or table.find(key) is not None:
            return None
    for prefix, name, pattern in wildcards:
        index = supporters(cat, prefix)
        if not cat.matches_any(pattern) or _matches(name, index.observed) or _matches(name, index.of(key)):
            return None
    own = key.partition(":")[0].lower()
    if not any(supporters(cat, p).of(key) for p in dict.fromkeys((own, *prefixes))):
        return None  # the reference data defines the key without naming an action that supports it
    return tuple(n for pattern in actions for n in cat.expand(pattern))


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    for st in policy.statements:
        # NotAction covers every action but those it names: too many to say none supports a key.
        if not st.conditions or not st.actions:
            continue
        for cond in st.conditions:
            info = lookup_memo(cat, cond.key)
            if info is not None and info.global_key:
                continue  # the common case, settled without building the memo key below
            names = unsupported(cat, cond.key, st.actions)
            if names is None:
                continue
            shown = ", ".join(names[:_NAMED]) + (f" and {len(names) - _NAMED} more" if len(names) > _NAMED else "")
            outcome = "true" if absent_result(cond) else "false"
            yield RULE.at_statement(
                st,
                f"the catalog of {cat.date} lists {cond.key} for none of this statement's actions ({shown}); "
                f"for them the key is absent, so {cond.operator} on it is always {outcome}",
                "Condition",
                cond.operator,
                cond.key,
                key=cond.key,
                actions=list(names),
            )


RULE = Rule(
    id="IAM010",
    name="unsupported-condition-key",
    severity="warning",
    summary="A service condition key that none of the statement's actions supports.",
    rationale=(
        "A service sets its condition keys only for the actions that support them (the Service "
        "Authorization Reference lists them per action and per resource type). A key that no action of the "
        "statement supports is absent from every request the statement matches, so the condition is a "
        "constant: `bedrock-mantle:Model` on `s3:GetObject` is always false, and the Allow grants nothing. "
        "Global keys apply to every action and are not checked; statements with `*`, NotAction, or actions "
        "the catalog does not know in full are left alone. A warning: the reference data can lag a new key."
    ),
    fix="Move the condition to the statement with the actions that support the key, or use a key they support.",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
