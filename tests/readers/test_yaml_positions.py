"""YAML with CloudFormation short forms, and the positions that let findings in YAML point at real lines."""

from __future__ import annotations

import textwrap

import pytest

from mantlekit.lint.findings import InputError
from mantlekit.lint.readers import read_paths, yamlish


def load(text: str):
    return yamlish.load(textwrap.dedent(text), "t.yaml")


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("!Ref Team", {"Ref": "Team"}),
        ('!Sub "arn:${AWS::Partition}:s3:::x"', {"Fn::Sub": "arn:${AWS::Partition}:s3:::x"}),
        ("!GetAtt Project.Arn", {"Fn::GetAtt": ["Project", "Arn"]}),
        ("!GetAtt [Project, Arn]", {"Fn::GetAtt": ["Project", "Arn"]}),
        ('!Join [":", [a, b]]', {"Fn::Join": [":", ["a", "b"]]}),
        ("!If [IsProd, a, b]", {"Fn::If": ["IsProd", "a", "b"]}),
        ("!Select [0, [a, b]]", {"Fn::Select": [0, ["a", "b"]]}),
        ('!Split [",", "a,b"]', {"Fn::Split": [",", "a,b"]}),
        ("!ImportValue shared-arn", {"Fn::ImportValue": "shared-arn"}),
        ("!FindInMap [M, k1, k2]", {"Fn::FindInMap": ["M", "k1", "k2"]}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ('!Cidr ["10.0.0.0/16", 4, 8]', {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!Not [!Condition IsProd]", {"Fn::Not": [{"Condition": "IsProd"}]}),
        ("!Equals [!Ref Team, search]", {"Fn::Equals": [{"Ref": "Team"}, "search"]}),
        ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
    ],
)
def test_short_forms_become_long_forms(short, long):
    assert load(f"v: {short}\n")["v"] == long


def test_sub_with_variables_map_and_nested_short_forms():
    data = load(
        """
        v: !Sub
          - "arn:aws:bedrock-mantle:${AWS::Region}:${AWS::AccountId}:project/${Id}"
          - Id: !GetAtt Project.Id
        """
    )
    assert data["v"] == {
        "Fn::Sub": [
            "arn:aws:bedrock-mantle:${AWS::Region}:${AWS::AccountId}:project/${Id}",
            {"Id": {"Fn::GetAtt": ["Project", "Id"]}},
        ]
    }


def test_versions_and_account_ids_are_not_converted():
    data = load(
        """
        Version: 2012-10-17
        Mappings:
          Accounts:
            111122223333: {Name: prod}
        """
    )
    assert data["Version"] == "2012-10-17"
    assert list(data["Mappings"]["Accounts"]) == ["111122223333"]


def test_positions_of_keys_values_and_list_items():
    data = load(
        """\
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              Policies:
                - PolicyName: p
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [a:b, c:d]
                        Resource: !GetAtt Project.Arn
        """
    )
    loc = yamlish.locator_of(data)
    assert loc is not None
    assert loc(("Resources", "Role")) == (2, 3)  # a block mapping is placed on its key's line
    assert loc(("Resources", "Role", "Type")) == (3, 11)
    stmt = ("Resources", "Role", "Properties", "Policies", 0, "PolicyDocument", "Statement", 0)
    assert loc(stmt) == (9, 17)
    assert loc((*stmt, "Action", 1)) == (10, 31)
    assert loc((*stmt, "Resource", "Fn::GetAtt")) == (11, 27)
    # Paths that do not exist fall back to the nearest enclosing value.
    assert loc((*stmt, "Condition", "StringEquals")) == (9, 17)


def test_an_alias_is_placed_where_it_is_used():
    data = load(
        """\
        base: &stmt
          Effect: Allow
        copy: *stmt
        """
    )
    assert data["copy"] == {"Effect": "Allow"}
    assert data.locator(("copy",)) == (3, 1)


def test_invalid_yaml_names_file_line_and_column():
    with pytest.raises(InputError) as e:
        yamlish.load("a: [1, 2\nb: 3\n", "bad.yaml")
    assert e.value.file == "bad.yaml"
    assert e.value.line == 2
    assert "not valid YAML" in e.value.message


def test_a_loose_yaml_policy_gets_real_lines(tmp_path):
    f = tmp_path / "policy.yaml"
    f.write_text(
        "Version: '2012-10-17'\n"
        "Statement:\n"
        "  - Sid: First\n"
        "    Effect: Allow\n"
        "    Action: bedrock-mantle:ListModels\n"
        "    Resource: '*'\n"
        "  - Sid: Second\n"
        "    Effect: Deny\n"
        "    Action: bedrock-mantle:CreateProject\n"
        "    Resource: '*'\n"
    )
    inv = read_paths([str(f)])
    assert [s.line for s in inv.documents[0].statements] == [3, 7]
