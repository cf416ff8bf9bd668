"""IAM004: an action and the resources of its statement can never meet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from mantlekit.catalog import get_catalog
from mantlekit.catalog.model import ServiceInfo
from mantlekit.iam.arn import is_wild, service_of
from mantlekit.iam.model import Policy
from mantlekit.lint.findings import Finding
from mantlekit.lint.rules.base import Rule


def _used_types(svc: ServiceInfo) -> frozenset[str]:
    """Names of the resource types some action of ``svc`` acts on (memoised per service object)."""
    used = _USED.get(id(svc))
    if used is None or used[0] is not svc:
        used = _USED[id(svc)] = (svc, frozenset(t for a in svc.actions.values() for t, _ in a.resource_types))
    return used[1]


_USED: dict[int, tuple[ServiceInfo, frozenset[str]]] = {}


def _known_shape(svc: ServiceInfo | None, arn: str) -> bool:
    """Whether the catalog knows what ``arn`` is well enough to say an action never acts on it.

    An ARN of another service is plainly not of the action's types. An ARN of the action's own service must
    have the shape of a resource type that some action of the service acts on. When it matches no type, or
    only types no action uses, the catalog lacks part of the service: API Gateway's REST (v1, ``/restapis/``)
    and HTTP/WebSocket (v2, ``/apis/``) pages share the prefix ``apigateway``, and the bundled data kept the
    v2 resource list of every action both define (``apigateway:POST`` lost ``Resources``, ``RestApis``, ...)
    and the v2 ARN format of every type both name (``Deployments``, ``Stages``, ...), leaving the v1-only
    types with no action. "Never allowed" would then be a guess.
    """
    if svc is None or service_of(arn) != svc.prefix:
        return True
    # What the ARN is: the types whose format it fits with every placeholder inside one path segment.
    # ResourceTypeInfo.matches lets the last placeholder hold "/" (object keys, role paths), which is right
    # for "may this action act on it" but not for "what is it": it takes /restapis/abc/resources for a
    # RestApi with id "abc/resources". An ARN that fits no type this way (an S3 key with "/" in it, a type
    # the catalog lost) is not judged: a missed warning costs less than a false "never".
    kinds = [name for name, rt in svc.resource_types.items() if any(_exact(f).fullmatch(arn) for f in rt.arn_formats)]
    used = _used_types(svc)
    return bool(kinds) and all(k in used for k in kinds)


@lru_cache(maxsize=4096)
def _exact(arn_format: str) -> re.Pattern[str]:
    """``arn_format`` with each ``${...}`` matching one run without ``:`` or ``/``."""
    pieces = _PLACEHOLDER.split(arn_format)
    return re.compile("[^:/]+".join(re.escape(p) for p in pieces), re.DOTALL)


_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _check(policy: Policy) -> Iterator[Finding]:
    cat = get_catalog()
    for st in policy.statements:
        if st.actions is None or st.resources is None or "*" in st.resources:
            continue
        literal = [r for r in st.resources if r.startswith("arn:") and not is_wild(r)]
        if len(literal) != len(st.resources):
            continue  # wildcard patterns may cover anything; only literal ARNs are judged
        for i, pattern in enumerate(st.actions):
            if "*" in pattern or "?" in pattern:
                continue
            info = cat.action(pattern)
            if info is None:
                continue
            if not info.resource_types:
                continue  # MNT005 covers the bearer-token actions; others are reported below
            svc = cat.service(info.service)
            named = [svc.resource_types.get(t) for t, _ in info.resource_types] if svc else []
            types = [t for t in named if t is not None]
            if not types:
                continue
            if not any(t.matches(arn) for t in types for arn in literal):
                if not all(_known_shape(svc, arn) for arn in literal):
                    continue  # the catalog cannot tell what this ARN is, so it cannot say "never"
                shapes = list(dict.fromkeys(t.arn_format for t in types))
                yield RULE.at_statement(
                    st,
                    f"{info.full_name} acts on {', '.join(t.name for t in types)}; none of the statement's "
                    "resources is of that type, so the action is never allowed or denied here",
                    "Action",
                    i,
                    fix=f"Give {info.full_name} a resource of the shape {' or '.join(shapes)}, or move it to a "
                    "statement with such resources.",
                    expected=[t.arn_format for t in types],
                )


RULE = Rule(
    id="IAM004",
    name="action-resource-mismatch",
    severity="warning",
    summary="A statement pairs an action with resources of a type the action never acts on.",
    rationale=(
        "IAM matches an action only against resources of the types it is defined for. s3:GetObject on a "
        "bucket ARN, or bedrock-mantle:GetReservation on a project ARN, is a statement that silently does "
        "nothing for that action."
    ),
    fix="Give the action a resource of the shape the finding's fix names, or move it to a matching statement.",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html",
    ),
    tags=("security", "iam"),
    check_document=_check,
)
