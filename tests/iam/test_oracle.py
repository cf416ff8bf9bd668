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

from mantlekit.iam.evaluate import Request, Verdict, decide
from mantlekit.iam.match import Context
from mantlekit.iam.model import BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, SESSION, PolicySet
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
            {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a"]}},
            {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
            {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            {"DateLessThan": {"aws:EpochTime": "1577836800"}},
            {"Null": {"aws:TagKeys": "false"}},
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


_VERSION = random.Random(SEED + 1)


def _doc12(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V12, "Statement": list(statements)}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    # One document in twelve is a 2008-10-17 one, where ${...} is literal text.
    return {"Version": "2008-10-17" if _VERSION.random() < 1 / 12 else V12, "Statement": list(statements)}


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
        level = [full] if rng.random() < 0.8 else [_doc12(_statement(rng, "Allow", action, resource, r_account))]
        if rng.random() < 0.4:
            level.append(_doc12(_statement(rng, "Deny", action, resource, r_account)))
        s["scps"].append(level)
    s["rcps"] = []
    for _ in range(rng.choice((0, 0, 1, 2))):
        st = _statement(rng, "Deny", action, resource, r_account, Principal="*")
        st["Resource"] = "*"
        if st["Action"] == "*":  # IAM rejects "Action": "*" in an RCP
            st["Action"] = action.split(":")[0] + ":*"
        s["rcps"].append({"Version": V12, "Statement": [st]})  # RCPs and SCPs take only 2012-10-17
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
        # Not []: whether an empty multivalued key is present for Null, AWS's pages do not say.
        ctx["aws:TagKeys"] = rng.choice((["a"], ["a", "b"], ["c"]))
    if rng.random() < 0.5:
        ctx["aws:CurrentTime"] = rng.choice(("2019-06-01T00:00:00Z", "2024-06-01T00:00:00Z"))
        ctx["aws:EpochTime"] = "1559347200" if ctx["aws:CurrentTime"].startswith("2019") else "1717200000"
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
#
# Each entry says what the other simulator does differently, as a change to the scenario that makes the
# engine do the same (an emulation). A disagreement is explained when the entries whose shape the scenario
# has, applied to it, make the engine give the other simulator's verdict. Each was checked on a scenario of
# its own (test_each_divergence_is_reproduced) and is one where AWS's documentation sides with the engine.


def _docs(s: dict[str, Any]):
    yield from s["identity"]
    for k in ("boundary", "session", "resource_policy"):
        if s[k]:
            yield s[k]
    for lvl in s["scps"]:
        yield from lvl
    yield from s["rcps"]


def _text(s: dict[str, Any]) -> str:
    return json.dumps([s[k] for k in ("identity", "boundary", "session", "resource_policy", "scps", "rcps")])


def _rewrite(s: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    out = json.loads(json.dumps(s).replace(old, new))
    return out


def _session_limits_everything(s: dict[str, Any]) -> dict[str, Any]:
    # The simulator lets nothing past a session policy that does not allow: as if every resource-policy
    # grant to the session (or to "*") named the role instead.
    out = json.loads(json.dumps(s))
    for st in (out["resource_policy"] or {}).get("Statement", []):
        if st["Effect"] == "Allow" and st.get("Principal") in ("*", {"AWS": s["who"]["arn"]}):
            st["Principal"] = {"AWS": s["who"]["ctx_arn"]}
    return out


def _implicit_trust(s: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(s))
    out["resource_policy"] = {
        "Version": V12,
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": s["who"]["account"]}, "Action": "sts:*"}],
    }
    return out


def _as_2012(s: dict[str, Any]) -> dict[str, Any]:
    return _rewrite(s, '"Version": "2008-10-17"', f'"Version": "{V12}"')


class Divergence:
    def __init__(
        self,
        id: str,
        present: Callable[[dict[str, Any]], bool],
        emulate: Callable[[dict[str, Any]], dict[str, Any]],
        quote: str,
        url: str,
        rcp_everywhere: bool = False,
    ):
        self.id = id
        self.present = present
        self.emulate = emulate
        self.quote = quote
        self.url = url
        self.rcp_everywhere = rcp_everywhere


DIVERGENCES: list[Divergence] = [
    Divergence(
        "rcp-on-a-service-rcps-do-not-govern",
        lambda s: bool(s["rcps"]) and s["action"].split(":")[0] not in _rcp_services(),
        lambda s: s,
        "RCPs apply only to the AWS services listed as supporting them (bedrock-mantle is not listed); the "
        "simulator applies them to every service",
        "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html",
        rcp_everywhere=True,
    ),
    Divergence(
        "session-arn-grant-past-the-session-policy",
        lambda s: s["session"] is not None and s["resource_policy"] is not None,
        _session_limits_everything,
        "If that policy specifically references the federated user session in the Principal element of the "
        "policy, the session has the permissions allowed by the policy. These permissions are granted in "
        "addition to the permissions granted by the session policies.",
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html",
    ),
    Divergence(
        "trust-policy-not-given",
        lambda s: s["action"].startswith("sts:AssumeRole") and s["resource_policy"] is None,
        _implicit_trust,
        "A role trust policy is a required resource-based policy that is attached to a role in IAM. (The "
        "simulator trusts the account when none is given; the engine allows nothing it was not shown.)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html",
    ),
    Divergence(
        "ifexists-with-foranyvalue",
        lambda s: "ForAnyValue:StringEqualsIfExists" in _text(s) and not s["context"].get("aws:TagKeys"),
        lambda s: _rewrite(s, "ForAnyValue:StringEqualsIfExists", "ForAnyValue:StringEquals"),
        "If the policy key is present in the context of the request, process the key as specified in the "
        "policy. If the key is not present, evaluate the condition element as true.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists",
    ),
    Divergence(
        "ipv4-everything-cidr",
        lambda s: "0.0.0.0/0" in _text(s) and "aws:SourceIp" in s["context"],
        lambda s: _rewrite(s, "0.0.0.0/0", "255.255.255.255/32"),
        "The value must be in the standard CIDR format (for example, 203.0.113.0/24 or "
        "2001:DB8:1234:5678::/64). (0.0.0.0/0 is every IPv4 address; the simulator matches none.)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress",
    ),
    Divergence(
        "variables-in-a-2008-10-17-policy",
        lambda s: any(d["Version"] == "2008-10-17" and "${" in json.dumps(d) for d in _docs(s)),
        _as_2012,
        "If you do not include a Version element, the value defaults to 2008-10-17, but newer features, such "
        "as policy variables, will not work with your policy. For example, variables such as ${aws:username} "
        "aren't recognized as variables and are instead treated as literal strings in the policy.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html",
    ),
]


_RCP: frozenset[str] | None = None


def _rcp_services() -> frozenset[str]:
    global _RCP
    if _RCP is None:
        _RCP = frozenset(json.loads(RCP_SERVICES_FILE.read_text()))
    return _RCP


def explain(s: dict[str, Any], they: Verdict) -> tuple[str, ...] | None:
    """The divergences that, emulated, make the engine agree with the other simulator; None if none do."""
    present = [d for d in DIVERGENCES if d.present(s)]
    for chosen in [[d] for d in present] + ([present] if len(present) > 1 else []):
        t = s
        services = _rcp_services()
        for d in chosen:
            t = d.emulate(t)
            if d.rcp_everywhere:
                services = services | {s["action"].split(":")[0]}
        if ours(t, services) is they:
            return tuple(d.id for d in chosen)
    return None


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
        hit = explain(s, they)
        if hit is None:
            unexplained.append((i, we.value, t, s))
        else:
            explained[" + ".join(hit)] += 1
    report = f"agreement {agree}/{N} ({agree / N:.1%}); explained {dict(explained)}; unexplained {len(unexplained)}"
    print(report)
    if os.environ.get("ORACLE_DUMP"):
        pathlib.Path(os.environ["ORACLE_DUMP"]).write_text(json.dumps(unexplained, indent=1))
    detail = "\n".join(json.dumps(u) for u in unexplained[:3])
    assert not unexplained, report + "\n" + detail


def _probe(statement: dict[str, Any], context: dict[str, Any], **over: Any) -> dict[str, Any]:
    user = f"arn:aws:iam::{A}:user/alice"
    s: dict[str, Any] = {
        "who": {"kind": "user", "arn": user, "ctx_arn": user, "account": A},
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::amzn-s3-demo-bucket/alice",
        "resource_account": A,
        "identity": [{"Version": V12, "Statement": [statement]}],
        "boundary": None,
        "session": None,
        "scps": [],
        "rcps": [],
        "resource_policy": None,
        "context": {"aws:PrincipalArn": user, "aws:PrincipalAccount": A, **context},
    }
    s.update(over)
    return s


_READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
_SESSION = f"arn:aws:sts::{A}:assumed-role/Worker/s1"
PROBES: dict[str, dict[str, Any]] = {
    "rcp-on-a-service-rcps-do-not-govern": _probe(
        {"Effect": "Allow", "Action": "bedrock-mantle:*", "Resource": "*"},
        {},
        action="bedrock-mantle:GetProject",
        resource=f"arn:aws:bedrock-mantle:us-east-1:{A}:project/proj_abc123",
        rcps=[
            {
                "Version": V12,
                "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "bedrock-mantle:*", "Resource": "*"}],
            }
        ],
    ),
    "session-arn-grant-past-the-session-policy": _probe(
        _READ,
        {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/Worker"},
        who={"kind": "session", "arn": _SESSION, "ctx_arn": f"arn:aws:iam::{A}:role/Worker", "account": A},
        identity=[],
        session={"Version": V12, "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]},
        resource_policy={"Version": V12, "Statement": [{**_READ, "Principal": {"AWS": _SESSION}}]},
    ),
    "trust-policy-not-given": _probe(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        {},
        action="sts:AssumeRole",
        resource=f"arn:aws:iam::{A}:role/Target",
    ),
    "ifexists-with-foranyvalue": _probe(
        {**_READ, "Condition": {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a"]}}}, {}
    ),
    "ipv4-everything-cidr": _probe(
        {**_READ, "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}, {"aws:SourceIp": "203.0.113.7"}
    ),
    "variables-in-a-2008-10-17-policy": _probe(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}"},
        {"aws:username": "alice"},
        identity=[
            {
                "Version": "2008-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}",
                    }
                ],
            }
        ],
    ),
}


@pytest.mark.oracle
def test_each_divergence_is_reproduced() -> None:
    """Every reviewed divergence happens on a scenario of its own, and its emulation alone explains it."""
    node = _node()
    if node is None or not SIMULATOR.exists():
        pytest.fail("node and node_modules/@cloud-copilot/iam-simulate are needed: run make env")
    assert sorted(PROBES) == sorted(d.id for d in DIVERGENCES)
    names = sorted(PROBES)
    proc = subprocess.run(
        [node, str(BRIDGE)],
        input=json.dumps([to_simulation(PROBES[n]) for n in names]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for name, t in zip(names, json.loads(proc.stdout), strict=True):
        they = _THEIRS[t]
        assert ours(PROBES[name], _rcp_services()) is not they, name
        assert explain(PROBES[name], they) == (name,), name
