"""MNT006 (wrong prefix / unknown Mantle action) and MNT007 (bad Mantle ARNs)."""

import pytest

from tests.lint.rules.helpers import PROJECT, findings, policy


def allow(action, resource="*"):
    return policy({"Effect": "Allow", "Action": action, "Resource": resource})


@pytest.mark.parametrize(
    ("action", "suggestion"),
    [
        ("bedrock:CreateInference", "bedrock-mantle:CreateInference"),
        ("bedrock-runtime:InvokeModel", "bedrock:InvokeModel"),
        ("bedrock-runtime:CreateInference", "bedrock-mantle:CreateInference"),
        ("bedrock-mantle:ListTagsForResources", "bedrock-mantle:ListTagsForResource"),
        ("bedrock-mantle:CreateInferences", "bedrock-mantle:CreateInference"),
    ],
)
def test_wrong_prefix_or_name_suggests(action, suggestion):
    [f] = findings("MNT006", docs=(allow(action),))
    assert f.details["suggestion"] == suggestion
    assert f.message.startswith(action + ":")


@pytest.mark.parametrize(
    "action",
    [
        "bedrock-mantle:CreateInference",
        "bedrock-mantle:Get*",
        "bedrock:InvokeModel",
        "bedrock:CallWithBearerToken",
        "s3:GetObject",
    ],
)
def test_real_actions_pass(action):
    assert findings("MNT006", docs=(allow(action),)) == []


def test_wildcard_matching_nothing_and_not_action():
    [f] = findings("MNT006", docs=(allow("bedrock-mantle:Invoke*"),))
    assert f.message == "bedrock-mantle:Invoke*: bedrock-mantle:invoke* matches no bedrock-mantle action"
    deny = policy({"Effect": "Deny", "NotAction": ["bedrock-runtime:*"], "Resource": "*"})
    assert [f.rule for f in findings("MNT006", docs=(deny,))] == ["MNT006"]


NEVER_EXISTED = [
    (
        "bedrock-mantle:InvokeModel",
        "bedrock-mantle:CreateInference",
        " (bedrock:InvokeModel is the action of the bedrock endpoints)",
    ),
    (
        "bedrock-mantle:InvokeModelWithResponseStream",
        "bedrock-mantle:CreateInference",
        " (bedrock:InvokeModelWithResponseStream is the action of the bedrock endpoints)",
    ),
    (
        "bedrock-mantle:ListFoundationModels",
        "bedrock-mantle:ListModels",
        " (bedrock:ListFoundationModels is the action of the bedrock endpoints)",
    ),
    ("bedrock-mantle:ListTagsForResources", "bedrock-mantle:ListTagsForResource", ""),
]


@pytest.mark.parametrize(("action", "real", "note"), NEVER_EXISTED)
def test_actions_that_never_existed_name_the_real_action(action, real, note):
    [f] = findings("MNT006", docs=(allow(action),))
    assert f.message == f"{action}: no such bedrock-mantle action; on the Mantle endpoint this is {real}{note}"
    assert f.details["suggestion"] == real
    assert f.fix == f'use "{real}"'
    assert f.line == 6  # the Action element of the statement


@pytest.mark.parametrize(("action", "real", "note"), NEVER_EXISTED)
def test_actions_that_never_existed_are_reported_once_even_in_a_deny(action, real, note):
    deny = policy({"Effect": "Deny", "Action": [action.upper()], "Resource": "*"})
    docs = (deny,)
    [f] = findings("MNT006", docs=docs)
    assert f.message.startswith(f"{action.upper()}: no such bedrock-mantle action; on the Mantle endpoint")
    assert f.details["suggestion"] == real
    both = ("IAM", "MNT006")
    assert findings("IAM003", docs=docs, select=both) == [] and findings("IAM002", docs=docs, select=both) == []


def test_not_reported_twice_by_general_rules():
    docs = (allow(["bedrock-mantle:ListTagsForResources", "bedrock-runtime:InvokeModel"]),)
    both = ("IAM", "MNT006")
    assert findings("IAM002", docs=docs, select=both) == [] and findings("IAM003", docs=docs, select=both) == []
    assert [f.details["action"] for f in findings("IAM002", docs=docs)] == ["bedrock-runtime:invokemodel"]
    assert [f.details["action"] for f in findings("IAM003", docs=docs)] == ["bedrock-mantle:listtagsforresources"]


@pytest.mark.parametrize(
    ("arn", "fragment"),
    [
        ("arn:aws:bedrock-mantle:us-east-1:111122223333:projects/proj_abc", "no resource type 'projects'"),
        ("arn:aws:bedrock-mantle:us-east-1:111122223333:project/PROJ_ABC", "project id 'PROJ_ABC'"),
        ("arn:aws:bedrock-mantle:us-west-1:111122223333:project/default", "region 'us-west-1'"),
        ("arn:aws:bedrock-mantle:us-east-1:1111:project/default", "account '1111'"),
        ("arn:aws:bedrock-mantle:us-east-1:111122223333:project", "ends in project/<id>"),
        ("arn:aws:bedrock-mantle:us-east-1:111122223333", "six colon-separated parts"),
    ],
)
def test_bad_mantle_arns(arn, fragment):
    [f] = findings("MNT007", docs=(allow("bedrock-mantle:CreateInference", arn),))
    assert fragment in f.message


@pytest.mark.parametrize(
    "arn",
    [
        PROJECT,
        "arn:aws:bedrock-mantle:*:*:project/*",
        "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default",
        "arn:aws:bedrock-mantle:us-east-1:111122223333:reservation/r-1",
        "arn:aws-us-gov:bedrock-mantle:us-gov-west-1:111122223333:project/${aws:PrincipalTag/project}",
    ],
)
def test_good_mantle_arns(arn):
    assert findings("MNT007", docs=(allow("bedrock-mantle:CreateInference", arn),)) == []


def test_bedrock_project_arn_for_mantle_actions():
    arn = "arn:aws:bedrock:us-east-1:111122223333:project/default"
    [f] = findings("MNT007", docs=(allow("bedrock-mantle:CreateInference", arn),))
    assert f.fix == 'use "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default"'
    assert findings("MNT007", docs=(allow("bedrock:InvokeModel", arn),)) == []


def test_condition_arn_values():
    doc = policy(
        {
            "Effect": "Allow",
            "Action": "bedrock-mantle:CreateReservation",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"bedrock-mantle:ProjectArn": "arn:aws:bedrock-mantle:us-east-1:111122223333:proj/x"}
            },
        }
    )
    [f] = findings("MNT007", docs=(doc,))
    assert f.message.startswith("bedrock-mantle:ProjectArn value")


@pytest.mark.parametrize(
    ("arn", "part"),
    [
        ("arn:aws:bedrock-mantle:${aws:RequestedRegion}:111122223333:project/*", "region"),
        ("arn:aws:bedrock-mantle:us-east-1:${aws:PrincipalAccount}:project/*", "account"),
    ],
)
def test_variable_before_the_fifth_colon_is_said_plainly(arn, part):
    [f] = findings("MNT007", docs=(allow("bedrock-mantle:CreateInference", arn),))
    assert f.message == (
        f"{arn}: a policy variable stands in the {part}, before the fifth colon, where IAM does not substitute "
        "variables: the ARN matches nothing (write the region and account out)"
    )


def test_an_unresolved_value_before_the_fifth_colon_is_no_policy_variable():
    """A reader's marker for a value it could not resolve (a Terraform variable without a default, written
    "arn:aws:bedrock-mantle:${var.aws_region}:...") may be any region: not the policy-variable error."""
    arn = "arn:aws:bedrock-mantle:${mantlekit:unresolved/var.aws_region}:123456789012:project/*"
    assert findings("MNT007", docs=(allow("bedrock-mantle:CreateInference", arn),)) == []
    typo = "arn:aws:bedrock-mantle:${mantlekit:unresolved/var.aws_region}:123456789012:projects/*"
    [f] = findings("MNT007", docs=(allow("bedrock-mantle:CreateInference", typo),))
    assert "no resource type 'projects'" in f.message


def test_mantle_action_with_mantle_in_its_name_under_bedrock():
    """bedrock:CreateMantleProject (public Terraform) is bedrock-mantle:CreateProject, and IAM003 stays out."""
    doc = policy(
        {"Effect": "Allow", "Action": ["bedrock:CreateMantleProject", "bedrock:ListMantleProjects"], "Resource": "*"}
    )
    got = [(f.line, f.column, f.message, f.fix) for f in findings("MNT006", docs=(doc,))]
    assert got == [
        (
            7,
            9,
            "bedrock:CreateMantleProject: no such bedrock action; Mantle authorizes this on its own prefix as "
            "bedrock-mantle:CreateProject",
            'use "bedrock-mantle:CreateProject"',
        ),
        (
            8,
            9,
            "bedrock:ListMantleProjects: no such bedrock action; Mantle authorizes this on its own prefix as "
            "bedrock-mantle:ListProjects",
            'use "bedrock-mantle:ListProjects"',
        ),
    ]
    from mantlekit.lint.config import Config
    from mantlekit.lint.inventory import Inventory
    from mantlekit.lint.runner import lint_inventory

    assert {f.rule for f in lint_inventory(Inventory(documents=[doc]), Config()).findings} == {"MNT006"}
    # a name with "Mantle" in it that is no Mantle action is IAM003's, as before
    other = policy({"Effect": "Allow", "Action": "bedrock:CreateMantleApiKey", "Resource": "*"})
    assert findings("MNT006", docs=(other,)) == []
