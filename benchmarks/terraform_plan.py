"""A generated Terraform plan of 1,000 IAM resources, linted by mantle-lint and, when given, by checkov.

``python benchmarks/terraform_plan.py [CHECKOV] [ROUNDS]`` writes the plan (``terraform show -json`` shape:
250 users each with an inline policy, a policy attachment and a Bedrock service-specific credential, in 5
modules) to a temporary directory, then times ``mantle-lint --no-config PLAN`` and, when CHECKOV (the path
of a checkov executable; install it in a throwaway venv, not the project's) is given,
``checkov -f PLAN --framework terraform_plan --quiet --compact``, alternating runs, and prints medians and
the ratio. The target: mantle-lint under 1 s. Not a test: numbers go into the README by hand.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

USERS = 250  # x 4 resources = 1,000
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["bedrock-mantle:CreateInference", "bedrock-mantle:ListModels"], "Resource": "*"},
        {"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"},
    ],
}


def plan() -> dict:
    modules = []
    changes = []
    for m in range(5):
        resources = []
        for i in range(m * USERS // 5, (m + 1) * USERS // 5):
            name = f"key{i}"
            base = f"module.m{m}."
            for typ, rname, values in (
                ("aws_iam_user", name, {"name": name, "path": "/", "tags": {"team": "t"}}),
                ("aws_iam_user_policy", name, {"name": f"{name}-mantle", "user": name, "policy": json.dumps(POLICY)}),
                (
                    "aws_iam_user_policy_attachment",
                    name,
                    {"user": name, "policy_arn": "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"},
                ),
                (
                    "aws_iam_service_specific_credential",
                    name,
                    {"service_name": "bedrock.amazonaws.com", "user_name": name, "credential_age_days": 30},
                ),
            ):
                address = f"{base}{typ}.{rname}"
                resources.append({"address": address, "mode": "managed", "type": typ, "name": rname, "values": values})
                changes.append(
                    {
                        "address": address,
                        "module_address": f"module.m{m}",
                        "mode": "managed",
                        "type": typ,
                        "name": rname,
                        "change": {
                            "actions": ["create"],
                            "before": None,
                            "after": values,
                            "after_unknown": {"id": True},
                        },
                    }
                )
        modules.append({"address": f"module.m{m}", "resources": resources})
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"child_modules": modules}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {"expressions": {"region": {"constant_value": "us-east-1"}}}}},
    }


def _time(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def main() -> None:
    checkov = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "tfplan.json")
        with open(path, "w") as f:
            json.dump(plan(), f, indent=2)
        mine = [sys.executable, "-m", "mantlekit.lint.cli", "--no-config", path]
        out = subprocess.run(mine, capture_output=True, text=True, check=False).stdout.strip().splitlines()
        print(
            f"plan: {len(plan()['resource_changes'])} resources, {os.path.getsize(path) // 1024} KiB; "
            f"mantle-lint: {out[-1]}"
        )
        theirs = [checkov, "-f", path, "--framework", "terraform_plan", "--quiet", "--compact"] if checkov else None
        a, b = [], []
        for _ in range(rounds):
            a.append(_time(mine))
            if theirs:
                b.append(_time(theirs))
        ma = statistics.median(a)
        print(f"mantle-lint: median {ma:.3f} s over {rounds} runs (process start included)")
        if theirs:
            mb = statistics.median(b)
            print(f"checkov:     median {mb:.3f} s; ratio checkov / mantle-lint = {mb / ma:.1f}x")


if __name__ == "__main__":
    main()
