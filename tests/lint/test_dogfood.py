"""The reference policies in policies/ and their principals in pyproject.toml lint clean, and the key
guardrail SCP there really blocks long-term keys (so 'clean' is not an accident)."""

from pathlib import Path

from mantlekit.iam.model import PolicySet
from mantlekit.iam.parse import load_policy
from mantlekit.lint.config import load_config
from mantlekit.lint.inventory import Inventory, Principal
from mantlekit.lint.runner import lint_inventory, lint_paths

ROOT = Path(__file__).resolve().parents[2]


def test_policies_dir_is_clean_with_its_principals():
    config = load_config(str(ROOT / "pyproject.toml"))
    assert config.errors == []
    assert len(config.principals) == 5
    result = lint_paths([str(ROOT / "policies")], config)
    assert result.errors == []
    assert result.findings == []
    # every JSON file there is a policy document and was read as one
    assert len(result.inventory.documents) == len(list((ROOT / "policies").glob("*.json"))) >= 7


def test_guardrail_scp_blocks_long_term_keys_only():
    scp = load_policy((ROOT / "policies" / "mantle-key-guardrail-scp.json").read_text(), "scp.json", "scp")
    allow_all = load_policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
        "full.json",
        "scp",
    )
    key = load_policy((ROOT / "policies" / "mantle-long-term-key.json").read_text(), "key.json")
    short = load_policy((ROOT / "policies" / "mantle-short-term-key.json").read_text(), "short.json")

    def rules(kind, policy):
        p = Principal(
            "k",
            kind,
            PolicySet([policy], scps=[[allow_all, scp]]),
            account="111122223333",
            region="us-east-1",
            projects=("proj_abc123",),
        )
        return sorted({f.rule for f in lint_inventory(Inventory(), _config(p)).findings})

    assert rules("long-term-key", key) == ["MNT001"]
    assert rules("short-term-key", short) == []


def _config(p):
    from mantlekit.lint.config import Config

    return Config(principals=[p])
