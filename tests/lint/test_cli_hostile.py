"""The command line on odd invocations (issue #13): options that need --live, runs that lint nothing, the
size cap, and configuration errors in the order of their lines."""

from __future__ import annotations

import json
import textwrap

import pytest

from mantlekit.lint.cli import INTERNAL_ERROR, main
from mantlekit.lint.config import load_config

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--no-config", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and INTERNAL_ERROR not in err
    return code, out, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--save", "a.json"], "mantle-lint: error: --save only means something with --live"),
        (["--max-key-age-days", "30"], "mantle-lint: error: --max-key-age-days only means something with --live"),
        (
            ["--profile", "dev", "--region", "us-east-1"],
            "mantle-lint: error: --profile, --region only mean something with --live",
        ),
    ],
)
def test_live_options_without_live_are_usage_errors(tmp_path, capsys, args, message):
    (tmp_path / "p.json").write_text(json.dumps(POLICY))
    code, out, err = run(capsys, *args, str(tmp_path / "p.json"))
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == message
    assert not (tmp_path / "a.json").exists()


def test_a_run_that_lints_no_file_says_so_and_lists_the_named_files(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "p.json").write_text(json.dumps(POLICY))
    code, out, err = run(capsys, "package.json")
    assert code == 0
    assert out.splitlines()[-1] == "0 findings in 0 files"
    assert err == (
        "mantle-lint: linted 0 files: not a policy, template, cloud assembly or account details: package.json\n"
    )
    code, _out, err = run(capsys, "package.json", "p.json")
    assert (code, err) == (0, "")  # something was linted: no note


def test_an_empty_directory_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    code, _out, err = run(capsys, "empty")
    assert code == 0
    assert err == "mantle-lint: linted 0 files: no policy, template, cloud assembly or account details under empty\n"


def test_the_size_cap_from_the_command_line_and_the_configuration(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(json.dumps(POLICY, indent=200))  # 3.2 KiB
    code, _out, err = run(capsys, "--max-file-size", "1KiB", "p.json")
    assert code == 2
    assert err.splitlines()[0] == (
        "p.json:1:1: error: file larger than 1 KiB, not read (raise the limit with --max-file-size)"
    )
    (tmp_path / "mantle-lint.toml").write_text('max-file-size = "1 KiB"\n')
    code = main(["p.json"])
    assert code == 2 and capsys.readouterr().err.startswith("p.json:1:1: error: file larger than 1 KiB")
    code = main(["--max-file-size", "4KiB", "p.json"])  # the option wins over the file
    assert code == 0, capsys.readouterr().err


def test_a_bad_size_is_a_usage_error(tmp_path, capsys):
    code, _out, err = run(capsys, "--max-file-size", "lots", str(tmp_path))
    assert code == 2
    assert err.splitlines()[-1] == (
        "mantle-lint: error: argument --max-file-size: expected a size such as 64MiB, 500KiB or a number of "
        "bytes: 'lots'"
    )


def test_bad_max_file_size_in_the_configuration(tmp_path):
    (tmp_path / "mantle-lint.toml").write_text('select = ["IAM"]\nmax-file-size = "huge"\n')
    cfg = load_config(str(tmp_path / "mantle-lint.toml"))
    assert [(e.line, e.message) for e in cfg.errors] == [
        (2, "max-file-size must be a size such as \"64 MiB\" or a number of bytes, not 'huge'")
    ]
    assert cfg.max_file_size is None


def test_configuration_errors_come_in_line_order(tmp_path):
    (tmp_path / "bad.json").write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]')
    (tmp_path / "mantle-lint.toml").write_text(
        textwrap.dedent(
            """
            select = ["NOPE1"]
            fail-on = "sometimes"
            bogus = 1

            [[principal]]
            name = "x"
            kind = "alien"
            policies = ["bad.json"]
            """
        ).lstrip()
    )
    cfg = load_config(str(tmp_path / "mantle-lint.toml"))
    got = [(e.file.rsplit("/", 1)[-1], e.line, e.message) for e in cfg.errors]
    assert got == [
        ("mantle-lint.toml", 1, "'NOPE1' is not a rule id or prefix of one (see mantle-lint --explain all)"),
        ("mantle-lint.toml", 2, "fail-on must be one of info, warning, error, never, not 'sometimes'"),
        (
            "mantle-lint.toml",
            3,
            "unknown key 'bogus' (known: select, ignore, fail-on, severity, per-path-ignores, max-file-size, "
            "principal, fail-on-gain, accept)",
        ),
        ("mantle-lint.toml", 7, "principal kind must be one of long-term-key, short-term-key, role, user, not 'alien'"),
        ("bad.json", 1, "not valid JSON: Expecting ',' delimiter"),  # just before the line that names it
        ("mantle-lint.toml", 8, "policy 'bad.json' could not be read (see above)"),
    ]
