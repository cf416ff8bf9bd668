"""stacks.config: the example configuration parses; every invalid one fails with messages naming the key.

Pure-function tests: nothing here synthesizes (only the last test starts the app, to see the CLI's side).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from app_helpers import ROOT, example_config

from mantlekit import facts
from stacks.config import (
    AppConfig,
    ConfigError,
    CreateVpc,
    GuardrailsConfig,
    ImportVpc,
    construct_id,
    from_context,
    parse,
)


def problems(change: Callable[[dict[str, Any]], Any]) -> list[str]:
    """The problems parse() reports for the example configuration after ``change``."""
    raw = example_config()
    change(raw)
    with pytest.raises(ConfigError) as err:
        parse(raw)
    assert str(err.value) == "\n".join(err.value.problems)
    return err.value.problems


def env(raw: dict[str, Any], name: str = "dev") -> dict[str, Any]:
    return raw["environments"][name]


# --- the example ---------------------------------------------------------------------------------------------


def test_example_configuration_parses_into_three_environments():
    config = parse(example_config())
    assert isinstance(config, AppConfig)
    assert [e.name for e in config.environments] == ["dev", "staging", "prod"]
    dev, staging, prod = config.environments
    assert (dev.account, dev.region, prod.region, staging.region) == (
        "111111111111",
        "us-east-1",
        "eu-west-1",
        "us-west-2",
    )
    assert dev.vpc == CreateVpc("10.10.0.0/16", ("us-east-1a", "us-east-1b"), 1)
    assert staging.vpc == ImportVpc(
        "vpc-0a1b2c3d4e5f60718",
        "10.20.0.0/16",
        ("us-west-2a", "us-west-2b"),
        ("subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"),
    )
    assert [p.name for p in dev.projects] == ["chat", "batch-eval"]
    assert dev.projects[0].cost_center == "cc-1001" and dev.cost_center == "cc-platform"
    assert dev.roles[0].models == ("openai.gpt-oss-120b", "openai.gpt-oss-20b")
    assert dev.roles[1].models is None
    assert [(u.name, u.issue_key, u.credential_age_days) for u in dev.key_users] == [
        ("ci-bot", True, 30),
        ("notebook", False, 7),
    ]
    assert staging.roles[0].endpoint_only and staging.roles[0].short_term_keys
    assert staging.endpoint.api_keys == "short-term" and prod.endpoint.api_keys == "none"
    assert prod.guardrails == GuardrailsConfig("all", 1, False, True, None)
    assert prod.projects[0].retain is True
    assert config.environment("staging") is staging


def test_example_regions_offer_the_mantle_privatelink_service():
    for e in parse(example_config()).environments:
        assert e.region in facts.PRIVATELINK_REGIONS


def test_defaults_of_optional_keys():
    raw = {
        "environments": {
            "dev": {
                "account": "111111111111",
                "region": "eu-west-1",
                "vpc": {"create": {"cidr": "10.0.0.0/16", "availability_zones": ["eu-west-1a"]}},
                "projects": [{"name": "p"}],
                "roles": [{"name": "r", "assumed_by": ["111111111111"], "projects": ["p"]}],
                "key_users": [{"name": "k", "projects": ["p"]}],
                "guardrails": {},
            }
        }
    }
    (e,) = parse(raw).environments
    assert e.vpc == CreateVpc("10.0.0.0/16", ("eu-west-1a",), 1)
    assert dict(e.tags) == {} and e.cost_center is None
    assert (e.endpoint.api_keys, e.endpoint.organization_id) == ("all", None)
    assert (e.roles[0].models, e.roles[0].short_term_keys, e.roles[0].endpoint_only) == (None, False, False)
    assert (e.key_users[0].credential_age_days, e.key_users[0].issue_key) == (90, False)
    assert e.guardrails == GuardrailsConfig("none", 90, False, True, None)
    assert (e.projects[0].cost_center, e.projects[0].retain) == (None, False)


def test_construct_ids():
    assert construct_id("chat-app") == "ChatApp"
    assert construct_id("ci-bot2") == "CiBot2"
    assert construct_id("a") == "A"


# --- error messages -----------------------------------------------------------------------------------------


def test_role_naming_an_undefined_project():
    assert problems(lambda r: env(r)["roles"][0].update(projects=["x"])) == [
        "environments.dev.roles[0].projects: unknown project 'x'"
    ]


def test_key_user_naming_an_undefined_project():
    assert problems(lambda r: env(r)["key_users"][1].update(projects=["chat", "nope"])) == [
        "environments.dev.key_users[1].projects: unknown project 'nope'"
    ]


def test_unsupported_region():
    supported = ", ".join(sorted(facts.PRIVATELINK_REGIONS))
    assert problems(lambda r: env(r, "prod").update(region="us-west-1")) == [
        f"environments.prod.region: 'us-west-1' has no bedrock-mantle PrivateLink endpoint (supported: {supported})"
    ]


def test_region_without_privatelink_is_rejected_even_when_mantle_exists_there():
    assert "us-gov-west-1" in facts.REGIONS and "us-gov-west-1" not in facts.PRIVATELINK_REGIONS
    (message,) = problems(lambda r: env(r).update(region="us-gov-west-1"))
    assert message.startswith("environments.dev.region: 'us-gov-west-1' has no bedrock-mantle PrivateLink endpoint")


@pytest.mark.parametrize("region", ["ap-southeast-2", "eu-central-1", "eu-south-1"])
def test_mantle_region_without_the_cloudformation_project_type_is_refused(region):
    usable = ", ".join(sorted(facts.CFN_PROJECT_REGIONS & facts.PRIVATELINK_REGIONS))
    assert problems(lambda r: env(r, "prod").update(region=region)) == [
        f"environments.prod.region: {region!r} has no AWS::BedrockMantle::Project in CloudFormation although "
        f"Mantle serves there, and this app creates its projects with it (usable regions: {usable}); in {region} "
        "use the default project, or create projects through the Projects API (POST /v1/organization/projects)"
    ]
    assert "ap-southeast-2" not in usable and "us-east-1" in usable and "us-gov-west-1" not in usable


def test_unknown_keys_at_every_level():
    def change(r):
        r["extra"] = 1
        env(r)["regoin"] = "us-east-1"
        env(r)["vpc"]["create"]["cidrs"] = "10.0.0.0/16"
        env(r)["projects"][0]["costcenter"] = "x"
        env(r)["roles"][0]["model"] = ["m"]
        env(r)["key_users"][0]["age"] = 3
        env(r)["guardrails"]["deny"] = "all"
        env(r, "staging")["endpoint"]["keys"] = "all"

    assert problems(change) == [
        "extra: unknown key (expected one of: environments)",
        "environments.dev.regoin: unknown key (expected one of: account, cost_center, endpoint, guardrails, "
        "key_users, projects, region, roles, tags, vpc)",
        "environments.dev.vpc.create.cidrs: unknown key (expected one of: availability_zones, cidr, nat_gateways)",
        "environments.dev.projects[0].costcenter: unknown key (expected one of: cost_center, name, retain, tags)",
        "environments.dev.roles[0].model: unknown key (expected one of: assumed_by, endpoint_only, models, name, "
        "projects, short_term_keys)",
        "environments.dev.key_users[0].age: unknown key (expected one of: credential_age_days, issue_key, name, "
        "projects)",
        "environments.dev.guardrails.deny: unknown key (expected one of: attach_to_principals, deny_api_keys, "
        "endpoint_only, max_credential_age_days, scp_target_ids)",
        "environments.staging.endpoint.keys: unknown key (expected one of: api_keys, organization_id)",
    ]


def test_missing_required_keys_are_reported_once_each():
    def change(r):
        del env(r)["account"]
        del env(r)["roles"][0]["assumed_by"]
        del env(r, "staging")["vpc"]["import"]["cidr"]
        del env(r, "prod")["projects"]

    assert problems(change) == [
        "environments.dev.account: is required",
        "environments.dev.roles[0].assumed_by: is required",
        "environments.staging.vpc.import.cidr: is required",
        "environments.prod.projects: is required",
    ]


def test_wrong_types_and_shapes():
    def change(r):
        env(r)["account"] = 111111111111
        env(r)["projects"][1]["retain"] = "yes"
        env(r)["key_users"][0]["credential_age_days"] = "30"
        env(r)["key_users"][1]["issue_key"] = 1
        env(r, "staging")["roles"][0]["assumed_by"] = "ecs-tasks.amazonaws.com"
        env(r, "prod")["vpc"]["create"]["nat_gateways"] = 4

    assert problems(change) == [
        "environments.dev.account: must be a non-empty string, got the number 111111111111",
        "environments.dev.projects[1].retain: must be true or false, got the string 'yes'",
        "environments.dev.key_users[0].credential_age_days: must be a whole number, got the string '30'",
        "environments.dev.key_users[1].issue_key: must be true or false, got the number 1",
        "environments.staging.roles[0].assumed_by: must be a list, got the string 'ecs-tasks.amazonaws.com'",
        "environments.prod.vpc.create.nat_gateways: must be at most the number of availability zones (3)",
    ]


def test_identifiers_and_principals():
    def change(r):
        env(r)["account"] = "1234"
        env(r)["roles"][0]["assumed_by"] = ["ecs-tasks", "arn:aws:iam::111111111111:group/admins"]
        env(r, "staging")["vpc"]["import"]["vpc_id"] = "vpc-xyz"
        env(r, "staging")["vpc"]["import"]["private_subnet_ids"][1] = "sn-1"
        env(r, "staging")["endpoint"]["organization_id"] = "org-1"
        env(r, "prod")["guardrails"]["scp_target_ids"] = ["ou-ab12-cd34ef56", "root"]

    assert problems(change) == [
        "environments.dev.account: '1234' is not a 12-digit AWS account id",
        "environments.dev.roles[0].assumed_by[0]: 'ecs-tasks' is not an account id, an IAM role/user ARN or a "
        "service principal (*.amazonaws.com)",
        "environments.dev.roles[0].assumed_by[1]: 'arn:aws:iam::111111111111:group/admins' is not an account id, "
        "an IAM role/user ARN or a service principal (*.amazonaws.com)",
        "environments.staging.vpc.import.vpc_id: 'vpc-xyz' is not a VPC id (vpc-...)",
        "environments.staging.vpc.import.private_subnet_ids[1]: 'sn-1' is not a subnet id (subnet-...)",
        "environments.staging.endpoint.organization_id: 'org-1' is not an organization id (o-...)",
        "environments.prod.guardrails.scp_target_ids[1]: 'root' is not a root (r-...), OU (ou-...) or account id",
    ]


def test_vpc_rules():
    def change(r):
        env(r)["vpc"]["import"] = {}
        env(r, "staging")["vpc"]["import"]["private_subnet_ids"].append("subnet-0a1b2c3d4e5f60003")
        env(r, "staging")["vpc"]["import"]["availability_zones"] = ["us-west-2a", "us-east-1b"]
        env(r, "prod")["vpc"]["create"]["cidr"] = "10.0.0.0/8"

    assert problems(change) == [
        "environments.dev.vpc: must have exactly one of `create` or `import`",
        "environments.staging.vpc.import.availability_zones[1]: 'us-east-1b' is not an availability zone of us-west-2",
        "environments.prod.vpc.create.cidr: '10.0.0.0/8' must have a prefix length of /16 to /24",
    ]
    assert problems(lambda r: env(r, "staging")["vpc"]["import"]["private_subnet_ids"].pop()) == [
        "environments.staging.vpc.import.private_subnet_ids: must list the same number of subnets in each "
        "availability zone (1 subnets, 2 AZs)"
    ]
    assert problems(lambda r: env(r)["vpc"]["create"].update(cidr="10.10.0.1/16")) == [
        "environments.dev.vpc.create.cidr: '10.10.0.1/16' is not an IPv4 network in CIDR notation (like 10.10.0.0/16)"
    ]


def test_names_must_be_unique_and_give_distinct_construct_ids():
    def change(r):
        env(r)["projects"] += [{"name": "chat"}, {"name": "a-1"}, {"name": "a1"}]
        env(r)["roles"][1]["name"] = "chat-app"

    assert problems(change) == [
        "environments.dev.projects[2].name: 'chat' is already the name of environments.dev.projects[0]",
        "environments.dev.projects[4].name: 'a1' and 'a-1' give the same construct id 'A1'",
        "environments.dev.roles[1].name: 'chat-app' is already the name of environments.dev.roles[0]",
    ]
    assert problems(lambda r: env(r)["projects"].append({"name": "Chat_x"})) == [
        "environments.dev.projects[2].name: 'Chat_x' must be lower-case letters, digits and '-', starting with a "
        "letter (at most 40 characters)"
    ]


def test_environment_names_and_empty_lists():
    def change(r):
        r["environments"]["Prod_EU"] = r["environments"].pop("prod")
        env(r)["projects"] = []
        env(r, "staging")["roles"][0]["projects"] = []

    assert problems(change) == [
        "environments.dev.projects: must not be empty",
        "environments.staging.roles[0].projects: must not be empty",
        "environments.Prod_EU: environment names must be lower-case letters, digits and '-', starting with a letter "
        "(at most 40 characters)",
    ]
    assert problems(lambda r: r.update(environments={})) == ["environments: must define at least one environment"]
    with pytest.raises(ConfigError, match=r"^mantlekit: must be an object, got a list$"):
        parse([])


def test_tags_and_cost_centers():
    def change(r):
        env(r)["tags"]["mantlekit:cost-center"] = "cc-x"
        env(r)["tags"]["aws:owner"] = "me"
        env(r)["projects"][0]["tags"]["owner"] = "someone-else"
        env(r, "prod")["projects"][0]["cost_center"] = "c" * 257

    assert problems(change) == [
        "environments.dev.tags.mantlekit:cost-center: is written by `cost_center`; set that instead",
        "environments.dev.tags.aws:owner: tag keys must be 1-128 characters and must not start with 'aws:'",
        "environments.prod.projects[0].cost_center: must be at most 256 characters (it becomes a tag value)",
    ]
    assert problems(lambda r: env(r)["projects"][0]["tags"].update(owner="someone-else")) == [
        "environments.dev.projects[0].tags.owner: conflicts with environments.dev.tags.owner ('ml-platform')"
    ]


def test_guardrails_that_would_break_the_environments_own_principals():
    def change(r):
        env(r)["guardrails"].update(deny_api_keys="long-term", max_credential_age_days=10)
        env(r, "staging")["guardrails"]["deny_api_keys"] = "all"

    assert problems(change) == [
        "environments.dev.key_users[0]: holds a long-term API key, but guardrails.deny_api_keys is 'long-term'",
        "environments.dev.key_users[1]: holds a long-term API key, but guardrails.deny_api_keys is 'long-term'",
        "environments.dev.key_users[0].credential_age_days: 30 exceeds guardrails.max_credential_age_days (10)",
        "environments.staging.roles[0].short_term_keys: is true, but guardrails.deny_api_keys is 'all'",
    ]


def test_guardrails_that_do_nothing_or_go_nowhere():
    assert problems(lambda r: env(r).update(guardrails={"max_credential_age_days": None})) == [
        "environments.dev.guardrails: enforces nothing: set deny_api_keys, max_credential_age_days or endpoint_only"
    ]
    assert problems(lambda r: env(r)["guardrails"].update(attach_to_principals=False)) == [
        "environments.dev.guardrails: is applied nowhere: set attach_to_principals or scp_target_ids"
    ]
    assert problems(lambda r: env(r)["guardrails"].update(deny_api_keys="some")) == [
        "environments.dev.guardrails.deny_api_keys: must be one of all, long-term, short-term, none, got 'some'"
    ]
    assert problems(lambda r: env(r)["guardrails"].update(max_credential_age_days=0)) == [
        "environments.dev.guardrails.max_credential_age_days: must be 1-36600, got 0"
    ]


# --- loading -------------------------------------------------------------------------------------------------


def test_from_context_reads_a_json_file(tmp_path):
    (tmp_path / "cfg.json").write_text(json.dumps(example_config()), encoding="utf-8")
    assert from_context("cfg.json", base_dir=str(tmp_path)) == parse(example_config())
    assert from_context(example_config()) == parse(example_config())


def test_from_context_errors(tmp_path):
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^mantlekit: cannot read nope\.json: No such file or directory$"):
        from_context("nope.json", base_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"^mantlekit: bad\.json is not valid JSON: "):
        from_context("bad.json", base_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"^mantlekit: missing from the cdk\.json context"):
        from_context(None)


def test_app_prints_configuration_errors_without_a_traceback_and_exits_1(tmp_path):
    """What ``cdk synth`` shows: the CLI passes context through CDK_CONTEXT_JSON and prints the app's stderr."""
    raw = example_config()
    raw["environments"]["dev"]["roles"][0]["projects"] = ["x"]
    raw["environments"]["prod"]["region"] = "us-west-1"
    (tmp_path / "cfg.json").write_text(json.dumps(raw), encoding="utf-8")
    environ = dict(os.environ, CDK_CONTEXT_JSON=json.dumps({"mantlekit": str(tmp_path / "cfg.json")}))
    environ["CDK_OUTDIR"] = str(tmp_path / "out")
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py")], env=environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "mantlekit configuration error: environments.dev.roles[0].projects: unknown project 'x'"
    assert lines[1].startswith("mantlekit configuration error: environments.prod.region: 'us-west-1' has no ")
    assert len(lines) == 2 and "Traceback" not in done.stderr
    assert not list((tmp_path / "out").glob("*.template.json"))
