"""Positions: file, line and column of statements and their elements, and of JSON errors."""

from __future__ import annotations

import json

import pytest

from mantlekit.iam.locate import JsonLocator
from mantlekit.iam.model import ENDPOINT, PolicyError
from mantlekit.iam.parse import load_policy

PRETTY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Inference",
      "Effect": "Allow",
      "Action": [
        "bedrock-mantle:CreateInference",
        "bedrock-mantle:GetInference",
        "bedrock-mantle:CallWithBearerToken"
      ],
      "Resource": "*"
    },
    {
      "Sid": "NoProjects",
      "Effect": "Deny",
      "Action": "bedrock-mantle:CreateProject",
      "Resource": [
        "arn:aws:bedrock-mantle:us-east-1:111122223333:project/*",
        "*"
      ],
      "Condition": {
        "StringEquals": {
          "aws:RequestedRegion": ["us-east-1", "us-west-2"]
        }
      }
    }
  ]
}
"""


def pos(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of needle in text."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


def test_pretty_printed_statements():
    p = load_policy(PRETTY, "policies/mantle.json")
    a, b = p.statements
    assert (a.file, a.line, a.sid) == ("policies/mantle.json", 4, "Inference")
    assert a.location() == (4, 5)
    assert (b.line, b.location()) == (14, (14, 5))
    assert a.ref() == {"file": "policies/mantle.json", "line": 4, "sid": "Inference", "effect": "Allow"}


@pytest.mark.parametrize(
    ("index", "path", "expected"),
    [
        (0, ("Sid",), (5, 14)),
        (0, ("Effect",), (6, 17)),
        (0, ("Action",), (7, 17)),
        (0, ("Action", 0), (8, 9)),
        (0, ("Action", 1), (9, 9)),
        (0, ("Action", 2), (10, 9)),
        (0, ("Resource",), (12, 19)),
        (1, ("Action",), (17, 17)),
        (1, ("Resource", 0), (19, 9)),
        (1, ("Resource", 1), (20, 9)),
        (1, ("Condition",), (22, 20)),
        (1, ("Condition", "StringEquals"), (23, 25)),
        (1, ("Condition", "StringEquals", "aws:RequestedRegion"), (24, 34)),
        (1, ("Condition", "StringEquals", "aws:RequestedRegion", 1), (24, 48)),
    ],
)
def test_pretty_printed_elements(index, path, expected):
    st = load_policy(PRETTY, "p.json").statements[index]
    assert st.location(*path) == expected


def test_pretty_printed_elements_agree_with_the_text():
    st = load_policy(PRETTY, "p.json").statements
    assert st[0].location("Action", 2) == pos(PRETTY, '"bedrock-mantle:CallWithBearerToken"')
    assert st[1].location("Resource", 1) == pos(PRETTY, '"*"', 1)
    assert st[1].location("Condition", "StringEquals", "aws:RequestedRegion", 1) == pos(PRETTY, '"us-west-2"')


def test_unknown_paths_fall_back_to_the_nearest_enclosing_element():
    a, b = load_policy(PRETTY, "p.json").statements
    # Action of the second statement is a single string: index 0 falls back to the string itself.
    assert b.location("Action", 0) == b.location("Action") == (17, 17)
    assert a.location("NotResource") == a.location() == (4, 5)
    assert a.location("Action", 7) == a.location("Action")


def test_single_line_json():
    text = json.dumps(json.loads(PRETTY))
    a, b = load_policy(text, "one-line.json").statements
    assert a.line == b.line == 1
    assert a.location() == pos(text, '{"Sid": "Inference"')
    assert b.location() == pos(text, '{"Sid": "NoProjects"')
    assert a.location("Action", 2) == pos(text, '"bedrock-mantle:CallWithBearerToken"')
    assert b.location("Resource", 1) == (1, text.index('"*"]') + 1)
    assert b.location("Condition", "StringEquals", "aws:RequestedRegion", 0) == pos(text, '"us-east-1"')


def test_single_statement_object_and_odd_whitespace():
    text = (
        '{"Version":"2012-10-17",\r\n\t"Statement":\t{"Sid":"Only","Effect":"Allow",\n'
        '"Action":["s3:GetObject",\n   "s3:PutObject"],"Resource":"*"}}'
    )
    (st,) = load_policy(text, "odd.json").statements
    assert st.location() == (2, 15)
    assert st.location("Action", 1) == (4, 4)
    assert st.location("Resource") == (4, 31)


def test_escaped_keys_and_strings_do_not_confuse_positions():
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "a \\" quote, [and] {braces}: here", '
        '"Effect": "Allow", "\\u0041ction": "s3:GetObject", "Resource": "*"}]}'
    )
    (st,) = load_policy(text, "esc.json").statements
    assert st.sid == 'a " quote, [and] {braces}: here'
    assert st.location("Action") == pos(text, '"s3:GetObject"')
    assert st.location("Resource") == pos(text, '"*"')


def test_skipped_statements_keep_their_index_and_problems_their_place():
    text = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Bad", "Effect": "Allow", "Action": "GetObject", "Resource": "*"},
    {"Sid": "Good", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
  ]
}"""
    p = load_policy(text, "skip.json")
    (good,) = p.statements
    assert (good.sid, good.index, good.line) == ("Good", 1, 5)
    (problem,) = p.problems
    assert problem.code == "action-syntax"
    assert problem.path == ("Statement", 0, "Action", 0)
    assert p.location(*problem.path) == pos(text, '"GetObject"')


def test_endpoint_principal_location():
    text = '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["a", "*"]}, "Action": "*", "Resource": "*"}]}'
    (st,) = load_policy(text, "ep.json", ENDPOINT).statements
    assert st.location("Principal", "AWS", 1) == pos(text, '"*"')


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{\n  "Version": "2012-10-17"\n  "Statement": []\n}', 3, 3, "Expecting ',' delimiter"),
        (
            '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}',
            4,
            24,
            "Expecting property name",
        ),
        ('{"Version": "2012-10-17", "Statement": [}', 1, 41, "Expecting value"),
        ("", 1, 1, "Expecting value"),
        ("   \n\n", 3, 1, "Expecting value"),
        ('{"Version": "2012-10-17"', 1, 25, "Expecting ',' delimiter"),
        ('{"Version": "2012-10-17"}\n{}', 2, 1, "Extra data"),
        ("{'Version': '2012-10-17'}", 1, 2, "Expecting property name"),
        ('{\n\t"Sid": "tab\tinside"}', 2, 13, "Invalid control character"),
    ],
)
def test_broken_json_is_a_policy_error_with_line_and_column(text, line, column, message):
    with pytest.raises(PolicyError) as e:
        load_policy(text, "broken.json")
    assert (e.value.file, e.value.line, e.value.column) == ("broken.json", line, column)
    assert message in e.value.message
    assert str(e.value).startswith(f"broken.json:{line}:{column}: ")


@pytest.mark.parametrize(
    ("text", "what"),
    [("[]", "an array"), ('"policy"', "a string"), ("42", "a number"), ("null", "null"), ("true", "a boolean")],
)
def test_a_document_that_is_not_an_object_is_a_policy_error(text, what):
    with pytest.raises(PolicyError) as e:
        load_policy("\n  " + text, "notobj.json")
    assert (e.value.line, e.value.column) == (2, 3)
    assert e.value.message.endswith(what)


def test_duplicated_key_points_at_the_one_that_counts():
    # json.loads keeps the last of duplicated keys; positions must follow it.
    text = """{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "Old", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
  "Statement": [
    {"Sid": "New", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}
  ]
}"""
    (st,) = load_policy(text, "dup.json").statements
    assert st.sid == "New"
    assert st.location() == pos(text, '{"Sid": "New"')
    assert st.location("Action") == pos(text, '["s3:GetObject"')
    assert st.location("Resource") == pos(text, '"*"', 1)


@pytest.mark.parametrize("odd", [False, True])
def test_a_long_list_of_strings_places_every_element(odd):
    # Lists of strings are indexed from where their quotes are (from their string tokens when one holds
    # an escape); escapes, commas and brackets inside the strings must not shift an element.
    names = [f"s3:Get{i}" for i in range(300)] + ['odd "quoted, [x]" \\ name' if odd else "odd [x], name", "", "last"]
    text = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": names, "Resource": "*"}]})
    text = text.replace(", ", ",\n    ", 40)
    locate = JsonLocator(text)
    action = ("Statement", 0, "Action")
    for i in (0, 1, 150, 299, 300, 301, 302):
        assert locate((*action, i)) == pos(text, json.dumps(names[i])), i
    for beyond in (303, -1, "0", None):
        assert locate((*action, beyond)) == locate(action) == pos(text, '["s3:Get0"')
    assert locate(("Statement", 0, "Resource")) == pos(text, '"*"')


def test_a_list_of_mixed_values_places_every_element():
    text = '{"Statement": [{"Effect": "Allow", "Resource": ["a", {"b": ["c", 1]}, [], 2, "d"]}]}'
    locate = JsonLocator(text)
    resource = ("Statement", 0, "Resource")
    assert locate((*resource, 1)) == pos(text, '{"b"')
    assert locate((*resource, 1, "b", 1)) == pos(text, "1]")
    assert locate((*resource, 2)) == locate((*resource, 2, 0)) == pos(text, "[]")
    assert locate((*resource, 3)) == pos(text, "2,")
    assert locate((*resource, 4)) == pos(text, '"d"')
    assert locate((*resource, "a")) == locate(resource)


def test_a_path_into_the_dropped_copy_of_a_duplicated_key_stops_at_the_kept_one():
    text = (
        '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", '
        '"Condition": {"Bool": {"x": "1"}, "Bool": {"y": "2"}}}]}'
    )
    (st,) = load_policy(text, "dup2.json").statements
    assert st.location("Condition", "Bool", "y") == pos(text, '"2"')
    assert st.location("Condition", "Bool", "x") == pos(text, '{"y"')
