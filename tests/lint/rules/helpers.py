"""Small builders for rule tests: a policy from dicts, a principal from policies, findings of one rule."""

from __future__ import annotations

import json
from pathlib import Path

from mantlekit.iam.managed import managed_policy_text
from mantlekit.iam.model import IDENTITY, Policy, PolicySet
from mantlekit.iam.parse import load_policy
from mantlekit.lint.config import Config
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import Inventory, Principal
from mantlekit.lint.runner import lint_inventory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ACCOUNT, REGION = "111122223333", "us-east-1"
PROJECT = f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/proj_abc123"
OTHER_PROJECT = f"arn:aws:bedrock-mantle:{REGION}:{ACCOUNT}:project/proj_other9"


def policy(*statements: dict, version: str | None = "2012-10-17", kind: str = IDENTITY, name: str = "p.json") -> Policy:
    doc: dict = {"Statement": list(statements)}
    if version:
        doc = {"Version": version, **doc}
    return load_policy(json.dumps(doc, indent=2), name, kind)


def managed(name: str, kind: str = IDENTITY) -> Policy:
    found = managed_policy_text(name)
    assert found is not None, name
    return load_policy(found[1], found[0], kind)


def v1() -> Policy:
    return load_policy((FIXTURES / "AmazonBedrockLimitedAccess-v1.json").read_text(), "keys/v1.json")


def principal(*identity: Policy, kind: str = "long-term-key", **kw) -> Principal:
    sets = {k: kw.pop(k) for k in ("boundary", "scps", "endpoint") if k in kw}
    kw.setdefault("account", ACCOUNT)
    kw.setdefault("region", REGION)
    kw.setdefault("projects", ("proj_abc123",))
    return Principal("bot", kind, PolicySet(list(identity), **sets), file="cfg.toml", line=3, **kw)


def findings(
    rule: str,
    *,
    docs: tuple[Policy, ...] = (),
    principals: tuple[Principal, ...] = (),
    select: tuple[str, ...] | None = None,
) -> list[Finding]:
    """The findings of ``rule`` when the rules ``select`` run (default: ``rule`` alone). Pass the rules that
    cover it (``Rule.covered_by``) to see what it reports in a default run."""
    config = Config(select=select or (rule,), principals=list(principals))
    result = lint_inventory(Inventory(documents=list(docs)), config)
    return [f for f in result.findings if f.rule == rule]


ALLOW_KEY = {
    "Sid": "Key",
    "Effect": "Allow",
    "Action": "bedrock-mantle:CallWithBearerToken",
    "Resource": "*",
    "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "LONG_TERM"}},
}
ALLOW_USE = {
    "Sid": "Use",
    "Effect": "Allow",
    "Action": ["bedrock-mantle:ListModels", "bedrock-mantle:CreateInference"],
    "Resource": PROJECT,
}
