"""Bundled AWS managed policies: offline resolution of ``arn:aws:iam::aws:policy/...``."""

from __future__ import annotations

import json

import pytest

from mantlekit import facts
from mantlekit.iam.managed import (
    DATA_DIR,
    is_aws_managed_arn,
    managed_policy_arn,
    managed_policy_names,
    managed_policy_text,
    managed_policy_version,
)


def test_console_key_policy_resolves_to_v9_with_mantle_statement():
    label, text = managed_policy_text(facts.managed_policy_arn(facts.CONSOLE_KEY_POLICY))
    assert label == "aws-managed:AmazonBedrockLimitedAccess (v9)"
    assert "bedrock-mantle:CallWithBearerToken" in text
    doc = json.loads(text)
    assert set(doc) >= {"Version", "Statement"}
    assert managed_policy_version("AmazonBedrockLimitedAccess") == "v9"


@pytest.mark.parametrize(
    "ref",
    [
        "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess",
        "arn:aws-us-gov:iam::aws:policy/AmazonBedrockLimitedAccess",
        "arn:aws-cn:iam::aws:policy/AmazonBedrockLimitedAccess",
        "AmazonBedrockLimitedAccess",
        " amazonbedrocklimitedaccess ",
    ],
)
def test_reference_forms(ref):
    assert managed_policy_text(ref)[0] == "aws-managed:AmazonBedrockLimitedAccess (v9)"


def test_paths():
    label, text = managed_policy_text("arn:aws:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs")
    assert label.startswith("aws-managed:AWSAppSyncPushToCloudWatchLogs (v")
    assert json.loads(text)["Statement"]
    assert managed_policy_text("arn:aws:iam::aws:policy/aws-service-role/APIGatewayServiceRolePolicy")
    assert managed_policy_arn("AWSAppSyncPushToCloudWatchLogs") == (
        "arn:aws:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs"
    )


def test_all_mantle_policies_are_bundled():
    for name in facts.MANAGED_POLICIES:
        label, text = managed_policy_text(name)
        assert label.startswith(f"aws-managed:{name} (v")
        assert "bedrock-mantle:" in text
    assert managed_policy_version("AmazonBedrockFullAccess") == "v11"
    assert managed_policy_version("AmazonBedrockMantleReadOnly") == "v3"


def test_unknown_and_invalid():
    assert managed_policy_text("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere") is None
    assert managed_policy_text("arn:aws:iam::123456789012:policy/AdministratorAccess") is None
    assert managed_policy_text("../../etc/passwd") is None
    assert managed_policy_text("") is None
    assert managed_policy_version("NoSuchPolicyAnywhere") is None


def test_unknown_version_has_no_version_in_label():
    label, _ = managed_policy_text("PowerUserAccess")
    assert label == "aws-managed:PowerUserAccess"
    assert managed_policy_version("PowerUserAccess") is None


def test_names_match_files():
    names = managed_policy_names()
    assert len(names) == 1645 and list(names) == sorted(names)
    assert {p.stem for p in DATA_DIR.glob("*.json")} == set(names)
    assert "AmazonBedrockMantleInferenceAccess" in names


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", True),
        ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", True),
        ("arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", True),
        ("arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess", True),
        ("arn:aws-iso-b:iam::aws:policy/AmazonS3ReadOnlyAccess", True),
        ("arn:aws:iam::123456789012:policy/Mine", False),
        ("arn:aws:iam::aws:role/Foo", False),
        ("arn:aws:iam::aws:policy/", False),
        ("AmazonS3ReadOnlyAccess", False),
        ("", False),
    ],
)
def test_is_aws_managed_arn(s, expected):
    assert is_aws_managed_arn(s) is expected
