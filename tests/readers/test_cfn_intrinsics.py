"""Intrinsic functions, pseudo parameters and placeholders in CloudFormation templates."""

from __future__ import annotations

import json
from typing import Any

from mantlekit.iam.evaluate import Request, Verdict, decide
from mantlekit.lint.access import evaluate_principal
from mantlekit.lint.readers import cfn

ACCOUNT, REGION = cfn.PSEUDO_PLACEHOLDERS["AWS::AccountId"], cfn.PSEUDO_PLACEHOLDERS["AWS::Region"]


def template(resources: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", **sections, "Resources": resources}


def read(data: dict[str, Any], stack: cfn.StackInfo | None = None):
    inv = cfn.read_template(data, json.dumps(data, indent=2), "t.json", stack)
    assert inv.errors == []
    return inv


def resources_of(resource: Any, **sections: Any) -> tuple[str, ...]:
    """The Resource element, resolved, of a one-statement policy of a user."""
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}]}
    res = {"U": {"Type": "AWS::IAM::User", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": doc}]}}}
    res.update(sections.pop("extra", {}))
    inv = read(template(res, **sections))
    (st,) = inv.documents[0].statements
    return st.resources


PROJECT = {"Proj": {"Type": "AWS::BedrockMantle::Project", "Properties": {"Name": "team"}}}
MANTLE_ARN = f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/proj_cfnproj"


def test_pseudo_parameters_and_sub_forms():
    assert resources_of(
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-${AWS::Region}-${AWS::AccountId}"}
    ) == (f"arn:aws:s3:::stack-{REGION}-{ACCOUNT}",)
    assert resources_of({"Fn::Sub": ["arn:aws:s3:::${Bucket}/${!Literal}/${aws:username}", {"Bucket": "logs"}]}) == (
        "arn:aws:s3:::logs/${Literal}/${aws:username}",
    )
    assert resources_of({"Fn::Sub": "https://s3.${AWS::URLSuffix}/x"}) == ("https://s3.amazonaws.com/x",)


def test_parameters_default_placeholder_and_ssm():
    params = {
        "Team": {"Type": "String", "Default": "search"},
        "Bucket": {"Type": "String"},
        "Names": {"Type": "CommaDelimitedList", "Default": "a, b"},
        "FromSsm": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/team/bucket"},
    }
    assert resources_of({"Fn::Sub": "arn:aws:s3:::${Team}"}, Parameters=params) == ("arn:aws:s3:::search",)
    assert resources_of({"Fn::Sub": "arn:aws:s3:::${Bucket}"}, Parameters=params) == (
        "arn:aws:s3:::${mantlekit:unresolved/Parameter/Bucket}",
    )
    assert resources_of({"Ref": "Names"}, Parameters=params) == ("a", "b")
    assert resources_of({"Fn::Sub": "arn:aws:s3:::${FromSsm}"}, Parameters=params) == (
        "arn:aws:s3:::${mantlekit:unresolved/Parameter/FromSsm}",
    )


def test_join_select_split_findinmap():
    maps = {"Buckets": {"prod": {"Name": "prod-logs"}}}
    assert resources_of({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::x"]]}) == ("arn:aws:s3:::x",)
    assert resources_of({"Fn::Select": [1, {"Fn::Split": [",", "arn:aws:s3:::a,arn:aws:s3:::b"]}]}) == (
        "arn:aws:s3:::b",
    )
    assert resources_of(
        {"Fn::Sub": ["arn:aws:s3:::${N}", {"N": {"Fn::FindInMap": ["Buckets", "prod", "Name"]}}]}, Mappings=maps
    ) == ("arn:aws:s3:::prod-logs",)
    assert resources_of(
        {"Fn::FindInMap": ["Buckets", "dev", "Name", {"DefaultValue": "arn:aws:s3:::fallback"}]}, Mappings=maps
    ) == ("arn:aws:s3:::fallback",)
    assert resources_of({"Fn::FindInMap": ["Buckets", "dev", "Name"]}, Mappings=maps) == (
        "${mantlekit:unresolved/FindInMap/Buckets}",
    )


def test_project_references():
    assert resources_of({"Fn::GetAtt": ["Proj", "Arn"]}, extra=PROJECT) == (MANTLE_ARN,)
    assert resources_of({"Ref": "Proj"}, extra=PROJECT) == (MANTLE_ARN,)
    assert resources_of({"Fn::Sub": "${Proj.Arn}/x"}, extra=PROJECT) == (MANTLE_ARN + "/x",)
    assert resources_of({"Fn::GetAtt": "Proj.Id"}, extra=PROJECT) == ("proj_cfnproj",)


def test_iam_references_and_generated_names():
    extra = {
        "Named": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "app", "Path": "/svc/"}},
        "Generated": {"Type": "AWS::IAM::Role"},
        "Mp": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "mp", "PolicyDocument": {}}},
    }
    assert resources_of({"Fn::GetAtt": ["Named", "Arn"]}, extra=extra) == (f"arn:aws:iam::{ACCOUNT}:role/svc/app",)
    assert resources_of({"Ref": "Named"}, extra=extra) == ("app",)
    assert resources_of({"Fn::GetAtt": ["Generated", "Arn"]}, extra=extra) == (
        f"arn:aws:iam::{ACCOUNT}:role/stack-Generated",
    )
    assert resources_of({"Ref": "Mp"}, extra=extra) == (f"arn:aws:iam::{ACCOUNT}:policy/mp",)


def test_unresolvable_values_become_markers():
    extra = {"Fn": {"Type": "AWS::StepFunctions::StateMachine"}}
    assert resources_of({"Fn::ImportValue": "shared:project-arn"}) == (
        "${mantlekit:unresolved/ImportValue/shared_project-arn}",
    )
    assert resources_of({"Fn::GetAtt": ["Fn", "Arn"]}, extra=extra) == ("${mantlekit:unresolved/GetAtt/Fn.Arn}",)
    assert resources_of({"Ref": "Nowhere"}) == ("${mantlekit:unresolved/Ref/Nowhere}",)
    assert resources_of({"Fn::Select": [0, {"Fn::GetAZs": ""}]}) == ("${mantlekit:unresolved/GetAZs}",)


def test_conditions_decided_from_defaults_pick_a_branch():
    params = {"Stage": {"Type": "String", "Default": "prod"}}
    conds = {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]},
    }
    assert resources_of(
        {"Fn::If": ["IsProd", "arn:aws:s3:::p", "arn:aws:s3:::d"]}, Parameters=params, Conditions=conds
    ) == ("arn:aws:s3:::p",)
    assert resources_of(
        {"Fn::If": ["Both", "arn:aws:s3:::p", "arn:aws:s3:::d"]}, Parameters=params, Conditions=conds
    ) == ("arn:aws:s3:::d",)


def test_novalue_removes_a_list_entry():
    conds = {"Never": {"Fn::Equals": ["a", "b"]}}
    assert resources_of(
        ["arn:aws:s3:::a", {"Fn::If": ["Never", "arn:aws:s3:::b", {"Ref": "AWS::NoValue"}]}], Conditions=conds
    ) == ("arn:aws:s3:::a",)


def test_pseudo_parameters_in_conditions_are_unknown():
    conds = {"East": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}}
    res = {
        "U": {
            "Type": "AWS::IAM::User",
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": "p",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": {
                                "Effect": "Allow",
                                "Action": "s3:*",
                                "Resource": {"Fn::If": ["East", "a", "b"]},
                            },
                        },
                    }
                ]
            },
        }
    }
    inv = read(template(res, Conditions=conds))
    stmts = inv.documents[0].statements
    assert [s.resources for s in stmts] == [("a",), ("b",)]
    assert [s.path[-2:] for s in stmts] == [("Statement", 0), ("Statement", 1)]
    # Both variants point at the one statement of the template.
    statement = ("Resources", "U", "Properties", "Policies", 0, "PolicyDocument", "Statement")
    line = inv.documents[0].source.locate(statement)[0]
    assert line > 1
    assert [s.line for s in stmts] == [line, line]


def key_user(resource: Any, version: str = "2012-10-17", **sections: Any):
    doc = {
        "Version": version,
        "Statement": [
            {"Effect": "Allow", "Action": "bedrock-mantle:CallWithBearerToken", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["bedrock-mantle:ListModels", "bedrock-mantle:CreateInference"],
                "Resource": resource,
            },
        ],
    }
    res = {
        "Key": {
            "Type": "AWS::IAM::User",
            "Properties": {
                "Tags": [{"Key": "mantlekit:api-key", "Value": "long-term"}],
                "Policies": [{"PolicyName": "p", "PolicyDocument": doc}],
            },
        },
        **PROJECT,
    }
    inv = read(template(res, **sections))
    (principal,) = inv.principals
    return principal


def test_an_unresolved_arn_gives_conditional_verdicts_not_findings():
    p = key_user({"Fn::ImportValue": "shared-project-arn"})
    assert p.kind == "long-term-key"
    assert p.projects == ()  # an unknown project cannot be named; the default project is checked
    access = evaluate_principal(p)
    cell = access.capability("list-models", p.project_arns()[0])
    assert cell.verdict is Verdict.CONDITIONAL
    assert cell.checks[0].decision.missing_context == ["mantlekit:unresolved/ImportValue/shared-project-arn"]
    assert access.bearer_token().verdict is Verdict.ALLOWED


def test_an_unresolved_arn_in_a_2008_policy_is_plain_text():
    # Old documents have no policy variables: the engine decides (the marker is then just text).
    p = key_user({"Fn::ImportValue": "shared-project-arn"}, version="2008-10-17")
    cell = evaluate_principal(p).capability("list-models", p.project_arns()[0])
    assert cell.verdict is Verdict.IMPLICIT_DENY


def test_principal_projects_come_from_its_allow_statements():
    p = key_user({"Fn::GetAtt": ["Proj", "Arn"]})
    assert p.projects == (MANTLE_ARN,)
    access = evaluate_principal(p)
    assert access.capability("inference", MANTLE_ARN).verdict is Verdict.ALLOWED
    wildcard = key_user({"Fn::Sub": "arn:aws:bedrock-mantle:eu-west-1:${AWS::AccountId}:project/*"})
    assert wildcard.projects == (f"arn:aws:bedrock-mantle:eu-west-1:{ACCOUNT}:project/default",)


def test_a_pinned_environment_replaces_the_placeholders():
    stack = cfn.StackInfo(name="prod-mantle", account="444455556666", region="eu-central-1")
    res = {
        "Key": {
            "Type": "AWS::IAM::User",
            "Properties": {
                "UserName": "k",
                "Policies": [
                    {
                        "PolicyName": "p",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": {
                                "Effect": "Allow",
                                "Action": "s3:*",
                                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}"},
                            },
                        },
                    }
                ],
            },
        }
    }
    inv = read(template(res), stack)
    (p,) = inv.principals
    assert p.account == "444455556666"
    assert p.arn == "arn:aws:iam::444455556666:user/k"
    assert p.projects == ("arn:aws:bedrock-mantle:eu-central-1:444455556666:project/default",)
    assert inv.documents[0].statements[0].resources == ("arn:aws:s3:::prod-mantle",)


def test_placeholders_are_what_principals_assume():
    # The ARNs a principal with unknown account and region requests are built from the same values.
    from mantlekit.iam.model import PolicySet
    from mantlekit.lint.inventory import Principal

    p = Principal("x", "long-term-key", PolicySet())
    assert p.project_arns() == (f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/default",)
    d = decide(PolicySet(), Request("bedrock-mantle:ListModels", p.project_arns()[0]))
    assert d.verdict is Verdict.IMPLICIT_DENY


def test_conditional_resource_guards_its_documents():
    params = {"WithUser": {"Type": "String"}}  # no default: undecidable
    res = {
        "U": {
            "Type": "AWS::IAM::User",
            "Condition": "Create",
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": "p",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
                        },
                    }
                ]
            },
        }
    }
    inv = read(template(res, Parameters=params, Conditions={"Create": {"Fn::Equals": [{"Ref": "WithUser"}, "yes"]}}))
    (st,) = inv.documents[0].statements
    assert [(c.key, c.values) for c in st.conditions] == [("mantlekit:unresolved/Condition/Create", ("true",))]


def test_a_false_resource_condition_drops_the_resource():
    res = {"U": {"Type": "AWS::IAM::User", "Condition": "Off"}}
    inv = read(template(res, Conditions={"Off": {"Fn::Equals": ["a", "b"]}}))
    assert inv.principals == []
