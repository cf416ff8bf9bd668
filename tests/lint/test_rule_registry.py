"""The rule registry finds every rule module by itself, names are what the rules say, and rules stand alone
(no rule imports another; overlaps are declared with ``covered_by``)."""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import mantlekit.lint.rules as registry
from mantlekit.lint.config import known_rule_ids
from mantlekit.lint.rules import HELPERS, all_rules, rule_by_id, rule_module_names
from mantlekit.lint.rules.base import Rule

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "mantlekit" / "lint" / "rules"
RULE_FILES = sorted(p.stem for p in RULES_DIR.glob("*.py") if not p.stem.startswith("_") and p.stem not in HELPERS)


def test_every_rule_file_is_discovered_and_ordered_by_id():
    assert len(RULE_FILES) == 25
    assert list(rule_module_names()) == RULE_FILES
    ids = [r.id for r in all_rules()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == len(RULE_FILES)
    assert ids[0] == "IAM001" and ids[-1] == "MNT011"


def test_discovery_lists_what_pkgutil_lists():
    found = {m.name for m in pkgutil.iter_modules(registry.__path__)}
    assert set(rule_module_names()) == {n for n in found if not n.startswith("_")} - HELPERS


def test_a_module_is_named_after_its_rule():
    """``<id>_<name>`` with the rule's name, ``-`` as ``_``: the file a finding's id points at is obvious."""
    for name in rule_module_names():
        rule = sys.modules[f"mantlekit.lint.rules.{name}"].RULE
        assert name == f"{rule.id.lower()}_{rule.name.replace('-', '_')}", name


def test_known_rule_ids_are_the_rules():
    """No ids of rules not yet written: a selector must name a rule that runs."""
    assert known_rule_ids() == frozenset(r.id for r in all_rules())


def _imported_modules(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)  # from mantlekit.lint.rules import iam013_...
    return out


@pytest.mark.parametrize("name", RULE_FILES)
def test_no_rule_imports_another_rule(name):
    """A rule that imports another to avoid double reports goes quiet when the other is ignored; overlap is
    declared with ``covered_by`` instead, and shared code lives in the helper modules (``_*.py``, base)."""
    imported = _imported_modules(RULES_DIR / f"{name}.py")
    others = {f"mantlekit.lint.rules.{n}" for n in RULE_FILES if n != name}
    assert imported & others == set()
    assert "mantlekit.lint.rules" not in imported  # the registry itself


@pytest.mark.parametrize("name", sorted(p.stem for p in RULES_DIR.glob("_*.py") if p.stem != "__init__"))
def test_helpers_import_no_rule(name):
    imported = _imported_modules(RULES_DIR / f"{name}.py")
    assert imported & {f"mantlekit.lint.rules.{n}" for n in RULE_FILES} == set()


def test_covered_by_names_rules_that_claim():
    rules = {r.id: r for r in all_rules()}
    covered = {r.id: r.covered_by for r in rules.values() if r.covered_by}
    assert covered == {"IAM002": ("MNT006",), "IAM003": ("MNT006",)}
    for rid, by in covered.items():
        for other in by:
            assert other != rid and rules[other].claims is not None, (rid, other)
    assert [r.id for r in rules.values() if r.claims is not None] == ["MNT006"]


def test_a_rule_module_that_fails_to_import_fails_the_run(monkeypatch):
    """The old registry skipped a module it could not find; a missing security rule must not vanish."""
    all_rules.cache_clear()
    try:
        monkeypatch.setattr(registry, "rule_module_names", lambda: ("iam001_policy_structure", "mnt099_gone"))
        with pytest.raises(ModuleNotFoundError, match="mnt099_gone"):
            all_rules()
        monkeypatch.setattr(registry, "rule_module_names", lambda: ("_common",))
        with pytest.raises(ImportError, match=r"^rule module mantlekit\.lint\.rules\._common defines no RULE$"):
            all_rules()
    finally:
        monkeypatch.undo()
        all_rules.cache_clear()
    assert len(all_rules()) == 25 and isinstance(rule_by_id("mnt006"), Rule)


def test_discovery_works_from_a_zipped_package(tmp_path):
    """pkgutil lists a package wherever it is imported from: here a zip on PYTHONPATH (``-S``: no site, so
    this checkout's editable install is not on the path). The wheel test in tests/test_release.py checks an
    installed wheel."""
    archive = tmp_path / "mantlekit.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in (ROOT / "mantlekit").rglob("*.py"):
            z.write(path, path.relative_to(ROOT).as_posix())
    code = "import mantlekit.lint.rules as r; print(r.__file__); print(' '.join(x.id for x in r.all_rules()))"
    env = {**os.environ, "PYTHONPATH": str(archive)}
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    where, ids = out.stdout.splitlines()
    assert where == f"{archive}/mantlekit/lint/rules/__init__.py"
    assert ids.split() == [r.id for r in all_rules()]


def test_every_rule_declares_aws_references_and_tags():
    for r in all_rules():
        assert r.references, r.id
        for url in r.references:
            assert url.startswith("https://docs.aws.amazon.com/") and " " not in url, (r.id, url)
        assert len(set(r.references)) == len(r.references), r.id
        assert r.tags and r.tags[0] == "security" and len(set(r.tags)) == len(r.tags), r.id
    assert rule_by_id("MNT010").references[0] == "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html"


def test_explain_ends_with_the_references():
    rule = rule_by_id("IAM013")
    assert rule.explain().endswith(
        "\n## References\n\n- <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html>\n"
    )


def test_options_belong_to_principal_rules_only():
    """The runner passes options to principal checks only, so a document rule with options would never see
    them: refused where the rule is defined, not silently ignored at run time."""
    with pytest.raises(ValueError, match=r"^rule XYZ001: options are passed to a principal check, and this rule"):
        Rule(
            id="XYZ001",
            name="x",
            severity="error",
            summary="s",
            rationale="r",
            fix="f",
            references=("https://docs.aws.amazon.com/",),
            tags=("iam",),
            check_document=lambda policy: iter(()),
            options={"limit": 1},
        )
    assert all(r.check_principal is not None for r in all_rules() if r.options)
