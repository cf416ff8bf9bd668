"""A decision as JSON: one serialisation for ``mantle-lint access --format json`` and for finding details."""

from __future__ import annotations

import json

from mantlekit.iam.evaluate import Request, decide
from mantlekit.iam.match import Context
from mantlekit.iam.model import IDENTITY, PolicySet
from mantlekit.iam.parse import load_policy

PROJECT = "arn:aws:bedrock-mantle:us-east-1:111122223333:project/proj_abc123"


def _policy(condition: dict | None = None):
    st = {"Effect": "Allow", "Action": "bedrock-mantle:ListModels", "Resource": "*"}
    if condition:
        st["Condition"] = condition
    return load_policy(json.dumps({"Version": "2012-10-17", "Statement": [st]}), "p.json", IDENTITY)


def test_full_and_brief_json_of_an_implicit_deny():
    d = decide(PolicySet(), Request("bedrock-mantle:GetModel", PROJECT))
    suggested = {"Effect": "Allow", "Action": "bedrock-mantle:GetModel", "Resource": PROJECT}
    full = d.to_json()
    assert list(full) == [
        "verdict",
        "action",
        "resource",
        "deciding",
        "missing_context",
        "suggested_statement",
        "notes",
    ]
    assert full["missing_context"] == [] and full["suggested_statement"] == suggested
    assert full["notes"] == [f"no statement in the identity-based policies allows bedrock-mantle:GetModel on {PROJECT}"]
    # A finding's message already says why, and an empty list of keys says nothing.
    assert d.to_json(brief=True) == {
        "verdict": "implicit-deny",
        "action": "bedrock-mantle:GetModel",
        "resource": PROJECT,
        "deciding": [],
        "suggested_statement": suggested,
    }


def test_brief_json_keeps_the_missing_context_of_a_conditional():
    pol = _policy({"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    d = decide(PolicySet([pol]), Request("bedrock-mantle:ListModels", PROJECT, Context({})))
    brief = d.to_json(brief=True)
    assert brief["verdict"] == "conditional"
    assert brief["missing_context"] == ["aws:SourceVpc"]
    assert [r["file"] for r in brief["deciding"]] == ["p.json"]
    assert "notes" not in brief
