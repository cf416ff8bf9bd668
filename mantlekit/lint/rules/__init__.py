"""The rule registry. One module per rule; the list below is the order of ``--explain all``."""

from __future__ import annotations

import importlib
from functools import lru_cache

from mantlekit.lint.rules.base import Rule

RULE_MODULES = (
    "mnt001_key_cannot_use_bearer_token",
    "mnt002_cannot_list_models",
    "mnt003_cannot_run_inference",
    "mnt004_key_guardrail_leaves_mantle_open",
    "mnt005_bearer_token_on_specific_resource",
    "mnt006_wrong_mantle_action",
    "mnt007_bad_mantle_arn",
    "mnt008_management_power_for_user",
    "mnt009_missing_declared_capability",
    "mnt010_stale_long_term_key",
    "mnt011_project_type_not_in_region",
    "iam001_policy_structure",
    "iam002_unknown_service_prefix",
    "iam003_unknown_action",
    "iam004_action_resource_mismatch",
    "iam005_invalid_arn",
    "iam006_policy_version",
    "iam007_allow_not_action",
    "iam008_allow_all",
    "iam009_unknown_condition_key",
    "iam010_unsupported_condition_key",
    "iam011_condition_value_type",
    "iam012_set_operator_on_single_valued_key",
    "iam013_duplicate_sid",
    "iam014_invalid_sid",
)


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    out = []
    for name in RULE_MODULES:
        try:
            out.append(importlib.import_module(f"mantlekit.lint.rules.{name}").RULE)
        except ModuleNotFoundError as e:
            if e.name != f"mantlekit.lint.rules.{name}":
                raise
    return tuple(out)


def rule_by_id(rule_id: str) -> Rule | None:
    for r in all_rules():
        if r.id.lower() == rule_id.lower():
            return r
    return None
