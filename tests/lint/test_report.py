"""Reporters on findings made by hand: exact text, JSON and GitHub output, summary wording."""

from __future__ import annotations

import json

import pytest

from mantlekit.iam.model import PolicySet
from mantlekit.lint.access import evaluate_principal
from mantlekit.lint.config import Config
from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.inventory import Inventory, Principal
from mantlekit.lint.report import FORMATS, Run, render, summary_line
from mantlekit.lint.report.github import command, escape_data, escape_property
from mantlekit.lint.report.text import NO_PRINCIPALS, format_finding
from mantlekit.lint.runner import Result


def _findings() -> list[Finding]:
    return [
        Finding("IAM007", "warning", "Allow with NotAction", "b.json", 4, 38, fix="List the actions."),
        Finding(
            "MNT001",
            "error",
            "ci-bot cannot call Mantle",
            "a.toml",
            7,
            1,
            principal="ci-bot",
            fix="add a statement",
            details={"capability": "bearer-token"},
        ),
        Finding("MNT002", "error", "ci-bot cannot list models", "a.toml", 7, 1, principal="ci-bot"),
        Finding("IAM006", "info", "no Version", "b.json", 1, 1),
    ]


def _run(findings=None, errors=None, files=("a.toml", "b.json", "c.json"), code=1, fail_on="error") -> Run:
    findings = _findings() if findings is None else findings
    result = Result(sorted(findings, key=Finding.sort_key), list(errors or []), Inventory(files=list(files)), [])
    return Run(result, Config(), code, fail_on)


def test_text_exact():
    assert render("text", _run()) == (
        "a.toml:7:1: MNT001 error ci-bot cannot call Mantle (principal: ci-bot)\n"
        "    fix: add a statement\n"
        "a.toml:7:1: MNT002 error ci-bot cannot list models (principal: ci-bot)\n"
        "\n"
        "b.json:1:1: IAM006 info no Version\n"
        "b.json:4:38: IAM007 warning Allow with NotAction\n"
        "    fix: List the actions.\n"
        "\n"
        f"{NO_PRINCIPALS}\n"
        "4 findings (2 errors, 1 warning, 1 info) in 3 files\n"
    )


def test_text_says_when_no_principal_was_evaluated():
    evaluated = _run([], files=["x.json"], code=0)
    evaluated.result.access.append(evaluate_principal(Principal("ci-bot", "long-term-key", PolicySet())))
    assert render("text", evaluated) == "0 findings in 1 file\n"
    assert json.loads(render("json", evaluated))["summary"]["principals"] == 1


def test_text_groups_even_unsorted_input():
    run = _run()
    run.result.findings.reverse()
    lines = render("text", run).splitlines()
    assert [ln.split(":", 1)[0] for ln in lines if ln and not ln.startswith(" ")][:4] == ["a.toml"] * 2 + ["b.json"] * 2


def test_text_no_findings_is_only_the_summary():
    assert render("text", _run([], files=["x.json"], code=0)) == f"{NO_PRINCIPALS}\n0 findings in 1 file\n"


def test_text_multiline_fix_is_indented():
    f = Finding("IAM001", "error", "m", "x.json", 1, 1, fix="first\nsecond")
    assert format_finding(f) == ["x.json:1:1: IAM001 error m", "    fix: first", "         second"]


def test_text_colour_only_when_asked():
    plain = render("text", _run())
    coloured = render("text", _run(), color=True)
    assert "\033[" not in plain
    assert "\033[31mMNT001\033[0m" in coloured and "\033[33mwarning\033[0m" in coloured
    assert coloured.endswith("4 findings (2 errors, 1 warning, 1 info) in 3 files\n")


@pytest.mark.parametrize(
    ("findings", "errors", "files", "expected"),
    [
        ([], [], [], "0 findings in 0 files"),
        ([Finding("A", "error", "m", "f")], [], ["f"], "1 finding (1 error) in 1 file"),
        (
            [Finding("A", "warning", "m", "f"), Finding("B", "warning", "m", "f")],
            [InputError("g", "bad")],
            ["f", "f"],
            "2 findings (2 warnings) in 1 file; 1 input error",
        ),
        ([], [InputError("g", "x"), InputError("h", "y")], [], "0 findings in 0 files; 2 input errors"),
    ],
)
def test_summary_line(findings, errors, files, expected):
    assert summary_line(_run(findings, errors, files)) == expected


def test_json_exact():
    run = _run(errors=[InputError("bad.json", "not valid JSON: Expecting value", 1, 13)], code=2)
    doc = json.loads(render("json", run))
    assert list(doc) == ["version", "findings", "summary", "errors"]
    assert doc["version"] == 1
    assert doc["findings"][0] == {
        "rule": "MNT001",
        "severity": "error",
        "message": "ci-bot cannot call Mantle",
        "file": "a.toml",
        "line": 7,
        "column": 1,
        "principal": "ci-bot",
        "fix": "add a statement",
        "details": {"capability": "bearer-token"},
    }
    assert doc["findings"][1] == {
        "rule": "MNT002",
        "severity": "error",
        "message": "ci-bot cannot list models",
        "file": "a.toml",
        "line": 7,
        "column": 1,
        "principal": "ci-bot",
        "fix": None,
    }
    assert [f["rule"] for f in doc["findings"]] == ["MNT001", "MNT002", "IAM006", "IAM007"]
    assert doc["summary"] == {
        "files": 3,
        "findings": 4,
        "by_severity": {"error": 2, "warning": 1, "info": 1},
        "input_errors": 1,
        "principals": 0,
        "fail_on": "error",
        "exit_code": 2,
    }
    assert doc["errors"] == [
        {"file": "bad.json", "line": 1, "column": 13, "message": "not valid JSON: Expecting value"}
    ]


def test_json_empty_run():
    doc = json.loads(render("json", _run([], files=[], code=0)))
    assert doc == {
        "version": 1,
        "findings": [],
        "summary": {
            "files": 0,
            "findings": 0,
            "by_severity": {"error": 0, "warning": 0, "info": 0},
            "input_errors": 0,
            "principals": 0,
            "fail_on": "error",
            "exit_code": 0,
        },
        "errors": [],
    }


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("x:y,z", "x:y,z", "x%3Ay%2Cz"),
        ("%0A", "%250A", "%250A"),
        ("C:\\dir,1", "C:\\dir,1", "C%3A\\dir%2C1"),
    ],
)
def test_github_escaping(raw, data, prop):
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_github_command():
    assert command("error", "m:1,2", file="a,b:c.json", line=3, col=4, title="MNT001") == (
        "::error file=a%2Cb%3Ac.json,line=3,col=4,title=MNT001::m:1,2"
    )
    assert command("notice", "x") == "::notice::x"


def test_github_exact():
    run = _run(errors=[InputError("bad.json", "not valid JSON: x, y", 2, 5)], code=2)
    assert render("github", run).splitlines() == [
        "::error file=a.toml,line=7,col=1,title=MNT001::ci-bot cannot call Mantle%0Aprincipal: ci-bot"
        "%0Afix: add a statement",
        "::error file=a.toml,line=7,col=1,title=MNT002::ci-bot cannot list models%0Aprincipal: ci-bot",
        "::notice file=b.json,line=1,col=1,title=IAM006::no Version",
        "::warning file=b.json,line=4,col=38,title=IAM007::Allow with NotAction%0Afix: List the actions.",
        "::error file=bad.json,line=2,col=5,title=mantle-lint::not valid JSON: x, y",
        "4 findings (2 errors, 1 warning, 1 info) in 3 files; 1 input error",
    ]


def test_github_file_names_with_special_characters():
    f = Finding("IAM001", "error", "50% bad\nreally", "dir,1/a:b.json", 1, 1)
    (line, _summary) = render("github", _run([f], files=["dir,1/a:b.json"])).splitlines()
    assert line == "::error file=dir%2C1/a%3Ab.json,line=1,col=1,title=IAM001::50%25 bad%0Areally"


def test_every_format_renders_and_ends_in_newline():
    for fmt in FORMATS:
        assert render(fmt, _run()).endswith("\n")
    with pytest.raises(ValueError):
        render("xml", _run())
