"""The release channel: the version users pin, the wheel `make dist` builds, and the places that name the
repository and the tag (README's install, CI and pre-commit snippets, SARIF, pyproject) agreeing."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import tomllib

import yaml

import mantlekit
from mantlekit import REPOSITORY_URL, __version__

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TAG = f"v{__version__}"
GIT_INSTALL = f'pip install "mantlekit @ git+{REPOSITORY_URL}@{TAG}"'
#: A policy with one finding: an action that does not exist, the nearest real one as the fix.
BROKEN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock-mantle:ListModel", "Resource": "*"}]}
)


def _section(heading: str) -> str:
    return README.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_version_is_the_changelog_release():
    assert __version__ == "0.2.0"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert releases == ["Unreleased", "0.2.0", "0.1.0"]
    assert "git tag -a vX.Y.Z" in changelog


def test_readme_install_commands():
    install = _blocks(_section("## Installation"), "sh")[0]
    commands = [line.split("  #")[0].strip() for line in install.splitlines()]
    assert commands == [
        "pip install .",
        f"make dist && pip install dist/mantlekit-{__version__}-py3-none-any.whl",
        GIT_INSTALL,
    ]
    assert "pip install mantlekit\n" not in README and "pip install mantlekit " not in README


def test_ci_snippet_installs_from_the_tag_and_lints():
    workflow = yaml.safe_load(_blocks(_section("### GitHub code scanning and annotations"), "yaml")[0])
    runs = [step["run"] for step in workflow["jobs"]["mantle-lint"]["steps"] if "run" in step]
    assert runs == [GIT_INSTALL, "mantle-lint policies/ --format sarif > mantle-lint.sarif"]


def test_pre_commit_snippet_names_the_repository_and_tag():
    config = yaml.safe_load(_blocks(_section("### pre-commit"), "yaml")[0])
    assert [(r["repo"], r["rev"]) for r in config["repos"]] == [(REPOSITORY_URL, TAG)]
    assert config["repos"][0]["hooks"][0]["id"] == "mantle-lint"


def test_sarif_and_pyproject_name_the_repository(tmp_path):
    from mantlekit.lint.report import sarif

    assert sarif.INFORMATION_URI == REPOSITORY_URL
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls == {"Repository": REPOSITORY_URL, "Changelog": f"{REPOSITORY_URL}/blob/main/CHANGELOG.md"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"[{__version__}]: {REPOSITORY_URL}/compare/" in changelog


def test_built_wheel_installs_into_a_fresh_venv_and_lints(tmp_path):
    """`make dist`, then the wheel alone (plus PyYAML) in a venv that has nothing else: the command users
    get from a release runs and lints."""
    dist = tmp_path / "dist"
    built = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "dist", f"DIST={dist}"], capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines() == [
        f"{dist}/mantlekit-{__version__}-py3-none-any.whl",
        f"{dist}/mantlekit-{__version__}.tar.gz",
    ]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    wheel = dist / f"mantlekit-{__version__}-py3-none-any.whl"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]  # this env's pip, the fresh venv's site-packages
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "-c", str(ROOT / "constraints.txt"), str(wheel), "PyYAML"],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    lint = str(venv / "bin" / "mantle-lint")
    version = subprocess.run([lint, "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert (version.returncode, version.stdout, version.stderr) == (0, f"mantle-lint {__version__}\n", "")

    (tmp_path / "policy.json").write_text(BROKEN)
    out = subprocess.run(
        [lint, "--no-config", "--format", "json", "policy.json"], capture_output=True, text=True, cwd=tmp_path
    )
    assert (out.returncode, out.stderr) == (1, "")
    findings = [(f["rule"], f["file"], f["line"], f["fix"]) for f in json.loads(out.stdout)["findings"]]
    assert findings == [("MNT006", "policy.json", 1, 'use "bedrock-mantle:ListModels"')]
    # The rule registry lists the installed package: every rule of this checkout, none lost in the wheel.
    from mantlekit.lint.rules import all_rules, rule_by_id

    listed = subprocess.run([lint, "--explain", "all"], capture_output=True, text=True, cwd=tmp_path)
    assert [ln.split()[0] for ln in listed.stdout.splitlines()] == [r.id for r in all_rules()]
    # --explain's Example and "Use instead" come with the wheel (mantlekit/data/rule-examples.json).
    explained = subprocess.run([lint, "--explain", "MNT010"], capture_output=True, text=True, cwd=tmp_path)
    assert explained.stdout == rule_by_id("MNT010").explain() and "\n## Use instead\n\n`good.json`:" in explained.stdout
    # It ran from the fresh venv, not from this checkout.
    where = subprocess.run(
        [str(python), "-c", "import mantlekit; print(mantlekit.__file__)"], capture_output=True, text=True, cwd=tmp_path
    )
    assert where.stdout.startswith(f"{venv}/lib/") and mantlekit.__file__ not in where.stdout
