"""mantlekit.iam.arn: the one split of an ARN."""

from __future__ import annotations

import pytest

from mantlekit.iam.arn import Arn, account_of, arn_fields, is_account_id, is_wild, parse_arn, service_of


def test_parse_keeps_colons_of_the_resource() -> None:
    assert parse_arn("arn:aws:logs:us-east-1:123456789012:log-group:/x:*") == Arn(
        "aws", "logs", "us-east-1", "123456789012", "log-group:/x:*"
    )


@pytest.mark.parametrize("text", ["*", "arn:aws:s3::", "foo:aws:iam::123456789012:root", ""])
def test_parse_refuses_what_is_no_arn(text: str) -> None:
    assert parse_arn(text) is None


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("arn:aws:iam::123456789012:root", "123456789012"),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),
        ("arn:aws:s3:::bucket", None),
        ("arn:aws:iam::12345:root", None),
        ("arn:aws:iam::*:root", None),
        ("123456789012", None),
    ],
)
def test_account_of(text: str, account: str | None) -> None:
    assert account_of(text) == account


@pytest.mark.parametrize(("part", "wild"), [("*", True), ("us-?", True), ("${aws:username}", True), ("x", False)])
def test_is_wild(part: str, wild: bool) -> None:
    assert is_wild(part) is wild


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (
            "arn:aws:logs:us-east-1:123456789012:log-group:/x:*",
            ["arn", "aws", "logs", "us-east-1", "123456789012", "log-group:/x:*"],
        ),
        ("arn:aws:bedrock:*", ["arn", "aws", "bedrock", "*"]),
        ("arn:", ["arn", ""]),
        ("foo:aws:iam::123456789012:root", None),
        ("*", None),
    ],
)
def test_arn_fields_keeps_a_short_pattern(text: str, fields: list[str] | None) -> None:
    assert arn_fields(text) == fields


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("arn:aws:bedrock-mantle:us-east-1:123456789012:project/default", "bedrock-mantle"),
        ("arn:aws:bedrock-mantle:*", "bedrock-mantle"),
        ("arn:aws:", ""),
        ("arn:aws*", None),
        ("x:aws:bedrock-mantle:us-east-1:123456789012:project/default", None),
    ],
)
def test_service_of(text: str, service: str | None) -> None:
    assert service_of(text) == service


@pytest.mark.parametrize(
    ("part", "is_id"),
    [
        ("123456789012", True),
        ("12345678901", False),
        ("1234567890123", False),
        ("123456789012\n", False),
        ("١٢٣٤٥٦٧٨٩٠١٢", False),
        ("aws", False),
        ("", False),
    ],
)
def test_is_account_id(part: str, is_id: bool) -> None:
    assert is_account_id(part) is is_id
