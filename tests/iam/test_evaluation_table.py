"""The decision engine against the AWS policy evaluation logic and the IAM policy grammar, one case a row.

Every row states the exact verdict, the exact Sids of the deciding statements, the exact list of missing
context keys and the failing layer. The expectations follow the AWS documentation: "Policy evaluation
logic", "IAM JSON policy elements" (Action/NotAction, Resource/NotResource, Principal, Condition),
"Condition operators", "Multivalued context keys", "Policy variables", SCPs, permissions boundaries and VPC
endpoint policies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from mantlekit.iam.evaluate import Request, Verdict, decide
from mantlekit.iam.match import Context
from mantlekit.iam.model import BOUNDARY, ENDPOINT, IDENTITY, RCP, RESOURCE, SCP, SESSION, Gate, PolicySet
from mantlekit.iam.parse import load_policy

ALLOWED = Verdict.ALLOWED
EXPLICIT = Verdict.EXPLICIT_DENY
IMPLICIT = Verdict.IMPLICIT_DENY
CONDITIONAL = Verdict.CONDITIONAL

V12 = "2012-10-17"
V08 = "2008-10-17"
ACCT = "111122223333"
OTHER_ACCT = "444455556666"
PROJ = f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:project/proj_abc123"
PROJ2 = f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:project/proj_zzz999"
ROLE = f"arn:aws:iam::{ACCT}:role/InferenceRole"
OTHER_ROLE = f"arn:aws:iam::{ACCT}:role/SomeoneElse"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"

# The gates of an implicit deny (failed_gate), each with the name its notes give it (failed_layer).
G_ID = (Gate.IDENTITY, "identity-based policies")
G_ID_RES = (Gate.IDENTITY_OR_RESOURCE, "identity- or resource-based policies")
G_PB = (Gate.BOUNDARY, "permissions boundary")
G_EP = (Gate.ENDPOINT, "VPC endpoint policy")
SCP_LEVELS = ("root", "ou", "account")


def G_SCP(level: str) -> tuple[Gate, str]:
    return (Gate.SCP, f"SCP {level}-scp.json")


# --- statement builders ------------------------------------------------------------------------------


def stmt(effect: str, sid: str | None, **elements: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"Effect": effect}
    if sid is not None:
        d["Sid"] = sid
    d.update(elements)
    return d


def allow(sid: str | None, action: Any, resource: Any = "*", **elements: Any) -> dict[str, Any]:
    return stmt("Allow", sid, Action=action, Resource=resource, **elements)


def deny(sid: str | None, action: Any, resource: Any = "*", **elements: Any) -> dict[str, Any]:
    return stmt("Deny", sid, Action=action, Resource=resource, **elements)


def doc(*statements: dict[str, Any], version: str | None = V12) -> dict[str, Any]:
    d: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        d["Version"] = version
    return d


FULL_AWS_ACCESS = doc(allow("FullAWSAccess", "*"))


@dataclass(frozen=True)
class Case:
    id: str
    action: str
    resource: str
    verdict: Verdict
    sids: tuple[str | None, ...]
    identity: tuple[dict[str, Any], ...] = ()
    boundary: dict[str, Any] | None = None
    scps: tuple[dict[str, Any], ...] = ()
    endpoint: dict[str, Any] | None = None
    resource_policy: dict[str, Any] | None = None
    session: tuple[dict[str, Any], ...] = ()
    rcps: tuple[dict[str, Any], ...] = ()
    principal: str | None = None
    resource_account: str | None = None
    rcp_services: frozenset[str] | None = None
    ctx: dict[str, Any] | None = None
    closed: bool = True
    missing: tuple[str, ...] = ()
    gate: tuple[Gate, str] | None = None
    note: str | None = None
    problems: tuple[str, ...] = ()


CASES: list[Case] = []


def case(id: str, action: str, resource: str, verdict: Verdict, sids: tuple[str | None, ...] = (), **kw: Any):
    if verdict is IMPLICIT and "gate" not in kw:
        kw["gate"] = G_ID_RES if kw.get("resource_policy") else G_ID
    CASES.append(Case(id, action, resource, verdict, tuple(sids), **kw))


# =====================================================================================================
# 1. Evaluation order: explicit deny wins, implicit deny by default, allows grant
# =====================================================================================================

case(
    "basic/allow-exact-action",
    "s3:GetObject",
    "*",
    ALLOWED,
    ("Read",),
    identity=(doc(allow("Read", "s3:GetObject")),),
)
case(
    "basic/other-action-is-implicitly-denied",
    "s3:PutObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:GetObject")),),
)
case("basic/no-policies-at-all-is-implicit-deny", "s3:GetObject", "*", IMPLICIT)
case(
    "basic/empty-statement-list-grants-nothing",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(),),
)
case(
    "basic/allow-without-sid-is-reported-with-none",
    "s3:GetObject",
    "*",
    ALLOWED,
    (None,),
    identity=(doc(allow(None, "s3:GetObject")),),
)
case(
    "basic/first-matching-allow-decides",
    "s3:GetObject",
    "*",
    ALLOWED,
    ("Broad",),
    identity=(doc(allow("Broad", "s3:*"), allow("Narrow", "s3:GetObject")),),
)
case(
    "basic/allow-in-second-identity-policy",
    "bedrock-mantle:ListModels",
    "*",
    ALLOWED,
    ("Mantle",),
    identity=(doc(allow("S3", "s3:*")), doc(allow("Mantle", "bedrock-mantle:List*"))),
)
case(
    "deny/explicit-deny-beats-allow-in-same-policy",
    "s3:DeleteObject",
    "*",
    EXPLICIT,
    ("NoDelete",),
    identity=(doc(allow("All", "*"), deny("NoDelete", "s3:DeleteObject")),),
)
case(
    "deny/explicit-deny-beats-allow-in-other-policy",
    "bedrock-mantle:CreateProject",
    PROJ,
    EXPLICIT,
    ("NoProjects",),
    identity=(
        doc(allow("FullProjectAccess", "bedrock-mantle:*", PROJ)),
        doc(deny("NoProjects", "bedrock-mantle:CreateProject")),
    ),
)
case(
    "deny/deny-alone-is-explicit-deny",
    "bedrock-mantle:CreateProject",
    PROJ,
    EXPLICIT,
    ("NoProjects",),
    identity=(doc(deny("NoProjects", "bedrock-mantle:CreateProject")),),
)
case(
    "deny/deny-does-not-grant-other-actions",
    "bedrock-mantle:ListProjects",
    PROJ,
    IMPLICIT,
    identity=(doc(deny("NoProjects", "bedrock-mantle:CreateProject")),),
)
case(
    "deny/every-matching-deny-is-listed-in-order",
    "s3:DeleteBucket",
    BUCKET,
    EXPLICIT,
    ("D1", "D2"),
    identity=(doc(allow("All", "*"), deny("D1", "s3:Delete*"), deny("D2", "s3:*", BUCKET)),),
)
case(
    "deny/deny-with-false-condition-does-not-apply",
    "s3:GetObject",
    "*",
    ALLOWED,
    ("All",),
    identity=(
        doc(
            allow("All", "s3:*"),
            deny("NoPlainHttp", "s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        ),
    ),
    ctx={"aws:SecureTransport": "true"},
)
case(
    "deny/deny-with-true-condition-applies",
    "s3:GetObject",
    "*",
    EXPLICIT,
    ("NoPlainHttp",),
    identity=(
        doc(
            allow("All", "s3:*"),
            deny("NoPlainHttp", "s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        ),
    ),
    ctx={"aws:SecureTransport": "false"},
)
case(
    "deny/deny-with-unknown-condition-makes-allow-conditional",
    "s3:GetObject",
    "*",
    CONDITIONAL,
    ("NoPlainHttp",),
    identity=(
        doc(
            allow("All", "s3:*"),
            deny("NoPlainHttp", "s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        ),
    ),
    closed=False,
    missing=("aws:SecureTransport",),
)
case(
    "deny/unknown-deny-does-not-rescue-an-implicit-deny",
    "s3:PutObject",
    "*",
    IMPLICIT,
    identity=(
        doc(
            allow("Read", "s3:GetObject"),
            deny("NoPlainHttp", "s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        ),
    ),
    closed=False,
)
case(
    "deny/sure-deny-wins-over-unknown-allow",
    "s3:GetObject",
    "*",
    EXPLICIT,
    ("NoS3",),
    identity=(
        doc(
            allow("Maybe", "s3:*", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}}),
            deny("NoS3", "s3:*"),
        ),
    ),
    closed=False,
)

# =====================================================================================================
# 2. Permissions boundaries: the effective permissions are the intersection
# =====================================================================================================

BOUNDARY_MANTLE = doc(allow("MantleOnly", "bedrock-mantle:*"))
case(
    "boundary/allowed-by-identity-and-boundary",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("Infer", "MantleOnly"),
    identity=(doc(allow("Infer", "bedrock-mantle:CreateInference", PROJ)),),
    boundary=BOUNDARY_MANTLE,
)
case(
    "boundary/identity-allows-boundary-does-not",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("All", "*")),),
    boundary=BOUNDARY_MANTLE,
    gate=G_PB,
)
case(
    "boundary/boundary-alone-grants-nothing",
    "bedrock-mantle:ListModels",
    "*",
    IMPLICIT,
    identity=(doc(allow("S3", "s3:*")),),
    boundary=BOUNDARY_MANTLE,
    gate=G_ID,
)
case(
    "boundary/neither-allows-identity-is-reported-first",
    "ec2:RunInstances",
    "*",
    IMPLICIT,
    identity=(doc(allow("S3", "s3:*")),),
    boundary=BOUNDARY_MANTLE,
    gate=G_ID,
)
case(
    "boundary/deny-in-boundary-is-explicit",
    "bedrock-mantle:CreateProject",
    PROJ,
    EXPLICIT,
    ("NoCreate",),
    identity=(doc(allow("All", "*")),),
    boundary=doc(allow("All", "*"), deny("NoCreate", "bedrock-mantle:CreateProject")),
)
case(
    "boundary/boundary-limited-to-one-project",
    "bedrock-mantle:CreateInference",
    PROJ2,
    IMPLICIT,
    identity=(doc(allow("Infer", "bedrock-mantle:CreateInference", "*")),),
    boundary=doc(allow("OneProject", "bedrock-mantle:*", PROJ)),
    gate=G_PB,
)
case(
    "boundary/boundary-with-unknown-condition",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("RegionBound",),
    identity=(doc(allow("Infer", "bedrock-mantle:CreateInference", PROJ)),),
    boundary=doc(
        allow("RegionBound", "bedrock-mantle:*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})
    ),
    closed=False,
    missing=("aws:RequestedRegion",),
)
case(
    "boundary/identity-and-boundary-both-unknown",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("TeamOnly", "RegionBound"),
    identity=(
        doc(
            allow(
                "TeamOnly",
                "bedrock-mantle:CreateInference",
                PROJ,
                Condition={"StringEquals": {"aws:PrincipalTag/team": "ml"}},
            )
        ),
    ),
    boundary=doc(
        allow("RegionBound", "bedrock-mantle:*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})
    ),
    closed=False,
    missing=("aws:PrincipalTag/team", "aws:RequestedRegion"),
)
case(
    "boundary/sure-identity-allow-hides-its-unknown-sibling",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("RegionBound",),
    identity=(
        doc(
            allow("Sure", "bedrock-mantle:CreateInference", PROJ),
            allow("Maybe", "bedrock-mantle:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        ),
    ),
    boundary=doc(
        allow("RegionBound", "bedrock-mantle:*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})
    ),
    closed=False,
    missing=("aws:RequestedRegion",),
)
case(
    "boundary/notaction-boundary-excludes-iam",
    "iam:CreateUser",
    "*",
    IMPLICIT,
    identity=(doc(allow("Admin", "*")),),
    boundary=doc(stmt("Allow", "NoIam", NotAction="iam:*", Resource="*")),
    gate=G_PB,
)
case(
    "boundary/notaction-boundary-lets-others-through",
    "bedrock-mantle:ListModels",
    "*",
    ALLOWED,
    ("Admin", "NoIam"),
    identity=(doc(allow("Admin", "*")),),
    boundary=doc(stmt("Allow", "NoIam", NotAction="iam:*", Resource="*")),
)

# =====================================================================================================
# 3. Service control policies: every level must allow; an SCP never grants
# =====================================================================================================

case(
    "scp/full-aws-access-lets-identity-decide",
    "bedrock-mantle:ListModels",
    "*",
    ALLOWED,
    ("List", "FullAWSAccess"),
    identity=(doc(allow("List", "bedrock-mantle:List*")),),
    scps=(FULL_AWS_ACCESS,),
)
case(
    "scp/scp-alone-grants-nothing",
    "bedrock-mantle:ListModels",
    "*",
    IMPLICIT,
    scps=(FULL_AWS_ACCESS,),
    gate=G_ID,
)
case(
    "scp/deny-list-scp-denies",
    "bedrock-mantle:CreateProject",
    PROJ,
    EXPLICIT,
    ("DenyProjectCreation",),
    identity=(doc(allow("All", "*")),),
    scps=(doc(allow("FullAWSAccess", "*"), deny("DenyProjectCreation", "bedrock-mantle:CreateProject")),),
)
case(
    "scp/allow-list-scp-without-the-action",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("All", "*")),),
    scps=(doc(allow("MantleOnly", "bedrock-mantle:*")),),
    gate=G_SCP("root"),
)
case(
    "scp/allow-list-scp-with-the-action",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("All", "MantleOnly"),
    identity=(doc(allow("All", "*")),),
    scps=(doc(allow("MantleOnly", "bedrock-mantle:*")),),
)
case(
    "scp/two-levels-ou-filters",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("All", "*")),),
    scps=(FULL_AWS_ACCESS, doc(allow("MantleOnly", "bedrock-mantle:*"))),
    gate=G_SCP("ou"),
)
case(
    "scp/two-levels-both-allow",
    "bedrock-mantle:ListModels",
    "*",
    ALLOWED,
    ("All", "FullAWSAccess", "MantleOnly"),
    identity=(doc(allow("All", "*")),),
    scps=(FULL_AWS_ACCESS, doc(allow("MantleOnly", "bedrock-mantle:*"))),
)
case(
    "scp/three-levels-account-level-missing",
    "bedrock-mantle:CreateProject",
    PROJ,
    IMPLICIT,
    identity=(doc(allow("All", "*")),),
    scps=(
        FULL_AWS_ACCESS,
        doc(allow("MantleOnly", "bedrock-mantle:*")),
        doc(allow("InferenceOnly", ["bedrock-mantle:CreateInference", "bedrock-mantle:List*"])),
    ),
    gate=G_SCP("account"),
)
case(
    "scp/three-levels-all-allow",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("All", "FullAWSAccess", "MantleOnly", "InferenceOnly"),
    identity=(doc(allow("All", "*")),),
    scps=(
        FULL_AWS_ACCESS,
        doc(allow("MantleOnly", "bedrock-mantle:*")),
        doc(allow("InferenceOnly", ["bedrock-mantle:CreateInference", "bedrock-mantle:List*"])),
    ),
)
case(
    "scp/deny-only-scp-denies-everything",
    "bedrock-mantle:ListModels",
    "*",
    IMPLICIT,
    identity=(doc(allow("All", "*")),),
    scps=(doc(deny("NoProjects", "bedrock-mantle:CreateProject")),),
    gate=G_SCP("root"),
    note="FullAWSAccess",
)
case(
    "scp/deny-only-scp-matching-is-explicit",
    "bedrock-mantle:CreateProject",
    PROJ,
    EXPLICIT,
    ("NoProjects",),
    identity=(doc(allow("All", "*")),),
    scps=(doc(deny("NoProjects", "bedrock-mantle:CreateProject")),),
    note="FullAWSAccess",
)
REGION_GUARD = doc(
    allow("FullAWSAccess", "*"),
    stmt(
        "Deny",
        "DenyOutsideUsEast1",
        NotAction=["iam:*", "sts:*", "organizations:*"],
        Resource="*",
        Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
    ),
)
case(
    "scp/region-guard-denies-other-region",
    "bedrock-mantle:CreateInference",
    PROJ,
    EXPLICIT,
    ("DenyOutsideUsEast1",),
    identity=(doc(allow("All", "*")),),
    scps=(REGION_GUARD,),
    ctx={"aws:RequestedRegion": "eu-west-1"},
)
case(
    "scp/region-guard-allows-home-region",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("All", "FullAWSAccess"),
    identity=(doc(allow("All", "*")),),
    scps=(REGION_GUARD,),
    ctx={"aws:RequestedRegion": "us-east-1"},
)
case(
    "scp/region-guard-exempts-global-services",
    "iam:ListRoles",
    "*",
    ALLOWED,
    ("All", "FullAWSAccess"),
    identity=(doc(allow("All", "*")),),
    scps=(REGION_GUARD,),
    ctx={"aws:RequestedRegion": "eu-west-1"},
)
case(
    "scp/region-guard-unknown-region",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("DenyOutsideUsEast1",),
    identity=(doc(allow("All", "*")),),
    scps=(REGION_GUARD,),
    closed=False,
    missing=("aws:RequestedRegion",),
)
case(
    "scp/region-guard-absent-region-key-denies",
    "bedrock-mantle:CreateInference",
    PROJ,
    EXPLICIT,
    ("DenyOutsideUsEast1",),
    identity=(doc(allow("All", "*")),),
    scps=(REGION_GUARD,),
)
NO_LONG_TERM_KEYS = doc(
    allow("FullAWSAccess", "*"),
    deny(
        "DenyLongTermKeys",
        "bedrock-mantle:CallWithBearerToken",
        Condition={"StringEquals": {"bedrock-mantle:BearerTokenType": "LONG_TERM"}},
    ),
)
case(
    "scp/deny-long-term-bearer-tokens",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    EXPLICIT,
    ("DenyLongTermKeys",),
    identity=(doc(allow("Keys", "bedrock-mantle:CallWithBearerToken")),),
    scps=(NO_LONG_TERM_KEYS,),
    ctx={"bedrock-mantle:BearerTokenType": "LONG_TERM"},
)
case(
    "scp/short-term-bearer-tokens-pass",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    ALLOWED,
    ("Keys", "FullAWSAccess"),
    identity=(doc(allow("Keys", "bedrock-mantle:CallWithBearerToken")),),
    scps=(NO_LONG_TERM_KEYS,),
    ctx={"bedrock-mantle:BearerTokenType": "SHORT_TERM"},
)
case(
    "scp/old-bedrock-key-guard-leaves-mantle-open",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    ALLOWED,
    ("Keys", "FullAWSAccess"),
    identity=(doc(allow("Keys", "bedrock-mantle:CallWithBearerToken")),),
    scps=(doc(allow("FullAWSAccess", "*"), deny("DenyBedrockKeys", "bedrock:CallWithBearerToken")),),
)
case(
    "scp/conditional-allow-in-scp",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("TaggedOnly",),
    identity=(doc(allow("All", "*")),),
    scps=(doc(allow("TaggedOnly", "*", Condition={"StringEquals": {"aws:PrincipalTag/env": "prod"}})),),
    closed=False,
    missing=("aws:PrincipalTag/env",),
)

# =====================================================================================================
# 4. VPC endpoint policies (with Principal): they must allow too, and never grant
# =====================================================================================================

EP_INFERENCE = doc(
    stmt("Allow", "InferenceOnly", Principal="*", Action=["bedrock-mantle:CreateInference"], Resource="*")
)
case(
    "endpoint/allows-inference",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("Infer", "InferenceOnly"),
    identity=(doc(allow("Infer", "bedrock-mantle:CreateInference", PROJ)),),
    endpoint=EP_INFERENCE,
)
case(
    "endpoint/bearer-token-not-allowed-by-endpoint",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    IMPLICIT,
    identity=(doc(allow("Keys", "bedrock-mantle:CallWithBearerToken")),),
    endpoint=EP_INFERENCE,
    gate=G_EP,
)
case(
    "endpoint/endpoint-alone-grants-nothing",
    "bedrock-mantle:CreateInference",
    PROJ,
    IMPLICIT,
    endpoint=EP_INFERENCE,
    gate=G_ID,
)
EP_SHORT_TERM = doc(
    stmt(
        "Allow",
        "OnlyShortTermTokens",
        Principal="*",
        Action="bedrock-mantle:CallWithBearerToken",
        Resource="*",
        Condition={"StringEquals": {"bedrock-mantle:BearerTokenType": "SHORT_TERM"}},
    )
)
case(
    "endpoint/short-term-token-allowed",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    ALLOWED,
    ("Keys", "OnlyShortTermTokens"),
    identity=(doc(allow("Keys", "bedrock-mantle:CallWithBearerToken")),),
    endpoint=EP_SHORT_TERM,
    ctx={"bedrock-mantle:BearerTokenType": "SHORT_TERM"},
)
case(
    "endpoint/long-term-token-refused",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    IMPLICIT,
    identity=(doc(allow("Keys", "bedrock-mantle:CallWithBearerToken")),),
    endpoint=EP_SHORT_TERM,
    ctx={"bedrock-mantle:BearerTokenType": "LONG_TERM"},
    gate=G_EP,
)
case(
    "endpoint/token-type-unknown",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    CONDITIONAL,
    ("OnlyShortTermTokens",),
    identity=(doc(allow("Keys", "bedrock-mantle:CallWithBearerToken")),),
    endpoint=EP_SHORT_TERM,
    closed=False,
    missing=("bedrock-mantle:BearerTokenType",),
)
EP_ONE_ROLE = doc(stmt("Allow", "OneRole", Principal={"AWS": ROLE}, Action="bedrock-mantle:*", Resource="*"))
case(
    "endpoint/principal-named-matches",
    "bedrock-mantle:ListModels",
    "*",
    ALLOWED,
    ("List", "OneRole"),
    identity=(doc(allow("List", "bedrock-mantle:List*")),),
    endpoint=EP_ONE_ROLE,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "endpoint/other-principal-refused",
    "bedrock-mantle:ListModels",
    "*",
    IMPLICIT,
    identity=(doc(allow("List", "bedrock-mantle:List*")),),
    endpoint=EP_ONE_ROLE,
    ctx={"aws:PrincipalArn": OTHER_ROLE},
    gate=G_EP,
)
case(
    "endpoint/principal-unknown",
    "bedrock-mantle:ListModels",
    "*",
    CONDITIONAL,
    ("OneRole",),
    identity=(doc(allow("List", "bedrock-mantle:List*")),),
    endpoint=EP_ONE_ROLE,
    closed=False,
    missing=("aws:PrincipalArn",),
)
case(
    "endpoint/account-principal-matches-any-principal-of-the-account",
    "bedrock-mantle:ListModels",
    "*",
    ALLOWED,
    ("List", "ThisAccount"),
    identity=(doc(allow("List", "bedrock-mantle:List*")),),
    endpoint=doc(stmt("Allow", "ThisAccount", Principal={"AWS": ACCT}, Action="bedrock-mantle:*", Resource="*")),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "endpoint/deny-in-endpoint-policy",
    "bedrock-mantle:CreateProject",
    PROJ,
    EXPLICIT,
    ("NoControlPlane",),
    identity=(doc(allow("All", "*")),),
    endpoint=doc(
        stmt("Allow", "Everything", Principal="*", Action="*", Resource="*"),
        stmt("Deny", "NoControlPlane", Principal="*", Action="bedrock-mantle:*Project", Resource="*"),
    ),
)
case(
    "endpoint/statement-without-principal-is-skipped",
    "bedrock-mantle:ListModels",
    "*",
    IMPLICIT,
    identity=(doc(allow("List", "bedrock-mantle:List*")),),
    endpoint=doc(allow("NoPrincipal", "*")),
    gate=G_EP,
    problems=("structure",),
)

# =====================================================================================================
# 5. Resource-based policies (same account)
# =====================================================================================================


def res_allow(sid: str, principal: Any, action: Any = "s3:GetObject", **el: Any) -> dict[str, Any]:
    return stmt("Allow", sid, Principal=principal, Action=action, Resource=f"{BUCKET}/*", **el)


case(
    "resource/grants-named-role-without-identity-policy",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("RoleMayRead",),
    resource_policy=doc(res_allow("RoleMayRead", {"AWS": ROLE})),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/does-not-grant-other-role",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    resource_policy=doc(res_allow("RoleMayRead", {"AWS": ROLE})),
    ctx={"aws:PrincipalArn": OTHER_ROLE},
)
case(
    "resource/identity-allows-resource-silent",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Read",),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(res_allow("RoleMayRead", {"AWS": OTHER_ROLE})),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/principal-star-grants",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Public",),
    resource_policy=doc(res_allow("Public", "*")),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/account-principal-delegates-to-identity-policies",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    resource_policy=doc(res_allow("Account", {"AWS": f"arn:aws:iam::{ACCT}:root"})),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/account-id-principal-delegates-to-identity-policies",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    resource_policy=doc(res_allow("Account", {"AWS": ACCT})),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/account-principal-plus-identity-allow",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Read",),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(res_allow("Account", {"AWS": f"arn:aws:iam::{ACCT}:root"})),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/deny-naming-the-account-applies",
    "s3:GetObject",
    f"{BUCKET}/key",
    EXPLICIT,
    ("NoAccount",),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(stmt("Deny", "NoAccount", Principal={"AWS": ACCT}, Action="s3:*", Resource=f"{BUCKET}/*")),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/deny-for-named-principal",
    "s3:GetObject",
    f"{BUCKET}/key",
    EXPLICIT,
    ("NotThisRole",),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(stmt("Deny", "NotThisRole", Principal={"AWS": ROLE}, Action="s3:*", Resource=f"{BUCKET}/*")),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "resource/principal-unknown",
    "s3:GetObject",
    f"{BUCKET}/key",
    CONDITIONAL,
    ("RoleMayRead",),
    resource_policy=doc(res_allow("RoleMayRead", {"AWS": ROLE})),
    closed=False,
    missing=("aws:PrincipalArn",),
)
case(
    "resource/scp-still-limits-a-resource-grant",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    resource_policy=doc(res_allow("RoleMayRead", {"AWS": ROLE})),
    scps=(doc(allow("MantleOnly", "bedrock-mantle:*")),),
    ctx={"aws:PrincipalArn": ROLE},
    gate=G_SCP("root"),
)
case(
    "resource/deny-principal-star-with-condition",
    "s3:GetObject",
    f"{BUCKET}/key",
    EXPLICIT,
    ("TlsOnly",),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(
        stmt(
            "Deny",
            "TlsOnly",
            Principal="*",
            Action="s3:*",
            Resource=[BUCKET, f"{BUCKET}/*"],
            Condition={"Bool": {"aws:SecureTransport": "false"}},
        )
    ),
    ctx={"aws:SecureTransport": "false"},
)
case(
    "resource/resource-policy-other-resource",
    "s3:GetObject",
    "arn:aws:s3:::another-bucket/key",
    IMPLICIT,
    resource_policy=doc(res_allow("RoleMayRead", {"AWS": ROLE})),
    ctx={"aws:PrincipalArn": ROLE},
)

USER = f"arn:aws:iam::{ACCT}:user/alice"
BOUNDARY_S3_ONLY = doc(allow("S3Only", "s3:*"))
case(
    "resource/grant-to-user-arn-not-limited-by-boundary",
    "bedrock-mantle:GetProject",
    PROJ,
    ALLOWED,
    ("UserMayRead",),
    boundary=BOUNDARY_S3_ONLY,
    resource_policy=doc(
        stmt("Allow", "UserMayRead", Principal={"AWS": USER}, Action="bedrock-mantle:Get*", Resource=PROJ)
    ),
    ctx={"aws:PrincipalArn": USER},
)
case(
    "resource/grant-to-role-arn-limited-by-boundary",
    "bedrock-mantle:GetProject",
    PROJ,
    IMPLICIT,
    boundary=BOUNDARY_S3_ONLY,
    resource_policy=doc(
        stmt("Allow", "RoleMayRead", Principal={"AWS": ROLE}, Action="bedrock-mantle:Get*", Resource=PROJ)
    ),
    ctx={"aws:PrincipalArn": ROLE},
    gate=G_PB,
)
case(
    "resource/identity-grant-to-user-still-limited-by-boundary",
    "bedrock-mantle:GetProject",
    PROJ,
    IMPLICIT,
    identity=(doc(allow("Read", "bedrock-mantle:Get*")),),
    boundary=BOUNDARY_S3_ONLY,
    resource_policy=doc(
        stmt("Allow", "OtherUser", Principal={"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, Action="*", Resource=PROJ)
    ),
    ctx={"aws:PrincipalArn": USER},
    gate=G_PB,
)
case(
    "resource/grant-to-user-arn-with-unknown-condition",
    "bedrock-mantle:GetProject",
    PROJ,
    CONDITIONAL,
    ("UserFromOffice",),
    boundary=BOUNDARY_S3_ONLY,
    resource_policy=doc(
        stmt(
            "Allow",
            "UserFromOffice",
            Principal={"AWS": USER},
            Action="bedrock-mantle:Get*",
            Resource=PROJ,
            Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        )
    ),
    ctx={"aws:PrincipalArn": USER},
    closed=False,
    missing=("aws:SourceIp",),
)
case(
    "resource/boundary-deny-still-limits-user-grant",
    "bedrock-mantle:GetProject",
    PROJ,
    EXPLICIT,
    ("NoMantle",),
    boundary=doc(allow("S3Only", "s3:*"), deny("NoMantle", "bedrock-mantle:*")),
    resource_policy=doc(
        stmt("Allow", "UserMayRead", Principal={"AWS": USER}, Action="bedrock-mantle:Get*", Resource=PROJ)
    ),
    ctx={"aws:PrincipalArn": USER},
)
case(
    "resource/scp-still-limits-user-grant",
    "bedrock-mantle:GetProject",
    PROJ,
    IMPLICIT,
    boundary=BOUNDARY_S3_ONLY,
    scps=(doc(allow("S3Only", "s3:*")),),
    resource_policy=doc(
        stmt("Allow", "UserMayRead", Principal={"AWS": USER}, Action="bedrock-mantle:Get*", Resource=PROJ)
    ),
    ctx={"aws:PrincipalArn": USER},
    gate=G_SCP("root"),
)

TRUST = doc(
    stmt(
        "Allow",
        "Trust",
        Principal={"AWS": OTHER_ROLE, "Service": "bedrock.amazonaws.com"},
        Action="sts:AssumeRole",
    )
)
case(
    "resource/trust-policy-service-principal",
    "sts:AssumeRole",
    ROLE,
    ALLOWED,
    ("Trust",),
    resource_policy=TRUST,
    ctx={"aws:PrincipalServiceName": "bedrock.amazonaws.com"},
)
case(
    "resource/trust-policy-aws-principal-of-mixed-element",
    "sts:AssumeRole",
    ROLE,
    ALLOWED,
    ("Trust",),
    resource_policy=TRUST,
    ctx={"aws:PrincipalArn": OTHER_ROLE},
)
case(
    "resource/trust-policy-other-service",
    "sts:AssumeRole",
    ROLE,
    IMPLICIT,
    resource_policy=TRUST,
    ctx={"aws:PrincipalServiceName": "lambda.amazonaws.com"},
)
case(
    "resource/trust-policy-service-unknown",
    "sts:AssumeRole",
    ROLE,
    CONDITIONAL,
    ("Trust",),
    resource_policy=doc(stmt("Allow", "Trust", Principal={"Service": "bedrock.amazonaws.com"}, Action="sts:*")),
    closed=False,
    missing=("aws:PrincipalServiceName",),
)

# =====================================================================================================
# 6. NotAction and NotResource
# =====================================================================================================

ALLOW_NOT_IAM = doc(stmt("Allow", "AllButIam", NotAction="iam:*", Resource="*"))
case(
    "notaction/allow-covers-other-services",
    "bedrock-mantle:CreateProject",
    PROJ,
    ALLOWED,
    ("AllButIam",),
    identity=(ALLOW_NOT_IAM,),
)
case(
    "notaction/allow-excludes-listed-service",
    "iam:CreateUser",
    "*",
    IMPLICIT,
    identity=(ALLOW_NOT_IAM,),
)
case(
    "notaction/matching-is-case-insensitive",
    "iam:CreateUser",
    "*",
    IMPLICIT,
    identity=(doc(stmt("Allow", "AllButIam", NotAction="IAM:*", Resource="*")),),
)
case(
    "notaction/allow-with-resource-inside",
    "bedrock-mantle:GetProject",
    PROJ,
    ALLOWED,
    ("ReadProject",),
    identity=(doc(stmt("Allow", "ReadProject", NotAction="bedrock-mantle:ArchiveProject", Resource=PROJ)),),
)
case(
    "notaction/allow-with-resource-outside",
    "bedrock-mantle:GetProject",
    PROJ2,
    IMPLICIT,
    identity=(doc(stmt("Allow", "ReadProject", NotAction="bedrock-mantle:ArchiveProject", Resource=PROJ)),),
)
DENY_ALL_BUT_MANTLE = doc(
    allow("All", "*"),
    stmt("Deny", "OnlyMantle", NotAction=["bedrock-mantle:*", "sts:GetCallerIdentity"], Resource="*"),
)
case(
    "notaction/deny-everything-else",
    "s3:ListAllMyBuckets",
    "*",
    EXPLICIT,
    ("OnlyMantle",),
    identity=(DENY_ALL_BUT_MANTLE,),
)
case(
    "notaction/deny-lets-listed-actions-through",
    "bedrock-mantle:ListModels",
    "*",
    ALLOWED,
    ("All",),
    identity=(DENY_ALL_BUT_MANTLE,),
)
case(
    "notaction/deny-lets-exact-listed-action-through",
    "sts:GetCallerIdentity",
    "*",
    ALLOWED,
    ("All",),
    identity=(DENY_ALL_BUT_MANTLE,),
)
case(
    "notaction/deny-catches-sibling-of-listed-action",
    "sts:AssumeRole",
    "*",
    EXPLICIT,
    ("OnlyMantle",),
    identity=(DENY_ALL_BUT_MANTLE,),
)
MFA_GUARD = doc(
    allow("All", "*"),
    stmt(
        "Deny",
        "DenyWithoutMfa",
        NotAction=["iam:ChangePassword", "iam:GetUser", "sts:GetSessionToken"],
        Resource="*",
        Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    ),
)
case(
    "notaction/mfa-guard-no-mfa-key-denies",
    "bedrock-mantle:CreateInference",
    PROJ,
    EXPLICIT,
    ("DenyWithoutMfa",),
    identity=(MFA_GUARD,),
    ctx={"aws:MultiFactorAuthPresent": None},
)
case(
    "notaction/mfa-guard-with-mfa-allows",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("All",),
    identity=(MFA_GUARD,),
    ctx={"aws:MultiFactorAuthPresent": "true"},
)
case(
    "notaction/mfa-guard-exempt-action",
    "iam:ChangePassword",
    "*",
    ALLOWED,
    ("All",),
    identity=(MFA_GUARD,),
    ctx={"aws:MultiFactorAuthPresent": "false"},
)
ALLOW_NOT_SECRET = doc(stmt("Allow", "AllButSecret", Action="s3:*", NotResource=f"{BUCKET}/secret/*"))
case(
    "notresource/allow-outside-excluded-prefix",
    "s3:GetObject",
    f"{BUCKET}/public/a.txt",
    ALLOWED,
    ("AllButSecret",),
    identity=(ALLOW_NOT_SECRET,),
)
case(
    "notresource/allow-excludes-prefix",
    "s3:GetObject",
    f"{BUCKET}/secret/a.txt",
    IMPLICIT,
    identity=(ALLOW_NOT_SECRET,),
)
DENY_OTHER_PROJECTS = doc(
    allow("All", "bedrock-mantle:*"),
    stmt("Deny", "OnlyThisProject", Action="bedrock-mantle:*", NotResource=PROJ),
)
case(
    "notresource/deny-other-project",
    "bedrock-mantle:CreateInference",
    PROJ2,
    EXPLICIT,
    ("OnlyThisProject",),
    identity=(DENY_OTHER_PROJECTS,),
)
case(
    "notresource/deny-spares-the-named-project",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("All",),
    identity=(DENY_OTHER_PROJECTS,),
)
case(
    "notresource/deny-also-hits-actions-without-resource-type",
    "bedrock-mantle:CallWithBearerToken",
    "*",
    EXPLICIT,
    ("OnlyThisProject",),
    identity=(DENY_OTHER_PROJECTS,),
)
case(
    "notresource/notaction-and-notresource-together",
    "s3:PutObject",
    f"{BUCKET}/public/a.txt",
    ALLOWED,
    ("Odd",),
    identity=(doc(stmt("Allow", "Odd", NotAction="s3:DeleteObject", NotResource=f"{BUCKET}/secret/*")),),
)
case(
    "notresource/notaction-and-notresource-excluded-action",
    "s3:DeleteObject",
    f"{BUCKET}/public/a.txt",
    IMPLICIT,
    identity=(doc(stmt("Allow", "Odd", NotAction="s3:DeleteObject", NotResource=f"{BUCKET}/secret/*")),),
)

# =====================================================================================================
# 7. Action matching: wildcards, ?, case, service prefixes
# =====================================================================================================


def action_case(id: str, pattern: Any, action: str, ok: bool) -> None:
    case(
        f"action/{id}",
        action,
        "*",
        ALLOWED if ok else IMPLICIT,
        ("A",) if ok else (),
        identity=(doc(allow("A", pattern)),),
    )


action_case("service-wildcard", "bedrock-mantle:*", "bedrock-mantle:ListModels", True)
action_case("prefix-wildcard-list", "bedrock-mantle:List*", "bedrock-mantle:ListModels", True)
action_case("prefix-wildcard-not-create", "bedrock-mantle:List*", "bedrock-mantle:CreateInference", False)
action_case("suffix-wildcard-create", "bedrock-mantle:*Inference", "bedrock-mantle:CreateInference", True)
action_case("suffix-wildcard-get", "bedrock-mantle:*Inference", "bedrock-mantle:GetInference", True)
action_case("suffix-wildcard-not-list", "bedrock-mantle:*Inference", "bedrock-mantle:ListModels", False)
action_case("infix-wildcard", "bedrock-mantle:*Project*", "bedrock-mantle:ListProjects", True)
action_case("question-mark-one-char", "bedrock-mantle:Get?roject", "bedrock-mantle:GetProject", True)
action_case("question-marks-count", "bedrock-mantle:Get???ject", "bedrock-mantle:GetProject", True)
action_case("question-mark-not-zero-chars", "bedrock-mantle:GetP?roject", "bedrock-mantle:GetProject", False)
action_case("question-mark-not-two-chars", "bedrock-mantle:Get?", "bedrock-mantle:GetProject", False)
action_case("bedrock-does-not-cover-bedrock-mantle", "bedrock:*", "bedrock-mantle:ListModels", False)
action_case("bedrock-mantle-does-not-cover-bedrock", "bedrock-mantle:*", "bedrock:InvokeModel", False)
action_case(
    "bedrock-bearer-is-not-mantle-bearer",
    "bedrock:CallWithBearerToken",
    "bedrock-mantle:CallWithBearerToken",
    False,
)
action_case("star-covers-everything", "*", "bedrock-mantle:CreateProject", True)
action_case("policy-case-ignored", "BEDROCK-MANTLE:listmodels", "bedrock-mantle:ListModels", True)
action_case("request-case-ignored", "bedrock-mantle:ListModels", "Bedrock-Mantle:LISTMODELS", True)
action_case("wildcard-case-ignored", "Bedrock-Mantle:list*", "bedrock-mantle:ListProjects", True)
action_case("list-of-actions", ["s3:GetObject", "bedrock-mantle:ListModels"], "bedrock-mantle:ListModels", True)
action_case("exact-name-only", "bedrock-mantle:List", "bedrock-mantle:ListModels", False)
case(
    "action/deny-matching-is-case-insensitive",
    "bedrock-mantle:CreateProject",
    PROJ,
    EXPLICIT,
    ("NoCreate",),
    identity=(doc(allow("All", "*"), deny("NoCreate", "BEDROCK-MANTLE:createproject")),),
)

# =====================================================================================================
# 8. Resource ARN matching: wildcards per segment, ?, case, actions without a resource type
# =====================================================================================================


def arn_case(id: str, pattern: Any, resource: str, ok: bool, action: str = "bedrock-mantle:CreateInference") -> None:
    case(
        f"arn/{id}",
        action,
        resource,
        ALLOWED if ok else IMPLICIT,
        ("R",) if ok else (),
        identity=(doc(allow("R", action, pattern)),),
    )


arn_case("exact", PROJ, PROJ, True)
arn_case("other-project", PROJ, PROJ2, False)
arn_case("resource-id-case-sensitive", PROJ.replace("proj_abc123", "proj_ABC123"), PROJ, False)
arn_case("service-case-sensitive", PROJ.replace("bedrock-mantle", "Bedrock-Mantle"), PROJ, False)
arn_case("region-star", f"arn:aws:bedrock-mantle:*:{ACCT}:project/proj_abc123", PROJ, True)
arn_case("region-prefix-star", f"arn:aws:bedrock-mantle:us-*:{ACCT}:project/proj_abc123", PROJ, True)
arn_case("region-infix-star-mismatch", f"arn:aws:bedrock-mantle:us-*-2:{ACCT}:project/proj_abc123", PROJ, False)
arn_case("region-infix-star-match", f"arn:aws:bedrock-mantle:us-*-1:{ACCT}:project/proj_abc123", PROJ, True)
arn_case("account-star", "arn:aws:bedrock-mantle:us-east-1:*:project/proj_abc123", PROJ, True)
arn_case("other-account", f"arn:aws:bedrock-mantle:us-east-1:{OTHER_ACCT}:project/*", PROJ, False)
arn_case("project-star", f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:project/*", PROJ, True)
arn_case("any-region-any-account-project", "arn:aws:bedrock-mantle:*:*:project/*", PROJ, True)
arn_case("partition-star", "arn:*:bedrock-mantle:*:*:project/proj_abc123", PROJ, True)
arn_case("trailing-star-crosses-colons", "arn:aws:bedrock-mantle:*", PROJ, True)
arn_case("resource-segment-star", f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:*", PROJ, True)
arn_case("inner-star-does-not-cross-colons", "arn:aws:bedrock-mantle:us-east-1*project/proj_abc123", PROJ, False)
arn_case("inner-star-within-segment", f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:*/proj_abc123", PROJ, True)
arn_case("question-mark-one-char", f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:project/proj_abc12?", PROJ, True)
arn_case("question-mark-exact-count", f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:project/proj_abc1?", PROJ, False)
arn_case("question-mark-in-region", f"arn:aws:bedrock-mantle:us-east-?:{ACCT}:project/proj_abc123", PROJ, True)
arn_case("second-entry-of-list", [PROJ2, PROJ], PROJ, True)
arn_case("prefix-is-not-enough", f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:project/proj_abc", PROJ, False)
arn_case("object-star-does-not-cover-bucket", f"{BUCKET}/*", BUCKET, False, "s3:ListBucket")
arn_case("bucket-star-covers-bucket", f"{BUCKET}*", BUCKET, True, "s3:ListBucket")
arn_case("object-star-covers-nested-key", f"{BUCKET}/*", f"{BUCKET}/a/b/c.txt", True, "s3:GetObject")
BEARER = "bedrock-mantle:CallWithBearerToken"
arn_case("no-resource-type-star", "*", "*", True, BEARER)
arn_case("no-resource-type-project-arn", "arn:aws:bedrock-mantle:*:*:project/*", "*", False, BEARER)
arn_case("no-resource-type-service-wide-arn", "arn:aws:bedrock-mantle:*:*:*", "*", False, BEARER)
arn_case("no-resource-type-arn-star", "arn:*", "*", False, BEARER)
arn_case("no-resource-type-star-in-list", ["arn:aws:bedrock-mantle:*:*:project/*", "*"], "*", True, BEARER)

# =====================================================================================================
# 9. Condition operators, one family at a time (closed context: absent keys are known absent)
# =====================================================================================================


def cond_case(
    id: str,
    condition: dict[str, Any],
    ctx: dict[str, Any] | None,
    verdict: Verdict,
    missing: tuple[str, ...] = (),
    closed: bool = True,
    version: str | None = V12,
) -> None:
    case(
        f"condition/{id}",
        "bedrock-mantle:CreateInference",
        PROJ,
        verdict,
        ("C",) if verdict in (ALLOWED, CONDITIONAL) else (),
        identity=(doc(allow("C", "bedrock-mantle:CreateInference", PROJ, Condition=condition), version=version),),
        ctx=ctx,
        closed=closed,
        missing=missing,
        problems=("version-missing",) if version is None else (),
    )


MODEL = "bedrock-mantle:Model"
# String
cond_case(
    "string-equals-match", {"StringEquals": {MODEL: "openai.gpt-oss-120b"}}, {MODEL: "openai.gpt-oss-120b"}, ALLOWED
)
cond_case(
    "string-equals-mismatch", {"StringEquals": {MODEL: "openai.gpt-oss-120b"}}, {MODEL: "openai.gpt-oss-20b"}, IMPLICIT
)
cond_case(
    "string-equals-case-sensitive",
    {"StringEquals": {MODEL: "openai.gpt-oss-120b"}},
    {MODEL: "OpenAI.gpt-oss-120b"},
    IMPLICIT,
)
cond_case("string-equals-absent-key", {"StringEquals": {MODEL: "openai.gpt-oss-120b"}}, {}, IMPLICIT)
cond_case(
    "string-equals-unknown-key",
    {"StringEquals": {MODEL: "openai.gpt-oss-120b"}},
    {},
    CONDITIONAL,
    missing=(MODEL,),
    closed=False,
)
cond_case(
    "string-equals-star-is-literal", {"StringEquals": {MODEL: "openai.*"}}, {MODEL: "openai.gpt-oss-20b"}, IMPLICIT
)
cond_case("string-equals-literal-star-value", {"StringEquals": {MODEL: "openai.*"}}, {MODEL: "openai.*"}, ALLOWED)
cond_case("string-equals-any-of-values", {"StringEquals": {MODEL: ["a.one", "b.two"]}}, {MODEL: "b.two"}, ALLOWED)
cond_case("string-not-equals-other", {"StringNotEquals": {MODEL: "a.one"}}, {MODEL: "b.two"}, ALLOWED)
cond_case("string-not-equals-same", {"StringNotEquals": {MODEL: "a.one"}}, {MODEL: "a.one"}, IMPLICIT)
cond_case("string-not-equals-absent-key-is-true", {"StringNotEquals": {MODEL: "a.one"}}, {}, ALLOWED)
cond_case(
    "string-not-equals-none-of-values", {"StringNotEquals": {MODEL: ["a.one", "b.two"]}}, {MODEL: "c.three"}, ALLOWED
)
cond_case(
    "string-not-equals-one-of-values", {"StringNotEquals": {MODEL: ["a.one", "b.two"]}}, {MODEL: "b.two"}, IMPLICIT
)
cond_case(
    "string-equals-ignore-case",
    {"StringEqualsIgnoreCase": {MODEL: "OpenAI.GPT-OSS-20B"}},
    {MODEL: "openai.gpt-oss-20b"},
    ALLOWED,
)
cond_case(
    "string-equals-ignore-case-mismatch", {"StringEqualsIgnoreCase": {MODEL: "openai.x"}}, {MODEL: "openai.y"}, IMPLICIT
)
cond_case(
    "string-not-equals-ignore-case", {"StringNotEqualsIgnoreCase": {MODEL: "OPENAI.X"}}, {MODEL: "openai.x"}, IMPLICIT
)
cond_case(
    "string-like-star", {"StringLike": {MODEL: "anthropic.claude-*"}}, {MODEL: "anthropic.claude-sonnet"}, ALLOWED
)
cond_case(
    "string-like-star-mismatch", {"StringLike": {MODEL: "anthropic.claude-*"}}, {MODEL: "openai.gpt-oss-20b"}, IMPLICIT
)
cond_case("string-like-star-crosses-colons", {"StringLike": {MODEL: "arn:*"}}, {MODEL: "arn:aws:x:y:z"}, ALLOWED)
cond_case("string-like-question-mark", {"StringLike": {MODEL: "model-v?"}}, {MODEL: "model-v2"}, ALLOWED)
cond_case("string-like-question-mark-one-char", {"StringLike": {MODEL: "model-v?"}}, {MODEL: "model-v10"}, IMPLICIT)
cond_case("string-like-case-sensitive", {"StringLike": {MODEL: "anthropic.*"}}, {MODEL: "Anthropic.claude"}, IMPLICIT)
cond_case("string-not-like", {"StringNotLike": {MODEL: ["anthropic.*", "meta.*"]}}, {MODEL: "openai.gpt"}, ALLOWED)
cond_case("string-not-like-hit", {"StringNotLike": {MODEL: ["anthropic.*", "meta.*"]}}, {MODEL: "meta.llama"}, IMPLICIT)
# Numeric
AGE = "aws:MultiFactorAuthAge"
cond_case("numeric-equals", {"NumericEquals": {AGE: "3600"}}, {AGE: "3600"}, ALLOWED)
cond_case("numeric-equals-json-number", {"NumericEquals": {AGE: 3600}}, {AGE: "3600.0"}, ALLOWED)
cond_case("numeric-not-equals", {"NumericNotEquals": {AGE: ["1", "2"]}}, {AGE: "3"}, ALLOWED)
cond_case("numeric-not-equals-hit", {"NumericNotEquals": {AGE: ["1", "2"]}}, {AGE: "2"}, IMPLICIT)
cond_case("numeric-less-than", {"NumericLessThan": {AGE: "3600"}}, {AGE: "3599"}, ALLOWED)
cond_case("numeric-less-than-boundary", {"NumericLessThan": {AGE: "3600"}}, {AGE: "3600"}, IMPLICIT)
cond_case("numeric-less-than-equals-boundary", {"NumericLessThanEquals": {AGE: "3600"}}, {AGE: "3600"}, ALLOWED)
cond_case("numeric-greater-than", {"NumericGreaterThan": {AGE: "10"}}, {AGE: "9.5"}, IMPLICIT)
cond_case("numeric-greater-than-equals", {"NumericGreaterThanEquals": {AGE: "10"}}, {AGE: "10"}, ALLOWED)
cond_case("numeric-not-a-number", {"NumericLessThan": {AGE: "3600"}}, {AGE: "soon"}, IMPLICIT)
cond_case("numeric-absent-key", {"NumericLessThan": {AGE: "3600"}}, {}, IMPLICIT)
# Date
NOW = "aws:CurrentTime"
EPOCH = "aws:EpochTime"
cond_case("date-less-than-iso", {"DateLessThan": {NOW: "2026-12-31T23:59:59Z"}}, {NOW: "2026-06-01T12:00:00Z"}, ALLOWED)
cond_case(
    "date-less-than-iso-after", {"DateLessThan": {NOW: "2026-12-31T23:59:59Z"}}, {NOW: "2027-01-01T00:00:00Z"}, IMPLICIT
)
cond_case(
    "date-greater-than-epoch-request",
    {"DateGreaterThan": {EPOCH: "2023-01-01T00:00:00Z"}},
    {EPOCH: "1700000000"},
    ALLOWED,
)
cond_case("date-less-than-epoch-policy", {"DateLessThan": {EPOCH: 1893456000}}, {EPOCH: "1700000000"}, ALLOWED)
cond_case("date-equals-epoch-and-iso", {"DateEquals": {EPOCH: "1970-01-01T00:00:00Z"}}, {EPOCH: "0"}, ALLOWED)
cond_case(
    "date-equals-offsets", {"DateEquals": {NOW: "2026-01-01T01:00:00+01:00"}}, {NOW: "2026-01-01T00:00:00Z"}, ALLOWED
)
cond_case("date-not-equals", {"DateNotEquals": {NOW: "2026-01-01T00:00:00Z"}}, {NOW: "2026-01-01T00:00:01Z"}, ALLOWED)
cond_case(
    "date-less-than-equals-boundary",
    {"DateLessThanEquals": {NOW: "2026-01-01T00:00:00Z"}},
    {NOW: "2026-01-01T00:00:00Z"},
    ALLOWED,
)
cond_case(
    "date-greater-than-equals-before",
    {"DateGreaterThanEquals": {NOW: "2026-01-01T00:00:00Z"}},
    {NOW: "2025-12-31T23:59:59Z"},
    IMPLICIT,
)
cond_case("date-unparsable", {"DateLessThan": {NOW: "2026-12-31T23:59:59Z"}}, {NOW: "tomorrow"}, IMPLICIT)
# Bool
MFA = "aws:MultiFactorAuthPresent"
cond_case("bool-true", {"Bool": {MFA: "true"}}, {MFA: "true"}, ALLOWED)
cond_case("bool-false-value", {"Bool": {MFA: "true"}}, {MFA: "false"}, IMPLICIT)
cond_case("bool-json-boolean", {"Bool": {MFA: True}}, {MFA: "true"}, ALLOWED)
cond_case("bool-absent-key", {"Bool": {MFA: "false"}}, {}, IMPLICIT)
cond_case("bool-if-exists-absent-key", {"BoolIfExists": {MFA: "false"}}, {}, ALLOWED)
# Binary
cond_case("binary-equals", {"BinaryEquals": {"key": "QmluYXJ5VmFsdWU="}}, {"key": "QmluYXJ5VmFsdWU="}, ALLOWED)
cond_case("binary-equals-mismatch", {"BinaryEquals": {"key": "QmluYXJ5VmFsdWU="}}, {"key": "T3RoZXI="}, IMPLICIT)
# IP
IP = "aws:SourceIp"
cond_case("ip-in-cidr", {"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "203.0.113.7"}, ALLOWED)
cond_case("ip-outside-cidr", {"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "198.51.100.7"}, IMPLICIT)
cond_case("ip-any-of-cidrs", {"IpAddress": {IP: ["203.0.113.0/24", "198.51.100.0/24"]}}, {IP: "198.51.100.7"}, ALLOWED)
cond_case("ip-single-address", {"IpAddress": {IP: "203.0.113.7"}}, {IP: "203.0.113.7"}, ALLOWED)
cond_case("ipv6-in-cidr", {"IpAddress": {IP: "2001:DB8:1234:5678::/64"}}, {IP: "2001:db8:1234:5678::1"}, ALLOWED)
cond_case("ipv6-outside-cidr", {"IpAddress": {IP: "2001:DB8:1234:5678::/64"}}, {IP: "2001:db8:1234:9999::1"}, IMPLICIT)
cond_case("ipv6-against-ipv4-cidr", {"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "2001:db8::1"}, IMPLICIT)
cond_case("ip-absent-key", {"IpAddress": {IP: "203.0.113.0/24"}}, {}, IMPLICIT)
cond_case(
    "not-ip-outside-all", {"NotIpAddress": {IP: ["203.0.113.0/24", "2001:db8::/32"]}}, {IP: "198.51.100.7"}, ALLOWED
)
cond_case(
    "not-ip-inside-one", {"NotIpAddress": {IP: ["203.0.113.0/24", "2001:db8::/32"]}}, {IP: "2001:db8::5"}, IMPLICIT
)
cond_case("not-ip-absent-key-is-true", {"NotIpAddress": {IP: "203.0.113.0/24"}}, {}, ALLOWED)
# ARN
SRC = "aws:SourceArn"
cond_case("arn-equals", {"ArnEquals": {SRC: ROLE}}, {SRC: ROLE}, ALLOWED)
cond_case(
    "arn-equals-case-sensitive",
    {"ArnEquals": {SRC: ROLE}},
    {SRC: ROLE.replace("InferenceRole", "inferencerole")},
    IMPLICIT,
)
cond_case("arn-equals-takes-wildcards", {"ArnEquals": {SRC: "arn:aws:iam::*:role/Inference*"}}, {SRC: ROLE}, ALLOWED)
cond_case("arn-like", {"ArnLike": {SRC: "arn:aws:bedrock-mantle:*:*:project/*"}}, {SRC: PROJ}, ALLOWED)
cond_case("arn-like-other-service", {"ArnLike": {SRC: "arn:aws:bedrock:*:*:*"}}, {SRC: PROJ}, IMPLICIT)
cond_case("arn-not-equals", {"ArnNotEquals": {SRC: ROLE}}, {SRC: OTHER_ROLE}, ALLOWED)
cond_case("arn-not-like-hit", {"ArnNotLike": {SRC: "arn:aws:iam::*:role/*"}}, {SRC: ROLE}, IMPLICIT)
cond_case("arn-not-like-absent-key-is-true", {"ArnNotLike": {SRC: "arn:aws:iam::*:role/*"}}, {}, ALLOWED)
cond_case("arn-like-absent-key", {"ArnLike": {SRC: "arn:aws:iam::*:role/*"}}, {}, IMPLICIT)
# Null
TOKEN_TIME = "aws:TokenIssueTime"
cond_case("null-true-key-absent", {"Null": {TOKEN_TIME: "true"}}, {}, ALLOWED)
cond_case("null-true-key-present", {"Null": {TOKEN_TIME: "true"}}, {TOKEN_TIME: "2026-01-01T00:00:00Z"}, IMPLICIT)
cond_case("null-false-key-present", {"Null": {TOKEN_TIME: "false"}}, {TOKEN_TIME: "2026-01-01T00:00:00Z"}, ALLOWED)
cond_case("null-false-key-absent", {"Null": {TOKEN_TIME: "false"}}, {}, IMPLICIT)
cond_case("null-false-json-boolean", {"Null": {TOKEN_TIME: False}}, {TOKEN_TIME: "x"}, ALLOWED)
cond_case("null-empty-list-is-absent", {"Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": []}, ALLOWED)
cond_case("null-unknown-key", {"Null": {TOKEN_TIME: "true"}}, {}, CONDITIONAL, missing=(TOKEN_TIME,), closed=False)
# IfExists
TIER = "bedrock-mantle:ServiceTier"
cond_case("if-exists-absent-key-is-true", {"StringEqualsIfExists": {TIER: "standard"}}, {}, ALLOWED)
cond_case("if-exists-present-match", {"StringEqualsIfExists": {TIER: "standard"}}, {TIER: "standard"}, ALLOWED)
cond_case("if-exists-present-mismatch", {"StringEqualsIfExists": {TIER: "standard"}}, {TIER: "priority"}, IMPLICIT)
cond_case(
    "if-exists-unknown-key",
    {"StringEqualsIfExists": {TIER: "standard"}},
    {},
    CONDITIONAL,
    missing=(TIER,),
    closed=False,
)
cond_case(
    "if-exists-negated-present-hit", {"StringNotEqualsIfExists": {TIER: "priority"}}, {TIER: "priority"}, IMPLICIT
)
cond_case("if-exists-numeric-absent", {"NumericLessThanIfExists": {AGE: "3600"}}, {}, ALLOWED)
cond_case("if-exists-ip-present-outside", {"IpAddressIfExists": {IP: "203.0.113.0/24"}}, {IP: "198.51.100.1"}, IMPLICIT)
cond_case("if-exists-arn-absent", {"ArnLikeIfExists": {SRC: "arn:aws:iam::*:role/*"}}, {}, ALLOWED)

# =====================================================================================================
# 10. Multivalued context keys: ForAllValues / ForAnyValue
# =====================================================================================================

TAGS = "aws:TagKeys"
cond_case("for-all-subset", {"ForAllValues:StringEquals": {TAGS: ["team", "env"]}}, {TAGS: ["env"]}, ALLOWED)
cond_case("for-all-equal-set", {"ForAllValues:StringEquals": {TAGS: ["team", "env"]}}, {TAGS: ["team", "env"]}, ALLOWED)
cond_case(
    "for-all-extra-value", {"ForAllValues:StringEquals": {TAGS: ["team", "env"]}}, {TAGS: ["team", "owner"]}, IMPLICIT
)
cond_case("for-all-absent-key-is-true", {"ForAllValues:StringEquals": {TAGS: ["team"]}}, {}, ALLOWED)
cond_case("for-all-empty-set-is-true", {"ForAllValues:StringEquals": {TAGS: ["team"]}}, {TAGS: []}, ALLOWED)
cond_case("for-all-like", {"ForAllValues:StringLike": {TAGS: ["team*", "env"]}}, {TAGS: ["team-a", "env"]}, ALLOWED)
cond_case(
    "for-all-not-equals-none-listed",
    {"ForAllValues:StringNotEquals": {TAGS: ["secret"]}},
    {TAGS: ["team", "env"]},
    ALLOWED,
)
cond_case(
    "for-all-not-equals-one-listed",
    {"ForAllValues:StringNotEquals": {TAGS: ["secret"]}},
    {TAGS: ["team", "secret"]},
    IMPLICIT,
)
cond_case("for-all-not-equals-absent-key", {"ForAllValues:StringNotEquals": {TAGS: ["secret"]}}, {}, ALLOWED)
cond_case(
    "for-all-unknown-key",
    {"ForAllValues:StringEquals": {TAGS: ["team"]}},
    {},
    CONDITIONAL,
    missing=(TAGS,),
    closed=False,
)
cond_case("for-any-one-match", {"ForAnyValue:StringEquals": {TAGS: ["team", "env"]}}, {TAGS: ["owner", "env"]}, ALLOWED)
cond_case("for-any-no-match", {"ForAnyValue:StringEquals": {TAGS: ["team", "env"]}}, {TAGS: ["owner"]}, IMPLICIT)
cond_case("for-any-absent-key-is-false", {"ForAnyValue:StringEquals": {TAGS: ["team"]}}, {}, IMPLICIT)
cond_case("for-any-empty-set-is-false", {"ForAnyValue:StringEquals": {TAGS: ["team"]}}, {TAGS: []}, IMPLICIT)
cond_case(
    "for-any-not-equals-one-outside", {"ForAnyValue:StringNotEquals": {TAGS: ["team"]}}, {TAGS: ["team", "x"]}, ALLOWED
)
cond_case(
    "for-any-not-equals-all-inside",
    {"ForAnyValue:StringNotEquals": {TAGS: ["team", "env"]}},
    {TAGS: ["env", "team"]},
    IMPLICIT,
)
cond_case("for-any-not-equals-absent-key", {"ForAnyValue:StringNotEquals": {TAGS: ["team"]}}, {}, IMPLICIT)
cond_case("for-any-like", {"ForAnyValue:StringLike": {TAGS: ["proj*"]}}, {TAGS: ["a", "project"]}, ALLOWED)
cond_case("for-any-if-exists-absent", {"ForAnyValue:StringEqualsIfExists": {TAGS: ["team"]}}, {}, ALLOWED)
case(
    "condition/deny-for-any-value-forbidden-tag",
    "bedrock-mantle:UpdateProject",
    PROJ,
    EXPLICIT,
    ("NoSecretTag",),
    identity=(
        doc(
            allow("All", "bedrock-mantle:*"),
            deny("NoSecretTag", "bedrock-mantle:*", Condition={"ForAnyValue:StringEquals": {TAGS: ["secret"]}}),
        ),
    ),
    ctx={TAGS: ["team", "secret"]},
)
case(
    "condition/deny-for-any-value-absent-tags",
    "bedrock-mantle:UpdateProject",
    PROJ,
    ALLOWED,
    ("All",),
    identity=(
        doc(
            allow("All", "bedrock-mantle:*"),
            deny("NoSecretTag", "bedrock-mantle:*", Condition={"ForAnyValue:StringEquals": {TAGS: ["secret"]}}),
        ),
    ),
    ctx={TAGS: None},
)

# =====================================================================================================
# 11. Several keys, operators and values
# =====================================================================================================

REGION = "aws:RequestedRegion"
TWO_KEYS = {"StringEquals": {REGION: "us-east-1", TIER: "standard"}}
cond_case("two-keys-both-match", TWO_KEYS, {REGION: "us-east-1", TIER: "standard"}, ALLOWED)
cond_case("two-keys-one-mismatch", TWO_KEYS, {REGION: "us-east-1", TIER: "priority"}, IMPLICIT)
TWO_OPS = {"StringEquals": {REGION: "us-east-1"}, "Bool": {"aws:SecureTransport": "true"}}
cond_case("two-operators-both-match", TWO_OPS, {REGION: "us-east-1", "aws:SecureTransport": "true"}, ALLOWED)
cond_case("two-operators-one-fails", TWO_OPS, {REGION: "us-east-1", "aws:SecureTransport": "false"}, IMPLICIT)
cond_case(
    "known-false-beats-unknown",
    TWO_OPS,
    {REGION: "eu-west-1"},
    IMPLICIT,
    closed=False,
)
cond_case(
    "two-unknown-keys-listed-sorted",
    TWO_KEYS,
    {},
    CONDITIONAL,
    missing=(REGION, TIER),
    closed=False,
)
cond_case(
    "one-known-one-unknown",
    TWO_OPS,
    {REGION: "us-east-1"},
    CONDITIONAL,
    missing=("aws:SecureTransport",),
    closed=False,
)
cond_case("values-are-ored", {"StringEquals": {REGION: ["us-east-1", "us-west-2"]}}, {REGION: "us-west-2"}, ALLOWED)
cond_case(
    "keys-case-insensitive",
    {"StringEquals": {"AWS:RequestedRegion": "us-east-1"}},
    {"aws:requestedregion": "us-east-1"},
    ALLOWED,
)
cond_case(
    "missing-key-reported-as-written",
    {"StringEquals": {"AWS:RequestedRegion": "us-east-1"}},
    {},
    CONDITIONAL,
    missing=("AWS:RequestedRegion",),
    closed=False,
)

# =====================================================================================================
# 12. Policy variables
# =====================================================================================================

HOME = f"{BUCKET}/home/${{aws:username}}/*"


def var_case(
    id: str,
    resource_pattern: str,
    resource: str,
    ctx: dict[str, Any] | None,
    verdict: Verdict,
    version: str | None = V12,
    missing: tuple[str, ...] = (),
    closed: bool = True,
) -> None:
    case(
        f"variable/{id}",
        "s3:GetObject",
        resource,
        verdict,
        ("Home",) if verdict in (ALLOWED, CONDITIONAL) else (),
        identity=(doc(allow("Home", "s3:GetObject", resource_pattern), version=version),),
        ctx=ctx,
        closed=closed,
        missing=missing,
        problems=("version-missing",) if version is None else (),
    )


var_case("resolved", HOME, f"{BUCKET}/home/alice/a.txt", {"aws:username": "alice"}, ALLOWED)
var_case("resolved-other-user", HOME, f"{BUCKET}/home/bob/a.txt", {"aws:username": "alice"}, IMPLICIT)
var_case(
    "key-name-case-insensitive",
    f"{BUCKET}/home/${{AWS:UserName}}/*",
    f"{BUCKET}/home/alice/a",
    {"aws:username": "alice"},
    ALLOWED,
)
var_case(
    "unknown-is-conditional",
    HOME,
    f"{BUCKET}/home/alice/a.txt",
    {},
    CONDITIONAL,
    missing=("aws:username",),
    closed=False,
)
var_case("known-absent-matches-nothing", HOME, f"{BUCKET}/home/alice/a.txt", {"aws:username": None}, IMPLICIT)
var_case("known-absent-closed", HOME, f"{BUCKET}/home/alice/a.txt", {}, IMPLICIT)
DEFAULTED = f"{BUCKET}/team/${{aws:PrincipalTag/team, 'shared'}}/*"
var_case("default-when-absent", DEFAULTED, f"{BUCKET}/team/shared/a", {"aws:PrincipalTag/team": None}, ALLOWED)
var_case(
    "default-ignored-when-present", DEFAULTED, f"{BUCKET}/team/shared/a", {"aws:PrincipalTag/team": "ml"}, IMPLICIT
)
var_case("value-used-when-present", DEFAULTED, f"{BUCKET}/team/ml/a", {"aws:PrincipalTag/team": "ml"}, ALLOWED)
var_case(
    "default-does-not-resolve-unknown-key",
    DEFAULTED,
    f"{BUCKET}/team/shared/a",
    {},
    CONDITIONAL,
    missing=("aws:PrincipalTag/team",),
    closed=False,
)
var_case("version-2008-is-literal", HOME, f"{BUCKET}/home/alice/a.txt", {"aws:username": "alice"}, IMPLICIT, V08)
var_case(
    "version-2008-literal-text-matches",
    HOME,
    f"{BUCKET}/home/${{aws:username}}/a",
    {"aws:username": "alice"},
    ALLOWED,
    V08,
)
var_case("no-version-is-literal", HOME, f"{BUCKET}/home/alice/a.txt", {"aws:username": "alice"}, IMPLICIT, None)
var_case("no-version-literal-text-matches", HOME, f"{BUCKET}/home/${{aws:username}}/a", {}, ALLOWED, None)
var_case("escaped-star-is-literal", f"{BUCKET}/${{*}}", f"{BUCKET}/anything", {}, IMPLICIT)
var_case("escaped-star-matches-star", f"{BUCKET}/${{*}}", f"{BUCKET}/*", {}, ALLOWED)
var_case("escaped-question-mark", f"{BUCKET}/what${{?}}", f"{BUCKET}/what?", {}, ALLOWED)
var_case("escaped-question-mark-is-literal", f"{BUCKET}/what${{?}}", f"{BUCKET}/whatX", {}, IMPLICIT)
var_case("escaped-dollar", f"{BUCKET}/${{$}}{{x}}", f"{BUCKET}/${{x}}", {}, ALLOWED)
# "You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or
# account." (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)
var_case(
    "two-variables-before-the-fifth-colon-never-match",
    "arn:aws:bedrock-mantle:${aws:RequestedRegion}:${aws:PrincipalAccount}:project/*",
    PROJ,
    {"aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": ACCT},
    IMPLICIT,
)
var_case(
    "two-variables",
    "arn:aws:bedrock-mantle:us-east-1:111122223333:project/${aws:PrincipalTag/a}${aws:PrincipalTag/b}",
    PROJ,
    {"aws:PrincipalTag/a": "proj_abc", "aws:PrincipalTag/b": "123"},
    ALLOWED,
)
ABAC = {"StringEquals": {"aws:ResourceTag/project": "${aws:PrincipalTag/project}"}}
cond_case(
    "variable-in-condition-match", ABAC, {"aws:ResourceTag/project": "p1", "aws:PrincipalTag/project": "p1"}, ALLOWED
)
cond_case(
    "variable-in-condition-mismatch",
    ABAC,
    {"aws:ResourceTag/project": "p1", "aws:PrincipalTag/project": "p2"},
    IMPLICIT,
)
cond_case(
    "variable-in-condition-unknown",
    ABAC,
    {"aws:ResourceTag/project": "p1"},
    CONDITIONAL,
    missing=("aws:PrincipalTag/project",),
    closed=False,
)
cond_case(
    "variable-in-condition-2008-literal",
    ABAC,
    {"aws:ResourceTag/project": "${aws:PrincipalTag/project}", "aws:PrincipalTag/project": "p1"},
    ALLOWED,
    version=V08,
)
cond_case(
    "variable-in-string-like",
    {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
    {"s3:prefix": "home/alice/docs", "aws:username": "alice"},
    ALLOWED,
)

# =====================================================================================================
# 13. missing_context: exactly the keys the verdict depends on
# =====================================================================================================

case(
    "missing/unknown-allows-in-two-statements",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("ByRegion", "ByTier"),
    identity=(
        doc(
            allow("ByRegion", "bedrock-mantle:*", Condition={"StringEquals": {REGION: "us-east-1"}}),
            allow("ByTier", "bedrock-mantle:*", Condition={"StringEquals": {TIER: "standard"}}),
        ),
    ),
    closed=False,
    missing=(REGION, TIER),
)
case(
    "missing/sure-allow-makes-unknown-allow-irrelevant",
    "bedrock-mantle:CreateInference",
    PROJ,
    ALLOWED,
    ("Sure",),
    identity=(
        doc(
            allow("ByRegion", "bedrock-mantle:*", Condition={"StringEquals": {REGION: "us-east-1"}}),
            allow("Sure", "bedrock-mantle:CreateInference"),
        ),
    ),
    closed=False,
)
case(
    "missing/unknown-deny-and-unknown-allow",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("NoPriority", "ByRegion"),
    identity=(
        doc(
            allow("ByRegion", "bedrock-mantle:*", Condition={"StringEquals": {REGION: "us-east-1"}}),
            deny("NoPriority", "bedrock-mantle:*", Condition={"StringEquals": {TIER: "priority"}}),
        ),
    ),
    closed=False,
    missing=(REGION, TIER),
)
case(
    "missing/same-key-in-two-spellings-listed-once",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("A", "B"),
    identity=(
        doc(
            allow("A", "bedrock-mantle:*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
            allow("B", "bedrock-mantle:*", Condition={"StringEquals": {"aws:requestedregion": "us-west-2"}}),
        ),
    ),
    closed=False,
    missing=("aws:RequestedRegion",),
)
case(
    "missing/resource-variable-and-condition-key",
    "s3:GetObject",
    f"{BUCKET}/home/alice/a",
    CONDITIONAL,
    ("Home",),
    identity=(doc(allow("Home", "s3:GetObject", HOME, Condition={"Bool": {"aws:SecureTransport": "true"}})),),
    closed=False,
    missing=("aws:SecureTransport", "aws:username"),
)
case(
    "missing/closed-context-never-conditional",
    "bedrock-mantle:CreateInference",
    PROJ,
    IMPLICIT,
    identity=(doc(allow("ByRegion", "bedrock-mantle:*", Condition={"StringEquals": {REGION: "us-east-1"}})),),
    closed=True,
)
case(
    "missing/action-mismatch-asks-for-nothing",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("ByRegion", "bedrock-mantle:*", Condition={"StringEquals": {REGION: "us-east-1"}})),),
    closed=False,
)
case(
    "missing/keys-of-layers-already-allowing-are-not-asked",
    "bedrock-mantle:CreateInference",
    PROJ,
    CONDITIONAL,
    ("Tls",),
    identity=(
        doc(
            allow("Sure", "bedrock-mantle:*"),
            allow("Maybe", "bedrock-mantle:*", Condition={"StringEquals": {TIER: "standard"}}),
        ),
    ),
    scps=(doc(allow("Tls", "*", Condition={"Bool": {"aws:SecureTransport": "true"}})),),
    closed=False,
    missing=("aws:SecureTransport",),
)

# =====================================================================================================
# 14. Grammar: statements IAM would reject are skipped (and reported as problems)
# =====================================================================================================

case(
    "grammar/action-and-notaction-skipped",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(stmt("Allow", "Both", Action="s3:*", NotAction="iam:*", Resource="*")),),
    problems=("structure",),
)
case(
    "grammar/action-without-service-skipped",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("NoColon", "GetObject")),),
    problems=("action-syntax",),
)
case(
    "grammar/unknown-operator-skipped",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("Bad", "s3:*", Condition={"StringEqualz": {"k": "v"}})),),
    problems=("condition-operator",),
)
case(
    "grammar/principal-in-identity-policy-skipped",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(stmt("Allow", "P", Principal="*", Action="s3:*", Resource="*")),),
    problems=("structure",),
)
case(
    "grammar/principal-in-boundary-skipped",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:GetObject")),),
    boundary=doc(stmt("Allow", "P", Principal="*", Action="s3:*", Resource="*")),
    gate=G_PB,
    problems=("structure",),
)
case(
    "grammar/principal-in-scp-skipped",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:GetObject")),),
    scps=(doc(stmt("Allow", "P", Principal="*", Action="*", Resource="*")),),
    gate=G_SCP("root"),
    note="FullAWSAccess",
    problems=("structure",),
)
case(
    "grammar/bad-effect-skipped-good-one-kept",
    "s3:GetObject",
    "*",
    ALLOWED,
    ("Good",),
    identity=(doc(stmt("Permit", "Bad", Action="s3:*", Resource="*"), allow("Good", "s3:GetObject")),),
    problems=("structure",),
)
case(
    "grammar/skipped-deny-does-not-deny",
    "s3:GetObject",
    "*",
    ALLOWED,
    ("Good",),
    identity=(doc(allow("Good", "s3:GetObject"), deny("BadDeny", "s3:*", Condition={"IpAddres": {IP: "x"}})),),
    problems=("condition-operator",),
)
case(
    "grammar/identity-statement-needs-resource",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(stmt("Allow", "NoResource", Action="s3:*")),),
    problems=("structure",),
)
case(
    "grammar/null-with-if-exists-is-not-an-operator",
    "s3:GetObject",
    "*",
    IMPLICIT,
    identity=(doc(allow("Bad", "s3:*", Condition={"NullIfExists": {"k": "true"}})),),
    problems=("condition-operator",),
)
case(
    "grammar/single-statement-object",
    "s3:GetObject",
    "*",
    ALLOWED,
    ("Single",),
    identity=({"Version": V12, "Statement": allow("Single", "s3:GetObject")},),
)
case(
    "grammar/resource-policy-needs-no-resource-element",
    "sts:AssumeRole",
    ROLE,
    ALLOWED,
    ("Trust",),
    resource_policy=doc(stmt("Allow", "Trust", Principal={"AWS": OTHER_ROLE}, Action="sts:AssumeRole")),
    ctx={"aws:PrincipalArn": OTHER_ROLE},
)


# =====================================================================================================
# 15. Resource policies that must allow themselves (KMS key policies, role trust policies)
# =====================================================================================================

G_RES = (Gate.RESOURCE, "resource-based policy")
G_KEY = (Gate.KEY_POLICY, "KMS key policy")
G_TRUST = (Gate.TRUST_POLICY, "role trust policy")
G_SESSION = (Gate.SESSION, "session policy")
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ADMIN = f"arn:aws:iam::{ACCT}:role/KeyAdmin"
KEY_POLICY_ADMIN_ONLY = doc(stmt("Allow", "KeyAdmin", Principal={"AWS": KEY_ADMIN}, Action="kms:*", Resource="*"))
KEY_POLICY_ENABLES_IAM = doc(
    stmt("Allow", "EnableIam", Principal={"AWS": f"arn:aws:iam::{ACCT}:root"}, Action="kms:*", Resource="*")
)
ADMIN = doc(allow("Admin", "*"))

case(
    "own-policy/kms-identity-allow-needs-the-key-policy",
    "kms:Decrypt",
    KEY,
    IMPLICIT,
    identity=(ADMIN,),
    resource_policy=KEY_POLICY_ADMIN_ONLY,
    ctx={"aws:PrincipalArn": ROLE},
    gate=G_KEY,
)
case(
    "own-policy/kms-key-policy-enabling-iam-lets-identity-allow",
    "kms:Decrypt",
    KEY,
    ALLOWED,
    ("Admin", "EnableIam"),
    identity=(ADMIN,),
    resource_policy=KEY_POLICY_ENABLES_IAM,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "own-policy/kms-key-policy-enabling-iam-grants-nothing-alone",
    "kms:Decrypt",
    KEY,
    IMPLICIT,
    resource_policy=KEY_POLICY_ENABLES_IAM,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "own-policy/kms-key-policy-naming-the-role-grants-alone",
    "kms:Decrypt",
    KEY,
    ALLOWED,
    ("KeyAdmin",),
    resource_policy=KEY_POLICY_ADMIN_ONLY,
    ctx={"aws:PrincipalArn": KEY_ADMIN},
)
case(
    "own-policy/kms-without-a-key-policy-allows-nothing",
    "kms:Decrypt",
    KEY,
    IMPLICIT,
    identity=(ADMIN,),
    ctx={"aws:PrincipalArn": ROLE},
    gate=G_KEY,
    note="no KMS key policy was given",
)
case(
    "own-policy/kms-key-policy-does-not-govern-other-services",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Admin",),
    identity=(ADMIN,),
    resource_policy=doc(res_allow("OtherUser", {"AWS": f"arn:aws:iam::{ACCT}:user/bob"})),
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "own-policy/trust-policy-must-trust-the-caller",
    "sts:AssumeRole",
    ROLE,
    IMPLICIT,
    identity=(doc(allow("Assume", "sts:AssumeRole")),),
    resource_policy=doc(stmt("Allow", "Bedrock", Principal={"Service": "bedrock.amazonaws.com"}, Action="sts:*")),
    ctx={"aws:PrincipalArn": OTHER_ROLE},
    gate=G_TRUST,
)
case(
    "own-policy/trust-policy-trusting-the-account-lets-identity-allow",
    "sts:AssumeRole",
    ROLE,
    ALLOWED,
    ("Assume", "Account"),
    identity=(doc(allow("Assume", "sts:AssumeRole")),),
    resource_policy=doc(stmt("Allow", "Account", Principal={"AWS": ACCT}, Action="sts:AssumeRole")),
    ctx={"aws:PrincipalArn": OTHER_ROLE},
)

# =====================================================================================================
# 16. NotPrincipal in a resource-based Deny and permissions boundaries
# =====================================================================================================

ONLY_ALICE = doc(
    stmt(
        "Deny",
        "OnlyAlice",
        NotPrincipal={"AWS": [f"arn:aws:iam::{ACCT}:root", USER]},
        Action="s3:*",
        Resource=[BUCKET, f"{BUCKET}/*"],
    )
)
case(
    "notprincipal/deny-spares-the-listed-user",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Read",),
    identity=(doc(allow("Read", "s3:*")),),
    resource_policy=ONLY_ALICE,
    ctx={"aws:PrincipalArn": USER},
)
case(
    "notprincipal/deny-always-denies-a-principal-with-a-boundary",
    "s3:GetObject",
    f"{BUCKET}/key",
    EXPLICIT,
    ("OnlyAlice",),
    identity=(doc(allow("Read", "s3:*")),),
    boundary=doc(allow("All", "*")),
    resource_policy=ONLY_ALICE,
    ctx={"aws:PrincipalArn": USER},
)

# =====================================================================================================
# 17. Which resource-policy grants reach past a boundary or session policy (same account)
# =====================================================================================================

SESSION_ARN = f"arn:aws:sts::{ACCT}:assumed-role/InferenceRole/s1"
BOUNDARY_MANTLE_ONLY = doc(allow("MantleOnly", "bedrock-mantle:*"))
case(
    "direct/star-grant-to-user-not-limited-by-boundary",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Public",),
    boundary=BOUNDARY_MANTLE_ONLY,
    resource_policy=doc(res_allow("Public", "*")),
    ctx={"aws:PrincipalArn": USER},
)
case(
    "direct/account-grant-to-user-limited-by-boundary",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:*")),),
    boundary=BOUNDARY_MANTLE_ONLY,
    resource_policy=doc(res_allow("Account", {"AWS": ACCT})),
    ctx={"aws:PrincipalArn": USER},
    gate=G_PB,
)
case(
    "direct/star-grant-to-role-session-not-limited-by-boundary",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Public",),
    boundary=BOUNDARY_MANTLE_ONLY,
    resource_policy=doc(res_allow("Public", "*")),
    principal=SESSION_ARN,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "direct/session-arn-grant-not-limited-by-boundary",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Session",),
    boundary=BOUNDARY_MANTLE_ONLY,
    resource_policy=doc(res_allow("Session", {"AWS": SESSION_ARN})),
    principal=SESSION_ARN,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "direct/role-arn-grant-to-its-session-limited-by-boundary",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    boundary=BOUNDARY_MANTLE_ONLY,
    resource_policy=doc(res_allow("Role", {"AWS": ROLE})),
    principal=SESSION_ARN,
    ctx={"aws:PrincipalArn": ROLE},
    gate=G_PB,
)
case(
    "direct/role-arn-grant-reaches-its-session",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Role",),
    resource_policy=doc(res_allow("Role", {"AWS": ROLE})),
    principal=SESSION_ARN,
)

# =====================================================================================================
# 18. Policy variables: only after the fifth colon of a Resource ARN, never a multivalued key
# =====================================================================================================

case(
    "variables/variable-before-the-fifth-colon-never-matches",
    "bedrock-mantle:GetProject",
    PROJ,
    IMPLICIT,
    identity=(
        doc(allow("ByRegion", "bedrock-mantle:*", f"arn:aws:bedrock-mantle:${{aws:RequestedRegion}}:{ACCT}:project/*")),
    ),
    ctx={"aws:RequestedRegion": "us-east-1"},
)
case(
    "variables/account-variable-never-matches",
    "bedrock-mantle:GetProject",
    PROJ,
    IMPLICIT,
    identity=(
        doc(
            allow("ByAccount", "bedrock-mantle:*", "arn:aws:bedrock-mantle:us-east-1:${aws:PrincipalAccount}:project/*")
        ),
    ),
    ctx={"aws:PrincipalAccount": ACCT},
)
case(
    "variables/variable-after-the-fifth-colon-matches",
    "bedrock-mantle:GetProject",
    PROJ,
    ALLOWED,
    ("ByTag",),
    identity=(
        doc(
            allow(
                "ByTag",
                "bedrock-mantle:*",
                f"arn:aws:bedrock-mantle:us-east-1:{ACCT}:project/${{aws:PrincipalTag/project}}",
            )
        ),
    ),
    ctx={"aws:PrincipalTag/project": "proj_abc123"},
)
case(
    "variables/multivalued-key-is-not-a-variable",
    "s3:GetObject",
    f"{BUCKET}/a",
    IMPLICIT,
    identity=(doc(allow("ByTagKey", "s3:GetObject", f"{BUCKET}/${{aws:TagKeys}}")),),
    ctx={"aws:TagKeys": ["a", "b"]},
)
case(
    "variables/multivalued-key-with-one-value-is-not-a-variable-either",
    "s3:GetObject",
    f"{BUCKET}/a",
    IMPLICIT,
    identity=(doc(allow("ByTagKey", "s3:GetObject", f"{BUCKET}/${{aws:TagKeys}}")),),
    ctx={"aws:TagKeys": ["a"]},
)
case(
    "variables/multivalued-key-in-a-condition-value-is-not-a-variable",
    "s3:GetObject",
    f"{BUCKET}/a",
    IMPLICIT,
    identity=(doc(allow("Own", "s3:GetObject", Condition={"StringEquals": {"s3:prefix": "${aws:TagKeys}"}})),),
    ctx={"aws:TagKeys": ["a", "b"], "s3:prefix": "a"},
)

# =====================================================================================================
# 19. Resource control policies
# =====================================================================================================

RCP_NO_GET = doc(stmt("Deny", "NoGet", Principal="*", Action="s3:GetObject", Resource="*"))
RCP_NO_MANTLE = doc(stmt("Deny", "NoMantle", Principal="*", Action="bedrock-mantle:*", Resource="*"))
RCP_NOTHING = doc(stmt("Deny", "NoSqs", Principal="*", Action="sqs:*", Resource="*"))
S3_ONLY_RCP = frozenset({"s3", "kms", "sts"})
case(
    "rcp/deny-applies-to-a-supported-service",
    "s3:GetObject",
    f"{BUCKET}/key",
    EXPLICIT,
    ("NoGet",),
    identity=(doc(allow("Read", "s3:*")),),
    rcps=(RCP_NO_GET,),
    rcp_services=S3_ONLY_RCP,
    resource_account=ACCT,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "rcp/a-level-without-a-matching-deny-allows",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Read",),
    identity=(doc(allow("Read", "s3:*")),),
    rcps=(RCP_NOTHING, RCP_NOTHING),
    rcp_services=S3_ONLY_RCP,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "rcp/every-level-is-evaluated",
    "s3:GetObject",
    f"{BUCKET}/key",
    EXPLICIT,
    ("NoGet",),
    identity=(doc(allow("Read", "s3:*")),),
    rcps=(RCP_NOTHING, RCP_NO_GET),
    rcp_services=S3_ONLY_RCP,
    ctx={"aws:PrincipalArn": ROLE},
)
case(
    "rcp/unsupported-service-is-skipped-and-said",
    "bedrock-mantle:GetProject",
    PROJ,
    ALLOWED,
    ("Read",),
    identity=(doc(allow("Read", "bedrock-mantle:*")),),
    rcps=(RCP_NO_MANTLE,),
    rcp_services=S3_ONLY_RCP,
    ctx={"aws:PrincipalArn": ROLE},
    note="bedrock-mantle is not a service that resource control policies apply to",
)
case(
    "rcp/an-rcp-grants-nothing",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    rcps=(doc(stmt("Allow", "All", Principal="*", Action="*", Resource="*")),),
    rcp_services=S3_ONLY_RCP,
    ctx={"aws:PrincipalArn": ROLE},
)

# =====================================================================================================
# 20. Session policies
# =====================================================================================================

SESSION_GET_ONLY = doc(allow("GetOnly", "bedrock-mantle:Get*"))
case(
    "session/intersection-allows",
    "bedrock-mantle:GetProject",
    PROJ,
    ALLOWED,
    ("Mantle", "GetOnly"),
    identity=(doc(allow("Mantle", "bedrock-mantle:*")),),
    session=(SESSION_GET_ONLY,),
    principal=SESSION_ARN,
)
case(
    "session/intersection-denies",
    "bedrock-mantle:CreateProject",
    PROJ,
    IMPLICIT,
    identity=(doc(allow("Mantle", "bedrock-mantle:*")),),
    session=(SESSION_GET_ONLY,),
    principal=SESSION_ARN,
    gate=G_SESSION,
)
case(
    "session/session-policy-alone-grants-nothing",
    "bedrock-mantle:GetProject",
    PROJ,
    IMPLICIT,
    session=(doc(allow("All", "*")),),
    principal=SESSION_ARN,
)
case(
    "session/several-session-policies-are-united",
    "bedrock-mantle:CreateProject",
    PROJ,
    ALLOWED,
    ("Mantle", "Create"),
    identity=(doc(allow("Mantle", "bedrock-mantle:*")),),
    session=(SESSION_GET_ONLY, doc(allow("Create", "bedrock-mantle:Create*"))),
    principal=SESSION_ARN,
)
case(
    "session/deny-in-a-session-policy",
    "bedrock-mantle:GetProject",
    PROJ,
    EXPLICIT,
    ("NoGet",),
    identity=(doc(allow("Mantle", "bedrock-mantle:*")),),
    session=(doc(allow("All", "*"), deny("NoGet", "bedrock-mantle:Get*")),),
    principal=SESSION_ARN,
)
case(
    "session/role-arn-resource-grant-limited-by-session-policy",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    session=(SESSION_GET_ONLY,),
    resource_policy=doc(res_allow("Role", {"AWS": ROLE})),
    principal=SESSION_ARN,
    ctx={"aws:PrincipalArn": ROLE},
    gate=G_SESSION,
)
case(
    "session/session-arn-resource-grant-not-limited-by-session-policy",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Session",),
    session=(SESSION_GET_ONLY,),
    resource_policy=doc(res_allow("Session", {"AWS": SESSION_ARN})),
    principal=SESSION_ARN,
    ctx={"aws:PrincipalArn": ROLE},
)

# =====================================================================================================
# 21. Cross-account requests
# =====================================================================================================

PARTNER = f"arn:aws:iam::{OTHER_ACCT}:role/Partner"
PARTNER_CTX = {"aws:PrincipalArn": PARTNER, "aws:PrincipalAccount": OTHER_ACCT}
case(
    "cross/resource-grant-alone-is-not-enough",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    resource_policy=doc(res_allow("Partner", {"AWS": PARTNER})),
    resource_account=ACCT,
    ctx=PARTNER_CTX,
    gate=G_ID,
)
case(
    "cross/identity-alone-is-not-enough",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_account=ACCT,
    ctx=PARTNER_CTX,
    gate=G_RES,
)
case(
    "cross/both-allow",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Read", "Partner"),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(res_allow("Partner", {"AWS": PARTNER})),
    resource_account=ACCT,
    ctx=PARTNER_CTX,
)
case(
    "cross/account-principal-plus-identity",
    "s3:GetObject",
    f"{BUCKET}/key",
    ALLOWED,
    ("Read", "PartnerAccount"),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(res_allow("PartnerAccount", {"AWS": f"arn:aws:iam::{OTHER_ACCT}:root"})),
    resource_account=ACCT,
    ctx=PARTNER_CTX,
)
case(
    "cross/resource-policy-naming-another-account",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(res_allow("Own", {"AWS": ACCT})),
    resource_account=ACCT,
    ctx=PARTNER_CTX,
    gate=G_RES,
)
case(
    "cross/boundary-limits-the-identity-side",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:GetObject")),),
    boundary=BOUNDARY_MANTLE_ONLY,
    resource_policy=doc(res_allow("Partner", "*")),
    resource_account=ACCT,
    ctx=PARTNER_CTX,
    gate=G_PB,
)
case(
    "cross/account-read-from-the-resource-arn",
    "kms:Decrypt",
    KEY,
    ALLOWED,
    ("Admin", "Partner"),
    identity=(ADMIN,),
    resource_policy=doc(stmt("Allow", "Partner", Principal={"AWS": OTHER_ACCT}, Action="kms:Decrypt", Resource="*")),
    ctx=PARTNER_CTX,
)
case(
    "cross/kms-key-policy-of-the-other-account-must-allow",
    "kms:Decrypt",
    KEY,
    IMPLICIT,
    identity=(ADMIN,),
    resource_policy=KEY_POLICY_ENABLES_IAM,
    ctx=PARTNER_CTX,
    gate=G_KEY,
)
case(
    "cross/rcp-of-the-resource-account-applies",
    "s3:GetObject",
    f"{BUCKET}/key",
    EXPLICIT,
    ("NoGet",),
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_policy=doc(res_allow("Partner", {"AWS": PARTNER})),
    rcps=(RCP_NO_GET,),
    rcp_services=S3_ONLY_RCP,
    resource_account=ACCT,
    ctx=PARTNER_CTX,
)
case(
    "cross/principal-account-from-the-principal-arn",
    "s3:GetObject",
    f"{BUCKET}/key",
    IMPLICIT,
    identity=(doc(allow("Read", "s3:GetObject")),),
    resource_account=ACCT,
    principal=f"arn:aws:sts::{OTHER_ACCT}:assumed-role/Partner/s1",
    gate=G_RES,
)


# =====================================================================================================
# The test
# =====================================================================================================


def _load(d: dict[str, Any] | None, file: str, kind: str):
    return None if d is None else load_policy(json.dumps(d, indent=2), file, kind)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_evaluation(c: Case) -> None:
    identity = [_load(d, f"identity-{i}.json", IDENTITY) for i, d in enumerate(c.identity)]
    boundary = _load(c.boundary, "boundary.json", BOUNDARY)
    scps = [_load(d, f"{SCP_LEVELS[i]}-scp.json", SCP) for i, d in enumerate(c.scps)]
    endpoint = _load(c.endpoint, "endpoint.json", ENDPOINT)
    resource = _load(c.resource_policy, "resource.json", RESOURCE)
    session = [_load(d, f"session-{i}.json", SESSION) for i, d in enumerate(c.session)]
    rcps = [_load(d, f"{SCP_LEVELS[i]}-rcp.json", RCP) for i, d in enumerate(c.rcps)]
    policies = PolicySet(
        identity=identity,
        boundary=boundary,
        scps=scps,
        endpoint=endpoint,
        resource=resource,
        session=session,
        rcps=rcps,
        rcp_services=c.rcp_services,
    )
    problems = sorted(p.code for pol in policies.all_policies() for p in pol.problems)
    assert problems == sorted(c.problems)

    ctx = Context(c.ctx or {}, closed=c.closed)
    d = decide(policies, Request(c.action, c.resource, ctx, principal=c.principal, resource_account=c.resource_account))

    assert d.verdict is c.verdict, d.notes
    assert [s.sid for s in d.deciding] == list(c.sids)
    assert d.missing_context == list(c.missing)
    assert (d.failed_gate, d.failed_layer) == (c.gate or (None, None))
    if c.verdict is IMPLICIT:
        assert d.suggested_statement is not None
        assert d.suggested_statement["Effect"] == "Allow"
        assert d.suggested_statement["Resource"] == c.resource
    if c.note is not None:
        assert any(c.note in n for n in d.notes), d.notes
    else:
        assert not any("FullAWSAccess" in n for n in d.notes), d.notes
        assert not any("RCP" in n for n in d.notes), d.notes


def test_table_is_large_and_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)
