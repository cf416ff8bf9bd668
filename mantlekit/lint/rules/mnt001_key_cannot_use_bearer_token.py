"""MNT001: a key principal cannot use its bearer token on Mantle."""

from __future__ import annotations

import json
from collections.abc import Iterator

from mantlekit import facts
from mantlekit.iam.evaluate import Verdict
from mantlekit.lint.access import PrincipalAccess
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import Principal
from mantlekit.lint.rules._common import fix_for, severity_for, why
from mantlekit.lint.rules.base import Rule


def _check(principal: Principal, access: PrincipalAccess) -> Iterator[Finding]:
    cell = access.bearer_token()
    if cell is None or cell.verdict is Verdict.ALLOWED:
        return
    d = cell.checks[0].decision
    token = principal.token_type
    fix = fix_for(d)
    details = d.to_json(brief=True)
    if d.verdict is Verdict.IMPLICIT_DENY:
        # The engine's suggestion grants every token type; the fix names the key's own, and the JSON
        # output must suggest the same statement the text shows.
        stmt = {
            "Effect": "Allow",
            "Action": facts.CALL_WITH_BEARER_TOKEN,
            "Resource": "*",
            "Condition": {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: token}},
        }
        fix = f"add to the {d.failed_layer}: {json.dumps(stmt)}"
        details["suggested_statement"] = stmt
    verb = "may not be able to" if d.verdict is Verdict.CONDITIONAL else "cannot"
    yield RULE.at_principal(
        principal,
        f"{principal.name} ({principal.kind}) {verb} call Mantle with its {token} bearer token "
        f"({facts.CALL_WITH_BEARER_TOKEN}): {why(d)}",
        fix=fix,
        severity=severity_for(RULE, d.verdict),
        capability="bearer-token",
        **details,
    )


RULE = Rule(
    id="MNT001",
    name="key-cannot-use-bearer-token",
    severity="error",
    summary="A Bedrock API key principal is not allowed bedrock-mantle:CallWithBearerToken for its token type.",
    rationale=(
        "Every request made with a Bedrock API key to the Mantle endpoint is authorized twice: once for "
        "bedrock-mantle:CallWithBearerToken (with bedrock-mantle:BearerTokenType = LONG_TERM or SHORT_TERM) "
        "and once for the operation itself. bedrock:CallWithBearerToken governs only the bedrock and "
        "bedrock-runtime endpoints. Without the Mantle permission every call with the key fails, whatever "
        "else the policy allows.\n\n"
        "Which principals are evaluated (this rule, MNT002, MNT003, MNT008, MNT009): those declared in "
        "[[tool.mantle-lint.principal]] tables (with policy files, or naming a template's role or user with "
        "template and resource); the users and roles of templates, cloud assemblies and account details "
        "(key holders by the mantlekit:api-key tag, a Bedrock service-specific credential, or a policy of "
        "their own that allows a CallWithBearerToken action by name); Mantle workloads' roles (a Lambda "
        "function, ECS task, App Runner service, EC2 instance, Batch job or AgentCore runtime whose "
        "environment names the Mantle endpoint); and, inferred, every key policy that no principal uses "
        "(a document that allows bedrock:CallWithBearerToken or bedrock-mantle:CallWithBearerToken by name). "
        "Findings on inferred principals are warnings and say how to declare them; when a run evaluates no "
        "principal at all, the text report says so."
    ),
    fix=(
        'Allow {"Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"} with a StringEquals '
        "condition on bedrock-mantle:BearerTokenType for the key's token type (the action has no resource "
        'type, so the Resource must be "*"), or attach the current AmazonBedrockMantleInferenceAccess.'
    ),
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-permissions.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html",
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
    ),
    tags=("security", "mantle"),
    check_principal=_check,
)
