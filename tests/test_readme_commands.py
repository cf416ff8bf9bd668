"""Every ``mantle-lint`` command in the README's shell examples runs as written.

Each command runs in a scratch copy of what it needs (the reference policies and their configuration), with
the files an example invents (``keys/ci-bot.json``, ``scp/root.json``) written as plain policies. A command
passes when it exits as documented for a run that found something or nothing (0 or 1), with no usage error,
no input error and no traceback. The few that need what a test machine lacks are listed with the reason, and
each of those has a test of its own elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Commands not run here, and why (each is covered where its dependency is real).
NOT_HERE = {
    "mantle-lint catalog update": "fetches the service reference (tests/catalog/test_catalog_update.py, local server)",
    "mantle-lint diff origin/main": "needs a remote (tests/lint/test_diff.py, scratch repository)",
    "mantle-lint diff HEAD~1 HEAD": "needs history (tests/lint/test_diff.py, scratch repository)",
    "mantle-lint diff before/ after/": "needs two synthesized assemblies (tests/lint/test_diff.py)",
}
INVENTED = {
    "keys/ci-bot.json": [{"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"}],
    "scp/root.json": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    "scp/ou.json": [{"Effect": "Deny", "Action": "bedrock:CallWithBearerToken", "Resource": "*"}],
}


def readme_commands() -> list[str]:
    """``mantle-lint`` lines of the README's ``sh`` blocks, continuations joined, comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("mantle-lint"):
                out.append(line)
    return out


def _skip(cmd: str) -> str | None:
    return next((why for prefix, why in NOT_HERE.items() if cmd.startswith(prefix)), None)


def test_the_readme_has_commands_to_check():
    cmds = readme_commands()
    assert len(cmds) >= 10 and "mantle-lint --no-config keys/" in cmds


@pytest.mark.parametrize("cmd", readme_commands())
def test_readme_command_runs_as_written(cmd, tmp_path):
    why = _skip(cmd)
    if why:
        pytest.skip(why)
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "AmazonBedrockLimitedAccess-v1.json", tmp_path / "tests" / "fixtures")
    (tmp_path / "cdk.out").mkdir()
    for name, statements in INVENTED.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    (tmp_path / "keys").mkdir(exist_ok=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "AmazonBedrockLimitedAccess-v1.json", tmp_path / "keys" / "ci-key.json")
    argv, _, redirect = cmd.partition(" > ")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    run = subprocess.run(shlex.split(argv), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), f"{cmd}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "Traceback" not in run.stderr and ": error:" not in run.stderr, run.stderr
    if redirect:
        assert run.stdout.strip(), f"{cmd}: nothing to write to {redirect}"
