"""Scaffold a rule: its module, its bad and good fixtures, and the snapshot of the report on the bad one.

python scripts/new_rule.py IAM015 wildcard-principal --severity warning [--kind document|principal|resource]

Writes mantlekit/lint/rules/<id>_<name>.py (found by the registry as it is: no list to edit) and
tests/lint/rules/fixtures/<ID>/ (bad and good inputs of the kind's shape, bad.snap). The scaffold finds
nothing yet, so its fixture test fails until the rule does what its bad input shows: then edit the
fixtures, ``MANTLEKIT_UPDATE_SNAPSHOTS=1 pytest tests/lint/rules/test_rule_fixtures.py -k <ID>``, read the
snapshot, add the rule's row to the README's rule table and run ``python scripts/gen_rule_docs.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ID = re.compile(r"(IAM|MNT)\d{3}")
NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
SEVERITIES = ("info", "warning", "error")

_PARAMS = {
    "document": ("policy: Policy", "RULE.at_statement(st, ...) for a statement st of policy.statements"),
    "principal": ("principal: Principal, access: PrincipalAccess", "RULE.at_principal(principal, ...)"),
    "resource": ("resource: TemplateResource", "RULE.at_resource(resource, ...)"),
}
_IMPORTS = {
    "document": "from mantlekit.iam.model import Policy\n",
    "principal": "from mantlekit.lint.access import PrincipalAccess\n",
    "resource": "",
}
_IMPORTS_AFTER = {
    "document": "",
    "principal": "from mantlekit.lint.inventory import Principal\n",
    "resource": "from mantlekit.lint.inventory import TemplateResource\n",
}

MODULE = '''"""{id}: TODO: what the rule finds, in one line."""

from __future__ import annotations

from collections.abc import Iterator

{imports}from mantlekit.lint.findings import Finding
{imports_after}from mantlekit.lint.rules.base import Rule


def _check({params}) -> Iterator[Finding]:
    # TODO: yield {placement} for each problem: what is wrong and what AWS does with it.
    yield from ()


RULE = Rule(
    id="{id}",
    name="{name}",
    severity="{severity}",
    summary="TODO: one sentence, the rule's line in --explain all and the README's table.",
    rationale="TODO: why it matters: what AWS does with such a policy, and why this severity.",
    fix="TODO: what to write instead.",
    references=("https://docs.aws.amazon.com/TODO",),
    tags=("security", "{family}"),
    check_{kind}=_check,
)
'''

_ACCOUNT, _REGION = "111122223333", "us-east-1"


def _policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2) + "\n"


def fixture_files(kind: str) -> dict[str, str]:
    """Relative path -> text of the starting fixtures: the same input twice, for the author to break."""
    project = f"arn:aws:bedrock-mantle:{_REGION}:{_ACCOUNT}:project/default"
    statement = {"Effect": "Allow", "Action": "bedrock-mantle:ListModels", "Resource": project}
    if kind == "document":
        return {"bad.json": _policy(statement), "good.json": _policy(statement)}
    if kind == "principal":
        config = (
            '[[principal]]\nname = "bot"\nkind = "role"\npolicies = ["bot.json"]\n'
            f'account = "{_ACCOUNT}"\nregion = "{_REGION}"\nneeds = ["list-models"]\n'
        )
        return {
            f"{case}/{name}": text
            for case in ("bad", "good")
            for name, text in (("mantle-lint.toml", config), ("bot.json", _policy(statement)))
        }
    manifest = {
        "version": "48.0.0",
        "artifacts": {
            "Stack": {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://{_ACCOUNT}/{_REGION}",
                "properties": {"templateFile": "Stack.template.json", "validateOnSynth": False},
                "displayName": "Stack",
            }
        },
    }
    template = {"Resources": {"Project": {"Type": "AWS::BedrockMantle::Project", "Properties": {"Name": "chat"}}}}
    out = {}
    for case in ("bad", "good"):
        out[f"{case}/manifest.json"] = json.dumps(manifest, indent=2) + "\n"
        out[f"{case}/Stack.template.json"] = json.dumps(template, indent=1) + "\n"
    return out


def scaffold(rule_id: str, name: str, severity: str, kind: str, root: Path, snapshot: bool = True) -> list[Path]:
    """Write the rule's files under ``root``; the paths written. Refuses to overwrite anything."""
    if not ID.fullmatch(rule_id):
        raise ValueError(f"rule id {rule_id!r}: IAM or MNT and three digits (IAM015)")
    if not NAME.fullmatch(name):
        raise ValueError(f"rule name {name!r}: lower-case words joined by '-' (wildcard-principal)")
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r}: one of {', '.join(SEVERITIES)}")
    rules_dir = root / "mantlekit" / "lint" / "rules"
    fixtures = root / "tests" / "lint" / "rules" / "fixtures" / rule_id
    module = rules_dir / f"{rule_id.lower()}_{name.replace('-', '_')}.py"
    taken = sorted(p.name for p in rules_dir.glob(f"{rule_id.lower()}_*.py"))
    if taken or fixtures.exists():
        raise ValueError(f"{rule_id} exists already: {', '.join(taken) or fixtures}")
    module.write_text(
        MODULE.format(
            id=rule_id,
            name=name,
            severity=severity,
            kind=kind,
            family=rule_id[:3].lower() if rule_id.startswith("IAM") else "mantle",
            params=_PARAMS[kind][0],
            placement=_PARAMS[kind][1],
            imports=_IMPORTS[kind],
            imports_after=_IMPORTS_AFTER[kind],
        ),
        encoding="utf-8",
    )
    written = [module]
    for rel, text in fixture_files(kind).items():
        path = fixtures / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if snapshot:
        written.append(write_snapshot(rule_id, root))
    return written


def write_snapshot(rule_id: str, root: Path) -> Path:
    """Run mantle-lint (from ``root``) on the rule's bad input as the fixture test does; write bad.snap."""
    from tests.lint.rules import rule_fixtures as fx

    fixtures = root / "tests" / "lint" / "rules" / "fixtures" / rule_id
    args = fx.arguments(rule_id, "bad", base=fixtures.parent)
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("NO_COLOR", None)
    run = subprocess.run(
        [sys.executable, "-m", "mantlekit.lint.cli", *args], cwd=fixtures, capture_output=True, text=True, env=env
    )
    if run.returncode not in (0, 1) or run.stderr:
        raise RuntimeError(f"mantle-lint {' '.join(args)} failed ({run.returncode}): {run.stderr}")
    snap = fixtures / "bad.snap"
    snap.write_text(run.stdout, encoding="utf-8")
    return snap


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("id", help="IAM015, MNT012, ...")
    ap.add_argument("name", help="kebab-case, as findings and docs name the rule")
    ap.add_argument("--severity", choices=SEVERITIES, default="warning")
    ap.add_argument(
        "--kind",
        choices=sorted(_PARAMS),
        default="document",
        help="what the rule checks: a policy document (default), a principal, a template resource",
    )
    ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    ap.add_argument("--no-snapshot", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    try:
        written = scaffold(a.id.upper(), a.name, a.severity, a.kind, a.root, snapshot=not a.no_snapshot)
    except ValueError as e:
        print(f"new_rule.py: {e}", file=sys.stderr)
        return 2
    for path in written:
        print(path.relative_to(a.root))
    rid = a.id.upper()
    print(
        f"\nNext: write the check and the fixtures (bad must be found, good must not), then\n"
        f"  MANTLEKIT_UPDATE_SNAPSHOTS=1 pytest tests/lint/rules/test_rule_fixtures.py -k {rid}\n"
        f"  add {rid} to the README's rule table; python scripts/gen_rule_docs.py"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
