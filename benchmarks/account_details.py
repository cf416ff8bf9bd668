#!/usr/bin/env python3
"""How long a whole audit of a large account takes: account authorization details of 1,000 principals.

    .venv/bin/python benchmarks/account_details.py [--principals 1000] [--pages 4] [--runs 5]

Generates (deterministically) one account's details: users (a third of them long-term key holders by tag,
some console-style with AmazonBedrockLimitedAccess, some with Bedrock credentials in the
``mantlekit:ServiceSpecificCredentials`` extension), roles with trust policies, groups, customer managed
policies with several versions, permissions boundaries and AWS managed attachments, saved as ``--pages``
paginated files (Marker / IsTruncated) under ``benchmarks/.work/``. Then, in one fresh interpreter per run,
times ``read_paths`` (read, merge pages, build principals) and ``lint_inventory`` (every rule, every
principal evaluated by the engine) and prints the medians. Target: the whole audit of 1,000 principals
under one second. Not a test; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "account-details"
ACCOUNT = "210987654321"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")

PROBE = r"""
import json, sys, time
t = time.perf_counter
t0 = t()
from mantlekit.lint.config import Config
from mantlekit.lint.readers import read_paths
from mantlekit.lint.runner import lint_inventory
t1 = t()
inv = read_paths([sys.argv[1]])
t2 = t()
result = lint_inventory(inv, Config())
t3 = t()
print(json.dumps({
    "import": t1 - t0, "read + merge + principals": t2 - t1, "rules + engine": t3 - t2, "audit": t3 - t1,
    "principals": len(inv.principals), "documents": len(inv.documents), "findings": len(result.findings),
    "errors": len(inv.errors),
}))
"""


def arn(kind: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}{path}{name}"


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def project(rng: random.Random) -> str:
    return f"arn:aws:bedrock-mantle:{rng.choice(REGIONS)}:{ACCOUNT}:project/proj_team{rng.randrange(40):02d}"


def mantle_statement(rng: random.Random) -> dict:
    actions = rng.sample(
        [
            "bedrock-mantle:ListModels",
            "bedrock-mantle:GetModel",
            "bedrock-mantle:CreateInference",
            "bedrock-mantle:GetInference",
            "bedrock-mantle:CountTokens",
            "bedrock-mantle:ListFiles",
            "bedrock-mantle:CreateFile",
        ],
        rng.randrange(2, 6),
    )
    st = {"Effect": "Allow", "Action": actions, "Resource": [project(rng) for _ in range(rng.randrange(1, 3))]}
    if rng.random() < 0.3:
        st["Condition"] = {"StringEquals": {"aws:RequestedRegion": rng.choice(REGIONS)}}
    return st


def other_statement(rng: random.Random) -> dict:
    service = rng.choice(["s3", "logs", "dynamodb", "sqs", "kms", "cloudwatch"])
    return {"Effect": "Allow", "Action": [f"{service}:Get*", f"{service}:List*"], "Resource": "*"}


def generate(principals: int, pages: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    n_policies = max(10, principals // 10)
    n_groups = max(5, principals // 20)
    n_roles = principals // 4
    n_users = principals - n_roles
    policies = []
    for i in range(n_policies):
        versions = []
        for v in range(1, rng.randrange(2, 5)):
            body = doc(mantle_statement(rng), other_statement(rng))
            versions.append({"Document": body, "VersionId": f"v{v}", "IsDefaultVersion": False})
        versions[-1]["IsDefaultVersion"] = True
        policies.append(
            {
                "PolicyName": f"team-policy-{i}",
                "Arn": arn("policy", f"team-policy-{i}"),
                "Path": "/",
                "DefaultVersionId": versions[-1]["VersionId"],
                "PolicyVersionList": versions,
            }
        )
    boundary = {
        "PolicyName": "mantle-boundary",
        "Arn": arn("policy", "mantle-boundary"),
        "Path": "/",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [
            {
                "Document": urllib.parse.quote(
                    json.dumps(
                        doc(
                            {"Effect": "Allow", "Action": ["bedrock-mantle:*", "s3:*", "logs:*"], "Resource": "*"},
                            {"Effect": "Deny", "Action": "bedrock-mantle:ArchiveProject", "Resource": "*"},
                        )
                    )
                ),
                "VersionId": "v1",
                "IsDefaultVersion": True,
            }
        ],
    }
    policies.append(boundary)
    groups = [
        {
            "GroupName": f"group-{i}",
            "Arn": arn("group", f"group-{i}"),
            "GroupPolicyList": [
                {
                    "PolicyName": "bearer",
                    "PolicyDocument": doc(
                        {"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"}
                    ),
                }
            ],
            "AttachedManagedPolicies": [
                {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in rng.sample(policies[:-1], 2)
            ],
        }
        for i in range(n_groups)
    ]
    users = []
    credentials = {}
    for i in range(n_users):
        name = f"user-{i:04d}"
        u = {
            "UserName": name,
            "Arn": arn("user", name, "/people/"),
            "Path": "/people/",
            "UserPolicyList": [
                {"PolicyName": "own", "PolicyDocument": doc(mantle_statement(rng), other_statement(rng))}
            ]
            if rng.random() < 0.6
            else [],
            "GroupList": [g["GroupName"] for g in rng.sample(groups, rng.randrange(0, 3))],
            "AttachedManagedPolicies": [
                {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in rng.sample(policies[:-1], 1)
            ],
            "Tags": [],
        }
        r = rng.random()
        if r < 0.33:
            u["Tags"].append({"Key": "mantlekit:api-key", "Value": "long-term"})
        elif r < 0.40:
            u["AttachedManagedPolicies"].append(
                {
                    "PolicyName": "AmazonBedrockLimitedAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess",
                }
            )
        elif r < 0.45:
            credentials[name] = [
                {
                    "UserName": name,
                    "Status": rng.choice(["Active", "Active", "Inactive"]),
                    "CreateDate": f"2025-{rng.randrange(1, 13):02d}-01T00:00:00+00:00",
                    "ServiceSpecificCredentialId": f"ACCA{i:016d}",
                    "ServiceName": "bedrock.amazonaws.com",
                }
            ]
        if rng.random() < 0.2:
            u["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": boundary["Arn"],
            }
        users.append(u)
    roles = [
        {
            "RoleName": f"service-{i:04d}",
            "Arn": arn("role", f"service-{i:04d}", "/service-role/"),
            "Path": "/service-role/",
            "AssumeRolePolicyDocument": doc(
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(mantle_statement(rng))}],
            "AttachedManagedPolicies": [
                {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in rng.sample(policies[:-1], 2)
            ]
            + [
                {
                    "PolicyName": "AWSLambdaBasicExecutionRole",
                    "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                }
            ],
            "Tags": [{"Key": "mantlekit:api-key", "Value": "short-term"}] if rng.random() < 0.1 else [],
        }
        for i in range(n_roles)
    ]
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob("page-*.json"):
        old.unlink()
    lists = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}
    files = []
    for p in range(pages):
        page = {k: v[p * len(v) // pages : (p + 1) * len(v) // pages] for k, v in lists.items()}
        last = p == pages - 1
        page["IsTruncated"] = not last
        if not last:
            page["Marker"] = f"marker-{p + 1}"
        else:
            page["mantlekit:ServiceSpecificCredentials"] = credentials
        f = WORK / f"page-{p + 1}.json"
        f.write_text(json.dumps(page, indent=2))
        files.append(f)
    return files


def corpus_details(corpus: Path) -> tuple[int, Path]:
    """The corpus's documents as the customer managed policies (one version each) of one details file."""
    policies = []
    for f in sorted(corpus.glob("*.json")):
        try:
            document = json.loads(f.read_text(encoding="utf-8"))
        except ValueError:
            continue
        name = f.stem
        policies.append(
            {
                "PolicyName": name,
                "Arn": arn("policy", name),
                "Path": "/",
                "DefaultVersionId": "v1",
                "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}],
            }
        )
    out = WORK.parent / "corpus-details" / "authorization-details.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    details = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": policies}
    out.write_text(json.dumps({**details, "IsTruncated": False}, indent=4))  # as the AWS CLI writes it
    return len(policies), out


def side_by_side(corpus: Path, runs: int) -> None:
    import time

    n, details = corpus_details(corpus)
    exe = [str(Path(sys.executable).parent / "mantle-lint")]
    cases = {
        "loose files, --jobs 1": [*exe, "--no-config", "--jobs", "1", str(corpus)],
        "loose files, default jobs": [*exe, "--no-config", str(corpus)],
        "one account-details file": [*exe, "--no-config", str(details)],
    }
    print(
        f"\n{n} documents: loose files under {corpus} against {details.relative_to(ROOT)} "
        f"({details.stat().st_size / 1e6:.1f} MB), whole processes, median of {runs}"
    )
    medians = {}
    for label, cmd in cases.items():
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
            times.append(time.perf_counter() - t)
        medians[label] = statistics.median(times)
        print(f"{label:28s} median {medians[label] * 1000:7.1f} ms  (min {min(times) * 1000:.1f})")
    ratio = medians["one account-details file"] / medians["loose files, --jobs 1"]
    print(f"account path / loose --jobs 1: {ratio:.2f}x -> target 1.5x {'met' if ratio <= 1.5 else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--principals", type=int, default=1000)
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--runs", type=int, default=5)
    corpora = [up / "shared" / "corpus" / "aws-managed" for up in (ROOT.parent, ROOT.parent.parent)]
    ap.add_argument("--corpus", type=Path, default=next((c for c in corpora if c.is_dir()), corpora[0]))
    args = ap.parse_args()
    files = generate(args.principals, args.pages)
    size = sum(f.stat().st_size for f in files)
    print(f"{args.principals} principals in {len(files)} pages, {size / 1e6:.1f} MB, {WORK.relative_to(ROOT)}/")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    runs = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(WORK)], capture_output=True, text=True, check=True, env=env, cwd=ROOT
        )
        runs.append(json.loads(out.stdout))
    first = runs[0]
    print(
        f"principals {first['principals']}, documents {first['documents']}, findings {first['findings']}, "
        f"input errors {first['errors']}"
    )
    for key in ("import", "read + merge + principals", "rules + engine", "audit"):
        values = [r[key] for r in runs]
        print(f"{key:28s} median {statistics.median(values) * 1000:7.1f} ms  (min {min(values) * 1000:.1f})")
    audit = statistics.median(r["audit"] for r in runs)
    print(f"target: whole audit < 1 s -> {'met' if audit < 1.0 else 'NOT met'} ({audit:.2f} s)")
    if args.corpus.is_dir():
        side_by_side(args.corpus, args.runs)
    else:
        print(f"(no corpus at {args.corpus}: side-by-side comparison skipped)")


if __name__ == "__main__":
    main()
