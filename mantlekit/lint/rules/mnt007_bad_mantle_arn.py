"""MNT007: a malformed or impossible bedrock-mantle ARN."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mantlekit import facts
from mantlekit.iam.arn import arn_fields, is_account_id, is_wild
from mantlekit.iam.match import open_ended_arn, variable_before_fifth_colon
from mantlekit.iam.model import Policy, Statement
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import UNRESOLVED
from mantlekit.lint.rules.base import Rule, value_problems

_ID_SHAPES = {"project": facts.PROJECT_ID_RE}
#: A value a reader could not resolve (a Terraform variable without a default, a CloudFormation parameter):
#: unknown, so any value; not a policy variable, which IAM would have to substitute.
_UNRESOLVED = re.compile(r"\$\{" + re.escape(UNRESOLVED) + r"[^}]*\}")


def arn_problem(arn: str) -> str | None:
    """Why ``arn`` cannot name a bedrock-mantle resource, or None. Wildcards and placeholders pass."""
    arn = _UNRESOLVED.sub("*", arn)
    if variable_before_fifth_colon(arn):
        # "You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or
        # account." (reference_policies_variables.html) A ${...} holds colons, so the split below would misread it.
        head = arn[: arn.index("${")]
        part = ("partition", "partition", "service", "region", "account")[min(head.count(":"), 4)]
        return (
            f"a policy variable stands in the {part}, before the fifth colon, where IAM does not substitute "
            "variables: the ARN matches nothing (write the region and account out)"
        )
    parts = arn_fields(arn) or []
    if len(parts) < 6:
        if open_ended_arn(arn):
            return None  # arn:aws:bedrock-mantle:* matches every Mantle ARN (see open_ended_arn)
        return "an ARN has six colon-separated parts (arn:partition:bedrock-mantle:region:account:type/id)"
    partition, region, account, resource = parts[1], parts[3], parts[4], parts[5]
    if region and not is_wild(region) and region not in facts.REGIONS:
        return f"Mantle does not exist in region {region!r} (regions: {', '.join(sorted(facts.REGIONS))})"
    if not region:
        return "bedrock-mantle ARNs have a region"
    expected = facts.partition_of(region)
    if partition != expected and not is_wild(partition) and not is_wild(region):
        # A resource's ARN carries its region's partition; a pattern with another one never matches it.
        fixed = ":".join(["arn", expected, *parts[2:]])
        return f"region {region} is in partition {expected}, not {partition}: the ARN never matches (use {fixed})"
    if account and not is_wild(account) and not is_account_id(account):
        return f"account {account!r} is not a 12-digit account id"
    rtype, sep, rid = resource.partition("/")
    if is_wild(rtype):
        return None
    if rtype not in facts.RESOURCE_TYPES:
        return f"bedrock-mantle has no resource type {rtype!r} (types: {', '.join(facts.RESOURCE_TYPES)})"
    if not sep or not rid:
        return f"a {rtype} ARN ends in {rtype}/<id>"
    shape = _ID_SHAPES.get(rtype)
    if shape and not is_wild(rid) and not shape.match(rid):
        return f'project id {rid!r} is neither "default" nor proj_ followed by lower-case letters and digits'
    return None


def _mantle_only(st: Statement) -> bool:
    acts = st.actions or ()
    return bool(acts) and all(a.startswith(facts.SERVICE_PREFIX + ":") for a in acts)


def _resource_problem(arn: str) -> tuple[str, str] | None:
    """("mantle", why) for a bad bedrock-mantle ARN; ("bedrock", the bedrock-mantle spelling) for a bedrock
    project ARN (a problem only in a statement of bedrock-mantle actions); else None."""
    parts = arn_fields(arn) or []
    service = parts[2] if len(parts) > 2 else None
    if service == facts.SERVICE_PREFIX:
        problem = arn_problem(arn)
        return ("mantle", problem) if problem else None
    if service == facts.BEDROCK_PREFIX and len(parts) == 6 and parts[5].startswith("project/"):
        return "bedrock", ":".join([*parts[:2], facts.SERVICE_PREFIX, *parts[3:]])
    return None


_CLEAN: set[str] = set()


def _check(policy: Policy) -> Iterator[Finding]:
    for st, key, i, arn, (kind, detail) in value_problems(policy, _resource_problem, _CLEAN, resources=True):
        if kind == "mantle":
            yield RULE.at_statement(st, f"{arn}: {detail}", key, i)
        elif _mantle_only(st):
            yield RULE.at_statement(
                st,
                f"{arn} is a bedrock (bedrock-runtime) project ARN, but the statement grants only "
                "bedrock-mantle actions, which never match it",
                key,
                i,
                fix=f'use "{detail}"',
            )
    for st in policy.statements:
        for c in st.conditions:
            if c.key_lower.startswith(facts.SERVICE_PREFIX + ":") and c.key_lower.endswith("arn"):
                for v in c.values:
                    problem = arn_problem(v) if v.startswith("arn:") else "not an ARN"
                    if problem:
                        yield RULE.at_statement(st, f"{c.key} value {v}: {problem}", "Condition", c.operator, c.key)


RULE = Rule(
    id="MNT007",
    name="bad-mantle-arn",
    severity="error",
    summary="A bedrock-mantle ARN has a wrong shape, resource type, project id, region or partition.",
    rationale=(
        "Resource patterns are matched as text: an ARN that cannot exist matches nothing, so the statement "
        "grants or denies nothing and nobody notices until a request fails (or is not blocked). Mantle "
        "projects are arn:<partition>:bedrock-mantle:<region>:<account>:project/<default|proj_...>; the "
        "bedrock-runtime default project lives under bedrock: and is a different resource. The partition "
        "follows the region: us-gov-west-1 is aws-us-gov, so arn:aws:bedrock-mantle:us-gov-west-1:... never matches."
    ),
    fix=(
        "Write arn:<partition>:bedrock-mantle:<region>:<account>:project/<id> with a Mantle region, the "
        "region's partition (aws, or aws-us-gov for us-gov-west-1) and an id of 'default' or "
        "proj_<lower-case letters and digits>."
    ),
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/projects.html",
    ),
    tags=("security", "mantle"),
    check_document=_check,
)
