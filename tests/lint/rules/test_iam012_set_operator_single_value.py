"""IAM012: set qualifiers on single-valued keys."""

from tests.lint.rules.helpers import findings, policy


def stmt(condition, effect="Allow", action="s3:GetObject"):
    return {"Effect": effect, "Action": action, "Resource": "*", "Condition": condition}


def test_for_all_values_on_a_single_valued_global_key():
    doc = policy(stmt({"ForAllValues:StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))
    [f] = findings("IAM012", docs=(doc,))
    assert (f.rule, f.severity, f.line, f.column) == ("IAM012", "warning", 10, 29)
    assert f.message == (
        "ForAllValues on single-valued key aws:SourceVpce: ForAllValues is true when the key is absent: the "
        "condition also matches requests without the key, so the Allow grants more than it appears to"
    )
    assert f.fix == "use StringEquals without ForAllValues"


def test_for_any_value_negated_and_service_key():
    deny = policy(stmt({"ForAnyValue:StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, effect="Deny"))
    [f] = findings("IAM012", docs=(deny,))
    assert f.message == (
        "ForAnyValue on single-valued key aws:SourceVpce: with a negated operator ForAnyValue is false when "
        "the key is absent, unlike the plain operator"
    )
    model = policy(stmt({"ForAnyValue:StringEquals": {"bedrock-mantle:Model": "x"}}, action="bedrock-mantle:*"))
    [g] = findings("IAM012", docs=(model,))  # catalog type String: single-valued
    assert (g.line, g.column, g.fix) == (10, 35, "use StringEquals without ForAnyValue")
    # ForAnyValue with a positive operator means what the plain operator means: a note, not a warning.
    assert (f.severity, g.severity) == ("warning", "info")


def test_multivalued_and_unknown_keys_pass():
    doc = policy(
        stmt(
            {
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": "team",
                    "aws:CalledVia": "athena.amazonaws.com",
                    "bedrock-mantle:Files": "file-1",  # ArrayOfString in the catalog
                    "aws:CalledViaAWSMCP": "x",  # value type not stated by AWS: no verdict
                    "s3:NoSuchKey": "x",  # unknown: IAM009's business
                },
                "StringEquals": {"aws:SourceVpce": "vpce-1"},
            },
            action="bedrock-mantle:CreateFineTuningJob",
        )
    )
    assert findings("IAM012", docs=(doc,)) == []
