"""MNT008: a key or inference-only principal holds management power on Mantle."""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit import facts
from mantlekit.iam.evaluate import Verdict
from mantlekit.lint.access import PrincipalAccess, action_resource, short_project
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import Principal
from mantlekit.lint.rules._common import cite
from mantlekit.lint.rules.base import Rule

#: Capabilities that make a principal a user of Mantle rather than a manager of it.
#: Reading the account's data-retention mode changes nothing, so it is use too.
USE_CAPABILITIES = frozenset(
    {
        "list-models",
        "get-model",
        "inference",
        "responses-state",
        "count-tokens",
        "files",
        "projects-read",
        "retention-read",
    }
)


def _check(principal: Principal, access: PrincipalAccess) -> Iterator[Finding]:
    needs = set(principal.effective_needs())
    if not principal.is_key and not (needs and needs <= USE_CAPABILITIES):
        return
    if not principal.is_key and principal.inferred is not None:
        # A workload's needs are guessed from what it calls (list models, inference); what else its role is
        # for nobody wrote down, so its other grants are not evidence of too much power. A key's are.
        return
    needed = set(facts.capability_actions(*needs)) if needs else set()
    project = principal.project_arns()[0]
    granted = []
    for action in sorted(facts.MANAGEMENT_ACTIONS - needed):
        d = access.decide(action, action_resource(action, principal, project))
        if d.verdict is Verdict.ALLOWED:
            granted.append((action, d))
    if not granted:
        return
    names = ", ".join(a.split(":", 1)[1] for a, _ in granted)
    sources = sorted({cite(d.deciding[0]) for _, d in granted})
    yield RULE.at_principal(
        principal,
        f"{principal.name} ({principal.kind}) only uses Mantle but may also manage it on "
        f"{short_project(project)}: {names} (allowed by {'; '.join(sources)})",
        management_actions=[a for a, _ in granted],
        deciding=[d.deciding[0].ref() for _, d in granted[:1]],
    )


RULE = Rule(
    id="MNT008",
    name="management-power-for-user",
    severity="warning",
    summary="An API key or inference-only principal may create, change or archive Mantle resources.",
    rationale=(
        "A leaked key or a compromised inference workload should not be able to archive projects, change "
        "data retention, start fine-tuning, buy reservations or manage customized models. bedrock-mantle:* "
        "or AmazonBedrockMantleFullAccess on a key grants all of that; AWS's default policy for long-term "
        "keys allows only get and list on projects."
    ),
    fix=(
        "Grant only the actions of the capabilities the principal needs (for inference: CreateInference, "
        "ListModels, GetModel, GetProject, Get/Cancel/DeleteInference, CountTokens) on its projects."
    ),
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/projects.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html",
    ),
    tags=("security", "mantle"),
    check_principal=_check,
)
