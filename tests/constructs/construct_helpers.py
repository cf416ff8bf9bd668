"""Helpers for the construct tests (importable because conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from mantlekit.constructs import MantleConfigError

ACCOUNT = "111111111111"
REGION = "eu-west-1"


def new_stack(region: str | None = REGION, account: str | None = ACCOUNT, name: str = "Test") -> cdk.Stack:
    """A stack in a fresh App; ``region=None`` makes it environment-agnostic (region/account are tokens)."""
    app = cdk.App()
    env = cdk.Environment(account=account, region=region) if region else None
    return cdk.Stack(app, name, env=env)


def new_vpc(stack: cdk.Stack, **kwargs) -> ec2.Vpc:
    kwargs.setdefault("max_azs", 2)
    kwargs.setdefault("ip_addresses", ec2.IpAddresses.cidr("10.20.0.0/16"))
    return ec2.Vpc(stack, "Vpc", **kwargs)


def template(stack: cdk.Stack) -> Template:
    return Template.from_stack(stack)


def resources_of(tpl: Template, cfn_type: str) -> dict:
    return tpl.find_resources(cfn_type)


def only(tpl: Template, cfn_type: str) -> dict:
    found = tpl.find_resources(cfn_type)
    assert len(found) == 1, f"expected one {cfn_type}, found {sorted(found)}"
    return next(iter(found.values()))


def policy_statements(tpl: Template, logical_id_prefix: str) -> list[dict]:
    """Statements of the one AWS::IAM::Policy whose logical id starts with ``logical_id_prefix``."""
    found = {k: v for k, v in tpl.find_resources("AWS::IAM::Policy").items() if k.startswith(logical_id_prefix)}
    assert len(found) == 1, f"expected one policy {logical_id_prefix}*, found {sorted(found)}"
    return next(iter(found.values()))["Properties"]["PolicyDocument"]["Statement"]


def acknowledgements(scope, prefix: str = "AwsSolutions::") -> dict[str, dict[str, str]]:
    """{construct path: {acknowledged id: reason}} for ``scope`` and everything below it, for ids starting
    with ``prefix`` (default: cdk-nag's AwsSolutions pack; CDK acknowledges some rules of its own)."""
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    out: dict[str, dict[str, str]] = {}
    for node in scope.node.find_all():
        for entry in node.node.metadata:
            if entry.type == key:
                mine = {k: v for k, v in entry.data.items() if k.startswith(prefix)}
                if mine:
                    out.setdefault(node.node.path, {}).update(mine)
    return out


@contextlib.contextmanager
def raises_config_error(code: str, at: str | None = None) -> Iterator[pytest.ExceptionInfo[MantleConfigError]]:
    """Expect a MantleConfigError with stable ``code`` (and construct path ``at``, when given): tests match
    codes, not wording, so a clearer message does not break them."""
    with pytest.raises(MantleConfigError) as err:
        yield err
    assert err.value.code == code, str(err.value)
    if at is not None:
        assert err.value.construct_path == at
