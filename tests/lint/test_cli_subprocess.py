"""``python -m mantlekit.lint.cli`` in a subprocess: real exit statuses, streams, and a lean import graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CLEAN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
WARN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}'
ERROR = '{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}]}'

#: Modules a lint of a JSON policy must never import (start-up time in pre-commit, and no AWS SDK at all).
#: dataclasses (with inspect) and tomllib cost milliseconds each; the lint path's classes are written out.
HEAVY = ("boto3", "botocore", "aws_cdk", "yaml", "jsonschema", "hypothesis", "dataclasses", "inspect", "tomllib")


def cli(cwd, *args: str, extra_env: dict[str, str] | None = None, python_flags: tuple[str, ...] = ()):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PYTHONWARNINGS")}
    env.update(extra_env or {})
    proc = subprocess.run(
        [sys.executable, *python_flags, "-m", "mantlekit.lint.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def files(tmp_path):
    truncated = '{"Statement": ['  # looks like a policy: an error, not a file skipped quietly
    for name, text in (("clean.json", CLEAN), ("warn.json", WARN), ("error.json", ERROR), ("trunc.json", truncated)):
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("clean.json",), 0),
        (("warn.json",), 0),
        (("warn.json", "--fail-on", "warning"), 1),
        (("error.json",), 1),
        (("error.json", "--fail-on", "never"), 0),
        (("trunc.json",), 2),
        (("error.json", "trunc.json"), 2),
        (("missing.json",), 2),
        ((), 2),
        (("--explain", "NOPE"), 2),
        (("--select", "NOPE", "clean.json"), 2),
        (("--version",), 0),
    ],
)
def test_exit_status(files, args, code):
    proc = cli(files, "--no-config", *args) if args and args[0] != "--version" else cli(files, *args)
    assert proc.returncode == code, (proc.stdout, proc.stderr)


def test_streams(files):
    proc = cli(files, "--no-config", "error.json", "trunc.json")
    assert proc.stderr == "trunc.json:1:16: error: not valid JSON: Expecting value\n"
    assert proc.stdout.startswith("error.json:1:")
    assert proc.stdout.endswith("1 finding (1 error) in 1 file; 1 input error\n")
    assert "\033[" not in proc.stdout  # stdout is a pipe


def test_json_on_stdout_only(files):
    proc = cli(files, "--no-config", "-f", "json", "warn.json", "clean.json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["summary"]["by_severity"] == {"error": 0, "warning": 1, "info": 0}


def test_no_progress_output_when_not_a_terminal(files):
    proc = cli(files, "--no-config", "clean.json")
    assert proc.stderr == ""


def test_lint_path_imports_nothing_heavy(files):
    proc = cli(files, "--no-config", "warn.json", python_flags=("-X", "importtime"))
    assert proc.returncode == 0
    imported = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":
                imported.add(name.split(".", 1)[0])
    assert "mantlekit" in imported  # the measurement works
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_yaml_only_when_a_yaml_file_is_read(files):
    (files / "t.yaml").write_text(
        "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: s3:*\n    Resource: '*'\n"
    )
    proc = cli(files, "--no-config", "t.yaml", python_flags=("-X", "importtime"))
    assert proc.returncode in (0, 1)
    assert any(line.rstrip().endswith("| yaml") for line in proc.stderr.splitlines())
