"""The pre-commit hook: ``--changed-only`` scoping of configured principals, files that are none of the
linter's business, and the real ``pre-commit`` running the hook on a scratch git repository.

The suite runs the hook as a local hook (``language: unsupported``) with this environment's ``mantle-lint``
and every other field taken from the published ``.pre-commit-hooks.yaml``: the published ``language:
python`` would make pre-commit pip-install mantlekit with all its dependencies into a new virtualenv. The
published definition is checked field by field, and by pre-commit's own manifest validation.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

from mantlekit.lint.cli import main
from mantlekit.lint.report.text import NO_PRINCIPALS

ROOT = pathlib.Path(__file__).resolve().parents[2]
MANTLE_LINT = pathlib.Path(sys.executable).with_name("mantle-lint")
PRE_COMMIT = pathlib.Path(sys.executable).with_name("pre-commit")

CONFIG = """\
[[principal]]
name = "ci-bot"
kind = "long-term-key"
policies = ["policies/key.json", "policies/key-extra.json", "policies/more-1.json", "policies/more-2.json",
    "policies/more-3.json", "policies/more-4.json", "policies/more-5.json"]
account = "111122223333"
region = "us-east-1"
"""
#: The key's policy lets it list models but neither call Mantle with its key (MNT001) nor run inference
#: (MNT003): two findings on the principal, at the configuration's line 1.
KEY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "bedrock-mantle:ListModels", "Resource": "*"}],
}
EXTRA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
MORE = range(1, 6)
PRINCIPAL_FINDINGS = ["mantle-lint.toml:1:1: MNT001", "mantle-lint.toml:1:1: MNT003"]
TSCONFIG = '{\n  // comments, as tsconfig.json allows\n  "compilerOptions": {"strict": true,},\n}\n'
VSCODE = '{\n  /* the editor\'s settings */\n  "editor.formatOnSave": true,\n}\n'
BROKEN_POLICY = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",, }\n  ]\n}\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A repository root with a configured key principal that has findings, and unrelated files."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mantle-lint.toml").write_text(CONFIG)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "key.json").write_text(json.dumps(KEY))
    (tmp_path / "policies" / "key-extra.json").write_text(json.dumps(EXTRA))
    for n in MORE:
        (tmp_path / "policies" / f"more-{n}.json").write_text(json.dumps(EXTRA))
    (tmp_path / "package.json").write_text('{"name": "web", "private": true}\n')
    (tmp_path / "tsconfig.json").write_text(TSCONFIG)
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "settings.json").write_text(VSCODE)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _principal_lines(out: str) -> list[str]:
    return [line.split(" error ")[0] for line in out.splitlines() if line.startswith("mantle-lint.toml:")]


# --- --changed-only, in-process ---------------------------------------------------------------------


def test_unrelated_files_evaluate_no_configured_principal(project, capsys):
    # Without --changed-only every run evaluates the configured principals, whatever it is given.
    code, out, _ = run(capsys, "package.json")
    assert (code, _principal_lines(out)) == (1, PRINCIPAL_FINDINGS)
    assert run(capsys, "--changed-only", "package.json") == (0, f"{NO_PRINCIPALS}\n0 findings in 0 files\n", "")


@pytest.mark.parametrize(
    "changed",
    [["policies/key.json"], ["policies/key-extra.json", "package.json"], ["mantle-lint.toml"], ["policies"]],
)
def test_a_principal_is_evaluated_when_its_files_changed(project, capsys, changed):
    code, out, err = run(capsys, "--changed-only", *changed)
    assert (code, _principal_lines(out), err) == (1, PRINCIPAL_FINDINGS, "")


def test_changed_configuration_file_is_not_linted(project, capsys):
    code, out, err = run(capsys, "--changed-only", "--format", "json", "mantle-lint.toml")
    doc = json.loads(out)
    assert (code, err, doc["errors"]) == (1, "", [])
    assert [(f["rule"], f["principal"]) for f in doc["findings"]] == [("MNT001", "ci-bot"), ("MNT003", "ci-bot")]


def test_out_of_scope_principal_takes_its_documents_and_errors_along(project, capsys):
    # The configured policy has a document finding (IAM006, no Version) and the configuration a broken
    # principal; a change elsewhere reports neither, a change of the configuration both.
    (project / "policies" / "key-extra.json").write_text(json.dumps({"Statement": EXTRA["Statement"]}))
    (project / "mantle-lint.toml").write_text(
        CONFIG + '\n[[principal]]\nname = "gone"\nkind = "role"\npolicies = ["nope.json"]\n'
    )
    assert run(capsys, "--changed-only", "package.json") == (0, f"{NO_PRINCIPALS}\n0 findings in 0 files\n", "")
    code, out, err = run(capsys, "--changed-only", "--format", "json", "mantle-lint.toml")
    assert code == 2
    assert err == "mantle-lint.toml:12:1: error: policy file 'nope.json' not found (relative to mantle-lint.toml)\n"
    assert [(f["rule"], f["file"], f["principal"]) for f in json.loads(out)["findings"]] == [
        ("MNT001", "mantle-lint.toml", "ci-bot"),
        ("MNT003", "mantle-lint.toml", "ci-bot"),
        ("IAM006", "policies/key-extra.json", None),
    ]


# --- files that are none of the linter's business ----------------------------------------------------


def test_json_with_comments_is_skipped_quietly(project, capsys):
    assert run(capsys, "--no-config", "tsconfig.json", ".vscode/settings.json") == (
        0,
        f"{NO_PRINCIPALS}\n0 findings in 0 files\n",
        # Named by hand, files that are no input are listed; the hook (--changed-only) is silent about them.
        "mantle-lint: linted 0 files: not a policy, template, cloud assembly or account details: "
        "tsconfig.json, .vscode/settings.json\n",
    )
    assert run(capsys, "--no-config", "--changed-only", "tsconfig.json", ".vscode/settings.json")[2] == ""


def test_broken_file_that_looks_like_a_policy_is_still_an_error(project, capsys):
    (project / "policies" / "broken.json").write_text(BROKEN_POLICY)
    code, _, err = run(capsys, "--no-config", "tsconfig.json", "policies/broken.json")
    assert (code, err.splitlines()[0]) == (
        2,
        "policies/broken.json:4:24: error: not valid JSON: Expecting property name enclosed in double quotes",
    )


# --- the real pre-commit ------------------------------------------------------------------------------


def _published_hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert len(hooks) == 1
    return hooks[0]


def test_published_hook_definition():
    assert _published_hook() == {
        "id": "mantle-lint",
        "name": "mantle-lint",
        "description": "Lint IAM policies and CloudFormation templates for Amazon Bedrock Mantle (bedrock-mantle).",
        "entry": "mantle-lint --changed-only",
        "language": "python",
        "types_or": ["json", "yaml", "toml"],
        "pass_filenames": True,
        "require_serial": True,
    }
    valid = subprocess.run(
        [str(PRE_COMMIT), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")], capture_output=True, text=True
    )
    assert (valid.returncode, valid.stdout, valid.stderr) == (0, "", "")


@pytest.fixture
def repo(project):
    """``project`` as a git repository whose .pre-commit-config.yaml runs the published hook as a local
    one, with this environment's mantle-lint."""
    hook = {**_published_hook(), "language": "unsupported"}
    hook["entry"] = str(hook["entry"]).replace("mantle-lint", str(MANTLE_LINT), 1)
    hook["verbose"] = True  # show mantle-lint's output on success too, to count what it reported
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(project.parent / "pre-commit-home"),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1",
    )
    for args in (["init", "-q", "-b", "main"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True)
    return project, env


def pre_commit(repo, *files: str) -> tuple[int, str, str]:
    """pre-commit's exit status, the hook's status line and what mantle-lint printed (stdout, then stderr)."""
    root, env = repo
    proc = subprocess.run(
        [str(PRE_COMMIT), "run", "--color", "never", "--files", *files],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    head, _, output = proc.stdout.partition("\n\n")  # the status line, hook id and duration; then the output
    assert proc.stderr == ""
    return proc.returncode, head.splitlines()[0], output.rstrip("\n") + "\n"


def test_pre_commit_passes_a_commit_of_unrelated_files(repo):
    code, status, out = pre_commit(repo, "package.json", "tsconfig.json", ".vscode/settings.json")
    assert (code, status, out) == (0, f"mantle-lint{'.' * 62}Passed", f"{NO_PRINCIPALS}\n0 findings in 0 files\n")


def test_pre_commit_reports_the_principal_once_whatever_the_batching(repo):
    # Eight files that each decide the principal: without require_serial pre-commit would split them into
    # one batch per core (at least four files each) and every batch would report the principal.
    more = [f"policies/more-{n}.json" for n in MORE]
    code, status, out = pre_commit(repo, "mantle-lint.toml", "policies/key.json", "policies/key-extra.json", *more)
    assert (code, status) == (1, f"mantle-lint{'.' * 62}Failed"), out
    assert _principal_lines(out) == PRINCIPAL_FINDINGS
    assert out.endswith("\n2 findings (2 errors) in 7 files\n")


def test_pre_commit_fails_on_a_broken_policy_with_its_line(repo):
    root, _ = repo
    (root / "policies" / "broken.json").write_text(BROKEN_POLICY)
    code, status, out = pre_commit(repo, "tsconfig.json", "policies/broken.json")
    assert (code, status) == (1, f"mantle-lint{'.' * 62}Failed")
    assert out == (
        "policies/broken.json:4:24: error: not valid JSON: Expecting property name enclosed in double quotes\n"
        f"{NO_PRINCIPALS}\n0 findings in 0 files; 1 input error\n"
    )
