"""Configuration: rule selection, severities, ignores and declared principals.

Read from ``[tool.mantle-lint]`` in the nearest pyproject.toml, or from ``mantle-lint.toml`` /
``.mantle-lint.toml`` (same keys at top level) in the linted directory or a parent; ``--config`` overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mantlekit.lint.findings import InputError
from mantlekit.lint.inventory import Principal


@dataclass(slots=True)
class PathIgnore:
    pattern: str  # glob relative to the config file's directory
    rules: tuple[str, ...]
    reason: str


@dataclass(slots=True)
class Config:
    file: str | None = None
    select: tuple[str, ...] = ()  # rule ids or prefixes; empty = all
    ignore: tuple[str, ...] = ()  # rule ids or prefixes (each with a reason in the file)
    fail_on: str = "error"
    severity: dict[str, str] = field(default_factory=dict)
    per_path_ignores: list[PathIgnore] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
