"""Linting loose policy files in worker processes gives the answer of a sequential run, whatever happens
to the workers."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mantlekit.lint import parallel
from mantlekit.lint.config import Config
from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.report import Run, render
from mantlekit.lint.runner import lint_paths

ROOT = Path(__file__).resolve().parents[2]
MANAGED = ROOT / "mantlekit" / "data" / "managed"
FIXTURES = ROOT / "tests" / "fixtures"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need os.fork")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """130 AWS managed policies, a CloudFormation template, YAML, broken and unrelated files, a subdirectory."""
    root = tmp_path_factory.mktemp("mixed")
    names = sorted(os.listdir(MANAGED))
    for name in names[::12][:130]:
        shutil.copy(MANAGED / name, root / name)
    (root / "sub").mkdir()
    shutil.copy(FIXTURES / "AmazonBedrockLimitedAccess-v1.json", root / "sub" / "limited-v1.json")
    shutil.copy(FIXTURES / "readers" / "cfn" / "mantle-team.yaml", root / "sub" / "mantle-team.yaml")
    (root / "sub" / "trunc.json").write_text('{"Version": "2012-10-17", "Statement": [')
    (root / "sub" / "package.json").write_text('{"name": "not-a-policy"}')
    (root / "sub" / "bad.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:CreateInference",'
        ' "Resource": "arn:aws:bedrock-mantle:us-west-1:111122223333:project/PROJ"}]}'
    )
    (root / "sub" / "policy.yaml").write_text(
        "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    NotAction: s3:*\n    Resource: '*'\n"
    )
    return root


def _answer(result) -> tuple:
    run = Run(result, Config(), 0, "never")
    return (
        [f.to_json() for f in result.findings],
        [str(e) for e in result.errors],
        run.summary(),
        sorted(result.inventory.files),
    )


@pytest.fixture
def small_jobs(monkeypatch):
    """Let two processes share even a small directory."""
    monkeypatch.setattr(parallel, "MIN_FILES_PER_JOB", 1)


def test_two_processes_give_the_sequential_answer(mixed, small_jobs):
    sequential = lint_paths([str(mixed)], Config(), jobs=1)
    assert sequential.findings and sequential.errors  # the fixture exercises findings and read errors
    assert {f.rule for f in sequential.findings} >= {"IAM007", "MNT006", "MNT007"}
    assert any(e.file.endswith("trunc.json") for e in sequential.errors)
    for jobs in (2, 3, 0):
        assert _answer(lint_paths([str(mixed)], Config(), jobs=jobs)) == _answer(sequential), jobs
    assert render("json", Run(lint_paths([str(mixed)], Config(), jobs=2), Config(), 1)) == render(
        "json", Run(sequential, Config(), 1)
    )


def test_templates_are_read_by_the_main_process(mixed, small_jobs):
    result = lint_paths([str(mixed)], Config(), jobs=2)
    files = {d.source.file.rsplit("/", 1)[-1] for d in result.inventory.documents}
    assert files == {"mantle-team.yaml"}  # loose policies, JSON or YAML, were linted by workers
    assert any(p.label for p in result.inventory.principals)  # the template's roles and users


@pytest.mark.parametrize("failure", ["raise", "kill", "garbage"])
def test_a_failing_worker_changes_nothing(mixed, small_jobs, monkeypatch, failure):
    """Whatever a worker does (raise, die, answer nonsense), its chunks are linted by the main process."""
    parent = os.getpid()
    real_lint, real_dumps = parallel.lint_loose_files, pickle.dumps

    def flaky_lint(paths, rules, *rest):
        if os.getpid() != parent:
            if failure == "raise":
                raise RuntimeError("boom")
            if failure == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
        return real_lint(paths, rules, *rest)

    def flaky_dumps(obj, *args):
        return real_dumps({0: "nonsense", 10**6: []} if os.getpid() != parent else obj, *args)

    monkeypatch.setattr(parallel, "lint_loose_files", flaky_lint)
    monkeypatch.setattr(parallel.pickle, "dumps", flaky_dumps)
    expected = _answer(lint_paths([str(mixed)], Config(), jobs=1))
    assert _answer(lint_paths([str(mixed)], Config(), jobs=2)) == expected


def test_chunks_cover_every_file_once_and_fit_the_queue(tmp_path):
    sizes = [10, 5000, 10, 10, 200_000, 10, 3000] * 30
    paths = []
    for i, size in enumerate(sizes):
        (tmp_path / f"{i:04}.json").write_bytes(b" " * size)
        paths.append(str(tmp_path / f"{i:04}.json"))
    for files, jobs in ((0, 2), (1, 2), (7, 2), (100, 2), (len(paths), 2), (len(paths), 8), (len(paths) + 5, 3)):
        given = (paths + ["missing.json"] * 5)[:files]
        chunks, order = parallel._chunks(given, jobs)
        assert [i for c in chunks for i in c] == list(range(files)), (files, jobs)
        assert sorted(order) == list(range(len(chunks)))
        assert len(chunks) * parallel._TOKEN <= 4096
        assert all(len(c) >= 1 for c in chunks) or files == 0
        weights = [sum(sizes[i % len(sizes)] if i < len(paths) else 0 for i in chunks[k]) for k in order]
        assert weights == sorted(weights, reverse=True)  # largest first
    many, _ = parallel._chunks(["x.json"] * 10**5, 1024)
    assert len(many) * parallel._TOKEN <= 4096


def test_usable_jobs(monkeypatch):
    assert parallel.usable_jobs(1, 10_000) == 1
    assert parallel.usable_jobs(4, 10_000) == 4
    assert parallel.usable_jobs(4, 120) == 2  # 50 files per process at least
    assert parallel.usable_jobs(4, 30) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert parallel.usable_jobs(0, 10_000) == 3
    monkeypatch.delattr(os, "fork")
    assert parallel.usable_jobs(4, 10_000) == 1


def test_results_survive_the_pipe():
    results = [
        parallel.FileResult(
            [Finding("IAM003", "error", "m", "a.json", 3, 4, None, "fix", {"suggestion": "s3:GetObject"})],
            [InputError("b.json", "not valid JSON", line=2)],
            True,
        ),
        None,
    ]
    back = pickle.loads(pickle.dumps(results, pickle.HIGHEST_PROTOCOL))
    assert back[0].findings == results[0].findings and back[1] is None
    (error,) = back[0].errors
    assert (error.file, error.message, error.line, error.column) == ("b.json", "not valid JSON", 2, 1)


def test_cli_jobs_option(mixed, tmp_path):
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mantlekit.lint.cli", "--no-config", "-f", "json", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    one, two = cli("-j", "1", str(mixed)), cli("--jobs", "2", str(mixed))
    assert one.returncode == two.returncode == 2  # trunc.json is unreadable
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert one.stderr == two.stderr and "trunc.json" in one.stderr
    for bad in ("-1", "two"):
        proc = cli("-j", bad, str(mixed))
        assert proc.returncode == 2 and "--jobs" in proc.stderr and proc.stdout == ""
