"""The stable Python API of mantle-lint, for tools that embed it (e.g. the CDK validation plugin).

Everything here keeps its name and signature across minor versions; the modules behind it may move.

    from mantlekit.lint.api import lint_templates, exit_code
    result = lint_templates(["cdk.out/MyStack.template.json"])
    for f in result.findings: ...
"""

from __future__ import annotations

from collections.abc import Sequence

from mantlekit.lint.config import Config, discover_config, find_config, load_config
from mantlekit.lint.findings import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, SEVERITY_RANK, Finding, InputError
from mantlekit.lint.runner import Result, lint_inventory, lint_paths

__all__ = [
    "Config",
    "Finding",
    "InputError",
    "Result",
    "discover_config",
    "exit_code",
    "find_config",
    "lint_inventory",
    "lint_paths",
    "lint_templates",
    "load_config",
]


def lint_templates(paths: list[str], config: Config | None = None) -> Result:
    """Lint CloudFormation templates, cloud assemblies (``cdk.out``) or policy files, as the CLI does.

    ``config`` defaults to no configuration (all rules, no principals); pass ``discover_config(paths)``
    to use the project's mantle-lint.toml / pyproject.toml. Never raises for bad input: unreadable files
    are in ``result.errors``.
    """
    return lint_paths(list(paths), config or Config())


def exit_code(result: Result, fail_on: str = "error") -> int:
    """The CLI's exit status for ``result``: 2 with input errors, 1 with a finding at or above ``fail_on``
    (``info``, ``warning``, ``error``; ``never`` never fails), else 0."""
    if result.errors:
        return EXIT_USAGE
    return EXIT_FINDINGS if failing(result.findings, fail_on) else EXIT_OK


def failing(findings: Sequence[Finding], fail_on: str = "error") -> list[Finding]:
    """The findings at or above ``fail_on``."""
    if fail_on == "never":
        return []
    return [f for f in findings if SEVERITY_RANK.get(f.severity, 2) >= SEVERITY_RANK[fail_on]]
