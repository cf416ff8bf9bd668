"""scripts/new_rule.py: a scaffolded rule is found by the registry as written, named as the registry test
demands, with fixtures of its kind and the snapshot of mantle-lint's report on the bad one."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mantlekit.lint.rules.base import Rule

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "new_rule.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("new_rule", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tree(tmp_path):
    """A copy of the package and of the fixture directory, for the scaffold to write into."""
    shutil.copytree(ROOT / "mantlekit", tmp_path / "mantlekit", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tests" / "lint" / "rules" / "fixtures").mkdir(parents=True)
    return tmp_path


def _run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--root", str(tree)], capture_output=True, text=True, timeout=120
    )


def test_a_document_rule_is_scaffolded_discovered_and_snapshotted(tree):
    run = _run(tree, "IAM099", "example-check", "--severity", "error")
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.splitlines()[:4] == [
        "mantlekit/lint/rules/iam099_example_check.py",
        "tests/lint/rules/fixtures/IAM099/bad.json",
        "tests/lint/rules/fixtures/IAM099/good.json",
        "tests/lint/rules/fixtures/IAM099/bad.snap",
    ]
    # The copy's registry finds it with no list to edit; it finds nothing yet, as the snapshot says.
    code = "from mantlekit.lint.rules import rule_by_id; r = rule_by_id('IAM099'); print(r.name, r.severity, r.tags)"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    listed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tree)
    assert listed.stdout == "example-check error ('security', 'iam')\n", listed.stderr
    snap = (tree / "tests/lint/rules/fixtures/IAM099/bad.snap").read_text()
    assert snap.endswith("0 findings in 1 file\n")


@pytest.mark.parametrize(
    ("kind", "inputs", "check"),
    [
        ("principal", ["bad/bot.json", "bad/mantle-lint.toml", "good/bot.json", "good/mantle-lint.toml"], "principal"),
        (
            "resource",
            ["bad/Stack.template.json", "bad/manifest.json", "good/Stack.template.json", "good/manifest.json"],
            "resource",
        ),
    ],
)
def test_principal_and_resource_rules_get_inputs_of_their_shape(tree, kind, inputs, check):
    written = _load_script().scaffold("MNT099", "example-check", "warning", kind, tree, snapshot=False)
    fixtures = tree / "tests/lint/rules/fixtures/MNT099"
    assert sorted(p.relative_to(fixtures).as_posix() for p in written[1:]) == inputs
    source = written[0].read_text()
    namespace: dict = {}
    exec(compile(source, str(written[0]), "exec"), namespace)
    rule = namespace["RULE"]
    assert isinstance(rule, Rule) and (rule.id, rule.name, rule.tags) == (
        "MNT099",
        "example-check",
        ("security", "mantle"),
    )
    assert getattr(rule, f"check_{check}") is not None and list(rule.references) == ["https://docs.aws.amazon.com/TODO"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("IAM99", "x"), "rule id 'IAM99': IAM or MNT and three digits (IAM015)"),
        (("IAM099", "Bad_Name"), "rule name 'Bad_Name': lower-case words joined by '-' (wildcard-principal)"),
        (("IAM001", "again"), "IAM001 exists already: iam001_policy_structure.py"),
    ],
)
def test_bad_ids_names_and_existing_rules_are_refused(tree, args, message):
    run = _run(tree, *args, "--no-snapshot")
    assert (run.returncode, run.stdout, run.stderr) == (2, "", f"new_rule.py: {message}\n")
    assert list((tree / "tests/lint/rules/fixtures").iterdir()) == []
    assert sorted(p.name for p in (tree / "mantlekit/lint/rules").glob("iam0*.py")) == sorted(
        p.name for p in (ROOT / "mantlekit/lint/rules").glob("iam0*.py")
    )
