"""mantlekit.facts: the route and capability tables, data retention modes, access levels, CloudFormation regions.

The tables are read by the constructs, the reference app and the linter alike; these tests pin the facts
themselves and the invariants the readers rely on (every route in one capability, /openai/v1 routes
authorized like their /v1 twins, account-wide routes on "*").
"""

from __future__ import annotations

import pytest

from mantlekit import facts

ROUTE_NAMES = [str(r) for r in facts.ROUTES]


def test_routes_are_unique_and_each_belongs_to_exactly_one_capability():
    assert len(ROUTE_NAMES) == len(set(ROUTE_NAMES))
    owners: dict[str, list[str]] = {}
    for capability, routes in facts.CAPABILITY_ROUTES.items():
        for route in routes:
            owners.setdefault(route, []).append(capability)
    assert sorted(owners) == sorted(ROUTE_NAMES)
    assert {r: c for r, c in owners.items() if len(c) != 1} == {}


@pytest.mark.parametrize(
    ("route", "action", "capability"),
    [
        ("GET /v1/data_retention", "GetAccountDataRetention", "retention-read"),
        ("PUT /v1/data_retention", "PutAccountDataRetention", "retention-admin"),
        ("GET /v1/files/{file_id}/content", "GetFile", "files"),
        ("GET /v1/fine_tuning/jobs/{job_id}/events", "GetFineTuningJob", "fine-tuning"),
        ("GET /v1/fine_tuning/jobs/{job_id}/checkpoints", "GetFineTuningJob", "fine-tuning"),
        ("POST /openai/v1/responses", "CreateInference", "inference"),
        ("POST /openai/v1/chat/completions", "CreateInference", "inference"),
        ("GET /openai/v1/models", "ListModels", "list-models"),
        ("DELETE /openai/v1/responses/{response_id}", "DeleteInference", "responses-state"),
    ],
)
def test_new_routes_their_actions_and_capabilities(route, action, capability):
    (found,) = [r for r in facts.ROUTES if str(r) == route]
    assert found.action == action
    assert found in facts.capability_routes(capability)


def test_every_openai_v1_route_is_authorized_like_its_v1_twin_in_the_same_capability():
    by_name = {str(r): r for r in facts.ROUTES}
    twins = {name: name.replace(" /openai/v1/", " /v1/") for name in by_name if " /openai/v1/" in name}
    assert sorted(twins) == [
        "DELETE /openai/v1/responses/{response_id}",
        "GET /openai/v1/models",
        "GET /openai/v1/models/{model}",
        "GET /openai/v1/responses/{response_id}",
        "POST /openai/v1/chat/completions",
        "POST /openai/v1/responses",
        "POST /openai/v1/responses/compact",
        "POST /openai/v1/responses/{response_id}/cancel",
    ]
    capability_of = {r: c for c, routes in facts.CAPABILITY_ROUTES.items() for r in routes}
    for openai, v1 in twins.items():
        assert by_name[openai].action == by_name[v1].action, openai
        assert capability_of[openai] == capability_of[v1], openai


def test_every_route_action_is_a_bedrock_mantle_action():
    assert {r.action for r in facts.ROUTES} <= set(facts.ACTIONS)


def test_account_wide_routes_are_authorized_on_star_and_project_routes_on_the_project():
    project = facts.project_arn("us-east-1", "111122223333", "proj_abc")
    resources = {str(r): facts.route_resource(r, project) for r in facts.ROUTES}
    assert {r for r, res in resources.items() if res == "*"} == {"GET /v1/data_retention", "PUT /v1/data_retention"}
    assert resources["POST /openai/v1/responses"] == project


def test_grants_are_unchanged_by_the_new_routes():
    """The new routes reuse actions the grants already held; the retention actions are in no grant."""
    assert facts.GRANTS["inference"] == (
        "bedrock-mantle:CancelInference",
        "bedrock-mantle:CountTokens",
        "bedrock-mantle:CreateInference",
        "bedrock-mantle:DeleteInference",
        "bedrock-mantle:GetInference",
        "bedrock-mantle:GetModel",
        "bedrock-mantle:GetProject",
        "bedrock-mantle:ListModels",
        "bedrock-mantle:ListProjects",
    )
    assert facts.capability_actions("retention-read", "retention-admin") == (
        "bedrock-mantle:GetAccountDataRetention",
        "bedrock-mantle:PutAccountDataRetention",
    )
    assert not any("DataRetention" in a for grant in facts.GRANTS.values() for a in grant)


# --- data retention ----------------------------------------------------------------------------------------


def test_retention_modes_are_ordered_from_least_to_most_retained():
    assert facts.DATA_RETENTION_MODES == ("none", "default", "aws_review", "provider_data_share")
    assert [facts.retention_rank(m) for m in facts.DATA_RETENTION_MODES] == [0, 1, 2, 3]
    assert facts.retention_rank("aws_review") < facts.retention_rank("provider_data_share")
    assert facts.LEGACY_DATA_RETENTION_MODES == {"provider_data_share"}
    assert facts.ALL_DATA_RETENTION_MODES == (*facts.DATA_RETENTION_MODES, "inherit")


@pytest.mark.parametrize("mode", ["inherit", "zdr", "NONE"])
def test_inherit_and_unknown_modes_have_no_rank(mode):
    with pytest.raises(ValueError) as err:
        facts.retention_rank(mode)
    assert str(err.value) == (
        f"{mode!r} is not a data retention mode that decides anything "
        "(modes: none, default, aws_review, provider_data_share; 'inherit' defers to a broader scope)"
    )


def test_retention_condition_key_is_one_of_the_service_keys():
    assert facts.DATA_RETENTION_MODE_KEY in facts.CONDITION_KEYS
    assert facts.PUT_DATA_RETENTION_ACTIONS[0] == facts.ACTIONS["PutAccountDataRetention"].full_name
    assert facts.DATA_RETENTION_MODE_KEY in facts.ACTIONS["PutAccountDataRetention"].condition_keys


# --- access levels -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["TagResource", "UntagResource"])
def test_tag_actions_are_tagging_and_write(name):
    action = facts.ACTIONS[name]
    assert action.access == "Tagging, Write"
    assert action.access_levels == ("Tagging", "Write")
    assert action.primary_access == "Tagging"


def test_catalog_overlay_records_the_primary_level_of_the_tag_actions():
    """The catalog has one level per action: facts' "Tagging, Write" becomes Tagging, and it round-trips."""
    from mantlekit.catalog.convert import facts_service
    from mantlekit.catalog.model import decode_service, encode_service

    svc = facts_service()
    assert svc.actions["tagresource"].access_level == "Tagging"
    assert svc.actions["untagresource"].access_level == "Tagging"
    again = decode_service(encode_service(svc))
    assert again.actions["tagresource"].access_level == "Tagging"


def test_other_actions_have_one_access_level():
    multi = {a.name for a in facts.ACTIONS.values() if len(a.access_levels) > 1}
    assert multi == {"TagResource", "UntagResource"}
    assert facts.ACTIONS["GetProject"].access_levels == ("Read",)


# --- CloudFormation regions ----------------------------------------------------------------------------------


def test_regions_without_the_cloudformation_project_type_are_mantle_regions():
    assert facts.CFN_PROJECT_UNSUPPORTED_REGIONS == {"ap-southeast-2", "eu-central-1", "eu-south-1"}
    assert facts.CFN_PROJECT_UNSUPPORTED_REGIONS < facts.REGIONS
    assert facts.CFN_PROJECT_REGIONS == facts.REGIONS - facts.CFN_PROJECT_UNSUPPORTED_REGIONS
    assert len(facts.CFN_PROJECT_REGIONS) == 11


# --- actions that never existed ------------------------------------------------------------------------------


def test_nonexistent_actions_map_to_real_ones_and_are_not_real_themselves():
    assert facts.NONEXISTENT_ACTIONS == {
        "InvokeModel": ("CreateInference",),
        "InvokeModelWithResponseStream": ("CreateInference",),
        "ListFoundationModels": ("ListModels",),
        "ListTagsForResources": ("ListTagsForResource",),
    }
    for wrong, real in facts.NONEXISTENT_ACTIONS.items():
        assert wrong not in facts.ACTIONS
        assert set(real) <= set(facts.ACTIONS)
