"""``mantle-lint diff`` end to end: pairs of directories and a scratch git repository (real ``git``)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

from mantlekit.lint.cli import INTERNAL_ERROR, main

ACCOUNT = "111122223333"
PROJECT = f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT}:project/proj_abc123"

CONFIG = f"""\
[tool.mantle-lint]
fail-on = "error"

[[tool.mantle-lint.principal]]
name = "ci-bot"
kind = "role"
policies = ["policies/ci.json"]
account = "{ACCOUNT}"
region = "us-east-1"
projects = ["proj_abc123"]
needs = ["list-models"]

[[tool.mantle-lint.principal]]
name = "inference-role"
kind = "role"
policies = ["policies/inference.json"]
account = "{ACCOUNT}"
region = "us-east-1"
projects = ["proj_abc123"]
needs = ["list-models", "inference"]
"""


def policy(*statements: dict) -> str:
    """A policy file with one statement per line from line 4 on (so tests know the lines)."""
    body = ",\n".join("    " + json.dumps(s) for s in statements)
    return '{\n  "Version": "2012-10-17",\n  "Statement": [\n' + body + "\n  ]\n}\n"


LIST = {"Sid": "List", "Effect": "Allow", "Action": "bedrock-mantle:ListModels", "Resource": PROJECT}
ALL = {"Sid": "All", "Effect": "Allow", "Action": "bedrock-mantle:*", "Resource": PROJECT}
USE = {
    "Sid": "Use",
    "Effect": "Allow",
    "Action": ["bedrock-mantle:ListModels", "bedrock-mantle:CreateInference"],
    "Resource": PROJECT,
}
NO_LIST = {"Sid": "NoList", "Effect": "Deny", "Action": "bedrock-mantle:ListModels", "Resource": "*"}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


BASE = {"pyproject.toml": CONFIG, "policies/ci.json": policy(LIST), "policies/inference.json": policy(USE)}


@pytest.fixture
def work(tmp_path, monkeypatch):
    """An empty working directory (the current directory), with temporary files kept inside it."""
    monkeypatch.chdir(tmp_path)
    scratch = tmp_path / ".tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and INTERNAL_ERROR not in err
    return code, out, err


# --- pairs of directories -----------------------------------------------------------------------------


def test_gain_through_a_wildcard_and_loss_through_a_new_deny(work, capsys):
    write(work / "before", BASE)
    write(
        work / "after",
        {**BASE, "policies/ci.json": policy(ALL), "policies/inference.json": policy(USE, NO_LIST)},
    )
    code, out, err = run(capsys, "before", "after", "--fail-on", "never")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    ci = lines[: lines.index("")]
    assert ci[0] == "ci-bot (role, pyproject.toml:4)"
    assert "  + projects-admin on proj_abc123: implicit-deny → allowed" in ci
    assert ci[ci.index("  + projects-admin on proj_abc123: implicit-deny → allowed") + 1] == (
        "      policies/ci.json:4 Sid All (Allow)"
    )
    assert "  + list-models on proj_abc123: implicit-deny → allowed" not in ci  # it had that already
    assert next(ln for ln in ci if ln.startswith("  ")) == "  + get-model on proj_abc123: implicit-deny → allowed"
    i = lines.index("inference-role (role, pyproject.toml:13)")
    assert lines[i + 1 : i + 4] == [
        "  - list-models on proj_abc123: allowed → explicit-deny",
        "      policies/inference.json:5 Sid NoList (Deny)",
        "",
    ]
    assert lines[-1] == "9 gained, 1 lost, 0 changed; 2 new findings, 0 fixed; principals: 2 changed"


def test_json_schema(work, capsys):
    write(work / "before", BASE)
    write(work / "after", {**BASE, "policies/inference.json": policy(USE, NO_LIST)})
    code, out, _ = run(capsys, "before", "after", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert set(doc) == {"version", "base", "head", "changes", "principals", "findings", "summary", "errors"}
    assert (doc["version"], doc["base"], doc["head"], doc["errors"]) == (1, "before", "after", [])
    assert doc["changes"] == [
        {
            "principal": "inference-role",
            "kind": "role",
            "project": PROJECT,
            "capability": "list-models",
            "route": "GET /v1/models",
            "routes": ["GET /v1/models", "GET /openai/v1/models"],
            "before": "allowed",
            "after": "explicit-deny",
            "change": "lost",
            "widens": False,
            "cause": {"side": "head", "file": "policies/inference.json", "line": 5, "sid": "NoList", "effect": "Deny"},
            "accepted": None,
        }
    ]
    assert [f["rule"] for f in doc["findings"]["new"]] == ["MNT002"]
    assert doc["findings"]["fixed"] == []
    assert doc["summary"] == {
        "principals": {"base": 2, "head": 2},
        "principals_added": 0,
        "principals_removed": 0,
        "principals_changed": 1,
        "gained": 0,
        "lost": 1,
        "changed": 0,
        "accepted": 0,
        "findings_new": 1,
        "findings_fixed": 0,
        "input_errors": 0,
        "fail_on": "error",
        "fail_on_gain": "any",
        "exit_code": 1,
    }


def test_a_loss_alone_passes_when_no_new_finding_fails(work, capsys):
    write(work / "before", BASE)
    write(work / "after", {**BASE, "policies/inference.json": policy(USE, NO_LIST)})
    code, out, _ = run(capsys, "before", "after", "--fail-on", "never")
    assert code == 0
    assert out.splitlines()[-1] == "0 gained, 1 lost, 0 changed; 1 new finding, 0 fixed; principals: 1 changed"


KEYS = f"""\
[tool.mantle-lint]
ignore = [{{rule = "IAM008", reason = "FullAWSAccess is the organization's default SCP"}}]

[[tool.mantle-lint.principal]]
name = "key-a"
kind = "long-term-key"
policies = ["keys/key.json"]
scps = ["org/guardrail.json"]
account = "{ACCOUNT}"

[[tool.mantle-lint.principal]]
name = "key-b"
kind = "long-term-key"
policies = ["keys/key.json"]
scps = ["org/guardrail.json"]
account = "{ACCOUNT}"
"""
KEY = {
    "Sid": "Bearer",
    "Effect": "Allow",
    "Action": ["bedrock-mantle:CallWithBearerToken", "bedrock-mantle:ListModels", "bedrock-mantle:CreateInference"],
    "Resource": "*",
}
ALLOW_ALL = {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}
DENY_LONG = {
    "Sid": "NoLongTermKeys",
    "Effect": "Deny",
    "Action": "bedrock-mantle:CallWithBearerToken",
    "Resource": "*",
    "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "LONG_TERM"}},
}


def test_a_guardrail_scp_flips_every_keys_bearer_token(work, capsys):
    files = {"pyproject.toml": KEYS, "keys/key.json": policy(KEY), "org/guardrail.json": policy(ALLOW_ALL)}
    write(work / "before", files)
    write(work / "after", {**files, "org/guardrail.json": policy(ALLOW_ALL, DENY_LONG)})
    code, out, _ = run(capsys, "before", "after", "--fail-on", "never", "--", "keys")
    assert code == 0  # only lost access
    lines = out.splitlines()
    assert lines[: lines.index("new findings:")] == [
        "key-a (long-term-key, pyproject.toml:4)",
        "  - bearer token: allowed → explicit-deny",
        "      org/guardrail.json:5 Sid NoLongTermKeys (Deny)",
        "",
        "key-b (long-term-key, pyproject.toml:11)",
        "  - bearer token: allowed → explicit-deny",
        "      org/guardrail.json:5 Sid NoLongTermKeys (Deny)",
        "",
    ]
    assert lines[-1] == "0 gained, 2 lost, 0 changed; 2 new findings, 0 fixed; principals: 2 changed"
    doc = json.loads(run(capsys, "before", "after", "--format", "json", "--", "keys")[1])
    assert [(f["rule"], f["principal"]) for f in doc["findings"]["new"]] == [("MNT001", "key-a"), ("MNT001", "key-b")]


INFERRED_KEY = {
    "Sid": "Key",
    "Effect": "Allow",
    "Action": ["bedrock-mantle:CallWithBearerToken", "bedrock-mantle:ListModels"],
    "Resource": "*",
}
WIDE = {"Sid": "Wide", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
OTHER = {"Sid": "Other", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def test_moving_statements_to_other_files_changes_nothing(work, capsys):
    config = CONFIG.replace('policies = ["policies/ci.json"]', 'policies = ["policies/ci.json", "policies/more.json"]')
    write(
        work / "before",
        {
            "pyproject.toml": config,
            "policies/ci.json": policy(LIST, WIDE),
            "policies/more.json": policy(OTHER),
            "policies/inference.json": policy(USE),
            "keys/team.json": policy(INFERRED_KEY),
        },
    )
    write(
        work / "after",
        {
            # the statements of ci.json now in the other file and in another order, the key policy renamed
            "pyproject.toml": config,
            "policies/ci.json": policy(OTHER),
            "policies/more.json": "\n\n" + policy(WIDE, LIST),
            "policies/inference.json": policy(USE),
            "keys/renamed/team-key.json": policy(INFERRED_KEY),
        },
    )
    assert run(capsys, "before", "before")[0] == 0
    code, out, err = run(capsys, "before", "after", "--fail-on", "info")
    assert (code, err) == (0, "")
    assert out == (
        "no change of access or findings between before and after\n"
        "0 gained, 0 lost, 0 changed; 0 new findings, 0 fixed\n"
    )


def test_a_renamed_principal_is_removed_and_added(work, capsys):
    write(work / "before", BASE)
    write(work / "after", {**BASE, "pyproject.toml": CONFIG.replace('"ci-bot"', '"ci-robot"')})
    code, out, _ = run(capsys, "before", "after", "--fail-on", "never")
    assert code == 1  # the added principal's access is access gained
    lines = out.splitlines()
    assert lines[:4] == [
        "ci-robot (role, added, pyproject.toml:4)",
        "  + list-models on proj_abc123: absent → allowed",
        "      policies/ci.json:4 Sid List (Allow)",
        "",
    ]
    assert lines[4:8] == [
        "ci-bot (role, removed, pyproject.toml:4)",
        "  - list-models on proj_abc123: allowed → absent",
        "      policies/ci.json:4 Sid List (Allow) in before",
        "",
    ]


def test_a_principal_only_on_one_side(work, capsys):
    write(work / "before", BASE)
    write(work / "after", {**BASE, "keys/new-key.json": policy(INFERRED_KEY)})
    code, out, _ = run(capsys, "before", "after", "--fail-on", "never")
    assert code == 1
    assert out.splitlines()[:7] == [
        "keys/new-key.json (long-term-key, added, keys/new-key.json:4)",
        "  + list-models on default: absent → allowed",
        "      keys/new-key.json:4 Sid Key (Allow)",
        "  + bearer token: absent → allowed",
        "      keys/new-key.json:4 Sid Key (Allow)",
        "",
        "2 gained, 0 lost, 0 changed; 0 new findings, 0 fixed; principals: 1 added",
    ]
    code, out, _ = run(capsys, "after", "before", "--fail-on", "never")
    assert code == 0  # removed access fails nothing
    assert out.splitlines()[0] == "keys/new-key.json (long-term-key, removed, keys/new-key.json:4)"


def test_a_side_that_fails_to_parse_is_exit_2_and_nothing_removed(work, capsys):
    write(work / "before", BASE)
    write(work / "after", {**BASE, "policies/inference.json": '{"Version": "2012-10-17", "Statement": [\n'})
    for fmt in ("text", "json", "markdown"):
        code, out, err = run(capsys, "before", "after", "--format", fmt)
        assert code == 2
        assert err.splitlines()[0].startswith("after: policies/inference.json:2:1: not valid JSON")
        assert "removed" not in out and "lost" not in out.replace('"lost": ', "")
    code, out, err = run(capsys, "before", "after")
    assert out == ""
    assert err.splitlines()[-1] == (
        "mantle-lint diff: nothing compared: a side that cannot be read would look like lost access"
    )


def test_fail_on_gain_admin_and_accepted_changes(work, capsys):
    more = {"Sid": "Get", "Effect": "Allow", "Action": "bedrock-mantle:GetModel", "Resource": PROJECT}
    write(work / "before", BASE)
    write(work / "after", {**BASE, "policies/ci.json": policy(LIST, more)})
    assert run(capsys, "before", "after")[0] == 1
    assert run(capsys, "before", "after", "--fail-on-gain", "admin")[0] == 0
    files = {**BASE, "policies/ci.json": policy(ALL)}
    write(work / "admin", files)
    assert run(capsys, "before", "admin", "--fail-on-gain", "admin", "--fail-on", "never")[0] == 1
    accepted = CONFIG + textwrap.dedent(
        """
        [[tool.mantle-lint.accept]]
        principal = "ci-bot"
        reason = "ci-bot deploys projects from now on (ticket 42)"
        """
    )
    write(work / "accepted", {**files, "pyproject.toml": accepted})
    code, out, _ = run(capsys, "before", "accepted", "--fail-on", "never")
    assert code == 0
    assert (
        "  + projects-admin on proj_abc123: implicit-deny → allowed "
        "(accepted: ci-bot deploys projects from now on (ticket 42))"
    ) in out.splitlines()
    never = CONFIG.replace('fail-on = "error"', 'fail-on-gain = "never"')
    write(work / "config-says", {**files, "pyproject.toml": never})
    assert run(capsys, "before", "config-says")[0] == 0


def test_markdown_and_github(work, capsys):
    write(work / "before", BASE)
    write(work / "after", {**BASE, "policies/ci.json": policy(ALL), "policies/inference.json": policy(USE, NO_LIST)})
    code, out, _ = run(capsys, "before", "after", "--format", "markdown", "--fail-on", "never")
    assert code == 1
    lines = out.splitlines()
    assert lines[:10] == [
        "### mantle-lint diff",
        "",
        "`before` → `after`: ❌ fails: access gained (fail-on-gain any, fail-on never).",
        "",
        "**9 gained**, 1 lost, 0 changed; 2 new findings, 0 fixed.",
        "",
        "| principal | kind | status | gained | lost | changed |",
        "| --- | --- | --- | ---: | ---: | ---: |",
        "| ci-bot | role | changed | 9 | 0 | 0 |",
        "| inference-role | role | changed | 0 | 1 | 0 |",
    ]
    assert lines[11] == "<details><summary>Details</summary>"
    assert (
        "| ➖ | list-models on proj_abc123 | allowed | explicit-deny | `policies/inference.json:5 Sid NoList (Deny)` |"
    ) in lines
    assert lines[-1] == "</details>"
    code, out, _ = run(capsys, "before", "after", "--format", "github", "--fail-on", "never")
    assert (
        "::warning file=policies/ci.json,line=4,title=mantle-lint diff::ci-bot gained projects-admin on proj_abc123: "
        "implicit-deny → allowed%0Acause: policies/ci.json:4 Sid All (Allow)"
    ) in out.splitlines()
    assert (
        "::notice file=policies/inference.json,line=5,title=mantle-lint diff::inference-role lost list-models on "
        "proj_abc123: allowed → explicit-deny%0Acause: policies/inference.json:5 Sid NoList (Deny)"
    ) in out.splitlines()


def test_bad_configuration_entries_are_exit_2(work, capsys):
    bad = CONFIG + '\n[[tool.mantle-lint.accept]]\ncapability = "archive"\n'
    write(work / "before", BASE)
    write(work / "after", {**BASE, "pyproject.toml": bad})
    code, out, err = run(capsys, "before", "after")
    assert (code, out) == (2, "")
    assert err.splitlines()[:2] == [
        "after: pyproject.toml:22:1: an accept entry needs a non-empty reason",
        "after: pyproject.toml:23:1: unknown capability 'archive' (known: list-models, get-model, inference, "
        "responses-state, count-tokens, files, fine-tuning, projects-read, projects-admin, retention-read, "
        "retention-admin, bearer-token, management)",
    ]


def test_usage_errors(work, capsys):
    write(work / "before", BASE)
    code, out, err = run(capsys, "before", "--format", "yaml")
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith("mantle-lint diff: error: argument -f/--format: invalid choice: 'yaml'")
    code, _, err = run(capsys, "before", "before", "--", "nowhere")
    assert code == 2
    assert err.splitlines()[-1] == "mantle-lint diff: error: no such file or directory on either side: nowhere"
    code, _, err = run(capsys, "missing-dir")
    assert code == 2
    assert err.splitlines()[-1] == (
        "mantle-lint diff: error: 'missing-dir' is not a directory, and the current directory is not in a git "
        "repository"
    )


def test_paths_limit_both_sides_and_may_be_new(work, capsys):
    write(work / "before", BASE)
    write(work / "after", {**BASE, "keys/new-key.json": policy(INFERRED_KEY), "policies/ci.json": policy(ALL)})
    code, out, _ = run(capsys, "before", "after", "--no-config", "--", "keys")
    assert code == 1
    assert out.splitlines()[0] == "keys/new-key.json (long-term-key, added, keys/new-key.json:4)"
    assert "ci-bot" not in out


# --- a scratch git repository -------------------------------------------------------------------------


@pytest.fixture
def repo(work, monkeypatch):
    """A git repository in the working directory with two commits; git's own configuration left out."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for k, v in (("NAME", "Test"), ("EMAIL", "test@example.com")):
        monkeypatch.setenv(f"GIT_AUTHOR_{k}", v)
        monkeypatch.setenv(f"GIT_COMMITTER_{k}", v)

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=work, check=True, capture_output=True, text=True).stdout

    git("init", "-q", "-b", "main")
    write(work, {**BASE, ".gitignore": ".tmp/\ncdk.out/\n"})
    git("add", "-A")
    git("commit", "-qm", "base")
    write(work, {"policies/ci.json": policy(ALL)})
    git("commit", "-qam", "ci-bot may do everything")
    return git


def test_git_revisions_and_the_working_tree(repo, work, capsys):
    code, out, _ = run(capsys, "HEAD~1", "HEAD", "--fail-on", "never")
    assert code == 1
    assert "  + projects-admin on proj_abc123: implicit-deny → allowed" in out.splitlines()
    assert "      policies/ci.json:4 Sid All (Allow)" in out.splitlines()
    # The working tree: the same as HEAD, plus an uncommitted Deny
    assert run(capsys, "HEAD")[1].startswith("no change of access or findings between HEAD and working tree\n")
    write(work, {"policies/inference.json": policy(USE, NO_LIST)})
    code, out, _ = run(capsys, "HEAD", "--fail-on", "never")
    assert code == 0
    assert out.splitlines()[:3] == [
        "inference-role (role, pyproject.toml:13)",
        "  - list-models on proj_abc123: allowed → explicit-deny",
        "      policies/inference.json:5 Sid NoList (Deny)",
    ]
    # Nothing checked out in the user's tree, and the temporary trees are gone.
    assert repo("status", "--porcelain") == " M policies/inference.json\n"
    assert os.listdir(work / ".tmp") == []


def test_git_ignored_files_are_not_in_the_working_tree_side(repo, work, capsys):
    write(work, {"cdk.out/key.json": policy(INFERRED_KEY)})
    assert run(capsys, "HEAD")[1].startswith("no change of access or findings between HEAD and working tree\n")
    code, out, _ = run(capsys, "HEAD", "--", "cdk.out")  # named: read
    assert code == 1
    assert out.splitlines()[0] == "cdk.out/key.json (long-term-key, added, cdk.out/key.json:4)"


def test_a_revision_that_does_not_exist(repo, work, capsys):
    code, out, err = run(capsys, "no-such-branch")
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "mantle-lint diff: error: no-such-branch: fatal: Not a valid object name no-such-branch"
    )
    assert os.listdir(work / ".tmp") == []


def test_a_side_in_a_subdirectory(repo, work, capsys, monkeypatch):
    """From a subdirectory, PATHs and names are relative to it on both sides; the configuration above it counts."""
    monkeypatch.chdir(work / "policies")
    code, out, _ = run(capsys, "HEAD~1", "--fail-on", "never", "--", ".")
    assert code == 1
    assert "      ci.json:4 Sid All (Allow)" in out.splitlines()


def test_a_revision_the_working_tree_matches_is_read_without_untracked_files(repo, work, capsys):
    write(work, {"keys/untracked.json": policy(INFERRED_KEY)})
    code, out, _ = run(capsys, "HEAD~1", "HEAD", "--fail-on", "never")
    assert code == 1
    assert "untracked" not in out
    assert out.splitlines()[0] == "ci-bot (role, pyproject.toml:4)"


def test_a_revision_whose_configuration_names_an_uncommitted_file_is_unpacked(repo, work, capsys):
    write(work, {"pyproject.toml": CONFIG.replace('"policies/ci.json"', '"policies/local.json"')})
    write(work, {"policies/local.json": policy(LIST)})
    repo("commit", "-qam", "the configuration names a file nobody committed")
    code, out, err = run(capsys, "HEAD~1", "HEAD")
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == (
        "HEAD: pyproject.toml:7:1: policy file 'policies/local.json' not found (relative to pyproject.toml)"
    )
    assert os.listdir(work / ".tmp") == []


def test_gains_that_do_not_fail_the_run_are_notices(work, capsys):
    more = {"Sid": "Get", "Effect": "Allow", "Action": "bedrock-mantle:GetModel", "Resource": PROJECT}
    write(work / "before", BASE)
    write(work / "after", {**BASE, "policies/ci.json": policy(LIST, more)})
    code, out, _ = run(capsys, "before", "after", "--format", "github", "--fail-on-gain", "admin")
    assert code == 0
    assert out.splitlines() == [
        "::notice file=policies/ci.json,line=5,title=mantle-lint diff::ci-bot gained get-model on proj_abc123: "
        "implicit-deny → allowed%0Acause: policies/ci.json:5 Sid Get (Allow)",
        "1 gained, 0 lost, 0 changed; 0 new findings, 0 fixed; principals: 1 changed",
    ]
    code, out, _ = run(capsys, "before", "after", "--format", "markdown", "--fail-on-gain", "admin")
    assert out.splitlines()[2] == "`before` → `after`: ✅ passes (fail-on-gain admin, fail-on error)."


def test_interrupted_runs_leave_no_tree_behind(repo, work, capsys, monkeypatch):
    from mantlekit.lint import diff_cli

    write(work, {"policies/inference.json": policy(USE, NO_LIST)})  # HEAD~1 and HEAD are both unpacked

    def interrupted(side, paths, ns):
        assert len(os.listdir(work / ".tmp")) == 1  # the scratch directory, while it is in use
        raise KeyboardInterrupt

    monkeypatch.setattr(diff_cli, "lint_side", interrupted)
    code, out, err = run(capsys, "HEAD~1", "HEAD")
    assert (code, out, err) == (130, "", "mantle-lint: interrupted\n")
    assert os.listdir(work / ".tmp") == []


def test_configuration_of_the_diff(work, capsys):
    from mantlekit.lint.config import Accept, load_config

    (work / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.mantle-lint]
            fail-on-gain = "admin"

            [[tool.mantle-lint.accept]]
            capability = "files"
            project = "proj_abc123"
            reason = "uploads for the batch job"

            [[tool.mantle-lint.accept]]
            principal = "ci-bot"
            reason = "   "

            [[tool.mantle-lint.accept]]
            project = "proj_abc123"
            why = "no"
            """
        )
    )
    config = load_config("pyproject.toml")
    assert config.fail_on_gain == "admin"
    assert config.accepts == [Accept(None, "files", "proj_abc123", "uploads for the batch job")]
    assert [str(e) for e in config.errors] == [
        "pyproject.toml:9:1: an accept entry needs a non-empty reason",
        "pyproject.toml:13:1: an accept entry needs a principal, a capability or both",
        "pyproject.toml:13:1: an accept entry needs a non-empty reason",
        "pyproject.toml:15:1: unknown key 'why' in an accept entry (known: principal, capability, project, reason)",
    ]
    (work / "pyproject.toml").write_text('[tool.mantle-lint]\nfail-on-gain = "some"\n')
    assert [e.message for e in load_config("pyproject.toml").errors] == [
        "fail-on-gain must be one of never, any, admin, not 'some'"
    ]


def test_the_fingerprint_that_skips_unchanged_principals_sees_every_policy_field():
    """Equal fingerprints mean no evaluation: any field of the policy set (present or added later to the
    engine) must be in it, and where a principal is written must not."""
    from mantlekit.iam.model import PolicySet
    from mantlekit.iam.parse import load_policy
    from mantlekit.lint.diff import _Keys
    from mantlekit.lint.inventory import Principal

    keys = _Keys()
    doc = load_policy(policy(LIST), "a.json")
    moved = load_policy("\n" + policy(LIST), "b.json")
    other = load_policy(policy(ALL), "a.json")
    base = Principal("p", "role", PolicySet(identity=[doc]), file="x.toml", line=3)
    assert keys.fingerprint(base) == keys.fingerprint(Principal("p", "role", PolicySet(identity=[moved]), line=9))
    for field in PolicySet._fields:
        value = getattr(base.policies, field)
        changed = [other] if isinstance(value, list | tuple) else other
        ps = PolicySet(**{f: getattr(base.policies, f) for f in PolicySet._fields})
        setattr(ps, field, changed)
        assert keys.fingerprint(Principal("p", "role", ps)) != keys.fingerprint(base), field
