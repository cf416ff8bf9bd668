"""What ``mantle-lint diff`` costs against linting one side, on a generated repository.

``python benchmarks/diff.py [ROUNDS]`` makes a git repository in a temporary directory with 200 configured
principals (roles and keys, in ``pyproject.toml``) over 2,000 policy files (ten each, one SCP shared by the
keys), commits it, changes 20 files (wildcard grants, new Denies) and commits again. It then times, as whole
processes with the default number of processes, alternately:

- ``mantle-lint policies`` on the working tree (one side, what pre-commit or CI runs today);
- ``mantle-lint diff HEAD~1 HEAD -- policies`` (two revisions: HEAD~1 unpacked, HEAD read in place as the
  working tree matches it, both linted, compared);
- ``mantle-lint diff HEAD~1 -- policies`` (HEAD~1 against the working tree, what a pull-request job runs).

and prints the median of each and the ratio. The target: the diff within 2.5x one lint. Not a test: numbers
go into the README by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PRINCIPALS = 200
FILES_EACH = 10
ACCOUNT = "111122223333"
PROJECT = f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT}:project/proj_bench"


def _policy(i: int, j: int, wide: bool = False, deny: bool = False) -> dict:
    """The j-th policy of principal i: one Mantle statement among a few others, as real policies mix services."""
    actions = {
        0: ["bedrock-mantle:ListModels", "bedrock-mantle:GetModel"],
        1: ["bedrock-mantle:CreateInference", "bedrock-mantle:CountTokens"],
        2: ["bedrock-mantle:GetInference", "bedrock-mantle:CancelInference", "bedrock-mantle:DeleteInference"],
    }.get(j, [f"s3:GetObject{'' if j % 2 else 'Version'}", "logs:PutLogEvents"])
    resource = PROJECT if j < 3 else f"arn:aws:s3:::bucket-{i}-{j}/*"
    statements = [{"Sid": f"P{i}S{j}", "Effect": "Allow", "Action": actions, "Resource": resource}]
    statements.append(
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream"], "Resource": f"arn:aws:logs:*:*:g{i}"}
    )
    if wide:
        statements.append({"Sid": "All", "Effect": "Allow", "Action": "bedrock-mantle:*", "Resource": PROJECT})
    if deny:
        statements.append({"Sid": "NoList", "Effect": "Deny", "Action": "bedrock-mantle:ListModels", "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def _config() -> str:
    out = ['[tool.mantle-lint]\nfail-on = "never"\n']
    for i in range(PRINCIPALS):
        key = i % 4 == 0
        files = ", ".join(f'"policies/p{i:03}/{j}.json"' for j in range(FILES_EACH))
        out.append(
            f'[[tool.mantle-lint.principal]]\nname = "principal-{i:03}"\n'
            f'kind = "{"long-term-key" if key else "role"}"\npolicies = [{files}]\n'
            + ('scps = ["org/guardrail.json"]\n' if key else "")
            + f'account = "{ACCOUNT}"\nregion = "us-east-1"\nprojects = ["proj_bench"]\n'
            f'needs = ["list-models", "inference"]\n'
        )
    return "\n".join(out)


def _write(path: str, doc: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=2)


def make_repo(top: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env.update({f"GIT_{who}_{k}": v for who in ("AUTHOR", "COMMITTER") for k, v in (("NAME", "b"), ("EMAIL", "b@x"))})

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=top, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    with open(os.path.join(top, "pyproject.toml"), "w") as fh:
        fh.write(_config())
    bearer = {"Sid": "Bearer", "Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"}
    for i in range(PRINCIPALS):
        for j in range(FILES_EACH):
            doc = _policy(i, j)
            if i % 4 == 0 and j == 0:
                doc["Statement"].append(bearer)
            _write(os.path.join(top, "policies", f"p{i:03}", f"{j}.json"), doc)
    _write(os.path.join(top, "org", "guardrail.json"), {"Version": "2012-10-17", "Statement": [bearer]})
    git("add", "-A")
    git("commit", "-qm", "base")
    for n in range(20):  # ten wildcard grants, ten new Denies
        i = n * (PRINCIPALS // 20) + 1
        _write(os.path.join(top, "policies", f"p{i:03}", "5.json"), _policy(i, 5, wide=n < 10, deny=n >= 10))
    git("commit", "-qam", "change 20 files")


def _time(args: list[str], cwd: str) -> tuple[float, str]:
    t = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return seconds, proc.stdout


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    exe = shutil.which("mantle-lint") or "mantle-lint"
    top = tempfile.mkdtemp(prefix="mantle-lint-bench-diff-")
    try:
        t = time.perf_counter()
        make_repo(top)
        print(
            f"repository: {PRINCIPALS} principals, {PRINCIPALS * FILES_EACH + 1} policy files "
            f"({time.perf_counter() - t:.1f} s)"
        )
        lint = [exe, "policies"]
        diff = [exe, "diff", "HEAD~1", "HEAD", "-f", "json", "--", "policies"]
        _time(lint, top)  # warm the file cache and bytecode
        _, out = _time(diff, top)
        summary = json.loads(out)["summary"]
        worktree = [exe, "diff", "HEAD~1", "-f", "json", "--", "policies"]
        times: dict[str, list[float]] = {"lint one side": [], "diff": [], "diff worktree": []}
        for _ in range(rounds):
            times["lint one side"].append(_time(lint, top)[0])
            times["diff"].append(_time(diff, top)[0])
            times["diff worktree"].append(_time(worktree, top)[0])
        one, both, wt = (statistics.median(times[k]) for k in ("lint one side", "diff", "diff worktree"))
        for label, ts in times.items():
            print(f"{label:14} median {statistics.median(ts):.2f} s  (min {min(ts):.2f}, max {max(ts):.2f})")
        print(
            f"diff found {summary['gained']} gained, {summary['lost']} lost, {summary['changed']} changed "
            f"in {summary['principals_changed']} principals"
        )
        print(f"ratio: {both / one:.2f} (target: at most 2.5); against the working tree {wt / one:.2f}")
        lows = {k: min(v) for k, v in times.items()}
        print(
            f"ratio of the fastest runs (least disturbed by other load): {lows['diff'] / lows['lint one side']:.2f}; "
            f"against the working tree {lows['diff worktree'] / lows['lint one side']:.2f}"
        )
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
