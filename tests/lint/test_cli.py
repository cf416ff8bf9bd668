"""``mantle-lint`` end to end through ``main([...])``: flags, formats, exit codes, configuration."""

from __future__ import annotations

import io
import json
import sys
import textwrap
import types
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest

from mantlekit import __version__
from mantlekit.lint import findings
from mantlekit.lint.cli import INTERNAL_ERROR, Progress, main, use_color
from mantlekit.lint.report.text import NO_PRINCIPALS
from mantlekit.lint.rules import all_rules


def _doc(statement: str) -> str:
    """A policy whose single statement sits on line 4, as a person would format it."""
    return '{\n  "Version": "2012-10-17",\n  "Statement": [\n    ' + statement + "\n  ]\n}\n"


CLEAN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
NOT_ACTION = _doc('{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}')
BAD_EFFECT = _doc('{"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}')


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A project with a clean policy, an IAM007 warning, an IAM001 error and nothing else; cwd = its root."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    pol = tmp_path / "policies"
    pol.mkdir()
    (pol / "clean.json").write_text(json.dumps(CLEAN))
    (pol / "notaction.json").write_text(NOT_ACTION)
    (pol / "effect.json").write_text(BAD_EFFECT)
    (pol / "README.md").write_text("not read")
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and INTERNAL_ERROR not in err
    return code, out, err


# --- text and exit codes ----------------------------------------------------------------------------


def test_text_report_and_exit_1(tree, capsys):
    code, out, err = run(capsys, "policies")
    assert code == 1
    assert err == ""
    assert out == (
        'policies/effect.json:4:16: IAM001 error Effect must be "Allow" or "Deny", not \'Permit\'\n'
        '    fix: Write Effect as "Allow" or "Deny" (case-sensitive).\n'
        "\n"
        "policies/notaction.json:4:38: IAM007 warning "
        + out.split("policies/notaction.json:4:38: IAM007 warning ", 1)[1].split("\n", 1)[0]
        + "\n"
        f"    fix: {_rule('IAM007').fix}\n"
        "\n"
        f"{NO_PRINCIPALS}\n"
        "2 findings (1 error, 1 warning) in 3 files\n"
    )


def _rule(rid):
    return next(r for r in all_rules() if r.id == rid)


def test_clean_is_exit_0(tree, capsys):
    assert run(capsys, "policies/clean.json") == (0, f"{NO_PRINCIPALS}\n0 findings in 1 file\n", "")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--select", "IAM"), False),  # document rules only: nobody asked about principals
        (("--ignore", "MNT"), False),
        (("--select", "MNT001"), True),  # a principal rule ran and found nobody to evaluate
        (("--select", "IAM", "--ignore", "IAM0"), False),  # nothing selected at all
    ],
)
def test_no_principals_line_only_when_a_principal_rule_runs(tree, capsys, args, said):
    notice = f"{NO_PRINCIPALS}\n" if said else ""
    assert run(capsys, *args, "policies/clean.json") == (0, f"{notice}0 findings in 1 file\n", "")


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("error", 1), ("never", 0), ("warning", 1), ("info", 1)],
)
def test_fail_on(tree, capsys, fail_on, expected):
    assert run(capsys, "policies", "--fail-on", fail_on)[0] == expected


def test_fail_on_warning_only_warnings(tree, capsys):
    assert run(capsys, "policies/notaction.json")[0] == 0
    assert run(capsys, "policies/notaction.json", "--fail-on", "warning")[0] == 1
    assert run(capsys, "policies/notaction.json", "--fail-on", "info")[0] == 1


def test_select_and_ignore(tree, capsys):
    code, out, _ = run(capsys, "policies", "--select", "IAM007")
    assert code == 0 and out.endswith("1 finding (1 warning) in 3 files\n") and "IAM001" not in out
    code, out, _ = run(capsys, "policies", "--ignore", "iam001, IAM007")
    assert code == 0 and out == f"{NO_PRINCIPALS}\n0 findings in 3 files\n"
    code, out, _ = run(capsys, "policies", "--select", "IAM")
    assert out.endswith("2 findings (1 error, 1 warning) in 3 files\n")


def test_unknown_selector_is_usage_error(tree, capsys):
    code, out, err = run(capsys, "policies", "--select", "IAM001,BOGUS")
    assert code == 2 and out == ""
    assert "unknown rule id or prefix: BOGUS" in err


def test_unreadable_input_exit_2_wins_over_findings(tree, capsys):
    (tree / "policies" / "trunc.json").write_text('{"Version": ')
    code, out, err = run(capsys, "policies")
    assert code == 2
    assert err == "policies/trunc.json:1:13: error: not valid JSON: Expecting value\n"
    assert out.endswith("2 findings (1 error, 1 warning) in 3 files; 1 input error\n")


def test_missing_path(tree, capsys):
    code, out, err = run(capsys, "nope.json", "policies/clean.json")
    assert code == 2
    assert err == "nope.json:1:1: error: no such file or directory\n"
    assert out == f"{NO_PRINCIPALS}\n0 findings in 1 file; 1 input error\n"


def test_no_paths_is_usage_error(tree, capsys):
    code, out, err = run(capsys)
    assert code == 2 and out == ""
    assert err.startswith("usage: mantle-lint") and "give one or more files" in err


def test_bad_flag_is_usage_error(tree, capsys):
    code, _, err = run(capsys, "--format", "xml", "policies")
    assert code == 2 and "invalid choice" in err


def test_version_and_help(capsys):
    assert run(capsys, "--version") == (0, f"mantle-lint {__version__}\n", "")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for flag in ("--format", "--fail-on", "--select", "--ignore", "--config", "--explain", "--output"):
        assert flag in out


# --- explain ---------------------------------------------------------------------------------------------


def test_explain_one_rule(capsys):
    rule = all_rules()[0]
    assert run(capsys, "--explain", rule.id.lower()) == (0, rule.explain(), "")


def test_explain_all(capsys):
    code, out, _ = run(capsys, "--explain", "all")
    assert code == 0
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines] == [r.id for r in all_rules()]
    for ln, r in zip(lines, all_rules(), strict=True):
        assert ln.endswith(r.summary)


def test_explain_unknown(capsys):
    code, out, err = run(capsys, "--explain", "MNT999")
    assert code == 2 and out == "" and "unknown rule 'MNT999'" in err


# --- other formats end to end -----------------------------------------------------------------------------


def test_json_format(tree, capsys):
    (tree / "policies" / "trunc.json").write_text('{"Statement": [')
    code, out, err = run(capsys, "policies", "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in doc["findings"]] == [
        ("IAM001", "policies/effect.json", 4, 16),
        ("IAM007", "policies/notaction.json", 4, 38),
    ]
    assert doc["summary"] == {
        "files": 3,
        "findings": 2,
        "by_severity": {"error": 1, "warning": 1, "info": 0},
        "input_errors": 1,
        "principals": 0,
        "fail_on": "error",
        "exit_code": 2,
    }
    assert [e["file"] for e in doc["errors"]] == ["policies/trunc.json"]
    assert err.startswith("policies/trunc.json:1:16: error: not valid JSON")


def test_github_format(tree, capsys):
    code, out, _ = run(capsys, "policies", "-f", "github")
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("::error file=policies/effect.json,line=4,col=16,title=IAM001::")
    assert lines[1].startswith("::warning file=policies/notaction.json,line=4,col=38,title=IAM007::")
    assert lines[2] == "2 findings (1 error, 1 warning) in 3 files"


def test_sarif_format(tree, capsys):
    code, out, _ = run(capsys, "policies", "-f", "sarif")
    doc = json.loads(out)
    assert code == 1
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["IAM001", "IAM007"]


def test_output_file(tree, capsys):
    code, out, _ = run(capsys, "policies", "-f", "json", "-o", "report.json")
    assert code == 1 and out == ""
    assert json.loads((tree / "report.json").read_text())["summary"]["findings"] == 2
    code, _, err = run(capsys, "policies", "-o", str(tree / "no" / "dir" / "r.txt"))
    assert code == 2 and "cannot write" in err


# --- colour ----------------------------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_color():
    assert use_color("auto", _Tty(), {}) is True
    assert use_color("auto", _Tty(), {"NO_COLOR": "1"}) is False
    assert use_color("auto", _Tty(), {"NO_COLOR": ""}) is True
    assert use_color("auto", _Tty(), {"TERM": "dumb"}) is False
    assert use_color("auto", io.StringIO(), {}) is False
    assert use_color("always", io.StringIO(), {"NO_COLOR": "1"}) is True
    assert use_color("never", _Tty(), {}) is False


def test_color_flag(tree, capsys):
    assert "\033[" in run(capsys, "policies", "--color", "always")[1]
    assert "\033[" not in run(capsys, "policies")[1]  # captured stdout is not a terminal


def test_color_on_a_terminal_unless_no_color(tree, capsys, monkeypatch):
    tty = _Tty()
    monkeypatch.setattr(sys, "stdout", tty)
    assert main(["policies"]) == 1
    assert "\033[31m" in tty.getvalue()
    tty2 = _Tty()
    monkeypatch.setattr(sys, "stdout", tty2)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["policies"]) == 1
    assert "\033[" not in tty2.getvalue()


# --- configuration through the CLI ---------------------------------------------------------------------------


def _config(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_config_discovered_from_first_path(tree, capsys):
    _config(
        tree / "mantle-lint.toml",
        """
        fail-on = "warning"
        ignore = [{rule = "IAM001", reason = "testing"}]
        """,
    )
    code, out, _ = run(capsys, "policies")
    assert code == 1 and out.endswith("1 finding (1 warning) in 3 files\n")
    assert run(capsys, "policies", "--no-config")[1].endswith("2 findings (1 error, 1 warning) in 3 files\n")
    # The command line wins over the file.
    assert run(capsys, "policies", "--fail-on", "error")[0] == 0


def test_config_flag_and_severity_and_path_ignores(tree, capsys):
    cfg = _config(
        tree / "other.toml",
        """
        severity = {IAM007 = "error"}
        per-path-ignores = [{path = "policies/effect.json", rules = ["IAM001"], reason = "generated"}]
        """,
    )
    code, out, _ = run(capsys, "policies", "--config", str(cfg))
    assert code == 1
    assert "IAM007 error" in out and "IAM001" not in out
    assert out.endswith("1 finding (1 error) in 3 files\n")


def test_config_errors_exit_2_with_file_and_line(tree, capsys):
    _config(
        tree / "mantle-lint.toml",
        """
        fail-on = "warning"

        [[principal]]
        name = "ci-bot"
        kind = "long-term-key"
        needs = ["inference", "teleport"]
        """,
    )
    code, out, err = run(capsys, "policies")
    assert code == 2
    assert err.startswith("mantle-lint.toml:6:1: error: unknown need 'teleport'")
    # The rest of the file applied (fail-on) and the lint ran.
    assert out.endswith("2 findings (1 error, 1 warning) in 3 files; 1 input error\n")


def test_missing_config_flag_file(tree, capsys):
    code, _, err = run(capsys, "policies", "--config", "absent.toml")
    assert code == 2 and err.startswith("absent.toml:1:1: error: cannot read configuration")


def test_principals_from_config_are_evaluated_and_their_documents_linted(tree, capsys):
    keys = tree / "keys"
    keys.mkdir()
    (keys / "ci.json").write_text(NOT_ACTION.replace('"s3:*"', '"bedrock-mantle:*"'))
    _config(
        tree / "mantle-lint.toml",
        """
        [[principal]]
        name = "ci-bot"
        kind = "long-term-key"
        policies = ["keys/ci.json"]
        account = "111122223333"
        region = "us-east-1"
        """,
    )
    code, out, _ = run(capsys, "policies/clean.json", "-f", "json")
    doc = json.loads(out)
    rules = {(f["rule"], f["file"], f["principal"]) for f in doc["findings"]}
    # keys/ci.json is outside the linted path and still linted by the document rules...
    assert ("IAM007", "keys/ci.json", None) in rules
    # ... and the principal is evaluated: NotAction on bedrock-mantle:* allows none of Mantle.
    principal_rules = {r for r, f, p in rules if p == "ci-bot"}
    assert principal_rules and all(f == "mantle-lint.toml" for r, f, p in rules if p == "ci-bot")
    assert doc["summary"]["files"] == 2
    assert code == 1


# --- dispatch, last resort and progress ------------------------------------------------------------------------


def test_access_dispatch(monkeypatch, capsys):
    seen = []
    mod = types.ModuleType("mantlekit.lint.access_cli")
    mod.__spec__ = ModuleSpec("mantlekit.lint.access_cli", None)
    mod.main = lambda args: seen.append(args) or 0
    monkeypatch.setitem(sys.modules, "mantlekit.lint.access_cli", mod)
    assert main(["access", "--principal", "x"]) == 0
    assert seen == [["--principal", "x"]]


def test_catalog_dispatch(monkeypatch):
    import mantlekit.catalog.cli as catalog_cli

    seen = []
    monkeypatch.setattr(catalog_cli, "main", lambda args: seen.append(args) or 0)
    assert main(["catalog", "show", "s3"]) == 0
    assert seen == [["show", "s3"]]


def test_unexpected_exception_is_one_line(tree, capsys, monkeypatch):
    import mantlekit.lint.runner as runner

    def boom(*a, **k):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(runner, "lint_paths", boom)
    code = main(["policies"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == f"{INTERNAL_ERROR}: RuntimeError: disk on fire second line (please report this)\n"


def test_keyboard_interrupt(tree, capsys, monkeypatch):
    import mantlekit.lint.runner as runner

    def stop(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "lint_paths", stop)
    assert main(["policies"]) == 130
    assert capsys.readouterr().err == "mantle-lint: interrupted\n"


def test_progress_only_on_a_terminal_after_the_delay(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    tty = _Tty()
    with Progress(tty, delay=0.0, interval=0.001) as p:
        for _ in range(1000):
            if p.shown:
                break
            import time

            time.sleep(0.005)
    assert p.shown
    text = tty.getvalue()
    assert "mantle-lint: linting" in text and text.endswith("\r\033[K")

    quiet = _Tty()
    with Progress(quiet, delay=60.0):
        pass
    assert quiet.getvalue() == ""

    pipe = io.StringIO()
    with Progress(pipe, delay=0.0, interval=0.001):
        pass
    assert pipe.getvalue() == ""

    monkeypatch.setenv("CI", "true")
    ci = _Tty()
    assert Progress(ci, delay=0.0).enabled() is False


def test_progress_not_shown_for_captured_stderr(tree, capsys):
    code, _, err = run(capsys, "policies")
    assert code == 1 and err == ""


def test_module_constants():
    assert (findings.EXIT_OK, findings.EXIT_FINDINGS, findings.EXIT_USAGE) == (0, 1, 2)
