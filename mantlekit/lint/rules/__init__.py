"""The rule registry. One module per rule; the list below is the order of ``--explain all``."""

from __future__ import annotations

import importlib
from functools import lru_cache

from mantlekit.lint.rules.base import Rule

RULE_MODULES = (
    "mnt001_bearer_token",
    "mnt002_list_models",
    "mnt003_inference",
    "mnt004_key_guardrail",
    "mnt005_bearer_token_resource",
    "mnt006_wrong_prefix",
    "mnt007_mantle_arn",
    "mnt008_management_power",
    "mnt009_missing_capability",
    "mnt010_live_keys",
    "mnt011_project_region",
    "iam001_structure",
    "iam002_unknown_prefix",
    "iam003_unknown_action",
    "iam004_resource_mismatch",
    "iam005_invalid_arn",
    "iam006_version",
    "iam007_allow_not_action",
    "iam008_allow_all",
    "iam009_unknown_condition_key",
    "iam010_unsupported_condition_key",
    "iam011_condition_value_type",
    "iam012_set_operator_single_value",
    "iam013_duplicate_sid",
    "iam014_sid_characters",
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
