"""mantle-lint over a cloud assembly built from mantlekit's own constructs: a long-term key user whose
permissions boundary is the key guardrail. The guardrail denies long-term keys, so the user's key cannot
work: MNT001, reported with the construct path of the user and the template line of its resource."""

from __future__ import annotations

import json

import pytest

from mantlekit.lint.readers import read_paths
from mantlekit.lint.runner import Config, lint_inventory


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from mantlekit import constructs as mk

    out = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, "Keys", env=cdk.Environment(account="111122223333", region="us-east-1"))
    project = mk.MantleProject(stack, "Search", name="search")
    tool = mk.MantleApiKeyUser(stack, "Tool", projects=[project])
    guard = mk.MantleKeyGuardrails(stack, "Guard", deny_bearer_tokens=mk.TokenType.LONG_TERM, permissions_boundary=True)
    iam.PermissionsBoundary.of(tool.user).apply(guard.boundary)
    app.synth()
    inv = read_paths([str(out)])
    return out, inv, lint_inventory(inv, Config())


def test_key_user_blocked_by_its_guardrail_is_reported_with_construct_path(result):
    out, inv, res = result
    assert inv.errors == [] and res.errors == []
    [key] = [p for p in inv.principals if p.is_key]
    assert (key.kind, key.construct_path) == ("long-term-key", "Keys/Tool/User/Resource")
    [f] = [f for f in res.findings if f.rule == "MNT001"]
    assert f.details["construct_path"] == "Keys/Tool/User/Resource"
    assert f.details["verdict"] == "explicit-deny"
    template = (out / "Keys.template.json").read_text()
    logical_id = key.label
    assert logical_id in json.loads(template)["Resources"]
    assert f.file.endswith("Keys.template.json")
    assert template.splitlines()[f.line - 1].strip().startswith(f'"{logical_id}"')
    # The project-scoped inference grant itself works: only the bearer token is blocked.
    assert {x.rule for x in res.findings if x.principal == key.name} == {"MNT001"}
