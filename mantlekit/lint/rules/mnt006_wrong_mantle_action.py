"""MNT006: a Mantle action under a wrong prefix, or a bedrock-mantle action that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit import facts
from mantlekit.catalog import Catalog, get_catalog
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule, known_actions_memo, value_problems

_MANTLE_NAMES = {n.lower(): n for n in facts.ACTIONS}
#: lower-case name -> (name as written in facts, the real actions meant).
_NEVER_EXISTED = {n.lower(): (n, real) for n, real in facts.NONEXISTENT_ACTIONS.items()}
_OWNED = {*facts.MISTAKEN_PREFIXES, facts.SERVICE_PREFIX}
_BEDROCK = facts.BEDROCK_PREFIX
_RUNTIME = facts.BEDROCK_RUNTIME_PREFIX


def mantle_action_problem(pattern: str, cat: Catalog | None = None) -> tuple[str, str | None] | None:
    """(message, suggested action) for an action pattern this rule owns, or None."""
    prefix, _, name = pattern.partition(":")
    if prefix not in _OWNED:
        return None
    cat = cat or get_catalog()
    wild = "*" in name or "?" in name
    if prefix == _RUNTIME:
        if not wild and name in _MANTLE_NAMES:
            return "IAM has no bedrock-runtime prefix", f"{facts.SERVICE_PREFIX}:{_MANTLE_NAMES[name]}"
        return (
            "IAM has no bedrock-runtime prefix: the runtime APIs are authorized under the bedrock prefix",
            f"{_BEDROCK}:{name}",
        )
    if prefix == _BEDROCK and not wild and name in _MANTLE_NAMES and not cat.has_action(pattern):
        return (
            f"{_BEDROCK}:{_MANTLE_NAMES[name]} does not exist; the Mantle endpoint authorizes this as "
            f"{facts.SERVICE_PREFIX}:{_MANTLE_NAMES[name]}",
            f"{facts.SERVICE_PREFIX}:{_MANTLE_NAMES[name]}",
        )
    if prefix == _BEDROCK and not wild and "mantle" in name and not cat.has_action(pattern):
        # bedrock:CreateMantleProject and the like (seen in public Terraform): Mantle's own action, with the
        # service written into its name, under the wrong prefix.
        bare = name.replace("mantles", "s").replace("mantle", "")
        if bare in _MANTLE_NAMES:
            real = f"{facts.SERVICE_PREFIX}:{_MANTLE_NAMES[bare]}"
            return f"no such bedrock action; Mantle authorizes this on its own prefix as {real}", real
    if prefix == facts.SERVICE_PREFIX:
        if wild:
            if not cat.matches_any(pattern):
                return f"{pattern} matches no bedrock-mantle action", None
            return None
        if name in _NEVER_EXISTED and not cat.has_action(pattern):
            return _never_existed(name, cat)
        if name not in _MANTLE_NAMES and not cat.has_action(pattern):
            return "no such bedrock-mantle action", cat.suggest(pattern)
    return None


def _never_existed(name: str, cat: Catalog) -> tuple[str, str | None]:
    """The precise message for an action people write that bedrock-mantle never had: the real action(s)
    meant, and the bedrock: action of that name when there is one (what the writer probably had in mind)."""
    written, real = _NEVER_EXISTED[name]
    full = [f"{facts.SERVICE_PREFIX}:{r}" for r in real]
    message = f"no such bedrock-mantle action; on the Mantle endpoint this is {' and '.join(full)}"
    if cat.has_action(f"{_BEDROCK}:{name}"):
        message += f" ({_BEDROCK}:{written} is the action of the bedrock endpoints)"
    return message, full[0] if len(full) == 1 else None


def _clean(cat: Catalog) -> set[str]:
    """Every real action passes :func:`mantle_action_problem`, except those of a bedrock-runtime prefix,
    should the catalog ever know one (it reports every action of that prefix)."""
    runtime: frozenset[str] = frozenset()
    if _RUNTIME in cat.prefixes():
        runtime = frozenset(a for a in cat.known_actions() if a.startswith(_RUNTIME + ":"))
    return known_actions_memo(RULE.id, cat, runtime)


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    problems = value_problems(policy, lambda p: mantle_action_problem(p, cat), _clean(cat))
    for st, key, i, _, (message, suggestion) in problems:
        written = st.raw.get(key)
        original = written[i] if isinstance(written, list) else written
        if (
            suggestion
            and isinstance(original, str)
            and suggestion.lower() == f"{_BEDROCK}:{original.partition(':')[2]}".lower()
        ):
            suggestion = f"{_BEDROCK}:{original.partition(':')[2]}"  # the name as written (patterns are lower-cased)
        fix = f'use "{suggestion}"' if suggestion else RULE.fix
        yield RULE.at_statement(st, f"{original}: {message}", key, i, fix=fix, suggestion=suggestion)


def _claims(finding: Finding) -> bool:
    """IAM002 and IAM003 name this rule in ``covered_by``: their findings on an action this rule reports
    (with the action meant) are left to it while it runs."""
    action = finding.details.get("action")
    return isinstance(action, str) and mantle_action_problem(action) is not None


RULE = Rule(
    id="MNT006",
    name="wrong-mantle-action",
    severity="error",
    summary="A Mantle action is written under a wrong prefix, or names a bedrock-mantle action that does not exist.",
    rationale=(
        "IAM ignores actions it does not know, so a misspelt or misplaced action silently grants or denies "
        "nothing. Common slips: bedrock:CreateInference (Mantle actions live under bedrock-mantle:), the "
        "non-existent bedrock-runtime: prefix, bedrock-runtime habits carried over (bedrock-mantle:InvokeModel "
        "is CreateInference, bedrock-mantle:ListFoundationModels is ListModels) and AWS's own documented typo "
        "ListTagsForResources."
    ),
    fix="Use the action the finding suggests (bedrock-mantle:<Name> for the Mantle endpoint).",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/endpoints.html",
    ),
    tags=("security", "mantle"),
    check_document=_check,
    claims=_claims,
)
