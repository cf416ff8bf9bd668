"""MantleProject: props, validation, attributes, imports and grants."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from construct_helpers import ACCOUNT, REGION, new_stack, only, policy_statements, raises_config_error, template

from mantlekit import facts
from mantlekit.constructs import (
    COST_CENTER_TAG_KEY,
    IMantleProject,
    MantleConfigError,
    MantleProject,
    TokenType,
    grant_bearer_token,
)


@pytest.fixture(scope="module")
def built():
    """One stack: a project with tags and cost center, one role per grant, imports."""
    stack = new_stack()
    project = MantleProject(stack, "Project", name="team-search", tags={"team": "search"}, cost_center="cc-42")
    cdk.Tags.of(stack).add("env", "dev")
    roles = {}
    for kind in ("inference", "read", "files", "fine_tuning", "admin"):
        role = iam.Role(stack, f"Role_{kind}", assumed_by=iam.AccountRootPrincipal())
        roles[kind] = (role, getattr(project, f"grant_{kind}")(role))
    for token_type in TokenType:
        role = iam.Role(stack, f"Bearer_{token_type.name}", assumed_by=iam.AccountRootPrincipal())
        roles[token_type.name] = (role, project.grant_bearer_token(role, token_type=token_type))
    imported = {
        "arn": MantleProject.from_project_arn(
            stack, "ByArn", "arn:aws:bedrock-mantle:us-east-2:222222222222:project/proj_abc123"
        ),
        "id": MantleProject.from_project_id(stack, "ById", "proj_xyz9"),
        "default": MantleProject.default_project(stack, "Default"),
        "token": MantleProject.from_project_arn(stack, "ByToken", cdk.Fn.import_value("ProjectArn")),
    }
    return stack, project, roles, imported, template(stack)


def test_resource_has_name_and_sorted_tags_including_cost_center_and_stack_tags(built):
    _, _, _, _, tpl = built
    tpl.resource_count_is("AWS::BedrockMantle::Project", 1)
    tpl.has_resource_properties(
        "AWS::BedrockMantle::Project",
        {
            "Name": "team-search",
            "Tags": [
                {"Key": "env", "Value": "dev"},
                {"Key": COST_CENTER_TAG_KEY, "Value": "cc-42"},
                {"Key": "team", "Value": "search"},
            ],
        },
    )


def test_default_removal_archives_and_retain_is_optional():
    stack = new_stack()
    MantleProject(stack, "Archived", name="a")
    MantleProject(stack, "Kept", name="k", removal_policy=cdk.RemovalPolicy.RETAIN)
    projects = template(stack).find_resources("AWS::BedrockMantle::Project")
    by_name = {p["Properties"]["Name"]: p for p in projects.values()}
    assert "DeletionPolicy" not in by_name["a"]  # CloudFormation default: delete = ArchiveProject
    assert by_name["k"]["DeletionPolicy"] == "Retain"
    assert by_name["k"]["UpdateReplacePolicy"] == "Retain"


def test_attributes_are_getatts(built):
    stack, project, _, _, tpl = built
    (logical_id,) = tpl.find_resources("AWS::BedrockMantle::Project")
    assert stack.resolve(project.project_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stack.resolve(project.project_id) == {"Fn::GetAtt": [logical_id, "Id"]}
    assert stack.resolve(project.project_created_at) == {"Fn::GetAtt": [logical_id, "CreatedAt"]}
    assert project.project_name == "team-search"
    assert project.cost_center == "cc-42"
    assert isinstance(project, IMantleProject)


@pytest.mark.parametrize(
    ("kind", "grant_key"),
    [
        ("inference", "inference"),
        ("read", "read"),
        ("files", "files"),
        ("fine_tuning", "fine-tuning"),
        ("admin", "admin"),
    ],
)
def test_each_grant_gives_exactly_its_fact_action_set_on_the_project_arn(built, kind, grant_key):
    _, _, roles, _, tpl = built
    _, grant = roles[kind]
    assert isinstance(grant, iam.Grant) and grant.success
    statements = policy_statements(tpl, f"Role{kind}DefaultPolicy".replace("_", ""))
    assert len(statements) == 1
    st = statements[0]
    actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
    assert sorted(actions) == sorted(facts.GRANTS[grant_key])
    assert st["Effect"] == "Allow"
    assert st["Resource"]["Fn::GetAtt"][1] == "Arn"
    assert st["Resource"]["Fn::GetAtt"][0].startswith("Project")
    assert "Condition" not in st


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LONG_TERM", facts.LONG_TERM),
        ("SHORT_TERM", facts.SHORT_TERM),
        ("BOTH", [facts.LONG_TERM, facts.SHORT_TERM]),
    ],
)
def test_bearer_token_grant_is_star_with_token_type_condition(built, name, value):
    _, _, roles, _, tpl = built
    assert roles[name][1].success
    statements = policy_statements(tpl, f"Bearer{name.replace('_', '')}DefaultPolicy")
    assert statements == [
        {
            "Action": facts.CALL_WITH_BEARER_TOKEN,
            "Condition": {"StringEquals": {facts.BEARER_TOKEN_TYPE_KEY: value}},
            "Effect": "Allow",
            "Resource": "*",
        }
    ]


def test_bearer_token_grant_needs_a_token_type():
    stack = new_stack()
    role = iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal())
    with raises_config_error("MantleTokenTypeInvalid", at=None):
        grant_bearer_token(role, token_type="LONG_TERM")  # type: ignore[arg-type]


def test_generic_grant_rejects_other_services():
    stack = new_stack()
    project = MantleProject(stack, "P", name="p")
    role = iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal())
    with raises_config_error("MantleProjectGrantActionInvalid", at="Test/P"):
        project.grant(role, "bedrock:InvokeModel")
    assert project.grant(role, "bedrock-mantle:GetProject").success


def test_import_by_arn_keeps_its_account_region_and_id(built):
    _, _, _, imported, _ = built
    ref = imported["arn"]
    assert ref.project_arn == "arn:aws:bedrock-mantle:us-east-2:222222222222:project/proj_abc123"
    assert ref.project_id == "proj_abc123"
    assert ref.env.account == "222222222222"
    assert ref.env.region == "us-east-2"
    assert isinstance(ref, IMantleProject)


def test_import_by_token_arn_splits_the_id(built):
    stack, _, _, imported, _ = built
    resolved = stack.resolve(imported["token"].project_id)
    assert "Fn::Select" in resolved
    assert resolved["Fn::Select"][1]["Fn::Split"][0] == "/"


def test_import_by_id_and_default_project_use_the_stack_account_and_region(built):
    stack, _, _, imported, _ = built
    assert stack.resolve(imported["id"].project_arn) == facts.project_arn(REGION, ACCOUNT, "proj_xyz9")
    assert imported["id"].project_id == "proj_xyz9"
    assert (
        stack.resolve(imported["default"].project_arn) == f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/default"
    )
    assert imported["default"].project_id == facts.DEFAULT_PROJECT_ID


def test_default_project_in_an_environment_agnostic_stack_is_built_from_pseudo_parameters():
    stack = new_stack(region=None)
    ref = MantleProject.default_project(stack, "Default")
    role = iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal())
    ref.grant_inference(role)
    resource = policy_statements(template(stack), "RDefaultPolicy")[0]["Resource"]
    assert resource == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock-mantle:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":project/default",
            ],
        ]
    }


def test_grants_on_an_imported_project_use_its_arn():
    stack = new_stack()
    ref = MantleProject.from_project_id(stack, "P", "proj_abc")
    role = iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal())
    ref.grant_files(role)
    statement = policy_statements(template(stack), "RDefaultPolicy")[0]
    assert statement["Resource"] == f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/proj_abc"


# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "x" * 129])
def test_bad_name_is_rejected_naming_the_prop(name):
    with raises_config_error("MantleProjectNameLength", at="Test/P") as err:
        MantleProject(new_stack(), "P", name=name)
    assert err.value.message == f"MantleProject: `name` must be 1-128 characters (got {len(name)})"


def test_name_of_128_characters_and_token_names_are_accepted():
    stack = new_stack()
    MantleProject(stack, "Long", name="x" * 128)
    MantleProject(stack, "Token", name=cdk.Fn.import_value("LongProjectName"))
    template(stack).resource_count_is("AWS::BedrockMantle::Project", 2)


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        ({f"k{i}": "v" for i in range(201)}, "MantleProjectTagCount"),
        ({"": "v"}, "MantleProjectTagKeyLength"),
        ({"k" * 129: "v"}, "MantleProjectTagKeyLength"),
        ({"k": "v" * 257}, "MantleProjectTagValueLength"),
        ({"aws:owner": "me"}, "MantleProjectTagKeyReserved"),
    ],
)
def test_bad_tags_are_rejected_naming_the_prop(tags, code):
    with raises_config_error(code, at="Test/P") as err:
        MantleProject(new_stack(), "P", name="p", tags=tags)
    assert err.value.message.startswith("MantleProject: `tags` ")


def test_200_tags_and_empty_values_are_accepted():
    stack = new_stack(region=None)
    MantleProject(stack, "P", name="p", tags={f"k{i:03}": "" for i in range(200)})
    tags = only(template(stack), "AWS::BedrockMantle::Project")["Properties"]["Tags"]
    assert len(tags) == 200


def test_cost_center_counts_toward_the_tag_limit():
    with raises_config_error("MantleProjectTagCount") as err:
        MantleProject(new_stack(), "P", name="p", tags={f"k{i}": "v" for i in range(200)}, cost_center="cc")
    assert err.value.message == "MantleProject: `tags` allows at most 200 tags per project (got 201)"


def test_cost_center_conflicting_with_a_tag_is_rejected():
    with raises_config_error("MantleProjectCostCenterConflict", at="Test/P"):
        MantleProject(new_stack(), "P", name="p", tags={COST_CENTER_TAG_KEY: "a"}, cost_center="b")


def test_cost_center_too_long_is_rejected_naming_the_prop():
    with raises_config_error("MantleProjectTagValueLength") as err:
        MantleProject(new_stack(), "P", name="p", cost_center="c" * 257)
    assert err.value.message.startswith("MantleProject: `cost_center` ")


def test_tags_added_by_aspects_are_checked_at_synth():
    stack = new_stack()
    MantleProject(stack, "P", name="p", tags={f"k{i}": "v" for i in range(199)})
    cdk.Tags.of(stack).add("extra1", "v")
    cdk.Tags.of(stack).add("extra2", "v")
    with pytest.raises(
        RuntimeError,
        match=r"`tags` allows at most 200 tags per project \(got 201\) \(after Tags.of\(...\) were applied\) "
        r"\[MantleProjectTagCount\]",
    ):
        template(stack)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:bedrock:us-east-1:123456789012:project/proj_abc",
        "arn:aws:bedrock-mantle:us-east-1:123456789012:customized-model/x",
        "proj_abc",
    ],
)
def test_import_by_bad_arn_names_the_prop(arn):
    with raises_config_error("MantleProjectArnInvalid", at="Test/P"):
        MantleProject.from_project_arn(new_stack(), "P", arn)


@pytest.mark.parametrize("project_id", ["proj_ABC", "project1", ""])
def test_import_by_bad_id_names_the_prop(project_id):
    with raises_config_error("MantleProjectIdInvalid", at="Test/P"):
        MantleProject.from_project_id(new_stack(), "P", project_id)


@pytest.mark.parametrize("region", sorted(facts.CFN_PROJECT_UNSUPPORTED_REGIONS))
def test_region_without_the_cloudformation_type_is_refused_naming_the_alternatives(region):
    stack = new_stack(region=region)
    with pytest.raises(MantleConfigError) as err:
        MantleProject(stack, "Project", name="chat")
    message = (
        f"MantleProject: region {region!r} (the stack's env.region) has no AWS::BedrockMantle::Project in "
        "CloudFormation, although Mantle serves there; use the default project (MantleProject.default_project), "
        "or create the project through the Projects API (POST /v1/organization/projects) and reference it with "
        "MantleProject.from_project_id"
    )
    assert (err.value.code, err.value.construct_path, err.value.message) == (
        "MantleProjectRegionUnsupported",
        "Test/Project",
        message,
    )
    assert str(err.value) == f"{message} [MantleProjectRegionUnsupported at Test/Project]"
    # The alternatives work in that region.
    assert MantleProject.default_project(stack, "Default").project_arn == (
        f"arn:aws:bedrock-mantle:{region}:{ACCOUNT}:project/default"
    )
    assert MantleProject.from_project_id(stack, "Made", "proj_abc").project_id == "proj_abc"

    # An env-agnostic stack has a region token, resolved at deploy time: not checked, the project is built.
    agnostic = new_stack(region=None)
    MantleProject(agnostic, "Project", name="chat")
    template(agnostic).resource_count_is("AWS::BedrockMantle::Project", 1)
