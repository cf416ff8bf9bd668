"""``mantle-lint catalog update`` against a local servicereference server."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mantlekit.catalog import bundled_catalog, get_catalog
from mantlekit.catalog.cli import main as catalog_main
from mantlekit.catalog.convert import access_from_annotations, from_service_reference
from mantlekit.catalog.model import ActionInfo, ServiceInfo
from mantlekit.lint.cli import main as lint_main

FIXTURES = Path(__file__).parent / "fixtures" / "servicereference"


def _snapshot(directory):
    """Every file under the catalog dir, and the names next to it (no stray temporary directories)."""
    files = {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
    return files, sorted(p.name for p in directory.parent.iterdir())


def _update(server_url, user_dir, *extra):
    return catalog_main(["update", "--url", server_url, "--catalog-dir", str(user_dir), "--workers", "4", *extra])


@pytest.fixture
def installed(reference_server, isolated_catalog_dirs, capsys):
    """A user catalog installed from the fixtures."""
    assert _update(reference_server.index_url, isolated_catalog_dirs) == 0
    capsys.readouterr()
    return isolated_catalog_dirs


def test_first_update_installs_user_catalog(reference_server, isolated_catalog_dirs, capsys):
    assert lint_main(["catalog", "update", "--url", reference_server.index_url]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert len(out.strip().splitlines()) == 1
    assert out.startswith("catalog updated: 3 services, 46 actions (")  # 5 sqs + 2 sns + 38 facts + 1 new mantle
    assert "vs the 2026-10-27 catalog" in out
    assert str(isolated_catalog_dirs) in out

    cat = get_catalog()
    assert cat.directory == isolated_catalog_dirs
    assert cat.date == datetime.now(UTC).date().isoformat()
    assert reference_server.index_url in cat.source
    assert cat.prefixes() == frozenset({"sqs", "sns", "bedrock-mantle"})
    assert cat.service("sqs").name == "Amazon SQS"  # long name carried over from the previous catalog
    access = {a.name: a.access_level for a in cat.service("sqs").actions.values()}
    assert access == {
        "ListQueues": "List",
        "ReceiveMessage": "Read",
        "SendMessage": "Write",
        "AddPermission": "Permissions management",
        "TagQueue": "Tagging",
    }
    assert cat.action("sqs:SendMessage").resource_types == (("queue", True),)
    assert cat.action("sqs:ListQueues").resource_types == ()
    assert cat.service("sqs").resource_types["queue"].matches("arn:aws:sqs:us-east-1:123456789012:jobs")
    assert cat.service("sqs").condition_keys["aws:TagKeys"] == "ArrayOfString"
    # lower-case keys in the source document are accepted
    assert cat.action("sns:publish").access_level == "Write"
    assert cat.service("sns").condition_keys == {"sns:Endpoint": "String"}
    assert cat.service("sns").resource_types["topic"].arn_format.endswith(":${TopicName}")
    # bedrock-mantle: facts win, AWS-only actions are kept
    mantle = cat.service("bedrock-mantle")
    assert len(mantle.actions) == 39
    assert cat.action("bedrock-mantle:DescribeFutureThing").access_level == "Read"
    assert cat.action("bedrock-mantle:CreateReservation").resource_types == (("project", True), ("reservation", True))
    assert set(mantle.resource_types) == {"project", "customized-model", "reservation"}
    assert not list(isolated_catalog_dirs.parent.glob(".catalog.*"))


def test_added_and_removed_actions_are_reported(reference_server, installed, capsys):
    sqs = json.loads((FIXTURES / "sqs.json").read_text())
    sqs["Actions"] = [a for a in sqs["Actions"] if a["Name"] != "AddPermission"]
    sqs["Actions"].append(
        {
            "Name": "StartMessageMoveTask",
            "Annotations": {"Properties": {"IsWrite": True}},
            "Resources": [{"Name": "queue"}],
        }
    )
    reference_server.routes["/v1/sqs/sqs.json"] = (200, json.dumps(sqs).encode())

    assert _update(reference_server.index_url, installed) == 0
    out = capsys.readouterr().out
    assert "3 services, 46 actions (+1 action, -1 action vs the " in out
    cat = get_catalog()
    assert cat.action("sqs:StartMessageMoveTask").access_level == "Write"
    assert cat.action("sqs:AddPermission") is None
    assert "sqs:AddPermission" not in cat.expand("sqs:*")

    assert _update(reference_server.index_url, installed) == 0
    assert "(no actions added or removed vs the " in capsys.readouterr().out


def test_required_flags_carry_over_from_previous_catalog(reference_server, installed):
    # two resource types and no previous knowledge -> optional; known action -> previous flags
    sqs = json.loads((FIXTURES / "sqs.json").read_text())
    sqs["Actions"][1]["Resources"] = [{"Name": "queue"}, {"Name": "other"}]
    reference_server.routes["/v1/sqs/sqs.json"] = (200, json.dumps(sqs).encode())
    assert _update(reference_server.index_url, installed) == 0
    assert get_catalog().action("sqs:ReceiveMessage").resource_types == (("queue", True), ("other", False))


@pytest.mark.parametrize(
    ("route", "response", "reason"),
    [
        ("/v1/sns/sns.json", (500, b"oops"), "HTTP 500"),
        ("/v1/sqs/sqs.json", (404, b"{}"), "HTTP 404"),
        ("/v1/sqs/sqs.json", (200, b'{"Name": "sqs", "Actions": [ {"Name": '), "malformed JSON"),
        ("/v1/sqs/sqs.json", (200, b'{"Name": "sqs"}'), "no Actions list"),
        ("/v1/sqs/sqs.json", (200, b'{"Name": "sqs", "Actions": [{"Annotations": {}}]}'), "without a Name"),
        ("/v1/sqs/sqs.json", (200, b'{"Name": "sns", "Actions": []}'), "does not match"),
        ("/", (200, b"[]"), "malformed index"),
        ("/", (200, b'[{"service": "../evil", "url": "x"}]'), "unusable service prefix"),
        ("/", (200, b'{"Message": "hello"}'), "malformed index"),
        ("/", (503, b""), "HTTP 503"),
    ],
)
def test_failures_leave_installed_catalog_untouched(reference_server, installed, capsys, route, response, reason):
    before = _snapshot(installed)
    reference_server.routes[route] = response
    assert _update(reference_server.index_url, installed) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "catalog unchanged" in err and reason in err
    assert reference_server.base + route in err
    assert _snapshot(installed) == before


def test_connection_refused(installed, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = _snapshot(installed)
    url = f"http://127.0.0.1:{port}/"
    assert _update(url, installed) == 2
    err = capsys.readouterr().err
    assert url in err and "connection refused" in err
    assert _snapshot(installed) == before


def test_timeout(reference_server, installed, capsys):
    before = _snapshot(installed)
    reference_server.routes["/v1/sns/sns.json"] = reference_server.slow(1.5)
    assert _update(reference_server.index_url, installed, "--timeout", "0.2") == 2
    err = capsys.readouterr().err
    assert "/v1/sns/sns.json: timed out after 0.2 s" in err
    assert _snapshot(installed) == before


def test_failed_first_update_creates_nothing(reference_server, isolated_catalog_dirs, capsys):
    reference_server.routes["/v1/sqs/sqs.json"] = (500, b"")
    assert _update(reference_server.index_url, isolated_catalog_dirs) == 2
    assert not isolated_catalog_dirs.exists()
    assert not isolated_catalog_dirs.parent.exists() or list(isolated_catalog_dirs.parent.iterdir()) == []
    assert get_catalog().date == "2026-10-27"


def test_refuses_to_replace_a_directory_that_is_not_a_catalog(reference_server, tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    assert _update(reference_server.index_url, precious) == 2
    assert "not a catalog directory" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"
    assert reference_server.requests == []


def test_access_levels_from_annotations():
    def props(**kw):
        return {"Annotations": {"Properties": kw}}

    assert access_from_annotations(props(IsWrite=True, IsPermissionManagement=True)) == "Permissions management"
    assert access_from_annotations(props(IsWrite=True, IsTaggingOnly=True)) == "Tagging"
    assert access_from_annotations(props(IsWrite=True)) == "Write"
    assert access_from_annotations(props(IsList=True)) == "List"
    assert access_from_annotations(props()) == "Read"
    assert access_from_annotations({}) == "Read"


def test_service_reference_conversion_tolerates_key_case():
    prev = ServiceInfo("x", "Example", {"do": ActionInfo("x", "Do", "Write", (("a", False), ("b", True)))})
    doc = {
        "NAME": "x",
        "actions": [{"NAME": "Do", "resources": [{"name": "a"}, {"name": "b"}], "ActionConditionKeys": ["x:K"]}],
        "RESOURCES": [{"Name": "a", "ARNFormats": ["arn:${Partition}:x:::a/${Id}"]}],
        "Conditionkeys": [{"Name": "x:K", "Types": ["Bool"]}],
    }
    svc = from_service_reference(doc, "x", prev)
    assert svc.name == "Example"
    assert svc.actions["do"] == ActionInfo("x", "Do", "Read", (("a", False), ("b", True)), ("x:K",))
    assert svc.condition_keys == {"x:K": "Bool"}
    assert svc.resource_types["a"].matches("arn:aws:x:::a/1/2")


def test_update_keeps_vanished_actions_as_retired_and_carries_rcp_services(reference_server, installed, capsys):
    sqs = json.loads((FIXTURES / "sqs.json").read_text())
    sqs["Actions"] = [a for a in sqs["Actions"] if a["Name"] != "AddPermission"]
    reference_server.routes["/v1/sqs/sqs.json"] = (200, json.dumps(sqs).encode())
    assert _update(reference_server.index_url, installed) == 0
    cat = get_catalog()
    assert cat.retired_match("sqs:AddPermission") == ("sqs:AddPermission",)
    assert cat.retired_service("codestar") == "AWS CodeStar"  # retired in the bundled catalog, still retired
    assert cat.retired_service("s3") == "Amazon S3"  # the fixture reference has no s3: gone from this catalog
    assert cat.retired_observed()["s3"] == ("ListBuckets", "ListObjects", "ListObjectsV2")  # carried over
    assert "GetObject" not in cat.retired_observed()["s3"]
    assert cat.rcp_services() == bundled_catalog().rcp_services()  # the reference does not publish them
    assert cat.origin == {
        "name": "AWS Service Authorization Reference",
        "version": reference_server.index_url,
        "date": cat.date,
    }
    # an action that comes back is an action again, not retired
    reference_server.routes["/v1/sqs/sqs.json"] = (200, (FIXTURES / "sqs.json").read_bytes())
    assert _update(reference_server.index_url, installed) == 0
    cat = get_catalog()
    assert cat.has_action("sqs:AddPermission") and cat.retired_match("sqs:AddPermission") == ()
