"""IAM009: condition keys that no request carries."""

import pytest

from mantlekit.catalog import get_catalog
from tests.lint.rules.helpers import findings, policy


def allow(action, condition):
    return policy({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition})


def one(action, condition):
    [f] = findings("IAM009", docs=(allow(action, condition),))
    return f


def test_misspelt_service_key_is_an_error_with_the_nearest_key():
    f = one("bedrock-mantle:CreateInference", {"StringEquals": {"bedrock-mantle:Modle": "openai.gpt-oss-120b"}})
    date = get_catalog().date
    assert (f.rule, f.severity, f.line, f.column) == ("IAM009", "error", 10, 35)
    assert f.message == (
        f"bedrock-mantle has no condition key bedrock-mantle:Modle in the catalog of {date}; "
        "no request carries it, so StringEquals on it is always false"
    )
    assert (f.fix, f.details["suggestion"]) == ('did you mean "bedrock-mantle:Model"?', "bedrock-mantle:Model")


def test_misspelt_global_key_and_tag_family():
    f = one("s3:GetObject", {"IpAddress": {"aws:SoruceIp": "203.0.113.0/24"}})
    assert (f.severity, f.line, f.column) == ("error", 10, 27)
    assert f.message == (
        "aws:SoruceIp is not an AWS global condition key (list of 2026-11); "
        "no request carries it, so IpAddress on it is always false"
    )
    assert f.fix == 'did you mean "aws:SourceIp"?'
    # A negated operator on an absent key is true: the statement applies to every request.
    tag = one("s3:GetObject", {"StringNotEquals": {"aws:ResourceTags/team": "ml"}})
    assert tag.message.endswith("so StringNotEquals on it is always true")
    assert tag.details["suggestion"] == "aws:ResourceTag/team"  # the family keeps the tag key


def test_key_far_from_every_key_is_a_warning_that_names_the_catalog():
    f = one("s3:GetObject", {"StringEquals": {"s3:Tumbleweed": "x"}})
    date = get_catalog().date
    assert (f.severity, f.line, f.column) == ("warning", 10, 28)
    assert f.message == (
        f"s3 has no condition key s3:Tumbleweed in the catalog of {date}: unless the key is newer than that, "
        "no request carries it and StringEquals on it is always false"
    )
    assert f.fix == "If the key is newer than the catalog, run `mantle-lint catalog update`."


def test_key_without_service_prefix():
    f = one("s3:GetObject", {"StringEquals": {"SourceIp": "x"}})
    assert (f.severity, f.message, f.fix) == (
        "error",
        "'SourceIp' is not a condition key (a key is service:name); no request carries it, so StringEquals "
        "on it is always false",
        'did you mean "aws:SourceIp"?',
    )


@pytest.mark.parametrize(
    "key",
    [
        "AWS:sourceip",  # keys are case-insensitive
        "aws:PrincipalTag/team",
        "aws:RequestTag/a/b:c",
        "aws:SourceOwner",  # SNS default topic policies
        "ec2:ResourceTag/kubernetes.io/cluster/x",  # ${TagKey} template, any suffix
        "s3:ExistingObjectTag/classification",  # <key> template
        "secretsmanager:ResourceTag/aws:secretsmanager:owningService",  # "tag-key" template in the data
        "bedrock-mantle:bearerTokenType",  # the Bedrock docs' spelling of BearerTokenType
        "ec2:SourceInstanceArn",  # a cross-service key of the global-keys page
        "token.actions.githubusercontent.com:sub",  # an identity provider's key: not this rule's business
        "saml:aud",
        "nosuchservice:Key",
    ],
)
def test_real_keys_and_keys_of_unknown_services_pass(key):
    assert findings("IAM009", docs=(allow("s3:GetObject", {"StringEquals": {key: "x"}}),)) == []


def test_key_listed_only_under_the_service_that_uses_it():
    # The catalog lists ec2:osuser under ec2-instance-connect, not under ec2.
    ok = allow("ec2-instance-connect:SendSSHPublicKey", {"StringEquals": {"ec2:osuser": "ec2-user"}})
    assert findings("IAM009", docs=(ok,)) == []
