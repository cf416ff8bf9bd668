"""Whatever a template or account-details file holds, the readers answer with an inventory, never a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mantlekit.lint.readers import account, cfn

NAMES = st.sampled_from(["A", "B", "Role", "User", "Group", "Proj", "P", "AWS::Region", "AWS::NoValue", "Cond"])
INTRINSICS = st.sampled_from(
    [
        "Ref",
        "Condition",
        "Fn::Sub",
        "Fn::Join",
        "Fn::GetAtt",
        "Fn::If",
        "Fn::Select",
        "Fn::Split",
        "Fn::ImportValue",
        "Fn::FindInMap",
        "Fn::Base64",
        "Fn::Equals",
        "Fn::Not",
        "Fn::And",
        "Fn::Or",
        "Fn::GetAZs",
        "Fn::Cidr",
        "Fn::ToJsonString",
        "Fn::Length",
        "Fn::Unknown",
    ]
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), NAMES, st.sampled_from(["${A}", "${B.Arn}", "*", ""]))
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(NAMES, st.sampled_from(["Statement", "Effect", "Action", "Resource"])), children, max_size=3
        ),
        st.builds(lambda k, v: {k: v}, INTRINSICS, children),
    ),
    max_leaves=12,
)
TYPES = st.sampled_from(
    [
        "AWS::IAM::User",
        "AWS::IAM::Role",
        "AWS::IAM::Group",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::UserPolicy",
        "AWS::IAM::UserToGroupAddition",
        "AWS::BedrockMantle::Project",
        "AWS::EC2::VPCEndpoint",
        "AWS::Organizations::Policy",
        "AWS::S3::BucketPolicy",
        "Custom::Key",
    ]
)
PROPS = st.sampled_from(
    [
        "Policies",
        "PolicyDocument",
        "ManagedPolicyArns",
        "PermissionsBoundary",
        "Groups",
        "Users",
        "Roles",
        "UserName",
        "GroupName",
        "Tags",
        "AssumeRolePolicyDocument",
        "Content",
        "Type",
        "ServiceName",
    ]
)
RESOURCE = st.fixed_dictionaries(
    {"Type": TYPES}, optional={"Properties": st.dictionaries(PROPS, VALUES, max_size=4), "Condition": NAMES}
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    resources=st.dictionaries(NAMES, st.one_of(RESOURCE, VALUES), max_size=5),
    conditions=st.dictionaries(NAMES, VALUES, max_size=2),
    parameters=st.dictionaries(NAMES, VALUES, max_size=2),
)
def test_templates_never_crash(resources, conditions, parameters):
    data = {
        "Resources": resources,
        "Conditions": conditions,
        "Parameters": parameters,
        "Mappings": {"A": {"B": {"C": 1}}},
    }
    inv = cfn.read_template(data, json.dumps(data), "t.json")
    assert all(e.file == "t.json" and "internal error" not in e.message for e in inv.errors)


ENTRY = st.dictionaries(
    st.sampled_from(
        [
            "UserName",
            "GroupName",
            "RoleName",
            "Arn",
            "GroupList",
            "AttachedManagedPolicies",
            "UserPolicyList",
            "PermissionsBoundary",
            "Tags",
            "PolicyVersionList",
            "AssumeRolePolicyDocument",
            "DefaultVersionId",
        ]
    ),
    VALUES,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(
    pages=st.lists(
        st.dictionaries(
            st.sampled_from([*account.LISTS, "IsTruncated", "Marker", account.EXT_CREDENTIALS, account.EXT_INCOMPLETE]),
            st.one_of(st.lists(ENTRY, max_size=3), VALUES),
            max_size=5,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_account_details_never_crash(pages):
    inv = account.build([account.Page(f"d/p{i}.json", p, json.dumps(p)) for i, p in enumerate(pages)])
    assert not [e for e in inv.errors if "internal error" in e.message]
