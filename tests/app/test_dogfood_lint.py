"""Dogfood: synthesize the reference app through app.py (as ``cdk synth`` does) and lint the cloud assembly with
mantle-lint's runner and the project's own configuration, as ``make demo`` does."""

from __future__ import annotations

import importlib.util
import json

import pytest
from app_helpers import ROOT

from mantlekit.lint.api import exit_code, lint_templates
from mantlekit.lint.config import load_config


@pytest.fixture(scope="module")
def assembly_dir(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("cdk.out")
    spec = importlib.util.spec_from_file_location("mantlekit_reference_app", ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(outdir=str(outdir)) == 0
    return outdir


def test_app_py_synthesizes_every_stack(assembly_dir):
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    stacks = sorted(k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack")
    assert stacks == sorted(
        f"mantlekit-{e}-{layer}" for e in ("dev", "staging", "prod") for layer in ("network", "mantle")
    )


def test_mantle_lint_finds_nothing_in_the_cloud_assembly(assembly_dir):
    config = load_config(str(ROOT / "pyproject.toml"))
    result = lint_templates([str(assembly_dir)], config)
    assert result.errors == []
    assert [f for f in result.findings if f.severity == "error"] == []
    # make demo's bar: nothing at all from the assembly, so the project's fail-on (warning) passes.
    assert [(f.rule, f.file, f.message) for f in result.findings] == []
    assert exit_code(result, config.fail_on) == 0


def test_mantle_lint_read_the_stacks_principals(assembly_dir):
    """Not a vacuous pass: with a cloud-assembly reader, the linter sees the app's roles and key users."""
    pytest.importorskip("mantlekit.lint.readers.cdk_out")
    result = lint_templates([str(assembly_dir)])
    kinds = sorted(p.kind for p in result.inventory.principals if p.construct_path and "-mantle/" in p.construct_path)
    # dev: 2 inference roles, 2 key holders, 2 roles of the key-issuing functions; staging and prod: 1 role each
    assert kinds.count("long-term-key") == 2
    assert kinds.count("role") == 6
