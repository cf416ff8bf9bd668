"""What the Bedrock AWS managed policies allow on the Mantle endpoint (bedrock-mantle:*).

The five current policies come from the copies bundled in mantlekit (``mantlekit.iam.managed``);
AmazonBedrockLimitedAccess v1 (before 2025-12-05, no bedrock-mantle statement) from tests/fixtures. Nothing
here needs the shared corpus; when it sits beside the clone, the bundled copies are checked against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mantlekit.iam.evaluate import Request, Verdict, decide
from mantlekit.iam.managed import managed_policy_text
from mantlekit.iam.match import Context
from mantlekit.iam.model import Gate, PolicySet
from mantlekit.iam.parse import load_policy

REPO = Path(__file__).resolve().parents[2]
V1_FIXTURE = REPO / "tests" / "fixtures" / "AmazonBedrockLimitedAccess-v1.json"
SHARED = REPO / ".." / "shared"

PROJ = "arn:aws:bedrock-mantle:us-east-1:111122223333:project/proj_abc123"
A = Verdict.ALLOWED
D = Verdict.IMPLICIT_DENY

BEARER = "bedrock-mantle:CallWithBearerToken"
# (request id, action, resource, bearer token type)
REQUESTS = {
    "bearer-long-term": (BEARER, "*", "LONG_TERM"),
    "bearer-short-term": (BEARER, "*", "SHORT_TERM"),
    "list-models": ("bedrock-mantle:ListModels", PROJ, None),
    "create-inference": ("bedrock-mantle:CreateInference", PROJ, None),
    "create-project": ("bedrock-mantle:CreateProject", PROJ, None),
}

# policy -> request id -> (verdict, deciding Sid)
EXPECTED: dict[str, dict[str, tuple[Verdict, str | None]]] = {
    "AmazonBedrockMantleFullAccess": {
        "bearer-long-term": (A, "BedrockMantleAll"),
        "bearer-short-term": (A, "BedrockMantleAll"),
        "list-models": (A, "BedrockMantleAll"),
        "create-inference": (A, "BedrockMantleAll"),
        "create-project": (A, "BedrockMantleAll"),
    },
    "AmazonBedrockMantleInferenceAccess": {
        "bearer-long-term": (A, "BedrockMantleCallWithBearerToken"),
        "bearer-short-term": (A, "BedrockMantleCallWithBearerToken"),
        "list-models": (A, "BedrockMantleInference"),
        "create-inference": (A, "BedrockMantleInference"),
        "create-project": (D, None),
    },
    "AmazonBedrockMantleReadOnly": {
        "bearer-long-term": (A, "BedrockMantleCallWithBearerToken"),
        "bearer-short-term": (A, "BedrockMantleCallWithBearerToken"),
        "list-models": (A, "BedrockMantleReadOnly"),
        "create-inference": (D, None),
        "create-project": (D, None),
    },
    "AmazonBedrockLimitedAccess": {
        "bearer-long-term": (A, "BedrockMantleAPIs"),
        "bearer-short-term": (A, "BedrockMantleAPIs"),
        "list-models": (A, "BedrockMantleAPIs"),
        "create-inference": (A, "BedrockMantleAPIs"),
        "create-project": (D, None),
    },
    "AmazonBedrockFullAccess": {
        "bearer-long-term": (A, "BedrockMantleAll"),
        "bearer-short-term": (A, "BedrockMantleAll"),
        "list-models": (A, "BedrockMantleAll"),
        "create-inference": (A, "BedrockMantleAll"),
        "create-project": (A, "BedrockMantleAll"),
    },
    # v1 predates Mantle: its bedrock:* statements cover nothing under the bedrock-mantle prefix.
    "AmazonBedrockLimitedAccess-v1": {rid: (D, None) for rid in REQUESTS},
}


def _text(name: str) -> tuple[str, str]:
    if name.endswith("-v1"):
        return f"fixture:{V1_FIXTURE.name}", V1_FIXTURE.read_text(encoding="utf-8")
    found = managed_policy_text(name)
    assert found is not None, f"{name} is not bundled"
    return found


CASES = [(policy, rid) for policy, rows in EXPECTED.items() for rid in rows]


@pytest.mark.parametrize(("policy", "rid"), CASES, ids=[f"{p}/{r}" for p, r in CASES])
@pytest.mark.parametrize("closed", [False, True], ids=["open-context", "closed-context"])
def test_managed_policy_on_mantle(policy, rid, closed):
    label, text = _text(policy)
    pol = load_policy(text, label)
    assert [p.code for p in pol.problems] == []
    action, resource, token_type = REQUESTS[rid]
    ctx = {"bedrock-mantle:BearerTokenType": token_type} if token_type else {}
    d = decide(PolicySet(identity=[pol]), Request(action, resource, Context(ctx, closed=closed)))
    verdict, sid = EXPECTED[policy][rid]
    assert d.verdict is verdict, d.notes
    assert [s.sid for s in d.deciding] == ([sid] if sid else [])
    assert d.missing_context == []
    if verdict is D:
        assert d.failed_gate is Gate.IDENTITY
        assert d.suggested_statement == {"Effect": "Allow", "Action": action, "Resource": resource}
    else:
        assert d.deciding[0].file == label


def test_v1_fixture_is_the_pre_mantle_version():
    doc = json.loads(V1_FIXTURE.read_text(encoding="utf-8"))
    assert "bedrock-mantle" not in json.dumps(doc)
    assert "bedrock:CallWithBearerToken" in json.dumps(doc)


@pytest.mark.skipif(not (SHARED / "corpus" / "aws-managed").is_dir(), reason="shared corpus not beside the clone")
@pytest.mark.parametrize("policy", [p for p in EXPECTED if not p.endswith("-v1")])
def test_bundled_copy_matches_shared_corpus(policy):
    shared = json.loads((SHARED / "corpus" / "aws-managed" / f"{policy}.json").read_text(encoding="utf-8"))
    assert json.loads(_text(policy)[1]) == shared


@pytest.mark.skipif(not (SHARED / "reference").is_dir(), reason="shared reference not beside the clone")
def test_v1_fixture_matches_shared_reference():
    ref = SHARED / "reference" / "AmazonBedrockLimitedAccess-v1.json"
    assert json.loads(V1_FIXTURE.read_text(encoding="utf-8")) == json.loads(ref.read_text(encoding="utf-8"))


# Subscribing to a third-party model when Mantle calls AWS Marketplace on the caller's behalf:
# policy -> (Sid that allows it via bedrock-mantle, Sid that may allow it when aws:CalledViaLast is unknown)
BEDROCK_3P = "MarketplaceOperationsFromBedrockFor3pModels"
MANTLE_3P = "MarketplaceOperationsFromBedrockMantleFor3pModels"
MARKETPLACE = {
    "AmazonBedrockMantleFullAccess": (MANTLE_3P, MANTLE_3P),
    "AmazonBedrockMantleInferenceAccess": (MANTLE_3P, MANTLE_3P),
    "AmazonBedrockMantleReadOnly": (None, None),
    "AmazonBedrockLimitedAccess": (BEDROCK_3P, BEDROCK_3P),
    # v11 and v1 allow the subscription only when called via bedrock.amazonaws.com, not via bedrock-mantle.
    "AmazonBedrockFullAccess": (None, BEDROCK_3P),
    "AmazonBedrockLimitedAccess-v1": (None, BEDROCK_3P),
}


@pytest.mark.parametrize("policy", list(MARKETPLACE))
def test_marketplace_subscription_called_via_mantle(policy):
    label, text = _text(policy)
    pol = PolicySet(identity=[load_policy(text, label)])
    via_mantle_sid, maybe_sid = MARKETPLACE[policy]

    def ask(ctx: dict, closed: bool = True):
        d = decide(pol, Request("aws-marketplace:Subscribe", "*", Context(ctx, closed=closed)))
        return d.verdict, [s.sid for s in d.deciding], d.missing_context

    assert ask({"aws:CalledViaLast": "bedrock-mantle.amazonaws.com"}) == (
        (A, [via_mantle_sid], []) if via_mantle_sid else (D, [], [])
    )
    assert ask({}) == (D, [], [])
    assert ask({}, closed=False) == (
        (Verdict.CONDITIONAL, [maybe_sid], ["aws:CalledViaLast"]) if maybe_sid else (D, [], [])
    )
