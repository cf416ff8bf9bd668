"""Differential test: the engine against an independent IAM simulator, ``@cloud-copilot/iam-simulate``.

Seeded scenarios over every layer the engine knows (identity, boundary, session policies, SCP and RCP
levels, resource policies with KMS key and trust policies, same- and cross-account, NotPrincipal, policy
variables, conditions) run through both; one node process answers all of them (``oracle/bridge.mjs``, JSON
through stdin/stdout). Every disagreement fails the test unless a reviewed entry of :data:`DIVERGENCES`
explains it: a case where the AWS documentation sides with the engine, with the sentence and its URL.
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from mantlekit.iam.evaluate import PolicySet, Request, Verdict, decide
from mantlekit.iam.match import Context
from mantlekit.iam.model import BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, SESSION
from mantlekit.iam.parse import load_policy

ROOT = pathlib.Path(__file__).resolve().parents[2]
BRIDGE = pathlib.Path(__file__).with_name("oracle") / "bridge.mjs"
SIMULATOR = ROOT / "node_modules" / "@cloud-copilot" / "iam-simulate"
RCP_SERVICES_FILE = ROOT / "node_modules" / "@cloud-copilot" / "iam-data" / "data" / "rcpSupportedServices.json"
SEED = 13
N = 2400
V12 = "2012-10-17"
A, B = "111122223333", "444455556666"
_THEIRS = {
    "Allowed": Verdict.ALLOWED,
    "ExplicitlyDenied": Verdict.EXPLICIT_DENY,
    "ImplicitlyDenied": Verdict.IMPLICIT_DENY,
}


def _node() -> str | None:
    venv = pathlib.Path(sys.prefix) / "bin" / "node"
    return str(venv) if venv.exists() else shutil.which("node")


# --- scenarios ----------------------------------------------------------------------------------------


def _principal(rng: random.Random, account: str) -> dict[str, Any]:
    kind = rng.choice(("user", "role", "session"))
    if kind == "user":
        arn = f"arn:aws:iam::{account}:user/alice"
        return {"kind": kind, "arn": arn, "ctx_arn": arn, "account": account, "username": "alice"}
    role = f"arn:aws:iam::{account}:role/Worker"
    if kind == "role":
        return {"kind": kind, "arn": role, "ctx_arn": role, "account": account}
    sess = f"arn:aws:sts::{account}:assumed-role/Worker/s1"
    return {"kind": kind, "arn": sess, "ctx_arn": role, "account": account}


def _target(rng: random.Random, account: str) -> tuple[str, str]:
    return rng.choice(
        (
            ("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/reports/a.txt"),
            ("kms:Decrypt", f"arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            ("sts:AssumeRole", f"arn:aws:iam::{account}:role/Target"),
            ("bedrock-mantle:GetProject", f"arn:aws:bedrock-mantle:us-east-1:{account}:project/proj_abc123"),
            ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{account}:queue1"),
        )
    )


def _action_pattern(rng: random.Random, action: str) -> Any:
    service = action.split(":")[0]
    return rng.choice((action, f"{service}:*", "*", f"{service}:{action.split(':')[1][:3]}*", "ec2:RunInstances"))


def _resource_pattern(rng: random.Random, resource: str, account: str) -> str:
    head, _, tail = resource.rpartition("/") if "/" in resource else (resource, "", "")
    return rng.choice(
        (
            "*",
            resource,
            f"{head}/*" if tail else resource,
            f"{head}/${{aws:username}}" if tail else resource,
            resource.replace(account, "${aws:PrincipalAccount}") if account in resource else resource,
            resource.replace("us-east-1", "${aws:RequestedRegion}") if "us-east-1" in resource else resource,
            "arn:aws:s3:::other-bucket/*",
        )
    )


def _condition(rng: random.Random) -> dict[str, Any] | None:
    return rng.choice(
        (
            None,
            None,
            None,
            {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
            {"StringNotEquals": {"aws:PrincipalTag/team": "ml"}},
            {"StringEqualsIfExists": {"aws:PrincipalTag/team": "ml"}},
            {"Bool": {"aws:SecureTransport": "true"}},
            {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            {"StringLike": {"aws:RequestedRegion": "us-*"}},
            {"StringEquals": {"aws:PrincipalAccount": A}},
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Work*"}},
            {"Null": {"aws:PrincipalTag/team": "true"}},
            {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}},
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
            {"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}"}},
        )
    )


def _statement(rng: random.Random, effect: str, action: str, resource: str, account: str, **extra: Any) -> dict:
    st: dict[str, Any] = {"Effect": effect, "Action": _action_pattern(rng, action)}
    st["Resource"] = _resource_pattern(rng, resource, account)
    cond = _condition(rng)
    if cond:
        st["Condition"] = cond
    st.update(extra)
    return st


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V12, "Statement": list(statements)}


def _identity_like(rng: random.Random, action: str, resource: str, account: str, deny_chance: float) -> dict:
    sts = [_statement(rng, "Allow", action, resource, account) for _ in range(rng.randint(1, 2))]
    if rng.random() < deny_chance:
        sts.append(_statement(rng, "Deny", action, resource, account))
    return _doc(*sts)


def _resource_principal(rng: random.Random, who: dict[str, Any], accounts: tuple[str, str]) -> Any:
    own = who["account"]
    return rng.choice(
        (
            "*",
            {"AWS": f"arn:aws:iam::{own}:root"},
            {"AWS": own},
            {"AWS": who["ctx_arn"]},
            {"AWS": who["arn"]},
            {"AWS": f"arn:aws:iam::{own}:role/KeyAdmin"},
            {"AWS": f"arn:aws:iam::{accounts[1] if own == accounts[0] else accounts[0]}:root"},
        )
    )


def scenario(rng: random.Random) -> dict[str, Any]:
    p_account = rng.choice((A, A, B))
    r_account = A if rng.random() < 0.75 else B
    who = _principal(rng, p_account)
    action, resource = _target(rng, r_account)
    s: dict[str, Any] = {"who": who, "action": action, "resource": resource, "resource_account": r_account}
    s["identity"] = [_identity_like(rng, action, resource, r_account, 0.15) for _ in range(rng.randint(0, 2))]
    s["boundary"] = _identity_like(rng, action, resource, r_account, 0.1) if rng.random() < 0.3 else None
    s["session"] = (
        _identity_like(rng, action, resource, r_account, 0.1)
        if who["kind"] == "session" and rng.random() < 0.4
        else None
    )
    full = {"Version": V12, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    s["scps"] = []
    for _ in range(rng.choice((0, 0, 1, 2))):
        level = [full] if rng.random() < 0.8 else [_doc(_statement(rng, "Allow", action, resource, r_account))]
        if rng.random() < 0.4:
            level.append(_doc(_statement(rng, "Deny", action, resource, r_account)))
        s["scps"].append(level)
    s["rcps"] = []
    for _ in range(rng.choice((0, 0, 1, 2))):
        st = _statement(rng, "Deny", action, resource, r_account, Principal="*")
        st["Resource"] = "*"
        if st["Action"] == "*":  # IAM rejects "Action": "*" in an RCP
            st["Action"] = action.split(":")[0] + ":*"
        s["rcps"].append(_doc(st))
    s["resource_policy"] = None
    if rng.random() < 0.7:
        sts = []
        for _ in range(rng.randint(1, 2)):
            st = _statement(rng, "Allow", action, resource, r_account)
            st["Principal"] = _resource_principal(rng, who, (A, B))
            if action == "sts:AssumeRole":
                del st["Resource"]
            sts.append(st)
        if rng.random() < 0.2:
            keep = (
                [f"arn:aws:iam::{r_account}:root", who["arn"]]
                if rng.random() < 0.5
                else [f"arn:aws:iam::{r_account}:root"]
            )
            st = {"Effect": "Deny", "NotPrincipal": {"AWS": keep}, "Action": _action_pattern(rng, action)}
            if action != "sts:AssumeRole":
                st["Resource"] = "*"
            sts.append(st)
        s["resource_policy"] = _doc(*sts)
    ctx: dict[str, Any] = {"aws:PrincipalArn": who["ctx_arn"], "aws:PrincipalAccount": p_account}
    if who.get("username"):
        ctx["aws:username"] = who["username"]
    ctx["aws:RequestedRegion"] = rng.choice(("us-east-1", "eu-west-1"))
    if rng.random() < 0.6:
        ctx["aws:PrincipalTag/team"] = rng.choice(("ml", "web"))
    if rng.random() < 0.7:
        ctx["aws:SecureTransport"] = rng.choice(("true", "false"))
    if rng.random() < 0.7:
        ctx["aws:SourceIp"] = rng.choice(("203.0.113.7", "198.51.100.1"))
    if rng.random() < 0.3:
        ctx["aws:TagKeys"] = rng.choice((["a"], ["a", "b"], ["c"]))
    s["context"] = ctx
    return s


def to_simulation(s: dict[str, Any]) -> dict[str, Any]:
    sim: dict[str, Any] = {
        "request": {
            "principal": s["who"]["arn"],
            "action": s["action"],
            "resource": {"resource": s["resource"], "accountId": s["resource_account"]},
            "contextVariables": s["context"],
        },
        "identityPolicies": [{"name": f"identity-{i}", "policy": d} for i, d in enumerate(s["identity"])],
        "serviceControlPolicies": [
            {
                "orgIdentifier": f"scp-{i}",
                "policies": [{"name": f"scp-{i}-{j}", "policy": d} for j, d in enumerate(lvl)],
            }
            for i, lvl in enumerate(s["scps"])
        ],
        "resourceControlPolicies": [
            {"orgIdentifier": f"rcp-{i}", "policies": [{"name": f"rcp-{i}", "policy": d}]}
            for i, d in enumerate(s["rcps"])
        ],
    }
    if s["boundary"] is not None:
        sim["permissionBoundaryPolicies"] = [{"name": "boundary", "policy": s["boundary"]}]
    if s["session"] is not None:
        sim["sessionPolicy"] = s["session"]
    if s["resource_policy"] is not None:
        sim["resourcePolicy"] = s["resource_policy"]
    return sim


def ours(s: dict[str, Any], rcp_services: frozenset[str]) -> Verdict:
    def load(d: dict[str, Any], name: str, kind: str):
        return load_policy(json.dumps(d), name, kind)

    policies = PolicySet(
        identity=[load(d, f"identity-{i}", IDENTITY) for i, d in enumerate(s["identity"])],
        boundary=load(s["boundary"], "boundary", BOUNDARY) if s["boundary"] else None,
        scps=[[load(d, f"scp-{i}-{j}", SCP) for j, d in enumerate(lvl)] for i, lvl in enumerate(s["scps"])],
        rcps=[load(d, f"rcp-{i}", RCP) for i, d in enumerate(s["rcps"])],
        session=[load(s["session"], "session", SESSION)] if s["session"] else [],
        resource=load(s["resource_policy"], "resource", RESOURCE) if s["resource_policy"] else None,
        rcp_services=rcp_services,
    )
    req = Request(
        s["action"],
        s["resource"],
        Context(s["context"], closed=True),
        principal=s["who"]["arn"],
        resource_account=s["resource_account"],
    )
    return decide(policies, req).verdict


# --- known divergences --------------------------------------------------------------------------------


def _statements(s: dict[str, Any]):
    for d in s["identity"]:
        yield from d["Statement"]
    for d in (s["boundary"], s["session"], s["resource_policy"]):
        if d:
            yield from d["Statement"]
    for lvl in s["scps"]:
        for d in lvl:
            yield from d["Statement"]
    for d in s["rcps"]:
        yield from d["Statement"]


def _has(s: dict[str, Any], test: Callable[[dict[str, Any]], bool]) -> bool:
    return any(test(st) for st in _statements(s))


def _early_variable(st: dict[str, Any]) -> bool:
    r = st.get("Resource", "")
    return isinstance(r, str) and ("${aws:PrincipalAccount}" in r or "${aws:RequestedRegion}" in r)


class Divergence:
    def __init__(self, id: str, applies: Callable[[dict[str, Any], Verdict, Verdict], bool], quote: str, url: str):
        self.id = id
        self.applies = applies
        self.quote = quote
        self.url = url


DIVERGENCES: list[Divergence] = [
    Divergence(
        "rcp-on-unsupported-service",
        lambda s, we, they: (
            bool(s["rcps"]) and s["action"].split(":")[0] not in _rcp_services() and they is not Verdict.ALLOWED
        ),
        "RCPs apply to the following AWS services: (the list; bedrock-mantle is not in it) - the simulator applies "
        "RCPs to every service",
        "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html",
    ),
    Divergence(
        "session-arn-grant-past-the-session-policy",
        lambda s, we, they: (
            s["session"] is not None
            and we is Verdict.ALLOWED
            and they is Verdict.IMPLICIT_DENY
            and _has(s, lambda st: st["Effect"] == "Allow" and st.get("Principal") in ("*", {"AWS": s["who"]["arn"]}))
        ),
        "If that policy specifically references the federated user session in the Principal element of the "
        "policy, the session has the permissions allowed by the policy. These permissions are granted in "
        "addition to the permissions granted by the session policies. (the simulator denies whenever the "
        "session policy does not allow)",
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html",
    ),
    Divergence(
        "trust-policy-not-given",
        lambda s, we, they: (
            s["action"].startswith("sts:AssumeRole")
            and s["resource_policy"] is None
            and we is Verdict.IMPLICIT_DENY
            and they is Verdict.ALLOWED
        ),
        "A role trust policy is a required resource-based policy that is attached to a role in IAM. (every role "
        "has one; the simulator lets identity-based policies decide when none is given, the engine allows "
        "nothing it was not shown)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html",
    ),
    Divergence(
        "variable-before-the-fifth-colon",
        lambda s, we, they: _has(s, _early_variable) and they is Verdict.ALLOWED,
        "You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or account.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html",
    ),
]


_RCP: frozenset[str] | None = None


def _rcp_services() -> frozenset[str]:
    global _RCP
    if _RCP is None:
        _RCP = frozenset(json.loads(RCP_SERVICES_FILE.read_text()))
    return _RCP


# --- the test -----------------------------------------------------------------------------------------


@pytest.mark.oracle
def test_engine_agrees_with_iam_simulate() -> None:
    node = _node()
    if node is None or not SIMULATOR.exists():
        pytest.fail("node and node_modules/@cloud-copilot/iam-simulate are needed: run make env")
    rng = random.Random(SEED)
    scenarios = [scenario(rng) for _ in range(N)]
    proc = subprocess.run(
        [node, str(BRIDGE)],
        input=json.dumps([to_simulation(s) for s in scenarios]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")},
    )
    assert proc.returncode == 0, proc.stderr
    theirs = json.loads(proc.stdout)
    assert len(theirs) == N
    errors = [(i, t) for i, t in enumerate(theirs) if t not in _THEIRS]
    assert not errors, [(i, t, to_simulation(scenarios[i])) for i, t in errors[:2]]
    rcp = _rcp_services()
    agree = 0
    explained: Counter[str] = Counter()
    unexplained = []
    for i, (s, t) in enumerate(zip(scenarios, theirs, strict=True)):
        we, they = ours(s, rcp), _THEIRS[t]
        if we is they:
            agree += 1
            continue
        hit = next((d for d in DIVERGENCES if d.applies(s, we, they)), None)
        if hit is None:
            unexplained.append((i, we.value, t, s))
        else:
            explained[hit.id] += 1
    report = f"agreement {agree}/{N} ({agree / N:.1%}); explained {dict(explained)}; unexplained {len(unexplained)}"
    print(report)
    if os.environ.get("ORACLE_DUMP"):
        pathlib.Path(os.environ["ORACLE_DUMP"]).write_text(json.dumps(unexplained, indent=1))
    detail = "\n".join(json.dumps(u) for u in unexplained[:3])
    assert not unexplained, report + "\n" + detail
