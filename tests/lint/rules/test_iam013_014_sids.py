"""IAM013 duplicate Sids and IAM014 Sid characters, per policy kind."""

import pytest

from mantlekit.iam.model import BOUNDARY, ENDPOINT, IDENTITY, RESOURCE, SCP
from tests.lint.rules.helpers import findings, policy

READ = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
WRITE = {"Sid": "Read", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}


def test_duplicate_sid_is_an_error_where_iam_rejects_it():
    [f] = findings("IAM013", docs=(policy(READ, WRITE),))
    assert (f.rule, f.severity, f.line, f.column) == ("IAM013", "error", 11, 14)
    assert f.message == (
        "Sid 'Read' is already used by the statement on line 5; IAM rejects a policy whose Sids are not unique"
    )
    # A statement left out for a grammar error (Effect "allow") still counts.
    broken = {**WRITE, "Effect": "allow"}
    assert [g.line for g in findings("IAM013", docs=(policy(READ, broken),))] == [11]
    assert [g.severity for g in findings("IAM013", docs=(policy(READ, WRITE, kind=SCP),))] == ["error"]


def test_duplicate_sid_in_a_resource_policy_is_a_warning():
    doc = policy({**READ, "Principal": "*"}, {**WRITE, "Principal": "*"}, kind=RESOURCE)
    [f] = findings("IAM013", docs=(doc,))
    assert (f.severity, f.line, f.message) == ("warning", 12, "Sid 'Read' is already used by the statement on line 5")


def test_distinct_and_empty_sids_pass():
    assert findings("IAM013", docs=(policy(READ, {**WRITE, "Sid": "Write"}, {**WRITE, "Sid": ""}),)) == []


@pytest.mark.parametrize("kind", [IDENTITY, BOUNDARY, SCP])
def test_sid_characters_rejected_by_iam_and_organizations(kind):
    [f] = findings("IAM014", docs=(policy({**READ, "Sid": "Allow-Mantle_1"}, kind=kind),))
    assert (f.rule, f.severity, f.line, f.column) == ("IAM014", "error", 5, 14)
    assert f.message == (
        "Sid 'Allow-Mantle_1' has characters IAM refuses ('-_'); a Sid is letters A-Z, a-z and digits only"
    )
    assert f.fix == 'rename it "AllowMantle1"'


@pytest.mark.parametrize("kind", [RESOURCE, ENDPOINT])
def test_sid_characters_of_resource_policies_are_not_judged(kind):
    # S3 bucket and KMS key policies accept spaces ("Enable IAM User Permissions" is KMS's default).
    doc = policy({**READ, "Sid": "Enable IAM User Permissions", "Principal": "*"}, kind=kind)
    assert findings("IAM014", docs=(doc,)) == []


def test_alphanumeric_sids_pass():
    assert findings("IAM014", docs=(policy({**READ, "Sid": "AllowMantle2026"}, {**WRITE, "Sid": ""}),)) == []
