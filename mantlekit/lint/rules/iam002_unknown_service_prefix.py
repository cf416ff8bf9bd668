"""IAM002: an action's service prefix is not in the catalog."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.catalog import Catalog, get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules._retired import RETIRED_FIX, RETIRED_SEVERITY
from mantlekit.lint.rules.base import Rule, known_actions_memo, value_problems


def unknown_prefix(pattern: str, cat: Catalog) -> str | None:
    """The prefix of ``pattern`` when the catalog does not know it."""
    prefix = pattern.partition(":")[0]
    if pattern == "*" or "*" in prefix or "?" in prefix or prefix in cat.prefixes():
        return None
    return prefix


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    for st, key, i, action, prefix in value_problems(
        policy, lambda p: unknown_prefix(p, cat), known_actions_memo(RULE.id, cat)
    ):
        retired = cat.retired_service(prefix)
        if retired is not None:
            named = f" ({retired})" if retired != prefix else ""
            if cat.only_observed(cat.retired_match(f"{prefix}:*")):
                message = (
                    f"service prefix {prefix!r}{named} is retired or never was in AWS's Service Authorization "
                    f"Reference (catalog dated {cat.date}): only AWS managed policies name it, so its actions "
                    "most likely grant and deny nothing"
                )
            else:
                message = (
                    f"service prefix {prefix!r}{named} is retired: AWS's Service Authorization Reference no "
                    f"longer lists it (catalog dated {cat.date}), so its actions grant and deny nothing"
                )
            yield RULE.at_statement(st, message, key, i, fix=RETIRED_FIX, severity=RETIRED_SEVERITY, action=action)
            continue
        yield RULE.at_statement(
            st,
            f"service prefix {prefix!r} is not in the action catalog (dated {cat.date}); if the service is "
            "newer than that, run `mantle-lint catalog update`, otherwise the prefix is misspelt",
            key,
            i,
            action=action,
        )


RULE = Rule(
    id="IAM002",
    name="unknown-service-prefix",
    severity="warning",
    summary="An action names a service prefix the catalog does not know.",
    rationale=(
        "A misspelt prefix makes the whole action a no-op. But bundled IAM data goes stale: new services "
        "appear every month, and a linter that calls them errors trains people to ignore it. This rule is a "
        "warning kept apart from unknown actions of known services (IAM003), and names the catalog's date. "
        "A service AWS has retired (an earlier catalog knew it, AWS's reference no longer lists it) is "
        "reported as retired, at info: the entry is harmless dead weight, not a mistake."
    ),
    fix="Fix the prefix, or refresh the catalog with `mantle-lint catalog update`.",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
    covered_by=("MNT006",),  # bedrock-runtime:, with the prefix meant
)
